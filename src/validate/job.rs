//! The `job` node and its sections, read into a [`Job`]. Each section is
//! read even when an earlier one failed, so every problem is reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::job::{
    EngineConfig, EngineKind, EnvSource, Job, MasterAddrMode, Mount, PullPolicy, Rendezvous,
    Resources, Runtime, Trainer, TrainerEntry,
};
use crate::model::{Node, Spanned, Value};
use crate::plan::{FILES_DIR, WORKSPACE_TARGET};
use crate::runtimes;

use super::reader::{value_span, Ctx};
use super::values;

/// Container names are DNS labels, at most 63 characters.
const MAX_NAME_LENGTH: usize = 63;

/// Containers that fit on a network with a /24 subnet, which is what
/// `podman network create` assigns by default: 254 host addresses, less the
/// gateway's.
const MAX_NODES_PER_SUBNET: u32 = 253;

/// Upper bound on `nodes`, far above what one host runs. It turns a typo
/// such as an extra digit into an error before planning allocates one
/// container per node.
const MAX_NODES: i128 = 10_000;

const JOB_SINGLETONS: [&str; 11] = [
    "description",
    "runtime",
    "image",
    "nodes",
    "procs-per-node",
    "trainer",
    "env",
    "resources",
    "rendezvous",
    "engine",
    "labels",
];
const JOB_REPEATABLE: [&str; 3] = ["runtime-source", "mount", "volume"];

/// Reads a `job` node. Returns a job only when no error was found.
pub(crate) fn read_job(ctx: &mut Ctx, node: &Node, spec_dir: &Path) -> Option<Job> {
    let args = ctx.shape(node, 1, Some(1), &[], true);
    let name = args
        .first()
        .and_then(|entry| ctx.string(entry, "the job name"));
    let block = ctx.block(node, &JOB_SINGLETONS, &JOB_REPEATABLE);

    let description = block.get("description").and_then(|n| ctx.single_string(n));
    let runtime = read_runtime(ctx, &block, spec_dir);
    let image_node = block.get("image");
    let image = image_node.and_then(|n| ctx.single_string(n));

    let nodes = block
        .get("nodes")
        .and_then(|n| ctx.single_integer(n))
        .and_then(|v| ctx.ranged(v, 1, MAX_NODES, Code::InvalidCount, "`nodes`"));
    let procs = block
        .get("procs-per-node")
        .and_then(|n| ctx.single_integer(n))
        .and_then(|v| {
            ctx.ranged(
                v,
                1,
                i128::from(u32::MAX),
                Code::InvalidCount,
                "`procs-per-node`",
            )
        });

    let trainer = match block.get("trainer") {
        Some(trainer) => read_trainer(ctx, trainer, spec_dir),
        None => {
            ctx.push(
                Diagnostic::new(Code::MissingNode, "the job has no `trainer`")
                    .with_span(node.name.span, "job without a trainer")
                    .with_help("add `trainer { script \"train.py\" }`, or `inline` or `command` in place of `script`"),
            );
            None
        }
    };

    let env = block
        .get("env")
        .map(|n| read_env(ctx, n))
        .unwrap_or_default();
    let mounts = read_mounts(ctx, &block, spec_dir);
    let resources = block
        .get("resources")
        .map(|n| read_resources(ctx, n))
        .unwrap_or_default();
    let rendezvous = block.get("rendezvous").map(|n| read_rendezvous(ctx, n));
    let engine = block.get("engine").map(|n| read_engine(ctx, n));
    let labels = block
        .get("labels")
        .map(|n| read_labels(ctx, n))
        .unwrap_or_default();

    // Defaults and rules that join several sections.
    let node_count = nodes
        .as_ref()
        .map(|n| n.value as u32)
        .or(runtime.as_ref().and_then(|r| r.default_nodes))
        .unwrap_or(1);
    if let Some(name) = &name {
        check_job_name(ctx, name, node_count);
    }
    if let Some(nodes) = nodes
        .as_ref()
        .filter(|n| n.value > i128::from(MAX_NODES_PER_SUBNET))
    {
        ctx.push(
            Diagnostic::new(
                Code::LargeNodeCount,
                format!(
                    "{} nodes do not fit on a job network with Podman's default /24 subnet, which holds {MAX_NODES_PER_SUBNET} containers",
                    nodes.value
                ),
            )
            .with_span(nodes.span, "more nodes than one subnet holds")
            .with_help(format!(
                "use at most {MAX_NODES_PER_SUBNET} nodes, or an engine whose new networks get larger subnets"
            )),
        );
    }

    let procs_per_node = match &procs {
        Some(procs) => {
            let procs_value = procs.value as u32;
            if resources.gpus > 0 && procs_value > resources.gpus {
                ctx.push(
                    Diagnostic::new(
                        Code::ProcsExceedGpus,
                        format!(
                            "`procs-per-node` is {procs_value} but each node has only {} GPU{}",
                            resources.gpus,
                            if resources.gpus == 1 { "" } else { "s" }
                        ),
                    )
                    .with_span(procs.span, "more processes than GPUs")
                    .with_help("set `procs-per-node` to at most the `gpus` count, or leave it out to use one process per GPU"),
                );
            }
            procs_value
        }
        None if resources.gpus > 0 => resources.gpus,
        None => 1,
    };

    let final_image = match (&image, &runtime) {
        (Some(image), _) => {
            check_image_tag(ctx, &image.value, image.span, "the `image`");
            Some(image.value.clone())
        }
        (None, Some(runtime)) => {
            if runtime.source != "builtin" {
                let span = block.get("runtime").map_or(node.name.span, value_span);
                check_image_tag(
                    ctx,
                    &runtime.image,
                    span,
                    &format!("runtime `{}`'s image", runtime.name),
                );
            }
            Some(runtime.image.clone())
        }
        (None, None) => None,
    };

    if ctx.has_errors() {
        return None;
    }
    Some(Job {
        name: name?.value,
        description: description.map(|d| d.value),
        runtime: runtime?,
        image: final_image?,
        nodes: node_count,
        procs_per_node,
        trainer: trainer?,
        env,
        mounts,
        resources,
        rendezvous: rendezvous.unwrap_or(Rendezvous {
            port: 29500,
            master_addr: MasterAddrMode::Ip,
            max_restarts: 0,
        }),
        engine: engine.unwrap_or(EngineConfig {
            kind: EngineKind::Auto,
            host: None,
            pull_policy: PullPolicy::IfNotPresent,
            auto_remove: true,
        }),
        labels,
        spec_dir: spec_dir.to_path_buf(),
    })
}

/// Joins a spec-relative path to the spec folder, dropping `.` parts so
/// that messages show a clean absolute path.
fn resolve(spec_dir: &Path, relative: &str) -> PathBuf {
    spec_dir
        .join(relative)
        .components()
        .filter(|part| !matches!(part, Component::CurDir))
        .collect()
}

fn check_job_name(ctx: &mut Ctx, name: &Spanned<String>, nodes: u32) {
    if let Some(problem) = values::dns_label_problem(&name.value) {
        let help = match values::dns_label_suggestion(&name.value) {
            Some(fixed) => format!("use a DNS label such as `{fixed}`: lowercase letters, digits and `-`"),
            None => "use a DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit"
                .to_string(),
        };
        ctx.push(
            Diagnostic::new(
                Code::InvalidJobName,
                format!(
                    "job name `{}` is not a valid DNS label: {problem}",
                    name.value
                ),
            )
            .with_span(name.span, "invalid job name")
            .with_help(help),
        );
        return;
    }

    let longest = format!("{}-node-{}", name.value, nodes.saturating_sub(1));
    if longest.len() > MAX_NAME_LENGTH {
        let budget = MAX_NAME_LENGTH.saturating_sub(longest.len() - name.value.len());
        ctx.push(
            Diagnostic::new(
                Code::JobNameTooLong,
                format!(
                    "container name `{longest}` would be {} characters; the limit is {MAX_NAME_LENGTH}",
                    longest.len()
                ),
            )
            .with_span(name.span, "job name too long")
            .with_help(format!(
                "shorten the job name to at most {budget} characters for {nodes} node{}",
                if nodes == 1 { "" } else { "s" }
            )),
        );
    }
}

fn check_image_tag(ctx: &mut Ctx, image: &str, span: Span, subject: &str) {
    if let Some(reason) = values::mutable_image_reason(image) {
        ctx.push(
            Diagnostic::new(Code::MutableImageTag, format!("{subject} `{image}` may change over time: {reason}"))
                .with_span(span, "mutable image reference")
                .with_help("pin a version tag such as `:2.6-cpu`, or a digest `@sha256:…`, so that runs repeat"),
        );
    }
}

/// Loads the runtime sources and resolves the named runtime.
fn read_runtime(
    ctx: &mut Ctx,
    block: &super::reader::Block<'_>,
    spec_dir: &Path,
) -> Option<Runtime> {
    let mut known: BTreeMap<String, Runtime> = runtimes::builtin()
        .into_iter()
        .map(|r| (r.name.clone(), r))
        .collect();
    let mut from_files: BTreeMap<String, String> = BTreeMap::new();
    let mut sources_ok = true;

    for source_node in block.all("runtime-source") {
        let Some(source) = ctx.single_string(source_node) else {
            sources_ok = false;
            continue;
        };
        let path = resolve(spec_dir, &source.value);
        let loaded = if path.is_dir() {
            runtimes::read_dir(&path, &source.value)
        } else if path.is_file() {
            runtimes::read_file(&path, &source.value)
        } else {
            ctx.push(
                Diagnostic::new(
                    Code::RuntimeSourceNotFound,
                    format!("runtime source not found: {}", path.display()),
                )
                .with_span(source.span, "no such file or folder")
                .with_help(
                    "give a runtime YAML file or a folder of them, relative to the spec file",
                ),
            );
            sources_ok = false;
            continue;
        };
        match loaded {
            Ok(found) => {
                for runtime in found {
                    if let Some(previous) = from_files.get(&runtime.name) {
                        ctx.push(
                            Diagnostic::new(
                                Code::DuplicateRuntime,
                                format!(
                                    "runtime `{}` is defined in both `{previous}` and `{}`",
                                    runtime.name, runtime.source
                                ),
                            )
                            .with_span(source.span, "second definition")
                            .with_help("remove one of the definitions, or rename one runtime"),
                        );
                        continue;
                    }
                    // A runtime file may replace a built-in runtime of the same name.
                    from_files.insert(runtime.name.clone(), runtime.source.clone());
                    known.insert(runtime.name.clone(), runtime);
                }
            }
            Err(error) => {
                ctx.push(
                    Diagnostic::new(Code::InvalidRuntimeFile, format!("invalid runtime file: {error}"))
                        .with_span(source.span, "runtime source")
                        .with_help(
                            "a runtime is a Kubeflow ClusterTrainingRuntime or TrainingRuntime with metadata.name, \
                             the `trainer.kubeflow.org/framework` label and a `node` container image",
                        ),
                );
                sources_ok = false;
            }
        }
    }

    let Some(runtime_node) = block.get("runtime") else {
        return known.get(runtimes::DEFAULT_RUNTIME).cloned();
    };
    let name = ctx.single_string(runtime_node)?;
    if let Some(runtime) = known.get(&name.value) {
        return Some(runtime.clone());
    }
    // When a source failed to load, the runtime may be defined there; the
    // load error is the one to fix first.
    if sources_ok {
        let names: Vec<&str> = known.keys().map(String::as_str).collect();
        let help = match super::reader::suggest(&name.value, &names) {
            Some(close) => format!(
                "did you mean `{close}`? Known runtimes: {}",
                names.join(", ")
            ),
            None => format!(
                "known runtimes: {}; add a `runtime-source` for a runtime defined in a YAML file",
                names.join(", ")
            ),
        };
        ctx.push(
            Diagnostic::new(
                Code::UnknownRuntime,
                format!("unknown runtime `{}`", name.value),
            )
            .with_span(name.span, "unknown runtime")
            .with_help(help),
        );
    }
    None
}

fn read_trainer(ctx: &mut Ctx, node: &Node, spec_dir: &Path) -> Option<Trainer> {
    ctx.shape(node, 0, Some(0), &[], true);
    let block = ctx.block(
        node,
        &["args", "packages", "pip-index-url"],
        &["script", "inline", "command"],
    );

    let entry_nodes: Vec<&Node> = node
        .children
        .iter()
        .flatten()
        .filter(|c| matches!(c.name.value.as_str(), "script" | "inline" | "command"))
        .collect();
    for extra in entry_nodes.iter().skip(1) {
        ctx.push(
            Diagnostic::new(
                Code::TrainerEntryConflict,
                format!(
                    "the trainer already has `{}`; it takes exactly one of `script`, `inline` or `command`",
                    entry_nodes[0].name.value
                ),
            )
            .with_span(extra.name.span, "second entry point")
            .with_help("keep one of `script`, `inline` and `command`"),
        );
    }
    let entry = match entry_nodes.first() {
        Some(first) => read_entry(ctx, first, spec_dir),
        None => {
            ctx.push(
                Diagnostic::new(Code::TrainerEntryMissing, "the trainer has no `script`, `inline` or `command`")
                    .with_span(node.name.span, "nothing to run")
                    .with_help("add one of `script \"train.py\"`, `inline \"print('hi')\"` or `command \"python3\" \"-m\" \"pkg\"`"),
            );
            None
        }
    };

    let args = block
        .get("args")
        .map(|n| read_args(ctx, n))
        .unwrap_or_default();
    let packages = block
        .get("packages")
        .map(|n| ctx.strings(n).into_iter().map(|s| s.value).collect())
        .unwrap_or_default();
    let mut pip_index_urls = Vec::new();
    if let Some(urls) = block.get("pip-index-url") {
        for url in ctx.strings(urls) {
            if url.value.starts_with("http://") {
                ctx.push(
                    Diagnostic::new(
                        Code::InsecureIndexUrl,
                        format!("package index `{}` is plain HTTP", url.value),
                    )
                    .with_span(url.span, "unencrypted index")
                    .with_help("use an https:// index, so packages cannot be altered on the way"),
                );
            }
            pip_index_urls.push(url.value);
        }
    }

    Some(Trainer {
        entry: entry?,
        args,
        packages,
        pip_index_urls,
    })
}

fn read_entry(ctx: &mut Ctx, node: &Node, spec_dir: &Path) -> Option<TrainerEntry> {
    match node.name.value.as_str() {
        "script" => {
            let path = ctx.single_string(node)?;
            let resolved = resolve(spec_dir, &path.value);
            match std::fs::read(&resolved) {
                Ok(content) => Some(TrainerEntry::Script {
                    path: path.value,
                    content,
                }),
                Err(error) => {
                    ctx.push(
                        Diagnostic::new(
                            Code::ScriptNotFound,
                            format!("cannot read script {}: {error}", resolved.display()),
                        )
                        .with_span(path.span, "script path")
                        .with_help("give the script's path relative to the spec file's folder"),
                    );
                    None
                }
            }
        }
        "inline" => ctx
            .single_string(node)
            .map(|code| TrainerEntry::Inline { code: code.value }),
        _ => {
            let argv: Vec<String> = ctx.strings(node).into_iter().map(|s| s.value).collect();
            (!argv.is_empty()).then_some(TrainerEntry::Command { argv })
        }
    }
}

/// Script arguments: strings as they are, numbers as written.
fn read_args(ctx: &mut Ctx, node: &Node) -> Vec<String> {
    let entries = ctx.shape(node, 1, None, &[], false);
    let mut args = Vec::new();
    for entry in entries {
        match &entry.value.value {
            Value::String(s) => args.push(s.clone()),
            Value::Integer { text, .. } | Value::Float { text, .. } => args.push(text.clone()),
            _ => ctx.wrong_type(&entry.value, "each value of `args`", "a string or a number"),
        }
    }
    args
}

fn read_env(ctx: &mut Ctx, node: &Node) -> BTreeMap<String, EnvSource> {
    ctx.shape(node, 0, Some(0), &[], true);
    let mut env = BTreeMap::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();

    for var in node.children.iter().flatten() {
        let name = &var.name;
        let args = ctx.shape(var, 0, Some(1), &["from-host", "sensitive"], false);
        let literal = args
            .first()
            .and_then(|entry| ctx.string(entry, &format!("the value of `{}`", name.value)));
        let from_host = ctx.string_prop(var, "from-host");
        let sensitive = ctx.bool_prop(var, "sensitive").unwrap_or(false);

        let mut valid = true;
        if !values::is_env_name(&name.value) {
            ctx.push(
                Diagnostic::new(
                    Code::InvalidEnvName,
                    format!("invalid environment variable name `{}`", name.value),
                )
                .with_span(name.span, "invalid name")
                .with_help("use letters, digits and `_`, not starting with a digit"),
            );
            valid = false;
        } else if values::is_injected_env(&name.value) {
            let message = if name.value.starts_with("PET_") {
                format!(
                    "`{}` would be read by torchrun as one of its options",
                    name.value
                )
            } else if name.value.starts_with("TRAINC_") {
                format!(
                    "`{}` is set by trainc for its entrypoint (TRAINC_MASTER_TIMEOUT is the only TRAINC_* variable a spec may set)",
                    name.value
                )
            } else {
                format!(
                    "`{}` is set by trainc for torchrun and cannot be overridden",
                    name.value
                )
            };
            ctx.push(
                Diagnostic::new(Code::ReservedEnvName, message)
                    .with_span(name.span, "reserved name")
                    .with_help(format!(
                        "rename the variable; trainc sets {} and TRAINC_*, and torchrun reads every PET_* variable as an option",
                        values::INJECTED_ENV.join(", ")
                    )),
            );
            valid = false;
        }
        if !seen.insert(name.value.clone()) {
            ctx.push(
                Diagnostic::new(
                    Code::DuplicateEnv,
                    format!("environment variable `{}` is set twice", name.value),
                )
                .with_span(name.span, "set again here")
                .with_help("remove one of the two entries"),
            );
            valid = false;
        }
        if let Some(var_name) = &from_host {
            if !values::is_env_name(&var_name.value) {
                ctx.push(
                    Diagnostic::new(
                        Code::InvalidEnvName,
                        format!(
                            "invalid host variable name `{}` in `from-host`",
                            var_name.value
                        ),
                    )
                    .with_span(var_name.span, "invalid name")
                    .with_help("use letters, digits and `_`, not starting with a digit"),
                );
                valid = false;
            }
        }

        let source = match (literal, from_host) {
            (Some(value), None) => {
                if !sensitive && values::looks_secret(&name.value) {
                    ctx.push(
                        Diagnostic::new(
                            Code::SecretLikeEnv,
                            format!("`{}` looks like a credential but is written in the spec", name.value),
                        )
                        .with_span(value.span, "value in plain text")
                        .with_help(format!(
                            "read it from the host with `{} from-host=\"{}\" sensitive=#true`, or mark it `sensitive=#true`",
                            name.value, name.value
                        )),
                    );
                }
                Some(EnvSource::Literal {
                    value: value.value,
                    sensitive,
                })
            }
            (None, Some(var_name)) => Some(EnvSource::FromHost {
                var: var_name.value,
                sensitive,
            }),
            (Some(_), Some(var_name)) => {
                ctx.push(
                    Diagnostic::new(
                        Code::EnvValueConflict,
                        format!("`{}` has both a value and `from-host`", name.value),
                    )
                    .with_span(var_name.span, "second value source")
                    .with_help("keep either the literal value or `from-host`"),
                );
                None
            }
            (None, None) if !args.is_empty() || var.prop("from-host").is_some() => None,
            (None, None) if sensitive => {
                ctx.push(
                    Diagnostic::new(
                        Code::SensitiveWithoutSource,
                        format!("`{}` is marked sensitive without a value source", name.value),
                    )
                    .with_span(name.span, "no value")
                    .with_help(format!(
                        "add a value, or read it from the host: `{} from-host=\"VAR\" sensitive=#true`",
                        name.value
                    )),
                );
                None
            }
            (None, None) => {
                ctx.push(
                    Diagnostic::new(Code::MissingValue, format!("`{}` has no value", name.value))
                        .with_span(name.span, "no value")
                        .with_help(format!(
                            "write `{} \"value\"` or `{} from-host=\"VAR\"`",
                            name.value, name.value
                        )),
                );
                None
            }
        };
        if let (true, Some(source)) = (valid, source) {
            env.insert(name.value.clone(), source);
        }
    }
    env
}

fn read_mounts(ctx: &mut Ctx, block: &super::reader::Block<'_>, spec_dir: &Path) -> Vec<Mount> {
    let mut mounts = Vec::new();
    let mut targets: BTreeMap<String, Span> = BTreeMap::new();

    let mut mount_nodes: Vec<&Node> = block.all("mount").chain(block.all("volume")).collect();
    mount_nodes.sort_by_key(|n| n.span.offset);

    for node in mount_nodes {
        let is_bind = node.name.value == "mount";
        let args = ctx.shape(node, 2, Some(2), &["read-only"], false);
        let source = args.first().and_then(|entry| {
            let role = if is_bind {
                "the mount source"
            } else {
                "the volume name"
            };
            ctx.string(entry, role)
        });
        let target = args
            .get(1)
            .and_then(|entry| ctx.string(entry, "the mount target"));
        let read_only = ctx.bool_prop(node, "read-only").unwrap_or(false);

        let source_ok = match &source {
            Some(source) if is_bind => {
                let resolved = resolve(spec_dir, &source.value);
                let exists = resolved.exists();
                if !exists {
                    ctx.push(
                        Diagnostic::new(
                            Code::MountSourceNotFound,
                            format!("bind-mount source not found: {}", resolved.display()),
                        )
                        .with_span(source.span, "no such file or folder")
                        .with_help("create it, or give a path relative to the spec file's folder"),
                    );
                }
                exists
            }
            Some(source) => {
                let valid = values::is_volume_name(&source.value);
                if !valid {
                    ctx.push(
                        Diagnostic::new(Code::InvalidVolumeName, format!("invalid volume name `{}`", source.value))
                            .with_span(source.span, "invalid name")
                            .with_help("use letters, digits, `_`, `.` and `-`, starting with a letter or digit"),
                    );
                }
                valid
            }
            None => false,
        };
        let target_ok = target
            .as_ref()
            .is_some_and(|t| check_target(ctx, t, &mut targets));

        if let (true, true, Some(source), Some(target)) = (source_ok, target_ok, source, target) {
            mounts.push(if is_bind {
                Mount::Bind {
                    source: source.value,
                    target: target.value,
                    read_only,
                }
            } else {
                Mount::Volume {
                    name: source.value,
                    target: target.value,
                    read_only,
                }
            });
        }
    }
    mounts
}

/// Checks a mount target: absolute, not used by trainc, not used twice.
fn check_target(
    ctx: &mut Ctx,
    target: &Spanned<String>,
    seen: &mut BTreeMap<String, Span>,
) -> bool {
    if !target.value.starts_with('/') {
        ctx.push(
            Diagnostic::new(
                Code::MountTargetNotAbsolute,
                format!("mount target `{}` is not an absolute path", target.value),
            )
            .with_span(target.span, "relative path")
            .with_help(format!(
                "write the path inside the container from `/`, such as `/{}`",
                target.value.trim_start_matches("./")
            )),
        );
        return false;
    }

    let normalized = match target.value.trim_end_matches('/') {
        "" => "/".to_string(),
        trimmed => trimmed.to_string(),
    };
    // The workspace may hold nested mounts, but not be replaced; the files
    // folder receives trainc's uploads, which a mount there would swallow.
    let taken_by_trainc = if normalized == WORKSPACE_TARGET {
        Some(WORKSPACE_TARGET)
    } else if normalized == FILES_DIR || normalized.starts_with(&format!("{FILES_DIR}/")) {
        Some(FILES_DIR)
    } else {
        None
    };
    if let Some(reserved) = taken_by_trainc {
        ctx.push(
            Diagnostic::new(
                Code::DuplicateMountTarget,
                format!("mount target `{}` is used by trainc itself", target.value),
            )
            .with_span(target.span, format!("`{reserved}` is taken by trainc"))
            .with_help(format!(
                "choose another target; trainc mounts the job workspace at `{WORKSPACE_TARGET}` and places its files in `{FILES_DIR}`"
            )),
        );
        return false;
    }
    if seen.contains_key(&normalized) {
        ctx.push(
            Diagnostic::new(
                Code::DuplicateMountTarget,
                format!("mount target `{}` is used twice", target.value),
            )
            .with_span(target.span, "used again here")
            .with_help("give each mount and volume its own target"),
        );
        return false;
    }
    seen.insert(normalized, target.span);
    true
}

fn read_resources(ctx: &mut Ctx, node: &Node) -> Resources {
    ctx.shape(node, 0, Some(0), &[], true);
    let block = ctx.block(node, &["cpus", "memory", "gpus", "shm-size"], &[]);
    let mut resources = Resources::default();

    if let Some(cpus) = block.get("cpus") {
        let args = ctx.shape(cpus, 1, Some(1), &[], false);
        if let Some(entry) = args.first() {
            match &entry.value.value {
                Value::Integer { text, .. } | Value::Float { text, .. } => match values::parse_millicpus(text) {
                    Ok(millis) => resources.millicpus = Some(millis),
                    Err(problem) => ctx.push(
                        Diagnostic::new(Code::InvalidCpus, format!("invalid `cpus` value `{text}`: {problem}"))
                            .with_span(entry.value.span, "invalid CPU count")
                            .with_help("write a number of CPUs above 0 with at most 3 decimals, such as `2` or `0.5`"),
                    ),
                },
                _ => ctx.wrong_type(&entry.value, "`cpus`", "a number such as `2` or `0.5`"),
            }
        }
    }

    resources.memory_bytes = block.get("memory").and_then(|n| read_size(ctx, n));
    resources.shm_size_bytes = block.get("shm-size").and_then(|n| read_size(ctx, n));
    if let Some(gpus) = block
        .get("gpus")
        .and_then(|n| ctx.single_integer(n))
        .and_then(|v| ctx.ranged(v, 0, i128::from(u32::MAX), Code::InvalidCount, "`gpus`"))
    {
        resources.gpus = gpus.value as u32;
    }
    resources
}

fn read_size(ctx: &mut Ctx, node: &Node) -> Option<u64> {
    let text = ctx.single_string(node)?;
    match values::parse_size(&text.value) {
        Ok(bytes) => Some(bytes),
        Err(problem) => {
            let units: Vec<&str> = values::SIZE_UNITS.iter().map(|(unit, _)| *unit).collect();
            ctx.push(
                Diagnostic::new(
                    Code::InvalidSize,
                    format!(
                        "invalid size `{}` for `{}`: {problem}",
                        text.value, node.name.value
                    ),
                )
                .with_span(text.span, "invalid size")
                .with_help(format!(
                    "write a number and a unit, such as \"4GiB\"; units: {}",
                    units.join(", ")
                )),
            );
            None
        }
    }
}

fn read_rendezvous(ctx: &mut Ctx, node: &Node) -> Rendezvous {
    ctx.shape(node, 0, Some(0), &[], true);
    let block = ctx.block(node, &["port", "master-addr", "max-restarts"], &[]);
    let mut rendezvous = Rendezvous {
        port: 29500,
        master_addr: MasterAddrMode::Ip,
        max_restarts: 0,
    };

    if let Some(port) = block
        .get("port")
        .and_then(|n| ctx.single_integer(n))
        .and_then(|v| ctx.ranged(v, 1, 65535, Code::InvalidPort, "`port`"))
    {
        rendezvous.port = port.value as u16;
    }
    if let Some(mode) = block.get("master-addr").and_then(|n| ctx.single_string(n)) {
        match mode.value.as_str() {
            "ip" => rendezvous.master_addr = MasterAddrMode::Ip,
            "dns" => rendezvous.master_addr = MasterAddrMode::Dns,
            _ => ctx.not_one_of(
                Code::InvalidMasterAddr,
                &mode,
                "master-addr mode",
                &["ip", "dns"],
            ),
        }
    }
    if let Some(restarts) = block
        .get("max-restarts")
        .and_then(|n| ctx.single_integer(n))
        .and_then(|v| {
            ctx.ranged(
                v,
                0,
                i128::from(u32::MAX),
                Code::InvalidCount,
                "`max-restarts`",
            )
        })
    {
        rendezvous.max_restarts = restarts.value as u32;
    }
    rendezvous
}

fn read_engine(ctx: &mut Ctx, node: &Node) -> EngineConfig {
    let args = ctx.shape(node, 0, Some(1), &[], true);
    let mut engine = EngineConfig {
        kind: EngineKind::Auto,
        host: None,
        pull_policy: PullPolicy::IfNotPresent,
        auto_remove: true,
    };

    if let Some(kind) = args
        .first()
        .and_then(|entry| ctx.string(entry, "the engine kind"))
    {
        match kind.value.as_str() {
            "podman" => engine.kind = EngineKind::Podman,
            "docker" => engine.kind = EngineKind::Docker,
            "auto" => engine.kind = EngineKind::Auto,
            _ => ctx.not_one_of(
                Code::InvalidEngineKind,
                &kind,
                "engine kind",
                &["podman", "docker", "auto"],
            ),
        }
    }

    let block = ctx.block(node, &["host", "pull-policy", "auto-remove"], &[]);
    if let Some(host) = block.get("host").and_then(|n| ctx.single_string(n)) {
        // NOTE: the executor speaks to engines over Unix sockets only, so
        // tcp:// and ssh:// hosts are rejected here rather than at apply.
        if host.value.starts_with("unix://") && host.value.len() > "unix://".len() {
            engine.host = Some(host.value);
        } else {
            ctx.push(
                Diagnostic::new(Code::InvalidEngineHost, format!("invalid engine host `{}`", host.value))
                    .with_span(host.span, "not a unix:// socket URL")
                    .with_help("write a Unix socket URL such as `unix:///run/podman/podman.sock`; trainc does not connect over TCP or SSH"),
            );
        }
    }
    if let Some(policy) = block.get("pull-policy").and_then(|n| ctx.single_string(n)) {
        match PullPolicy::parse(&policy.value) {
            Some(parsed) => engine.pull_policy = parsed,
            None => ctx.not_one_of(
                Code::InvalidPullPolicy,
                &policy,
                "pull policy",
                &PullPolicy::ALL,
            ),
        }
    }
    if let Some(auto_remove) = block.get("auto-remove").and_then(|n| ctx.single_bool(n)) {
        engine.auto_remove = auto_remove;
    }
    engine
}

fn read_labels(ctx: &mut Ctx, node: &Node) -> BTreeMap<String, String> {
    ctx.shape(node, 0, Some(0), &[], true);
    let mut labels = BTreeMap::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();

    for label in node.children.iter().flatten() {
        let key = &label.name;
        let value = ctx.single_string(label);

        let reserved = values::RESERVED_LABEL_PREFIXES
            .iter()
            .find(|prefix| key.value.starts_with(**prefix));
        if let Some(prefix) = reserved {
            ctx.push(
                Diagnostic::new(
                    Code::ReservedLabelKey,
                    format!(
                        "label `{}` uses the prefix `{prefix}`, which trainc sets itself",
                        key.value
                    ),
                )
                .with_span(key.span, "reserved prefix")
                .with_help(format!(
                    "use a key without the prefixes {}",
                    values::RESERVED_LABEL_PREFIXES.join(", ")
                )),
            );
            continue;
        }
        if let Some(problem) = values::label_key_problem(&key.value) {
            ctx.push(
                Diagnostic::new(
                    Code::InvalidLabelKey,
                    format!("invalid label key `{}`: {problem}", key.value),
                )
                .with_span(key.span, "invalid key")
                .with_help("use a key such as `team` or `example.com/team`"),
            );
            continue;
        }
        if !seen.insert(key.value.clone()) {
            ctx.push(
                Diagnostic::new(
                    Code::DuplicateLabel,
                    format!("label `{}` is set twice", key.value),
                )
                .with_span(key.span, "set again here")
                .with_help("remove one of the two entries"),
            );
            continue;
        }
        if let Some(value) = value {
            labels.insert(key.value.clone(), value.value);
        }
    }
    labels
}
