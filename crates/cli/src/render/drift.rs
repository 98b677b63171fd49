//! Drift reports (`drift`): the plan's changes and provisioning health together. JSON has
//! both parts (schema in `schemas/drift.schema.json`); Markdown reads as an issue body.

use schemars::JsonSchema;
use scimform_plan::Plan;
use serde::Serialize;

use super::plan::PlanView;
use super::status::{AppHealth, StatusView};
use super::{BOLD, GOOD};
use crate::cli::Format;

/// Version of the JSON view. Bumped only on incompatible changes.
pub(crate) const JSON_VERSION: u32 = 1;

/// What `drift` found.
pub(crate) struct Report<'a> {
    pub(crate) plan: &'a Plan,
    pub(crate) apps: &'a [AppHealth],
    /// `-q`: problems only (`apps` then holds the unhealthy ones).
    pub(crate) quiet: bool,
}

impl Report<'_> {
    fn drifted(&self) -> bool {
        self.plan.has_config_changes()
    }

    fn unhealthy(&self) -> usize {
        self.apps.iter().filter(|app| !app.healthy).count()
    }
}

/// `scimform drift --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(title = "scimform drift")]
pub(crate) struct DriftView {
    /// Version of this format.
    pub(crate) format_version: u32,
    /// Whether the tenant differs from the specs (changes other than repairs).
    pub(crate) drifted: bool,
    /// Whether any app's provisioning is unhealthy.
    pub(crate) unhealthy: bool,
    /// The exit code: 0 clean, 2 drift, 3 unhealthy, 4 both.
    pub(crate) exit_code: u8,
    /// The plan (`plan --format json`).
    pub(crate) plan: PlanView,
    /// The health (`status --format json`).
    pub(crate) health: StatusView,
}

/// The JSON Schema of [`DriftView`], as committed in `schemas/drift.schema.json`.
pub(crate) fn json_schema_text() -> String {
    super::schema_text::<DriftView>("drift.schema.json")
}

pub(crate) fn render(format: Format, report: &Report<'_>) -> String {
    match format {
        Format::Human => human(report),
        Format::Json => json(report),
        Format::Markdown => markdown(report),
        Format::Github => super::plan::github(report.plan) + &super::status::github(report.apps),
    }
}

fn exit_code(report: &Report<'_>) -> u8 {
    match (report.drifted(), report.unhealthy() > 0) {
        (false, false) => 0,
        (true, false) => 2,
        (false, true) => 3,
        (true, true) => 4,
    }
}

fn json(report: &Report<'_>) -> String {
    let view = DriftView {
        format_version: JSON_VERSION,
        drifted: report.drifted(),
        unhealthy: report.unhealthy() > 0,
        exit_code: exit_code(report),
        plan: super::plan::view(report.plan),
        health: super::status::view(report.apps),
    };
    serde_json::to_string_pretty(&view).expect("drift views serialize") + "\n"
}

fn human(report: &Report<'_>) -> String {
    if report.quiet && exit_code(report) == 0 {
        return String::new();
    }
    let mut out = format!("{BOLD}Configuration{BOLD:#}\n\n");
    out.push_str(&super::plan::human(report.plan));
    out.push_str(&format!("\n{BOLD}Provisioning health{BOLD:#}\n\n"));
    if report.quiet && report.apps.is_empty() {
        out.push_str("Every app is healthy.\n");
    } else {
        out.push_str(&super::status::human(report.apps));
    }
    if exit_code(report) == 0 {
        out.push_str(&format!("\n{GOOD}No drift, and provisioning is healthy.{GOOD:#}\n"));
    }
    out
}

/// An issue body: a title line, what to do, the changes, the health.
fn markdown(report: &Report<'_>) -> String {
    let unhealthy = report.unhealthy();
    let title = match (report.drifted(), unhealthy) {
        (false, 0) => "no drift, provisioning healthy".to_owned(),
        (true, 0) => format!("configuration drift ({})", super::plan::summary_text(report.plan)),
        (false, count) => format!("{count} app(s) with unhealthy provisioning"),
        (true, count) => format!(
            "configuration drift ({}) and {count} app(s) with unhealthy provisioning",
            super::plan::summary_text(report.plan)
        ),
    };
    let mut out = format!("## scimform drift: {title}\n\n");
    if report.drifted() {
        out.push_str(
            "The tenant no longer matches the specs. Review the changes below; `scimform apply` puts the specs' state back (or change the specs to accept what changed).\n\n",
        );
    }
    if unhealthy > 0 {
        out.push_str(
            "Provisioning is not working for some apps: each finding below says why and what to do. `scimform status` shows the details.\n\n",
        );
    }
    out.push_str("### Configuration\n\n");
    let plan = super::plan::markdown(report.plan);
    out.push_str(plan.split_once('\n').map_or(plan.as_str(), |(_, rest)| rest).trim_start());
    out.push_str("\n### Provisioning health\n\n");
    out.push_str(&super::status::markdown_table(report.apps));
    out
}
