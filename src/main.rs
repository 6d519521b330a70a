use std::process::ExitCode;

fn main() -> ExitCode {
    trainc::cli::main()
}
