//! [`Engine`] over the Docker-compatible REST API with bollard, which both
//! Podman and Docker serve.

use std::collections::{BTreeMap, HashMap};

use bollard::errors::Error as BollardError;
use bollard::models::{
    ContainerCreateBody, ContainerStateStatusEnum, ContainerSummaryStateEnum, DeviceRequest,
    EndpointSettings, HostConfig, Mount, MountType as BollardMountType, NetworkCreateRequest,
    NetworkingConfig,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, ListContainersOptionsBuilder,
    ListNetworksOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
    StopContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};
use bollard::Docker;
use futures_util::TryStreamExt;

use super::{
    ContainerInfo, ContainerSpec, ContainerState, Engine, EngineError, EngineResult, EngineVersion,
    LogOptions, LogStream, MountType, NetworkInfo, NetworkSpec,
};

/// Seconds bollard waits for one API call. Long-running calls (wait, logs
/// with follow) are streams and not bound by it.
const REQUEST_TIMEOUT_SECONDS: u64 = 120;

pub struct BollardEngine {
    docker: Docker,
    endpoint: String,
}

impl BollardEngine {
    /// Connects to a `unix://` socket URL (a bare path works too): pings
    /// the server and speaks the API version its ping reports, or
    /// bollard's own when that is older.
    pub async fn connect(endpoint: &str) -> EngineResult<(Self, EngineVersion)> {
        let path = endpoint.strip_prefix("unix://").unwrap_or(endpoint);
        if endpoint.contains("://") && !endpoint.starts_with("unix://") {
            return Err(EngineError::Other(format!(
                "unsupported engine URL `{endpoint}`: only unix:// sockets are supported"
            )));
        }
        if !std::path::Path::new(path).exists() {
            return Err(EngineError::NotFound(format!(
                "socket {path} does not exist"
            )));
        }
        let version = super::ping::ping(path).await?;
        let client_version = super::ping::negotiated(&version.api_version)?;
        let docker = Docker::connect_with_unix(path, REQUEST_TIMEOUT_SECONDS, &client_version)
            .map_err(|error| EngineError::Other(error.to_string()))?;
        let engine = Self {
            docker,
            endpoint: format!("unix://{path}"),
        };
        Ok((engine, version))
    }
}

/// Formats a bollard error, with the server's own message for HTTP errors.
fn describe(error: &BollardError) -> String {
    match error {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => {
            format!("the engine returned HTTP {status_code}: {}", message.trim())
        }
        other => other.to_string(),
    }
}

/// Maps HTTP 404 to [`EngineError::NotFound`] naming `what`.
fn convert(error: BollardError, what: &str) -> EngineError {
    match error {
        BollardError::DockerResponseServerError {
            status_code: 404, ..
        } => EngineError::NotFound(what.to_string()),
        other => EngineError::Other(describe(&other)),
    }
}

/// How often a waiting apply or `trainc wait` reads a container's state.
/// It bounds how late an exit is noticed.
const WAIT_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(200);

/// Attempts at placing files into a container. Copying an archive in is
/// idempotent, so a retry is safe.
const ARCHIVE_ATTEMPTS: u32 = 3;

/// Returns whether Podman failed an archive upload with HTTP 500 `broken pipe`.
/// Podman 4.3.1 here did that to about one in 24 uploads when 8 containers
/// were created and filled at once, and the same upload succeeded again.
fn is_broken_pipe(error: &BollardError) -> bool {
    matches!(
        error,
        BollardError::DockerResponseServerError { status_code: 500, message }
            if message.contains("broken pipe")
    )
}

/// Reads of a container Podman 4.3 may report in its transient `stopped`
/// state, 100 ms apart, before giving up.
const TRANSIENT_STATE_RETRIES: u32 = 50;

/// Whether bollard failed to parse a container state it does not know.
/// NOTE: Podman 4.3's compatible API reports `stopped` for a container that
/// exited but is not cleaned up yet. bollard's state enums lack that value,
/// so the whole response fails to parse until Podman reports `exited`.
fn is_unknown_state(error: &BollardError) -> bool {
    matches!(
        error,
        BollardError::JsonDataError { .. } | BollardError::JsonSerdeError { .. }
    ) && error.to_string().contains("unknown variant")
}

/// Runs `call` again while it fails on an unknown container state.
async fn retry_unknown_state<T, F, Fut>(mut call: F) -> Result<T, BollardError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, BollardError>>,
{
    let mut attempt = 1;
    loop {
        match call().await {
            Err(error) if is_unknown_state(&error) && attempt < TRANSIENT_STATE_RETRIES => {
                tracing::debug!(%error, attempt, "transient container state, reading again");
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

fn label_filters(labels: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
    let values = labels
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    HashMap::from([("label".to_string(), values)])
}

fn to_i64(value: u64, what: &str) -> EngineResult<i64> {
    i64::try_from(value)
        .map_err(|_| EngineError::Other(format!("{what} {value} is too large for the engine API")))
}

fn container_body(spec: &ContainerSpec) -> EngineResult<ContainerCreateBody> {
    let mounts = spec
        .mounts
        .iter()
        .map(|mount| Mount {
            typ: Some(match mount.kind {
                MountType::Bind => BollardMountType::BIND,
                MountType::Volume => BollardMountType::VOLUME,
            }),
            source: Some(mount.source.clone()),
            target: Some(mount.target.clone()),
            read_only: Some(mount.read_only),
            ..Default::default()
        })
        .collect();

    // NOTE: GPU requests follow Docker's `--gpus N` form (driver nvidia,
    // capability gpu). No machine with a GPU has run this path.
    let device_requests = (spec.gpus > 0).then(|| {
        vec![DeviceRequest {
            driver: Some("nvidia".to_string()),
            count: Some(i64::from(spec.gpus)),
            capabilities: Some(vec![vec!["gpu".to_string()]]),
            ..Default::default()
        }]
    });

    let host_config = HostConfig {
        mounts: Some(mounts),
        network_mode: Some(spec.network.clone()),
        nano_cpus: spec
            .nano_cpus
            .map(|value| to_i64(value, "nano_cpus"))
            .transpose()?,
        memory: spec
            .memory_bytes
            .map(|value| to_i64(value, "memory"))
            .transpose()?,
        shm_size: spec
            .shm_size_bytes
            .map(|value| to_i64(value, "shm_size"))
            .transpose()?,
        device_requests,
        ..Default::default()
    };

    let env = spec
        .env
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    let networking_config = NetworkingConfig {
        endpoints_config: Some(HashMap::from([(
            spec.network.clone(),
            EndpointSettings::default(),
        )])),
    };

    Ok(ContainerCreateBody {
        hostname: Some(spec.hostname.clone()),
        image: Some(spec.image.clone()),
        // The plan's argv is the whole command, so the image's entrypoint
        // must not wrap it.
        entrypoint: Some(Vec::new()),
        cmd: Some(spec.argv.clone()),
        env: Some(env),
        labels: Some(spec.labels.clone().into_iter().collect()),
        working_dir: Some(spec.working_dir.clone()),
        host_config: Some(host_config),
        networking_config: Some(networking_config),
        ..Default::default()
    })
}

fn sorted(map: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    map.unwrap_or_default().into_iter().collect()
}

fn trim_name(name: &str) -> String {
    name.trim_start_matches('/').to_string()
}

impl Engine for BollardEngine {
    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    async fn oci_runtime(&self) -> EngineResult<Option<String>> {
        let info = self
            .docker
            .info()
            .await
            .map_err(|error| EngineError::Other(describe(&error)))?;
        Ok(info.default_runtime)
    }

    async fn image_exists(&self, image: &str) -> EngineResult<bool> {
        match self.docker.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(false),
            Err(error) => Err(EngineError::Other(format!(
                "inspecting image {image}: {}",
                describe(&error)
            ))),
        }
    }

    async fn pull_image(&self, image: &str) -> EngineResult<()> {
        let options = CreateImageOptionsBuilder::default()
            .from_image(image)
            .build();
        self.docker
            .create_image(Some(options), None, None)
            .try_for_each(|progress| async move {
                tracing::trace!(?progress, "pull progress");
                Ok(())
            })
            .await
            .map_err(|error| {
                EngineError::Other(format!("pulling image {image}: {}", describe(&error)))
            })
    }

    async fn create_network(&self, spec: &NetworkSpec) -> EngineResult<()> {
        let request = NetworkCreateRequest {
            name: spec.name.clone(),
            driver: Some(spec.driver.clone()),
            labels: Some(spec.labels.clone().into_iter().collect()),
            ..Default::default()
        };
        self.docker
            .create_network(request)
            .await
            .map(|_| ())
            .map_err(|error| EngineError::Other(describe(&error)))
    }

    async fn list_networks(&self, labels: &[(&str, &str)]) -> EngineResult<Vec<NetworkInfo>> {
        let options = ListNetworksOptionsBuilder::default()
            .filters(&label_filters(labels))
            .build();
        let networks = self
            .docker
            .list_networks(Some(options))
            .await
            .map_err(|error| EngineError::Other(describe(&error)))?;
        let mut networks: Vec<NetworkInfo> = networks
            .into_iter()
            .map(|network| NetworkInfo {
                name: network.name.unwrap_or_default(),
                labels: sorted(network.labels),
            })
            .collect();
        networks.sort_by(|left, right| left.name.cmp(&right.name));
        Ok(networks)
    }

    async fn remove_network(&self, name: &str) -> EngineResult<()> {
        self.docker
            .remove_network(name)
            .await
            .map_err(|error| convert(error, &format!("network {name}")))
    }

    async fn create_container(&self, spec: &ContainerSpec) -> EngineResult<()> {
        let options = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        self.docker
            .create_container(Some(options), container_body(spec)?)
            .await
            .map(|_| ())
            .map_err(|error| convert(error, &format!("image {}", spec.image)))
    }

    async fn put_archive(&self, container: &str, dir: &str, tar: Vec<u8>) -> EngineResult<()> {
        let mut attempt = 1;
        loop {
            let options = UploadToContainerOptionsBuilder::default().path(dir).build();
            let result = self
                .docker
                .upload_to_container(
                    container,
                    Some(options),
                    bollard::body_full(tar.clone().into()),
                )
                .await;
            match result {
                Err(error) if attempt < ARCHIVE_ATTEMPTS && is_broken_pipe(&error) => {
                    tracing::warn!(%container, attempt, %error, "placing files failed, retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(100 * attempt as u64))
                        .await;
                    attempt += 1;
                }
                other => {
                    return other.map_err(|error| convert(error, &format!("container {container}")))
                }
            }
        }
    }

    async fn start_container(&self, name: &str) -> EngineResult<()> {
        self.docker
            .start_container(name, None)
            .await
            .map_err(|error| convert(error, &format!("container {name}")))
    }

    async fn inspect_container(&self, name: &str) -> EngineResult<ContainerInfo> {
        let response = retry_unknown_state(|| self.docker.inspect_container(name, None))
            .await
            .map_err(|error| convert(error, &format!("container {name}")))?;
        let state = response.state.unwrap_or_default();
        let state = match state.status {
            Some(ContainerStateStatusEnum::CREATED) => ContainerState::Created,
            Some(ContainerStateStatusEnum::RUNNING) => ContainerState::Running,
            Some(ContainerStateStatusEnum::EXITED) => ContainerState::Exited {
                code: state.exit_code.unwrap_or_default(),
            },
            other => {
                ContainerState::Other(other.map(|status| status.to_string()).unwrap_or_default())
            }
        };
        // Podman leaves the top-level IPAddress empty on custom networks,
        // so read each network's own entry.
        let addresses = response
            .network_settings
            .and_then(|settings| settings.networks)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(network, endpoint)| {
                let address = endpoint.ip_address.filter(|address| !address.is_empty())?;
                Some((network, address))
            })
            .collect();
        Ok(ContainerInfo {
            name: response
                .name
                .as_deref()
                .map(trim_name)
                .unwrap_or_else(|| name.to_string()),
            state,
            labels: sorted(response.config.and_then(|config| config.labels)),
            addresses,
        })
    }

    async fn list_containers(&self, labels: &[(&str, &str)]) -> EngineResult<Vec<ContainerInfo>> {
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&label_filters(labels))
            .build();
        let summaries = retry_unknown_state(|| self.docker.list_containers(Some(options.clone())))
            .await
            .map_err(|error| EngineError::Other(describe(&error)))?;

        let mut containers = Vec::with_capacity(summaries.len());
        for summary in summaries {
            let name = summary
                .names
                .as_ref()
                .and_then(|names| names.first())
                .map(|name| trim_name(name))
                .unwrap_or_default();
            let state = match summary.state {
                Some(ContainerSummaryStateEnum::CREATED) => ContainerState::Created,
                Some(ContainerSummaryStateEnum::RUNNING) => ContainerState::Running,
                // The summary has no exit code, so ask for it.
                Some(ContainerSummaryStateEnum::EXITED) => {
                    match self.inspect_container(&name).await {
                        Ok(info) => info.state,
                        Err(EngineError::NotFound(_)) => continue,
                        Err(error) => return Err(error),
                    }
                }
                other => {
                    ContainerState::Other(other.map(|state| state.to_string()).unwrap_or_default())
                }
            };
            containers.push(ContainerInfo {
                name,
                state,
                labels: sorted(summary.labels),
                addresses: BTreeMap::new(),
            });
        }
        containers.sort_by(|left, right| left.name.cmp(&right.name));
        Ok(containers)
    }

    async fn stop_container(&self, name: &str, grace_seconds: u32) -> EngineResult<()> {
        let grace = i32::try_from(grace_seconds).unwrap_or(i32::MAX);
        let options = StopContainerOptionsBuilder::default().t(grace).build();
        match self.docker.stop_container(name, Some(options)).await {
            // 304: already stopped.
            Err(BollardError::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            other => other.map_err(|error| convert(error, &format!("container {name}"))),
        }
    }

    async fn remove_container(&self, name: &str) -> EngineResult<()> {
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(false)
            .build();
        self.docker
            .remove_container(name, Some(options))
            .await
            .map_err(|error| convert(error, &format!("container {name}")))
    }

    /// Polls the container's state rather than calling the wait endpoint:
    /// Podman 4.3.1's `POST /containers/{id}/wait` kept 1.25 cores busy
    /// per waiting call here, which slowed a 2-node job from 3 s to 6 s.
    async fn wait_container(&self, name: &str) -> EngineResult<i64> {
        loop {
            match self.inspect_container(name).await?.state {
                ContainerState::Exited { code } => return Ok(code),
                ContainerState::Created | ContainerState::Running => {}
                ContainerState::Other(state) => {
                    // `stopping`, `paused` and `stopped` pass on their own;
                    // anything that never exits would loop here, so log it.
                    tracing::debug!(container = %name, %state, "still waiting for the container to exit");
                }
            }
            tokio::time::sleep(WAIT_POLL_INTERVAL).await;
        }
    }

    fn logs<'a>(&'a self, name: &'a str, options: LogOptions) -> LogStream<'a> {
        let tail = options
            .tail
            .map_or_else(|| "all".to_string(), |lines| lines.to_string());
        let query = LogsOptionsBuilder::default()
            .follow(options.follow)
            .stdout(true)
            .stderr(true)
            .timestamps(false)
            .tail(&tail)
            .build();
        let stream = self
            .docker
            .logs(name, Some(query))
            .map_ok(|output| output.into_bytes().to_vec())
            .map_err(move |error| convert(error, &format!("container {name}")));
        Box::pin(stream)
    }
}
