//! Rendering: a [`Plan`](crate::plan::Plan) as text for review, or as JSON
//! for tools. Both are deterministic, so a committed plan can be checked
//! with `trainc plan --check`.

mod json;
mod quote;
mod text;

pub use json::render_json;
pub use quote::{escape_control, quote_for_review};
pub use text::render_text;
