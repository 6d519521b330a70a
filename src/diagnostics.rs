//! Diagnostics: the problems validation finds in a spec.
//!
//! NOTE: a stub that only carries the API the `plan` branch calls; the
//! `compiler` branch owns this file and replaces it in full.

/// Every problem found in one spec.
#[derive(Debug, Default)]
pub struct Report {
    errors: usize,
    warnings: usize,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    pub fn is_empty(&self) -> bool {
        self.errors == 0 && self.warnings == 0
    }

    pub fn error_count(&self) -> usize {
        self.errors
    }

    pub fn warning_count(&self) -> usize {
        self.warnings
    }

    pub fn render_graphical(&self, _color: bool) -> String {
        String::new()
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "errors": self.errors, "warnings": self.warnings })
    }
}
