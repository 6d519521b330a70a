//! `trainc doctor`: checks the engine, its socket and runtime, and the
//! images a spec needs, with a fix for every problem found.

use std::collections::BTreeSet;

use super::args::DoctorArgs;
use super::exit::Exit;
use super::jobs;
use crate::engine::Engine;

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
            println!("engine: not found");
            return Err(error);
        }
    };
    let engine = &connection.engine;
    let version = &connection.version;
    println!(
        "engine: {} {} (API {})",
        version.product, version.version, version.api_version
    );
    println!(
        "socket: {} (found via {})",
        engine.endpoint(),
        connection.source
    );
    if connection.service.is_some() {
        println!(
            "  note: no socket answered, so trainc started a private service for this command; start one that stays: `podman system service --time=0 unix:///run/podman/podman.sock &`"
        );
    }

    let mut problems = 0;
    match oci_runtime(engine).await {
        Some(runtime) => println!("OCI runtime: {runtime}"),
        None => {
            println!("OCI runtime: unknown (the engine did not say, and `podman info` failed)");
        }
    }

    if let Some(plan) = &plan {
        let images: BTreeSet<&str> = plan
            .containers
            .iter()
            .map(|container| container.image.as_str())
            .collect();
        for image in images {
            match engine.image_exists(image).await {
                Ok(true) => println!("image {image}: present"),
                Ok(false) => {
                    problems += 1;
                    println!("image {image}: missing");
                    if image.starts_with("localhost/") {
                        println!("  fix: build it locally (scripts/build-images.sh builds trainc's images)");
                    } else {
                        println!("  fix: `podman pull {image}`, or keep pull-policy \"IfNotPresent\" so apply pulls it");
                    }
                }
                Err(error) => {
                    problems += 1;
                    println!("image {image}: could not check ({error})");
                }
            }
        }
    }

    if problems == 0 {
        println!("no problems found");
        Ok(Exit::Success)
    } else {
        println!("{problems} problem(s) found");
        Ok(Exit::Failed)
    }
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
