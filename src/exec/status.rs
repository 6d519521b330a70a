//! Job and node status, derived from container states only, and the
//! `status` and `list` reports.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::engine::{ContainerInfo, ContainerState, Engine};
use crate::plan::labels;

use super::{find_job, rank_of, workspace, JobObjects, MANAGED_BY_VALUE};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Created,
    Running,
    Complete,
    Failed,
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "Created",
            Self::Running => "Running",
            Self::Complete => "Complete",
            Self::Failed => "Failed",
            Self::Unknown => "Unknown",
        }
    }
}

/// Maps a container state to a node status: running → Running, created →
/// Created, exited 0 → Complete, exited non-zero → Failed, anything else →
/// Unknown.
pub fn node_status(state: &ContainerState) -> Status {
    match state {
        ContainerState::Created => Status::Created,
        ContainerState::Running => Status::Running,
        ContainerState::Exited { code: 0 } => Status::Complete,
        ContainerState::Exited { .. } => Status::Failed,
        ContainerState::Other(_) => Status::Unknown,
    }
}

/// Derives the job status from its nodes. Any Failed → Failed, else any
/// Running → Running, else every expected node Complete → Complete, else
/// any Created → Created, else Unknown. A job with an Unknown or missing
/// node is never Complete.
pub fn job_status(nodes: &[Status], expected_nodes: Option<usize>) -> Status {
    let any = |wanted: Status| nodes.contains(&wanted);
    let count_matches = expected_nodes.map_or(true, |expected| expected == nodes.len());
    if any(Status::Failed) {
        Status::Failed
    } else if any(Status::Running) {
        Status::Running
    } else if !nodes.is_empty()
        && count_matches
        && nodes.iter().all(|status| *status == Status::Complete)
    {
        Status::Complete
    } else if any(Status::Created) {
        Status::Created
    } else {
        Status::Unknown
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeReport {
    pub name: String,
    pub rank: Option<u32>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobReport {
    pub name: String,
    pub status: Status,
    /// The node count the job was planned with (`trainc/nodes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_nodes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_hash: Option<String>,
    pub nodes: Vec<NodeReport>,
    /// True when the containers are gone and this report comes from the
    /// summary saved before they were removed.
    pub removed: bool,
}

impl JobReport {
    /// Builds the report from the job's containers, sorted by rank.
    pub fn from_containers(name: &str, containers: &[ContainerInfo]) -> Self {
        let nodes: Vec<NodeReport> = containers
            .iter()
            .map(|container| NodeReport {
                name: container.name.clone(),
                rank: rank_of(container),
                status: node_status(&container.state),
                exit_code: match container.state {
                    ContainerState::Exited { code } => Some(code),
                    _ => None,
                },
            })
            .collect();
        let first_label = |key: &str| {
            containers
                .iter()
                .find_map(|container| container.labels.get(key).cloned())
        };
        let expected_nodes = first_label(labels::NODES).and_then(|count| count.parse().ok());
        let statuses: Vec<Status> = nodes.iter().map(|node| node.status).collect();
        Self {
            name: name.to_string(),
            status: job_status(&statuses, expected_nodes),
            expected_nodes,
            plan_hash: first_label(labels::PLAN_HASH),
            nodes,
            removed: false,
        }
    }

    /// Writes the report into the workspace's logs folder.
    pub fn save(&self, workspace_dir: &Path) -> anyhow::Result<()> {
        let dir = workspace::logs_dir(workspace_dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(workspace::SUMMARY_FILE);
        let text = serde_json::to_string_pretty(self)? + "\n";
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    }

    /// Reads the summary a removed job left in its workspace, if any.
    pub fn load_saved(job: &str) -> anyhow::Result<Option<Self>> {
        let path = workspace::logs_dir(&workspace::job_dir(job)?).join(workspace::SUMMARY_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
        };
        let mut report: Self = serde_json::from_str(&text)
            .with_context(|| format!("parsing the saved summary {}", path.display()))?;
        report.removed = true;
        Ok(Some(report))
    }

    /// Renders the job's line, then one line per node.
    pub fn render_text(&self) -> String {
        let mut text = format!("job {}: {}", self.name, self.status.as_str());
        if self.removed {
            text.push_str(" (containers removed; status from the summary saved in its workspace)");
        }
        text.push('\n');
        for node in &self.nodes {
            text.push_str(&format!("  {}: {}", node.name, node.status.as_str()));
            if let Some(code) = node.exit_code {
                text.push_str(&format!(" (exit code {code})"));
            }
            text.push('\n');
        }
        if let Some(expected) = self.expected_nodes {
            if expected != self.nodes.len() {
                text.push_str(&format!(
                    "  {} of {expected} planned nodes found\n",
                    self.nodes.len()
                ));
            }
        }
        text
    }
}

/// Builds the report of one job from the engine, else from the saved summary.
pub async fn job_report<E: Engine>(engine: &E, job: &str) -> anyhow::Result<Option<JobReport>> {
    let objects: JobObjects = find_job(engine, job)
        .await
        .with_context(|| format!("listing the containers of job `{job}`"))?;
    if !objects.containers.is_empty() {
        return Ok(Some(JobReport::from_containers(job, &objects.containers)));
    }
    JobReport::load_saved(job)
}

/// Lists every trainc job on the engine, sorted by name.
pub async fn all_jobs<E: Engine>(engine: &E) -> anyhow::Result<Vec<JobReport>> {
    let containers = engine
        .list_containers(&[(labels::MANAGED_BY, MANAGED_BY_VALUE)])
        .await
        .context("listing trainc containers")?;
    let mut by_job: BTreeMap<String, Vec<ContainerInfo>> = BTreeMap::new();
    for container in containers {
        if let Some(job) = container.labels.get(labels::TRAINJOB_NAME) {
            by_job.entry(job.clone()).or_default().push(container);
        }
    }
    Ok(by_job
        .into_iter()
        .map(|(job, mut containers)| {
            containers.sort_by_key(|container| (rank_of(container), container.name.clone()));
            JobReport::from_containers(&job, &containers)
        })
        .collect())
}

/// `trainc list` as a table.
pub fn render_list(jobs: &[JobReport]) -> String {
    if jobs.is_empty() {
        return "no trainc jobs on this engine\n".to_string();
    }
    let width = jobs
        .iter()
        .map(|job| job.name.len())
        .max()
        .unwrap_or(0)
        .max("NAME".len());
    let mut text = format!(
        "{:<width$}  {:<8}  {:<5}  PLAN\n",
        "NAME", "STATUS", "NODES"
    );
    for job in jobs {
        let running = job
            .nodes
            .iter()
            .filter(|node| node.status == Status::Running)
            .count();
        let total = job.expected_nodes.unwrap_or(job.nodes.len());
        let hash = job.plan_hash.as_deref().unwrap_or("-");
        let short_hash = hash.get(..19).unwrap_or(hash);
        text.push_str(&format!(
            "{:<width$}  {:<8}  {:<5}  {short_hash}\n",
            job.name,
            job.status.as_str(),
            format!("{running}/{total}")
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn node_status_maps_states() {
        assert_eq!(node_status(&ContainerState::Running), Running);
        assert_eq!(node_status(&ContainerState::Created), Created);
        assert_eq!(node_status(&ContainerState::Exited { code: 0 }), Complete);
        assert_eq!(node_status(&ContainerState::Exited { code: 137 }), Failed);
        assert_eq!(
            node_status(&ContainerState::Other("paused".into())),
            Unknown
        );
    }

    #[test]
    fn job_status_follows_precedence() {
        assert_eq!(job_status(&[Complete, Failed, Running], Some(3)), Failed);
        assert_eq!(job_status(&[Complete, Running], Some(2)), Running);
        assert_eq!(job_status(&[Complete, Complete], Some(2)), Complete);
        assert_eq!(job_status(&[Complete, Created], Some(2)), Created);
        assert_eq!(job_status(&[], None), Unknown);
    }

    #[test]
    fn job_with_unknown_node_is_never_complete() {
        assert_eq!(job_status(&[Complete, Unknown], Some(2)), Unknown);
    }

    #[test]
    fn job_missing_a_node_is_never_complete() {
        assert_eq!(job_status(&[Complete], Some(2)), Unknown);
    }
}

#[cfg(test)]
mod saved_summary_tests {
    use super::*;
    use crate::engine::fake::FakeEngine;
    use crate::exec::apply::{apply, ApplyOptions};
    use crate::exec::test_plan::{self, IMAGE};

    #[tokio::test]
    async fn removed_job_reports_saved_summary() {
        let engine = FakeEngine::new();
        engine.add_image(IMAGE);
        engine.exit_code("gone-node-1", 2);
        apply(
            &engine,
            &test_plan::plan("gone", 2, "sha256:a"),
            ApplyOptions::default(),
        )
        .await
        .unwrap();

        let report = job_report(&engine, "gone").await.unwrap().unwrap();

        assert!(report.removed);
        assert_eq!(report.status, Status::Failed);
        assert_eq!(report.nodes[1].exit_code, Some(2));
    }
}
