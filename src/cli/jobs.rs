//! The commands that talk to the container engine: apply, status, list,
//! logs, wait, delete and doctor.

use super::args::Command;
use super::exit::Exit;

pub fn run(_command: Command) -> anyhow::Result<Exit> {
    todo!("job commands")
}
