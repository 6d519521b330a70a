//! Validation: the spanned model to a [`Job`], or diagnostics. Every check
//! runs, so one run reports every problem in the spec.

use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic, Report};
use crate::job::Job;
use crate::model::Document;
use crate::syntax;

mod job;
mod reader;
mod values;

use reader::Ctx;

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
        Ok(document) => check_document(&document, &spec_dir(path)),
        Err(diagnostics) => (None, diagnostics),
    };
    Checked {
        job,
        report: Report::new(file, source, diagnostics),
    }
}

/// Checks a parsed spec: exactly one `job` node, then its contents.
fn check_document(document: &Document, spec_dir: &Path) -> (Option<Job>, Vec<Diagnostic>) {
    let mut ctx = Ctx::default();
    let mut jobs = Vec::new();
    for node in &document.nodes {
        if node.name.value == "job" {
            jobs.push(node);
        } else {
            ctx.unknown_node(node, "at the top level", &["job"]);
        }
    }

    for extra in jobs.iter().skip(1) {
        ctx.push(
            Diagnostic::new(Code::MultipleJobs, "a spec file holds exactly one `job`")
                .with_span(extra.name.span, "second job")
                .with_help("move each job into a file of its own"),
        );
    }
    let job = match jobs.first() {
        Some(first) => job::read_job(&mut ctx, first, spec_dir),
        None => {
            ctx.push(
                Diagnostic::new(Code::NoJob, "the spec file has no `job` node")
                    .with_help("write `job \"name\" { trainer { script \"train.py\" } }`"),
            );
            None
        }
    };

    let job = if ctx.has_errors() { None } else { job };
    (job, ctx.diagnostics)
}

/// Returns the absolute folder of the spec file.
fn spec_dir(path: &Path) -> PathBuf {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::path::absolute(&parent).unwrap_or(parent)
}

#[cfg(test)]
mod tests;
