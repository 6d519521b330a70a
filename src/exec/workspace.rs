//! The job's workspace folder on the host: mounted at `/workspace` in every
//! node, and where saved logs go. Created by apply, deleted only by
//! `delete --purge`.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Folder of the saved logs inside a workspace.
pub const LOGS_DIR: &str = "logs";

/// Summary of a finished job, written next to the saved logs before its
/// containers are removed, so that `status` and `wait` can still report it.
pub const SUMMARY_FILE: &str = "summary.json";

/// trainc's data folder: `$TRAINC_HOME`, else `$XDG_DATA_HOME/trainc`, else
/// `~/.local/share/trainc`.
pub fn data_dir() -> anyhow::Result<PathBuf> {
    if let Some(home) = non_empty_var("TRAINC_HOME") {
        return Ok(PathBuf::from(home));
    }
    if let Some(data) = non_empty_var("XDG_DATA_HOME") {
        return Ok(PathBuf::from(data).join("trainc"));
    }
    let home = non_empty_var("HOME")
        .context("cannot find trainc's data folder: set TRAINC_HOME, XDG_DATA_HOME or HOME")?;
    Ok(PathBuf::from(home).join(".local/share/trainc"))
}

fn non_empty_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// Returns the workspace folder of `job` when no plan is at hand.
pub fn job_dir(job: &str) -> anyhow::Result<PathBuf> {
    Ok(data_dir()?.join("jobs").join(job))
}

/// Resolves a plan's `host_dir`, which is relative to the data folder.
pub fn resolve(host_dir: &str) -> anyhow::Result<PathBuf> {
    Ok(data_dir()?.join(host_dir))
}

pub fn logs_dir(workspace: &Path) -> PathBuf {
    workspace.join(LOGS_DIR)
}

/// Moves the logs of an earlier run aside, to `logs-1`, `logs-2` and so on
/// (the lowest free number), so that saving a new run's logs loses nothing.
/// Returns the folder they went to, if there were any.
pub fn rotate_logs(workspace: &Path) -> anyhow::Result<Option<PathBuf>> {
    let current = logs_dir(workspace);
    let has_files = std::fs::read_dir(&current)
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false);
    if !has_files {
        return Ok(None);
    }
    let target = (1..)
        .map(|n| workspace.join(format!("{LOGS_DIR}-{n}")))
        .find(|path| !path.exists())
        .expect("an unbounded range always has a free number");
    std::fs::rename(&current, &target).with_context(|| {
        format!(
            "moving the earlier logs {} to {}",
            current.display(),
            target.display()
        )
    })?;
    Ok(Some(target))
}

/// Creates the folder if missing; an existing folder and its content stay.
pub fn ensure(workspace: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(workspace)
        .with_context(|| format!("creating the workspace folder {}", workspace.display()))
}
