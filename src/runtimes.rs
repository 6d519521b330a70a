//! Training runtimes: the built-in `torch-distributed`, and Kubeflow
//! `ClusterTrainingRuntime` / `TrainingRuntime` YAML files read from disk.

use std::path::Path;

use serde::Deserialize;

use crate::job::Runtime;

/// The runtime a spec uses when it names none, as in the Kubeflow SDK.
pub const DEFAULT_RUNTIME: &str = "torch-distributed";

/// The image of the built-in runtime, which `scripts/build-images.sh` builds
/// locally rather than pulling it from a registry.
pub const DEFAULT_IMAGE: &str = "localhost/trainc/torch:2.6-cpu";

/// Label that names a runtime's framework, such as `torch`.
const FRAMEWORK_LABEL: &str = "trainer.kubeflow.org/framework";

/// The replicated job and container that carry a runtime's node image.
const NODE_NAME: &str = "node";

/// Returns the runtimes available without any runtime file.
pub fn builtin() -> Vec<Runtime> {
    vec![Runtime {
        name: DEFAULT_RUNTIME.to_string(),
        framework: "torch".to_string(),
        image: DEFAULT_IMAGE.to_string(),
        default_nodes: None,
        source: "builtin".to_string(),
    }]
}

/// Reads the runtimes in one YAML file, which may hold several documents.
/// `source` is how the file is named in the job (relative to the spec
/// folder). An error names the failing document and the reason.
pub fn read_file(path: &Path, source: &str) -> Result<Vec<Runtime>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_yaml(&text, source)
}

/// Reads the runtimes in a folder's `*.yaml` and `*.yml` files, in file
/// name order. `source` is the folder as named in the spec.
pub fn read_dir(path: &Path, source: &str) -> Result<Vec<Runtime>, String> {
    let entries = std::fs::read_dir(path)
        .map_err(|e| format!("cannot read folder {}: {e}", path.display()))?;
    let mut files: Vec<String> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read folder {}: {e}", path.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_yaml = name.ends_with(".yaml") || name.ends_with(".yml");
        if is_yaml && entry.path().is_file() {
            files.push(name);
        }
    }
    files.sort();

    let mut runtimes = Vec::new();
    for name in files {
        let file_source = format!("{}/{name}", source.trim_end_matches('/'));
        let found = read_file(&path.join(&name), &file_source)
            .map_err(|e| format!("{file_source}: {e}"))?;
        runtimes.extend(found);
    }
    Ok(runtimes)
}

/// Parses runtime YAML text. Documents of other kinds are skipped, so a
/// folder may hold unrelated manifests; empty documents are skipped too.
pub fn parse_yaml(text: &str, source: &str) -> Result<Vec<Runtime>, String> {
    let mut runtimes = Vec::new();
    for (index, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = serde_yaml::Value::deserialize(document)
            .map_err(|e| format!("document {}: {e}", index + 1))?;
        if value.is_null() {
            continue;
        }
        let manifest: Manifest =
            serde_yaml::from_value(value).map_err(|e| format!("document {}: {e}", index + 1))?;
        if manifest.kind != "ClusterTrainingRuntime" && manifest.kind != "TrainingRuntime" {
            continue;
        }
        let runtime = manifest
            .into_runtime(source)
            .map_err(|e| format!("document {}: {e}", index + 1))?;
        runtimes.push(runtime);
    }
    Ok(runtimes)
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    spec: Option<RuntimeSpec>,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    labels: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuntimeSpec {
    #[serde(default)]
    ml_policy: Option<MlPolicy>,
    template: Option<JobSetTemplate>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MlPolicy {
    num_nodes: Option<i64>,
}

#[derive(Deserialize)]
struct JobSetTemplate {
    spec: JobSetSpec,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobSetSpec {
    #[serde(default)]
    replicated_jobs: Vec<ReplicatedJob>,
}

#[derive(Deserialize)]
struct ReplicatedJob {
    name: String,
    template: JobTemplate,
}

#[derive(Deserialize)]
struct JobTemplate {
    spec: JobSpec,
}

#[derive(Deserialize)]
struct JobSpec {
    template: PodTemplate,
}

#[derive(Deserialize)]
struct PodTemplate {
    spec: PodSpec,
}

#[derive(Deserialize)]
struct PodSpec {
    #[serde(default)]
    containers: Vec<Container>,
}

#[derive(Deserialize)]
struct Container {
    name: String,
    image: Option<String>,
}

impl Manifest {
    fn into_runtime(self, source: &str) -> Result<Runtime, String> {
        let kind = self.kind;
        let name = self
            .metadata
            .name
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("{kind} has no metadata.name"))?;
        let framework = self
            .metadata
            .labels
            .get(FRAMEWORK_LABEL)
            .cloned()
            .ok_or_else(|| format!("{kind} `{name}` has no `{FRAMEWORK_LABEL}` label"))?;
        let spec = self
            .spec
            .ok_or_else(|| format!("{kind} `{name}` has no spec"))?;

        let default_nodes = match spec.ml_policy.and_then(|p| p.num_nodes) {
            None => None,
            Some(n) if n >= 1 && n <= i64::from(u32::MAX) => Some(n as u32),
            Some(n) => {
                return Err(format!(
                    "{kind} `{name}` has mlPolicy.numNodes {n}, expected at least 1"
                ))
            }
        };

        let image = spec
            .template
            .into_iter()
            .flat_map(|t| t.spec.replicated_jobs)
            .filter(|job| job.name == NODE_NAME)
            .flat_map(|job| job.template.spec.template.spec.containers)
            .find(|container| container.name == NODE_NAME)
            .and_then(|container| container.image)
            .filter(|image| !image.is_empty())
            .ok_or_else(|| {
                format!(
                    "{kind} `{name}` has no image for container `{NODE_NAME}` in replicated job `{NODE_NAME}` \
                     (spec.template.spec.replicatedJobs[].template.spec.template.spec.containers[])"
                )
            })?;

        Ok(Runtime {
            name,
            framework,
            image,
            default_nodes,
            source: source.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNTIME: &str = r#"
apiVersion: trainer.kubeflow.org/v1alpha1
kind: ClusterTrainingRuntime
metadata:
  name: torch-big
  labels:
    trainer.kubeflow.org/framework: torch
spec:
  mlPolicy:
    numNodes: 3
    torch:
      numProcPerNode: auto
  template:
    spec:
      replicatedJobs:
        - name: dataset-initializer
          template:
            spec:
              template:
                spec:
                  containers:
                    - name: node
                      image: wrong/image
        - name: node
          template:
            spec:
              template:
                spec:
                  containers:
                    - name: sidecar
                      image: wrong/sidecar
                    - name: node
                      image: localhost/trainc/torch:big
"#;

    #[test]
    fn reads_node_image_and_num_nodes() {
        let runtimes = parse_yaml(RUNTIME, "runtimes/big.yaml").unwrap();
        assert_eq!(
            runtimes,
            vec![Runtime {
                name: "torch-big".into(),
                framework: "torch".into(),
                image: "localhost/trainc/torch:big".into(),
                default_nodes: Some(3),
                source: "runtimes/big.yaml".into(),
            }]
        );
    }

    #[test]
    fn skips_other_kinds_and_empty_documents() {
        let text = format!("---\nkind: ConfigMap\nmetadata:\n  name: x\n---\n{RUNTIME}---\n");
        let runtimes = parse_yaml(&text, "r.yaml").unwrap();
        assert_eq!(runtimes.len(), 1);
    }

    #[test]
    fn rejects_runtime_without_framework_label() {
        let text = RUNTIME.replace("trainer.kubeflow.org/framework: torch", "other: x");
        let error = parse_yaml(&text, "r.yaml").unwrap_err();
        assert!(error.contains("trainer.kubeflow.org/framework"), "{error}");
    }
}
