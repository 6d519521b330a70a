//! `trainc doctor`: checks the engine, its socket and runtime, and the
//! images a spec needs, with a fix for every problem found.

use std::collections::BTreeSet;

use serde::Serialize;

use super::args::{DoctorArgs, OutputFormat};
use super::exit::Exit;
use super::jobs;
use crate::engine::Engine;
use crate::plan::Plan;

/// The value of `format` in the JSON document, bumped on incompatible changes.
const FORMAT: &str = "trainc.doctor/v1";

/// The findings of one doctor run, printed as text, or as the
/// `trainc.doctor/v1` JSON document with `--format json`.
#[derive(Debug, Serialize)]
struct Findings {
    format: &'static str,
    /// `None` when no engine responded.
    engine: Option<EngineFindings>,
    checks: Vec<Check>,
    /// The number of failed checks.
    problems: usize,
}

/// The engine that responded and how trainc found it.
#[derive(Debug, Serialize)]
struct EngineFindings {
    product: String,
    version: String,
    api_version: String,
    socket: String,
    /// The source of the socket, such as `--host` or `rootful Podman`.
    found_via: String,
    /// Whether trainc started a `podman system service` for this command
    /// only, because no socket responded.
    private_service: bool,
    /// `None` when neither the engine nor `podman info` named it.
    oci_runtime: Option<String>,
}

/// One check with its outcome, and the fix when it failed.
#[derive(Debug, Serialize)]
struct Check {
    name: String,
    ok: bool,
    detail: String,
    fix: Option<String>,
}

impl Findings {
    fn new(engine: Option<EngineFindings>, checks: Vec<Check>) -> Self {
        let problems = checks.iter().filter(|check| !check.ok).count();
        Self {
            format: FORMAT,
            engine,
            checks,
            problems,
        }
    }

    fn exit(&self) -> Exit {
        if self.problems == 0 {
            Exit::Success
        } else {
            Exit::Failed
        }
    }
}

pub async fn run(args: DoctorArgs) -> anyhow::Result<Exit> {
    let plan = match &args.spec {
        Some(spec) => match jobs::compile(spec) {
            Ok(plan) => Some(plan),
            Err(exit) => return Ok(exit),
        },
        None => None,
    };

    let connection = match jobs::connect(&args.engine, plan.as_ref()).await {
        Ok(connection) => connection,
        Err(error) => {
            // The caller prints the error, which lists every socket tried and
            // the fixes, to stderr, so the JSON document repeats it as a check.
            match args.format {
                OutputFormat::Text => println!("engine: not found"),
                OutputFormat::Json => {
                    let check = Check {
                        name: "engine".to_string(),
                        ok: false,
                        detail: format!("{error:#}"),
                        fix: None,
                    };
                    print_json(&Findings::new(None, vec![check]))?;
                }
            }
            return Err(error);
        }
    };
    let engine = &connection.engine;
    let engine_findings = EngineFindings {
        product: connection.version.product.clone(),
        version: connection.version.version.clone(),
        api_version: connection.version.api_version.clone(),
        socket: engine.endpoint().to_string(),
        found_via: connection.source.to_string(),
        private_service: connection.service.is_some(),
        oci_runtime: oci_runtime(engine).await,
    };
    let checks = match &plan {
        Some(plan) => image_checks(engine, plan).await,
        None => Vec::new(),
    };
    let findings = Findings::new(Some(engine_findings), checks);

    match args.format {
        OutputFormat::Text => print!("{}", render_text(&findings)),
        OutputFormat::Json => print_json(&findings)?,
    }
    Ok(findings.exit())
}

fn print_json(findings: &Findings) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(findings)?);
    Ok(())
}

/// Checks that every image the plan's containers use is present, in name
/// order, each image once.
async fn image_checks<E: Engine>(engine: &E, plan: &Plan) -> Vec<Check> {
    let images: BTreeSet<&str> = plan
        .containers
        .iter()
        .map(|container| container.image.as_str())
        .collect();
    let mut checks = Vec::new();
    for image in images {
        let name = format!("image {image}");
        let check = match engine.image_exists(image).await {
            Ok(true) => Check {
                name,
                ok: true,
                detail: "present".to_string(),
                fix: None,
            },
            Ok(false) => Check {
                name,
                ok: false,
                detail: "missing".to_string(),
                fix: Some(missing_image_fix(image)),
            },
            Err(error) => Check {
                name,
                ok: false,
                detail: format!("could not check ({error})"),
                fix: None,
            },
        };
        checks.push(check);
    }
    checks
}

fn missing_image_fix(image: &str) -> String {
    if image.starts_with("localhost/") {
        "build it locally (scripts/build-images.sh builds trainc's images)".to_string()
    } else {
        format!("`podman pull {image}`, or keep pull-policy \"IfNotPresent\" so apply pulls it")
    }
}

/// Renders the findings as the lines `trainc doctor` prints by default.
fn render_text(findings: &Findings) -> String {
    let mut text = String::new();
    match &findings.engine {
        Some(engine) => {
            text.push_str(&format!(
                "engine: {} {} (API {})\n",
                engine.product, engine.version, engine.api_version
            ));
            text.push_str(&format!(
                "socket: {} (found via {})\n",
                engine.socket, engine.found_via
            ));
            if engine.private_service {
                text.push_str("  note: no socket answered, so trainc started a private service for this command; start one that stays: `podman system service --time=0 unix:///run/podman/podman.sock &`\n");
            }
            match &engine.oci_runtime {
                Some(runtime) => text.push_str(&format!("OCI runtime: {runtime}\n")),
                None => text.push_str(
                    "OCI runtime: unknown (the engine did not say, and `podman info` failed)\n",
                ),
            }
        }
        None => text.push_str("engine: not found\n"),
    }

    for check in &findings.checks {
        text.push_str(&format!("{}: {}\n", check.name, check.detail));
        if let Some(fix) = &check.fix {
            text.push_str(&format!("  fix: {fix}\n"));
        }
    }

    if findings.problems == 0 {
        text.push_str("no problems found\n");
    } else {
        text.push_str(&format!("{} problem(s) found\n", findings.problems));
    }
    text
}

/// Reads the runtime from the engine's info endpoint, else from `podman info`.
async fn oci_runtime<E: Engine>(engine: &E) -> Option<String> {
    match engine.oci_runtime().await {
        Ok(Some(runtime)) if !runtime.is_empty() => return Some(runtime),
        Ok(_) => {}
        Err(error) => tracing::debug!(%error, "the engine's info endpoint failed"),
    }
    let output = tokio::process::Command::new("podman")
        .args(["info", "--format", "{{.Host.OCIRuntime.Name}}"])
        .output()
        .await
        .ok()?;
    let name = String::from_utf8_lossy(&output.stdout).trim().to_string();
    (output.status.success() && !name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine_findings() -> EngineFindings {
        EngineFindings {
            product: "podman".to_string(),
            version: "4.3.1".to_string(),
            api_version: "1.41".to_string(),
            socket: "unix:///run/podman/podman.sock".to_string(),
            found_via: "rootful Podman".to_string(),
            private_service: false,
            oci_runtime: Some("runc".to_string()),
        }
    }

    fn missing_torch_image() -> Check {
        Check {
            name: "image localhost/trainc/torch:2.6-cpu".to_string(),
            ok: false,
            detail: "missing".to_string(),
            fix: Some(missing_image_fix("localhost/trainc/torch:2.6-cpu")),
        }
    }

    #[test]
    fn text_lists_engine_then_checks() {
        let findings = Findings::new(Some(engine_findings()), vec![missing_torch_image()]);

        assert_eq!(
            render_text(&findings),
            "engine: podman 4.3.1 (API 1.41)\n\
             socket: unix:///run/podman/podman.sock (found via rootful Podman)\n\
             OCI runtime: runc\n\
             image localhost/trainc/torch:2.6-cpu: missing\n  \
             fix: build it locally (scripts/build-images.sh builds trainc's images)\n\
             1 problem(s) found\n"
        );
        assert_eq!(findings.exit(), Exit::Failed);
    }

    #[test]
    fn text_without_problems() {
        let findings = Findings::new(Some(engine_findings()), Vec::new());

        assert!(render_text(&findings).ends_with("OCI runtime: runc\nno problems found\n"));
        assert_eq!(findings.exit(), Exit::Success);
    }

    #[test]
    fn json_document_is_versioned() {
        let findings = Findings::new(Some(engine_findings()), vec![missing_torch_image()]);

        let json = serde_json::to_value(&findings).unwrap();

        assert_eq!(json["format"], "trainc.doctor/v1");
        assert_eq!(json["engine"]["product"], "podman");
        assert_eq!(json["engine"]["api_version"], "1.41");
        assert_eq!(json["engine"]["private_service"], false);
        assert_eq!(json["engine"]["oci_runtime"], "runc");
        assert_eq!(json["problems"], 1);
        let check = &json["checks"][0];
        assert_eq!(check["name"], "image localhost/trainc/torch:2.6-cpu");
        assert_eq!(check["ok"], false);
        assert_eq!(check["detail"], "missing");
        assert!(check["fix"].as_str().unwrap().contains("build-images.sh"));
    }

    /// A three-node plan whose nodes use different images, which no spec
    /// gives, so that the test sees the images sorted and deduplicated.
    fn two_image_plan() -> Plan {
        let spec = r#"job "doctor" {
            image "registry.example/torch:2"
            nodes 3
            trainer { inline "print(1)"; }
        }"#;
        let checked = crate::validate::check_source(std::path::Path::new("job.kdl"), spec);
        let job = checked.job.expect("the test spec is valid");
        let mut plan = crate::plan::build(&job);
        plan.containers[0].image = "localhost/trainc/busybox:latest".to_string();
        plan
    }

    #[tokio::test]
    async fn image_checks_cover_each_image_once() {
        let engine = crate::engine::fake::FakeEngine::new();
        engine.add_image("localhost/trainc/busybox:latest");
        let plan = two_image_plan();

        let checks = image_checks(&engine, &plan).await;

        let outcomes: Vec<(&str, bool)> = checks
            .iter()
            .map(|check| (check.name.as_str(), check.ok))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("image localhost/trainc/busybox:latest", true),
                ("image registry.example/torch:2", false),
            ]
        );
        assert_eq!(
            checks[1].fix.as_deref(),
            Some("`podman pull registry.example/torch:2`, or keep pull-policy \"IfNotPresent\" so apply pulls it")
        );
    }
}
