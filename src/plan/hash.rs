//! The plan hash: `sha256:` and the hex digest of the plan's canonical JSON.
//!
//! The digest covers `PLAN_FORMAT`, a newline, then the compact JSON of the
//! plan with an empty `hash` and without any `trainc/plan-hash` label, so
//! the hash can be stored inside the plan it describes. Field order comes
//! from the struct definitions and map order from `BTreeMap`, which makes
//! the JSON canonical for a given trainc version.
//!
//! NOTE: secret values serialize redacted, so they are outside the hash: a
//! change to a secret alone keeps the plan hash. Hashing them would let
//! anyone holding the plan test guesses of the secret against it.

use sha2::{Digest, Sha256};

use super::labels;
use super::types::{Plan, PLAN_FORMAT};

/// Formats a SHA-256 digest as `sha256:<hex>`.
pub(crate) fn sha256_text(bytes: &[u8]) -> String {
    format_digest(&Sha256::digest(bytes))
}

fn format_digest(digest: &[u8]) -> String {
    use std::fmt::Write;

    let mut text = String::with_capacity(7 + digest.len() * 2);
    text.push_str("sha256:");
    for byte in digest {
        // Writing to a String cannot fail.
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// Hashes a plan whose `hash` is empty and which has no plan-hash labels.
pub(crate) fn hash_unsealed(plan: &Plan) -> String {
    debug_assert!(plan.hash.is_empty(), "the plan is already sealed");

    let mut hasher = Sha256::new();
    hasher.update(PLAN_FORMAT.as_bytes());
    hasher.update(b"\n");
    // Streaming into the hasher avoids holding the whole JSON, which is
    // megabytes for a thousand nodes.
    serde_json::to_writer(&mut hasher, plan).expect("a plan always serializes to JSON");
    format_digest(&hasher.finalize())
}

impl Plan {
    /// Recomputes the hash from the plan's content and returns whether it
    /// matches `hash` and every `trainc/plan-hash` label.
    pub fn verify_hash(&self) -> bool {
        let mut unsealed = self.clone();
        unsealed.hash.clear();
        unsealed.network.labels.remove(labels::PLAN_HASH);
        for container in &mut unsealed.containers {
            container.labels.remove(labels::PLAN_HASH);
        }
        let expected = hash_unsealed(&unsealed);

        let label_matches = |value: Option<&super::Value>| matches!(value, Some(super::Value::Literal(text)) if *text == expected);
        self.hash == expected
            && label_matches(self.network.labels.get(labels::PLAN_HASH))
            && self
                .containers
                .iter()
                .all(|container| label_matches(container.labels.get(labels::PLAN_HASH)))
    }
}
