//! Validation: spec text to a [`Job`](crate::job::Job), or diagnostics.
//!
//! NOTE: a stub that only carries the API the `plan` branch calls; the
//! `compiler` branch owns this module and replaces it in full.

use std::path::Path;

use crate::diagnostics::Report;

pub struct Checked {
    /// Some when there are no errors (warnings allowed).
    pub job: Option<crate::job::Job>,
    pub report: Report,
}

pub fn check_file(path: &Path) -> Checked {
    check_source(path, "")
}

pub fn check_source(_path: &Path, _source: &str) -> Checked {
    todo!("validation lands with the compiler branch")
}
