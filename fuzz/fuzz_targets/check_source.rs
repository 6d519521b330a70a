//! Feeds arbitrary text to `check_source`, which must never panic, renders
//! the report both ways, and plans and renders every job that passes.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    // The spec folder is the fuzz crate's own, so relative paths in the
    // input resolve against files the project owns.
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus-spec.kdl");
    let checked = trainc::validate::check_source(&spec, source);

    let _ = checked.report.render_graphical(false);
    let _ = checked.report.to_json();
    assert_eq!(checked.job.is_some(), !checked.report.has_errors());

    // NOTE: jobs above the large-node-count threshold are not planned here,
    // because a plan grows with the node count and validation sets no upper
    // bound, so a fuzzed `nodes 4000000000` would only exhaust memory.
    if let Some(job) = checked.job.as_ref().filter(|job| job.nodes <= 253) {
        let plan = trainc::plan::build(job);
        assert_eq!(plan.containers.len(), job.nodes as usize);
        let _ = trainc::render::render_text(&plan);
        let _ = trainc::render::render_json(&plan);
    }
});
