//! The invalid-spec corpus under `tests/invalid/`: snapshots of every
//! rendered report, coverage of every diagnostic code, and the JSON
//! document checked against its schema. Also the full example spec, which
//! must check cleanly.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use trainc::diagnostics::{Code, Report, Severity};
use trainc::job::{EngineKind, EnvSource, MasterAddrMode, Mount, PullPolicy, TrainerEntry};
use trainc::validate::{check_file, check_source};

const CORPUS: &str = "tests/invalid";

/// Lists the corpus files, relative to the crate root, in name order.
fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS))
            .expect("tests/invalid must exist")
            .map(|entry| entry.expect("readable corpus entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "kdl"))
            .map(|path| Path::new(CORPUS).join(path.file_name().unwrap()))
            .collect();
    files.sort();
    files
}

/// Checks a corpus file and replaces the absolute corpus folder in messages,
/// so that snapshots do not depend on where the crate is checked out.
fn check_corpus_file(path: &Path) -> Report {
    let checked = check_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join(path));
    let absolute = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    let absolute = absolute.to_str().expect("UTF-8 crate path");
    let diagnostics = checked
        .report
        .diagnostics()
        .iter()
        .cloned()
        .map(|mut d| {
            d.message = d.message.replace(absolute, "[SPEC_DIR]");
            d
        })
        .collect();
    Report::new(
        path.display().to_string(),
        checked.report.source(),
        diagnostics,
    )
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/diagnostics"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

#[test]
fn corpus_reports_match_snapshots() {
    let settings = snapshot_settings();
    for path in corpus() {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let report = check_corpus_file(&path);
        assert!(
            !report.is_empty(),
            "{name}: expected at least one diagnostic"
        );

        settings.bind(|| {
            insta::assert_snapshot!(format!("{name}.graphical"), report.render_graphical(false));
            insta::assert_json_snapshot!(format!("{name}.json"), report.to_json());
        });
    }
}

#[test]
fn corpus_covers_every_code() {
    let mut seen = BTreeSet::new();
    for path in corpus() {
        for diagnostic in check_corpus_file(&path).diagnostics() {
            seen.insert(diagnostic.code);
        }
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|code| !seen.contains(code))
        .map(|code| code.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a file in tests/invalid: {missing:?}"
    );
}

#[test]
fn corpus_file_names_its_main_code() {
    // Each file is named after its case, which starts with the code it
    // shows (many-problems-at-once shows several).
    let mut misnamed = Vec::new();
    for path in corpus() {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        if name == "many-problems-at-once" {
            continue;
        }
        let report = check_corpus_file(&path);
        let matches = report
            .diagnostics()
            .iter()
            .any(|d| name.starts_with(d.code.as_str().trim_start_matches("trainc::")));
        if !matches {
            misnamed.push(name);
        }
    }
    assert!(
        misnamed.is_empty(),
        "files not named after a code they show: {misnamed:?}"
    );
}

#[test]
fn codes_are_unique() {
    let texts: BTreeSet<&str> = Code::ALL.iter().map(|code| code.as_str()).collect();
    assert_eq!(texts.len(), Code::ALL.len());
}

#[test]
fn one_run_reports_every_problem() {
    let report = check_corpus_file(Path::new("tests/invalid/many-problems-at-once.kdl"));
    assert!(
        report.error_count() >= 10,
        "{}",
        report.render_graphical(false)
    );
}

#[test]
fn json_output_matches_schema() {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/diagnostics.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");

    let mut documents: Vec<serde_json::Value> = corpus()
        .iter()
        .map(|p| check_corpus_file(p).to_json())
        .collect();
    documents.push(
        check_source(
            Path::new("clean.kdl"),
            "job \"a\" { trainer { inline \"x\"; }; }",
        )
        .report
        .to_json(),
    );

    for document in &documents {
        let errors: Vec<String> = validator
            .iter_errors(document)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", document["file"]);
    }
}

#[test]
fn json_counts_match_severities() {
    for path in corpus() {
        let report = check_corpus_file(&path);
        let json = report.to_json();
        let errors = report
            .diagnostics()
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        assert_eq!(json["errors"], errors, "{}", path.display());
        assert_eq!(
            json["warnings"],
            report.diagnostics().len() - errors,
            "{}",
            path.display()
        );
    }
}

const FULL_SPEC: &str = r#"
job "mnist-ddp" {
    description "DDP smoke test"
    runtime "torch-distributed"              // built-in, or from a runtimes file
    image "localhost/trainc/torch:2.6-cpu"   // overrides the runtime's image
    nodes 4
    procs-per-node 1                         // default: gpus per node, else 1
    trainer {
        script "train.py"                    // path relative to this file
        args "--epochs" 5 "--lr" 0.01
        packages "numpy" "tqdm>=4"
        pip-index-url "https://pypi.org/simple"
    }
    env {
        LOG_LEVEL "info"
        HF_TOKEN from-host="HF_TOKEN" sensitive=#true
        WANDB_API_KEY "abc" sensitive=#true
    }
    mount "./data" "/workspace/data" read-only=#true
    volume "ckpt" "/workspace/ckpt"
    resources { cpus 2.5; memory "4GiB"; gpus 0; shm-size "1GiB" }
    rendezvous {
        port 29500
        master-addr "ip"       // "ip": rank 0's address, known after apply; "dns": its name
        max-restarts 0
    }
    engine "podman" {          // "podman" | "docker" | "auto"
        host "unix:///run/podman/podman.sock"
        pull-policy "IfNotPresent"   // "Always" | "Never"
        auto-remove #true
    }
    labels { team "vision" }
}
"#;

#[test]
fn full_spec_yields_expected_job() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("train.py"), "print('train')\n").unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    let spec = dir.path().join("job.kdl");

    let checked = check_source(&spec, FULL_SPEC);
    assert!(
        checked.report.is_empty(),
        "{}",
        checked.report.render_graphical(false)
    );
    let job = checked.job.expect("a clean spec yields a job");

    assert_eq!(job.name, "mnist-ddp");
    assert_eq!(job.description.as_deref(), Some("DDP smoke test"));
    assert_eq!(job.runtime.name, "torch-distributed");
    assert_eq!(job.runtime.framework, "torch");
    assert_eq!(job.runtime.source, "builtin");
    assert_eq!(job.image, "localhost/trainc/torch:2.6-cpu");
    assert_eq!(job.nodes, 4);
    assert_eq!(job.procs_per_node, 1);
    match &job.trainer.entry {
        TrainerEntry::Script { path, content } => {
            assert_eq!(path, "train.py");
            assert_eq!(content, b"print('train')\n");
        }
        other => panic!("expected a script entry, got {other:?}"),
    }
    assert_eq!(job.trainer.args, ["--epochs", "5", "--lr", "0.01"]);
    assert_eq!(job.trainer.packages, ["numpy", "tqdm>=4"]);
    assert_eq!(job.trainer.pip_index_urls, ["https://pypi.org/simple"]);
    assert_eq!(
        job.env.get("HF_TOKEN"),
        Some(&EnvSource::FromHost {
            var: "HF_TOKEN".into(),
            sensitive: true
        })
    );
    assert_eq!(
        job.env.get("LOG_LEVEL"),
        Some(&EnvSource::Literal {
            value: "info".into(),
            sensitive: false
        })
    );
    assert_eq!(
        job.env.get("WANDB_API_KEY"),
        Some(&EnvSource::Literal {
            value: "abc".into(),
            sensitive: true
        })
    );
    assert_eq!(
        job.mounts,
        [
            Mount::Bind {
                source: "./data".into(),
                target: "/workspace/data".into(),
                read_only: true
            },
            Mount::Volume {
                name: "ckpt".into(),
                target: "/workspace/ckpt".into(),
                read_only: false
            },
        ]
    );
    assert_eq!(job.resources.millicpus, Some(2500));
    assert_eq!(job.resources.memory_bytes, Some(4 << 30));
    assert_eq!(job.resources.gpus, 0);
    assert_eq!(job.resources.shm_size_bytes, Some(1 << 30));
    assert_eq!(job.rendezvous.port, 29500);
    assert_eq!(job.rendezvous.master_addr, MasterAddrMode::Ip);
    assert_eq!(job.rendezvous.max_restarts, 0);
    assert_eq!(job.engine.kind, EngineKind::Podman);
    assert_eq!(
        job.engine.host.as_deref(),
        Some("unix:///run/podman/podman.sock")
    );
    assert_eq!(job.engine.pull_policy, PullPolicy::IfNotPresent);
    assert!(job.engine.auto_remove);
    assert_eq!(job.labels.get("team").map(String::as_str), Some("vision"));
    assert_eq!(job.spec_dir, dir.path());
}

#[test]
fn minimal_spec_gets_sdk_defaults() {
    let checked = check_source(
        Path::new("job.kdl"),
        "job \"tiny\" {\n    trainer { inline \"print(1)\" }\n}\n",
    );
    assert!(
        checked.report.is_empty(),
        "{}",
        checked.report.render_graphical(false)
    );
    let job = checked.job.unwrap();

    assert_eq!(job.runtime.name, "torch-distributed");
    assert_eq!(job.image, "localhost/trainc/torch:2.6-cpu");
    assert_eq!(job.nodes, 1);
    assert_eq!(job.procs_per_node, 1);
    assert_eq!(job.rendezvous.port, 29500);
    assert_eq!(job.rendezvous.master_addr, MasterAddrMode::Ip);
    assert_eq!(job.rendezvous.max_restarts, 0);
    assert_eq!(job.engine.kind, EngineKind::Auto);
    assert_eq!(job.engine.host, None);
    assert_eq!(job.engine.pull_policy, PullPolicy::IfNotPresent);
    assert!(job.engine.auto_remove);
    assert!(job.spec_dir.is_absolute());
}

#[test]
fn procs_per_node_defaults_to_gpus() {
    let source = "job \"gpu\" {\n    resources { gpus 2; }\n    trainer { inline \"x\" }\n}\n";
    let job = check_source(Path::new("job.kdl"), source).job.unwrap();
    assert_eq!(job.procs_per_node, 2);
}

#[test]
fn runtime_file_sets_image_and_nodes() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid/from-runtime.kdl");
    let source = "job \"rt\" {\n    runtime-source \"runtimes/custom.yaml\"\n    runtime \"torch-custom\"\n    trainer { inline \"x\" }\n}\n";
    let checked = check_source(&spec, source);
    assert!(
        checked.report.is_empty(),
        "{}",
        checked.report.render_graphical(false)
    );
    let job = checked.job.unwrap();

    assert_eq!(job.runtime.source, "runtimes/custom.yaml");
    assert_eq!(job.runtime.default_nodes, Some(2));
    assert_eq!(job.nodes, 2);
    assert_eq!(job.image, "localhost/trainc/torch:2.6-cpu");
}

#[test]
fn runtime_folder_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let runtimes = dir.path().join("runtimes");
    std::fs::create_dir(&runtimes).unwrap();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid/runtimes");
    std::fs::copy(corpus.join("custom.yaml"), runtimes.join("a.yaml")).unwrap();
    std::fs::copy(corpus.join("latest.yaml"), runtimes.join("b.yml")).unwrap();
    std::fs::write(runtimes.join("notes.txt"), "not a runtime").unwrap();

    let source = "job \"rt\" {\n    runtime-source \"runtimes\"\n    runtime \"torch-custom\"\n    trainer { inline \"x\" }\n}\n";
    let checked = check_source(&dir.path().join("job.kdl"), source);
    assert!(
        checked.report.is_empty(),
        "{}",
        checked.report.render_graphical(false)
    );
    assert_eq!(checked.job.unwrap().runtime.source, "runtimes/a.yaml");
}

#[test]
fn runtime_folder_with_broken_file_is_reported() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid/from-folder.kdl");
    let source = "job \"rt\" {\n    runtime-source \"runtimes\"\n    runtime \"torch-latest\"\n    trainer { inline \"x\" }\n}\n";
    let checked = check_source(&spec, source);
    let codes: Vec<Code> = checked
        .report
        .diagnostics()
        .iter()
        .map(|d| d.code)
        .collect();
    // The corpus folder contains broken.yaml, and a failed source hides the
    // unknown-runtime error that would follow from it.
    assert_eq!(codes, [Code::InvalidRuntimeFile]);
}
