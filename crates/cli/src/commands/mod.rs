//! One module per subcommand; [`run`] dispatches.

mod emulator;
mod schema;
mod validate;

use crate::ExitStatus;
use crate::cli::{Cli, Command};

pub(crate) fn run(args: &Cli) -> anyhow::Result<ExitStatus> {
    match &args.command {
        Command::Validate(validate_args) => validate::run(&args.global, validate_args),
        Command::Schema => schema::run(),
        Command::Emulator(emulator_args) => emulator::run(emulator_args),
    }
}
