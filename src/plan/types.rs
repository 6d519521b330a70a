//! The execution plan: everything apply will do, in order, as data. Values
//! known only during apply are typed as such ([`Value::Deferred`]), and
//! sensitive values are wrapped in [`Secret`] so no rendering can show them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::job::{EngineKind, MasterAddrMode, PullPolicy};

/// Version of the plan document; part of every plan hash.
pub const PLAN_FORMAT: &str = "trainc.plan/v1";

/// Where each node finds the files trainc places into it.
pub const FILES_DIR: &str = "/opt/trainc";
/// Where the per-job workspace folder is mounted in every node.
pub const WORKSPACE_TARGET: &str = "/workspace";

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub format: &'static str,
    /// `sha256:<hex>` over the canonical JSON of the plan body.
    pub hash: String,
    pub job: JobSummary,
    pub engine: EngineSettings,
    pub network: NetworkPlan,
    pub workspace: WorkspacePlan,
    /// Files placed into every node through the engine API before start.
    pub files: Vec<PlannedFile>,
    /// Containers in start order: rank 0 first, then the rest together.
    pub containers: Vec<ContainerPlan>,
    /// Values that only apply can know, and what they stand for.
    pub deferred: Vec<DeferredValue>,
    /// Absolute folder of the spec file, for resolving relative bind-mount
    /// sources during apply. Host-specific, so it stays out of the document.
    #[serde(skip)]
    pub spec_dir: PathBuf,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobSummary {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub runtime: RuntimeSummary,
    pub image: String,
    pub nodes: u32,
    pub procs_per_node: u32,
    /// `nodes * procs_per_node`.
    pub world_size: u32,
    /// `script`, `inline` or `command`.
    pub trainer: &'static str,
    pub rendezvous: RendezvousSummary,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuntimeSummary {
    pub name: String,
    pub framework: String,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RendezvousSummary {
    pub backend: &'static str,
    pub port: u16,
    pub master_addr: MasterAddrMode,
    pub max_restarts: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct EngineSettings {
    pub kind: EngineKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    pub pull_policy: PullPolicy,
    pub auto_remove: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NetworkPlan {
    pub name: String,
    pub driver: &'static str,
    pub dns_enabled: bool,
    pub labels: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkspacePlan {
    /// The host folder, relative to trainc's data folder, which apply
    /// resolves (see [`DeferredKey::WorkspaceDir`]).
    pub host_dir: String,
    pub target: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedFile {
    /// Absolute path inside each node.
    pub path: String,
    /// `sha256:<hex>` of the content.
    pub sha256: String,
    pub size: u64,
    /// Unix permission bits, as in a tar header.
    pub mode: u32,
    #[serde(skip)]
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContainerPlan {
    pub name: String,
    pub hostname: String,
    pub rank: u32,
    /// 0 for rank 0, which starts alone; 1 for the nodes that start together
    /// once rank 0 runs.
    pub start_group: u32,
    pub image: String,
    pub argv: Vec<Value>,
    pub working_dir: &'static str,
    /// Sorted by name.
    pub env: Vec<EnvVar>,
    pub mounts: Vec<MountPlan>,
    pub labels: BTreeMap<String, Value>,
    pub resources: ResourcePlan,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub value: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MountKind {
    Bind,
    Volume,
    Workspace,
}

#[derive(Debug, Clone, Serialize)]
pub struct MountPlan {
    pub kind: MountKind,
    /// Bind: the host path as written (relative to the spec folder);
    /// volume: its name; workspace: deferred.
    pub source: Value,
    pub target: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ResourcePlan {
    /// CPU limit as a decimal string, such as `"0.5"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nano_cpus: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    pub gpus: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shm_size_bytes: Option<u64>,
}

/// What apply fills in, and where.
#[derive(Debug, Clone, Serialize)]
pub struct DeferredValue {
    pub key: DeferredKey,
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeferredKey {
    /// Rank 0's IP address on the job network, read once it runs.
    Rank0Ip,
    /// The absolute host path of the job's workspace folder.
    WorkspaceDir,
}

impl DeferredKey {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rank0Ip => "rank0-ip",
            Self::WorkspaceDir => "workspace-dir",
        }
    }
}

/// A value in argv, env, labels or mount sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Literal(String),
    /// A sensitive value from the spec, known now but never shown.
    Secret(Secret),
    /// Read from the host's environment during apply.
    FromHost {
        var: String,
        sensitive: bool,
    },
    /// Known only during apply; the final text is `prefix + value + suffix`.
    Deferred {
        key: DeferredKey,
        prefix: String,
        suffix: String,
    },
}

impl Value {
    pub fn literal(text: impl Into<String>) -> Self {
        Self::Literal(text.into())
    }

    pub fn deferred(key: DeferredKey) -> Self {
        Self::Deferred {
            key,
            prefix: String::new(),
            suffix: String::new(),
        }
    }

    /// The text a reviewer sees: secrets redacted, the rest marked.
    pub fn display(&self) -> String {
        match self {
            Self::Literal(text) => text.clone(),
            Self::Secret(_) => REDACTED.to_string(),
            Self::FromHost { var, sensitive } => {
                if *sensitive {
                    format!("<from host ${var}, sensitive>")
                } else {
                    format!("<from host ${var}>")
                }
            }
            Self::Deferred {
                key,
                prefix,
                suffix,
            } => format!("{prefix}<{}, known at apply>{suffix}", key.as_str()),
        }
    }
}

/// Shown in place of every sensitive value.
pub const REDACTED: &str = "<redacted>";

/// Serialized forms: a literal is a plain string; every other kind is an
/// object whose first key names its kind, so the JSON Schema can tell them
/// apart.
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Literal(text) => serializer.serialize_str(text),
            Self::Secret(_) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("secret", REDACTED)?;
                map.end()
            }
            Self::FromHost { var, sensitive } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("from_host", var)?;
                map.serialize_entry("sensitive", sensitive)?;
                map.end()
            }
            Self::Deferred {
                key,
                prefix,
                suffix,
            } => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("deferred", key)?;
                if !prefix.is_empty() {
                    map.serialize_entry("prefix", prefix)?;
                }
                if !suffix.is_empty() {
                    map.serialize_entry("suffix", suffix)?;
                }
                map.end()
            }
        }
    }
}

/// A sensitive string. Its `Debug`, `Display` and `Serialize` forms are all
/// redacted; only [`Secret::expose`] gives the value, for the engine call.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}
