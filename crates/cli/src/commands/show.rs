//! `scimform show FILE`: render a saved plan in any format.

use crate::ExitStatus;
use crate::cli::{GlobalArgs, ShowArgs};
use crate::saved::SavedPlan;

pub(crate) fn run(global: &GlobalArgs, args: &ShowArgs) -> anyhow::Result<ExitStatus> {
    let saved = SavedPlan::read(&args.file)?;
    crate::render::plan::print(global.format, &saved.plan, global.quiet)?;
    Ok(ExitStatus::Success)
}
