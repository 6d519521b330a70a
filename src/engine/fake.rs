//! A recording [`Engine`] for unit tests: keeps containers and networks in
//! memory, records every call as a line such as `create_container job-node-0`,
//! and fails the calls a test names.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::{
    ContainerInfo, ContainerSpec, ContainerState, Engine, EngineError, EngineResult, LogOptions,
    LogStream, NetworkInfo, NetworkSpec,
};

/// The address every started container gets on its network.
pub const FAKE_ADDRESS: &str = "10.89.0.2";

#[derive(Default)]
struct State {
    calls: Vec<String>,
    images: BTreeSet<String>,
    networks: BTreeMap<String, NetworkInfo>,
    containers: BTreeMap<String, ContainerInfo>,
    specs: BTreeMap<String, ContainerSpec>,
    archives: BTreeMap<String, Vec<(String, Vec<u8>)>>,
    failures: BTreeMap<String, String>,
    exit_codes: BTreeMap<String, i64>,
    logs: BTreeMap<String, Vec<u8>>,
}

#[derive(Default)]
pub struct FakeEngine {
    state: Mutex<State>,
}

impl FakeEngine {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .expect("no test thread panics while holding it")
    }

    pub fn add_image(&self, image: &str) {
        self.state().images.insert(image.to_string());
    }

    /// Makes the call recorded as `call` (such as `start_container x`) fail.
    pub fn fail(&self, call: &str, message: &str) {
        self.state()
            .failures
            .insert(call.to_string(), message.to_string());
    }

    /// The exit code `wait_container` returns for `container`; 0 otherwise.
    pub fn exit_code(&self, container: &str, code: i64) {
        self.state().exit_codes.insert(container.to_string(), code);
    }

    pub fn set_logs(&self, container: &str, text: &str) {
        self.state()
            .logs
            .insert(container.to_string(), text.as_bytes().to_vec());
    }

    /// Adds a container as if created earlier, in the given state.
    pub fn add_container(
        &self,
        name: &str,
        state: ContainerState,
        labels: BTreeMap<String, String>,
    ) {
        let info = ContainerInfo {
            name: name.to_string(),
            state,
            labels,
            addresses: BTreeMap::new(),
        };
        self.state().containers.insert(name.to_string(), info);
    }

    pub fn calls(&self) -> Vec<String> {
        self.state().calls.clone()
    }

    pub fn container_names(&self) -> Vec<String> {
        self.state().containers.keys().cloned().collect()
    }

    pub fn network_names(&self) -> Vec<String> {
        self.state().networks.keys().cloned().collect()
    }

    pub fn spec(&self, container: &str) -> Option<ContainerSpec> {
        self.state().specs.get(container).cloned()
    }

    pub fn archives(&self, container: &str) -> Vec<(String, Vec<u8>)> {
        self.state()
            .archives
            .get(container)
            .cloned()
            .unwrap_or_default()
    }

    /// Records the call and returns its scripted failure, if any.
    fn record(&self, call: String) -> EngineResult<()> {
        let mut state = self.state();
        let failure = state.failures.get(&call).cloned();
        state.calls.push(call);
        match failure {
            Some(message) => Err(EngineError::Other(message)),
            None => Ok(()),
        }
    }
}

fn matches(labels: &BTreeMap<String, String>, filter: &[(&str, &str)]) -> bool {
    filter
        .iter()
        .all(|(key, value)| labels.get(*key).map(String::as_str) == Some(*value))
}

impl Engine for FakeEngine {
    fn endpoint(&self) -> &str {
        "unix:///fake.sock"
    }

    async fn oci_runtime(&self) -> EngineResult<Option<String>> {
        Ok(Some("runc".into()))
    }

    async fn image_exists(&self, image: &str) -> EngineResult<bool> {
        self.record(format!("image_exists {image}"))?;
        Ok(self.state().images.contains(image))
    }

    async fn pull_image(&self, image: &str) -> EngineResult<()> {
        self.record(format!("pull_image {image}"))?;
        self.add_image(image);
        Ok(())
    }

    async fn create_network(&self, spec: &NetworkSpec) -> EngineResult<()> {
        self.record(format!("create_network {}", spec.name))?;
        let info = NetworkInfo {
            name: spec.name.clone(),
            labels: spec.labels.clone(),
        };
        self.state().networks.insert(spec.name.clone(), info);
        Ok(())
    }

    async fn list_networks(&self, labels: &[(&str, &str)]) -> EngineResult<Vec<NetworkInfo>> {
        let state = self.state();
        Ok(state
            .networks
            .values()
            .filter(|network| matches(&network.labels, labels))
            .cloned()
            .collect())
    }

    async fn remove_network(&self, name: &str) -> EngineResult<()> {
        self.record(format!("remove_network {name}"))?;
        match self.state().networks.remove(name) {
            Some(_) => Ok(()),
            None => Err(EngineError::NotFound(format!("network {name}"))),
        }
    }

    async fn create_container(&self, spec: &ContainerSpec) -> EngineResult<()> {
        self.record(format!("create_container {}", spec.name))?;
        let mut state = self.state();
        if state.containers.contains_key(&spec.name) {
            return Err(EngineError::Other(format!(
                "container name {} is already in use",
                spec.name
            )));
        }
        let info = ContainerInfo {
            name: spec.name.clone(),
            state: ContainerState::Created,
            labels: spec.labels.clone(),
            addresses: BTreeMap::new(),
        };
        state.containers.insert(spec.name.clone(), info);
        state.specs.insert(spec.name.clone(), spec.clone());
        Ok(())
    }

    async fn put_archive(&self, container: &str, dir: &str, tar: Vec<u8>) -> EngineResult<()> {
        self.record(format!("put_archive {container} {dir}"))?;
        self.state()
            .archives
            .entry(container.to_string())
            .or_default()
            .push((dir.to_string(), tar));
        Ok(())
    }

    async fn start_container(&self, name: &str) -> EngineResult<()> {
        self.record(format!("start_container {name}"))?;
        let mut state = self.state();
        let network = state.specs.get(name).map(|spec| spec.network.clone());
        let container = state
            .containers
            .get_mut(name)
            .ok_or_else(|| EngineError::NotFound(format!("container {name}")))?;
        container.state = ContainerState::Running;
        if let Some(network) = network {
            container
                .addresses
                .insert(network, FAKE_ADDRESS.to_string());
        }
        Ok(())
    }

    async fn inspect_container(&self, name: &str) -> EngineResult<ContainerInfo> {
        self.record(format!("inspect_container {name}"))?;
        self.state()
            .containers
            .get(name)
            .cloned()
            .ok_or_else(|| EngineError::NotFound(format!("container {name}")))
    }

    async fn list_containers(&self, labels: &[(&str, &str)]) -> EngineResult<Vec<ContainerInfo>> {
        let state = self.state();
        Ok(state
            .containers
            .values()
            .filter(|container| matches(&container.labels, labels))
            .cloned()
            .collect())
    }

    async fn stop_container(&self, name: &str, _grace_seconds: u32) -> EngineResult<()> {
        self.record(format!("stop_container {name}"))?;
        let mut state = self.state();
        let container = state
            .containers
            .get_mut(name)
            .ok_or_else(|| EngineError::NotFound(format!("container {name}")))?;
        if container.state == ContainerState::Running {
            container.state = ContainerState::Exited { code: 143 };
        }
        Ok(())
    }

    async fn remove_container(&self, name: &str) -> EngineResult<()> {
        self.record(format!("remove_container {name}"))?;
        match self.state().containers.remove(name) {
            Some(_) => Ok(()),
            None => Err(EngineError::NotFound(format!("container {name}"))),
        }
    }

    async fn wait_container(&self, name: &str) -> EngineResult<i64> {
        self.record(format!("wait_container {name}"))?;
        let mut state = self.state();
        let scripted = state.exit_codes.get(name).copied().unwrap_or(0);
        let container = state
            .containers
            .get_mut(name)
            .ok_or_else(|| EngineError::NotFound(format!("container {name}")))?;
        let code = match container.state {
            ContainerState::Exited { code } => code,
            _ => scripted,
        };
        container.state = ContainerState::Exited { code };
        Ok(code)
    }

    fn logs<'a>(&'a self, name: &'a str, _options: LogOptions) -> LogStream<'a> {
        let bytes = self.state().logs.get(name).cloned().unwrap_or_default();
        Box::pin(futures_util::stream::iter([Ok(bytes)]))
    }
}
