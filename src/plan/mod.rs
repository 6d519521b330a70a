//! Planning: turns a validated [`Job`](crate::job::Job) into a deterministic
//! [`Plan`]. A pure function of the job: no clock, no randomness, no host
//! paths, no engine.

pub mod labels;
mod types;

pub use types::*;

/// TODO: stub of the plan branch's builder, replaced by its merge.
pub fn build(_job: &crate::job::Job) -> Plan {
    todo!("plan::build lands with the plan branch")
}
