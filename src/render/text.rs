//! The text plan, made for code review as `terraform plan` output is: one
//! fact per line, in plan order, with no dependence on terminal width.
//!
//! Every line is formatted here into a view of plain strings, and the
//! template under `templates/` only lays the view out.

use std::sync::OnceLock;

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use super::quote::{escape_control, quote_for_review};
use crate::plan::{ContainerPlan, MountKind, MountPlan, Plan, ResourcePlan, Value};

const TEMPLATE_NAME: &str = "plan.txt";
const TEMPLATE_SOURCE: &str = include_str!("templates/plan.txt.j2");

/// Renders the plan as review text, ending with a newline.
pub fn render_text(plan: &Plan) -> String {
    let view = PlanView::new(plan);
    environment()
        .get_template(TEMPLATE_NAME)
        .and_then(|template| template.render(&view))
        .expect("the built-in plan template renders every plan view")
}

/// Returns the template environment, compiled once per process.
fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut environment = Environment::new();
        environment.set_undefined_behavior(UndefinedBehavior::Strict);
        environment.set_trim_blocks(true);
        environment.set_lstrip_blocks(true);
        environment.set_keep_trailing_newline(true);
        environment
            .add_template(TEMPLATE_NAME, TEMPLATE_SOURCE)
            .expect("the built-in plan template compiles");
        environment
    })
}

#[derive(Serialize)]
struct PlanView {
    format: &'static str,
    hash: String,
    job: JobView,
    network: NetworkView,
    workspace: WorkspaceView,
    files: Vec<FileView>,
    containers: Vec<ContainerView>,
    deferred: Vec<DeferredView>,
}

#[derive(Serialize)]
struct JobView {
    name: String,
    description: Option<String>,
    runtime: String,
    image: String,
    scale: String,
    trainer: &'static str,
    rendezvous: String,
    engine: String,
}

#[derive(Serialize)]
struct NetworkView {
    name: String,
    driver: &'static str,
    dns: &'static str,
    labels: Vec<String>,
}

#[derive(Serialize)]
struct WorkspaceView {
    host_dir: String,
    target: &'static str,
}

#[derive(Serialize)]
struct FileView {
    path: String,
    sha256: String,
    size: u64,
    mode: String,
}

#[derive(Serialize)]
struct ContainerView {
    name: String,
    hostname: String,
    rank: u32,
    start_group: u32,
    image: String,
    working_dir: &'static str,
    argv: Vec<String>,
    env: Vec<String>,
    mounts: Vec<String>,
    labels: Vec<String>,
    resources: Vec<String>,
}

#[derive(Serialize)]
struct DeferredView {
    key: &'static str,
    description: String,
}

impl PlanView {
    fn new(plan: &Plan) -> Self {
        Self {
            format: plan.format,
            hash: plan.hash.clone(),
            job: JobView::new(plan),
            network: NetworkView {
                name: plan.network.name.clone(),
                driver: plan.network.driver,
                dns: if plan.network.dns_enabled {
                    "on"
                } else {
                    "off"
                },
                labels: label_lines(&plan.network.labels),
            },
            workspace: WorkspaceView {
                host_dir: quote_for_review(&plan.workspace.host_dir).into_owned(),
                target: plan.workspace.target,
            },
            files: plan
                .files
                .iter()
                .map(|file| FileView {
                    path: quote_for_review(&file.path).into_owned(),
                    sha256: file.sha256.clone(),
                    size: file.size,
                    mode: format!("{:04o}", file.mode),
                })
                .collect(),
            containers: plan.containers.iter().map(ContainerView::new).collect(),
            deferred: plan
                .deferred
                .iter()
                .map(|deferred| DeferredView {
                    key: deferred.key.as_str(),
                    description: deferred.description.clone(),
                })
                .collect(),
        }
    }
}

impl JobView {
    fn new(plan: &Plan) -> Self {
        let job = &plan.job;
        let rendezvous = &job.rendezvous;
        let engine = &plan.engine;

        let master_addr = serde_plain_name(&rendezvous.master_addr);
        let mut engine_line = format!(
            "{}, pull policy {}, auto-remove {}",
            serde_plain_name(&engine.kind),
            serde_plain_name(&engine.pull_policy),
            if engine.auto_remove { "on" } else { "off" },
        );
        if let Some(host) = &engine.host {
            engine_line.push_str(", host ");
            engine_line.push_str(&quote_for_review(host));
        }

        Self {
            name: job.name.clone(),
            description: job
                .description
                .as_deref()
                .map(|text| escape_control(text).into_owned()),
            runtime: format!(
                "{} (framework {}, from {})",
                quote_for_review(&job.runtime.name),
                quote_for_review(&job.runtime.framework),
                quote_for_review(&job.runtime.source),
            ),
            image: quote_for_review(&job.image).into_owned(),
            scale: format!(
                "{} ({} per node, world size {})",
                job.nodes,
                if job.procs_per_node == 1 {
                    "1 process".to_string()
                } else {
                    format!("{} processes", job.procs_per_node)
                },
                job.world_size
            ),
            trainer: job.trainer,
            rendezvous: format!(
                "{} backend, port {}, master address by {}, max restarts {}",
                rendezvous.backend, rendezvous.port, master_addr, rendezvous.max_restarts
            ),
            engine: engine_line,
        }
    }
}

impl ContainerView {
    fn new(container: &ContainerPlan) -> Self {
        Self {
            name: container.name.clone(),
            hostname: container.hostname.clone(),
            rank: container.rank,
            start_group: container.start_group,
            image: quote_for_review(&container.image).into_owned(),
            working_dir: container.working_dir,
            argv: container.argv.iter().map(review_value).collect(),
            env: container
                .env
                .iter()
                .map(|var| format!("{}={}", var.name, review_value(&var.value)))
                .collect(),
            mounts: container.mounts.iter().map(mount_line).collect(),
            labels: label_lines(&container.labels),
            resources: resource_lines(&container.resources),
        }
    }
}

/// Formats a value for review: literals shell-quoted, every other kind in
/// its marked form, and secrets redacted.
fn review_value(value: &Value) -> String {
    match value {
        Value::Literal(text) => quote_for_review(text).into_owned(),
        other => other.display(),
    }
}

fn label_lines(labels: &std::collections::BTreeMap<String, Value>) -> Vec<String> {
    labels
        .iter()
        .map(|(key, value)| format!("{}={}", quote_for_review(key), review_value(value)))
        .collect()
}

fn mount_line(mount: &MountPlan) -> String {
    let kind = match mount.kind {
        MountKind::Bind => "bind",
        MountKind::Volume => "volume",
        MountKind::Workspace => "workspace",
    };
    let access = if mount.read_only {
        "read-only"
    } else {
        "read-write"
    };
    format!(
        "{kind} {} -> {} ({access})",
        review_value(&mount.source),
        quote_for_review(&mount.target)
    )
}

fn resource_lines(resources: &ResourcePlan) -> Vec<String> {
    let mut lines = Vec::new();
    match (&resources.cpus, resources.nano_cpus) {
        (Some(cpus), Some(nano)) => lines.push(format!("cpus {cpus} ({nano} nano-CPUs)")),
        (Some(cpus), None) => lines.push(format!("cpus {cpus}")),
        _ => lines.push("cpus unlimited".to_string()),
    }
    match resources.memory_bytes {
        Some(bytes) => lines.push(format!("memory {}", format_bytes(bytes))),
        None => lines.push("memory unlimited".to_string()),
    }
    lines.push(format!("gpus {}", resources.gpus));
    match resources.shm_size_bytes {
        Some(bytes) => lines.push(format!("shared memory {}", format_bytes(bytes))),
        None => lines.push("shared memory engine default".to_string()),
    }
    lines
}

/// Formats a byte count exactly, adding the largest binary unit that
/// divides it: `4294967296 bytes (4 GiB)`.
fn format_bytes(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    let exact_unit = UNITS
        .iter()
        .find(|(_, size)| bytes >= *size && bytes % size == 0);
    match exact_unit {
        Some((unit, size)) => format!("{bytes} bytes ({} {unit})", bytes / size),
        None => format!("{bytes} bytes"),
    }
}

/// Returns the serialized name of a unit enum variant, such as `IfNotPresent` or
/// `ip`, so the text uses the same spelling as the spec and the JSON.
fn serde_plain_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        other => unreachable!("a unit enum variant serializes to a string, not {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_show_exact_binary_units() {
        assert_eq!(format_bytes(4 << 30), "4294967296 bytes (4 GiB)");
        assert_eq!(format_bytes(1536 << 20), "1610612736 bytes (1536 MiB)");
        assert_eq!(format_bytes(1000), "1000 bytes");
        assert_eq!(format_bytes(0), "0 bytes");
    }
}
