//! Text and JSON plan snapshots of every examples/*.kdl, stored under
//! snapshots/plans/. A changed snapshot is a changed plan: review it as such.

use std::path::PathBuf;

use trainc::plan;
use trainc::render::{render_json, render_text};
use trainc::validate::check_file;

#[test]
fn example_plans_match_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots/plans"));
    settings.set_prepend_module_to_snapshot(false);

    settings.bind(|| {
        insta::glob!("../examples", "*.kdl", |path| {
            let checked = check_file(path);
            assert!(
                !checked.report.has_errors(),
                "{}:\n{}",
                path.display(),
                checked.report.render_graphical(false)
            );
            let job = checked.job.expect("a job when there are no errors");
            let plan = plan::build(&job);

            assert!(plan.verify_hash(), "{}", path.display());
            insta::assert_snapshot!("example-text", render_text(&plan));
            insta::assert_snapshot!("example-json", render_json(&plan));
        });
    });
}
