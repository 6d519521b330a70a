//! trainc compiles a declarative training-job spec (KDL) into a
//! deterministic plan and applies it to Podman.
//!
//! Pipeline, one module per stage:
//! [`syntax`] (KDL text to a spanned model) → [`validate`] (model to a
//! [`job::Job`], or diagnostics) → [`plan`] (job to plan) → [`render`]
//! (plan to text or JSON) → [`exec`] (plan to containers, through an
//! [`engine`]).

pub mod cli;
pub mod diagnostics;
pub mod engine;
pub mod exec;
pub mod job;
pub mod model;
pub mod plan;
pub mod render;
pub mod runtimes;
pub mod syntax;
pub mod validate;
