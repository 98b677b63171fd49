//! `scimform`: declarative SCIM provisioning apps for Microsoft Entra ID.
//!
//! The binary is the only place that knows clap, anyhow, colours, exit codes and output
//! formats. Each subcommand lives in `commands/<verb>.rs` and returns an [`ExitStatus`];
//! errors that end a command travel as `anyhow::Error` and are printed here, once, with
//! their whole chain, in the `--format` asked for (`render/errors.rs`).

mod cli;
mod commands;
mod files;
mod generated;
mod logging;
mod project;
mod render;
mod saved;
mod sources;
mod target;

use std::process::ExitCode;

use clap::Parser;

/// The documented, stable exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// 0: success (and, with `plan --detailed-exitcode`, no changes).
    Success,
    /// 1: the command failed: invalid specs, bad arguments, or an error talking to Graph.
    Failure,
    /// 2: `plan --detailed-exitcode` (or `drift`) found changes.
    Changes,
    /// 3: `status` or `drift` found provisioning unhealthy.
    Unhealthy,
    /// 4: `drift` found changes and unhealthy provisioning.
    ChangesAndUnhealthy,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        match status {
            ExitStatus::Success => ExitCode::from(0),
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Changes => ExitCode::from(2),
            ExitStatus::Unhealthy => ExitCode::from(3),
            ExitStatus::ChangesAndUnhealthy => ExitCode::from(4),
        }
    }
}

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(error) => {
            // Help and version go to stdout with 0; usage errors exit 1, never 2, because 2
            // means "changes present" for `plan --detailed-exitcode`. A usage error comes
            // in the format the arguments asked for, when they name one.
            if !error.use_stderr() {
                let _ = error.print();
                return ExitCode::from(0);
            }
            render::errors::report_usage(cli::format_asked(std::env::args()), &error);
            return ExitCode::from(1);
        }
    };
    if args.global.no_color {
        anstream::ColorChoice::Never.write_global();
    }
    logging::init(&args.global);
    match commands::run(&args) {
        Ok(status) => status.into(),
        Err(error) => {
            render::errors::report_error(args.global.format, &error);
            ExitStatus::Failure.into()
        }
    }
}
