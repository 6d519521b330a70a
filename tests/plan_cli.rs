//! `trainc validate` and `trainc plan`, run as the built binary on specs
//! written to temporary folders.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SECRET_VALUE: &str = "hunter2-cli-secret";

const SPEC: &str = r#"
job "cli-test" {
    nodes 2
    trainer {
        script "train.py"
        args "--epochs" 3
    }
    env {
        LOG_LEVEL "info"
        API_KEY "hunter2-cli-secret" sensitive=#true
        ZONE "eu"
    }
    labels {
        team "vision"
        owner "ml"
    }
}
"#;

/// SPEC with its env entries and labels in another order.
const SPEC_REORDERED: &str = r#"
job "cli-test" {
    nodes 2
    trainer {
        script "train.py"
        args "--epochs" 3
    }
    env {
        ZONE "eu"
        API_KEY "hunter2-cli-secret" sensitive=#true
        LOG_LEVEL "info"
    }
    labels {
        owner "ml"
        team "vision"
    }
}
"#;

const INVALID_SPEC: &str = r#"
job "Not_A_DNS_Name" {
    nodes 0
    trainer { script "train.py"; }
}
"#;

fn trainc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trainc"))
}

/// A temporary folder with a spec and the script it names, removed on drop.
struct SpecFolder {
    path: PathBuf,
}

impl SpecFolder {
    fn new(name: &str, spec: &str) -> Self {
        let path = std::env::temp_dir().join(format!("trainc-cli-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        fs::write(path.join("spec.kdl"), spec).unwrap();
        fs::write(path.join("train.py"), "print('train')\n").unwrap();
        Self { path }
    }

    fn spec(&self) -> PathBuf {
        self.path.join("spec.kdl")
    }
}

impl Drop for SpecFolder {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

fn run(command: &mut Command) -> Output {
    command.output().expect("running the trainc binary")
}

fn stdout_of(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn plan_output(spec: &Path, current_dir: &Path, format: &str) -> Output {
    run(trainc()
        .args(["plan", "--format", format])
        .arg(spec)
        .current_dir(current_dir))
}

#[test]
fn plan_identical_from_two_working_dirs() {
    let folder = SpecFolder::new("cwd", SPEC);
    let elsewhere = std::env::temp_dir();

    for format in ["text", "json"] {
        let from_spec_dir = plan_output(Path::new("spec.kdl"), &folder.path, format);
        let from_elsewhere = plan_output(&folder.spec(), &elsewhere, format);

        assert_eq!(
            from_spec_dir.status.code(),
            Some(0),
            "{}",
            stderr_of(&from_spec_dir)
        );
        assert_eq!(
            from_elsewhere.status.code(),
            Some(0),
            "{}",
            stderr_of(&from_elsewhere)
        );
        assert_eq!(from_spec_dir.stdout, from_elsewhere.stdout, "{format}");
    }
}

#[test]
fn plan_ignores_env_and_label_order() {
    let forward = SpecFolder::new("order-forward", SPEC);
    let backward = SpecFolder::new("order-backward", SPEC_REORDERED);

    let forward_json = plan_output(&forward.spec(), &forward.path, "json");
    let backward_json = plan_output(&backward.spec(), &backward.path, "json");

    assert_eq!(
        forward_json.status.code(),
        Some(0),
        "{}",
        stderr_of(&forward_json)
    );
    assert_eq!(stdout_of(&forward_json), stdout_of(&backward_json));
}

#[test]
fn plan_output_never_shows_secrets() {
    let folder = SpecFolder::new("secret", SPEC);

    for format in ["text", "json"] {
        let output = plan_output(&folder.spec(), &folder.path, format);

        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        assert!(
            !stdout_of(&output).contains(SECRET_VALUE),
            "{format} stdout"
        );
        assert!(
            !stderr_of(&output).contains(SECRET_VALUE),
            "{format} stderr"
        );
        assert!(stdout_of(&output).contains("<redacted>"), "{format}");
    }
}

#[test]
fn validate_valid_spec_prints_one_line() {
    let folder = SpecFolder::new("validate-ok", SPEC);

    let output = run(trainc()
        .args(["validate", "spec.kdl"])
        .current_dir(&folder.path));

    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(stdout_of(&output), "spec.kdl: valid\n");
}

#[test]
fn validate_invalid_spec_exits_2() {
    let folder = SpecFolder::new("validate-bad", INVALID_SPEC);

    let text = run(trainc()
        .args(["validate", "spec.kdl"])
        .current_dir(&folder.path));
    let json = run(trainc()
        .args(["validate", "--format", "json", "spec.kdl"])
        .current_dir(&folder.path));

    assert_eq!(text.status.code(), Some(2));
    assert!(text.stdout.is_empty(), "no 'valid' line");
    assert!(
        stderr_of(&text).contains("spec.kdl"),
        "the report names the spec: {}",
        stderr_of(&text)
    );
    assert_eq!(json.status.code(), Some(2));
    let report: serde_json::Value =
        serde_json::from_str(&stdout_of(&json)).expect("validate --format json prints JSON");
    assert!(report["errors"].as_u64().unwrap() >= 2, "{report}");
}

#[test]
fn plan_invalid_spec_exits_2() {
    let folder = SpecFolder::new("plan-bad", INVALID_SPEC);

    let output = plan_output(&folder.spec(), &folder.path, "text");

    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(stderr_of(&output).contains("no plan was made"));
}

#[test]
fn plan_out_then_check_passes() {
    let folder = SpecFolder::new("out-check", SPEC);
    let committed = folder.path.join("plan.json");

    let written = run(trainc()
        .args(["plan", "--format", "json", "--out"])
        .arg(&committed)
        .arg(folder.spec()));
    let checked = run(trainc()
        .args(["plan", "--format", "json", "--check"])
        .arg(&committed)
        .arg(folder.spec()));
    let stdout = plan_output(&folder.spec(), &folder.path, "json");

    assert_eq!(written.status.code(), Some(0), "{}", stderr_of(&written));
    assert!(written.stdout.is_empty());
    assert_eq!(fs::read(&committed).unwrap(), stdout.stdout);
    assert_eq!(checked.status.code(), Some(0), "{}", stderr_of(&checked));
}

#[test]
fn check_stale_plan_exits_1_with_fix() {
    let folder = SpecFolder::new("stale", SPEC);
    let committed = folder.path.join("plan.txt");
    let written = run(trainc()
        .args(["plan", "spec.kdl", "--out", "plan.txt"])
        .current_dir(&folder.path));
    assert_eq!(written.status.code(), Some(0), "{}", stderr_of(&written));
    fs::write(folder.spec(), SPEC.replace("nodes 2", "nodes 3")).unwrap();

    let checked = run(trainc()
        .args(["plan", "spec.kdl", "--check", "plan.txt"])
        .current_dir(&folder.path));

    assert_eq!(checked.status.code(), Some(1));
    let stderr = stderr_of(&checked);
    assert!(stderr.contains("plan.txt is stale:"), "{stderr}");
    assert!(
        stderr.contains("\n-  nodes: 2 (1 process per node, world size 2)\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\n+  nodes: 3 (1 process per node, world size 3)\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("fix: trainc plan spec.kdl --out plan.txt"),
        "{stderr}"
    );
    assert!(committed.exists());
}

#[test]
fn check_missing_plan_exits_2() {
    let folder = SpecFolder::new("missing", SPEC);

    let checked = run(trainc()
        .args([
            "plan",
            "spec.kdl",
            "--format",
            "json",
            "--check",
            "absent.json",
        ])
        .current_dir(&folder.path));

    assert_eq!(checked.status.code(), Some(2));
    assert!(stderr_of(&checked)
        .contains("write it with: trainc plan spec.kdl --format json --out absent.json"));
}

#[test]
fn check_missing_json_file_suggests_json() {
    let folder = SpecFolder::new("missing-json", SPEC);

    let checked = run(trainc()
        .args(["plan", "spec.kdl", "--check", "absent.json"])
        .current_dir(&folder.path));

    assert_eq!(checked.status.code(), Some(2));
    assert!(
        stderr_of(&checked)
            .contains("write it with: trainc plan spec.kdl --format json --out absent.json"),
        "{}",
        stderr_of(&checked)
    );
}

#[test]
fn check_infers_json_plan_without_format() {
    let folder = SpecFolder::new("infer-json", SPEC);
    // The name has no .json extension, so the format must come from the content.
    let written = run(trainc()
        .args(["plan", "spec.kdl", "--format", "json", "--out", "job.plan"])
        .current_dir(&folder.path));
    assert_eq!(written.status.code(), Some(0), "{}", stderr_of(&written));

    let checked = run(trainc()
        .args(["plan", "spec.kdl", "--check", "job.plan"])
        .current_dir(&folder.path));

    assert_eq!(checked.status.code(), Some(0), "{}", stderr_of(&checked));
    assert!(stderr_of(&checked).contains("job.plan: up to date"));
}

#[test]
fn stale_json_plan_fix_keeps_json() {
    let folder = SpecFolder::new("stale-json", SPEC);
    let written = run(trainc()
        .args(["plan", "spec.kdl", "--format", "json", "--out", "job.plan"])
        .current_dir(&folder.path));
    assert_eq!(written.status.code(), Some(0), "{}", stderr_of(&written));
    fs::write(folder.spec(), SPEC.replace("nodes 2", "nodes 3")).unwrap();

    let checked = run(trainc()
        .args(["plan", "spec.kdl", "--check", "job.plan"])
        .current_dir(&folder.path));

    assert_eq!(checked.status.code(), Some(1));
    let stderr = stderr_of(&checked);
    assert!(stderr.contains("job.plan is stale:"), "{stderr}");
    assert!(
        stderr.contains("\n-    \"nodes\": 2,\n"),
        "a JSON diff, not a text-against-JSON diff: {stderr}"
    );
    assert!(
        stderr.contains("fix: trainc plan spec.kdl --format json --out job.plan"),
        "{stderr}"
    );
}

#[test]
fn explicit_format_wins_with_note() {
    let folder = SpecFolder::new("explicit-format", SPEC);
    let written = run(trainc()
        .args(["plan", "spec.kdl", "--format", "json", "--out", "job.plan"])
        .current_dir(&folder.path));
    assert_eq!(written.status.code(), Some(0), "{}", stderr_of(&written));

    let checked = run(trainc()
        .args([
            "plan", "spec.kdl", "--format", "text", "--check", "job.plan",
        ])
        .current_dir(&folder.path));

    assert_eq!(checked.status.code(), Some(1));
    let stderr = stderr_of(&checked);
    assert!(
        stderr.contains(
            "note: job.plan looks like a JSON plan, but it was compared as text because of --format\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("fix: trainc plan spec.kdl --out job.plan\n"),
        "{stderr}"
    );
}

#[test]
fn plan_unreadable_spec_counts_errors() {
    let folder = SpecFolder::new("plan-unreadable", SPEC);
    fs::write(folder.path.join("empty.kdl"), "").unwrap();

    let missing = run(trainc()
        .args(["plan", "nonexistent.kdl"])
        .current_dir(&folder.path));
    let empty = run(trainc()
        .args(["plan", "empty.kdl"])
        .current_dir(&folder.path));

    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr_of(&missing).contains(
            "nonexistent.kdl: 1 error, so no plan was made; fix the error above and run trainc plan again\n"
        ),
        "{}",
        stderr_of(&missing)
    );
    assert!(!stderr_of(&missing).contains("invalid"));
    assert_eq!(empty.status.code(), Some(2));
    assert!(
        stderr_of(&empty).contains("empty.kdl: 1 error, so no plan was made"),
        "{}",
        stderr_of(&empty)
    );
}

#[test]
fn validate_failure_prints_summary() {
    let invalid = SpecFolder::new("validate-summary", INVALID_SPEC);

    let bad = run(trainc()
        .args(["validate", "spec.kdl"])
        .current_dir(&invalid.path));
    let missing = run(trainc()
        .args(["validate", "nonexistent.kdl"])
        .current_dir(&invalid.path));

    assert_eq!(bad.status.code(), Some(2));
    let stderr = stderr_of(&bad);
    let last_line = stderr.lines().last().unwrap_or_default();
    assert!(last_line.starts_with("spec.kdl: "), "{stderr}");
    assert!(
        last_line.ends_with(" errors; fix the errors above and run trainc validate again"),
        "{stderr}"
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr_of(&missing).ends_with(
            "nonexistent.kdl: 1 error; fix the error above and run trainc validate again\n"
        ),
        "{}",
        stderr_of(&missing)
    );
}

#[test]
fn verbose_logs_uncoloured_when_piped() {
    let folder = SpecFolder::new("log-colour", SPEC);

    let output = run(trainc()
        .args(["-v", "plan", "spec.kdl"])
        .env_remove("NO_COLOR")
        .env_remove("TRAINC_LOG")
        .current_dir(&folder.path));

    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("DEBUG"), "-v shows debug logs: {stderr}");
    assert!(!stderr.contains('\u{1b}'), "escape codes in {stderr:?}");
}
