//! `trainc logs`: a job's output from the engine, or from the logs saved
//! in its workspace once its containers are gone.

use anyhow::Context;
use futures_util::future::join_all;
use futures_util::StreamExt;

use crate::engine::{Engine, EngineError, LogOptions};

use super::output::{print_lines, PrefixedLines};
use super::wait::{last_lines, saved_log};
use super::{find_job, rank_of, workspace, InputError};

#[derive(Debug, Clone, Copy, Default)]
pub struct LogsRequest {
    pub follow: bool,
    pub node: Option<u32>,
    pub tail: Option<usize>,
}

/// Prints the logs; each line is prefixed by its node name unless a single
/// node was asked for.
pub async fn logs<E: Engine>(engine: &E, job: &str, request: LogsRequest) -> anyhow::Result<()> {
    let objects = find_job(engine, job)
        .await
        .with_context(|| format!("listing the containers of job `{job}`"))?;
    if objects.containers.is_empty() {
        return print_saved(job, request);
    }
    let nodes: Vec<String> = objects
        .containers
        .iter()
        .filter(|container| request.node.is_none() || rank_of(container) == request.node)
        .map(|container| container.name.clone())
        .collect();
    if nodes.is_empty() {
        return Err(node_out_of_range(job, request, objects.containers.len()));
    }

    let prefix = request.node.is_none();
    let width = nodes.iter().map(String::len).max().unwrap_or(0);
    // Without follow, the tail is cut here from the whole log: Podman 4.3's
    // own tail splits and joins lines that were written in pieces.
    let options = LogOptions {
        follow: request.follow,
        tail: if request.follow { request.tail } else { None },
    };
    // With follow, all nodes stream at once; otherwise nodes print one
    // after another in rank order, so their lines do not interleave.
    if request.follow {
        let results = join_all(
            nodes
                .iter()
                .map(|node| print_node(engine, node, options, request.tail, prefix, width)),
        )
        .await;
        results.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    } else {
        for node in &nodes {
            print_node(engine, node, options, request.tail, prefix, width).await?;
        }
    }
    Ok(())
}

async fn print_node<E: Engine>(
    engine: &E,
    node: &str,
    options: LogOptions,
    tail: Option<usize>,
    prefix: bool,
    width: usize,
) -> anyhow::Result<()> {
    if !options.follow {
        let bytes = read_all(engine, node).await?;
        let lines = last_lines(&bytes, tail.unwrap_or(usize::MAX));
        if prefix {
            let joined = lines.join("\n") + "\n";
            print_lines(&PrefixedLines::new(node, width).push(joined.as_bytes()));
        } else {
            print_lines(&lines);
        }
        return Ok(());
    }

    let mut lines = PrefixedLines::new(node, width);
    let mut stream = engine.logs(node, options);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.with_context(|| format!("reading the logs of container `{node}`"))?;
        if prefix {
            print_lines(&lines.push(&chunk));
        } else {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(&chunk);
            let _ = stdout.flush();
        }
    }
    if let Some(line) = lines.finish() {
        print_lines(&[line]);
    }
    Ok(())
}

fn print_saved(job: &str, request: LogsRequest) -> anyhow::Result<()> {
    let dir = workspace::logs_dir(&workspace::job_dir(job)?);
    let mut nodes: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok())
            .filter_map(|entry| {
                entry
                    .file_name()
                    .to_str()?
                    .strip_suffix(".log")
                    .map(str::to_string)
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    if nodes.is_empty() {
        return Err(InputError(format!(
            "job `{job}` not found: it has no containers on the engine and no saved logs in {}; `trainc list` shows the jobs",
            dir.display()
        ))
        .into());
    }
    let saved_nodes = nodes.len();
    if let Some(rank) = request.node {
        let suffix = format!("-node-{rank}");
        nodes.retain(|node| node.ends_with(&suffix));
    }
    nodes.sort_by_key(|node| (node_rank(node), node.clone()));
    if nodes.is_empty() {
        return Err(node_out_of_range(job, request, saved_nodes));
    }

    eprintln!(
        "job {job} has no containers any more; showing the logs saved in {}",
        dir.display()
    );
    let width = nodes.iter().map(String::len).max().unwrap_or(0);
    for node in &nodes {
        let bytes = saved_log(job, node).unwrap_or_default();
        let lines = last_lines(&bytes, request.tail.unwrap_or(usize::MAX));
        if request.node.is_some() {
            print_lines(&lines);
        } else {
            let mut prefixed = PrefixedLines::new(node, width);
            let joined = lines.join("\n") + "\n";
            print_lines(&prefixed.push(joined.as_bytes()));
        }
    }
    Ok(())
}

fn node_out_of_range(job: &str, request: LogsRequest, nodes: usize) -> anyhow::Error {
    let rank = request.node.unwrap_or_default();
    InputError(format!(
        "job `{job}` has no node {rank}: its {nodes} node(s) have ranks 0 to {}",
        nodes.saturating_sub(1)
    ))
    .into()
}

/// Reads a container's whole log, as it is so far.
pub async fn read_all<E: Engine>(engine: &E, node: &str) -> anyhow::Result<Vec<u8>> {
    match read_partial(engine, node).await {
        (bytes, None) => Ok(bytes),
        (_, Some(error)) => {
            Err(anyhow::Error::new(error)
                .context(format!("reading the logs of container `{node}`")))
        }
    }
}

/// Reads a container's whole log, and returns what arrived before an error
/// together with that error, so that a caller saving logs keeps the part.
pub async fn read_partial<E: Engine>(engine: &E, node: &str) -> (Vec<u8>, Option<EngineError>) {
    let mut bytes = Vec::new();
    let mut stream = engine.logs(
        node,
        LogOptions {
            follow: false,
            tail: None,
        },
    );
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => bytes.extend(chunk),
            Err(error) => return (bytes, Some(error)),
        }
    }
    (bytes, None)
}

fn node_rank(node: &str) -> Option<u32> {
    node.rsplit_once("-node-")?.1.parse().ok()
}
