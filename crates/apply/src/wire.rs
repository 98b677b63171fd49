//! Graph's provisioning vocabulary, in one place: the saved settings (`synchronization
//! secrets`) and the job's schedule and status, decoded into scimform's typed settings and
//! encoded back.
//!
//! The planner never sees these names (a tidy test keeps it so). What refresh reads goes
//! through [`decode_settings`] and [`decode_job`]; what apply saves goes through
//! [`encode_settings`] and [`encode_reset`].
//!
//! Rules of the encoding:
//! - Graph replaces the whole secret set on every save, so a save always carries every
//!   setting: the ones scimform models, and the [`Unmanaged`] ones kept verbatim.
//! - Masked values (`*`, Graph never reads them back) cannot be written back: they are
//!   dropped on decode, and the token is always written from its reference.
//! - Notification and deletion-guard settings share one JSON-valued setting; its parts
//!   that scimform does not model are kept verbatim too.

use scimform_graph::Secret;
use scimform_graph::models::{SecretPair, SecretReadBack, SynchronizationJob, SynchronizationTaskExecution};
use scimform_plan::ResetPart;
use scimform_plan::health::{Activity, Execution, ExecutionState, JobHealth};
use scimform_plan::state::{
    BaseUrl, JobSchedule, JobStatus, LiveJob, ProvisioningSettings, Quarantine, Scope, Unmanaged,
};
use serde_json::{Value, json};

use scimform_spec::model::SCIM_COMPLIANCE_FLAG;

const BASE_ADDRESS: &str = "BaseAddress";
const SECRET_TOKEN: &str = "SecretToken";
const SYNC_ALL: &str = "SyncAll";
const SKIP_OUT_OF_SCOPE_DELETIONS: &str = "SkipOutOfScopeDeletions";
const NOTIFICATION_SETTINGS: &str = "SyncNotificationSettings";
const ENABLED: &str = "Enabled";
const RECIPIENTS: &str = "Recipients";
const DELETE_THRESHOLD_ENABLED: &str = "DeleteThresholdEnabled";
const DELETE_THRESHOLD_VALUE: &str = "DeleteThresholdValue";
/// The quarantine reason of a hold by the accidental-deletion guard.
const TOO_MANY_DELETES: &str = "TooManyDeletes";
/// How Graph masks a value it does not read back.
const MASKED: &str = "*";

/// The saved settings as Graph reads them back, typed.
pub(crate) fn decode_settings(pairs: Vec<SecretReadBack>) -> ProvisioningSettings {
    let mut settings = ProvisioningSettings::default();
    for pair in pairs {
        let value = pair.value.unwrap_or_default();
        match pair.key.as_str() {
            BASE_ADDRESS => {
                let (base_url, compliance) = decode_tenant_url(&value);
                settings.base_url = base_url;
                settings.scim_compliance = settings.base_url.as_ref().map(|_| compliance);
            }
            SECRET_TOKEN => {}
            SYNC_ALL => settings.scope = boolean(&value).map(|all| if all { Scope::All } else { Scope::Assigned }),
            SKIP_OUT_OF_SCOPE_DELETIONS => settings.skip_out_of_scope_deletions = boolean(&value),
            NOTIFICATION_SETTINGS => decode_notifications(&value, &mut settings),
            _ if value == MASKED => {}
            key => {
                settings.unmanaged.settings.insert(key.to_owned(), value);
            }
        }
    }
    settings
}

fn decode_notifications(text: &str, settings: &mut ProvisioningSettings) {
    let Ok(Value::Object(parts)) = serde_json::from_str::<Value>(text) else { return };
    for (key, value) in parts {
        match key.as_str() {
            ENABLED => settings.notifications_enabled = json_boolean(&value),
            RECIPIENTS => settings.notification_email = value.as_str().map(str::to_owned),
            DELETE_THRESHOLD_ENABLED => settings.deletion_guard_enabled = json_boolean(&value),
            DELETE_THRESHOLD_VALUE => settings.deletion_threshold = json_number(&value),
            _ => {
                settings.unmanaged.notification_parts.insert(key, value);
            }
        }
    }
}

/// The full secret set to save: every setting, and the token.
pub(crate) fn encode_settings(settings: &ProvisioningSettings, token: Secret) -> Vec<SecretPair> {
    let plain = |key: &str, value: String| SecretPair { key: key.to_owned(), value: Secret::new(value) };
    let mut pairs = Vec::new();
    if let Some(base_url) = &settings.base_url {
        pairs.push(plain(BASE_ADDRESS, encode_tenant_url(base_url, settings.scim_compliance == Some(true))));
    }
    pairs.push(SecretPair { key: SECRET_TOKEN.to_owned(), value: token });
    if let Some(scope) = settings.scope {
        pairs.push(plain(SYNC_ALL, (scope == Scope::All).to_string()));
    }
    if let Some(skip) = settings.skip_out_of_scope_deletions {
        pairs.push(plain(SKIP_OUT_OF_SCOPE_DELETIONS, if skip { "True" } else { "False" }.to_owned()));
    }
    if let Some(notifications) = encode_notifications(settings) {
        pairs.push(plain(NOTIFICATION_SETTINGS, notifications));
    }
    let Unmanaged { settings: kept, .. } = &settings.unmanaged;
    pairs.extend(kept.iter().map(|(key, value)| plain(key, value.clone())));
    pairs
}

fn encode_notifications(settings: &ProvisioningSettings) -> Option<String> {
    let mut parts: serde_json::Map<String, Value> =
        settings.unmanaged.notification_parts.iter().map(|(key, value)| (key.clone(), value.clone())).collect();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            parts.insert(key.to_owned(), value);
        }
    };
    put(ENABLED, settings.notifications_enabled.map(Value::Bool));
    put(RECIPIENTS, settings.notification_email.as_ref().map(|email| json!(email)));
    put(DELETE_THRESHOLD_ENABLED, settings.deletion_guard_enabled.map(Value::Bool));
    put(DELETE_THRESHOLD_VALUE, settings.deletion_threshold.map(|threshold| json!(threshold)));
    (!parts.is_empty()).then(|| Value::Object(parts).to_string())
}

/// The job as Graph reads it, typed.
pub(crate) fn decode_job(job: SynchronizationJob) -> LiveJob {
    let schedule = match job.schedule.as_ref().and_then(|schedule| schedule.state.as_deref()) {
        Some("Active") => JobSchedule::Active,
        Some("Paused") => JobSchedule::Paused,
        _ => JobSchedule::Disabled,
    };
    let status = job.status.as_ref();
    let code = match status.and_then(|status| status.code.as_deref()) {
        Some("NotConfigured") | None => JobStatus::NotConfigured,
        Some("NotRun") => JobStatus::NotRun,
        Some("Active") => JobStatus::Active,
        Some("Paused") => JobStatus::Paused,
        Some("Quarantine") => JobStatus::Quarantine,
        Some(_) => JobStatus::Unknown,
    };
    let quarantine = status.and_then(|status| status.quarantine.as_ref()).map(|quarantine| Quarantine {
        reason: quarantine.reason.clone(),
        since: quarantine.current_began.clone(),
        next_attempt: quarantine.next_attempt.clone(),
        series_count: quarantine.series_count,
        error_code: quarantine.error.as_ref().and_then(|error| error.code.clone()),
        error_message: quarantine.error.as_ref().and_then(|error| error.message.clone()),
        deletion_hold: quarantine.reason.as_deref() == Some(TOO_MANY_DELETES),
    });
    LiveJob { id: job.id, template_id: job.template_id, schedule, status: code, quarantine }
}

/// Graph's "never" for steady-state times.
const NEVER: &str = "0001-01-01T00:00:00Z";

/// The job's health as the provisioning service reports it, typed.
pub(crate) fn decode_health(job: &SynchronizationJob) -> JobHealth {
    let live = decode_job(job.clone());
    let status = job.status.as_ref();
    let time = |value: Option<&String>| value.filter(|time| !time.starts_with(NEVER)).cloned();
    JobHealth {
        job_id: job.id.clone(),
        schedule: live.schedule,
        interval: job.schedule.as_ref().and_then(|schedule| schedule.interval.clone()),
        status: live.status,
        quarantine: live.quarantine,
        last_execution: status.and_then(|status| status.last_execution.as_ref()).map(decode_execution),
        last_successful_execution: status
            .and_then(|status| status.last_successful_execution.as_ref())
            .map(decode_execution),
        steady_state_first_achieved: time(status.and_then(|status| status.steady_state_first_achieved_time.as_ref())),
        steady_state_last_achieved: time(status.and_then(|status| status.steady_state_last_achieved_time.as_ref())),
        successive_failures: status.and_then(|status| status.count_successive_complete_failures).unwrap_or(0),
        escrows_pruned: status.and_then(|status| status.escrows_pruned).unwrap_or(false),
        users_in_target: entry_count(status, "User"),
        groups_in_target: entry_count(status, "Group"),
    }
}

fn entry_count(status: Option<&scimform_graph::models::SynchronizationStatus>, key: &str) -> Option<i64> {
    status?.synchronized_entry_count_by_type.iter().find(|pair| pair.key == key).map(|pair| pair.value)
}

/// A provisioning-log row, typed.
pub(crate) fn decode_activity(row: scimform_graph::models::ProvisioningObjectSummary) -> Activity {
    let status = row.provisioning_status_info;
    let error = status.as_ref().and_then(|status| status.error_information.as_ref()).map(|error| {
        match (&error.error_code, &error.reason) {
            (Some(code), Some(reason)) => format!("{code}: {reason}"),
            (Some(text), None) | (None, Some(text)) => text.clone(),
            (None, None) => "no detail".to_owned(),
        }
    });
    Activity {
        time: row.activity_date_time,
        action: row.provisioning_action.unwrap_or_else(|| "other".to_owned()),
        subject: row.source_identity.and_then(|identity| identity.display_name).unwrap_or_default(),
        status: status.and_then(|status| status.status).unwrap_or_default(),
        error,
    }
}

fn decode_execution(execution: &SynchronizationTaskExecution) -> Execution {
    Execution {
        state: match execution.state.as_deref() {
            Some("Succeeded") => ExecutionState::Succeeded,
            Some("Failed") => ExecutionState::Failed,
            Some("EntryLevelErrors") => ExecutionState::EntryLevelErrors,
            _ => ExecutionState::Unknown,
        },
        began: execution.time_began.clone(),
        ended: execution.time_ended.clone(),
        entitled: execution.count_entitled.unwrap_or(0),
        exported: execution.count_exported.unwrap_or(0),
        escrowed: execution.count_escrowed.unwrap_or(0),
        imported: execution.count_imported.unwrap_or(0),
        error_code: execution.error.as_ref().and_then(|error| error.code.clone()),
        error_message: execution.error.as_ref().and_then(|error| error.message.clone()),
    }
}

/// provisionOnDemand's answer (a `stringKeyStringValuePair` whose `key` is the result and
/// whose `value` the details, both JSON text), into `verified`.
pub(crate) fn decode_on_demand(answer: &Value, verified: &mut crate::verified::Verified) {
    use crate::verified::Outcome;
    let text = |field: &str| -> Value {
        answer[field].as_str().and_then(|text| serde_json::from_str(text).ok()).unwrap_or(Value::Null)
    };
    let (key, value) = (text("key"), text("value"));
    let code = key["details"]["errorCode"].as_str().or(value["statusInfo"]["errorCode"].as_str()).unwrap_or_default();
    let message =
        key["details"]["errorMessage"].as_str().or(value["statusInfo"]["reason"].as_str()).unwrap_or_default();
    verified.action = value["action"].as_str().unwrap_or("Other").to_owned();
    verified.steps = value["provisioningSteps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|step| {
            let name = step["name"].as_str().unwrap_or_default().to_owned();
            (name, step["status"].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    (verified.outcome, verified.detail) = match key["result"].as_str() {
        Some("Success") => {
            let done = match verified.action.as_str() {
                "Create" => "created in the SCIM app",
                "Update" => "matched and updated in the SCIM app",
                "Disable" => "disabled in the SCIM app",
                "Delete" => "deleted from the SCIM app",
                _ => "provisioned",
            };
            (Outcome::Success, done.to_owned())
        }
        Some("Skipped") if code == "RedundantExport" => {
            (Outcome::Success, "matched in the SCIM app, already up to date".to_owned())
        }
        Some("Skipped") => {
            let why = match code {
                "NotEffectivelyEntitled" => {
                    "out of scope (not assigned, or filtered out by a scoping filter)".to_owned()
                }
                "" => "no reason given".to_owned(),
                other => format!("{other}: {message}"),
            };
            (Outcome::Skipped, format!("skipped: {why}"))
        }
        _ => (Outcome::Failure, format!("failed: {code}: {message}")),
    };
}

/// A restart's `resetScope`, as Graph takes it.
pub(crate) fn encode_reset(parts: &[ResetPart]) -> String {
    let names: Vec<&str> = parts
        .iter()
        .map(|part| match part {
            ResetPart::Watermark => "Watermark",
            ResetPart::Escrows => "Escrows",
            ResetPart::QuarantineState => "QuarantineState",
            ResetPart::ForceDeletes => "ForceDeletes",
        })
        .collect();
    if names.is_empty() { "None".to_owned() } else { names.join(", ") }
}

/// The credentials Test Connection checks.
pub(crate) fn encode_credentials(base_url: &BaseUrl, scim_compliance: bool, token: Secret) -> Vec<SecretPair> {
    vec![
        SecretPair { key: BASE_ADDRESS.to_owned(), value: Secret::new(encode_tenant_url(base_url, scim_compliance)) },
        SecretPair { key: SECRET_TOKEN.to_owned(), value: token },
    ]
}

/// The Tenant URL Graph saves: the base URL, with Entra's SCIM 2.0 compliance flag as a
/// query parameter when it is on (the provisioning service reads it from there and
/// strips it from the requests it sends).
pub(crate) fn encode_tenant_url(base_url: &BaseUrl, scim_compliance: bool) -> String {
    let url = base_url.as_str();
    if !scim_compliance {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{SCIM_COMPLIANCE_FLAG}")
}

/// A saved Tenant URL: the base URL without the compliance flag, and whether it had it.
pub(crate) fn decode_tenant_url(text: &str) -> (Option<BaseUrl>, bool) {
    let Some((base, query)) = text.split_once('?') else { return (BaseUrl::parse(text).ok(), false) };
    let (flags, rest): (Vec<&str>, Vec<&str>) = query
        .split('&')
        .partition(|part| part.split('=').next().is_some_and(|key| key.eq_ignore_ascii_case(SCIM_COMPLIANCE_FLAG)));
    let url = if rest.is_empty() { base.to_owned() } else { format!("{base}?{}", rest.join("&")) };
    (BaseUrl::parse(&url).ok(), !flags.is_empty())
}

fn boolean(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn json_boolean(value: &Value) -> Option<bool> {
    value.as_bool().or_else(|| value.as_str().and_then(boolean))
}

fn json_number(value: &Value) -> Option<u32> {
    value
        .as_u64()
        .and_then(|number| u32::try_from(number).ok())
        .or_else(|| value.as_str().and_then(|text| text.trim().parse().ok()))
}

/// Unmanaged settings by name, for tests of the round trip.
#[cfg(test)]
fn pairs_by_key(pairs: &[SecretPair]) -> std::collections::BTreeMap<String, String> {
    pairs.iter().map(|pair| (pair.key.clone(), pair.value.expose().to_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_back(pairs: &[(&str, &str)]) -> Vec<SecretReadBack> {
        pairs
            .iter()
            .map(|(key, value)| SecretReadBack { key: (*key).to_owned(), value: Some((*value).to_owned()) })
            .collect()
    }

    #[test]
    fn settings_round_trip_keeping_what_scimform_does_not_model() {
        let live = read_back(&[
            ("BaseAddress", "https://contoso.goskope.com/api/v2/scim"),
            ("SecretToken", "*"),
            ("SyncAll", "false"),
            ("SkipOutOfScopeDeletions", "True"),
            ("Domain", "contoso"),
            ("ClientSecret", "*"),
            (
                "SyncNotificationSettings",
                r#"{"Enabled":true,"Recipients":"ops@contoso.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":"500","HealthAlerts":false}"#,
            ),
        ]);
        let settings = decode_settings(live);
        assert_eq!(settings.base_url.as_ref().map(BaseUrl::as_str), Some("https://contoso.goskope.com/api/v2/scim"));
        assert_eq!(settings.scope, Some(Scope::Assigned));
        assert_eq!(settings.skip_out_of_scope_deletions, Some(true));
        assert_eq!(settings.notifications_enabled, Some(true));
        assert_eq!(settings.notification_email.as_deref(), Some("ops@contoso.com"));
        assert_eq!(settings.deletion_threshold, Some(500));
        assert_eq!(settings.unmanaged.settings.keys().collect::<Vec<_>>(), ["Domain"], "masked values are dropped");
        let saved = pairs_by_key(&encode_settings(&settings, Secret::new("t0ken")));
        assert_eq!(saved["SecretToken"], "t0ken");
        assert_eq!(saved["Domain"], "contoso");
        assert_eq!(saved["SkipOutOfScopeDeletions"], "True");
        let notifications: Value = serde_json::from_str(&saved["SyncNotificationSettings"]).unwrap();
        assert_eq!(notifications["HealthAlerts"], json!(false));
        assert_eq!(notifications["DeleteThresholdValue"], json!(500));
        assert!(!saved.contains_key("ClientSecret"));
    }

    #[test]
    fn on_demand_answers_decode_to_outcomes() {
        use crate::verified::{Outcome, Verified};
        let answer = |result: &str, action: &str, code: &str| {
            let key =
                json!({ "result": result, "details": { "errorCode": code, "errorMessage": "the SCIM app said no" } });
            let value = json!({
                "action": action,
                "provisioningSteps": [{ "name": "EntryImport", "status": "Success" }, { "name": "EntryExport", "status": "Failure" }],
            });
            json!({ "key": key.to_string(), "value": value.to_string() })
        };
        let decode = |answer: Value| {
            let mut verified = Verified {
                app: "a".to_owned(),
                kind: "user",
                subject: "alice@contoso.com".to_owned(),
                outcome: Outcome::Failure,
                action: String::new(),
                detail: String::new(),
                steps: Vec::new(),
            };
            decode_on_demand(&answer, &mut verified);
            verified
        };
        let created = decode(answer("Success", "Create", ""));
        assert_eq!((created.outcome, created.detail.as_str()), (Outcome::Success, "created in the SCIM app"));
        assert_eq!(created.steps[1], ("EntryExport".to_owned(), "Failure".to_owned()));
        let same = decode(answer("Skipped", "Other", "RedundantExport"));
        assert_eq!(same.outcome, Outcome::Success);
        let out = decode(answer("Skipped", "Other", "NotEffectivelyEntitled"));
        assert_eq!(out.outcome, Outcome::Skipped);
        assert!(out.detail.starts_with("skipped: out of scope"));
        let failed = decode(answer("Failure", "Create", "SystemForCrossDomainIdentityManagementEntryConflict"));
        assert_eq!(failed.outcome, Outcome::Failure);
        assert!(failed.detail.contains("EntryConflict: the SCIM app said no"), "{}", failed.detail);
        assert_eq!(decode(json!({})).outcome, Outcome::Failure, "an answer that is not Graph's shape fails");
    }

    #[test]
    fn resets_are_named_as_graph_names_them() {
        let reset = [ResetPart::Watermark, ResetPart::Escrows, ResetPart::QuarantineState];
        assert_eq!(encode_reset(&reset), "Watermark, Escrows, QuarantineState");
    }
}
