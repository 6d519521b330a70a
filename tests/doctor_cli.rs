//! `trainc doctor`, run as the built binary against the real Podman
//! service; fails (never skips) without it.

mod common;

use common::{stderr, stdout, Scratch, BUSYBOX, SOCKET};

/// Writes a spec for a job on `image` that runs a shell command, so that it
/// needs no script file, and returns its path.
fn spec_with_image(scratch: &Scratch, image: &str) -> String {
    let spec = scratch.spec(&format!(
        r#"job "{{job}}" {{
    image "{image}"
    nodes 2
    trainer {{
        command "true"
    }}
}}"#
    ));
    spec.to_str().unwrap().to_string()
}

fn json_of(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(output)).expect("doctor --format json prints one JSON document")
}

#[test]
fn doctor_json_reports_engine_and_images() {
    let scratch = Scratch::new("doctor-json");
    let spec = spec_with_image(&scratch, BUSYBOX);

    let output = scratch.trainc(&["doctor", &spec, "--format", "json"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json = json_of(&output);
    assert_eq!(json["format"], "trainc.doctor/v1");
    assert_eq!(json["engine"]["product"], "podman");
    assert_eq!(json["engine"]["socket"], SOCKET);
    assert_eq!(json["engine"]["found_via"], "--host");
    assert_eq!(json["engine"]["private_service"], false);
    assert_eq!(json["problems"], 0);
    let checks = json["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 1, "one check per distinct image: {json}");
    assert_eq!(checks[0]["name"], format!("image {BUSYBOX}"));
    assert_eq!(checks[0]["ok"], true);
    assert_eq!(checks[0]["detail"], "present");
    assert!(checks[0]["fix"].is_null());
}

#[test]
fn doctor_missing_image_exits_1_with_fix() {
    let scratch = Scratch::new("doctor-missing");
    let image = "localhost/trainc/doctor-absent:1";
    let spec = spec_with_image(&scratch, image);

    let json_output = scratch.trainc(&["doctor", &spec, "--format", "json"]);
    let text_output = scratch.trainc(&["doctor", &spec]);

    assert_eq!(json_output.status.code(), Some(1));
    let json = json_of(&json_output);
    assert_eq!(json["problems"], 1);
    assert_eq!(json["checks"][0]["ok"], false);
    assert_eq!(json["checks"][0]["detail"], "missing");
    assert!(
        json["checks"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("scripts/build-images.sh"),
        "{json}"
    );
    assert_eq!(text_output.status.code(), Some(1));
    let text = stdout(&text_output);
    assert!(
        text.contains(&format!("image {image}: missing\n  fix: ")),
        "{text}"
    );
    assert!(text.ends_with("1 problem(s) found\n"), "{text}");
}

#[test]
fn doctor_json_unreachable_engine_exits_3() {
    let scratch = Scratch::new("doctor-nohost");
    let socket = format!("unix://{}/absent.sock", scratch.dir.path().display());

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trainc"))
        .args(["doctor", "--format", "json", "--host", &socket])
        .env("TRAINC_HOME", scratch.home())
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(3));
    let json = json_of(&output);
    assert!(json["engine"].is_null(), "{json}");
    assert_eq!(json["checks"][0]["name"], "engine");
    assert_eq!(json["checks"][0]["ok"], false);
    assert!(
        json["checks"][0]["detail"]
            .as_str()
            .unwrap()
            .contains(&socket),
        "{json}"
    );
    assert!(stderr(&output).contains("no container engine responded"));
}
