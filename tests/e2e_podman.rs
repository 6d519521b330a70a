//! End-to-end tests: trainc's binary applies specs to the real Podman
//! service. They fail when Podman is unreachable; they never skip.

mod common;

use std::sync::Mutex;

use common::{kdl_string, stderr, stdout, Scratch, BUSYBOX, TORCH};

/// Torch jobs run one at a time: several at once on a small machine make
/// rendezvous slow enough to be mistaken for a hang.
static TORCH_JOBS: Mutex<()> = Mutex::new(());

const GUIDE_EXAMPLE: &str = r#"
import os

import torch

rank = int(os.environ.get("RANK", "0"))
world_size = int(os.environ.get("WORLD_SIZE", "1"))
print(f"Training on rank {rank}/{world_size}")
model = torch.nn.Linear(10, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(5):
    loss = torch.nn.functional.mse_loss(model(torch.randn(32, 10)), torch.randn(32, 1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"[Rank {rank}] Epoch {epoch + 1}/5, Loss: {loss.item():.4f}")
print(f"[Rank {rank}] Training completed!")
"#;

const ALL_REDUCE: &str = r#"
import torch
import torch.distributed as dist

dist.init_process_group("gloo")
rank = dist.get_rank()
value = torch.tensor([float(rank + 1)])
dist.all_reduce(value)
print(f"rank {rank} all-reduce sum {value.item():.1f}", flush=True)
dist.destroy_process_group()
"#;

#[test]
fn guide_example_completes_on_two_nodes() {
    let _torch = TORCH_JOBS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let scratch = Scratch::new("guide");
    scratch.write("train.py", GUIDE_EXAMPLE);
    let spec = scratch.spec(&format!(
        r#"job "{{job}}" {{
    image "{TORCH}"
    nodes 2
    trainer {{
        script "train.py"
    }}
}}"#
    ));

    let output = scratch.trainc(&["apply", spec.to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(0));
    let out = stdout(&output);
    for rank in 0..2 {
        let node = format!("{}-node-{rank}", scratch.job);
        assert!(
            out.contains(&format!("[Rank {rank}] Training completed!")),
            "rank {rank} output missing"
        );
        assert!(
            out.lines()
                .any(|line| line.starts_with(&node) && line.contains(" | ")),
            "{node} prefix missing"
        );
    }
    assert!(out.contains("Complete"));
    assert!(
        scratch.leftovers().is_empty(),
        "auto-remove left {:?}",
        scratch.leftovers()
    );
}

#[test]
fn all_reduce_agrees_on_four_nodes() {
    let _torch = TORCH_JOBS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let scratch = Scratch::new("ddp");
    scratch.write("ddp.py", ALL_REDUCE);
    let spec = scratch.spec(&format!(
        r#"job "{{job}}" {{
    image "{TORCH}"
    nodes 4
    trainer {{
        script "ddp.py"
    }}
}}"#
    ));

    let output = scratch.trainc(&["apply", spec.to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(0));
    let out = stdout(&output);
    for rank in 0..4 {
        assert!(
            out.contains(&format!("rank {rank} all-reduce sum 10.0")),
            "rank {rank} result missing"
        );
    }
}

#[test]
fn failing_node_stops_the_others() {
    let scratch = Scratch::new("fail");
    let script = r#"if [ "$RANK" = 1 ]; then echo "rank 1 gives up"; exit 1; fi; trap "exit 143" TERM; sleep 300 & wait"#;
    let spec = scratch.spec(&format!(
        r#"job "{{job}}" {{
    image "{BUSYBOX}"
    nodes 3
    trainer {{
        command "sh" "-c" {}
    }}
}}"#,
        kdl_string(script)
    ));

    let output = scratch.trainc(&["apply", spec.to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    let failed = format!("{}-node-1: Failed (exit code 1)", scratch.job);
    assert!(out.contains(&format!("job {}: Failed", scratch.job)));
    assert!(out.contains(&failed), "missing `{failed}`");
    assert!(out.contains(&format!("last 1 lines of {}-node-1", scratch.job)));
    assert!(out.contains("  rank 1 gives up"));
    assert!(out.contains("trainc stopped the other nodes"));
    assert!(
        scratch.leftovers().is_empty(),
        "auto-remove left {:?}",
        scratch.leftovers()
    );
    assert!(scratch
        .workspace()
        .join("logs")
        .join(format!("{}-node-1.log", scratch.job))
        .is_file());

    let saved_logs = scratch.trainc(&["logs", &scratch.job, "--node", "1"]);
    assert_eq!(saved_logs.status.code(), Some(0));
    assert_eq!(stdout(&saved_logs), "rank 1 gives up\n");
    let status = scratch.trainc(&["status", &scratch.job]);
    let removed = format!("job {}: Failed (containers removed", scratch.job);
    assert!(stdout(&status).contains(&removed));
}

#[test]
fn never_with_missing_image_creates_nothing() {
    let scratch = Scratch::new("never");
    let spec = scratch.spec(
        r#"job "{job}" {
    image "localhost/trainc/missing:1"
    trainer {
        command "true"
    }
    engine "podman" {
        pull-policy "Never"
    }
}"#,
    );

    let output = scratch.trainc(&["apply", spec.to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("image localhost/trainc/missing:1 is not present"));
    assert!(err.contains("scripts/build-images.sh"));
    assert!(scratch.leftovers().is_empty());
}

#[test]
fn reapply_noop_and_delete_keep_workspace() {
    let scratch = Scratch::new("again");
    let spec = scratch.spec(&format!(
        r#"job "{{job}}" {{
    image "{BUSYBOX}"
    nodes 2
    trainer {{
        command "sh" "-c" {}
    }}
}}"#,
        kdl_string(r#"echo "node $RANK up"; trap "exit 143" TERM; sleep 300 & wait"#)
    ));
    let spec = spec.to_str().unwrap();

    let first = scratch.trainc(&["apply", "--detach", spec]);
    assert_eq!(first.status.code(), Some(0));
    assert!(stdout(&first).contains(&format!("trainc logs {} -f", scratch.job)));

    let again = scratch.trainc(&["apply", "--detach", spec]);
    assert_eq!(again.status.code(), Some(0));
    assert!(stdout(&again).contains("nothing to change"));
    assert_eq!(
        scratch.leftovers().len(),
        3,
        "two containers and one network"
    );

    let status = scratch.trainc(&["status", &scratch.job, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(report["status"], "Running");
    assert_eq!(report["nodes"].as_array().unwrap().len(), 2);

    let list = scratch.trainc(&["list"]);
    assert!(stdout(&list)
        .lines()
        .any(|line| line.starts_with(&scratch.job) && line.contains("Running")));

    let logs = scratch.trainc(&["logs", &scratch.job, "--node", "1"]);
    assert_eq!(stdout(&logs), "node 1 up\n");

    let delete = scratch.trainc(&["delete", &scratch.job]);
    assert_eq!(delete.status.code(), Some(0));
    assert!(stdout(&delete).contains("kept the workspace"));
    assert!(
        scratch.leftovers().is_empty(),
        "delete left {:?}",
        scratch.leftovers()
    );
    assert!(scratch.workspace().is_dir());

    let purge = scratch.trainc(&["delete", &scratch.job, "--purge"]);
    assert_eq!(purge.status.code(), Some(0));
    assert!(!scratch.workspace().exists());
}

#[test]
fn detached_job_is_waited_for() {
    let scratch = Scratch::new("wait");
    let spec = scratch.spec(&format!(
        r#"job "{{job}}" {{
    image "{BUSYBOX}"
    nodes 2
    trainer {{
        command "sh" "-c" {}
    }}
}}"#,
        kdl_string(r#"if [ "$RANK" = 0 ]; then echo "rank 0 fails"; exit 3; fi; echo fine"#)
    ));

    let apply = scratch.trainc(&["apply", "--detach", spec.to_str().unwrap()]);
    assert_eq!(apply.status.code(), Some(0));

    let wait = scratch.trainc(&["wait", &scratch.job]);

    assert_eq!(wait.status.code(), Some(1));
    let out = stdout(&wait);
    assert!(out.contains(&format!("{}-node-0: Failed (exit code 3)", scratch.job)));
    assert!(out.contains("  rank 0 fails"));
}

#[test]
fn hostile_strings_arrive_byte_identical() {
    let scratch = Scratch::new("hostile");
    let hostile = [
        r#"it's "quoted""#,
        "$(echo injected)",
        "`id`",
        "line one\nEOF\nline three",
        "EOF",
        r"back\slash $HOME ${PATH}",
        "  spaced  ",
        "*",
        "",
    ];
    let script = r#"for a in "$@"; do printf '%s\0' "$a"; done > /workspace/args.bin; printf '%s' "$HOSTILE" > /workspace/env.bin"#;
    let args: Vec<String> = hostile.iter().map(|text| kdl_string(text)).collect();
    let env_value = hostile.join("\n");
    let spec = scratch.spec(&format!(
        r#"job "{{job}}" {{
    image "{BUSYBOX}"
    trainer {{
        command "sh" "-c" {} "sh"
        args {}
    }}
    env {{
        HOSTILE {}
    }}
}}"#,
        kdl_string(script),
        args.join(" "),
        kdl_string(&env_value)
    ));

    let output = scratch.trainc(&["apply", spec.to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(0));
    let received_args = std::fs::read(scratch.workspace().join("args.bin")).unwrap();
    let expected_args: Vec<u8> = hostile
        .iter()
        .flat_map(|text| [text.as_bytes(), b"\0"].concat())
        .collect();
    assert_eq!(
        String::from_utf8_lossy(&received_args),
        String::from_utf8_lossy(&expected_args)
    );
    let received_env = std::fs::read(scratch.workspace().join("env.bin")).unwrap();
    assert_eq!(String::from_utf8_lossy(&received_env), env_value);
}

#[test]
fn unreachable_engine_names_sockets_and_exits_3() {
    let scratch = Scratch::new("nohost");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trainc"))
        .args(["list", "--host", "unix:///nonexistent/x.sock"])
        .env("TRAINC_HOME", scratch.home())
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(3));
    let err = stderr(&output);
    assert!(err.contains("unix:///nonexistent/x.sock"));
    assert!(err.contains("podman system service --time=0"));
    assert!(err.contains("--host"));
}

#[tokio::test]
async fn private_podman_service_starts_and_stops() {
    common::require_podman();
    let connection = trainc::engine::discover::start_private_service()
        .await
        .unwrap();
    let dir = connection.service.as_ref().unwrap().dir().to_path_buf();
    assert_eq!(connection.version.product, "podman");
    assert!(dir.join("podman.sock").exists());

    drop(connection);

    assert!(!dir.exists());
}
