//! Diagnostics: every problem found in a spec, as data. Each [`Diagnostic`]
//! carries a [`Code`], a message, an optional span with its label, and a
//! help line. A [`Report`] owns the source text and renders its diagnostics
//! through miette or as a versioned JSON document.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use serde_json::{json, Value};

/// Version of the JSON document made by [`Report::to_json`].
pub const DIAGNOSTICS_FORMAT: &str = "trainc.diagnostics/v1";

/// Width of the graphical rendering, fixed so that output and snapshots do
/// not depend on the terminal.
const RENDER_WIDTH: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

/// A byte range in the spec text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub offset: usize,
    pub length: usize,
}

impl Span {
    pub fn new(offset: usize, length: usize) -> Self {
        Self { offset, length }
    }

    pub fn end(self) -> usize {
        self.offset + self.length
    }
}

impl From<SourceSpan> for Span {
    fn from(span: SourceSpan) -> Self {
        Self::new(span.offset(), span.len())
    }
}

impl From<Span> for SourceSpan {
    fn from(span: Span) -> Self {
        SourceSpan::new(span.offset.into(), span.length)
    }
}

macro_rules! codes {
    ($($variant:ident => $text:literal, $severity:ident;)*) => {
        /// The kind of a diagnostic. Each code is unique and stable: tools
        /// match on the text from [`Code::as_str`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// Returns the code's text, such as `trainc::unknown-node`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => concat!("trainc::", $text),)*
                }
            }

            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }
        }
    };
}

codes! {
    ReadFailed => "read-failed", Error;
    KdlSyntax => "kdl-syntax", Error;
    KdlV1Keyword => "kdl-v1-keyword", Error;
    NoJob => "no-job", Error;
    MultipleJobs => "multiple-jobs", Error;
    UnknownNode => "unknown-node", Error;
    UnknownProperty => "unknown-property", Error;
    DuplicateNode => "duplicate-node", Error;
    UnexpectedChildren => "unexpected-children", Error;
    MissingNode => "missing-node", Error;
    MissingValue => "missing-value", Error;
    TooManyValues => "too-many-values", Error;
    WrongType => "wrong-type", Error;
    TypeAnnotation => "type-annotation", Error;
    InvalidJobName => "invalid-job-name", Error;
    JobNameTooLong => "job-name-too-long", Error;
    InvalidCount => "invalid-count", Error;
    InvalidCpus => "invalid-cpus", Error;
    InvalidSize => "invalid-size", Error;
    InvalidPort => "invalid-port", Error;
    ProcsExceedGpus => "procs-exceed-gpus", Error;
    TrainerEntryMissing => "trainer-entry-missing", Error;
    TrainerEntryConflict => "trainer-entry-conflict", Error;
    ScriptNotFound => "script-not-found", Error;
    InvalidEnvName => "invalid-env-name", Error;
    ReservedEnvName => "reserved-env-name", Error;
    DuplicateEnv => "duplicate-env", Error;
    EnvValueConflict => "env-value-conflict", Error;
    SensitiveWithoutSource => "sensitive-without-source", Error;
    MountSourceNotFound => "mount-source-not-found", Error;
    MountTargetNotAbsolute => "mount-target-not-absolute", Error;
    DuplicateMountTarget => "duplicate-mount-target", Error;
    InvalidVolumeName => "invalid-volume-name", Error;
    InvalidLabelKey => "invalid-label-key", Error;
    ReservedLabelKey => "reserved-label-key", Error;
    DuplicateLabel => "duplicate-label", Error;
    UnknownRuntime => "unknown-runtime", Error;
    RuntimeSourceNotFound => "runtime-source-not-found", Error;
    InvalidRuntimeFile => "invalid-runtime-file", Error;
    DuplicateRuntime => "duplicate-runtime", Error;
    InvalidPullPolicy => "invalid-pull-policy", Error;
    InvalidEngineKind => "invalid-engine-kind", Error;
    InvalidMasterAddr => "invalid-master-addr", Error;
    InvalidEngineHost => "invalid-engine-host", Error;
    MutableImageTag => "mutable-image-tag", Warning;
    InsecureIndexUrl => "insecure-index-url", Warning;
    SecretLikeEnv => "secret-like-env", Warning;
    LargeNodeCount => "large-node-count", Warning;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Byte range in the spec text; `None` for problems with the file as a
    /// whole, such as a read failure.
    pub span: Option<Span>,
    /// Text shown under the span.
    pub label: Option<String>,
    /// The fix to suggest.
    pub help: Option<String>,
}

impl Diagnostic {
    /// Starts a diagnostic with the code's usual severity and no span.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            message: message.into(),
            span: None,
            label: None,
            help: None,
        }
    }

    pub fn with_span(mut self, span: Span, label: impl Into<String>) -> Self {
        self.span = Some(span);
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Every diagnostic for one spec file, with the text they point into.
#[derive(Debug, Clone)]
pub struct Report {
    source: String,
    file: String,
    diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Builds a report; diagnostics are sorted by position, then code, so
    /// the output does not depend on the order the checks ran in.
    pub fn new(
        file: impl Into<String>,
        source: impl Into<String>,
        mut diagnostics: Vec<Diagnostic>,
    ) -> Self {
        diagnostics.sort_by(|a, b| {
            let key_a = (a.span.map(|s| (s.offset, s.length)), a.code);
            let key_b = (b.span.map(|s| (s.offset, s.length)), b.code);
            key_a.cmp(&key_b).then_with(|| a.message.cmp(&b.message))
        });
        Self {
            source: source.into(),
            file: file.into(),
            diagnostics,
        }
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    pub fn is_empty(&self) -> bool {
        self.diagnostics.is_empty()
    }

    pub fn error_count(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warning_count(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Renders every diagnostic with miette's graphical handler, separated by
    /// blank lines, and no summary, which [`Report::summary`] gives.
    /// `color` false gives plain text, for tests and pipes.
    pub fn render_graphical(&self, color: bool) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(RENDER_WIDTH)
            .with_links(false);
        let source = NamedSource::new(&self.file, self.source.clone());

        let mut out = String::new();
        for diagnostic in &self.diagnostics {
            if !out.is_empty() {
                out.push('\n');
            }
            let rendered = Rendered {
                diagnostic,
                source: &source,
            };
            if handler.render_report(&mut out, &rendered).is_err() {
                // Rendering into a String only fails on a broken Display
                // impl; fall back to the plain message rather than lose it.
                out.push_str(&format!("{}: {}\n", diagnostic.code, diagnostic.message));
            }
        }
        out
    }

    /// Formats a line such as `job.kdl: 2 errors, 1 warning`.
    pub fn summary(&self) -> String {
        fn plural(count: usize, word: &str) -> String {
            if count == 1 {
                format!("1 {word}")
            } else {
                format!("{count} {word}s")
            }
        }
        format!(
            "{}: {}, {}",
            self.file,
            plural(self.error_count(), "error"),
            plural(self.warning_count(), "warning")
        )
    }

    /// Builds the versioned JSON document described by
    /// `schemas/diagnostics.schema.json`. Lines and columns count from 1;
    /// columns count characters, offsets and lengths count bytes.
    pub fn to_json(&self) -> Value {
        let diagnostics: Vec<Value> = self
            .diagnostics
            .iter()
            .map(|d| {
                let (line, column) = match d.span {
                    Some(span) => {
                        let (line, column) = self.line_column(span.offset);
                        (json!(line), json!(column))
                    }
                    None => (Value::Null, Value::Null),
                };
                json!({
                    "severity": d.severity.as_str(),
                    "code": d.code.as_str(),
                    "message": d.message,
                    "help": d.help,
                    "line": line,
                    "column": column,
                    "offset": d.span.map(|s| s.offset),
                    "length": d.span.map(|s| s.length),
                    "label": d.label,
                })
            })
            .collect();
        json!({
            "format": DIAGNOSTICS_FORMAT,
            "file": self.file,
            "diagnostics": diagnostics,
            "errors": self.error_count(),
            "warnings": self.warning_count(),
        })
    }

    /// Converts a byte offset to a 1-based line and character column.
    fn line_column(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.source.len());
        while !self.source.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.source[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }
}

/// Adapter that lets miette draw one diagnostic against the report's source.
struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a NamedSource<String>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.diagnostic
            .span
            .map(|_| self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.diagnostic.span?;
        let label = LabeledSpan::new_with_span(self.diagnostic.label.clone(), span);
        Some(Box::new(std::iter::once(label)))
    }
}
