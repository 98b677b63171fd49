//! Everything the user sees is written here: diagnostics, errors, summaries.

pub(crate) mod diagnostics;
pub(crate) mod plan;

use std::io::Write;

use anstyle::{AnsiColor, Style};

pub(crate) const ERROR: Style = AnsiColor::Red.on_default().bold();
pub(crate) const WARNING: Style = AnsiColor::Yellow.on_default().bold();
pub(crate) const ACCENT: Style = AnsiColor::Blue.on_default().bold();
pub(crate) const GOOD: Style = AnsiColor::Green.on_default().bold();
pub(crate) const BOLD: Style = Style::new().bold();

/// Prints an error that ended a command, with its whole chain of causes.
pub(crate) fn report_error(error: &anyhow::Error) {
    let mut stderr = anstream::stderr().lock();
    let _ = writeln!(stderr, "{ERROR}error{ERROR:#}: {error}");
    for cause in error.chain().skip(1) {
        let _ = writeln!(stderr, "  {BOLD}caused by{BOLD:#}: {cause}");
    }
}
