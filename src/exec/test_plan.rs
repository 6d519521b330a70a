//! Plans built by hand for the executor's unit tests, shaped as the
//! planner builds them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::job::{EngineKind, MasterAddrMode, PullPolicy};
use crate::plan::*;

pub const IMAGE: &str = "localhost/trainc/busybox:latest";

/// Points trainc's data folder at one temporary folder for every test in
/// this process, because the environment is process-wide.
pub fn use_test_data_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("trainc-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the temp folder is writable");
        std::env::set_var("TRAINC_HOME", &dir);
        dir
    })
    .clone()
}

fn common_labels(job: &str, hash: &str) -> BTreeMap<String, Value> {
    BTreeMap::from([
        (labels::TRAINJOB_NAME.to_string(), Value::literal(job)),
        (labels::JOB_NAME.to_string(), Value::literal(job)),
        (labels::MANAGED_BY.to_string(), Value::literal("trainc")),
        (labels::PLAN_HASH.to_string(), Value::literal(hash)),
    ])
}

/// Builds a plan of `nodes` busybox nodes in ip mode, with one file.
pub fn plan(job: &str, nodes: u32, hash: &str) -> Plan {
    use_test_data_dir();
    let network = format!("{job}-net");
    let containers = (0..nodes)
        .map(|rank| {
            let master = if rank == 0 {
                Value::literal(format!("{job}-node-0"))
            } else {
                Value::deferred(DeferredKey::Rank0Ip)
            };
            let mut labels = common_labels(job, hash);
            labels.insert(
                labels::STEP.to_string(),
                Value::literal(format!("node-{rank}")),
            );
            labels.insert(labels::NETWORK_ID.to_string(), Value::literal(&network));
            labels.insert(labels::RANK.to_string(), Value::literal(rank.to_string()));
            labels.insert(labels::NODES.to_string(), Value::literal(nodes.to_string()));
            ContainerPlan {
                name: format!("{job}-node-{rank}"),
                hostname: format!("{job}-node-{rank}"),
                rank,
                start_group: u32::from(rank > 0),
                image: IMAGE.to_string(),
                argv: vec![
                    Value::literal("/bin/sh"),
                    Value::literal("/opt/trainc/entrypoint.sh"),
                ],
                working_dir: WORKSPACE_TARGET,
                env: vec![EnvVar {
                    name: "MASTER_ADDR".into(),
                    value: master,
                }],
                mounts: vec![MountPlan {
                    kind: MountKind::Workspace,
                    source: Value::deferred(DeferredKey::WorkspaceDir),
                    target: WORKSPACE_TARGET.into(),
                    read_only: false,
                }],
                labels,
                resources: ResourcePlan::default(),
            }
        })
        .collect();

    let mut network_labels = common_labels(job, hash);
    network_labels.insert(
        labels::WORKDIR.to_string(),
        Value::deferred(DeferredKey::WorkspaceDir),
    );
    Plan {
        format: PLAN_FORMAT,
        hash: hash.to_string(),
        job: JobSummary {
            name: job.to_string(),
            description: None,
            runtime: RuntimeSummary {
                name: "torch-distributed".into(),
                framework: "torch".into(),
                source: "builtin".into(),
            },
            image: IMAGE.to_string(),
            nodes,
            procs_per_node: 1,
            world_size: nodes,
            trainer: "command",
            rendezvous: RendezvousSummary {
                backend: "static",
                port: 29500,
                master_addr: MasterAddrMode::Ip,
                max_restarts: 0,
            },
        },
        engine: EngineSettings {
            kind: EngineKind::Podman,
            host: None,
            pull_policy: PullPolicy::IfNotPresent,
            auto_remove: true,
        },
        network: NetworkPlan {
            name: network,
            driver: "bridge",
            dns_enabled: true,
            labels: network_labels,
        },
        workspace: WorkspacePlan {
            host_dir: format!("jobs/{job}"),
            target: WORKSPACE_TARGET,
        },
        files: vec![PlannedFile {
            path: "/opt/trainc/entrypoint.sh".into(),
            sha256: String::new(),
            size: 9,
            mode: 0o755,
            content: b"exec \"$@\"".to_vec(),
        }],
        containers,
        deferred: Vec::new(),
        spec_dir: PathBuf::from("/nonexistent-spec-dir"),
    }
}
