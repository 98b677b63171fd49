//! Health reports (`status`): a table for people, a versioned JSON document (schema in
//! `schemas/status.schema.json`), Markdown, and GitHub annotations at each spec's file and
//! line. Renderers read a report; judging health is `scimform_plan::health`'s job.

use schemars::JsonSchema;
use scimform_plan::health::{Activity, Connection, Execution, ExecutionState, Finding, JobHealth, Level};
use scimform_plan::state::{JobSchedule, JobStatus, Quarantine};
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
    pub(crate) apps: Vec<AppView>,
}

/// One app's health, as `status --format json` shows it.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AppView {
    /// App name (the spec's `name`).
    pub(crate) name: String,
    /// The spec file that names it.
    pub(crate) file: String,
    /// The line where its document starts.
    pub(crate) line: u32,
    /// Display name of the managed app (null when none answers to the name).
    pub(crate) display_name: Option<String>,
    /// Its service principal object id.
    pub(crate) service_principal_id: Option<String>,
    /// Whether no finding is an error.
    pub(crate) healthy: bool,
    /// The provisioning job, as the service reports it (null without one).
    pub(crate) job: Option<JobView>,
    /// Test Connection with the saved credentials (null unless `--test-connection`).
    pub(crate) connection: Option<ConnectionView>,
    /// What was found, worst first.
    pub(crate) findings: Vec<FindingView>,
    /// What the provisioning service did lately, newest first (empty without `--logs`).
    pub(crate) recent_activity: Vec<ActivityView>,
}

/// One thing the provisioning service did to one object.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ActivityView {
    /// When.
    pub(crate) time: Option<String>,
    /// `create`, `update`, `disable`, `delete`, `stagedDelete`, `other`.
    pub(crate) action: String,
    /// The Entra user or group.
    pub(crate) subject: String,
    /// `success`, `failure`, `skipped`, `warning`.
    pub(crate) status: String,
    /// Why it failed.
    pub(crate) error: Option<String>,
}

/// A provisioning job's health.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JobView {
    /// Job id.
    pub(crate) id: String,
    /// Provision Status: `on` (running), `paused`, or `off` (never started, or disabled by
    /// the service).
    pub(crate) schedule: String,
    /// Time between cycles (ISO-8601 duration).
    pub(crate) interval: Option<String>,
    /// The service's status code: `NotConfigured`, `NotRun`, `Active`, `Paused`,
    /// `Quarantine`, or `Unknown`.
    pub(crate) status_code: String,
    /// The quarantine (null when there is none).
    pub(crate) quarantine: Option<QuarantineView>,
    /// The last cycle.
    pub(crate) last_execution: Option<ExecutionView>,
    /// The last cycle without errors.
    pub(crate) last_successful_execution: Option<ExecutionView>,
    /// When a cycle first ended with nothing left to do (null: never).
    pub(crate) steady_state_first_achieved: Option<String>,
    /// When a cycle last ended with nothing left to do (null: never).
    pub(crate) steady_state_last_achieved: Option<String>,
    /// Cycles in a row that failed completely.
    pub(crate) successive_failures: i64,
    /// Whether the accidental-deletion guard holds deletions.
    pub(crate) deletion_hold: bool,
    /// Users the service has in the SCIM app.
    pub(crate) users_in_target: Option<i64>,
    /// Groups the service has in the SCIM app.
    pub(crate) groups_in_target: Option<i64>,
}

/// A quarantine.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QuarantineView {
    /// The service's reason (`EncounteredQuarantineException`, `TooManyDeletes`, …).
    pub(crate) reason: Option<String>,
    /// The service's error code.
    pub(crate) error_code: Option<String>,
    /// The service's error message.
    pub(crate) error_message: Option<String>,
    /// When the current quarantine began.
    pub(crate) since: Option<String>,
    /// When the service tries again.
    pub(crate) next_attempt: Option<String>,
    /// How many times in a row it was imposed.
    pub(crate) series_count: Option<i64>,
}

/// A provisioning cycle.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExecutionView {
    /// `Succeeded`, `Failed`, `EntryLevelErrors` or `Unknown`.
    pub(crate) state: String,
    /// Start.
    pub(crate) began: Option<String>,
    /// End.
    pub(crate) ended: Option<String>,
    /// Objects in scope.
    pub(crate) entitled: i64,
    /// Objects written to the SCIM app.
    pub(crate) exported: i64,
    /// Objects that failed (retried later).
    pub(crate) escrowed: i64,
    /// The service's error code, when it failed.
    pub(crate) error_code: Option<String>,
    /// The service's error message.
    pub(crate) error_message: Option<String>,
}

/// Test Connection's outcome.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConnectionView {
    /// `passed`, `failed`, or `notRun` (the identity may not run it).
    pub(crate) result: String,
    /// The service's error code, when it failed.
    pub(crate) code: Option<String>,
    /// The service's message, when it failed; why it did not run, when it did not.
    pub(crate) message: Option<String>,
}

/// One finding.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FindingView {
    /// `error` (unhealthy), `warning` or `info`.
    pub(crate) level: String,
    /// Stable name: `quarantine`, `deletion-hold`, `last-cycle-failed`, `entry-errors`,
    /// `escrows-pruned`, `connection-failed`, `stopped`, `no-job`, `not-managed`,
    /// `first-cycle-pending`.
    pub(crate) code: String,
    /// What and what to do.
    pub(crate) message: String,
}

/// One app's health, as the commands found it.
#[derive(Debug, Clone)]
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
    /// What the provisioning service did lately, newest first (`--logs`).
    pub(crate) activity: Vec<Activity>,
}

/// A serde enum's name as serialized (`active`, `Quarantine`, …).
fn word<T: Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

pub(crate) fn status_code(status: JobStatus) -> &'static str {
    match status {
        JobStatus::NotConfigured => "NotConfigured",
        JobStatus::NotRun => "NotRun",
        JobStatus::Active => "Active",
        JobStatus::Paused => "Paused",
        JobStatus::Quarantine => "Quarantine",
        JobStatus::Unknown => "Unknown",
    }
}

fn execution_view(execution: &Execution) -> ExecutionView {
    ExecutionView {
        state: match execution.state {
            ExecutionState::Succeeded => "Succeeded",
            ExecutionState::Failed => "Failed",
            ExecutionState::EntryLevelErrors => "EntryLevelErrors",
            ExecutionState::Unknown => "Unknown",
        }
        .to_owned(),
        began: execution.began.clone(),
        ended: execution.ended.clone(),
        entitled: execution.entitled,
        exported: execution.exported,
        escrowed: execution.escrowed,
        error_code: execution.error_code.clone(),
        error_message: execution.error_message.clone(),
    }
}

fn quarantine_view(quarantine: &Quarantine) -> QuarantineView {
    QuarantineView {
        reason: quarantine.reason.clone(),
        error_code: quarantine.error_code.clone(),
        error_message: quarantine.error_message.clone(),
        since: quarantine.since.clone(),
        next_attempt: quarantine.next_attempt.clone(),
        series_count: quarantine.series_count,
    }
}

fn job_view(job: &JobHealth) -> JobView {
    JobView {
        id: job.job_id.clone(),
        schedule: schedule_word(job.schedule).to_owned(),
        interval: job.interval.clone(),
        status_code: status_code(job.status).to_owned(),
        quarantine: job.quarantine.as_ref().map(quarantine_view),
        last_execution: job.last_execution.as_ref().map(execution_view),
        last_successful_execution: job.last_successful_execution.as_ref().map(execution_view),
        steady_state_first_achieved: job.steady_state_first_achieved.clone(),
        steady_state_last_achieved: job.steady_state_last_achieved.clone(),
        successive_failures: job.successive_failures,
        deletion_hold: job.quarantine.as_ref().is_some_and(Quarantine::is_deletion_hold),
        users_in_target: job.users_in_target,
        groups_in_target: job.groups_in_target,
    }
}

fn app_view(app: &AppHealth) -> AppView {
    AppView {
        name: app.name.clone(),
        file: app.file.clone(),
        line: app.line,
        display_name: app.display_name.clone(),
        service_principal_id: app.service_principal_id.clone(),
        healthy: app.healthy,
        job: app.job.as_ref().map(job_view),
        connection: app.connection.as_ref().map(|connection| match connection {
            Connection::Passed => ConnectionView { result: "passed".to_owned(), code: None, message: None },
            Connection::Failed { code, message } => {
                ConnectionView { result: "failed".to_owned(), code: Some(code.clone()), message: Some(message.clone()) }
            }
            Connection::NotRun { reason } => {
                ConnectionView { result: "notRun".to_owned(), code: None, message: Some(reason.clone()) }
            }
        }),
        findings: app
            .findings
            .iter()
            .map(|finding| FindingView {
                level: word(finding.level),
                code: finding.code.clone(),
                message: finding.message.clone(),
            })
            .collect(),
        recent_activity: app
            .activity
            .iter()
            .map(|activity| ActivityView {
                time: activity.time.clone(),
                action: activity.action.clone(),
                subject: activity.subject.clone(),
                status: activity.status.clone(),
                error: activity.error.clone(),
            })
            .collect(),
    }
}

impl AppHealth {
    pub(crate) fn location(&self) -> Location {
        Location { file: self.file.clone(), line: self.line, column: 1 }
    }
}

pub(crate) fn view(apps: &[AppHealth]) -> StatusView {
    StatusView {
        format_version: JSON_VERSION,
        healthy: apps.iter().all(|app| app.healthy),
        apps: apps.iter().map(app_view).collect(),
    }
}

/// The JSON Schema of [`StatusView`], as committed in `schemas/status.schema.json`.
pub(crate) fn json_schema_text() -> String {
    super::schema_text::<StatusView>("status.schema.json")
}

pub(crate) fn schedule_word(schedule: JobSchedule) -> &'static str {
    match schedule {
        JobSchedule::Active => "on",
        JobSchedule::Paused => "paused",
        JobSchedule::Disabled => "off",
    }
}

/// `Active (on, every PT40M)`, `Quarantine (on)`, `no job`.
fn job_summary(job: Option<&JobHealth>) -> String {
    let Some(job) = job else { return "no job".to_owned() };
    let interval = job.interval.as_deref().map(|interval| format!(", every {interval}")).unwrap_or_default();
    format!("{} ({}{interval})", status_code(job.status), schedule_word(job.schedule))
}

fn last_cycle(job: Option<&JobHealth>) -> String {
    let Some(last) = job.and_then(|job| job.last_execution.as_ref()) else { return "none".to_owned() };
    let ended = last.ended.as_deref().unwrap_or("running");
    format!(
        "{} at {ended}: {} exported, {} failed of {} in scope",
        execution_view(last).state,
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
    let width = apps.iter().map(|app| app.name.chars().count()).max().unwrap_or(0).max(3);
    // The job column is as wide as its widest cell, so that the last column lines up.
    let jobs: Vec<String> = apps.iter().map(|app| job_summary(app.job.as_ref())).collect();
    let job_width = jobs.iter().map(|job| job.chars().count()).max().unwrap_or(0).max(3);
    out.push_str(&format!("{BOLD}{:<width$}  {:<9}  {:<job_width$}  last cycle{BOLD:#}\n", "app", "health", "job"));
    for (app, job) in apps.iter().zip(&jobs) {
        let (style, word) = if app.healthy { (GOOD, "healthy") } else { (ERROR, "unhealthy") };
        out.push_str(&format!(
            "{:<width$}  {style}{word:<9}{style:#}  {job:<job_width$}  {}\n",
            app.name,
            last_cycle(app.job.as_ref())
        ));
    }
    for app in apps.iter().filter(|app| !app.findings.is_empty() || !app.activity.is_empty()) {
        out.push_str(&format!("\n{ACCENT}app.{}{ACCENT:#} ({}:{})\n", app.name, app.file, app.line));
        if let Some(target) = in_target(app.job.as_ref()) {
            out.push_str(&format!("  in the SCIM app: {target}\n"));
        }
        for finding in &app.findings {
            let (style, word) = level_style(finding.level);
            // A message's later lines (the failing objects, one a line) stay under it.
            out.push_str(&format!("  {style}{word}{style:#}: {}\n", finding.message.replace('\n', "\n    ")));
        }
        for activity in &app.activity {
            out.push_str(&format!("  {}\n", activity_line(activity)));
        }
    }
    out
}

/// `2 users, 1 group`, when the service reports it.
fn in_target(job: Option<&JobHealth>) -> Option<String> {
    let job = job?;
    let plural = |count: i64, word: &str| format!("{count} {word}{}", if count == 1 { "" } else { "s" });
    Some(format!("{}, {}", plural(job.users_in_target?, "user"), plural(job.groups_in_target.unwrap_or(0), "group")))
}

/// `2026-11-30T10:00:00Z create alice@contoso.com: success`.
fn activity_line(activity: &Activity) -> String {
    let error = activity.error.as_deref().map(|error| format!(" ({error})")).unwrap_or_default();
    format!(
        "{} {} {}: {}{error}",
        activity.time.as_deref().unwrap_or("-"),
        activity.action,
        activity.subject,
        activity.status
    )
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
    for app in apps.iter().filter(|app| !app.findings.is_empty() || !app.activity.is_empty()) {
        out.push_str(&format!("\n**`app.{}`** (`{}` line {})\n\n", app.name, app.file, app.line));
        for finding in &app.findings {
            let icon = match finding.level {
                Level::Error => "❌",
                Level::Warning => "⚠️",
                Level::Info => "ℹ️",
            };
            out.push_str(&format!("- {icon} {}\n", finding.message.replace('|', "\\|").replace('\n', "\n  ")));
        }
        for activity in &app.activity {
            out.push_str(&format!("- `{}`\n", activity_line(activity)));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn app(name: &str, job: Option<serde_json::Value>) -> AppHealth {
        AppHealth {
            name: name.to_owned(),
            file: "specs.yaml".to_owned(),
            line: 1,
            display_name: None,
            service_principal_id: None,
            healthy: true,
            job: job.map(|job| serde_json::from_value(job).unwrap()),
            connection: None,
            findings: Vec::new(),
            activity: Vec::new(),
        }
    }

    /// The last column starts at the same place on every row, however long the job cell.
    #[test]
    fn the_table_lines_up_with_long_job_cells() {
        let long = serde_json::json!({
            "jobId": "j", "schedule": "active", "status": "quarantine",
            "interval": "P1DT12H30M45S-and-a-long-custom-interval",
        });
        let apps = [app("a", None), app("an-app-with-a-long-name", Some(long))];
        // What a terminal shows: the text without its colour codes.
        let mut table = String::new();
        let mut escaped = false;
        for character in human(&apps).chars() {
            match (escaped, character) {
                (false, '\u{1b}') => escaped = true,
                (true, 'm') => escaped = false,
                (true, _) => {}
                (false, character) => table.push(character),
            }
        }
        let starts: Vec<usize> = table
            .lines()
            .filter(|line| !line.is_empty())
            .map(|line| line.find("last cycle").or_else(|| line.find("none")).expect("a last-cycle cell"))
            .collect();
        assert!(starts.windows(2).all(|pair| pair[0] == pair[1]), "{table}");
    }
}
