//! Entra's provisioning service, played: a job that runs runs cycles against its SCIM
//! endpoint, and reports them as Graph does.
//!
//! - `cycle`: one cycle: gather (under the lock), execute (SCIM over HTTP, no lock);
//! - `status`: writing a cycle's outcome back: job status, links, escrows, quarantine,
//!   provisioning logs;
//! - this file: the per-job engine state, running a cycle, and the scheduler.
//!
//! Time: cycles run every `cycle_interval` (Graph's fixed 40 minutes unless the emulator
//! is told otherwise), a new or restarted job at once, a quarantined one at its next
//! attempt. The scheduler can be off (tests drive cycles through the admin API, which runs
//! one now and waits for it).

pub(crate) mod cycle;
pub(crate) mod status;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::world::Shared;

/// A provision-on-demand request, checked, to run outside the lock.
#[derive(Debug, Clone)]
pub(crate) struct OnDemand {
    pub(crate) sp_id: String,
    pub(crate) job_id: String,
    /// The subject's object id.
    pub(crate) subject: String,
    /// `User` or `Group`.
    pub(crate) type_name: String,
}

/// When and whether cycles run by themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Whether a background task runs due cycles (off: only the admin API runs them).
    pub enabled: bool,
    /// Time between cycles of a running job (Graph: 40 minutes, fixed).
    pub interval: Duration,
}

impl Schedule {
    /// Graph's own: on, every 40 minutes.
    pub fn graph() -> Schedule {
        Schedule { enabled: true, interval: Duration::from_secs(40 * 60) }
    }

    /// Off: cycles run only when the admin API asks.
    pub fn manual() -> Schedule {
        Schedule { enabled: false, interval: Duration::from_secs(40 * 60) }
    }
}

/// Why a cycle did not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotRun {
    NoSuchJob,
    AlreadyRunning,
    NotConfigured,
}

/// Runs one cycle of a job now (or, with `only`, an on-demand cycle for those objects)
/// and writes its outcome back. Returns the outcome for on-demand answers.
pub(crate) async fn run_cycle(
    shared: &Arc<Shared>,
    sp_id: &str,
    job_id: &str,
    only: Option<&[String]>,
) -> Result<cycle::CycleOutcome, NotRun> {
    let input = {
        let mut world = shared.world();
        let exists = world.tenant.synchronization.get(sp_id).is_some_and(|sync| sync.jobs.contains_key(job_id));
        if !exists {
            return Err(NotRun::NoSuchJob);
        }
        if !world.running_cycles.insert(job_id.to_owned()) {
            return Err(NotRun::AlreadyRunning);
        }
        // Entra purges users 30 days after they were deleted; a cycle sees the result.
        world.tenant.purge_expired_users(crate::util::now_seconds());
        cycle::gather(&world, sp_id, job_id, only)
    };
    let Some(input) = input else {
        let mut world = shared.world();
        world.running_cycles.remove(job_id);
        // Nothing to run with (no credentials or no user mapping): look again next interval.
        let next = crate::util::now_seconds() + world.cycle_interval.as_secs();
        if let Some(job) = world.tenant.synchronization.get_mut(sp_id).and_then(|sync| sync.jobs.get_mut(job_id)) {
            job.engine.next_cycle_at = Some(next);
        }
        return Err(NotRun::NotConfigured);
    };
    let began = crate::util::now_timestamp();
    let outcome = cycle::execute(&shared.http, input.clone()).await;
    let mut world = shared.world();
    status::commit(&mut world, &input, &outcome, &began, only.is_some());
    world.running_cycles.remove(job_id);
    let _ = world.persist();
    Ok(outcome)
}

/// The jobs whose cycle is due: running, not already cycling, due time passed.
fn due(shared: &Shared) -> Vec<(String, String)> {
    let world = shared.world();
    let now = crate::util::now_seconds();
    let mut due = Vec::new();
    for (sp_id, sync) in &world.tenant.synchronization {
        for (job_id, job) in &sync.jobs {
            let active = job.object.get("schedule").and_then(|schedule| schedule.get("state")).and_then(Value::as_str)
                == Some("Active");
            let time = job.engine.next_cycle_at.is_none_or(|at| at <= now);
            if active && time && !world.running_cycles.contains(job_id) {
                due.push((sp_id.clone(), job_id.clone()));
            }
        }
    }
    due
}

/// Runs every due cycle, all at once, and waits for them.
pub(crate) async fn run_due(shared: &Arc<Shared>) {
    let cycles: Vec<_> = due(shared)
        .into_iter()
        .map(|(sp_id, job_id)| {
            let shared = shared.clone();
            tokio::spawn(async move {
                let _ = run_cycle(&shared, &sp_id, &job_id, None).await;
            })
        })
        .collect();
    for cycle in cycles {
        let _ = cycle.await;
    }
}

/// The scheduler: runs due cycles until `shutdown` fires, then runs what is due once
/// more (a job started just before shutdown gets its initial cycle) and returns.
pub(crate) async fn scheduler(shared: Arc<Shared>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        run_due(&shared).await;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            _ = shutdown.changed() => break,
        }
    }
    run_due(&shared).await;
}

/// Provision on demand: a cycle for one subject (a user, or a group and its members),
/// answered in Graph's shape: a `stringKeyStringValuePair` whose `key` is the result and
/// whose `value` is the details, both JSON text (`ENTRA-SCIM-CLIENT.md` §7).
pub(crate) async fn on_demand(shared: &Arc<Shared>, request: &OnDemand) -> Value {
    let mut subjects = vec![request.subject.clone()];
    if request.type_name == "Group" {
        subjects.extend(shared.world().tenant.members.get(&request.subject).cloned().unwrap_or_default());
    }
    let started = crate::util::now_timestamp();
    let outcome = run_cycle(shared, &request.sp_id, &request.job_id, Some(&subjects)).await;
    let ended = crate::util::now_timestamp();
    let (result, action, status, error, target, modified) = match &outcome {
        Err(not_run) => {
            let reason = match not_run {
                NotRun::AlreadyRunning => "a cycle of this job is running; try again",
                NotRun::NotConfigured | NotRun::NoSuchJob => "the job has no saved credentials",
            };
            (
                "Failure",
                "Other",
                "Failure",
                Some(("ProvisioningFailed".to_owned(), reason.to_owned())),
                None,
                Vec::new(),
            )
        }
        Ok(outcome) => match (&outcome.fatal, outcome.rows.iter().find(|row| row.source_id == request.subject)) {
            (Some(fatal), _) => {
                let message = match fatal {
                    cycle::Fatal::Credentials(message)
                    | cycle::Fatal::Compliance(message)
                    | cycle::Fatal::Unreachable(message) => message.clone(),
                };
                ("Failure", "Other", "Failure", Some(("TestConnectionFailed".to_owned(), message)), None, Vec::new())
            }
            (None, Some(row)) => {
                let action = match row.action {
                    "create" => "Create",
                    "update" => "Update",
                    "disable" => "Disable",
                    "delete" => "Delete",
                    _ => "Other",
                };
                let (result, status) =
                    if row.status == "success" { ("Success", "Success") } else { ("Failure", "Failure") };
                (result, action, status, row.error.clone(), row.target_id.clone(), row.modified.clone())
            }
            (None, None) => {
                let linked = outcome.links.get(&request.subject).map(|link| link.target_id.clone());
                let reason = if linked.is_some() { "RedundantExport" } else { "NotEffectivelyEntitled" };
                ("Skipped", "Other", "Skipped", Some((reason.to_owned(), reason.to_owned())), linked, Vec::new())
            }
        },
    };
    let modified: Vec<Value> = modified
        .iter()
        .map(|(name, old, new)| serde_json::json!({ "displayName": name, "oldValue": old, "newValue": new }))
        .collect();
    // The portal's five steps; a skip shows at the step that decided it (scoping for an
    // object out of scope, export for one already up to date).
    let skipped_from = match error.as_ref().map(|(code, _)| code.as_str()) {
        Some("NotEffectivelyEntitled") if result == "Skipped" => 2,
        Some("RedundantExport") if result == "Skipped" => 4,
        _ => usize::MAX,
    };
    let steps: Vec<Value> =
        ["TestConnection", "EntryImport", "EntrySynchronizationScoping", "EntrySynchronizationMatching", "EntryExport"]
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let step_status = if index >= skipped_from {
                    "Skipped"
                } else if status == "Failure" && *name == "EntryExport" {
                    "Failure"
                } else {
                    "Success"
                };
                serde_json::json!({ "name": name, "status": step_status, "timestamp": ended, "details": {} })
            })
            .collect();
    let key = serde_json::json!({
        "result": result,
        "details": error.as_ref().map(|(code, message)| serde_json::json!({ "errorCode": code, "errorMessage": message })),
    });
    let value = serde_json::json!({
        "action": action,
        "changeId": uuid_like(shared),
        "startTime": started,
        "endTime": ended,
        "modifiedProperties": modified,
        "provisioningSteps": steps,
        "statusInfo": { "status": status, "errorCode": error.as_ref().map(|(code, _)| code), "reason": error.as_ref().map(|(_, reason)| reason) },
        "sourceIdentity": { "id": request.subject, "type": request.type_name },
        "sourceSystem": { "name": "Azure Active Directory" },
        "targetIdentity": {
            "id": target,
            "type": if request.type_name == "Group" { "urn:ietf:params:scim:schemas:core:2.0:Group" } else { "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" },
        },
        "targetSystem": { "name": "customappsso" },
    });
    serde_json::json!({ "key": key.to_string(), "value": value.to_string() })
}

fn uuid_like(shared: &Shared) -> String {
    shared.world().rng.guid()
}
