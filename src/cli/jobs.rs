//! The commands that talk to the container engine: apply, status, list,
//! logs, wait, delete and doctor.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;

use super::args::{
    ApplyArgs, Command, DeleteArgs, EngineArgs, ListArgs, LogsArgs, OutputFormat, StatusArgs,
    WaitArgs,
};
use super::doctor;
use super::exit::Exit;
use crate::engine::discover::{self, Connection, Request};
use crate::engine::Engine;
use crate::exec::apply::{self, ApplyOptions, Outcome};
use crate::exec::status::{self, Status};
use crate::exec::{delete, logs, wait, InputError};
use crate::plan::Plan;

pub fn run(command: Command) -> anyhow::Result<Exit> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        match command {
            Command::Apply(args) => run_apply(args).await,
            Command::Status(args) => run_status(args).await,
            Command::List(args) => run_list(args).await,
            Command::Logs(args) => run_logs(args).await,
            Command::Wait(args) => run_wait(args).await,
            Command::Delete(args) => run_delete(args).await,
            Command::Doctor(args) => doctor::run(args).await,
            Command::Validate(_) | Command::Plan(_) => unreachable!("dispatched by cli::main"),
        }
    })
}

/// Maps an error to its exit code: 2 for bad input found before anything was
/// created, 3 for everything else (engine unreachable or failing).
pub fn exit_for_error(error: &anyhow::Error) -> Exit {
    if error.downcast_ref::<InputError>().is_some() {
        Exit::Invalid
    } else {
        Exit::EngineError
    }
}

/// Validates and plans a spec; `Err(exit)` after printing its problems.
pub fn compile(spec: &Path) -> Result<Plan, Exit> {
    let checked = crate::validate::check_file(spec);
    // Warnings show too, because apply is the last chance to see them.
    if !checked.report.is_empty() {
        let color = std::io::stderr().is_terminal();
        eprint!("{}", checked.report.render_graphical(color));
    }
    if checked.report.has_errors() {
        return Err(Exit::Invalid);
    }
    let Some(job) = checked.job else {
        eprintln!(
            "error: {} did not yield a job although it has no errors",
            spec.display()
        );
        return Err(Exit::Invalid);
    };
    Ok(crate::plan::build(&job))
}

pub async fn connect(engine: &EngineArgs, plan: Option<&Plan>) -> anyhow::Result<Connection> {
    if let Some(host) = &engine.host {
        if host.contains("://") && !host.starts_with("unix://") {
            return Err(InputError(format!(
                "invalid --host `{host}`: trainc connects to engines over Unix sockets only; pass a URL such as unix:///run/podman/podman.sock"
            ))
            .into());
        }
    }
    let request = Request {
        flag_host: engine.host.clone(),
        spec_host: plan.and_then(|plan| plan.engine.host.clone()),
        kind: plan.map(|plan| plan.engine.kind),
    };
    Ok(discover::connect(&request).await?)
}

async fn run_apply(args: ApplyArgs) -> anyhow::Result<Exit> {
    let plan = match compile(&args.spec) {
        Ok(plan) => plan,
        Err(exit) => return Ok(exit),
    };
    let connection = connect(&args.engine, Some(&plan)).await?;
    reject_gpus_on_podman(&plan, &connection)?;
    let options = ApplyOptions {
        detach: args.detach,
        replace: args.replace,
    };
    let outcome = apply::apply(&connection.engine, &plan, options).await?;
    Ok(match outcome {
        Outcome::Finished(Status::Complete) | Outcome::Detached | Outcome::Unchanged(_) => {
            Exit::Success
        }
        Outcome::Finished(_) => Exit::Failed,
        Outcome::Interrupted => Exit::Interrupted,
    })
}

/// Podman 4.3.1's Docker-compatible API accepts a GPU device request and
/// ignores it: a job asking for a GPU ran and completed on a machine with
/// none. Running without the GPUs a spec requests would be silently wrong.
fn reject_gpus_on_podman(plan: &Plan, connection: &Connection) -> Result<(), InputError> {
    let gpus = plan
        .containers
        .first()
        .map_or(0, |container| container.resources.gpus);
    if gpus > 0 && connection.version.product == "podman" {
        return Err(InputError(format!(
            "the spec asks for {gpus} GPU(s) per node, but {} is Podman {}, whose Docker-compatible API ignores GPU requests, so the job would run without GPUs; set `gpus 0`, or use a Docker engine with the NVIDIA runtime (`engine \"docker\"`)",
            connection.engine.endpoint(),
            connection.version.version
        )));
    }
    Ok(())
}

async fn run_status(args: StatusArgs) -> anyhow::Result<Exit> {
    let connection = connect(&args.engine, None).await?;
    let engine = &connection.engine;
    let reports = match &args.job {
        Some(job) => {
            let report = status::job_report(engine, job).await?.ok_or_else(|| {
                InputError(format!("job `{job}` not found on {} and no saved summary in its workspace; `trainc list` shows the jobs", connection.engine.endpoint()))
            })?;
            vec![report]
        }
        None => status::all_jobs(engine).await?,
    };

    match args.format {
        OutputFormat::Json if args.job.is_some() => {
            println!("{}", serde_json::to_string_pretty(&reports[0])?)
        }
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&reports)?),
        OutputFormat::Text if reports.is_empty() => println!("no trainc jobs on this engine"),
        OutputFormat::Text => {
            for report in &reports {
                print!("{}", report.render_text());
            }
        }
    }
    Ok(Exit::Success)
}

async fn run_list(args: ListArgs) -> anyhow::Result<Exit> {
    let connection = connect(&args.engine, None).await?;
    let jobs = status::all_jobs(&connection.engine).await?;
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&jobs)?),
        OutputFormat::Text => print!("{}", status::render_list(&jobs)),
    }
    Ok(Exit::Success)
}

async fn run_logs(args: LogsArgs) -> anyhow::Result<Exit> {
    let connection = connect(&args.engine, None).await?;
    let request = logs::LogsRequest {
        follow: args.follow,
        node: args.node,
        tail: args.tail,
    };
    logs::logs(&connection.engine, &args.job, request).await?;
    Ok(Exit::Success)
}

async fn run_wait(args: WaitArgs) -> anyhow::Result<Exit> {
    let connection = connect(&args.engine, None).await?;
    let engine = &connection.engine;
    let waited = match args.timeout {
        Some(limit) => match tokio::time::timeout(limit, wait::wait_job(engine, &args.job)).await {
            Ok(result) => result?,
            Err(_) => {
                let now = status::job_report(engine, &args.job).await?;
                let state = now.map_or("Unknown", |report| report.status.as_str());
                eprintln!(
                    "timed out after {:?} waiting for job {}; it is {state}",
                    limit, args.job
                );
                return Ok(Exit::Timeout);
            }
        },
        None => wait::wait_job(engine, &args.job).await?,
    };
    println!("{}", wait::render_report(engine, &waited).await.trim_end());
    Ok(match waited.status {
        Status::Complete => Exit::Success,
        _ => Exit::Failed,
    })
}

async fn run_delete(args: DeleteArgs) -> anyhow::Result<Exit> {
    let connection = connect(&args.engine, None).await?;
    let report = delete::delete(&connection.engine, &args.job, args.purge).await?;
    print!("{}", report.render_text(&args.job));
    Ok(Exit::Success)
}
