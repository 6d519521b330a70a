//! The validated job: what a spec means once every value has been checked,
//! defaults applied and the files it names read. Validation is the only
//! producer of a [`Job`]; planning is its only consumer.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

/// A job that passed validation.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub description: Option<String>,
    pub runtime: Runtime,
    /// The image every node runs: the spec's `image`, else the runtime's.
    pub image: String,
    pub nodes: u32,
    /// Processes per node: the spec's value, else `gpus`, else 1.
    pub procs_per_node: u32,
    pub trainer: Trainer,
    /// Keys are unique; a `BTreeMap` keeps them sorted for the plan.
    pub env: BTreeMap<String, EnvSource>,
    pub mounts: Vec<Mount>,
    pub resources: Resources,
    pub rendezvous: Rendezvous,
    pub engine: EngineConfig,
    pub labels: BTreeMap<String, String>,
    /// Absolute folder of the spec file. Relative paths in the spec are
    /// resolved against it during apply; it never reaches the plan.
    pub spec_dir: PathBuf,
}

/// A training runtime, built in or read from a Kubeflow runtime YAML file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Runtime {
    pub name: String,
    /// The `trainer.kubeflow.org/framework` label, such as `torch`.
    pub framework: String,
    pub image: String,
    /// Default node count (`mlPolicy.numNodes`), used when the spec has no `nodes`.
    pub default_nodes: Option<u32>,
    /// `builtin`, or the runtime file's path relative to the spec folder.
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct Trainer {
    pub entry: TrainerEntry,
    pub args: Vec<String>,
    pub packages: Vec<String>,
    pub pip_index_urls: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum TrainerEntry {
    /// A Python file run by torchrun. `path` is as written in the spec
    /// (relative to the spec folder); `content` is the file's bytes.
    Script { path: String, content: Vec<u8> },
    /// Python code given inline in the spec, run by torchrun.
    Inline { code: String },
    /// A command run as is, without torchrun.
    Command { argv: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvSource {
    Literal {
        value: String,
        sensitive: bool,
    },
    /// Read from the host's environment during apply, never during planning,
    /// so that the plan does not depend on the shell it was made in.
    FromHost {
        var: String,
        sensitive: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mount {
    /// `source` is as written in the spec; relative paths are relative to
    /// the spec folder.
    Bind {
        source: String,
        target: String,
        read_only: bool,
    },
    /// A named engine volume.
    Volume {
        name: String,
        target: String,
        read_only: bool,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    /// CPU limit in thousandths of a CPU, so that plans hold no floats.
    pub millicpus: Option<u64>,
    pub memory_bytes: Option<u64>,
    pub gpus: u32,
    pub shm_size_bytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendezvous {
    pub port: u16,
    pub master_addr: MasterAddrMode,
    pub max_restarts: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MasterAddrMode {
    /// Rank 0's IP address on the job network, read after it starts.
    Ip,
    /// Rank 0's container name, resolved by the network's DNS.
    Dns,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    pub kind: EngineKind,
    pub host: Option<String>,
    pub pull_policy: PullPolicy,
    pub auto_remove: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EngineKind {
    Podman,
    Docker,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PullPolicy {
    IfNotPresent,
    Always,
    Never,
}

impl PullPolicy {
    pub const ALL: [&'static str; 3] = ["IfNotPresent", "Always", "Never"];

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "IfNotPresent" => Some(Self::IfNotPresent),
            "Always" => Some(Self::Always),
            "Never" => Some(Self::Never),
            _ => None,
        }
    }
}
