//! Syntax: KDL 2.0 text to the spanned [`model`](crate::model). Parse errors
//! become diagnostics, with a hint for KDL 1 keywords.

use kdl::{KdlDocument, KdlEntry, KdlNode, KdlValue};

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::model::{Document, Entry, Node, Spanned, Value};

/// Parses spec text as KDL 2.0. On failure, returns every diagnostic kdl
/// reported.
pub fn parse(source: &str) -> Result<Document, Vec<Diagnostic>> {
    match KdlDocument::parse_v2(source) {
        Ok(document) => Ok(Document {
            nodes: document.nodes().iter().map(convert_node).collect(),
        }),
        Err(error) => Err(error
            .diagnostics
            .iter()
            .map(|d| convert_error(source, d))
            .collect()),
    }
}

fn convert_error(source: &str, error: &kdl::KdlDiagnostic) -> Diagnostic {
    let span = Span::from(error.span);
    let text = source.get(span.offset..span.end()).unwrap_or("");
    let message = error
        .message
        .clone()
        .unwrap_or_else(|| "invalid KDL".to_string());
    let label = error.label.clone().unwrap_or_else(|| "here".to_string());

    // KDL 1 wrote keywords bare; KDL 2 reads a bare `true` as an identifier
    // string, which is not allowed for these three words.
    if matches!(text, "true" | "false" | "null") {
        return Diagnostic::new(
            Code::KdlV1Keyword,
            format!("`{text}` is a KDL 1 keyword; KDL 2 writes it as `#{text}`"),
        )
        .with_span(span, "KDL 1 keyword")
        .with_help(format!("write `#{text}` (or `\"{text}\"` for the string)"));
    }

    let diagnostic = Diagnostic::new(Code::KdlSyntax, message).with_span(span, label);
    match &error.help {
        Some(help) => diagnostic.with_help(help.clone()),
        None => diagnostic.with_help("see the KDL 2.0 syntax at https://kdl.dev"),
    }
}

fn convert_node(node: &KdlNode) -> Node {
    Node {
        name: Spanned::new(node.name().value().to_string(), node.name().span().into()),
        annotation: node
            .ty()
            .map(|ty| Spanned::new(ty.value().to_string(), ty.span().into())),
        entries: node.entries().iter().map(convert_entry).collect(),
        children: node
            .children()
            .map(|children| children.nodes().iter().map(convert_node).collect()),
        span: node.span().into(),
    }
}

fn convert_entry(entry: &KdlEntry) -> Entry {
    let span = Span::from(entry.span());
    let text = entry
        .format()
        .map(|format| format.value_repr.clone())
        .unwrap_or_else(|| entry.value().to_string());

    // kdl gives a span for the whole entry only; the value is its tail.
    let value_length = text.len().min(span.length);
    let value_span = Span::new(span.end() - value_length, value_length);

    let value = match entry.value() {
        KdlValue::String(s) => Value::String(s.clone()),
        KdlValue::Integer(i) => Value::Integer { value: *i, text },
        KdlValue::Float(f) => Value::Float { value: *f, text },
        KdlValue::Bool(b) => Value::Bool(*b),
        KdlValue::Null => Value::Null,
    };

    Entry {
        name: entry
            .name()
            .map(|name| Spanned::new(name.value().to_string(), name.span().into())),
        value: Spanned::new(value, value_span),
        annotation: entry
            .ty()
            .map(|ty| Spanned::new(ty.value().to_string(), ty.span().into())),
        span,
    }
}
