//! One module per subcommand; [`run`] dispatches. Helpers shared by the commands that
//! talk to Graph live here.

mod apply;
mod emulator;
mod plan;
mod schema;
mod show;
mod validate;

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::ExitStatus;
use crate::cli::{Cli, Command, GlobalArgs};
use crate::render;
use crate::sources;

pub(crate) fn run(args: &Cli) -> anyhow::Result<ExitStatus> {
    match &args.command {
        Command::Validate(validate_args) => validate::run(&args.global, validate_args),
        Command::Plan(plan_args) => plan::run(&args.global, plan_args),
        Command::Apply(apply_args) => apply::run(&args.global, apply_args),
        Command::Show(show_args) => show::run(&args.global, show_args),
        Command::Schema(schema_args) => schema::run(schema_args),
        Command::Emulator(emulator_args) => emulator::run(emulator_args),
    }
}

/// Valid specs and their sources.
pub(crate) struct LoadedSpecs {
    pub(crate) spec: scimform_spec::Spec,
    pub(crate) sources: Vec<scimform_spec::Source>,
}

/// Loads specs; on any error prints every diagnostic (to stderr, so that stdout stays the
/// plan) and returns `None`: nothing is sent to Graph until the specs are valid.
pub(crate) fn load_specs(global: &GlobalArgs, paths: &[PathBuf]) -> anyhow::Result<Option<LoadedSpecs>> {
    let found = sources::collect(paths);
    let mut loaded = scimform_spec::load(&found.sources);
    let mut diagnostics = found.diagnostics;
    diagnostics.append(&mut loaded.diagnostics);
    loaded.diagnostics = diagnostics;
    match loaded.spec.take() {
        Some(spec) if loaded.error_count() == 0 => {
            // Warnings still deserve a look, but must not disturb machine output.
            if !global.quiet && loaded.diagnostics.iter().any(|diagnostic| !diagnostic.is_error()) {
                let report = render::diagnostics::Report { sources: &found.sources, loaded: &loaded, quiet: false };
                render::diagnostics::print_to_stderr(&report)?;
            }
            Ok(Some(LoadedSpecs { spec, sources: found.sources }))
        }
        _ => {
            let report = render::diagnostics::Report { sources: &found.sources, loaded: &loaded, quiet: global.quiet };
            render::diagnostics::print_to_stderr(&report)?;
            Ok(None)
        }
    }
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}

/// Prints what made preparing fail, when it was the specs' fault (unreadable tokens,
/// unresolved names) and returns `None`; passes Graph errors on.
pub(crate) fn report_prepare(
    prepared: Result<scimform_apply::Prepared, scimform_apply::PrepareError>,
) -> anyhow::Result<Option<scimform_apply::Prepared>> {
    use scimform_apply::PrepareError;
    let mut stderr = anstream::stderr().lock();
    match prepared {
        Ok(prepared) => Ok(Some(prepared)),
        Err(PrepareError::Tokens(errors)) => {
            for (app, origin, error) in errors {
                let cause = std::error::Error::source(&error).map(|cause| format!(": {cause}")).unwrap_or_default();
                writeln!(
                    stderr,
                    "{}error{:#}: app `{app}` ({}:{}:{}): {error}{cause}",
                    render::ERROR,
                    render::ERROR,
                    origin.file,
                    origin.span.line,
                    origin.span.column
                )?;
            }
            Ok(None)
        }
        Err(PrepareError::Resolve(errors)) => {
            for error in errors {
                writeln!(
                    stderr,
                    "{}error{:#}: {}:{}:{}: {}",
                    render::ERROR,
                    render::ERROR,
                    error.origin.file,
                    error.origin.span.line,
                    error.origin.span.column,
                    error.message
                )?;
            }
            Ok(None)
        }
        Err(error @ PrepareError::Refresh(_)) => Err(error.into()),
    }
}
