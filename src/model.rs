//! The spanned model: a spec's KDL document as plain data, each name and
//! value with the byte span it came from. It mirrors the file and judges
//! nothing; [`crate::validate`] gives it meaning.

use std::fmt;

use crate::diagnostics::Span;

/// A value with the span of the text it was read from. Equality compares
/// the value only, so that moving text around does not change what a spec
/// means.
#[derive(Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} @{}..{}",
            self.value,
            self.span.offset,
            self.span.end()
        )
    }
}

/// A KDL value. Numbers keep the text they were written as, so that `args 5`
/// passes `5` on, not a reformatted number.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(String),
    Integer { value: i128, text: String },
    Float { value: f64, text: String },
    Bool(bool),
    Null,
}

impl Value {
    /// Returns the KDL type name, for messages such as "expected a string, found an
    /// integer".
    pub fn kind(&self) -> &'static str {
        match self {
            Self::String(_) => "a string",
            Self::Integer { .. } => "an integer",
            Self::Float { .. } => "a decimal number",
            Self::Bool(_) => "a boolean",
            Self::Null => "#null",
        }
    }
}

/// One entry of a node: a positional argument or a `key=value` property.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// `Some` for a property.
    pub name: Option<Spanned<String>>,
    pub value: Spanned<Value>,
    /// A type annotation such as `(u8)`, which trainc does not use.
    pub annotation: Option<Spanned<String>>,
    /// The whole entry, from its name (or value) to its end.
    pub span: Span,
}

/// A KDL node with its entries and children.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: Spanned<String>,
    pub annotation: Option<Spanned<String>>,
    pub entries: Vec<Entry>,
    /// `None` when the node has no `{ }` block.
    pub children: Option<Vec<Node>>,
    /// The whole node, children included.
    pub span: Span,
}

impl Node {
    pub fn args(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.name.is_none())
    }

    pub fn props(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.name.is_some())
    }

    /// Returns the last property named `key`, because KDL gives the last one
    /// precedence.
    pub fn prop(&self, key: &str) -> Option<&Entry> {
        self.props()
            .filter(|e| e.name.as_ref().is_some_and(|n| n.value == key))
            .last()
    }
}

/// A parsed spec file: its top-level nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub nodes: Vec<Node>,
}
