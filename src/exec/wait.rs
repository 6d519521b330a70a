//! Following a running job to its end: streaming node output, waiting for
//! every node, fail-fast, and the failure report with each failed node's
//! last log lines.

use std::path::Path;

use anyhow::Context;
use futures_util::future::join_all;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;

use crate::engine::{Engine, LogOptions};

use super::output::{print_lines, PrefixedLines};
use super::status::{JobReport, Status};
use super::{find_job, workspace, InputError, FAILURE_TAIL_LINES, STOP_GRACE_SECONDS};

/// The end of a followed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    /// The first node that exited non-zero, with its exit code.
    pub first_failure: Option<(String, i64)>,
}

/// Waits for every node in `nodes`, printing their output prefixed by node
/// name when `stream` is set. When one node exits non-zero and `fail_fast`
/// is set, stops the others, since they would otherwise wait at the
/// rendezvous until it times out.
pub async fn follow<E: Engine>(
    engine: &E,
    nodes: &[String],
    stream: bool,
    fail_fast: bool,
) -> anyhow::Result<Ending> {
    let width = nodes.iter().map(String::len).max().unwrap_or(0);
    let logs = async {
        if stream {
            join_all(nodes.iter().map(|node| stream_node(engine, node, width))).await;
        }
    };
    let waits = wait_all(engine, nodes, fail_fast);
    let ((), ending) = futures_util::join!(logs, waits);
    ending
}

async fn stream_node<E: Engine>(engine: &E, node: &str, width: usize) {
    let mut lines = PrefixedLines::new(node, width);
    let mut stream = engine.logs(
        node,
        LogOptions {
            follow: true,
            tail: None,
        },
    );
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => print_lines(&lines.push(&bytes)),
            Err(error) => {
                tracing::warn!(%error, node, "reading the node's output failed");
                eprintln!("warning: reading the output of {node} failed: {error}");
                break;
            }
        }
    }
    if let Some(line) = lines.finish() {
        print_lines(&[line]);
    }
}

async fn wait_all<E: Engine>(
    engine: &E,
    nodes: &[String],
    fail_fast: bool,
) -> anyhow::Result<Ending> {
    let mut pending: FuturesUnordered<_> = nodes
        .iter()
        .map(|node| async move { (node, engine.wait_container(node).await) })
        .collect();
    let mut ending = Ending {
        first_failure: None,
    };

    while let Some((node, result)) = pending.next().await {
        let code = match result {
            Ok(code) => code,
            Err(error) => {
                // The log streams end only when every node stops, so stop
                // them rather than follow a job that can no longer be waited on.
                stop_all(engine, nodes.iter()).await;
                return Err(
                    anyhow::Error::new(error).context(format!("waiting for container `{node}`"))
                );
            }
        };
        tracing::debug!(node = %node, code, "node exited");
        if code == 0 || ending.first_failure.is_some() {
            continue;
        }
        ending.first_failure = Some((node.clone(), code));
        if fail_fast {
            eprintln!("{node} exited with code {code}; stopping the other nodes");
            stop_all(engine, nodes.iter().filter(|other| *other != node)).await;
        }
    }
    Ok(ending)
}

/// Stops nodes concurrently; failures are logged, since the caller reports
/// the job's final state anyway.
pub async fn stop_all<'a, E: Engine>(engine: &E, nodes: impl Iterator<Item = &'a String>) {
    let stops = nodes.map(|node| async move {
        if let Err(error) = engine.stop_container(node, STOP_GRACE_SECONDS).await {
            tracing::error!(%error, node = %node, "stopping a node failed");
            eprintln!("warning: stopping {node} failed: {error}");
        }
    });
    join_all(stops).await;
}

/// Reads the last lines of a node's output from the engine, else from the
/// log saved in the workspace. The whole log is read and cut here, because
/// Podman 4.3's own tail splits and joins lines written in pieces.
pub async fn tail_lines<E: Engine>(engine: &E, node: &str, job: &str, count: usize) -> Vec<String> {
    let bytes = match super::logs::read_all(engine, node).await {
        Ok(bytes) => bytes,
        Err(_) => saved_log(job, node).unwrap_or_default(),
    };
    last_lines(&bytes, count)
}

/// Reads the log saved for `node` in the job's workspace, if any.
pub fn saved_log(job: &str, node: &str) -> Option<Vec<u8>> {
    let dir = workspace::logs_dir(&workspace::job_dir(job).ok()?);
    std::fs::read(dir.join(format!("{node}.log"))).ok()
}

pub fn last_lines(bytes: &[u8], count: usize) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(count);
    lines[start..].iter().map(|line| line.to_string()).collect()
}

/// Renders the per-node summary, and each failed node's last lines.
pub async fn render_report<E: Engine>(engine: &E, report: &JobReport) -> String {
    render_report_with_first(engine, report, None).await
}

/// [`render_report`], with the tail of `first_failed` (the node whose
/// failure made trainc stop the others) before the tails of the nodes it
/// stopped, since its output explains the failure.
pub async fn render_report_with_first<E: Engine>(
    engine: &E,
    report: &JobReport,
    first_failed: Option<&str>,
) -> String {
    let mut text = report.render_text();
    let mut failed: Vec<&str> = report
        .nodes
        .iter()
        .filter(|node| node.status == Status::Failed)
        .map(|node| node.name.as_str())
        .collect();
    failed.sort_by_key(|name| Some(*name) != first_failed);
    for name in failed {
        let lines = tail_lines(engine, name, &report.name, FAILURE_TAIL_LINES).await;
        if lines.is_empty() {
            continue;
        }
        let note = if first_failed.is_some_and(|first| first != name) {
            " (stopped by trainc)"
        } else {
            ""
        };
        text.push_str(&format!("last {} lines of {name}{note}:\n", lines.len()));
        for line in lines {
            text.push_str(&format!("  {line}\n"));
        }
    }
    text
}

/// `trainc wait JOB`: follows the job without its output, stops early
/// when a node fails, and returns the final report.
pub async fn wait_job<E: Engine>(engine: &E, job: &str) -> anyhow::Result<JobReport> {
    let objects = find_job(engine, job)
        .await
        .with_context(|| format!("listing the containers of job `{job}`"))?;
    if objects.containers.is_empty() {
        return JobReport::load_saved(job)?.ok_or_else(|| {
            InputError(format!("job `{job}` not found on the engine and no saved summary in its workspace; `trainc list` shows the jobs")).into()
        });
    }
    let nodes: Vec<String> = objects
        .containers
        .iter()
        .map(|container| container.name.clone())
        .collect();
    wait_all_until_failure(engine, &nodes).await?;
    let objects = find_job(engine, job)
        .await
        .context("reading the job's final state")?;
    if objects.containers.is_empty() {
        // Removed while we waited (another apply with auto-remove).
        return JobReport::load_saved(job)?
            .with_context(|| format!("job `{job}` was removed while waiting"));
    }
    Ok(JobReport::from_containers(job, &objects.containers))
}

async fn wait_all_until_failure<E: Engine>(engine: &E, nodes: &[String]) -> anyhow::Result<()> {
    let mut pending: FuturesUnordered<_> = nodes
        .iter()
        .map(|node| async move { (node, engine.wait_container(node).await) })
        .collect();
    while let Some((node, result)) = pending.next().await {
        let code = result.with_context(|| format!("waiting for container `{node}`"))?;
        if code != 0 {
            return Ok(());
        }
    }
    Ok(())
}

/// Saves every node's whole log into `<workspace>/logs/<node>.log`.
pub async fn save_logs<E: Engine>(
    engine: &E,
    nodes: &[String],
    workspace_dir: &Path,
) -> Vec<String> {
    let dir = workspace::logs_dir(workspace_dir);
    let mut failures = Vec::new();
    if let Err(error) = std::fs::create_dir_all(&dir) {
        failures.push(format!("creating {}: {error}", dir.display()));
        return failures;
    }
    for node in nodes {
        let (bytes, failed) = super::logs::read_partial(engine, node).await;
        if let Some(error) = failed {
            failures.push(format!("reading the log of {node}: {error}"));
        }
        let path = dir.join(format!("{node}.log"));
        if let Err(error) = std::fs::write(&path, &bytes) {
            failures.push(format!("writing {}: {error}", path.display()));
        }
    }
    failures
}
