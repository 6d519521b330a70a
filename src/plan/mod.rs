//! Planning: turns a validated [`Job`](crate::job::Job) into a deterministic
//! [`Plan`]. A pure function of the job: no clock, no randomness, no host
//! paths, no engine.

mod build;
mod hash;
pub mod labels;
mod types;

pub use build::{build, ENTRYPOINT_PATH, ENTRYPOINT_SCRIPT};
pub use types::*;
