//! Health reports (`status`): a table for people, a versioned JSON document (schema in
//! `schemas/status.schema.json`), Markdown, and GitHub annotations at each spec's file and
//! line. Renderers read a report; judging health is `scimform_plan::health`'s job.

use schemars::JsonSchema;
use scimform_plan::health::{Connection, Finding, JobHealth, Level};
use scimform_plan::state::JobSchedule;
use serde::Serialize;

use super::errors::Location;
use super::{ACCENT, BOLD, ERROR, GOOD, WARNING};

/// Version of the JSON view. Bumped only on incompatible changes.
pub(crate) const JSON_VERSION: u32 = 1;

/// `scimform status --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(title = "scimform status")]
pub(crate) struct StatusView {
    /// Version of this format.
    pub(crate) format_version: u32,
    /// Whether no app is unhealthy.
    pub(crate) healthy: bool,
    /// The specs' apps, by name.
    pub(crate) apps: Vec<AppHealth>,
}

/// One app's health.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AppHealth {
    /// App name (the spec's `name`).
    pub(crate) name: String,
    /// The spec file that names it.
    pub(crate) file: String,
    /// The line where its document starts.
    pub(crate) line: u32,
    /// Display name of the managed app (absent when none answers to the name).
    pub(crate) display_name: Option<String>,
    /// Its service principal object id.
    pub(crate) service_principal_id: Option<String>,
    /// Whether no finding is an error.
    pub(crate) healthy: bool,
    /// The provisioning job, as the service reports it (absent without one).
    pub(crate) job: Option<JobHealth>,
    /// Test Connection with the saved credentials (absent unless `--test-connection`).
    pub(crate) connection: Option<Connection>,
    /// What was found, worst first.
    pub(crate) findings: Vec<Finding>,
}

impl AppHealth {
    pub(crate) fn location(&self) -> Location {
        Location { file: self.file.clone(), line: self.line, column: 1 }
    }
}

pub(crate) fn view(apps: &[AppHealth]) -> StatusView {
    StatusView { format_version: JSON_VERSION, healthy: apps.iter().all(|app| app.healthy), apps: apps.to_vec() }
}

/// The JSON Schema of [`StatusView`], as committed in `schemas/status.schema.json`.
pub(crate) fn json_schema_text() -> String {
    super::schema_text::<StatusView>("status.schema.json")
}

fn schedule_word(schedule: JobSchedule) -> &'static str {
    match schedule {
        JobSchedule::Active => "on",
        JobSchedule::Paused => "paused",
        JobSchedule::Disabled => "off",
    }
}

/// `Active (on, every PT40M)`, `Quarantine (on)`, `no job`.
fn job_summary(job: Option<&JobHealth>) -> String {
    let Some(job) = job else { return "no job".to_owned() };
    let status = serde_json::to_value(job.status).ok().and_then(|value| value.as_str().map(str::to_owned));
    let interval = job.interval.as_deref().map(|interval| format!(", every {interval}")).unwrap_or_default();
    format!("{} ({}{interval})", status.unwrap_or_default(), schedule_word(job.schedule))
}

fn last_cycle(job: Option<&JobHealth>) -> String {
    let Some(last) = job.and_then(|job| job.last_execution.as_ref()) else { return "none".to_owned() };
    let state = serde_json::to_value(last.state).ok().and_then(|value| value.as_str().map(str::to_owned));
    let ended = last.ended.as_deref().unwrap_or("running");
    format!(
        "{} at {ended}: {} exported, {} failed of {} in scope",
        state.unwrap_or_default(),
        last.exported,
        last.escrowed,
        last.entitled
    )
}

fn level_style(level: Level) -> (anstyle::Style, &'static str) {
    match level {
        Level::Error => (ERROR, "error"),
        Level::Warning => (WARNING, "warning"),
        Level::Info => (ACCENT, "note"),
    }
}

pub(crate) fn human(apps: &[AppHealth]) -> String {
    let mut out = String::new();
    if apps.is_empty() {
        return "No apps in the specs given.\n".to_owned();
    }
    let width = apps.iter().map(|app| app.name.len()).max().unwrap_or(0).max(3);
    out.push_str(&format!("{BOLD}{:<width$}  {:<9}  {:<28}  last cycle{BOLD:#}\n", "app", "health", "job"));
    for app in apps {
        let (style, word) = if app.healthy { (GOOD, "healthy") } else { (ERROR, "unhealthy") };
        out.push_str(&format!(
            "{:<width$}  {style}{word:<9}{style:#}  {:<28}  {}\n",
            app.name,
            job_summary(app.job.as_ref()),
            last_cycle(app.job.as_ref())
        ));
    }
    for app in apps.iter().filter(|app| !app.findings.is_empty()) {
        out.push_str(&format!("\n{ACCENT}app.{}{ACCENT:#} ({}:{})\n", app.name, app.file, app.line));
        for finding in &app.findings {
            let (style, word) = level_style(finding.level);
            out.push_str(&format!("  {style}{word}{style:#}: {}\n", finding.message));
        }
    }
    out
}

pub(crate) fn markdown(apps: &[AppHealth]) -> String {
    let unhealthy = apps.iter().filter(|app| !app.healthy).count();
    let mut out = if unhealthy == 0 {
        format!("### scimform status: {} app(s) healthy\n\n", apps.len())
    } else {
        format!("### scimform status: {unhealthy} of {} app(s) unhealthy\n\n", apps.len())
    };
    out.push_str(&markdown_table(apps));
    out
}

/// The health table and each app's findings, in Markdown.
pub(crate) fn markdown_table(apps: &[AppHealth]) -> String {
    let mut out = String::from("| | app | job | last cycle |\n| --- | --- | --- | --- |\n");
    for app in apps {
        let icon = if app.healthy { "✅" } else { "❌" };
        out.push_str(&format!(
            "| {icon} | `{}` | {} | {} |\n",
            app.name,
            job_summary(app.job.as_ref()),
            last_cycle(app.job.as_ref()).replace('|', "\\|")
        ));
    }
    for app in apps.iter().filter(|app| !app.findings.is_empty()) {
        out.push_str(&format!("\n**`app.{}`** (`{}` line {})\n\n", app.name, app.file, app.line));
        for finding in &app.findings {
            let icon = match finding.level {
                Level::Error => "❌",
                Level::Warning => "⚠️",
                Level::Info => "ℹ️",
            };
            out.push_str(&format!("- {icon} {}\n", finding.message.replace('|', "\\|")));
        }
    }
    out
}

/// `::error file=…,line=…::…` per finding (warnings and notes as such), and a notice.
pub(crate) fn github(apps: &[AppHealth]) -> String {
    let mut out = String::new();
    for app in apps {
        let location = app.location();
        for finding in &app.findings {
            let command = match finding.level {
                Level::Error => "error",
                Level::Warning => "warning",
                Level::Info => "notice",
            };
            out.push_str(&format!(
                "::{command} file={},line={},title={}::{}\n",
                super::escape_property(&location.file),
                location.line,
                super::escape_property(&format!("scimform {} app.{}", finding.code, app.name)),
                super::escape_data(&finding.message)
            ));
        }
    }
    let unhealthy = apps.iter().filter(|app| !app.healthy).count();
    out.push_str(&format!("::notice title=scimform status::{} of {} app(s) unhealthy.\n", unhealthy, apps.len()));
    out
}

pub(crate) fn json(apps: &[AppHealth]) -> String {
    serde_json::to_string_pretty(&view(apps)).expect("status views serialize") + "\n"
}
