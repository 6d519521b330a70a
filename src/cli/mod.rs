//! The command line: argument definitions, dispatch, and the one place
//! that turns outcomes into exit codes.

mod args;
mod compile;
mod doctor;
mod exit;
mod jobs;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command, OutputFormat};
pub use exit::Exit;

/// Parses the arguments, runs the command and maps its outcome to an exit
/// code. Errors are printed here and nowhere else.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);

    let outcome = match cli.command {
        Command::Validate(args) => compile::validate(args),
        Command::Plan(args) => compile::plan(args),
        command => jobs::run(command),
    };

    match outcome {
        Ok(exit) => exit.code(),
        Err(error) => {
            eprintln!("error: {error:#}");
            jobs::exit_for_error(&error).code()
        }
    }
}

/// Logs go to stderr, in colour only on a terminal and when `NO_COLOR` is
/// unset. `-v` shows debug, `-vv` trace, and `TRAINC_LOG` overrides both
/// with an `EnvFilter` directive.
fn init_tracing(verbose: u8) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;

    let default = match verbose {
        0 => "warn",
        1 => "trainc=debug",
        _ => "trainc=trace",
    };
    let filter = EnvFilter::try_from_env("TRAINC_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .without_time()
        .init();
}
