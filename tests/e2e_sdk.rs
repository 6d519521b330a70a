//! Kubeflow SDK compatibility: a job applied by trainc is listed, read and
//! its logs streamed by the SDK's own container backend (kubeflow 0.5.0),
//! against the real Podman service.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{kdl_string, stdout, Scratch, BUSYBOX, SOCKET, TORCH};

/// Returns the Python of the SDK's virtualenv, which scripts/setup-sdk.sh
/// creates at the repository root.
fn sdk_python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv-sdk/bin/python");
    assert!(
        python.is_file(),
        "{} not found: run scripts/setup-sdk.sh to create the Kubeflow SDK virtualenv",
        python.display()
    );
    python
}

const RUNTIME_YAML: &str = "apiVersion: trainer.kubeflow.org/v1alpha1
kind: ClusterTrainingRuntime
metadata:
  name: torch-distributed
  labels:
    trainer.kubeflow.org/framework: torch
spec:
  mlPolicy:
    numNodes: 1
  template:
    spec:
      replicatedJobs:
        - name: node
          template:
            spec:
              template:
                spec:
                  containers:
                    - name: node
                      image: IMAGE
";

#[test]
fn sdk_lists_job_and_streams_logs() {
    let python = sdk_python();
    let scratch = Scratch::new("sdk");
    let runtimes = scratch.dir.path().join("runtimes");
    std::fs::create_dir_all(&runtimes).unwrap();
    std::fs::write(
        runtimes.join("torch-distributed.yaml"),
        RUNTIME_YAML.replace("IMAGE", TORCH),
    )
    .unwrap();
    let spec = scratch.spec(&format!(
        r#"job "{{job}}" {{
    image "{BUSYBOX}"
    nodes 2
    trainer {{
        command "sh" "-c" {}
    }}
    engine "podman" {{
        auto-remove #false
    }}
}}"#,
        kdl_string(r#"echo "hello from rank $RANK"; echo "rank $RANK done""#)
    ));

    let apply = scratch.trainc(&["apply", "--detach", spec.to_str().unwrap()]);
    assert_eq!(apply.status.code(), Some(0));
    let wait = scratch.trainc(&["wait", &scratch.job]);
    assert_eq!(wait.status.code(), Some(0));

    let output = Command::new(python)
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/list_and_logs.py"))
        .args([SOCKET, runtimes.to_str().unwrap(), &scratch.job])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the SDK script failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let read: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();

    assert!(read["jobs"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(scratch.job)));
    assert_eq!(read["status"], "Complete");
    assert_eq!(read["num_nodes"], 2);
    assert_eq!(read["runtime"], "torch-distributed");
    assert_eq!(read["steps"][0]["name"], "node-0");
    assert_eq!(read["steps"][1]["pod"], format!("{}-node-1", scratch.job));
    let logs: Vec<&str> = read["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap())
        .collect();
    assert_eq!(
        logs,
        [
            "hello from rank 0",
            "rank 0 done",
            "hello from rank 1",
            "rank 1 done"
        ]
    );
}
