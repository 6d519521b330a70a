//! Text and JSON renderings of plans built from jobs constructed in Rust.

mod plan_support;

use std::path::PathBuf;

use plan_support::{command_job, full_job, SECRET_VALUE};
use trainc::job::{EnvSource, TrainerEntry};
use trainc::plan;
use trainc::render::{render_json, render_text};

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots/plans"));
    settings.set_prepend_module_to_snapshot(false);
    settings
}

#[test]
fn full_job_text_snapshot() {
    let text = render_text(&plan::build(&full_job()));

    snapshot_settings().bind(|| insta::assert_snapshot!("rust-full-job.txt", text));
}

#[test]
fn full_job_json_snapshot() {
    let json = render_json(&plan::build(&full_job()));

    snapshot_settings().bind(|| insta::assert_snapshot!("rust-full-job.json", json));
}

#[test]
fn command_job_text_snapshot() {
    let text = render_text(&plan::build(&command_job()));

    snapshot_settings().bind(|| insta::assert_snapshot!("rust-command-job.txt", text));
}

#[test]
fn secrets_absent_from_every_rendering() {
    let plan = plan::build(&full_job());

    let text = render_text(&plan);
    let json = render_json(&plan);
    let debug = format!("{plan:?}");

    assert!(!text.contains(SECRET_VALUE), "secret in text plan");
    assert!(!json.contains(SECRET_VALUE), "secret in JSON plan");
    assert!(!debug.contains(SECRET_VALUE), "secret in Debug output");
    assert!(text.contains("API_KEY=<redacted>"));
    assert!(json.contains(r#""secret": "<redacted>""#));
}

#[test]
fn outputs_end_with_one_newline() {
    let plan = plan::build(&full_job());

    for output in [render_text(&plan), render_json(&plan)] {
        assert!(output.ends_with('\n'));
        assert!(!output.ends_with("\n\n"));
    }
}

#[test]
fn json_omits_spec_folder_and_content() {
    let json = render_json(&plan::build(&full_job()));

    assert!(!json.contains("/home/someone/specs"));
    assert!(!json.contains("print('training')"));
}

#[test]
fn hostile_values_stay_on_their_lines() {
    let mut job = full_job();
    let hostile = "x\n  env:\n    FAKE=1";
    job.trainer.args = vec![hostile.to_string()];
    job.env.insert(
        "NOTE".to_string(),
        EnvSource::Literal {
            value: hostile.to_string(),
            sensitive: false,
        },
    );
    job.description = Some(hostile.to_string());

    let text = render_text(&plan::build(&job));

    assert!(
        !text.contains("\n    FAKE=1"),
        "a value broke its line:\n{text}"
    );
    assert!(text.contains(r"$'x\n  env:\n    FAKE=1'"));
}

#[test]
fn argv_lines_read_back_with_shlex() {
    let mut job = full_job();
    let args = ["it's", "$(id)", "`id`", "a b", "", "\"quoted\""];
    job.trainer.args = args.iter().map(|arg| arg.to_string()).collect();
    job.trainer.entry = TrainerEntry::Inline {
        code: String::new(),
    };

    let text = render_text(&plan::build(&job));

    // The argv lines of rank 0 are indented by four spaces and end at the
    // line before "  env:".
    let argv_block = text
        .split("  argv:\n")
        .nth(1)
        .and_then(|rest| rest.split("  env:\n").next())
        .expect("an argv block");
    let lines: Vec<&str> = argv_block.lines().collect();
    let user_lines = &lines[lines.len() - args.len()..];
    for (line, expected) in user_lines.iter().zip(args) {
        let line = line.strip_prefix("    ").expect("four-space indent");
        assert_eq!(
            shlex::split(line),
            Some(vec![expected.to_string()]),
            "{line}"
        );
    }
}
