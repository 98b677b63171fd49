//! `scimform validate`: load specs offline and report every problem.

use crate::ExitStatus;
use crate::cli::{GlobalArgs, ValidateArgs};
use crate::render;
use crate::sources;

pub(crate) fn run(global: &GlobalArgs, args: &ValidateArgs) -> anyhow::Result<ExitStatus> {
    let found = sources::collect(&args.paths);
    let mut loaded = scimform_spec::load(&found.sources);
    // Problems finding or reading files come first: they explain missing apps below.
    let mut diagnostics = found.diagnostics;
    diagnostics.append(&mut loaded.diagnostics);
    loaded.diagnostics = diagnostics;
    let report = render::diagnostics::Report { sources: &found.sources, loaded: &loaded, quiet: global.quiet };
    render::diagnostics::print(global.format, &report)?;
    Ok(if loaded.error_count() == 0 && loaded.spec.is_some() { ExitStatus::Success } else { ExitStatus::Failure })
}
