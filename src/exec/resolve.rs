//! Value resolution: turns the plan's [`Value`]s into the text the engine
//! receives. Host variables are read here, during apply, and never earlier.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::engine::{ContainerSpec, MountSpec, MountType as EngineMountType};
use crate::plan::{ContainerPlan, DeferredKey, MountKind, Plan, Value};

use super::InputError;

/// The values apply learns while it runs: the workspace folder, and later
/// rank 0's address.
#[derive(Debug, Clone)]
pub struct Context {
    pub workspace_dir: PathBuf,
    pub rank0_ip: Option<String>,
}

/// Collects every host variable the plan reads, sorted.
pub fn host_variables(plan: &Plan) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut visit = |value: &Value| {
        if let Value::FromHost { var, .. } = value {
            names.insert(var.clone());
        }
    };
    for container in &plan.containers {
        container.argv.iter().for_each(&mut visit);
        container.env.iter().for_each(|env| visit(&env.value));
        container.labels.values().for_each(&mut visit);
        container
            .mounts
            .iter()
            .for_each(|mount| visit(&mount.source));
    }
    plan.network.labels.values().for_each(&mut visit);
    names
}

/// Rejects the plan when a host variable it reads is unset, naming all of
/// them at once.
pub fn check_host_variables(plan: &Plan) -> Result<(), InputError> {
    let missing: Vec<String> = host_variables(plan)
        .into_iter()
        .filter(|name| std::env::var_os(name).is_none())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(InputError(format!(
        "the spec reads host environment variable(s) {} but they are not set; export them and run apply again",
        missing.iter().map(|name| format!("${name}")).collect::<Vec<_>>().join(", ")
    )))
}

/// Absolute host paths of every bind source, relative ones resolved against
/// the spec folder.
pub fn bind_sources(plan: &Plan) -> BTreeMap<String, PathBuf> {
    let mut sources = BTreeMap::new();
    for container in &plan.containers {
        for mount in container
            .mounts
            .iter()
            .filter(|mount| mount.kind == MountKind::Bind)
        {
            if let Value::Literal(source) = &mount.source {
                sources.insert(source.clone(), absolute_bind_source(&plan.spec_dir, source));
            }
        }
    }
    sources
}

fn absolute_bind_source(spec_dir: &Path, source: &str) -> PathBuf {
    let path = Path::new(source);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        spec_dir.join(path)
    }
}

/// Rejects the plan when a bind source is missing on the host.
pub fn check_bind_sources(plan: &Plan) -> Result<(), InputError> {
    let missing: Vec<String> = bind_sources(plan)
        .into_iter()
        .filter(|(_, path)| !path.exists())
        .map(|(source, path)| format!("`{source}` ({})", path.display()))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(InputError(format!(
        "bind-mount source(s) not found on the host: {}; create them or fix the spec's mount paths",
        missing.join(", ")
    )))
}

impl Context {
    /// Resolves one value to its text.
    pub fn resolve(&self, value: &Value) -> anyhow::Result<String> {
        match value {
            Value::Literal(text) => Ok(text.clone()),
            Value::Secret(secret) => Ok(secret.expose().to_string()),
            Value::FromHost { var, .. } => std::env::var(var).map_err(|_| {
                anyhow::anyhow!(
                    "host environment variable ${var} is not set; export it and run apply again"
                )
            }),
            Value::Deferred {
                key,
                prefix,
                suffix,
            } => {
                let value = match key {
                    DeferredKey::WorkspaceDir => self.workspace_dir.display().to_string(),
                    DeferredKey::Rank0Ip => self.rank0_ip.clone().ok_or_else(|| {
                        anyhow::anyhow!("rank 0's address is needed before rank 0 runs")
                    })?,
                };
                Ok(format!("{prefix}{value}{suffix}"))
            }
        }
    }

    /// Builds the engine's view of one planned container.
    pub fn container(
        &self,
        plan: &Plan,
        container: &ContainerPlan,
    ) -> anyhow::Result<ContainerSpec> {
        let argv = container
            .argv
            .iter()
            .map(|value| self.resolve(value))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let env = container
            .env
            .iter()
            .map(|var| Ok((var.name.clone(), self.resolve(&var.value)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let labels = container
            .labels
            .iter()
            .map(|(key, value)| Ok((key.clone(), self.resolve(value)?)))
            .collect::<anyhow::Result<BTreeMap<_, _>>>()?;
        let mounts = container
            .mounts
            .iter()
            .map(|mount| {
                let source = self.resolve(&mount.source)?;
                let (kind, source) = match mount.kind {
                    MountKind::Bind => (
                        EngineMountType::Bind,
                        absolute_bind_source(&plan.spec_dir, &source)
                            .display()
                            .to_string(),
                    ),
                    MountKind::Workspace => (EngineMountType::Bind, source),
                    MountKind::Volume => (EngineMountType::Volume, source),
                };
                Ok(MountSpec {
                    kind,
                    source,
                    target: mount.target.clone(),
                    read_only: mount.read_only,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;

        Ok(ContainerSpec {
            name: container.name.clone(),
            hostname: container.hostname.clone(),
            image: container.image.clone(),
            argv,
            env,
            labels,
            working_dir: container.working_dir.to_string(),
            network: plan.network.name.clone(),
            mounts,
            nano_cpus: container.resources.nano_cpus,
            memory_bytes: container.resources.memory_bytes,
            shm_size_bytes: container.resources.shm_size_bytes,
            gpus: container.resources.gpus,
        })
    }

    /// Resolves the network's labels.
    pub fn network_labels(&self, plan: &Plan) -> anyhow::Result<BTreeMap<String, String>> {
        plan.network
            .labels
            .iter()
            .map(|(key, value)| Ok((key.clone(), self.resolve(value)?)))
            .collect()
    }
}

/// Returns whether any container reads rank 0's address.
pub fn needs_rank0_ip(plan: &Plan) -> bool {
    let uses = |value: &Value| {
        matches!(
            value,
            Value::Deferred {
                key: DeferredKey::Rank0Ip,
                ..
            }
        )
    };
    plan.containers.iter().any(|container| {
        container.argv.iter().any(uses) || container.env.iter().any(|env| uses(&env.value))
    })
}
