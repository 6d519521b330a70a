//! Helpers shared by the end-to-end tests, which run the trainc binary
//! against the real Podman service and fail (never skip) without it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The rootful Podman socket these tests use.
pub const SOCKET: &str = "unix:///run/podman/podman.sock";
pub const BUSYBOX: &str = "localhost/trainc/busybox:latest";
pub const TORCH: &str = "localhost/trainc/torch:2.6-cpu";

/// A spec folder and a data folder for one test, and the job name, which
/// embeds the process id so that parallel runs never share a job. Deletes
/// the job when dropped.
pub struct Scratch {
    pub dir: tempfile::TempDir,
    pub job: String,
}

impl Scratch {
    pub fn new(case: &str) -> Self {
        require_podman();
        Self {
            dir: tempfile::tempdir().expect("the temp folder is writable"),
            job: format!("e2e-{case}-{}", std::process::id()),
        }
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn workspace(&self) -> PathBuf {
        self.home().join("jobs").join(&self.job)
    }

    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).expect("the temp folder is writable");
        path
    }

    /// Writes `job.kdl` with the job name filled in for `{job}`.
    pub fn spec(&self, template: &str) -> PathBuf {
        self.write("job.kdl", &template.replace("{job}", &self.job))
    }

    /// Runs trainc with this test's data folder and the test socket.
    pub fn trainc(&self, args: &[&str]) -> Output {
        let output = Command::new(env!("CARGO_BIN_EXE_trainc"))
            .args(args)
            .arg("--host")
            .arg(SOCKET)
            .env("TRAINC_HOME", self.home())
            .env_remove("CONTAINER_HOST")
            .env_remove("DOCKER_HOST")
            .output()
            .expect("the trainc binary runs");
        eprintln!(
            "$ trainc {}\n--- exit {:?}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Lists the containers and networks that carry this job's label.
    pub fn leftovers(&self) -> Vec<String> {
        let label = format!("label=trainer.kubeflow.org/trainjob-name={}", self.job);
        let mut found = podman(&["ps", "-a", "--filter", &label, "--format", "{{.Names}}"]);
        found.extend(podman(&[
            "network",
            "ls",
            "--filter",
            &label,
            "--format",
            "{{.Name}}",
        ]));
        found
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = Command::new(env!("CARGO_BIN_EXE_trainc"))
            .args(["delete", &self.job, "--purge", "--host", SOCKET])
            .env("TRAINC_HOME", self.home())
            .output();
    }
}

/// Lines `podman ARGS` prints; panics when podman fails.
pub fn podman(args: &[&str]) -> Vec<String> {
    let output = Command::new("podman")
        .args(args)
        .output()
        .expect("podman runs");
    assert!(
        output.status.success(),
        "podman {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

/// Fails the test when the Podman API socket [`SOCKET`] is missing.
pub fn require_podman() {
    let path = SOCKET.trim_start_matches("unix://");
    assert!(
        Path::new(path).exists(),
        "the Podman API socket {path} does not exist; these tests need it: start it with `podman system service --time=0 {SOCKET} &` (scripts/setup-podman.sh sets up Podman)"
    );
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Quotes text as a KDL 2 string.
pub fn kdl_string(text: &str) -> String {
    let mut quoted = String::from("\"");
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}
