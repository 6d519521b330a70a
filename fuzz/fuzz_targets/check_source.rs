//! Feeds arbitrary text to `check_source`, which must never panic, and
//! renders the report both ways, as the CLI does.

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

    // TODO: also build a plan from `checked.job` once plan building is on main.
});
