//! Plan building: the one place that decides what apply creates for a job.

use std::collections::{BTreeMap, BTreeSet};

use super::hash;
use super::labels;
use super::types::*;
use crate::job::{EnvSource, Job, MasterAddrMode, Mount, TrainerEntry};

/// The node entrypoint, placed into every node and run by `/bin/sh`.
pub const ENTRYPOINT_SCRIPT: &str = include_str!("entrypoint.sh");
pub const ENTRYPOINT_PATH: &str = "/opt/trainc/entrypoint.sh";

const INLINE_PATH: &str = "/opt/trainc/inline.py";
const REQUIREMENTS_PATH: &str = "/opt/trainc/requirements.txt";
/// File names trainc uses itself under [`FILES_DIR`].
const RESERVED_FILE_NAMES: [&str; 2] = ["entrypoint.sh", "requirements.txt"];

const MANAGED_BY_VALUE: &str = "trainc";
const RENDEZVOUS_BACKEND: &str = "static";

/// Builds the execution plan of a validated job.
///
/// A pure function: the same job gives the same plan, byte for byte, on any
/// host and in any working folder.
pub fn build(job: &Job) -> Plan {
    let network_name = format!("{}-net", job.name);
    let files = plan_files(job);
    let containers = (0..job.nodes)
        .map(|rank| plan_container(job, rank, &network_name))
        .collect();

    let mut plan = Plan {
        format: PLAN_FORMAT,
        hash: String::new(),
        job: summarize_job(job),
        engine: EngineSettings {
            kind: job.engine.kind,
            host: job.engine.host.clone(),
            pull_policy: job.engine.pull_policy,
            auto_remove: job.engine.auto_remove,
        },
        network: NetworkPlan {
            name: network_name,
            driver: "bridge",
            dns_enabled: true,
            labels: network_labels(job),
        },
        workspace: WorkspacePlan {
            host_dir: format!("jobs/{}", job.name),
            target: WORKSPACE_TARGET,
        },
        files,
        containers,
        deferred: Vec::new(),
        spec_dir: job.spec_dir.clone(),
    };
    plan.deferred = describe_deferred(&plan);

    seal(&mut plan);
    plan
}

/// Computes the hash of the finished plan and stores it in `hash` and in
/// every `trainc/plan-hash` label.
fn seal(plan: &mut Plan) {
    let digest = hash::hash_unsealed(plan);

    plan.network
        .labels
        .insert(labels::PLAN_HASH.to_string(), Value::literal(&digest));
    for container in &mut plan.containers {
        container
            .labels
            .insert(labels::PLAN_HASH.to_string(), Value::literal(&digest));
    }
    plan.hash = digest;
}

fn summarize_job(job: &Job) -> JobSummary {
    JobSummary {
        name: job.name.clone(),
        description: job.description.clone(),
        runtime: RuntimeSummary {
            name: job.runtime.name.clone(),
            framework: job.runtime.framework.clone(),
            source: job.runtime.source.clone(),
        },
        image: job.image.clone(),
        nodes: job.nodes,
        procs_per_node: job.procs_per_node,
        world_size: job.nodes * job.procs_per_node,
        trainer: match job.trainer.entry {
            TrainerEntry::Script { .. } => "script",
            TrainerEntry::Inline { .. } => "inline",
            TrainerEntry::Command { .. } => "command",
        },
        rendezvous: RendezvousSummary {
            backend: RENDEZVOUS_BACKEND,
            port: job.rendezvous.port,
            master_addr: job.rendezvous.master_addr,
            max_restarts: job.rendezvous.max_restarts,
        },
    }
}

fn network_labels(job: &Job) -> BTreeMap<String, Value> {
    let mut labels = BTreeMap::new();
    labels.insert(labels::TRAINJOB_NAME.to_string(), Value::literal(&job.name));
    labels.insert(
        labels::RUNTIME_NAME.to_string(),
        Value::literal(&job.runtime.name),
    );
    labels.insert(
        labels::WORKDIR.to_string(),
        Value::deferred(DeferredKey::WorkspaceDir),
    );
    labels.insert(labels::JOB_NAME.to_string(), Value::literal(&job.name));
    labels.insert(
        labels::MANAGED_BY.to_string(),
        Value::literal(MANAGED_BY_VALUE),
    );
    labels
}

fn plan_files(job: &Job) -> Vec<PlannedFile> {
    let mut files = vec![planned_file(
        ENTRYPOINT_PATH.to_string(),
        ENTRYPOINT_SCRIPT.as_bytes().to_vec(),
        0o755,
    )];

    match &job.trainer.entry {
        TrainerEntry::Script { path, content } => {
            files.push(planned_file(script_target(path), content.clone(), 0o644));
        }
        TrainerEntry::Inline { code } => {
            files.push(planned_file(
                INLINE_PATH.to_string(),
                code.as_bytes().to_vec(),
                0o644,
            ));
        }
        TrainerEntry::Command { .. } => {}
    }

    if !job.trainer.packages.is_empty() {
        files.push(planned_file(
            REQUIREMENTS_PATH.to_string(),
            requirements_text(&job.trainer.packages, &job.trainer.pip_index_urls).into_bytes(),
            0o644,
        ));
    }
    files
}

fn planned_file(path: String, content: Vec<u8>, mode: u32) -> PlannedFile {
    PlannedFile {
        path,
        sha256: hash::sha256_text(&content),
        size: content.len() as u64,
        mode,
        content,
    }
}

/// Returns the path of the user's script inside each node: its file name under
/// [`FILES_DIR`]. A script named like one of trainc's own files gets a
/// `user-` prefix so that it cannot replace the entrypoint.
fn script_target(spec_path: &str) -> String {
    let file_name = spec_path
        .rsplit(['/', '\\'])
        .find(|part| !part.is_empty())
        .unwrap_or("script.py");
    if RESERVED_FILE_NAMES.contains(&file_name) {
        format!("{FILES_DIR}/user-{file_name}")
    } else {
        format!("{FILES_DIR}/{file_name}")
    }
}

/// Formats a pip requirements file: the index options first, then one
/// package per line.
fn requirements_text(packages: &[String], index_urls: &[String]) -> String {
    let mut text = String::new();
    for (position, url) in index_urls.iter().enumerate() {
        let option = if position == 0 {
            "--index-url"
        } else {
            "--extra-index-url"
        };
        text.push_str(option);
        text.push(' ');
        text.push_str(url);
        text.push('\n');
    }
    for package in packages {
        text.push_str(package);
        text.push('\n');
    }
    text
}

fn node_name(job: &Job, rank: u32) -> String {
    format!("{}-node-{rank}", job.name)
}

/// Returns the rendezvous master's address as seen from the node of `rank`, with
/// `prefix` and `suffix` around it.
fn master_address(job: &Job, rank: u32, prefix: &str, suffix: &str) -> Value {
    let uses_rank0_ip = rank > 0 && job.rendezvous.master_addr == MasterAddrMode::Ip;
    if uses_rank0_ip {
        Value::Deferred {
            key: DeferredKey::Rank0Ip,
            prefix: prefix.to_string(),
            suffix: suffix.to_string(),
        }
    } else {
        Value::Literal(format!("{prefix}{}{suffix}", node_name(job, 0)))
    }
}

fn uses_torchrun(job: &Job) -> bool {
    !matches!(job.trainer.entry, TrainerEntry::Command { .. })
}

fn plan_container(job: &Job, rank: u32, network_name: &str) -> ContainerPlan {
    let name = node_name(job, rank);
    ContainerPlan {
        hostname: name.clone(),
        rank,
        start_group: u32::from(rank > 0),
        image: job.image.clone(),
        argv: container_argv(job, rank),
        working_dir: WORKSPACE_TARGET,
        env: container_env(job, rank),
        mounts: container_mounts(job),
        labels: container_labels(job, rank, network_name),
        resources: container_resources(job),
        name,
    }
}

fn container_argv(job: &Job, rank: u32) -> Vec<Value> {
    let mut argv = vec![Value::literal("/bin/sh"), Value::literal(ENTRYPOINT_PATH)];

    let program = match &job.trainer.entry {
        TrainerEntry::Script { path, .. } => Some(script_target(path)),
        TrainerEntry::Inline { .. } => Some(INLINE_PATH.to_string()),
        TrainerEntry::Command { argv: command } => {
            argv.extend(command.iter().map(Value::literal));
            None
        }
    };
    if let Some(program) = program {
        argv.push(Value::literal("torchrun"));
        argv.push(Value::Literal(format!("--nnodes={}", job.nodes)));
        argv.push(Value::Literal(format!(
            "--nproc-per-node={}",
            job.procs_per_node
        )));
        argv.push(Value::Literal(format!("--node-rank={rank}")));
        argv.push(Value::Literal(format!(
            "--rdzv-backend={RENDEZVOUS_BACKEND}"
        )));
        argv.push(master_address(
            job,
            rank,
            "--rdzv-endpoint=",
            &format!(":{}", job.rendezvous.port),
        ));
        argv.push(Value::Literal(format!(
            "--max-restarts={}",
            job.rendezvous.max_restarts
        )));
        argv.push(Value::Literal(program));
    }

    argv.extend(job.trainer.args.iter().map(Value::literal));
    argv
}

/// Builds the node's environment, sorted by name. Names that trainc sets
/// replace the user's, although validation rejects most such collisions.
fn container_env(job: &Job, rank: u32) -> Vec<EnvVar> {
    let mut env: BTreeMap<String, Value> = job
        .env
        .iter()
        .map(|(name, source)| (name.clone(), env_value(source)))
        .collect();

    // A default the user may override, unlike the rest.
    env.entry("PYTHONUNBUFFERED".to_string())
        .or_insert_with(|| Value::literal("1"));

    let port = job.rendezvous.port.to_string();
    let master = master_address(job, rank, "", "");
    let mut set = |name: &str, value: Value| {
        env.insert(name.to_string(), value);
    };
    set("MASTER_ADDR", master.clone());
    set("MASTER_PORT", Value::literal(&port));
    set("PET_MASTER_ADDR", master);
    set("PET_MASTER_PORT", Value::literal(&port));
    set("PET_NNODES", Value::Literal(job.nodes.to_string()));
    set(
        "PET_NPROC_PER_NODE",
        Value::Literal(job.procs_per_node.to_string()),
    );
    set("PET_NODE_RANK", Value::Literal(rank.to_string()));
    set("TRAINC_JOB", Value::literal(&job.name));

    if uses_torchrun(job) {
        // torchrun's static rendezvous retries the master's store for
        // minutes, so nodes start it at once and their imports overlap
        // with rank 0's. A pip install can delay rank 0 for longer than
        // that, so nodes of jobs with packages wait for the master first.
        if rank > 0 && !job.trainer.packages.is_empty() {
            set("TRAINC_WAIT_FOR_MASTER", Value::literal("1"));
        }
    } else if job.procs_per_node == 1 {
        // torchrun sets these for the processes it starts; a command runs
        // without it, so trainc sets them for the one process per node.
        set("RANK", Value::Literal(rank.to_string()));
        set("WORLD_SIZE", Value::Literal(job.nodes.to_string()));
        set("LOCAL_RANK", Value::literal("0"));
        set("LOCAL_WORLD_SIZE", Value::literal("1"));
    }

    env.into_iter()
        .map(|(name, value)| EnvVar { name, value })
        .collect()
}

fn env_value(source: &EnvSource) -> Value {
    match source {
        EnvSource::Literal {
            value,
            sensitive: false,
        } => Value::literal(value),
        EnvSource::Literal {
            value,
            sensitive: true,
        } => Value::Secret(Secret::new(value.clone())),
        EnvSource::FromHost { var, sensitive } => Value::FromHost {
            var: var.clone(),
            sensitive: *sensitive,
        },
    }
}

fn container_mounts(job: &Job) -> Vec<MountPlan> {
    let workspace = MountPlan {
        kind: MountKind::Workspace,
        source: Value::deferred(DeferredKey::WorkspaceDir),
        target: WORKSPACE_TARGET.to_string(),
        read_only: false,
    };
    let user_mounts = job.mounts.iter().map(|mount| match mount {
        Mount::Bind {
            source,
            target,
            read_only,
        } => MountPlan {
            kind: MountKind::Bind,
            source: Value::literal(source),
            target: target.clone(),
            read_only: *read_only,
        },
        Mount::Volume {
            name,
            target,
            read_only,
        } => MountPlan {
            kind: MountKind::Volume,
            source: Value::literal(name),
            target: target.clone(),
            read_only: *read_only,
        },
    });
    std::iter::once(workspace).chain(user_mounts).collect()
}

/// Builds a container's labels: the user's, then trainc's, which win on a
/// shared key. Validation rejects user keys under trainc's prefixes.
fn container_labels(job: &Job, rank: u32, network_name: &str) -> BTreeMap<String, Value> {
    let mut labels: BTreeMap<String, Value> = job
        .labels
        .iter()
        .map(|(key, value)| (key.clone(), Value::literal(value)))
        .collect();

    let mut set = |key: &str, value: String| {
        labels.insert(key.to_string(), Value::Literal(value));
    };
    set(labels::TRAINJOB_NAME, job.name.clone());
    set(labels::STEP, format!("node-{rank}"));
    set(labels::NETWORK_ID, network_name.to_string());
    set(labels::JOB_NAME, job.name.clone());
    set(labels::MANAGED_BY, MANAGED_BY_VALUE.to_string());
    set(labels::RANK, rank.to_string());
    set(labels::NODES, job.nodes.to_string());
    labels
}

fn container_resources(job: &Job) -> ResourcePlan {
    let resources = &job.resources;
    ResourcePlan {
        cpus: resources.millicpus.map(format_millicpus),
        nano_cpus: resources.millicpus.map(|milli| milli * 1_000_000),
        memory_bytes: resources.memory_bytes,
        gpus: resources.gpus,
        shm_size_bytes: resources.shm_size_bytes,
    }
}

/// Formats thousandths of a CPU as a decimal without trailing zeros:
/// 500 → "0.5", 2000 → "2", 1250 → "1.25".
fn format_millicpus(millicpus: u64) -> String {
    let whole = millicpus / 1000;
    let fraction = millicpus % 1000;
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:03}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Lists each deferred value the plan uses, with what apply fills in.
fn describe_deferred(plan: &Plan) -> Vec<DeferredValue> {
    let mut used = BTreeSet::new();
    let mut note = |value: &Value| {
        if let Value::Deferred { key, .. } = value {
            used.insert(*key);
        }
    };
    plan.network.labels.values().for_each(&mut note);
    for container in &plan.containers {
        container.argv.iter().for_each(&mut note);
        container.env.iter().for_each(|var| note(&var.value));
        container
            .mounts
            .iter()
            .for_each(|mount| note(&mount.source));
        container.labels.values().for_each(&mut note);
    }

    used.into_iter()
        .map(|key| DeferredValue {
            key,
            description: deferred_description(key, plan),
        })
        .collect()
}

fn deferred_description(key: DeferredKey, plan: &Plan) -> String {
    match key {
        DeferredKey::Rank0Ip => format!(
            "IP address of {} on network {}, read once it runs, which ranks 1 and up use as the master address",
            plan.containers
                .first()
                .map_or("rank 0", |container| container.name.as_str()),
            plan.network.name
        ),
        DeferredKey::WorkspaceDir => format!(
            "absolute host path of {} under trainc's data folder, mounted at {}",
            plan.workspace.host_dir, plan.workspace.target
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millicpus_format_as_short_decimals() {
        assert_eq!(format_millicpus(500), "0.5");
        assert_eq!(format_millicpus(2000), "2");
        assert_eq!(format_millicpus(1250), "1.25");
        assert_eq!(format_millicpus(1001), "1.001");
        assert_eq!(format_millicpus(10), "0.01");
    }

    #[test]
    fn script_target_uses_file_name() {
        assert_eq!(script_target("train.py"), "/opt/trainc/train.py");
        assert_eq!(script_target("src/models/train.py"), "/opt/trainc/train.py");
        assert_eq!(script_target("../up/run.py"), "/opt/trainc/run.py");
    }

    #[test]
    fn script_target_avoids_reserved_names() {
        assert_eq!(
            script_target("tools/entrypoint.sh"),
            "/opt/trainc/user-entrypoint.sh"
        );
        assert_eq!(
            script_target("requirements.txt"),
            "/opt/trainc/user-requirements.txt"
        );
    }

    #[test]
    fn requirements_list_index_urls_first() {
        let text = requirements_text(
            &["numpy".to_string(), "tqdm>=4".to_string()],
            &[
                "https://pypi.org/simple".to_string(),
                "https://mirror.test/simple".to_string(),
            ],
        );
        assert_eq!(
            text,
            "--index-url https://pypi.org/simple\n--extra-index-url https://mirror.test/simple\nnumpy\ntqdm>=4\n"
        );
    }
}
