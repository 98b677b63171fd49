//! Health reads for `status` and `drift`, beside `refresh`: what judging a job's health
//! needs besides the job itself. Per app with a job: Test Connection with the saved
//! credentials (when asked), and its provisioning logs (the `--logs` rows, and the
//! objects that failed when the last cycle reports failures; one read serves both). All of
//! them go out together in `$batch`es of 20, whatever the number of apps.
//!
//! Optional reads degrade rather than fail, so that a read-only identity can judge health:
//! one that may not read the provisioning logs (`AuditLog.Read.All`) gets
//! `FailureLog::Unavailable` with the reason, also for the `--logs` rows asked for; one that
//! may not run Test Connection (a write: `Synchronization.ReadWrite.All`) gets
//! `Connection::NotRun`. Each is a named gap in the output, and health is judged without
//! it. Other errors fail the read.

use std::collections::{BTreeMap, BTreeSet};

use scimform_graph::{GraphClient, Request, Response, reads, writes};
use scimform_plan::Live;
use scimform_plan::health::{Activity, Connection, Execution, FailureLog, JobHealth};

use crate::refresh::{RefreshError, failed};
use crate::wire;

/// Provisioning-log rows read to find the objects that failed in the last cycle.
const FAILURE_ROWS: usize = 100;

/// What to read besides the job's status.
#[derive(Debug, Clone, Copy, Default)]
pub struct Checks {
    /// Test Connection with the saved credentials.
    pub test_connection: bool,
    /// How many provisioning-log rows to show per app.
    pub logs: Option<usize>,
}

/// What the health reads found for one app.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthReads {
    /// Test Connection's outcome, when it ran.
    pub connection: Option<Connection>,
    /// The newest provisioning-log rows, at most `Checks::logs` of them.
    pub activity: Vec<Activity>,
    /// The objects that failed since the last cycle began, when it reports failures.
    pub failures: FailureLog,
}

/// One read to make.
enum Read {
    Connection { app: String },
    Logs { app: String, top: usize, since: Option<String>, failures: bool },
}

/// Reads what `checks` ask for every app of `apps` that refresh found managed with a job
/// (`health` is refresh's), in one set of batches. Apps without a job get nothing read.
pub async fn read(
    client: &GraphClient,
    live: &Live,
    health: &BTreeMap<String, JobHealth>,
    apps: &[&str],
    checks: Checks,
) -> Result<BTreeMap<String, HealthReads>, RefreshError> {
    let mut found = BTreeMap::new();
    let mut planned: Vec<(Read, Request)> = Vec::new();
    for name in apps {
        let (Some(managed), Some(job)) = (live.apps.get(*name), health.get(*name)) else { continue };
        found.insert(
            (*name).to_owned(),
            HealthReads { connection: None, activity: Vec::new(), failures: FailureLog::NotRead },
        );
        if checks.test_connection {
            let request = writes::test_saved_credentials(&managed.service_principal_id, &job.job_id);
            planned.push((Read::Connection { app: (*name).to_owned() }, request));
        }
        let failures = job.last_execution.as_ref().is_some_and(Execution::failed_objects);
        if failures || checks.logs.is_some() {
            let top = checks.logs.unwrap_or(0).max(if failures { FAILURE_ROWS } else { 0 });
            let since = job.last_execution.as_ref().and_then(|last| last.began.clone());
            let read = Read::Logs { app: (*name).to_owned(), top: checks.logs.unwrap_or(0), since, failures };
            planned.push((read, reads::provisioning_logs(&job.job_id, top)));
        }
    }
    let requests: Vec<Request> = planned.iter().map(|(_, request)| request.clone()).collect();
    let answers = client.batch(&requests).await;
    for ((read, request), answer) in planned.into_iter().zip(answers) {
        match read {
            Read::Connection { app } => {
                let connection = match answer {
                    Ok(_) => Connection::Passed,
                    Err(scimform_graph::Error::Api { status: 400, code, message, .. }) => {
                        Connection::Failed { code, message }
                    }
                    Err(error) if matches!(error.status(), Some(401 | 403)) => Connection::NotRun {
                        reason: format!(
                            "Graph answered {}; Test Connection needs Synchronization.ReadWrite.All",
                            error.status().unwrap_or_default()
                        ),
                    },
                    Err(error) => return Err(failed(format!("the result of Test Connection of `{app}`"))(error)),
                };
                found.get_mut(&app).expect("planned for a found app").connection = Some(connection);
            }
            Read::Logs { app, top, since, failures } => {
                let reads = found.get_mut(&app).expect("planned for a found app");
                match answer.and_then(|response| decode_logs(&request, response)) {
                    Ok(rows) => {
                        if failures {
                            reads.failures = failures_since(&rows, since.as_deref());
                        }
                        reads.activity = rows.into_iter().take(top).collect();
                    }
                    Err(error) if matches!(error.status(), Some(401 | 403)) => {
                        let reason = format!(
                            "Graph answered {}; reading them needs AuditLog.Read.All",
                            error.status().unwrap_or_default()
                        );
                        reads.failures = FailureLog::Unavailable { reason };
                    }
                    Err(error) => return Err(failed(format!("the provisioning logs of `{app}`"))(error)),
                }
            }
        }
    }
    Ok(found)
}

/// Provisioning-log rows from a list answer.
fn decode_logs(request: &Request, response: Response) -> Result<Vec<Activity>, scimform_graph::Error> {
    let status = response.status;
    let mut body = response.into_value().unwrap_or_default();
    let rows: Vec<scimform_graph::models::ProvisioningObjectSummary> =
        scimform_graph::parse(request, Response::json(status, Some(body["value"].take())))?;
    Ok(rows.into_iter().map(wire::decode_activity).collect())
}

/// The objects that failed since `since` (the last cycle's start; `None`: any), one entry
/// per object and action, newest first.
fn failures_since(rows: &[Activity], since: Option<&str>) -> FailureLog {
    let mut seen = BTreeSet::new();
    let failures = rows
        .iter()
        .filter(|row| row.status.eq_ignore_ascii_case("failure"))
        .filter(|row| match (since, row.time.as_deref()) {
            (Some(since), Some(time)) => time >= since,
            _ => true,
        })
        .filter(|row| seen.insert((row.subject.clone(), row.action.clone())))
        .cloned()
        .collect();
    FailureLog::Read { failures }
}
