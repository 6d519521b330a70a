//! The container engine: the operations execution needs, behind the
//! [`Engine`] trait. [`bollard_engine::BollardEngine`] talks to Podman or
//! Docker through the Docker-compatible REST API; [`fake::FakeEngine`]
//! records every call for unit tests. [`discover`] finds a socket.

pub mod bollard_engine;
pub mod discover;
#[cfg(test)]
pub mod fake;
mod ping;

use std::collections::BTreeMap;
use std::pin::Pin;

use futures_util::Stream;

/// A failed engine call. `NotFound` is separate because callers treat a
/// missing object as a normal result in several places.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{0}")]
    Other(String),
}

pub type EngineResult<T> = Result<T, EngineError>;

/// Bytes of a container's output, stdout and stderr merged in arrival order.
pub type LogStream<'a> = Pin<Box<dyn Stream<Item = EngineResult<Vec<u8>>> + Send + 'a>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineVersion {
    /// The engine's own version, such as `4.3.1`.
    pub version: String,
    /// The Docker-compatible API version, such as `1.41`.
    pub api_version: String,
    /// `podman` when the version components name Podman, else `docker`.
    pub product: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSpec {
    pub name: String,
    pub driver: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkInfo {
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountType {
    Bind,
    Volume,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountSpec {
    pub kind: MountType,
    /// An absolute host path for binds, a volume name for volumes.
    pub source: String,
    pub target: String,
    pub read_only: bool,
}

/// A container to create, with every value already resolved. Its `Debug`
/// form shows env names only, because env values may be secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct ContainerSpec {
    pub name: String,
    pub hostname: String,
    pub image: String,
    pub argv: Vec<String>,
    /// `NAME=value` pairs, in plan order.
    pub env: Vec<(String, String)>,
    pub labels: BTreeMap<String, String>,
    pub working_dir: String,
    pub network: String,
    pub mounts: Vec<MountSpec>,
    pub nano_cpus: Option<u64>,
    pub memory_bytes: Option<u64>,
    pub shm_size_bytes: Option<u64>,
    pub gpus: u32,
}

impl std::fmt::Debug for ContainerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env_names: Vec<&str> = self.env.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("ContainerSpec")
            .field("name", &self.name)
            .field("image", &self.image)
            .field("argv_len", &self.argv.len())
            .field("env_names", &env_names)
            .field("labels", &self.labels)
            .field("network", &self.network)
            .field("mounts", &self.mounts)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerState {
    Created,
    Running,
    Exited {
        code: i64,
    },
    /// Any other engine state (paused, restarting, removing, dead, ...).
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    pub name: String,
    pub state: ContainerState,
    pub labels: BTreeMap<String, String>,
    /// The container's address on each network it is attached to.
    pub addresses: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    pub follow: bool,
    /// Only the last N lines; all when `None`.
    pub tail: Option<usize>,
}

/// The engine operations execution needs. Every method names the object it
/// acts on in its error, so callers only add what step they were doing.
///
/// Callers are generic over the engine and drive futures on one task
/// (`join_all`, `select!`), so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Engine {
    /// Returns the socket URL of this engine, for messages.
    fn endpoint(&self) -> &str;

    /// Returns the OCI runtime the engine uses (such as `runc`), when it
    /// reports one.
    async fn oci_runtime(&self) -> EngineResult<Option<String>>;

    async fn image_exists(&self, image: &str) -> EngineResult<bool>;
    async fn pull_image(&self, image: &str) -> EngineResult<()>;

    async fn create_network(&self, spec: &NetworkSpec) -> EngineResult<()>;
    /// Networks carrying every `key=value` label given.
    async fn list_networks(&self, labels: &[(&str, &str)]) -> EngineResult<Vec<NetworkInfo>>;
    async fn remove_network(&self, name: &str) -> EngineResult<()>;

    async fn create_container(&self, spec: &ContainerSpec) -> EngineResult<()>;
    /// Extracts a tar archive into `dir` inside the container; the folder
    /// need not exist.
    async fn put_archive(&self, container: &str, dir: &str, tar: Vec<u8>) -> EngineResult<()>;
    async fn start_container(&self, name: &str) -> EngineResult<()>;
    async fn inspect_container(&self, name: &str) -> EngineResult<ContainerInfo>;
    /// Containers in any state carrying every `key=value` label given.
    async fn list_containers(&self, labels: &[(&str, &str)]) -> EngineResult<Vec<ContainerInfo>>;
    /// Sends SIGTERM, then SIGKILL after `grace_seconds`.
    async fn stop_container(&self, name: &str, grace_seconds: u32) -> EngineResult<()>;
    /// Removes the container, stopping it first if needed.
    async fn remove_container(&self, name: &str) -> EngineResult<()>;
    /// Waits until the container stops, and returns its exit code.
    async fn wait_container(&self, name: &str) -> EngineResult<i64>;
    fn logs<'a>(&'a self, name: &'a str, options: LogOptions) -> LogStream<'a>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_spec_debug_hides_env_values() {
        let spec = ContainerSpec {
            name: "job-node-0".into(),
            hostname: "job-node-0".into(),
            image: "image".into(),
            argv: Vec::new(),
            env: vec![("TOKEN".into(), "hunter2".into())],
            labels: BTreeMap::new(),
            working_dir: "/workspace".into(),
            network: "job-net".into(),
            mounts: Vec::new(),
            nano_cpus: None,
            memory_bytes: None,
            shm_size_bytes: None,
            gpus: 0,
        };

        let text = format!("{spec:?}");

        assert!(text.contains("TOKEN"));
        assert!(!text.contains("hunter2"));
    }
}
