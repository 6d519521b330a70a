//! `trainc validate` and `trainc plan`: the commands that compile a spec
//! without touching the container engine.

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use similar::TextDiff;

use super::args::{OutputFormat, PlanArgs, ValidateArgs};
use super::exit::Exit;
use crate::diagnostics::Report;
use crate::plan::Plan;
use crate::{plan, render, validate};

/// Maximum diff lines shown when `plan --check` finds a difference. The
/// rest are only counted, because the fix command rewrites the whole file.
const MAX_DIFF_LINES: usize = 60;

pub fn validate(args: ValidateArgs) -> anyhow::Result<Exit> {
    let checked = validate::check_file(&args.spec);
    let report = &checked.report;
    let valid = checked.job.is_some() && !report.has_errors();

    match args.format {
        OutputFormat::Json => {
            let mut json = serde_json::to_string_pretty(&report.to_json())?;
            json.push('\n');
            return write_stdout(&json, exit_for(valid));
        }
        OutputFormat::Text => {
            print_report(report);
            if !valid {
                eprintln!(
                    "{}: {}; {} and run trainc validate again",
                    args.spec.display(),
                    counts(report),
                    fix_errors_hint(report)
                );
                return Ok(Exit::Invalid);
            }
        }
    }

    let summary = if report.warning_count() == 0 {
        format!("{}: valid\n", args.spec.display())
    } else {
        format!("{}: valid ({})\n", args.spec.display(), counts(report))
    };
    write_stdout(&summary, Exit::Success)
}

pub fn plan(args: PlanArgs) -> anyhow::Result<Exit> {
    let checked = validate::check_file(&args.spec);
    print_report(&checked.report);
    let job = match checked.job {
        Some(job) if !checked.report.has_errors() => job,
        _ => {
            eprintln!(
                "{}: {}, so no plan was made; {} and run trainc plan again",
                args.spec.display(),
                counts(&checked.report),
                fix_errors_hint(&checked.report)
            );
            return Ok(Exit::Invalid);
        }
    };

    let plan = plan::build(&job);
    tracing::debug!(job = %plan.job.name, hash = %plan.hash, "built plan");

    if let Some(committed) = &args.check {
        return Ok(check_committed(&args, committed, &plan));
    }

    let rendered = render_plan(&plan, args.format.unwrap_or(OutputFormat::Text));
    if let Some(out) = &args.out {
        if let Err(error) = write_atomically(out, rendered.as_bytes()) {
            eprintln!("error: {error:#}");
            return Ok(Exit::Invalid);
        }
        eprintln!("wrote plan {} to {}", plan.hash, out.display());
        return Ok(Exit::Success);
    }
    write_stdout(&rendered, Exit::Success)
}

fn render_plan(plan: &Plan, format: OutputFormat) -> String {
    match format {
        OutputFormat::Text => render::render_text(plan),
        OutputFormat::Json => render::render_json(plan),
    }
}

fn exit_for(valid: bool) -> Exit {
    if valid {
        Exit::Success
    } else {
        Exit::Invalid
    }
}

/// Prints the diagnostics, if any, to stderr, in colour only on a terminal
/// and when `NO_COLOR` is unset.
fn print_report(report: &Report) {
    if report.is_empty() {
        return;
    }
    let color = io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    eprint!("{}", report.render_graphical(color));
}

/// Counts such as `2 errors, 1 warning`, leaving out zero counts.
fn counts(report: &Report) -> String {
    let mut parts = Vec::new();
    if report.error_count() > 0 || report.warning_count() == 0 {
        parts.push(plural(report.error_count(), "error"));
    }
    if report.warning_count() > 0 {
        parts.push(plural(report.warning_count(), "warning"));
    }
    parts.join(", ")
}

/// Tells the user to fix the error, or errors, listed above.
fn fix_errors_hint(report: &Report) -> &'static str {
    if report.error_count() == 1 {
        "fix the error above"
    } else {
        "fix the errors above"
    }
}

/// Formats `count` with `word`, plural unless the count is one.
fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// Writes command output to stdout. A closed pipe, as with `| head`, ends
/// the command quietly with `exit`.
fn write_stdout(text: &str, exit: Exit) -> anyhow::Result<Exit> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(exit),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(exit),
        Err(error) => Err(error).context("writing to stdout"),
    }
}

/// Compares the plan with the committed one, in the committed file's format
/// unless `--format` was given, and prints a diff summary and the fix
/// command when they differ. A committed file that cannot be read is
/// invalid input (exit 2), because exit 1 means "stale".
fn check_committed(args: &PlanArgs, committed_path: &Path, plan: &Plan) -> Exit {
    let committed = match fs::read(committed_path) {
        Ok(bytes) => bytes,
        Err(error) => {
            let format = args
                .format
                .unwrap_or_else(|| format_from_extension(committed_path));
            eprintln!(
                "{}: cannot read the committed plan ({error}); write it with: {}",
                committed_path.display(),
                fix_command(&args.spec, committed_path, format)
            );
            return Exit::Invalid;
        }
    };
    let detected = committed_format(committed_path, &committed);
    let format = args.format.unwrap_or(detected);
    let rendered = render_plan(plan, format);
    if committed == rendered.as_bytes() {
        eprintln!("{}: up to date", committed_path.display());
        return Exit::Success;
    }

    let committed = String::from_utf8_lossy(&committed);
    eprint!(
        "{}",
        diff_summary(&committed, &rendered, committed_path, &args.spec)
    );
    // An empty file looks like no format, so only a file with content gets
    // the note.
    let blank = committed.trim().is_empty();
    if format != detected && !blank {
        eprintln!(
            "note: {} looks like a {} plan, but it was compared as {} because of --format",
            committed_path.display(),
            format_name(detected),
            format_name(format)
        );
    }
    eprintln!("fix: {}", fix_command(&args.spec, committed_path, format));
    Exit::Failed
}

/// Infers a committed plan's format: JSON when its first non-blank byte is
/// `{`, text when it has other content, and from the file extension
/// (`.json` or not) when it is blank.
fn committed_format(path: &Path, content: &[u8]) -> OutputFormat {
    match content.iter().find(|byte| !byte.is_ascii_whitespace()) {
        Some(b'{') => OutputFormat::Json,
        Some(_) => OutputFormat::Text,
        None => format_from_extension(path),
    }
}

fn format_from_extension(path: &Path) -> OutputFormat {
    let is_json = path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("json"));
    if is_json {
        OutputFormat::Json
    } else {
        OutputFormat::Text
    }
}

fn format_name(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Text => "text",
        OutputFormat::Json => "JSON",
    }
}

fn diff_summary(committed: &str, rendered: &str, committed_path: &Path, spec: &Path) -> String {
    let diff = TextDiff::from_lines(committed, rendered);
    let mut removed = 0;
    let mut added = 0;
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Equal => {}
        }
    }

    let committed_label = format!("{} (committed)", committed_path.display());
    let planned_label = format!("{} (planned now)", spec.display());
    let unified = diff
        .unified_diff()
        .context_radius(2)
        .header(&committed_label, &planned_label)
        .to_string();

    let mut summary = format!(
        "{} is stale: {} removed, {} added\n",
        committed_path.display(),
        plural(removed, "line"),
        plural(added, "line"),
    );
    let lines: Vec<&str> = unified.lines().collect();
    for line in lines.iter().take(MAX_DIFF_LINES) {
        summary.push_str(line);
        summary.push('\n');
    }
    if lines.len() > MAX_DIFF_LINES {
        summary.push_str(&format!(
            "... {} more diff lines not shown\n",
            lines.len() - MAX_DIFF_LINES
        ));
    }
    if !rendered.ends_with('\n') || !committed.ends_with('\n') {
        summary.push_str("note: one side does not end with a newline\n");
    }
    summary
}

/// Builds the command that rewrites the committed plan, with its paths quoted for
/// a POSIX shell.
fn fix_command(spec: &Path, committed_path: &Path, format: OutputFormat) -> String {
    let quote = |path: &Path| {
        let text = path.to_string_lossy();
        render::quote_for_review(&text).into_owned()
    };
    let mut command = format!("trainc plan {}", quote(spec));
    if format == OutputFormat::Json {
        command.push_str(" --format json");
    }
    command.push_str(" --out ");
    command.push_str(&quote(committed_path));
    command
}

/// Writes `bytes` to a temporary file next to `path`, then renames it over
/// `path`, so readers see the old file or the new one and never a part.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let temporary = temporary_sibling(path)?;
    let result = fs::File::create(&temporary)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temporary, path));
    if result.is_err() {
        // The temporary file may not exist; the original error matters.
        let _ = fs::remove_file(&temporary);
    }
    result.with_context(|| {
        format!(
            "writing the plan to {} failed; check that its folder exists and is writable",
            path.display()
        )
    })
}

fn temporary_sibling(path: &Path) -> anyhow::Result<PathBuf> {
    // Path::file_name ignores a trailing slash, so check for a folder first.
    if path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/') {
        anyhow::bail!(
            "invalid --out path {}: it is a folder; give a file path such as {}",
            path.display(),
            path.join("plan.txt").display()
        );
    }
    let file_name = path.file_name().with_context(|| {
        format!(
            "invalid --out path {}: it names no file; give a file path such as plan.txt",
            path.display()
        )
    })?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(file_name);
    temporary_name.push(format!(".trainc-tmp-{}", std::process::id()));
    Ok(path.with_file_name(temporary_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_summary_counts_changed_lines() {
        let summary = diff_summary(
            "a\nb\nc\n",
            "a\nB\nc\nd\n",
            Path::new("plan.txt"),
            Path::new("job.kdl"),
        );
        assert!(summary.starts_with("plan.txt is stale: 1 line removed, 2 lines added\n"));
        assert!(summary.contains("--- plan.txt (committed)\n"));
        assert!(summary.contains("+++ job.kdl (planned now)\n"));
        assert!(summary.contains("-b\n"));
        assert!(summary.contains("+B\n"));
    }

    #[test]
    fn fix_command_quotes_paths_and_keeps_format() {
        assert_eq!(
            fix_command(
                Path::new("my job.kdl"),
                Path::new("plans/job.json"),
                OutputFormat::Json
            ),
            "trainc plan 'my job.kdl' --format json --out plans/job.json"
        );
        assert_eq!(
            fix_command(
                Path::new("job.kdl"),
                Path::new("job.plan"),
                OutputFormat::Text
            ),
            "trainc plan job.kdl --out job.plan"
        );
    }

    #[test]
    fn committed_format_read_from_content() {
        let text = Path::new("plan.txt");
        let json = Path::new("plan.json");

        assert_eq!(
            committed_format(text, b"  \n{\"format\": 1}"),
            OutputFormat::Json
        );
        assert_eq!(
            committed_format(json, b"plan for job x\n"),
            OutputFormat::Text
        );
        assert_eq!(committed_format(json, b" \n"), OutputFormat::Json);
        assert_eq!(committed_format(text, b""), OutputFormat::Text);
        assert_eq!(
            committed_format(Path::new("PLAN.JSON"), b""),
            OutputFormat::Json
        );
    }

    #[test]
    fn atomic_write_rejects_folder() {
        let folder = std::env::temp_dir();

        let error = write_atomically(&folder, b"plan\n").unwrap_err();

        assert!(format!("{error:#}").contains("it is a folder"), "{error:#}");
    }

    #[test]
    fn atomic_write_replaces_file() {
        let folder = std::env::temp_dir().join(format!("trainc-atomic-{}", std::process::id()));
        fs::create_dir_all(&folder).unwrap();
        let path = folder.join("plan.txt");
        fs::write(&path, "old\n").unwrap();

        write_atomically(&path, b"new\n").unwrap();

        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        let leftovers: Vec<_> = fs::read_dir(&folder).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary file left behind");
        fs::remove_dir_all(&folder).unwrap();
    }
}
