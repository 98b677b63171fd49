//! Health: how a managed app's provisioning is doing, judged from what the provisioning
//! service reports (the job's status) and, when asked, a Test Connection with the saved
//! credentials.
//!
//! Health is not drift. A plan says whether the tenant matches the specs; health says
//! whether provisioning works. They are kept apart so that a cycle ending (which changes
//! the job's status every 40 minutes) never makes a saved plan stale, and so that the
//! scheduled `drift` job can report the two separately. [`assess`] is pure: refresh
//! decodes the status, this module judges it.

use serde::{Deserialize, Serialize};

use crate::state::{JobSchedule, JobStatus, Quarantine};

/// A job's health as the provisioning service reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobHealth {
    /// Job id.
    pub job_id: String,
    /// Whether the job runs on its schedule.
    pub schedule: JobSchedule,
    /// Time between cycles (ISO-8601 duration), as Graph reports it.
    #[serde(default)]
    pub interval: Option<String>,
    /// The service's status code.
    pub status: JobStatus,
    /// The quarantine, when there is one.
    #[serde(default)]
    pub quarantine: Option<Quarantine>,
    /// The last cycle.
    #[serde(default)]
    pub last_execution: Option<Execution>,
    /// The last cycle without errors.
    #[serde(default)]
    pub last_successful_execution: Option<Execution>,
    /// When a cycle first ended with nothing left to do (`None`: never).
    #[serde(default)]
    pub steady_state_first_achieved: Option<String>,
    /// When a cycle last ended with nothing left to do (`None`: never).
    #[serde(default)]
    pub steady_state_last_achieved: Option<String>,
    /// Cycles in a row that failed completely.
    #[serde(default)]
    pub successive_failures: i64,
    /// Whether the initial cycle pruned its escrows instead of quarantining.
    #[serde(default)]
    pub escrows_pruned: bool,
    /// Users the service has in the SCIM app.
    #[serde(default)]
    pub users_in_target: Option<i64>,
    /// Groups the service has in the SCIM app.
    #[serde(default)]
    pub groups_in_target: Option<i64>,
}

/// One thing the provisioning service did to one object (a provisioning-log row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Activity {
    /// When.
    pub time: Option<String>,
    /// `create`, `update`, `disable`, `delete`, `stagedDelete`, `other`.
    pub action: String,
    /// The Entra object (a UPN or a group name).
    pub subject: String,
    /// `success`, `failure`, `skipped`, `warning`.
    pub status: String,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// What the provisioning logs say about the objects that failed lately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "state", deny_unknown_fields)]
pub enum FailureLog {
    /// Not read: nothing failed, or the job has not run.
    NotRead,
    /// Read: the failed entries since the last cycle began, newest first.
    Read {
        /// The failed entries.
        failures: Vec<Activity>,
    },
    /// The identity may not read the provisioning logs.
    Unavailable {
        /// Why, in words (the permission it lacks).
        reason: String,
    },
}

/// One provisioning cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Execution {
    /// How it ended.
    pub state: ExecutionState,
    /// Start.
    #[serde(default)]
    pub began: Option<String>,
    /// End.
    #[serde(default)]
    pub ended: Option<String>,
    /// Objects in scope.
    #[serde(default)]
    pub entitled: i64,
    /// Objects written to the SCIM app.
    #[serde(default)]
    pub exported: i64,
    /// Objects that failed (retried in later cycles).
    #[serde(default)]
    pub escrowed: i64,
    /// Objects read from Entra ID.
    #[serde(default)]
    pub imported: i64,
    /// The service's error code, when it failed.
    #[serde(default)]
    pub error_code: Option<String>,
    /// The service's error message.
    #[serde(default)]
    pub error_message: Option<String>,
}

impl Execution {
    /// Whether objects failed in this cycle (they are retried, and keep failing until
    /// their cause is fixed).
    pub fn failed_objects(&self) -> bool {
        self.state == ExecutionState::EntryLevelErrors || self.escrowed > 0
    }
}

/// How a cycle ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExecutionState {
    /// Without errors.
    Succeeded,
    /// The cycle failed as a whole.
    Failed,
    /// Some objects failed.
    EntryLevelErrors,
    /// A state this version of scimform does not know.
    Unknown,
}

/// The outcome of a Test Connection with the saved credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "result", deny_unknown_fields)]
pub enum Connection {
    /// The SCIM endpoint accepted the saved credentials.
    Passed,
    /// It did not.
    Failed {
        /// The service's error code.
        code: String,
        /// The service's message.
        message: String,
    },
    /// It could not be run: the identity may not (Test Connection is a write,
    /// `Synchronization.ReadWrite.All`); health is judged without it.
    NotRun {
        /// Why, naming the permission.
        reason: String,
    },
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Level {
    /// Worth knowing.
    Info,
    /// Needs a look, provisioning still works.
    Warning,
    /// Provisioning does not work: unhealthy.
    Error,
}

/// One thing found about an app's provisioning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Finding {
    /// How bad.
    pub level: Level,
    /// Stable name: `quarantine`, `deletion-hold`, `last-cycle-failed`, `entry-errors`,
    /// `escrows-pruned`, `connection-failed`, `connection-not-checked`, `logs-unavailable`,
    /// `stopped`, `no-job`, `not-managed`, `first-cycle-pending`.
    pub code: String,
    /// What and what to do.
    pub message: String,
}

/// What is known of one app for judging its health.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// App name.
    pub name: &'a str,
    /// Whether a managed app answers to the name.
    pub managed: bool,
    /// Whether the spec wants Provision Status on (`None`: the spec manages no provisioning).
    pub wanted_on: Option<bool>,
    /// The job's health (`None`: no job).
    pub job: Option<&'a JobHealth>,
    /// Test Connection's outcome, when it ran.
    pub connection: Option<&'a Connection>,
    /// The failed objects, as the provisioning logs name them.
    pub failures: &'a FailureLog,
    /// Whether the saved Tenant URL carries Entra's SCIM 2.0 compliance flag (`None`:
    /// unknown).
    pub scim_compliance: Option<bool>,
}

/// Judges one app. An app is unhealthy when any finding is an [`Level::Error`].
pub fn assess(subject: &Subject<'_>) -> Vec<Finding> {
    let name = subject.name;
    let mut findings = Vec::new();
    let mut add = |level, code: &str, message: String| findings.push(Finding { level, code: code.to_owned(), message });
    if !subject.managed {
        add(
            Level::Warning,
            "not-managed",
            format!("no managed app is named `{name}` yet; `scimform apply` creates (or adopts) it"),
        );
        return findings;
    }
    let Some(job) = subject.job else {
        if subject.wanted_on.is_some() {
            add(Level::Warning, "no-job", "the app has no provisioning job; `scimform apply` creates it".to_owned());
        }
        return findings;
    };
    if let Some(quarantine) = &job.quarantine {
        if quarantine.is_deletion_hold() {
            add(
                Level::Error,
                "deletion-hold",
                format!(
                    "the accidental-deletion guard holds deletions and quarantined the job ({}); review them in the provisioning logs, then restore or re-assign the objects, or carry the deletions out with `scimform apply --allow-deletes app.{name}`",
                    quarantine.describe()
                ),
            );
        } else {
            add(
                Level::Error,
                "quarantine",
                format!(
                    "the provisioning service quarantined the job ({}){}; fix the cause (for an invalid token, update the token the spec references, or run `scimform apply --replace app.{name}.provisioning.token`), then `scimform apply` restarts the job",
                    quarantine.describe(),
                    series(quarantine)
                ),
            );
        }
    } else if job.status == JobStatus::Quarantine {
        add(
            Level::Error,
            "quarantine",
            "the provisioning service quarantined the job (no details reported)".to_owned(),
        );
    }
    if let Some(Connection::Failed { code, message }) = subject.connection {
        add(
            Level::Error,
            "connection-failed",
            format!(
                "Test Connection with the saved credentials failed ({code}: {message}); if the token was changed outside scimform, run `scimform apply --replace app.{name}.provisioning.token`"
            ),
        );
    }
    if let Some(Connection::NotRun { reason }) = subject.connection {
        add(Level::Info, "connection-not-checked", format!("Test Connection: not run ({reason})"));
    }
    if let FailureLog::Unavailable { reason } = subject.failures
        && !job.last_execution.as_ref().is_some_and(Execution::failed_objects)
    {
        add(Level::Info, "logs-unavailable", format!("provisioning logs: not readable ({reason})"));
    }
    if subject.wanted_on == Some(true) && job.schedule != JobSchedule::Active {
        add(
            Level::Warning,
            "stopped",
            format!(
                "the job is {} but the spec says `status: on`; `scimform apply` starts it",
                job.schedule.describe()
            ),
        );
    }
    execution_findings(subject, job, &mut add);
    findings
}

fn execution_findings(subject: &Subject<'_>, job: &JobHealth, add: &mut impl FnMut(Level, &str, String)) {
    match &job.last_execution {
        Some(last) if last.state == ExecutionState::Failed => {
            let error = match (&last.error_code, &last.error_message) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(text), None) | (None, Some(text)) => text.clone(),
                (None, None) => "no error reported".to_owned(),
            };
            let failures = if job.successive_failures > 1 {
                format!("; {} cycles in a row failed", job.successive_failures)
            } else {
                String::new()
            };
            add(Level::Error, "last-cycle-failed", format!("the last provisioning cycle failed ({error}){failures}"));
        }
        Some(last) if last.failed_objects() => {
            add(Level::Error, "entry-errors", failing_objects(subject, last.escrowed));
        }
        None if job.schedule == JobSchedule::Active && job.quarantine.is_none() => add(
            Level::Info,
            "first-cycle-pending",
            "the job runs but has not finished a cycle yet (the first one can take from minutes to hours)".to_owned(),
        ),
        _ => {}
    }
    if job.escrows_pruned {
        add(
            Level::Warning,
            "escrows-pruned",
            "the initial cycle hit the error threshold and dropped its failed objects instead of retrying them"
                .to_owned(),
        );
    }
}

/// Most failed objects a finding names one by one.
const NAMED_FAILURES: usize = 10;

/// The objects that fail, named from the provisioning logs when they could be read, and
/// what to do about it. A cycle that failed objects leaves them failing in every cycle
/// after (the service retries them) until the cause is fixed: a leaver who is never
/// deactivated, a member who is never removed. That is unhealthy, not a warning.
fn failing_objects(subject: &Subject<'_>, escrowed: i64) -> String {
    let mut message = format!(
        "{escrowed} object(s) failed in the last cycle; the provisioning service retries them every cycle, and they keep failing until the cause is fixed"
    );
    match subject.failures {
        FailureLog::Read { failures } if !failures.is_empty() => {
            message.push(':');
            for failure in failures.iter().take(NAMED_FAILURES) {
                let error = failure.error.as_deref().unwrap_or("no detail");
                message.push_str(&format!("\n  - {} ({}): {error}", failure.subject, failure.action));
            }
            if failures.len() > NAMED_FAILURES {
                message.push_str(&format!("\n  - … and {} more", failures.len() - NAMED_FAILURES));
            }
            if subject.scim_compliance != Some(true) && failures.iter().any(is_legacy_form_failure) {
                message.push_str(&format!(
                    "\nThese are requests whose form Entra's SCIM 2.0 compliance flag changes (a deactivation sends `active` as the string \"False\", a member removal sends `Remove` with a `value`), and the SCIM app refused them. If it refuses those legacy forms, turn the flag on: write `scimCompliance: true` under `provisioning.credentials` in the spec of `{}`, then `scimform apply` (Test Connection runs first). `scimform scim-check --write` shows, request by request, what the app refuses in each dialect.",
                    subject.name
                ));
            }
        }
        FailureLog::Read { .. } | FailureLog::NotRead => {
            message.push_str("; `scimform status --logs 20` shows the provisioning logs, which name them");
        }
        FailureLog::Unavailable { reason } => {
            message.push_str(&format!("; the provisioning logs would name them, but cannot be read ({reason})"));
        }
    }
    message
}

/// Whether a failure is of a kind whose request the compliance flag changes (Entra's
/// SCIM dialect says which), refused as malformed by the SCIM app (a 400).
fn is_legacy_form_failure(failure: &Activity) -> bool {
    let refused = failure.error.as_deref().is_some_and(|error| error.contains("400"));
    refused
        && scimform_scim_dialect::Operation::of_log_action(&failure.action)
            .is_some_and(scimform_scim_dialect::Operation::differs_between_dialects)
}

fn series(quarantine: &Quarantine) -> String {
    let mut parts = Vec::new();
    if let Some(since) = &quarantine.since {
        parts.push(format!("since {since}"));
    }
    if let Some(next) = &quarantine.next_attempt {
        parts.push(format!("next attempt {next}"));
    }
    if let Some(count) = quarantine.series_count.filter(|count| *count > 1) {
        parts.push(format!("{count} times in a row"));
    }
    if parts.is_empty() { String::new() } else { format!(", {}", parts.join(", ")) }
}

/// Whether any finding makes the app unhealthy.
pub fn is_unhealthy(findings: &[Finding]) -> bool {
    findings.iter().any(|finding| finding.level == Level::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> JobHealth {
        JobHealth {
            job_id: "scim.1".to_owned(),
            schedule: JobSchedule::Active,
            interval: Some("PT40M".to_owned()),
            status: JobStatus::Active,
            quarantine: None,
            last_execution: Some(Execution {
                state: ExecutionState::Succeeded,
                began: None,
                ended: None,
                entitled: 3,
                exported: 3,
                escrowed: 0,
                imported: 3,
                error_code: None,
                error_message: None,
            }),
            last_successful_execution: None,
            steady_state_first_achieved: None,
            steady_state_last_achieved: None,
            successive_failures: 0,
            escrows_pruned: false,
            users_in_target: None,
            groups_in_target: None,
        }
    }

    fn subject<'a>(job: &'a JobHealth, connection: Option<&'a Connection>) -> Subject<'a> {
        Subject {
            name: "netskope",
            managed: true,
            wanted_on: Some(true),
            job: Some(job),
            connection,
            failures: &FailureLog::NotRead,
            scim_compliance: Some(false),
        }
    }

    #[test]
    fn a_running_job_with_a_clean_cycle_is_healthy() {
        let job = job();
        assert_eq!(assess(&subject(&job, Some(&Connection::Passed))), Vec::new());
    }

    #[test]
    fn quarantine_and_failed_connections_are_unhealthy_and_name_commands_that_exist() {
        let mut job = job();
        job.status = JobStatus::Quarantine;
        job.quarantine = Some(Quarantine {
            reason: Some("EncounteredQuarantineException".to_owned()),
            error_message: Some("401 Unauthorized".to_owned()),
            ..Quarantine::default()
        });
        let failed = Connection::Failed { code: "X".to_owned(), message: "401".to_owned() };
        let findings = assess(&subject(&job, Some(&failed)));
        assert!(is_unhealthy(&findings));
        let codes: Vec<&str> = findings.iter().map(|finding| finding.code.as_str()).collect();
        assert_eq!(codes, ["quarantine", "connection-failed"]);
        assert!(findings[0].message.contains("EncounteredQuarantineException: 401 Unauthorized"));
        assert!(findings[1].message.contains("scimform apply --replace app.netskope.provisioning.token"));
    }

    #[test]
    fn a_deletion_hold_says_how_to_release_it() {
        let mut job = job();
        job.quarantine = Some(Quarantine {
            reason: Some("too many deletions".to_owned()),
            deletion_hold: true,
            ..Quarantine::default()
        });
        let findings = assess(&subject(&job, None));
        assert_eq!(findings[0].code, "deletion-hold");
        assert!(findings[0].message.contains("scimform apply --allow-deletes app.netskope"));
    }

    #[test]
    fn failing_objects_make_the_app_unhealthy_and_are_named() {
        let mut job = job();
        if let Some(last) = job.last_execution.as_mut() {
            last.state = ExecutionState::EntryLevelErrors;
            last.escrowed = 2;
        }
        let findings = assess(&subject(&job, None));
        assert_eq!(findings[0].code, "entry-errors");
        assert!(is_unhealthy(&findings));
        assert!(findings[0].message.contains("scimform status --logs"), "{}", findings[0].message);
        let failures = FailureLog::Read {
            failures: vec![Activity {
                time: None,
                action: "update".to_owned(),
                subject: "Netskope Users".to_owned(),
                status: "failure".to_owned(),
                error: Some("SystemForCrossDomainIdentityManagementServiceIncompatible: the SCIM endpoint answered 400: a remove operation carries no value".to_owned()),
            }],
        };
        let named = Subject { failures: &failures, ..subject(&job, None) };
        let message = &assess(&named)[0].message;
        assert!(message.contains("Netskope Users (update): System"), "{message}");
        assert!(message.contains("scimCompliance: true"), "{message}");
        let flagged = Subject { scim_compliance: Some(true), ..named };
        assert!(!assess(&flagged)[0].message.contains("scimCompliance"));
        let unavailable = FailureLog::Unavailable { reason: "403: AuditLog.Read.All is needed".to_owned() };
        let message = &assess(&Subject { failures: &unavailable, ..subject(&job, None) })[0].message;
        assert!(message.contains("cannot be read (403: AuditLog.Read.All is needed)"), "{message}");
    }
}
