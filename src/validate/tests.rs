//! Spans pinned for a few diagnostics: each label must cover exactly the
//! text the problem is about.

use std::path::Path;

use super::check_source;
use crate::diagnostics::{Code, Diagnostic};

fn diagnostics(source: &str) -> Vec<Diagnostic> {
    check_source(Path::new("job.kdl"), source)
        .report
        .diagnostics()
        .to_vec()
}

/// Returns the text under the only diagnostic with `code`.
fn spanned_text(source: &str, code: Code) -> &str {
    let found: Vec<Diagnostic> = diagnostics(source)
        .into_iter()
        .filter(|d| d.code == code)
        .collect();
    assert_eq!(found.len(), 1, "expected one {code}, got {found:?}");
    let span = found[0].span.expect("the diagnostic has a span");
    &source[span.offset..span.end()]
}

const TRAINER: &str = "trainer { inline \"x\" }";

#[test]
fn unknown_node_spans_its_name() {
    let source = format!("job \"a\" {{\n    nodse 2\n    {TRAINER}\n}}\n");
    assert_eq!(spanned_text(&source, Code::UnknownNode), "nodse");
    let diagnostic = &diagnostics(&source)[0];
    assert_eq!(diagnostic.span.unwrap().offset, 14);
    assert_eq!(diagnostic.help.as_deref(), Some("did you mean `nodes`?"));
}

#[test]
fn unknown_property_spans_its_key() {
    let source =
        format!("job \"a\" {{\n    {TRAINER}\n    volume \"v\" \"/v\" readonly=#true\n}}\n");
    assert_eq!(spanned_text(&source, Code::UnknownProperty), "readonly");
}

#[test]
fn invalid_size_spans_the_quoted_value() {
    let source =
        format!("job \"a\" {{\n    {TRAINER}\n    resources {{ memory \"4 gigs\" }}\n}}\n");
    assert_eq!(spanned_text(&source, Code::InvalidSize), "\"4 gigs\"");
}

#[test]
fn kdl1_boolean_spans_the_keyword() {
    let source = "job \"a\" {\n    engine { auto-remove false }\n}\n";
    assert_eq!(spanned_text(source, Code::KdlV1Keyword), "false");
}

#[test]
fn property_value_span_excludes_the_key() {
    let source = format!(
        "job \"a\" {{\n    {TRAINER}\n    env {{\n        A \"1\" from-host=\"B\"\n    }}\n}}\n"
    );
    assert_eq!(spanned_text(&source, Code::EnvValueConflict), "\"B\"");
}

#[test]
fn spans_count_bytes_and_columns_count_characters() {
    let source = format!("job \"a\" {{\n    description \"café\"; nodes 0\n    {TRAINER}\n}}\n");
    assert_eq!(spanned_text(&source, Code::InvalidCount), "0");

    let checked = check_source(Path::new("job.kdl"), &source);
    let json = checked.report.to_json();
    let entry = &json["diagnostics"][0];
    assert_eq!(entry["line"], 2);
    // `é` is one character but two bytes.
    assert_eq!(entry["column"], 31);
    assert_eq!(entry["offset"], 10 + 31);
}

#[test]
fn job_name_too_long_uses_highest_rank() {
    // A 56-character name plus `-node-9` is 63 characters, the limit;
    // `-node-10` is one more.
    let name = "a".repeat(56);
    let fits = format!("job \"{name}\" {{\n    nodes 10\n    {TRAINER}\n}}\n");
    assert!(diagnostics(&fits).is_empty());
    let too_long = format!("job \"{name}\" {{\n    nodes 11\n    {TRAINER}\n}}\n");
    assert_eq!(
        spanned_text(&too_long, Code::JobNameTooLong),
        format!("\"{name}\"")
    );
}

#[test]
fn never_panics_on_odd_input() {
    let inputs = [
        "",
        "job",
        "job 1",
        "job \"a\" { trainer; }",
        "job \"a\" { trainer { script; args; } env { \"\" }; labels { \"\" \"\" } }",
        "job \"a\" { resources { cpus 1e400; memory \"99999999999999999999999TiB\" } }",
        "job \"a\" { nodes 340282366920938463463374607431768211455 }",
        "job \"a\" { mount \"\" \"/\" ; volume \"\" \"\" }",
        "job #null { runtime-source \"\" }",
    ];
    for input in inputs {
        let _ = check_source(Path::new("job.kdl"), input);
    }
}
