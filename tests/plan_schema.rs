//! schemas/plan.schema.json against real plans.

mod plan_support;

use plan_support::{command_job, full_job};
use serde_json::{json, Value as Json};
use trainc::job::{MasterAddrMode, TrainerEntry};
use trainc::plan;
use trainc::render::render_json;

fn schema() -> Json {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/plan.schema.json");
    let text = std::fs::read_to_string(path).expect("reading the plan schema");
    serde_json::from_str(&text).expect("the plan schema is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&schema()).expect("the plan schema compiles")
}

fn plan_json(job: &trainc::job::Job) -> Json {
    serde_json::from_str(&render_json(&plan::build(job))).unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, instance: &Json, case: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|error| format!("{} at {}", error, error.instance_path))
        .collect();
    assert!(errors.is_empty(), "{case}: {errors:#?}");
}

#[test]
fn schema_is_valid_draft_2020_12() {
    let schema = schema();

    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(jsonschema::draft202012::meta::is_valid(&schema));
}

#[test]
fn real_plans_match_schema() {
    let validator = validator();
    let mut dns = full_job();
    dns.rendezvous.master_addr = MasterAddrMode::Dns;
    let mut inline = full_job();
    inline.trainer.entry = TrainerEntry::Inline {
        code: "print(1)".to_string(),
    };
    inline.description = None;
    inline.resources = Default::default();
    let mut single = command_job();
    single.nodes = 1;
    single.engine.host = Some("unix:///run/podman/podman.sock".to_string());

    let cases = [
        ("full", full_job()),
        ("command", command_job()),
        ("dns", dns),
        ("inline", inline),
        ("single", single),
    ];
    for (case, job) in cases {
        assert_valid(&validator, &plan_json(&job), case);
    }
}

#[test]
fn schema_rejects_unknown_properties() {
    let validator = validator();
    let mut instance = plan_json(&full_job());
    instance["containers"][0]["privileged"] = json!(true);

    assert!(!validator.is_valid(&instance));
}

#[test]
fn schema_rejects_exposed_secret() {
    let validator = validator();
    let mut instance = plan_json(&full_job());
    let env = instance["containers"][0]["env"].as_array_mut().unwrap();
    let api_key = env.iter_mut().find(|var| var["name"] == "API_KEY").unwrap();
    assert_eq!(api_key["value"], json!({ "secret": "<redacted>" }));
    api_key["value"] = json!({ "secret": "the real value" });

    assert!(!validator.is_valid(&instance));
}

#[test]
fn schema_rejects_unknown_deferred_key() {
    let validator = validator();
    let mut instance = plan_json(&full_job());
    instance["containers"][0]["mounts"][0]["source"] = json!({ "deferred": "host-ip" });

    assert!(!validator.is_valid(&instance));
}
