//! Command-line arguments: every flag of every command, with its help.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "trainc",
    version,
    about = "Compile training-job specs into plans and run them on Podman"
)]
pub struct Cli {
    /// Show debug logs (-v) or trace logs (-vv) on stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a job spec and report every problem in it.
    Validate(ValidateArgs),
    /// Compile a job spec into its execution plan.
    Plan(PlanArgs),
    /// Run a job spec's plan on the container engine.
    Apply(ApplyArgs),
    /// Show the status of one job, or of every trainc job.
    Status(StatusArgs),
    /// List the jobs on the container engine.
    List(ListArgs),
    /// Print a job's logs.
    Logs(LogsArgs),
    /// Wait until a job completes or fails.
    Wait(WaitArgs),
    /// Delete a job's containers and network (the workspace is kept unless --purge).
    Delete(DeleteArgs),
    /// Check the container engine, its socket and the images a spec needs.
    Doctor(DoctorArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct EngineArgs {
    /// Engine socket URL, such as unix:///run/podman/podman.sock. Overrides
    /// the spec's engine host and CONTAINER_HOST / DOCKER_HOST.
    #[arg(long, value_name = "URL", global = true)]
    pub host: Option<String>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The job spec (KDL).
    pub spec: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The job spec (KDL).
    pub spec: PathBuf,
    /// Plan format, text when not given. Without it, --check compares in the
    /// committed file's format.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write the plan to FILE instead of stdout.
    #[arg(long, value_name = "FILE", conflicts_with = "check")]
    pub out: Option<PathBuf>,
    /// Compare with a committed plan in FILE and fail (exit 1) when it
    /// differs, or (exit 2) when FILE cannot be read.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The job spec (KDL).
    pub spec: PathBuf,
    /// Return once every node runs instead of waiting for the job to end.
    #[arg(short, long)]
    pub detach: bool,
    /// Delete an existing job of the same name (saving its logs) and run
    /// this plan, even when the plan is unchanged.
    #[arg(long)]
    pub replace: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The job name; every trainc job when omitted.
    pub job: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The job name.
    pub job: String,
    /// Keep streaming new output until the job ends.
    #[arg(short, long)]
    pub follow: bool,
    /// Only this node's log (its rank).
    #[arg(long, value_name = "RANK")]
    pub node: Option<u32>,
    /// Only the last N lines of each node.
    #[arg(long, value_name = "N")]
    pub tail: Option<usize>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The job name.
    pub job: String,
    /// Give up after this long (such as 90s, 10m, 1h); exit code 4.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The job name.
    pub job: String,
    /// Also delete the job's workspace folder (checkpoints and saved logs).
    #[arg(long)]
    pub purge: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// A job spec whose images and engine settings to check.
    pub spec: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Parses `90`, `90s`, `10m`, `2h` or `500ms` into a duration.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits.parse().map_err(|_| {
        format!("invalid duration '{text}': expected a number with a unit such as 90s, 10m or 1h")
    })?;
    let duration = match unit {
        "" | "s" => Duration::from_secs(number),
        "ms" => Duration::from_millis(number),
        "m" => Duration::from_secs(number * 60),
        "h" => Duration::from_secs(number * 3600),
        _ => {
            return Err(format!(
                "invalid duration unit '{unit}' in '{text}': use ms, s, m or h"
            ))
        }
    };
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_units() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
