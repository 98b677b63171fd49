//! `scimform schema [spec|plan]`: print a JSON Schema, exactly as committed in `schemas/`.

use std::io::Write;

use anyhow::Context;

use crate::ExitStatus;
use crate::cli::{SchemaArgs, SchemaKind};

pub(crate) fn run(args: &SchemaArgs) -> anyhow::Result<ExitStatus> {
    let text = match args.kind {
        SchemaKind::Spec => scimform_spec::json_schema_text(),
        SchemaKind::Plan => crate::render::plan::json_schema_text(),
    };
    let mut stdout = anstream::stdout().lock();
    stdout.write_all(text.as_bytes()).context("failed to write the schema to standard output")?;
    Ok(ExitStatus::Success)
}
