//! Exit codes, documented in the README.

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the command did what was asked; the job completed.
    Success,
    /// 1: the job failed, or `plan --check` found the committed plan stale.
    Failed,
    /// 2: invalid input (spec, command line, missing image or host
    /// variable, unknown job); nothing was created.
    Invalid,
    /// 3: the container engine could not be reached or returned an error.
    EngineError,
    /// 4: `wait --timeout` ran out before the job finished.
    Timeout,
    /// 130: interrupted by Ctrl-C.
    Interrupted,
}

impl Exit {
    pub fn code(self) -> ExitCode {
        ExitCode::from(match self {
            Self::Success => 0,
            Self::Failed => 1,
            Self::Invalid => 2,
            Self::EngineError => 3,
            Self::Timeout => 4,
            Self::Interrupted => 130,
        })
    }
}
