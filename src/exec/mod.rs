//! Execution: turns a [`Plan`](crate::plan::Plan) into containers through
//! an [`Engine`](crate::engine::Engine), and the commands that follow a job
//! afterwards. The engine's labels are the only record of a job: there is
//! no local database.

pub mod apply;
pub mod archive;
pub mod delete;
mod interrupt;
pub mod logs;
pub mod output;
pub mod resolve;
pub mod status;
#[cfg(test)]
mod test_plan;
pub mod wait;
pub mod workspace;

use crate::engine::{ContainerInfo, Engine, EngineResult, NetworkInfo};
use crate::plan::labels;

/// The value of `trainc/managed-by` on everything trainc creates.
pub const MANAGED_BY_VALUE: &str = "trainc";

/// Seconds a node gets between SIGTERM and SIGKILL when trainc stops it.
pub const STOP_GRACE_SECONDS: u32 = 10;

/// Lines of a failed node's log shown in reports.
pub const FAILURE_TAIL_LINES: usize = 10;

/// Bad input found before anything was created: a missing host variable,
/// bind source or image, a name already taken, or a job that does not
/// exist. Maps to exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// The containers and networks of one job on the engine.
#[derive(Debug, Clone, Default)]
pub struct JobObjects {
    /// Sorted by rank, then name.
    pub containers: Vec<ContainerInfo>,
    pub networks: Vec<NetworkInfo>,
}

impl JobObjects {
    pub fn is_empty(&self) -> bool {
        self.containers.is_empty() && self.networks.is_empty()
    }
}

/// Returns the rank in a container's `trainc/rank` label.
pub fn rank_of(container: &ContainerInfo) -> Option<u32> {
    container.labels.get(labels::RANK)?.parse().ok()
}

/// Finds the containers and networks trainc created for `job`.
pub async fn find_job<E: Engine>(engine: &E, job: &str) -> EngineResult<JobObjects> {
    let filter = [
        (labels::MANAGED_BY, MANAGED_BY_VALUE),
        (labels::TRAINJOB_NAME, job),
    ];
    let mut containers = engine.list_containers(&filter).await?;
    containers.sort_by_key(|container| (rank_of(container), container.name.clone()));
    let networks = engine.list_networks(&filter).await?;
    Ok(JobObjects {
        containers,
        networks,
    })
}
