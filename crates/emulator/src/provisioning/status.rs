//! A cycle's outcome written back, as Graph reports it (`reference/scim/ENTRA-SCIM-CLIENT.md`
//! §4–§6): the job's `status` (last execution, last successful execution with and without
//! exports, steady state, successive failures, entry counts, quarantine), the engine
//! state (links, escrows, next cycle), and one provisioning-log row per object acted on.
//!
//! Decisions where the sources are silent: a cycle stopped by refused credentials, a 404
//! on a query, or an unreachable endpoint quarantines the job at once
//! (`EncounteredQuarantineException`, error codes
//! `SystemForCrossDomainIdentityManagementCredentialValidationUnavailable`,
//! `…ServiceIncompatible`, `…ServiceUnreachable`); a cycle that ends without a fatal error
//! lifts a quarantine (the service's retry succeeded); `synchronizedEntryCountByType` keys
//! are `User` and `Group`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::cycle::{CycleInput, CycleOutcome, Fatal, Row};
use crate::world::World;

/// Log rows kept per tenant (oldest dropped first).
const MAX_LOG_ROWS: usize = 20_000;
/// Graph's "never" for steady-state times.
const NEVER: &str = "0001-01-01T00:00:00Z";

/// Writes `outcome` back. An on-demand cycle changes links, escrows and logs, not the
/// job's execution status.
pub(crate) fn commit(world: &mut World, input: &CycleInput, outcome: &CycleOutcome, began: &str, on_demand: bool) {
    let ended = crate::util::now_timestamp();
    let interval = world.cycle_interval.as_secs();
    let cycle_id = world.rng.guid();
    let rows: Vec<Value> = outcome.rows.iter().map(|row| log_row(world, input, row, &cycle_id, &ended)).collect();
    world.tenant.provisioning_logs.extend(rows);
    let excess = world.tenant.provisioning_logs.len().saturating_sub(MAX_LOG_ROWS);
    world.tenant.provisioning_logs.drain(..excess);
    let Some(job) =
        world.tenant.synchronization.get_mut(&input.sp_id).and_then(|sync| sync.jobs.get_mut(&input.job_id))
    else {
        return;
    };
    job.engine.links = outcome.links.clone();
    if on_demand {
        for (id, count) in &outcome.escrows {
            job.engine.escrows.insert(id.clone(), *count);
        }
        return;
    }
    job.engine.escrow_waits = escrow_waits(&job.engine.escrow_waits, outcome);
    job.engine.escrows = outcome.escrows.clone();
    let state = match (&outcome.fatal, outcome.escrowed) {
        (Some(_), _) => "Failed",
        (None, 0) => "Succeeded",
        (None, _) => "EntryLevelErrors",
    };
    let error = outcome.fatal.as_ref().map(|fatal| {
        let (code, message) = fatal_error(fatal);
        json!({ "code": code, "message": message, "tenantActionable": true })
    });
    let execution = json!({
        "activityIdentifier": cycle_id,
        "countEntitled": outcome.entitled,
        "countEntitledForProvisioning": outcome.entitled,
        "countEscrowed": outcome.escrowed,
        "countEscrowedRaw": outcome.escrowed,
        "countExported": outcome.exported,
        "countExports": outcome.exported + outcome.escrowed,
        "countImported": outcome.imported,
        "countImportedDeltas": if input.initial { 0 } else { outcome.imported },
        "countImportedReferenceDeltas": 0,
        "error": error,
        "state": state,
        "timeBegan": began,
        "timeEnded": ended,
    });
    let status = &mut job.object["status"];
    status["lastExecution"] = execution.clone();
    if state == "Succeeded" {
        status["lastSuccessfulExecution"] = execution.clone();
        if outcome.exported > 0 {
            status["lastSuccessfulExecutionWithExports"] = execution;
        } else {
            if status["steadyStateFirstAchievedTime"].as_str().is_none_or(|time| time == NEVER) {
                status["steadyStateFirstAchievedTime"] = json!(ended);
            }
            status["steadyStateLastAchievedTime"] = json!(ended);
        }
    }
    let failures = status["countSuccessiveCompleteFailures"].as_i64().unwrap_or(0);
    status["countSuccessiveCompleteFailures"] = json!(if outcome.fatal.is_some() { failures + 1 } else { 0 });
    let users = outcome.links.values().filter(|link| !link.group && link.active).count();
    let groups = outcome.links.values().filter(|link| link.group).count();
    status["synchronizedEntryCountByType"] =
        json!([{ "key": "User", "value": users }, { "key": "Group", "value": groups }]);
    if let Some(fatal) = &outcome.fatal {
        let (code, message) = fatal_error(fatal);
        job.quarantine("EncounteredQuarantineException", code, &message);
    } else if outcome.held > 0 {
        let threshold = input.threshold.unwrap_or_default();
        let message = format!(
            "{} deletions exceed the accidental-deletion threshold of {threshold}; they are held",
            outcome.held
        );
        job.quarantine("TooManyDeletes", "TooManyDeletes", &message);
    } else {
        job.object["status"]["quarantine"] = Value::Null;
        job.object["status"]["code"] = json!("Active");
        job.engine.initial = false;
    }
    if outcome.released {
        job.engine.force_deletes = false;
    }
    let now = crate::util::now_seconds();
    job.engine.next_cycle_at = Some(match job.object["status"]["quarantine"]["nextAttempt"].as_str() {
        Some(_) if outcome.fatal.is_some() || outcome.held > 0 => {
            now + retry_seconds(job.object["status"]["quarantine"]["seriesCount"].as_i64())
        }
        _ => now + interval,
    });
}

/// 6, 12, 24 hours, then daily (`engine-constants.json`).
fn retry_seconds(series_count: Option<i64>) -> u64 {
    match series_count.unwrap_or(1) {
        ..=1 => 6 * 3600,
        2 => 12 * 3600,
        _ => 24 * 3600,
    }
}

fn fatal_error(fatal: &Fatal) -> (&'static str, String) {
    match fatal {
        Fatal::Credentials(message) => {
            ("SystemForCrossDomainIdentityManagementCredentialValidationUnavailable", message.clone())
        }
        Fatal::Compliance(message) => ("SystemForCrossDomainIdentityManagementServiceIncompatible", message.clone()),
        Fatal::Unreachable(message) => ("SystemForCrossDomainIdentityManagementServiceUnreachable", message.clone()),
    }
}

/// The back-off of every object still escrowed (§4.2): one that failed this cycle starts
/// the wait its failures in a row call for; one that waited counts a cycle down.
fn escrow_waits(before: &BTreeMap<String, u32>, outcome: &CycleOutcome) -> BTreeMap<String, u32> {
    outcome
        .escrows
        .iter()
        .map(|(id, failures)| {
            let wait = if outcome.failed.contains(id) {
                crate::engine_state::escrow_wait(*failures)
            } else {
                before.get(id).copied().unwrap_or(0).saturating_sub(1)
            };
            (id.clone(), wait)
        })
        .collect()
}

/// A `provisioningObjectSummary` for one object acted on.
fn log_row(world: &mut World, input: &CycleInput, row: &Row, cycle_id: &str, time: &str) -> Value {
    let identity_type = if row.group { "Group" } else { "User" };
    let error = row.error.as_ref().map(|(code, reason)| {
        json!({ "errorCode": code, "reason": reason, "additionalDetails": null, "errorCategory": "nonServiceFailure", "recommendedAction": null })
    });
    let modified: Vec<Value> = row
        .modified
        .iter()
        .map(|(name, old, new)| json!({ "displayName": name, "oldValue": old, "newValue": new }))
        .collect();
    json!({
        "id": world.rng.guid(),
        "activityDateTime": time,
        "tenantId": world.tenant.tenant_id,
        "jobId": input.job_id,
        "cycleId": cycle_id,
        "changeId": world.rng.guid(),
        "provisioningAction": row.action,
        "durationInMilliseconds": 0,
        "initiatedBy": { "id": "", "displayName": "Azure AD Provisioning Service", "initiatorType": "system" },
        "servicePrincipal": { "id": input.sp_id, "displayName": input.sp_display_name },
        "sourceSystem": { "id": null, "displayName": "Azure Active Directory", "details": {} },
        "targetSystem": { "id": null, "displayName": input.sp_display_name, "details": { "ServicePrincipalId": input.sp_id } },
        "sourceIdentity": { "id": row.source_id, "displayName": row.source_display, "identityType": identity_type, "details": {} },
        "targetIdentity": { "id": row.target_id, "displayName": row.source_display, "identityType": identity_type, "details": {} },
        "modifiedProperties": modified,
        "provisioningSteps": log_steps(row, identity_type),
        "provisioningStatusInfo": { "status": row.status, "errorInformation": error },
    })
}

/// A row's `provisioningSteps` (§6): import, scoping, matching, export, each with its
/// type, status and a description in the portal's words. Step names follow the examples
/// (`EntryImport`, `EntrySynchronizationScoping`, `EntrySynchronizationAdd`,
/// `EntryExportAdd`); for other actions the suffix follows the action (`…Update`,
/// `…Disable`, `…Delete`) [inference]. A held deletion (`stagedDelete`) skips its export.
fn log_steps(row: &Row, identity_type: &str) -> Vec<Value> {
    let suffix = match row.action {
        "create" => "Add",
        "update" => "Update",
        "disable" => "Disable",
        "delete" | "stagedDelete" => "Delete",
        _ => "Other",
    };
    let display = &row.source_display;
    let export_status = if row.action == "stagedDelete" { "skipped" } else { row.status };
    let export_description = match &row.error {
        Some((code, reason)) => format!("{code}: {reason}"),
        None if row.action == "stagedDelete" => "held: the accidental-deletions threshold was exceeded".to_owned(),
        None => format!("{identity_type} '{display}' was exported ({})", row.action),
    };
    let step = |name: String, kind: &str, status: &str, description: String| json!({ "name": name, "provisioningStepType": kind, "status": status, "description": description, "details": {} });
    vec![
        step(
            "EntryImport".to_owned(),
            "import",
            "success",
            format!("Retrieved {identity_type} '{display}' from Azure Active Directory"),
        ),
        step(
            "EntrySynchronizationScoping".to_owned(),
            "scoping",
            "success",
            format!("{identity_type} '{display}' was evaluated against the scope"),
        ),
        step(
            format!("EntrySynchronization{suffix}"),
            "matching",
            "success",
            format!("{identity_type} '{display}' will be {}", row.action),
        ),
        step(format!("EntryExport{suffix}"), "export", export_status, export_description),
    ]
}
