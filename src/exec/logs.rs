//! `trainc logs`: a job's output from the engine, or from the logs saved
//! in its workspace once its containers are gone.

use anyhow::Context;
use futures_util::future::join_all;
use futures_util::StreamExt;

use crate::engine::{Engine, LogOptions};

use super::output::{print_lines, PrefixedLines};
use super::wait::{last_lines, saved_log};
use super::{find_job, rank_of, workspace};

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
    let nodes: Vec<String> = objects
        .containers
        .iter()
        .filter(|container| request.node.is_none() || rank_of(container) == request.node)
        .map(|container| container.name.clone())
        .collect();
    if nodes.is_empty() {
        return print_saved(job, request);
    }

    let prefix = request.node.is_none();
    let width = nodes.iter().map(String::len).max().unwrap_or(0);
    let options = LogOptions {
        follow: request.follow,
        tail: request.tail,
    };
    // With follow, all nodes stream at once; otherwise nodes print one
    // after another in rank order, so their lines do not interleave.
    if request.follow {
        let results = join_all(
            nodes
                .iter()
                .map(|node| print_node(engine, node, options, prefix, width)),
        )
        .await;
        results.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    } else {
        for node in &nodes {
            print_node(engine, node, options, prefix, width).await?;
        }
    }
    Ok(())
}

async fn print_node<E: Engine>(
    engine: &E,
    node: &str,
    options: LogOptions,
    prefix: bool,
    width: usize,
) -> anyhow::Result<()> {
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
    if let Some(rank) = request.node {
        let suffix = format!("-node-{rank}");
        nodes.retain(|node| node.ends_with(&suffix));
    }
    nodes.sort_by_key(|node| (node_rank(node), node.clone()));
    if nodes.is_empty() {
        anyhow::bail!(
            "job `{job}` has no containers on the engine and no saved logs in {}; `trainc list` shows the jobs",
            dir.display()
        );
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

fn node_rank(node: &str) -> Option<u32> {
    node.rsplit_once("-node-")?.1.parse().ok()
}
