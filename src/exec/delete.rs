//! `trainc delete`, and the removal of a job's containers and network that
//! apply's undo, replace and auto-remove share.

use std::path::{Path, PathBuf};

use anyhow::Context;
use futures_util::future::join_all;

use crate::engine::{Engine, EngineError};

use super::status::JobReport;
use super::{find_job, workspace, InputError, JobObjects};

/// The result of a removal: names removed, and every failure with its error.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Removal {
    pub removed: Vec<String>,
    pub failures: Vec<String>,
}

impl Removal {
    pub fn merge(&mut self, other: Removal) {
        self.removed.extend(other.removed);
        self.failures.extend(other.failures);
    }

    /// Describes each outcome in one sentence, for error messages and reports.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.removed.is_empty() {
            parts.push(format!("removed {}", self.removed.join(", ")));
        }
        if !self.failures.is_empty() {
            parts.push(format!("could not remove: {}", self.failures.join("; ")));
        }
        if parts.is_empty() {
            parts.push("nothing to remove".to_string());
        }
        parts.join("; ")
    }
}

/// Removes containers (concurrently), then networks. Best effort: a
/// failure is recorded and the rest still goes. A container or network
/// already gone counts as removed.
pub async fn remove<E: Engine>(engine: &E, containers: &[String], networks: &[String]) -> Removal {
    let mut removal = Removal::default();
    let results = join_all(
        containers
            .iter()
            .map(|name| async move { (name, engine.remove_container(name).await) }),
    )
    .await;
    for (name, result) in results {
        record(&mut removal, &format!("container {name}"), result);
    }
    for name in networks {
        let result = engine.remove_network(name).await;
        record(&mut removal, &format!("network {name}"), result);
    }
    removal
}

fn record(removal: &mut Removal, what: &str, result: Result<(), EngineError>) {
    match result {
        Ok(()) | Err(EngineError::NotFound(_)) => removal.removed.push(what.to_string()),
        Err(error) => {
            tracing::error!(%error, object = what, "clean-up failed");
            removal.failures.push(format!("{what} ({error})"));
        }
    }
}

/// Removes everything the engine holds for a job.
pub async fn remove_job<E: Engine>(engine: &E, objects: &JobObjects) -> Removal {
    let containers: Vec<String> = objects
        .containers
        .iter()
        .map(|container| container.name.clone())
        .collect();
    let networks: Vec<String> = objects
        .networks
        .iter()
        .map(|network| network.name.clone())
        .collect();
    remove(engine, &containers, &networks).await
}

/// Saves every node's log and the job summary into the workspace (an
/// earlier run's logs are moved aside first), then removes the job's
/// containers and network. A log that cannot be saved is reported and the
/// removal still goes ahead, because the user asked for it.
pub async fn save_and_remove<E: Engine>(
    engine: &E,
    job: &str,
    objects: &JobObjects,
    workspace_dir: &Path,
) -> Removal {
    let mut removal = Removal::default();
    if !objects.containers.is_empty() {
        if let Err(error) = workspace::rotate_logs(workspace_dir) {
            removal.failures.push(format!("{error:#}"));
        }
        let nodes: Vec<String> = objects
            .containers
            .iter()
            .map(|container| container.name.clone())
            .collect();
        removal
            .failures
            .extend(super::wait::save_logs(engine, &nodes, workspace_dir).await);
        let report = JobReport::from_containers(job, &objects.containers);
        if let Err(error) = report.save(workspace_dir) {
            removal
                .failures
                .push(format!("saving the job summary: {error:#}"));
        }
    }
    removal.merge(remove_job(engine, objects).await);
    removal
}

#[derive(Debug)]
pub struct DeleteReport {
    pub removal: Removal,
    pub workspace: PathBuf,
    pub workspace_existed: bool,
    pub purged: bool,
}

impl DeleteReport {
    pub fn render_text(&self, job: &str) -> String {
        let mut text = format!("job {job}: {}\n", self.removal.describe());
        let folder = self.workspace.display();
        text.push_str(&match (self.workspace_existed, self.purged) {
            (true, true) => format!("deleted the workspace {folder}\n"),
            (true, false) => format!(
                "kept the workspace {folder}, with the nodes' logs in {}/ (delete it with --purge)\n",
                workspace::LOGS_DIR
            ),
            (false, _) => format!("no workspace at {folder}\n"),
        });
        text
    }
}

/// `trainc delete JOB [--purge]`. Errors when the job has nothing left at
/// all, or when a removal fails.
pub async fn delete<E: Engine>(engine: &E, job: &str, purge: bool) -> anyhow::Result<DeleteReport> {
    let objects = find_job(engine, job)
        .await
        .with_context(|| format!("listing the containers and network of job `{job}`"))?;
    // The default location, not the network's workdir label, so that
    // --purge can only ever delete a folder under trainc's data folder.
    let workspace_dir = workspace::job_dir(job)?;
    let workspace_existed = workspace_dir.exists();
    if objects.is_empty() && !workspace_existed {
        return Err(InputError(format!(
            "job `{job}` not found: no trainc containers or network carry that name and it has no workspace; `trainc list` shows the jobs"
        ))
        .into());
    }

    let removal = save_and_remove(engine, job, &objects, &workspace_dir).await;
    if !removal.failures.is_empty() {
        anyhow::bail!("deleting job `{job}`: {}", removal.describe());
    }

    let workspace_existed = workspace_dir.exists();
    if purge && workspace_existed {
        std::fs::remove_dir_all(&workspace_dir)
            .with_context(|| format!("deleting the workspace {}", workspace_dir.display()))?;
    }
    Ok(DeleteReport {
        removal,
        workspace: workspace_dir,
        workspace_existed,
        purged: purge && workspace_existed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fake::FakeEngine;
    use crate::exec::apply::{apply, ApplyOptions};
    use crate::exec::test_plan::{self, IMAGE};

    const DETACH: ApplyOptions = ApplyOptions {
        detach: true,
        replace: false,
    };

    #[tokio::test]
    async fn delete_keeps_workspace_without_purge() {
        let engine = FakeEngine::new();
        engine.add_image(IMAGE);
        apply(&engine, &test_plan::plan("keepdir", 2, "sha256:a"), DETACH)
            .await
            .unwrap();

        let report = delete(&engine, "keepdir", false).await.unwrap();

        assert!(engine.container_names().is_empty());
        assert!(engine.network_names().is_empty());
        assert!(report.workspace.is_dir());
        assert!(report.render_text("keepdir").contains("kept the workspace"));
    }

    #[tokio::test]
    async fn delete_saves_logs_and_moves_older_ones_aside() {
        let data_dir = crate::exec::test_plan::use_test_data_dir();
        let engine = FakeEngine::new();
        engine.add_image(IMAGE);
        let logs = data_dir.join("jobs/savelogs/logs");
        std::fs::create_dir_all(&logs).unwrap();
        std::fs::write(logs.join("savelogs-node-0.log"), "older run\n").unwrap();
        apply(&engine, &test_plan::plan("savelogs", 2, "sha256:a"), DETACH)
            .await
            .unwrap();
        engine.set_logs("savelogs-node-1", "rank 1 output\n");

        delete(&engine, "savelogs", false).await.unwrap();

        let saved = std::fs::read_to_string(logs.join("savelogs-node-1.log")).unwrap();
        assert_eq!(saved, "rank 1 output\n");
        assert!(logs.join("summary.json").is_file());
        let older = data_dir.join("jobs/savelogs/logs-1/savelogs-node-0.log");
        assert_eq!(std::fs::read_to_string(older).unwrap(), "older run\n");
    }

    #[tokio::test]
    async fn delete_with_purge_removes_workspace() {
        let engine = FakeEngine::new();
        engine.add_image(IMAGE);
        apply(&engine, &test_plan::plan("purged", 1, "sha256:a"), DETACH)
            .await
            .unwrap();

        let report = delete(&engine, "purged", true).await.unwrap();

        assert!(report.purged);
        assert!(!report.workspace.exists());
    }

    #[tokio::test]
    async fn delete_of_unknown_job_fails() {
        test_plan::use_test_data_dir();
        let engine = FakeEngine::new();

        let error = delete(&engine, "never-applied", false).await.unwrap_err();

        assert!(error.to_string().contains("job `never-applied` not found"));
    }
}
