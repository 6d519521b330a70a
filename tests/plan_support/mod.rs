//! Jobs built in Rust for plan tests, so they do not depend on the parser.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use trainc::job::*;

/// A secret that must never appear in any rendering.
pub const SECRET_VALUE: &str = "hunter2-do-not-print";

/// Builds a job that uses every feature a plan can show: a script with args,
/// packages with two index URLs, literal, secret and host env, binds and
/// volumes, resources, labels and four nodes.
pub fn full_job() -> Job {
    let mut env = BTreeMap::new();
    env.insert(
        "LOG_LEVEL".to_string(),
        EnvSource::Literal {
            value: "info".to_string(),
            sensitive: false,
        },
    );
    env.insert(
        "API_KEY".to_string(),
        EnvSource::Literal {
            value: SECRET_VALUE.to_string(),
            sensitive: true,
        },
    );
    env.insert(
        "HF_TOKEN".to_string(),
        EnvSource::FromHost {
            var: "HF_TOKEN".to_string(),
            sensitive: true,
        },
    );

    let mut labels = BTreeMap::new();
    labels.insert("team".to_string(), "vision".to_string());

    Job {
        name: "mnist-ddp".to_string(),
        description: Some("DDP smoke test".to_string()),
        runtime: Runtime {
            name: "torch-distributed".to_string(),
            framework: "torch".to_string(),
            image: "localhost/trainc/torch:2.6-cpu".to_string(),
            default_nodes: None,
            source: "builtin".to_string(),
        },
        image: "localhost/trainc/torch:2.6-cpu".to_string(),
        nodes: 4,
        procs_per_node: 1,
        trainer: Trainer {
            entry: TrainerEntry::Script {
                path: "src/train.py".to_string(),
                content: b"print('training')\n".to_vec(),
            },
            args: vec!["--epochs".to_string(), "5".to_string()],
            packages: vec!["numpy".to_string(), "tqdm>=4".to_string()],
            pip_index_urls: vec![
                "https://pypi.org/simple".to_string(),
                "https://download.pytorch.org/whl/cpu".to_string(),
            ],
        },
        env,
        mounts: vec![
            Mount::Bind {
                source: "./data".to_string(),
                target: "/workspace/data".to_string(),
                read_only: true,
            },
            Mount::Volume {
                name: "ckpt".to_string(),
                target: "/workspace/ckpt".to_string(),
                read_only: false,
            },
        ],
        resources: Resources {
            millicpus: Some(2500),
            memory_bytes: Some(4 << 30),
            gpus: 0,
            shm_size_bytes: Some(1 << 30),
        },
        rendezvous: Rendezvous {
            port: 29500,
            master_addr: MasterAddrMode::Ip,
            max_restarts: 0,
        },
        engine: EngineConfig {
            kind: EngineKind::Auto,
            host: None,
            pull_policy: PullPolicy::IfNotPresent,
            auto_remove: true,
        },
        labels,
        spec_dir: PathBuf::from("/home/someone/specs"),
    }
}

/// Builds a two-node job that runs a command without torchrun.
pub fn command_job() -> Job {
    let mut job = full_job();
    job.name = "busy".to_string();
    job.nodes = 2;
    job.trainer = Trainer {
        entry: TrainerEntry::Command {
            argv: vec![
                "python3".to_string(),
                "-m".to_string(),
                "pkg.train".to_string(),
            ],
        },
        args: vec!["--fast".to_string()],
        packages: Vec::new(),
        pip_index_urls: Vec::new(),
    };
    job
}
