//! `scimform schema`: print the spec's JSON Schema, exactly as committed in `schemas/`.

use std::io::Write;

use anyhow::Context;

use crate::ExitStatus;

pub(crate) fn run() -> anyhow::Result<ExitStatus> {
    let text = scimform_spec::json_schema_text();
    let mut stdout = anstream::stdout().lock();
    stdout.write_all(text.as_bytes()).context("failed to write the schema to standard output")?;
    Ok(ExitStatus::Success)
}
