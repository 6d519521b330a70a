//! `trainc apply`: checks everything first, then creates the network and
//! the nodes in plan order, and undoes what it created when a step fails.
//! Without `--detach` it then follows the job to its end.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use futures_util::future::join_all;

use crate::engine::{Engine, NetworkSpec};
use crate::job::PullPolicy;
use crate::plan::{ContainerPlan, Plan};

use super::delete::{self, Removal};
use super::output::Progress;
use super::resolve::{self, Context as Values};
use super::status::{JobReport, Status};
use super::wait::{self, Ending};
use super::{archive, find_job, workspace, InputError};

#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions {
    pub detach: bool,
    pub replace: bool,
}

/// How apply ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The job ran to its end; `Complete` or `Failed` (or `Unknown` when
    /// its containers vanished).
    Finished(Status),
    /// `--detach`: every node runs.
    Detached,
    /// A job with this name already runs this plan; nothing was changed.
    Unchanged(Status),
    /// Ctrl-C stopped the job.
    Interrupted,
}

/// Applies a plan. Bad input found before anything exists comes back as an
/// [`InputError`]; engine failures carry the step that failed and what the
/// undo removed.
pub async fn apply<E: Engine>(
    engine: &E,
    plan: &Plan,
    options: ApplyOptions,
) -> anyhow::Result<Outcome> {
    let progress = Progress::new();
    let job = plan.job.name.as_str();

    progress.step(format!("checking job {job}"));
    let existing = find_job(engine, job)
        .await
        .with_context(|| format!("looking for an existing job named `{job}`"))?;
    if !existing.is_empty() {
        let report = JobReport::from_containers(job, &existing.containers);
        if runs_same_plan(plan, &report) {
            progress.finish();
            println!(
                "job {job} already runs this plan ({}), status {}; nothing to change",
                plan.hash,
                report.status.as_str()
            );
            if report.status == Status::Running && !options.detach {
                let report = wait::wait_job(engine, job).await?;
                println!("{}", wait::render_report(engine, &report).await.trim_end());
                return Ok(Outcome::Finished(report.status));
            }
            return Ok(Outcome::Unchanged(report.status));
        }
        if !options.replace {
            let hash = report.plan_hash.as_deref().unwrap_or("no plan hash");
            return Err(InputError(format!(
                "job `{job}` already exists ({}, {hash}) with a different plan; pass --replace to delete it and apply this plan (its workspace is kept), or `trainc delete {job}` first",
                report.status.as_str()
            ))
            .into());
        }
    }

    resolve::check_host_variables(plan)?;
    resolve::check_bind_sources(plan)?;
    ensure_images(engine, plan, &progress).await?;

    if !existing.is_empty() {
        progress.step(format!("deleting the existing job {job} (--replace)"));
        let removal = delete::remove_job(engine, &existing).await;
        if !removal.failures.is_empty() {
            anyhow::bail!("replacing job `{job}`: {}", removal.describe());
        }
        progress.note(format!(
            "replaced the existing job {job}: {}",
            removal.describe()
        ));
    }

    let workspace_dir = workspace::resolve(&plan.workspace.host_dir)?;
    workspace::ensure(&workspace_dir)?;

    let created = Created::default();
    let launch = launch(engine, plan, &workspace_dir, &created, &progress);
    let launched = tokio::select! {
        result = launch => Some(result),
        _ = tokio::signal::ctrl_c() => None,
    };
    progress.finish();

    match launched {
        Some(Ok(())) => {}
        Some(Err(error)) => {
            let removal = created.undo(engine).await;
            return Err(error.context(format!(
                "applying job `{job}` failed and was undone: {}",
                removal.describe()
            )));
        }
        None => {
            let removal = created.undo(engine).await;
            eprintln!(
                "interrupted while starting job {job}: {}",
                removal.describe()
            );
            return Ok(Outcome::Interrupted);
        }
    }

    let nodes: Vec<String> = plan
        .containers
        .iter()
        .map(|container| container.name.clone())
        .collect();
    if options.detach {
        print_detached(job, nodes.len());
        return Ok(Outcome::Detached);
    }

    run_to_end(engine, plan, &nodes, &workspace_dir).await
}

fn runs_same_plan(plan: &Plan, report: &JobReport) -> bool {
    let same_hash = report.plan_hash.as_deref() == Some(plan.hash.as_str());
    let every_node = report.nodes.len() == plan.containers.len();
    same_hash && every_node && matches!(report.status, Status::Running | Status::Complete)
}

/// Makes sure every image is present, pulling per the pull policy. Never
/// pulls a `localhost/` image that exists, because Podman would try
/// https://localhost/v2/ for it.
async fn ensure_images<E: Engine>(
    engine: &E,
    plan: &Plan,
    progress: &Progress,
) -> anyhow::Result<()> {
    let images: BTreeSet<&str> = plan
        .containers
        .iter()
        .map(|container| container.image.as_str())
        .collect();
    for image in images {
        let present = engine
            .image_exists(image)
            .await
            .with_context(|| format!("checking whether image {image} exists"))?;
        let local_only = image.starts_with("localhost/");
        let pull = match plan.engine.pull_policy {
            PullPolicy::Never if !present => {
                return Err(InputError(format!(
                    "image {image} is not present and the pull policy is Never; build it (scripts/build-images.sh builds trainc's images) or use pull-policy \"IfNotPresent\""
                ))
                .into())
            }
            PullPolicy::Never => false,
            PullPolicy::IfNotPresent => !present,
            PullPolicy::Always => !(local_only && present),
        };
        if !pull {
            continue;
        }
        if local_only {
            return Err(InputError(format!(
                "image {image} is not present, and `localhost/` images cannot be pulled; build it (scripts/build-images.sh builds trainc's images) or name an image in a registry"
            ))
            .into());
        }
        progress.step(format!("pulling image {image}"));
        engine.pull_image(image).await.with_context(|| {
            format!(
                "pulling image {image} (pull policy {:?})",
                plan.engine.pull_policy
            )
        })?;
        progress.note(format!("pulled image {image}"));
    }
    Ok(())
}

/// Everything created so far, for the undo.
#[derive(Default)]
struct Created {
    network: Mutex<Option<String>>,
    containers: Mutex<Vec<String>>,
}

impl Created {
    fn add_container(&self, name: &str) {
        self.containers
            .lock()
            .expect("no thread panics while holding it")
            .push(name.to_string());
    }

    async fn undo<E: Engine>(&self, engine: &E) -> Removal {
        let containers = self
            .containers
            .lock()
            .expect("no thread panics while holding it")
            .clone();
        let networks: Vec<String> = self
            .network
            .lock()
            .expect("no thread panics while holding it")
            .iter()
            .cloned()
            .collect();
        delete::remove(engine, &containers, &networks).await
    }
}

async fn launch<E: Engine>(
    engine: &E,
    plan: &Plan,
    workspace_dir: &Path,
    created: &Created,
    progress: &Progress,
) -> anyhow::Result<()> {
    let mut values = Values {
        workspace_dir: workspace_dir.to_path_buf(),
        rank0_ip: None,
    };
    let archives = archive::build(&plan.files)?;

    let network = NetworkSpec {
        name: plan.network.name.clone(),
        driver: plan.network.driver.to_string(),
        labels: values.network_labels(plan)?,
    };
    progress.step(format!("creating network {}", network.name));
    engine
        .create_network(&network)
        .await
        .with_context(|| format!("creating network `{}`", network.name))?;
    *created
        .network
        .lock()
        .expect("no thread panics while holding it") = Some(network.name.clone());

    let (first, rest): (Vec<&ContainerPlan>, Vec<&ContainerPlan>) = plan
        .containers
        .iter()
        .partition(|container| container.start_group == 0);
    for container in &first {
        progress.step(format!("starting {}", container.name));
        start_node(engine, plan, container, &values, &archives, created).await?;
    }

    if resolve::needs_rank0_ip(plan) {
        let rank0 = first
            .first()
            .context("the plan reads rank 0's address but has no container in start group 0")?;
        values.rank0_ip = Some(read_address(engine, &rank0.name, &plan.network.name).await?);
    }

    progress.step(format!("starting {} more node(s)", rest.len()));
    let starts = rest
        .iter()
        .map(|container| start_node(engine, plan, container, &values, &archives, created));
    let results = join_all(starts).await;
    // Report the first failure in plan order; undo covers all of them.
    results.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    Ok(())
}

async fn start_node<E: Engine>(
    engine: &E,
    plan: &Plan,
    container: &ContainerPlan,
    values: &Values,
    archives: &[(String, Vec<u8>)],
    created: &Created,
) -> anyhow::Result<()> {
    let name = &container.name;
    let spec = values
        .container(plan, container)
        .with_context(|| format!("resolving the values of container `{name}`"))?;
    engine
        .create_container(&spec)
        .await
        .with_context(|| format!("creating container `{name}`"))?;
    created.add_container(name);

    for (dir, tar) in archives {
        engine
            .put_archive(name, dir, tar.clone())
            .await
            .with_context(|| format!("placing files into {dir} of container `{name}`"))?;
    }
    engine
        .start_container(name)
        .await
        .with_context(|| format!("starting container `{name}`"))?;
    tracing::debug!(container = %name, "node started");
    Ok(())
}

/// Rank 0's address on the job network. Podman fills it in when the
/// container starts, so a few reads cover a slow network setup.
async fn read_address<E: Engine>(
    engine: &E,
    container: &str,
    network: &str,
) -> anyhow::Result<String> {
    const ATTEMPTS: u32 = 20;
    for attempt in 1..=ATTEMPTS {
        let info = engine
            .inspect_container(container)
            .await
            .with_context(|| format!("reading the address of container `{container}`"))?;
        if let Some(address) = info.addresses.get(network) {
            return Ok(address.clone());
        }
        tracing::debug!(container, network, attempt, "no address yet");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!(
        "container `{container}` has no address on network `{network}` after it started; check `podman inspect {container}` and the network with `podman network inspect {network}`"
    )
}

fn print_detached(job: &str, nodes: usize) {
    println!("job {job} is running ({nodes} node(s)). Follow it with:");
    println!("  trainc logs {job} -f");
    println!("  trainc status {job}");
    println!("  trainc wait {job}");
    println!("  trainc delete {job}");
}

/// Streams the job's output until it ends or Ctrl-C, reports, and cleans
/// up per auto-remove.
async fn run_to_end<E: Engine>(
    engine: &E,
    plan: &Plan,
    nodes: &[String],
    workspace_dir: &Path,
) -> anyhow::Result<Outcome> {
    let job = plan.job.name.as_str();
    let followed = tokio::select! {
        ending = wait::follow(engine, nodes, true, true) => Some(ending),
        _ = tokio::signal::ctrl_c() => None,
    };

    let ending: Option<Ending> = match followed {
        Some(ending) => Some(ending?),
        None => {
            eprintln!("interrupted: stopping job {job}");
            wait::stop_all(engine, nodes.iter()).await;
            None
        }
    };

    let objects = find_job(engine, job)
        .await
        .context("reading the job's final state")?;
    let report = JobReport::from_containers(job, &objects.containers);
    let text = wait::render_report(engine, &report).await;
    println!("{}", text.trim_end());
    if let Some(Ending {
        first_failure: Some((node, code)),
    }) = &ending
    {
        println!("{node} failed first (exit code {code}); trainc stopped the other nodes");
    }

    let left = if plan.engine.auto_remove {
        let removal = auto_remove(engine, &report, nodes, &objects, workspace_dir).await;
        if removal.failures.is_empty() {
            format!(
                "removed the job's containers and network; logs saved in {}",
                logs_dir_text(workspace_dir)
            )
        } else {
            format!("clean-up incomplete: {}", removal.describe())
        }
    } else {
        format!(
            "containers and network kept (auto-remove is off); `trainc delete {job}` removes them"
        )
    };
    println!("{left}");

    match ending {
        None => {
            eprintln!("job {job} interrupted; {left}");
            Ok(Outcome::Interrupted)
        }
        Some(_) => Ok(Outcome::Finished(report.status)),
    }
}

fn logs_dir_text(workspace_dir: &Path) -> String {
    let dir: PathBuf = workspace::logs_dir(workspace_dir);
    dir.display().to_string()
}

/// Saves logs and the summary into the workspace, then removes the
/// containers and network.
async fn auto_remove<E: Engine>(
    engine: &E,
    report: &JobReport,
    nodes: &[String],
    objects: &super::JobObjects,
    workspace_dir: &Path,
) -> Removal {
    let mut removal = Removal::default();
    removal
        .failures
        .extend(wait::save_logs(engine, nodes, workspace_dir).await);
    if let Err(error) = report.save(workspace_dir) {
        removal
            .failures
            .push(format!("saving the job summary: {error:#}"));
    }
    removal.merge(delete::remove_job(engine, objects).await);
    removal
}
