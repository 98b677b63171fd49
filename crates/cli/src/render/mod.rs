//! Everything the user sees is written here, and only here: diagnostics (`diagnostics`),
//! plans (`plan`), health (`status`), drift reports (`drift`), inventories and imported
//! specs (`import`), provision-on-demand results (`verify`), SCIM app checks (`scim_check`), apply's progress and event stream (`apply`), errors in every format
//! (`errors`), and the notes commands print for people (`note`). Commands decide what to
//! say; this module decides how it looks in each `--format`.

pub(crate) mod apply;
pub(crate) mod diagnostics;
pub(crate) mod drift;
pub(crate) mod errors;
pub(crate) mod import;
pub(crate) mod metrics;
pub(crate) mod plan;
pub(crate) mod scim_check;
pub(crate) mod status;
pub(crate) mod verify;

use std::io::Write;

use anstyle::{AnsiColor, Style};

use crate::cli::{Format, GlobalArgs};

pub(crate) const ERROR: Style = AnsiColor::Red.on_default().bold();
pub(crate) const WARNING: Style = AnsiColor::Yellow.on_default().bold();
pub(crate) const ACCENT: Style = AnsiColor::Blue.on_default().bold();
pub(crate) const GOOD: Style = AnsiColor::Green.on_default().bold();
pub(crate) const BOLD: Style = Style::new().bold();

/// Text as it is, on standard output (a schema, the emulator's addresses), flushed.
pub(crate) fn stdout(text: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    let mut out = anstream::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).context("failed to write to standard output")
}

/// A note for people on standard error (what is being read, where a plan was saved):
/// only in the human format and without `-q`, so that machine output stays clean.
pub(crate) fn note(global: &GlobalArgs, text: &str) {
    if global.format == Format::Human && !global.quiet {
        let _ = writeln!(anstream::stderr().lock(), "{text}");
    }
}

/// The JSON Schema of an output type, with the `$id` it is published under.
pub(crate) fn schema_text<T: schemars::JsonSchema>(file: &str) -> String {
    let mut schema = serde_json::to_value(schemars::schema_for!(T)).expect("schemas serialize");
    schema["$id"] = serde_json::Value::String(format!("https://scimform.dev/schemas/{file}"));
    serde_json::to_string_pretty(&schema).expect("schemas serialize") + "\n"
}

/// Escaping for a GitHub workflow command's message, as the Actions runner expects.
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping for a workflow command's properties: the message rules plus `:` and `,`.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
