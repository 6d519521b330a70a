//! Validation: the spanned model to a [`Job`], or diagnostics. Every check
//! runs, so one run reports every problem in the spec.

use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic, Report};
use crate::job::Job;
use crate::syntax;

/// The outcome of checking a spec.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Some when there are no errors (warnings allowed).
    pub job: Option<Job>,
    pub report: Report,
}

/// Reads the spec file (I/O errors become diagnostics too) and checks it.
pub fn check_file(path: &Path) -> Checked {
    match std::fs::read_to_string(path) {
        Ok(source) => check_source(path, &source),
        Err(error) => {
            let diagnostic = Diagnostic::new(
                Code::ReadFailed,
                format!("cannot read spec file {}: {error}", path.display()),
            )
            .with_help("check that the path is right and the file is readable UTF-8 text");
            Checked {
                job: None,
                report: Report::new(path.display().to_string(), String::new(), vec![diagnostic]),
            }
        }
    }
}

/// Checks spec text as if read from `path` (relative paths in the spec
/// resolve against path's folder). Never panics on any input.
pub fn check_source(path: &Path, source: &str) -> Checked {
    let file = path.display().to_string();
    let (job, diagnostics) = match syntax::parse(source) {
        Ok(document) => {
            let _spec_dir = spec_dir(path);
            let _ = document;
            // TODO: semantic checks land in the next commit.
            (None, Vec::new())
        }
        Err(diagnostics) => (None, diagnostics),
    };
    Checked {
        job,
        report: Report::new(file, source, diagnostics),
    }
}

/// The absolute folder of the spec file.
fn spec_dir(path: &Path) -> PathBuf {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::path::absolute(&parent).unwrap_or(parent)
}
