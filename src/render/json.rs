//! The JSON plan: the [`Plan`] as serialized, described by
//! `schemas/plan.schema.json`.

use crate::plan::Plan;

/// Renders the plan as pretty JSON with a trailing newline.
pub fn render_json(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(plan).expect("a plan always serializes to JSON");
    text.push('\n');
    text
}
