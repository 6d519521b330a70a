//! Label keys trainc sets on what it creates. The `trainer.kubeflow.org/`
//! and `kubeflow.org/` keys are the ones the Kubeflow SDK's container
//! backend sets and filters on, so its `TrainerClient` and the guide's
//! `podman ps --filter` commands find trainc jobs too.

pub const TRAINJOB_NAME: &str = "trainer.kubeflow.org/trainjob-name";
pub const STEP: &str = "trainer.kubeflow.org/step";
pub const NETWORK_ID: &str = "trainer.kubeflow.org/network-id";
pub const RUNTIME_NAME: &str = "trainer.kubeflow.org/runtime-name";
pub const WORKDIR: &str = "trainer.kubeflow.org/workdir";
pub const JOB_NAME: &str = "kubeflow.org/job-name";

/// Marks what trainc created, so list and delete never touch anything else.
pub const MANAGED_BY: &str = "trainc/managed-by";
/// The plan hash, which apply compares to decide whether a job already runs this plan.
pub const PLAN_HASH: &str = "trainc/plan-hash";
pub const RANK: &str = "trainc/rank";
pub const NODES: &str = "trainc/nodes";
