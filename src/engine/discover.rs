//! Engine discovery: which socket to talk to. An explicit host (the
//! `--host` flag, else the spec's engine host) is the only candidate when
//! given. Otherwise `CONTAINER_HOST`, `DOCKER_HOST`, the rootless Podman
//! socket, the rootful Podman socket and the Docker socket are tried in
//! that order, and when none responds a private `podman system service` is
//! started for the duration of the command.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::job::EngineKind;

use super::bollard_engine::BollardEngine;
use super::EngineVersion;

const ROOTFUL_PODMAN_SOCKET: &str = "unix:///run/podman/podman.sock";
const DOCKER_SOCKET: &str = "unix:///var/run/docker.sock";

/// Polls of the private service's socket, 100 ms apart, before giving up.
const SERVICE_START_POLLS: u32 = 100;

/// The caller's request: explicit hosts and the spec's engine kind.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The `--host` flag.
    pub flag_host: Option<String>,
    /// The spec's `engine { host ... }`.
    pub spec_host: Option<String>,
    /// The spec's engine kind; `None` when no spec is involved.
    pub kind: Option<EngineKind>,
}

/// A candidate socket and why it was tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub url: String,
    pub source: &'static str,
}

/// A reachable engine. Holds the private Podman service, if one was
/// started, which stops when this value drops.
pub struct Connection {
    pub engine: BollardEngine,
    pub version: EngineVersion,
    pub source: &'static str,
    pub service: Option<PrivateService>,
}

/// A `podman system service` started by trainc; killed on drop.
pub struct PrivateService {
    child: tokio::process::Child,
    dir: PathBuf,
}

impl PrivateService {
    /// Returns the temp folder holding the service's socket.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for PrivateService {
    fn drop(&mut self) {
        if let Err(error) = self.child.start_kill() {
            tracing::error!(%error, "stopping the private podman service failed");
        }
        if let Err(error) = std::fs::remove_dir_all(&self.dir) {
            tracing::warn!(%error, dir = %self.dir.display(), "removing the private service folder failed");
        }
    }
}

/// The error when no engine responds: every socket tried, with its failure.
#[derive(Debug)]
pub struct NotFound {
    pub attempts: Vec<(Candidate, String)>,
    pub explicit: bool,
}

impl std::error::Error for NotFound {}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "no container engine responded. Sockets tried:")?;
        for (candidate, reason) in &self.attempts {
            writeln!(
                f,
                "  - {} ({}): {}",
                candidate.url, candidate.source, reason
            )?;
        }
        writeln!(f, "To fix this:")?;
        writeln!(
            f,
            "  - start the Podman service: `podman system service --time=0 unix:///run/podman/podman.sock &` (as root)"
        )?;
        writeln!(
            f,
            "    or, rootless: `systemctl --user start podman.socket`"
        )?;
        writeln!(
            f,
            "  - or name a socket that serves the API with --host unix:///PATH.sock"
        )?;
        write!(
            f,
            "  - for `permission denied` on a rootful socket, run as root or use your rootless socket under $XDG_RUNTIME_DIR/podman/"
        )?;
        if self.explicit {
            write!(f, "\nOnly the socket named by --host or the spec was tried, because it was given explicitly.")?;
        }
        Ok(())
    }
}

/// Lists the sockets to try, in order, without duplicates.
pub fn candidates(request: &Request) -> Vec<Candidate> {
    candidates_with_env(request, |name| std::env::var(name).ok())
}

/// [`candidates`] with the environment given as a lookup, so that tests do
/// not depend on the shell they run in.
fn candidates_with_env(request: &Request, env: impl Fn(&str) -> Option<String>) -> Vec<Candidate> {
    if let Some(url) = &request.flag_host {
        return vec![Candidate {
            url: url.clone(),
            source: "--host",
        }];
    }
    if let Some(url) = &request.spec_host {
        return vec![Candidate {
            url: url.clone(),
            source: "the spec's engine host",
        }];
    }

    let mut found: Vec<Candidate> = Vec::new();
    for variable in ["CONTAINER_HOST", "DOCKER_HOST"] {
        if let Some(url) = env(variable) {
            if !url.is_empty() {
                found.push(Candidate {
                    url,
                    source: if variable == "CONTAINER_HOST" {
                        "$CONTAINER_HOST"
                    } else {
                        "$DOCKER_HOST"
                    },
                });
            }
        }
    }

    let wants_podman = request.kind != Some(EngineKind::Docker);
    let wants_docker = request.kind != Some(EngineKind::Podman);
    if wants_podman {
        found.push(Candidate {
            url: format!(
                "unix://{}",
                rootless_socket(env("XDG_RUNTIME_DIR")).display()
            ),
            source: "rootless Podman",
        });
        found.push(Candidate {
            url: ROOTFUL_PODMAN_SOCKET.to_string(),
            source: "rootful Podman",
        });
    }
    if wants_docker {
        found.push(Candidate {
            url: DOCKER_SOCKET.to_string(),
            source: "Docker",
        });
    }

    let mut seen = std::collections::BTreeSet::new();
    found.retain(|candidate| seen.insert(candidate.url.clone()));
    found
}

fn rootless_socket(runtime_dir: Option<String>) -> PathBuf {
    let runtime_dir = runtime_dir
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(format!("/run/user/{}", current_uid())));
    runtime_dir.join("podman/podman.sock")
}

fn current_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|meta| meta.uid())
        .unwrap_or(0)
}

/// Tries every candidate and returns the first engine that responds. When
/// none does and nothing was named explicitly, starts a private Podman
/// service.
pub async fn connect(request: &Request) -> Result<Connection, NotFound> {
    let explicit = request.flag_host.is_some() || request.spec_host.is_some();
    let mut attempts: Vec<(Candidate, String)> = Vec::new();

    for candidate in candidates(request) {
        match try_connect(&candidate.url).await {
            Ok((engine, version)) => {
                tracing::info!(url = %candidate.url, source = candidate.source, "engine found");
                // A socket named in the environment that does not respond is
                // most likely a mistake, so the fallback is reported, not hidden.
                for (skipped, reason) in &attempts {
                    if skipped.source.starts_with('$') {
                        eprintln!(
                            "warning: {}={} did not answer ({reason}); using {} ({}) instead",
                            skipped.source.trim_start_matches('$'),
                            skipped.url,
                            candidate.url,
                            candidate.source
                        );
                    }
                }
                return Ok(Connection {
                    engine,
                    version,
                    source: candidate.source,
                    service: None,
                });
            }
            Err(reason) => {
                tracing::debug!(url = %candidate.url, %reason, "engine candidate failed");
                attempts.push((candidate, reason));
            }
        }
    }

    if !explicit && request.kind != Some(EngineKind::Docker) {
        let candidate = Candidate {
            url: "a private `podman system service`".to_string(),
            source: "started by trainc",
        };
        match start_private_service().await {
            Ok(connection) => return Ok(connection),
            Err(reason) => attempts.push((candidate, reason)),
        }
    }

    Err(NotFound { attempts, explicit })
}

async fn try_connect(url: &str) -> Result<(BollardEngine, EngineVersion), String> {
    BollardEngine::connect(url)
        .await
        .map_err(|error| error.to_string())
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Starts `podman system service` on a socket in a private temp folder
/// and connects to it; the service stops when the connection drops.
pub async fn start_private_service() -> Result<Connection, String> {
    let podman = find_on_path("podman").ok_or_else(|| "no `podman` binary on PATH".to_string())?;
    let dir = std::env::temp_dir().join(format!("trainc-podman-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|error| format!("creating {}: {error}", dir.display()))?;
    let socket = dir.join("podman.sock");
    let url = format!("unix://{}", socket.display());

    let child = tokio::process::Command::new(&podman)
        .args(["system", "service", "--time=0", &url])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| format!("running {} system service: {error}", podman.display()))?;
    let service = PrivateService { child, dir };
    eprintln!("No engine socket responded, so trainc started a private `podman system service` at {url} for this command.");

    let mut last_error = String::from("the socket never appeared");
    for _ in 0..SERVICE_START_POLLS {
        if Path::new(&socket).exists() {
            match try_connect(&url).await {
                Ok((engine, version)) => {
                    return Ok(Connection {
                        engine,
                        version,
                        source: "private podman service",
                        service: Some(service),
                    })
                }
                Err(reason) => last_error = reason,
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!(
        "the private podman service did not answer: {last_error}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_flag_is_the_only_candidate() {
        let request = Request {
            flag_host: Some("unix:///tmp/a.sock".into()),
            spec_host: Some("unix:///tmp/b.sock".into()),
            kind: None,
        };
        let found = candidates(&request);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].url, "unix:///tmp/a.sock");
    }

    #[test]
    fn not_found_lists_attempts_and_fixes() {
        let error = NotFound {
            attempts: vec![(
                Candidate {
                    url: "unix:///run/podman/podman.sock".into(),
                    source: "rootful Podman",
                },
                "permission denied".into(),
            )],
            explicit: false,
        };

        let text = error.to_string();

        assert!(text.contains("unix:///run/podman/podman.sock (rootful Podman): permission denied"));
        assert!(text.contains("podman system service --time=0 unix:///run/podman/podman.sock &"));
        assert!(text.contains("systemctl --user start podman.socket"));
        assert!(text.contains("--host"));
    }

    #[test]
    fn podman_kind_skips_docker_socket() {
        let request = Request {
            kind: Some(EngineKind::Podman),
            ..Request::default()
        };
        let urls: Vec<String> = candidates_with_env(&request, no_env)
            .into_iter()
            .map(|c| c.url)
            .collect();
        assert!(!urls.contains(&DOCKER_SOCKET.to_string()));
        assert!(urls.contains(&ROOTFUL_PODMAN_SOCKET.to_string()));
    }

    #[test]
    fn docker_kind_skips_podman_sockets() {
        let request = Request {
            kind: Some(EngineKind::Docker),
            ..Request::default()
        };
        let urls: Vec<String> = candidates_with_env(&request, no_env)
            .into_iter()
            .map(|c| c.url)
            .collect();
        assert!(!urls.contains(&ROOTFUL_PODMAN_SOCKET.to_string()));
        assert!(urls.contains(&DOCKER_SOCKET.to_string()));
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn discovery_order_follows_environment() {
        let env = |name: &str| match name {
            "CONTAINER_HOST" => Some("unix:///tmp/container-host.sock".to_string()),
            "DOCKER_HOST" => Some("unix:///tmp/docker-host.sock".to_string()),
            "XDG_RUNTIME_DIR" => Some("/run/user/1000".to_string()),
            _ => None,
        };
        let urls: Vec<String> = candidates_with_env(&Request::default(), env)
            .into_iter()
            .map(|c| c.url)
            .collect();
        assert_eq!(
            urls,
            [
                "unix:///tmp/container-host.sock",
                "unix:///tmp/docker-host.sock",
                "unix:///run/user/1000/podman/podman.sock",
                ROOTFUL_PODMAN_SOCKET,
                DOCKER_SOCKET,
            ]
        );
    }
}
