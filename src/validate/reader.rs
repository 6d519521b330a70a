//! Reading model nodes: arity, types and names, each problem reported as a
//! diagnostic while reading goes on, so one run finds every problem.

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::model::{Entry, Node, Spanned, Value};

/// Collects diagnostics while a spec is read.
#[derive(Debug, Default)]
pub(crate) struct Ctx {
    pub diagnostics: Vec<Diagnostic>,
}

/// The known children of a block, in file order.
pub(crate) struct Block<'a> {
    nodes: Vec<&'a Node>,
}

impl<'a> Block<'a> {
    /// Returns the first child named `name`; later ones were reported as duplicates.
    pub fn get(&self, name: &str) -> Option<&'a Node> {
        self.nodes.iter().copied().find(|n| n.name.value == name)
    }

    /// Returns every child named `name`, in file order.
    pub fn all<'b>(&'b self, name: &'b str) -> impl Iterator<Item = &'a Node> + 'b {
        self.nodes
            .iter()
            .copied()
            .filter(move |n| n.name.value == name)
    }
}

/// Returns the known name closest to `word`, if one is close enough to be a typo.
pub(crate) fn suggest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(word, k), *k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Ctx {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == crate::diagnostics::Severity::Error)
    }

    /// Reads a block's children. Unknown names and repeated singletons are
    /// reported; the block keeps only known names, duplicates included (so
    /// that [`Block::get`] returns the first).
    pub fn block<'a>(
        &mut self,
        parent: &'a Node,
        singletons: &[&str],
        repeatable: &[&str],
    ) -> Block<'a> {
        let known: Vec<&str> = singletons.iter().chain(repeatable).copied().collect();
        let mut nodes = Vec::new();
        for child in parent.children.iter().flatten() {
            let name = child.name.value.as_str();
            if !known.contains(&name) {
                self.unknown_node(child, &format!("in `{}`", parent.name.value), &known);
                continue;
            }
            let repeated = nodes.iter().any(|n: &&Node| n.name.value == name);
            if repeated && singletons.contains(&name) {
                self.push(
                    Diagnostic::new(
                        Code::DuplicateNode,
                        format!(
                            "`{name}` is given more than once in `{}`",
                            parent.name.value
                        ),
                    )
                    .with_span(child.name.span, "repeated here")
                    .with_help(format!("keep one `{name}` node; the first one is used")),
                );
            }
            nodes.push(child);
        }
        Block { nodes }
    }

    /// Reports an unknown node; `place` reads like "in `job`".
    pub fn unknown_node(&mut self, node: &Node, place: &str, known: &[&str]) {
        let name = &node.name.value;
        let help = match suggest(name, known) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("nodes allowed {place}: {}", quoted_list(known)),
        };
        self.push(
            Diagnostic::new(Code::UnknownNode, format!("unknown node `{name}` {place}"))
                .with_span(node.name.span, "unknown node")
                .with_help(help),
        );
    }

    /// Checks a node's shape: between `min` and `max` arguments, only the
    /// listed properties, no type annotations, and children only when
    /// `children` is true. Returns the arguments.
    pub fn shape<'a>(
        &mut self,
        node: &'a Node,
        min: usize,
        max: Option<usize>,
        props: &[&str],
        children: bool,
    ) -> Vec<&'a Entry> {
        let name = &node.name.value;
        let args: Vec<&Entry> = node.args().collect();

        if args.len() < min {
            let expected = if min == 1 {
                "a value".to_string()
            } else {
                format!("{min} values")
            };
            let message = match args.len() {
                0 => format!("`{name}` needs {expected}"),
                found => format!("`{name}` needs {expected}, found {found}"),
            };
            self.push(
                Diagnostic::new(Code::MissingValue, message)
                    .with_span(node.name.span, "missing value")
                    .with_help(format!("write `{name}` followed by {expected}")),
            );
        }
        if let Some(max) = max {
            for extra in args.iter().skip(max) {
                self.push(
                    Diagnostic::new(
                        Code::TooManyValues,
                        format!(
                            "`{name}` takes at most {max} value{}",
                            if max == 1 { "" } else { "s" }
                        ),
                    )
                    .with_span(extra.span, "extra value")
                    .with_help(
                        "remove the extra value, or quote it if it belongs to the previous one",
                    ),
                );
            }
        }

        for prop in node.props() {
            let Some(key) = &prop.name else { continue };
            if !props.contains(&key.value.as_str()) {
                let help = match suggest(&key.value, props) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None if props.is_empty() => format!("`{name}` takes no properties"),
                    None => format!("properties of `{name}`: {}", quoted_list(props)),
                };
                self.push(
                    Diagnostic::new(
                        Code::UnknownProperty,
                        format!("unknown property `{}` on `{name}`", key.value),
                    )
                    .with_span(key.span, "unknown property")
                    .with_help(help),
                );
            }
        }

        let annotations = node
            .annotation
            .iter()
            .chain(node.entries.iter().filter_map(|e| e.annotation.as_ref()));
        for annotation in annotations {
            self.push(
                Diagnostic::new(
                    Code::TypeAnnotation,
                    format!(
                        "type annotation `({})` is not used by trainc",
                        annotation.value
                    ),
                )
                .with_span(annotation.span, "type annotation")
                .with_help(
                    "remove the annotation; each value's type is fixed by the spec language",
                ),
            );
        }

        if !children {
            if let Some(block) = &node.children {
                let span = block.first().map_or(node.span, |first| first.name.span);
                self.push(
                    Diagnostic::new(
                        Code::UnexpectedChildren,
                        format!("`{name}` takes no child nodes"),
                    )
                    .with_span(span, "child node not allowed here")
                    .with_help(format!("remove the `{{ }}` block after `{name}`")),
                );
            }
        }

        args
    }

    pub fn wrong_type(&mut self, value: &Spanned<Value>, context: &str, expected: &str) {
        self.push(
            Diagnostic::new(
                Code::WrongType,
                format!("{context} must be {expected}, found {}", value.value.kind()),
            )
            .with_span(value.span, format!("{} here", value.value.kind()))
            .with_help(format!("write {expected}")),
        );
    }

    pub fn string(&mut self, entry: &Entry, context: &str) -> Option<Spanned<String>> {
        match &entry.value.value {
            Value::String(s) => Some(Spanned::new(s.clone(), entry.value.span)),
            _ => {
                self.wrong_type(&entry.value, context, "a string");
                None
            }
        }
    }

    pub fn integer(&mut self, entry: &Entry, context: &str) -> Option<Spanned<i128>> {
        match &entry.value.value {
            Value::Integer { value, .. } => Some(Spanned::new(*value, entry.value.span)),
            _ => {
                self.wrong_type(&entry.value, context, "an integer");
                None
            }
        }
    }

    pub fn boolean(&mut self, entry: &Entry, context: &str) -> Option<bool> {
        match &entry.value.value {
            Value::Bool(b) => Some(*b),
            _ => {
                self.wrong_type(&entry.value, context, "`#true` or `#false`");
                None
            }
        }
    }

    /// Reads a leaf node with exactly one string value.
    pub fn single_string(&mut self, node: &Node) -> Option<Spanned<String>> {
        let args = self.shape(node, 1, Some(1), &[], false);
        let context = format!("the value of `{}`", node.name.value);
        args.first().and_then(|entry| self.string(entry, &context))
    }

    /// Reads a leaf node with exactly one integer value.
    pub fn single_integer(&mut self, node: &Node) -> Option<Spanned<i128>> {
        let args = self.shape(node, 1, Some(1), &[], false);
        let context = format!("the value of `{}`", node.name.value);
        args.first().and_then(|entry| self.integer(entry, &context))
    }

    /// Reads a leaf node with exactly one boolean value.
    pub fn single_bool(&mut self, node: &Node) -> Option<bool> {
        let args = self.shape(node, 1, Some(1), &[], false);
        let context = format!("the value of `{}`", node.name.value);
        args.first().and_then(|entry| self.boolean(entry, &context))
    }

    /// Reads a leaf node with one or more string values.
    pub fn strings(&mut self, node: &Node) -> Vec<Spanned<String>> {
        let args = self.shape(node, 1, None, &[], false);
        let context = format!("each value of `{}`", node.name.value);
        args.iter()
            .filter_map(|entry| self.string(entry, &context))
            .collect()
    }

    /// Reads a boolean property; `None` when absent or of the wrong type.
    pub fn bool_prop(&mut self, node: &Node, key: &str) -> Option<bool> {
        let entry = node.prop(key)?;
        self.boolean(entry, &format!("`{key}`"))
    }

    /// Reads a string property; `None` when absent or of the wrong type.
    pub fn string_prop(&mut self, node: &Node, key: &str) -> Option<Spanned<String>> {
        let entry = node.prop(key)?;
        self.string(entry, &format!("`{key}`"))
    }

    /// Checks that an integer is in `min..=max`, and reports it with `code` when not.
    pub fn ranged(
        &mut self,
        value: Spanned<i128>,
        min: i128,
        max: i128,
        code: Code,
        setting: &str,
    ) -> Option<Spanned<i128>> {
        if (min..=max).contains(&value.value) {
            return Some(value);
        }
        let expected = if max == i128::from(u32::MAX) {
            format!("at least {min}")
        } else {
            format!("from {min} to {max}")
        };
        self.push(
            Diagnostic::new(
                code,
                format!("{setting} must be {expected}, found {}", value.value),
            )
            .with_span(value.span, "out of range")
            .with_help(format!("set {setting} to a whole number {expected}")),
        );
        None
    }

    /// Reports a value that is not one of `allowed`.
    pub fn not_one_of(
        &mut self,
        code: Code,
        value: &Spanned<String>,
        kind: &str,
        allowed: &[&str],
    ) {
        let close = allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(&value.value))
            .copied()
            .or_else(|| suggest(&value.value, allowed));
        let help = match close {
            Some(close) => format!("did you mean `{close}`? Allowed: {}", quoted_list(allowed)),
            None => format!("use one of {}", quoted_list(allowed)),
        };
        self.push(
            Diagnostic::new(code, format!("invalid {kind} `{}`", value.value))
                .with_span(value.span, format!("not a valid {kind}"))
                .with_help(help),
        );
    }
}

/// Returns the span of a node's first argument, else of its name.
pub(crate) fn value_span(node: &Node) -> Span {
    node.args()
        .next()
        .map_or(node.name.span, |entry| entry.value.span)
}
