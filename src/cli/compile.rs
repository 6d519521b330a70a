//! `trainc validate` and `trainc plan`.

use super::args::{PlanArgs, ValidateArgs};
use super::exit::Exit;

pub fn validate(_args: ValidateArgs) -> anyhow::Result<Exit> {
    todo!("validate")
}

pub fn plan(_args: PlanArgs) -> anyhow::Result<Exit> {
    todo!("plan")
}
