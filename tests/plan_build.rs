//! Plan building from jobs constructed in Rust.

mod plan_support;

use std::collections::BTreeMap;

use plan_support::{command_job, full_job, SECRET_VALUE};
use trainc::job::{EnvSource, MasterAddrMode, TrainerEntry};
use trainc::plan::{self, labels, DeferredKey, MountKind, Plan, Value};

fn env_of(plan: &Plan, rank: usize) -> BTreeMap<String, Value> {
    plan.containers[rank]
        .env
        .iter()
        .map(|var| (var.name.clone(), var.value.clone()))
        .collect()
}

fn literal(text: &str) -> Value {
    Value::literal(text)
}

fn rank0_ip(prefix: &str, suffix: &str) -> Value {
    Value::Deferred {
        key: DeferredKey::Rank0Ip,
        prefix: prefix.to_string(),
        suffix: suffix.to_string(),
    }
}

#[test]
fn network_named_after_job() {
    let plan = plan::build(&full_job());

    assert_eq!(plan.network.name, "mnist-ddp-net");
    assert_eq!(plan.network.driver, "bridge");
    assert!(plan.network.dns_enabled);
    let keys: Vec<&str> = plan.network.labels.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            labels::JOB_NAME,
            labels::MANAGED_BY,
            labels::PLAN_HASH,
            labels::RUNTIME_NAME,
            labels::TRAINJOB_NAME,
            labels::WORKDIR,
        ]
    );
    assert_eq!(
        plan.network.labels[labels::TRAINJOB_NAME],
        literal("mnist-ddp")
    );
    assert_eq!(plan.network.labels[labels::JOB_NAME], literal("mnist-ddp"));
    assert_eq!(
        plan.network.labels[labels::RUNTIME_NAME],
        literal("torch-distributed")
    );
    assert_eq!(plan.network.labels[labels::MANAGED_BY], literal("trainc"));
    assert_eq!(
        plan.network.labels[labels::WORKDIR],
        Value::deferred(DeferredKey::WorkspaceDir)
    );
}

#[test]
fn workspace_relative_to_data_folder() {
    let plan = plan::build(&full_job());

    assert_eq!(plan.workspace.host_dir, "jobs/mnist-ddp");
    assert_eq!(plan.workspace.target, "/workspace");
}

#[test]
fn files_hold_entrypoint_script_and_requirements() {
    let plan = plan::build(&full_job());

    let paths: Vec<&str> = plan.files.iter().map(|file| file.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/opt/trainc/entrypoint.sh",
            "/opt/trainc/train.py",
            "/opt/trainc/requirements.txt"
        ]
    );
    assert_eq!(plan.files[0].content, plan::ENTRYPOINT_SCRIPT.as_bytes());
    assert_eq!(plan.files[1].content, b"print('training')\n");
    assert_eq!(
        String::from_utf8(plan.files[2].content.clone()).unwrap(),
        "--index-url https://pypi.org/simple\n\
         --extra-index-url https://download.pytorch.org/whl/cpu\n\
         numpy\n\
         tqdm>=4\n"
    );
}

#[test]
fn file_digests_match_content() {
    use sha2::{Digest, Sha256};

    let plan = plan::build(&full_job());

    for file in &plan.files {
        let hex: String = Sha256::digest(&file.content)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(file.sha256, format!("sha256:{hex}"), "{}", file.path);
        assert_eq!(file.size, file.content.len() as u64, "{}", file.path);
    }
}

#[test]
fn inline_code_becomes_inline_py() {
    let mut job = full_job();
    job.trainer.entry = TrainerEntry::Inline {
        code: "print('hi')".to_string(),
    };
    job.trainer.packages.clear();

    let plan = plan::build(&job);

    let paths: Vec<&str> = plan.files.iter().map(|file| file.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/opt/trainc/entrypoint.sh", "/opt/trainc/inline.py"]
    );
    assert_eq!(plan.files[1].content, b"print('hi')");
    assert_eq!(plan.job.trainer, "inline");
    assert!(plan.containers[0]
        .argv
        .contains(&literal("/opt/trainc/inline.py")));
}

#[test]
fn containers_in_start_order() {
    let plan = plan::build(&full_job());

    assert_eq!(plan.containers.len(), 4);
    for (index, container) in plan.containers.iter().enumerate() {
        let rank = index as u32;
        assert_eq!(container.rank, rank);
        assert_eq!(container.name, format!("mnist-ddp-node-{rank}"));
        assert_eq!(container.hostname, container.name);
        assert_eq!(container.start_group, u32::from(rank > 0));
        assert_eq!(container.image, "localhost/trainc/torch:2.6-cpu");
        assert_eq!(container.working_dir, "/workspace");
    }
}

#[test]
fn rank0_argv_names_itself() {
    let plan = plan::build(&full_job());

    let expected: Vec<Value> = [
        "/bin/sh",
        "/opt/trainc/entrypoint.sh",
        "torchrun",
        "--nnodes=4",
        "--nproc-per-node=1",
        "--node-rank=0",
        "--rdzv-backend=static",
        "--rdzv-endpoint=mnist-ddp-node-0:29500",
        "--max-restarts=0",
        "/opt/trainc/train.py",
        "--epochs",
        "5",
    ]
    .into_iter()
    .map(literal)
    .collect();
    assert_eq!(plan.containers[0].argv, expected);
}

#[test]
fn workers_use_rank0_ip_in_ip_mode() {
    let plan = plan::build(&full_job());

    let argv = &plan.containers[2].argv;
    assert_eq!(argv[5], literal("--node-rank=2"));
    assert_eq!(argv[7], rank0_ip("--rdzv-endpoint=", ":29500"));
    let env = env_of(&plan, 2);
    assert_eq!(env["MASTER_ADDR"], rank0_ip("", ""));
    assert_eq!(env["PET_MASTER_ADDR"], rank0_ip("", ""));
}

#[test]
fn workers_use_rank0_name_in_dns_mode() {
    let mut job = full_job();
    job.rendezvous.master_addr = MasterAddrMode::Dns;

    let plan = plan::build(&job);

    let argv = &plan.containers[1].argv;
    assert_eq!(argv[7], literal("--rdzv-endpoint=mnist-ddp-node-0:29500"));
    let env = env_of(&plan, 1);
    assert_eq!(env["MASTER_ADDR"], literal("mnist-ddp-node-0"));
    assert_eq!(env["PET_MASTER_ADDR"], literal("mnist-ddp-node-0"));
}

#[test]
fn command_argv_has_no_torchrun() {
    let plan = plan::build(&command_job());

    let expected: Vec<Value> = [
        "/bin/sh",
        "/opt/trainc/entrypoint.sh",
        "python3",
        "-m",
        "pkg.train",
        "--fast",
    ]
    .into_iter()
    .map(literal)
    .collect();
    assert_eq!(plan.containers[1].argv, expected);
    assert_eq!(plan.job.trainer, "command");
    assert_eq!(plan.files.len(), 1, "only the entrypoint");
}

#[test]
fn env_sorted_with_injected_values() {
    let plan = plan::build(&full_job());

    let names: Vec<&str> = plan.containers[1]
        .env
        .iter()
        .map(|var| var.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "API_KEY",
            "HF_TOKEN",
            "LOG_LEVEL",
            "MASTER_ADDR",
            "MASTER_PORT",
            "PET_MASTER_ADDR",
            "PET_MASTER_PORT",
            "PET_NNODES",
            "PET_NODE_RANK",
            "PET_NPROC_PER_NODE",
            "PYTHONUNBUFFERED",
            "TRAINC_JOB",
            "TRAINC_WAIT_FOR_MASTER",
        ]
    );

    let env = env_of(&plan, 1);
    assert_eq!(env["MASTER_PORT"], literal("29500"));
    assert_eq!(env["PET_MASTER_PORT"], literal("29500"));
    assert_eq!(env["PET_NNODES"], literal("4"));
    assert_eq!(env["PET_NODE_RANK"], literal("1"));
    assert_eq!(env["PET_NPROC_PER_NODE"], literal("1"));
    assert_eq!(env["PYTHONUNBUFFERED"], literal("1"));
    assert_eq!(env["TRAINC_JOB"], literal("mnist-ddp"));
    assert_eq!(env["TRAINC_WAIT_FOR_MASTER"], literal("1"));
    assert_eq!(env["LOG_LEVEL"], literal("info"));
}

#[test]
fn nodes_without_packages_start_torchrun_at_once() {
    let mut job = full_job();
    job.trainer.packages.clear();
    let plan = plan::build(&job);

    let env = env_of(&plan, 1);
    assert!(!env.contains_key("TRAINC_WAIT_FOR_MASTER"));
}

#[test]
fn rank0_neither_waits_nor_uses_deferred_address() {
    let plan = plan::build(&full_job());

    let env = env_of(&plan, 0);
    assert!(!env.contains_key("TRAINC_WAIT_FOR_MASTER"));
    assert_eq!(env["MASTER_ADDR"], literal("mnist-ddp-node-0"));
}

#[test]
fn sensitive_env_becomes_secret_or_host_value() {
    let plan = plan::build(&full_job());

    let env = env_of(&plan, 0);
    match &env["API_KEY"] {
        Value::Secret(secret) => assert_eq!(secret.expose(), SECRET_VALUE),
        other => panic!("API_KEY should be a secret, got {other:?}"),
    }
    assert_eq!(
        env["HF_TOKEN"],
        Value::FromHost {
            var: "HF_TOKEN".to_string(),
            sensitive: true
        }
    );
}

#[test]
fn command_with_one_process_gets_rank_env() {
    let plan = plan::build(&command_job());

    let env = env_of(&plan, 1);
    assert_eq!(env["RANK"], literal("1"));
    assert_eq!(env["WORLD_SIZE"], literal("2"));
    assert_eq!(env["LOCAL_RANK"], literal("0"));
    assert_eq!(env["LOCAL_WORLD_SIZE"], literal("1"));
    assert!(!env.contains_key("TRAINC_WAIT_FOR_MASTER"));
}

#[test]
fn command_with_many_processes_lacks_rank_env() {
    let mut job = command_job();
    job.procs_per_node = 2;

    let plan = plan::build(&job);

    let env = env_of(&plan, 1);
    assert!(!env.contains_key("RANK"));
    assert!(!env.contains_key("WORLD_SIZE"));
    assert!(!env.contains_key("LOCAL_RANK"));
    assert!(!env.contains_key("LOCAL_WORLD_SIZE"));
}

#[test]
fn user_may_override_pythonunbuffered_only() {
    let mut job = full_job();
    for (name, value) in [("PYTHONUNBUFFERED", "0"), ("TRAINC_JOB", "other")] {
        job.env.insert(
            name.to_string(),
            EnvSource::Literal {
                value: value.to_string(),
                sensitive: false,
            },
        );
    }

    let plan = plan::build(&job);

    let env = env_of(&plan, 0);
    assert_eq!(env["PYTHONUNBUFFERED"], literal("0"));
    assert_eq!(env["TRAINC_JOB"], literal("mnist-ddp"));
}

#[test]
fn mounts_start_with_workspace() {
    let plan = plan::build(&full_job());

    let mounts = &plan.containers[3].mounts;
    assert_eq!(mounts.len(), 3);
    assert_eq!(mounts[0].kind, MountKind::Workspace);
    assert_eq!(mounts[0].source, Value::deferred(DeferredKey::WorkspaceDir));
    assert_eq!(mounts[0].target, "/workspace");
    assert!(!mounts[0].read_only);
    assert_eq!(mounts[1].kind, MountKind::Bind);
    assert_eq!(mounts[1].source, literal("./data"));
    assert_eq!(mounts[1].target, "/workspace/data");
    assert!(mounts[1].read_only);
    assert_eq!(mounts[2].kind, MountKind::Volume);
    assert_eq!(mounts[2].source, literal("ckpt"));
    assert_eq!(mounts[2].target, "/workspace/ckpt");
    assert!(!mounts[2].read_only);
}

#[test]
fn container_labels_include_user_labels() {
    let plan = plan::build(&full_job());

    let labels_of_rank2 = &plan.containers[2].labels;
    assert_eq!(labels_of_rank2[labels::TRAINJOB_NAME], literal("mnist-ddp"));
    assert_eq!(labels_of_rank2[labels::STEP], literal("node-2"));
    assert_eq!(
        labels_of_rank2[labels::NETWORK_ID],
        literal("mnist-ddp-net")
    );
    assert_eq!(labels_of_rank2[labels::JOB_NAME], literal("mnist-ddp"));
    assert_eq!(labels_of_rank2[labels::MANAGED_BY], literal("trainc"));
    assert_eq!(labels_of_rank2[labels::RANK], literal("2"));
    assert_eq!(labels_of_rank2[labels::NODES], literal("4"));
    assert_eq!(labels_of_rank2[labels::PLAN_HASH], literal(&plan.hash));
    assert_eq!(labels_of_rank2["team"], literal("vision"));
    assert_eq!(labels_of_rank2.len(), 9);
}

#[test]
fn resources_convert_millicpus() {
    let plan = plan::build(&full_job());

    let resources = &plan.containers[0].resources;
    assert_eq!(resources.cpus.as_deref(), Some("2.5"));
    assert_eq!(resources.nano_cpus, Some(2_500_000_000));
    assert_eq!(resources.memory_bytes, Some(4 << 30));
    assert_eq!(resources.gpus, 0);
    assert_eq!(resources.shm_size_bytes, Some(1 << 30));
}

#[test]
fn resources_absent_when_unset() {
    let mut job = full_job();
    job.resources = Default::default();

    let plan = plan::build(&job);

    let resources = &plan.containers[0].resources;
    assert_eq!(resources.cpus, None);
    assert_eq!(resources.nano_cpus, None);
    assert_eq!(resources.memory_bytes, None);
    assert_eq!(resources.shm_size_bytes, None);
}

#[test]
fn deferred_lists_used_keys_only() {
    let keys = |plan: &Plan| -> Vec<DeferredKey> {
        plan.deferred.iter().map(|deferred| deferred.key).collect()
    };

    let ip_plan = plan::build(&full_job());
    assert_eq!(
        keys(&ip_plan),
        [DeferredKey::Rank0Ip, DeferredKey::WorkspaceDir]
    );
    assert!(ip_plan
        .deferred
        .iter()
        .all(|deferred| !deferred.description.is_empty()));

    let mut dns_job = full_job();
    dns_job.rendezvous.master_addr = MasterAddrMode::Dns;
    assert_eq!(keys(&plan::build(&dns_job)), [DeferredKey::WorkspaceDir]);

    let mut single_node = full_job();
    single_node.nodes = 1;
    assert_eq!(
        keys(&plan::build(&single_node)),
        [DeferredKey::WorkspaceDir]
    );
}

#[test]
fn hash_verifies_and_fills_labels() {
    let plan = plan::build(&full_job());

    assert!(plan.verify_hash());
    let hex = plan.hash.strip_prefix("sha256:").expect("sha256: prefix");
    assert_eq!(hex.len(), 64);
    assert!(hex
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(plan.network.labels[labels::PLAN_HASH], literal(&plan.hash));
}

#[test]
fn hash_detects_tampering() {
    let mut changed_env = plan::build(&full_job());
    changed_env.containers[1].env[0].value = literal("changed");
    assert!(!changed_env.verify_hash());

    let mut changed_label = plan::build(&full_job());
    changed_label.containers[3]
        .labels
        .insert(labels::PLAN_HASH.to_string(), literal("sha256:00"));
    assert!(!changed_label.verify_hash());
}

#[test]
fn hash_covers_file_content() {
    let mut job = full_job();
    let before = plan::build(&job).hash;
    job.trainer.entry = TrainerEntry::Script {
        path: "src/train.py".to_string(),
        content: b"print('training, changed')\n".to_vec(),
    };

    let after = plan::build(&job).hash;

    assert_ne!(before, after);
}

#[test]
fn hash_ignores_spec_folder() {
    let mut job = full_job();
    let before = plan::build(&job);
    job.spec_dir = "/somewhere/else".into();

    let after = plan::build(&job);

    assert_eq!(before.hash, after.hash);
    assert_eq!(after.spec_dir, std::path::Path::new("/somewhere/else"));
}

#[test]
fn building_twice_gives_same_json() {
    let first = trainc::render::render_json(&plan::build(&full_job()));
    let second = trainc::render::render_json(&plan::build(&full_job()));

    assert_eq!(first, second);
}

#[test]
fn env_and_label_insertion_order_irrelevant() {
    let forward = full_job();
    let mut backward = full_job();
    backward.env = forward
        .env
        .iter()
        .rev()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    backward.labels = [("z-last", "1"), ("a-first", "2"), ("team", "vision")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut forward = forward;
    forward.labels = [("a-first", "2"), ("team", "vision"), ("z-last", "1")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();

    let forward_json = trainc::render::render_json(&plan::build(&forward));
    let backward_json = trainc::render::render_json(&plan::build(&backward));

    assert_eq!(forward_json, backward_json);
}
