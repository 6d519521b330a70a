//! `trainc apply`: checks everything first, then creates the network and
//! the nodes in plan order, and undoes what it created when a step fails.
//! Without `--detach` it then follows the job to its end.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use futures_util::future::join_all;

use crate::engine::{ContainerState, Engine, NetworkSpec};
use crate::job::PullPolicy;
use crate::plan::{ContainerPlan, Plan};

use super::delete::{self, Removal};
use super::interrupt::Interrupt;
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

/// The result of an apply.
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
    if !existing.is_empty() && !options.replace {
        let report = JobReport::from_containers(job, &existing.containers);
        let same_plan = report.plan_hash.as_deref() == Some(plan.hash.as_str());
        match (same_plan, report.status) {
            (true, Status::Running | Status::Created) => {
                progress.finish();
                println!(
                    "job {job} already runs this plan ({}), status {}; nothing to change",
                    plan.hash,
                    report.status.as_str()
                );
                if !options.detach {
                    let report = wait::wait_job(engine, job).await?;
                    println!("{}", wait::render_report(engine, &report).await.trim_end());
                    return Ok(Outcome::Finished(report.status));
                }
                return Ok(Outcome::Unchanged(report.status));
            }
            (true, Status::Complete) => {
                progress.finish();
                println!(
                    "job {job} already completed this plan ({}); nothing to change. `trainc apply --replace` runs it again",
                    plan.hash
                );
                return Ok(Outcome::Unchanged(report.status));
            }
            (true, status) => {
                return Err(InputError(format!(
                    "job `{job}` already exists with this plan and is {}; pass --replace to run it again (its logs are saved in the workspace first), or `trainc delete {job}` first",
                    status.as_str()
                ))
                .into());
            }
            (false, status) => {
                let hash = report.plan_hash.as_deref().unwrap_or("no plan hash");
                return Err(InputError(format!(
                    "job `{job}` already exists ({}, {hash}) with a different plan; pass --replace to delete it and apply this plan (its logs are saved in the workspace first), or `trainc delete {job}` first",
                    status.as_str()
                ))
                .into());
            }
        }
    }

    resolve::check_host_variables(plan)?;
    resolve::check_bind_sources(plan)?;
    ensure_images(engine, plan, &progress).await?;

    if !existing.is_empty() {
        progress.step(format!("deleting the existing job {job} (--replace)"));
        let workspace_dir = workspace::resolve(&plan.workspace.host_dir)?;
        let removal = delete::save_and_remove(engine, job, &existing, &workspace_dir).await;
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

    let mut interrupt = Interrupt::listen().context("installing the Ctrl-C handler")?;
    let created = Created::default();
    let launch = launch(engine, plan, &workspace_dir, &created, &progress);
    let launched = tokio::select! {
        result = launch => Some(result),
        _ = interrupt.received() => None,
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
        if plan.engine.auto_remove {
            // NOTE: auto-remove needs a running trainc to save logs and
            // remove the job when it ends, which a detached apply is not.
            println!("auto-remove needs a waiting apply; `trainc delete {job}` removes the job once it ends");
        }
        return Ok(Outcome::Detached);
    }

    run_to_end(engine, plan, &nodes, &workspace_dir, &mut interrupt).await
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

    let total = plan.containers.len();
    let started = std::cell::Cell::new(first.len());
    progress.step(format!("started {} of {total} nodes", started.get()));
    let starts = rest.iter().map(|container| async {
        let result = start_node(engine, plan, container, &values, &archives, created).await;
        started.set(started.get() + 1);
        progress.step(format!("started {} of {total} nodes", started.get()));
        result
    });
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
        // Podman drops the address of a stopped container. A short command
        // job may legitimately end on rank 0 before the others start, so
        // they get its name, which is all that is left to give.
        if let ContainerState::Exited { code } = info.state {
            eprintln!(
                "{container} already exited (code {code}) before its address could be read; the other nodes get its name instead"
            );
            return Ok(container.to_string());
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
    interrupt: &mut Interrupt,
) -> anyhow::Result<Outcome> {
    let job = plan.job.name.as_str();
    let followed = tokio::select! {
        ending = wait::follow(engine, nodes, true, true) => Some(ending),
        _ = interrupt.received() => None,
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
    let first_failed = match &ending {
        Some(Ending {
            first_failure: Some((node, code)),
        }) => {
            println!("{node} failed first (exit code {code}); trainc stopped the other nodes");
            Some(node.as_str())
        }
        _ => None,
    };
    if ending.is_some() {
        let text = wait::render_report_with_first(engine, &report, first_failed).await;
        println!("{}", text.trim_end());
    } else {
        // The nodes were stopped on request, so their exit codes carry no
        // information about the training and their tails are not shown.
        println!(
            "job {job}: interrupted; trainc stopped its {} node(s)",
            nodes.len()
        );
    }

    let left = if plan.engine.auto_remove {
        let removal = delete::save_and_remove(engine, job, &objects, workspace_dir).await;
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
            "containers and network kept (auto-remove is off); `trainc delete {job}` removes them and saves their logs"
        )
    };
    println!("{left}");

    match ending {
        None => Ok(Outcome::Interrupted),
        Some(_) => Ok(Outcome::Finished(report.status)),
    }
}

fn logs_dir_text(workspace_dir: &Path) -> String {
    let dir: PathBuf = workspace::logs_dir(workspace_dir);
    dir.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fake::{FakeEngine, FAKE_ADDRESS};
    use crate::exec::test_plan::{self, IMAGE};
    use crate::plan::Value;

    const DETACH: ApplyOptions = ApplyOptions {
        detach: true,
        replace: false,
    };

    fn engine_with_image() -> FakeEngine {
        let engine = FakeEngine::new();
        engine.add_image(IMAGE);
        engine
    }

    fn creations(engine: &FakeEngine) -> Vec<String> {
        engine
            .calls()
            .into_iter()
            .filter(|call| call.starts_with("create_") || call.starts_with("start_"))
            .collect()
    }

    #[tokio::test]
    async fn apply_starts_rank0_before_the_others() {
        let engine = engine_with_image();
        let plan = test_plan::plan("order", 3, "sha256:a");

        let outcome = apply(&engine, &plan, DETACH).await.unwrap();

        assert_eq!(outcome, Outcome::Detached);
        let calls = creations(&engine);
        assert_eq!(
            calls[..3],
            [
                "create_network order-net",
                "create_container order-node-0",
                "start_container order-node-0"
            ]
        );
        let rank0_start = calls
            .iter()
            .position(|call| call == "start_container order-node-0")
            .unwrap();
        let others_create = calls
            .iter()
            .position(|call| call == "create_container order-node-1")
            .unwrap();
        assert!(rank0_start < others_create);
        assert_eq!(calls.len(), 7);
    }

    #[tokio::test]
    async fn apply_gives_other_nodes_rank0_address() {
        let engine = engine_with_image();
        let plan = test_plan::plan("address", 2, "sha256:a");

        apply(&engine, &plan, DETACH).await.unwrap();

        let rank1 = engine.spec("address-node-1").unwrap();
        assert_eq!(
            rank1.env,
            [("MASTER_ADDR".to_string(), FAKE_ADDRESS.to_string())]
        );
        let rank0 = engine.spec("address-node-0").unwrap();
        assert_eq!(
            rank0.env,
            [("MASTER_ADDR".to_string(), "address-node-0".to_string())]
        );
    }

    #[tokio::test]
    async fn apply_places_files_before_start() {
        let engine = engine_with_image();
        let plan = test_plan::plan("files", 1, "sha256:a");

        apply(&engine, &plan, DETACH).await.unwrap();

        let calls = engine.calls();
        let put = calls
            .iter()
            .position(|call| call == "put_archive files-node-0 /opt/trainc")
            .unwrap();
        let start = calls
            .iter()
            .position(|call| call == "start_container files-node-0")
            .unwrap();
        assert!(put < start);
        assert_eq!(engine.archives("files-node-0").len(), 1);
    }

    #[tokio::test]
    async fn apply_resolves_workspace_mount_and_label() {
        let data_dir = test_plan::use_test_data_dir();
        let engine = engine_with_image();
        let plan = test_plan::plan("workspace", 1, "sha256:a");

        apply(&engine, &plan, DETACH).await.unwrap();

        let expected = data_dir.join("jobs/workspace");
        assert!(expected.is_dir());
        let spec = engine.spec("workspace-node-0").unwrap();
        assert_eq!(spec.mounts[0].source, expected.display().to_string());
    }

    #[tokio::test]
    async fn failed_create_undoes_everything() {
        let engine = engine_with_image();
        engine.fail("create_container undo-node-2", "no space left");
        let plan = test_plan::plan("undo", 3, "sha256:a");

        let error = apply(&engine, &plan, DETACH).await.unwrap_err();

        let message = format!("{error:#}");
        assert!(
            message.contains("creating container `undo-node-2`: no space left"),
            "{message}"
        );
        assert!(
            message.contains("removed container undo-node-0"),
            "{message}"
        );
        assert!(message.contains("network undo-net"), "{message}");
        assert!(engine.container_names().is_empty());
        assert!(engine.network_names().is_empty());
    }

    #[tokio::test]
    async fn undo_reports_clean_up_failures() {
        let engine = engine_with_image();
        engine.fail("start_container cleanup-node-0", "runtime error");
        engine.fail("remove_network cleanup-net", "network busy");
        let plan = test_plan::plan("cleanup", 2, "sha256:a");

        let error = apply(&engine, &plan, DETACH).await.unwrap_err();

        let message = format!("{error:#}");
        assert!(
            message.contains("starting container `cleanup-node-0`"),
            "{message}"
        );
        assert!(
            message.contains("could not remove: network cleanup-net (network busy)"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn never_with_missing_image_creates_nothing() {
        let engine = FakeEngine::new();
        let mut plan = test_plan::plan("never", 2, "sha256:a");
        plan.engine.pull_policy = PullPolicy::Never;

        let error = apply(&engine, &plan, DETACH).await.unwrap_err();

        assert!(error.downcast_ref::<InputError>().is_some());
        assert!(error.to_string().contains(IMAGE));
        assert!(error.to_string().contains("scripts/build-images.sh"));
        assert!(creations(&engine).is_empty());
    }

    #[tokio::test]
    async fn missing_localhost_image_is_never_pulled() {
        let engine = FakeEngine::new();
        let plan = test_plan::plan("nopull", 1, "sha256:a");

        let error = apply(&engine, &plan, DETACH).await.unwrap_err();

        assert!(error.downcast_ref::<InputError>().is_some());
        assert!(!engine
            .calls()
            .iter()
            .any(|call| call.starts_with("pull_image")));
    }

    #[tokio::test]
    async fn missing_host_variable_creates_nothing() {
        let engine = engine_with_image();
        let mut plan = test_plan::plan("hostvar", 1, "sha256:a");
        plan.containers[0].env.push(crate::plan::EnvVar {
            name: "TOKEN".into(),
            value: Value::FromHost {
                var: "TRAINC_TEST_UNSET_VARIABLE".into(),
                sensitive: true,
            },
        });

        let error = apply(&engine, &plan, DETACH).await.unwrap_err();

        assert!(error.to_string().contains("$TRAINC_TEST_UNSET_VARIABLE"));
        assert!(creations(&engine).is_empty());
    }

    #[tokio::test]
    async fn same_plan_hash_is_a_no_op() {
        let engine = engine_with_image();
        let plan = test_plan::plan("same", 2, "sha256:a");
        apply(&engine, &plan, DETACH).await.unwrap();
        let before = creations(&engine).len();

        let outcome = apply(&engine, &plan, DETACH).await.unwrap();

        assert_eq!(outcome, Outcome::Unchanged(Status::Running));
        assert_eq!(creations(&engine).len(), before);
    }

    #[tokio::test]
    async fn different_hash_needs_replace() {
        let engine = engine_with_image();
        apply(&engine, &test_plan::plan("differ", 1, "sha256:a"), DETACH)
            .await
            .unwrap();

        let error = apply(&engine, &test_plan::plan("differ", 1, "sha256:b"), DETACH)
            .await
            .unwrap_err();

        assert!(error.downcast_ref::<InputError>().is_some());
        assert!(error.to_string().contains("--replace"));
        assert!(error.to_string().contains("Running"));
    }

    #[tokio::test]
    async fn failed_job_with_same_plan_needs_replace() {
        let engine = engine_with_image();
        let plan = test_plan::plan("again", 2, "sha256:a");
        apply(&engine, &plan, DETACH).await.unwrap();
        engine.exit_code("again-node-1", 1);
        engine.wait_container("again-node-1").await.unwrap();

        let error = apply(&engine, &plan, DETACH).await.unwrap_err();

        assert!(error.downcast_ref::<InputError>().is_some());
        let message = error.to_string();
        assert!(
            message.contains("with this plan and is Failed"),
            "{message}"
        );
        assert!(message.contains("--replace"), "{message}");
    }

    #[tokio::test]
    async fn replace_runs_same_plan_again_and_keeps_logs() {
        let data_dir = test_plan::use_test_data_dir();
        let engine = engine_with_image();
        let plan = test_plan::plan("rerun", 1, "sha256:a");
        apply(&engine, &plan, DETACH).await.unwrap();
        engine.set_logs("rerun-node-0", "first run\n");
        let options = ApplyOptions {
            detach: true,
            replace: true,
        };

        let outcome = apply(&engine, &plan, options).await.unwrap();

        assert_eq!(outcome, Outcome::Detached);
        let creates = engine
            .calls()
            .iter()
            .filter(|call| *call == "create_container rerun-node-0")
            .count();
        assert_eq!(creates, 2);
        let saved =
            std::fs::read_to_string(data_dir.join("jobs/rerun/logs/rerun-node-0.log")).unwrap();
        assert_eq!(saved, "first run\n");
    }

    #[tokio::test]
    async fn replace_deletes_the_old_job_first() {
        let engine = engine_with_image();
        apply(&engine, &test_plan::plan("swap", 1, "sha256:a"), DETACH)
            .await
            .unwrap();
        let options = ApplyOptions {
            detach: true,
            replace: true,
        };

        let outcome = apply(&engine, &test_plan::plan("swap", 1, "sha256:b"), options)
            .await
            .unwrap();

        assert_eq!(outcome, Outcome::Detached);
        let calls = engine.calls();
        let removed = calls
            .iter()
            .position(|call| call == "remove_container swap-node-0")
            .unwrap();
        let recreated = calls
            .iter()
            .rposition(|call| call == "create_container swap-node-0")
            .unwrap();
        assert!(removed < recreated);
        let spec = engine.spec("swap-node-0").unwrap();
        assert_eq!(spec.labels[crate::plan::labels::PLAN_HASH], "sha256:b");
    }

    #[tokio::test]
    async fn failed_node_stops_the_others_and_auto_removes() {
        let data_dir = test_plan::use_test_data_dir();
        let engine = engine_with_image();
        engine.exit_code("fast-node-1", 1);
        engine.set_logs("fast-node-1", "boom\n");
        let plan = test_plan::plan("fast", 3, "sha256:a");

        let outcome = apply(&engine, &plan, ApplyOptions::default())
            .await
            .unwrap();

        assert_eq!(outcome, Outcome::Finished(Status::Failed));
        let calls = engine.calls();
        assert!(calls.contains(&"stop_container fast-node-0".to_string()));
        assert!(calls.contains(&"stop_container fast-node-2".to_string()));
        assert!(!calls.contains(&"stop_container fast-node-1".to_string()));
        assert!(engine.container_names().is_empty());
        assert!(engine.network_names().is_empty());
        let saved =
            std::fs::read_to_string(data_dir.join("jobs/fast/logs/fast-node-1.log")).unwrap();
        assert_eq!(saved, "boom\n");
        assert!(data_dir.join("jobs/fast/logs/summary.json").is_file());
    }

    #[tokio::test]
    async fn completed_job_without_auto_remove_keeps_containers() {
        let engine = engine_with_image();
        let mut plan = test_plan::plan("keep", 2, "sha256:a");
        plan.engine.auto_remove = false;

        let outcome = apply(&engine, &plan, ApplyOptions::default())
            .await
            .unwrap();

        assert_eq!(outcome, Outcome::Finished(Status::Complete));
        assert_eq!(engine.container_names(), ["keep-node-0", "keep-node-1"]);
        let info = engine.inspect_container("keep-node-1").await.unwrap();
        assert_eq!(info.state, ContainerState::Exited { code: 0 });
    }
}
