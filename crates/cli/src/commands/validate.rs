//! `scimform validate`: load specs offline and report every problem.

use crate::ExitStatus;
use crate::cli::{GlobalArgs, ValidateArgs};
use crate::render;

pub(crate) fn run(global: &GlobalArgs, args: &ValidateArgs) -> anyhow::Result<ExitStatus> {
    // Problems with the project and finding files come first: they explain missing apps.
    let (_, sources, loaded) = super::gather(&args.paths, None);
    let report = render::diagnostics::Report { sources: &sources, loaded: &loaded, quiet: global.quiet };
    render::diagnostics::print(global.format, &report)?;
    Ok(if loaded.error_count() == 0 && loaded.spec.is_some() { ExitStatus::Success } else { ExitStatus::Failure })
}
