//! `scimform schema [spec|plan|apply-events|error|status|drift|inventory|scim-check]`: print a JSON Schema, exactly as committed in `schemas/`.

use crate::ExitStatus;
use crate::cli::{SchemaArgs, SchemaKind};

pub(crate) fn run(args: &SchemaArgs) -> anyhow::Result<ExitStatus> {
    let text = match args.kind {
        SchemaKind::Spec => scimform_spec::json_schema_text(),
        SchemaKind::Assignments => scimform_spec::assignments_json_schema_text(),
        SchemaKind::Plan => crate::render::plan::json_schema_text(),
        SchemaKind::ApplyEvents => crate::render::apply::json_schema_text(),
        SchemaKind::Error => crate::render::errors::json_schema_text(),
        SchemaKind::Status => crate::render::status::json_schema_text(),
        SchemaKind::Drift => crate::render::drift::json_schema_text(),
        SchemaKind::Inventory => crate::render::import::json_schema_text(),
        SchemaKind::ScimCheck => crate::render::scim_check::json_schema_text(),
    };
    crate::render::stdout(&text)?;
    Ok(ExitStatus::Success)
}
