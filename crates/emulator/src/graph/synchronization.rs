//! Provisioning ("synchronization"): templates, jobs and their lifecycle, secrets, Test
//! Connection, schema and provision on demand.
//!
//! Job lifecycle, as Graph reports it: a new job is `schedule.state = Disabled`,
//! `status.code = NotConfigured`; `start` makes it `Active` (or quarantined when no usable
//! credentials are saved); `pause` makes it `Paused`; `restart` with `QuarantineState` in
//! its reset scope clears a quarantine.
//!
//! The SCIM application on the other end is played too, as far as credentials go (see
//! `Tenant::scim_endpoints`): Test Connection fails with a token it does not accept, and a
//! job started or restarted with one goes to quarantine at once, as the service does when
//! the first request of a cycle gets 401 (`EncounteredQuarantineException`). The error
//! code in that quarantine is `SystemForCrossDomainIdentityManagementCredentialValidationUnavailable`,
//! the code Test Connection gives for the same failure (the docs show only a Salesforce
//! example for quarantines; the SCIM one is our decision).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::applications::service_principal;
use super::{GraphRequest, Reply, created, list, with_context};
use crate::error::GraphError;
use crate::tenant::{Job, Object, SECRET_KEYS, SENSITIVE_SECRET_KEYS, Synchronization};
use crate::world::World;

/// Flag names accepted in `criteria.resetScope`.
const RESET_SCOPES: &[&str] =
    &["None", "ConnectorDataStore", "Escrows", "Watermark", "QuarantineState", "Full", "ForceDeletes"];
/// provisionOnDemand is limited to 5 calls per 10 seconds.
const ON_DEMAND_LIMIT: usize = 5;
const ON_DEMAND_WINDOW: Duration = Duration::from_secs(10);

pub(super) fn route(
    world: &mut World,
    request: &GraphRequest,
    method: &str,
    parts: &[&str],
) -> Result<Reply, GraphError> {
    let ["servicePrincipals", sp_id, "synchronization", rest @ ..] = parts else {
        return Err(GraphError::unknown_segment(parts.get(2).copied().unwrap_or_default()));
    };
    service_principal(world, sp_id)?;
    let sp_id = *sp_id;
    match (method, rest) {
        ("GET", []) => {
            let synchronization = container(world, sp_id)?;
            let body = json!({
                "@odata.context": format!("{}/$metadata#servicePrincipals('{sp_id}')/synchronization/$entity", world.graph_root()),
                "id": sp_id,
                "secrets": masked(&synchronization.secrets),
            });
            Ok(Reply::json(200, body))
        }
        ("GET", ["templates"]) => {
            let app_id = app_id(world, sp_id);
            let templates =
                container(world, sp_id)?.templates.iter().map(|template| template_object(template, &app_id)).collect();
            list(world, request, templates, None, &format!("servicePrincipals('{sp_id}')/synchronization/templates"))
        }
        ("GET", ["templates", template_id]) => get_template(world, sp_id, template_id),
        ("GET", ["templates", template_id, "schema"]) => {
            if !container(world, sp_id)?.templates.iter().any(|template| template.id == *template_id) {
                return Err(GraphError::not_found(template_id));
            }
            let mut schema = crate::tenant::default_schema(template_id, "template");
            schema["@odata.context"] = json!(format!("{}/$metadata#synchronizationSchema", world.graph_root()));
            Ok(Reply::json(200, schema))
        }
        ("GET", ["secrets"]) => {
            let secrets = masked(&container(world, sp_id)?.secrets);
            Ok(Reply::json(200, json!({ "value": secrets })))
        }
        ("PUT", ["secrets"]) => {
            let secrets = parse_pairs(request.json_body()?.get("value"), "value")?;
            container_mut(world, sp_id)?.secrets = secrets;
            Ok(Reply::no_content())
        }
        ("GET", ["jobs"]) => {
            let jobs = visible_jobs(world, sp_id)?;
            list(world, request, jobs, None, &format!("servicePrincipals('{sp_id}')/synchronization/jobs"))
        }
        ("POST", ["jobs"]) => create_job(world, request, sp_id),
        ("POST", ["jobs", "validateCredentials"]) => validate_credentials(world, request, sp_id),
        ("GET", ["jobs", job_id]) => {
            let job = job(world, sp_id, job_id)?.object.clone();
            Ok(Reply::json(
                200,
                with_context(job, world, &format!("servicePrincipals('{sp_id}')/synchronization/jobs/$entity")),
            ))
        }
        ("DELETE", ["jobs", job_id]) => {
            job(world, sp_id, job_id)?;
            container_mut(world, sp_id)?.jobs.remove(*job_id);
            Ok(Reply::no_content())
        }
        ("GET", ["jobs", job_id, "bulkUpload"]) => {
            job(world, sp_id, job_id)?;
            let context = format!(
                "{}/$metadata#servicePrincipals('{sp_id}')/synchronization/jobs('{job_id}')/bulkUpload/$entity",
                world.graph_root()
            );
            Ok(Reply::json(200, json!({ "@odata.context": context })))
        }
        ("POST", ["jobs", job_id, "start"]) => start_job(world, sp_id, job_id),
        ("POST", ["jobs", job_id, "pause"]) => {
            job(world, sp_id, job_id)?;
            let job = job_mut(world, sp_id, job_id)?;
            job.object["schedule"]["state"] = json!("Paused");
            job.object["status"]["code"] = json!("Paused");
            Ok(Reply::no_content())
        }
        ("POST", ["jobs", job_id, "restart"]) => restart_job(world, request, sp_id, job_id),
        ("POST", ["jobs", job_id, "validateCredentials"]) => {
            job(world, sp_id, job_id)?;
            validate_credentials(world, request, sp_id)
        }
        ("POST", ["jobs", job_id, "provisionOnDemand"]) => provision_on_demand(world, request, sp_id, job_id),
        ("GET", ["jobs", job_id, "schema"]) => {
            let mut schema = job(world, sp_id, job_id)?.schema.clone();
            schema["@odata.context"] = json!(format!(
                "{}/$metadata#servicePrincipals('{sp_id}')/synchronization/jobs('{job_id}')/schema/$entity",
                world.graph_root()
            ));
            Ok(Reply::json(200, schema))
        }
        ("PUT" | "PATCH", ["jobs", job_id, "schema"]) => set_schema(world, request, method, sp_id, job_id),
        (_, [other, ..]) if !["jobs", "templates", "secrets"].contains(other) => {
            Err(GraphError::unknown_segment(other))
        }
        _ => Err(GraphError::method_not_allowed()),
    }
}

fn get_template(world: &World, sp_id: &str, template_id: &str) -> Result<Reply, GraphError> {
    let app_id = app_id(world, sp_id);
    let template = container(world, sp_id)?
        .templates
        .iter()
        .find(|template| template.id == *template_id)
        .ok_or_else(|| GraphError::not_found(template_id))?;
    let object = template_object(template, &app_id);
    Ok(Reply::json(
        200,
        with_context(object, world, &format!("servicePrincipals('{sp_id}')/synchronization/templates/$entity")),
    ))
}

fn create_job(world: &mut World, request: &GraphRequest, sp_id: &str) -> Result<Reply, GraphError> {
    let body = request.json_body()?;
    let template_id = body
        .get("templateId")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| GraphError::bad_request("Required property 'templateId' is missing."))?;
    let job = world.tenant.create_job(sp_id, template_id)?;
    let job_id = job.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    world.lag(&job_id);
    let context = format!("servicePrincipals('{sp_id}')/synchronization/jobs/$entity");
    Ok(created(with_context(job, world, &context)))
}

fn start_job(world: &mut World, sp_id: &str, job_id: &str) -> Result<Reply, GraphError> {
    job(world, sp_id, job_id)?;
    let configured = credentials_saved(&container(world, sp_id)?.secrets);
    let refusal = saved_credentials_refusal(world, sp_id)?;
    let job = job_mut(world, sp_id, job_id)?;
    job.object["schedule"]["state"] = json!("Active");
    if let Some(refusal) = refusal.filter(|_| configured) {
        quarantine_for_credentials(job, &refusal);
    } else if configured {
        job.object["status"]["code"] = json!("Active");
        job.object["status"]["quarantine"] = Value::Null;
    } else {
        quarantine(
            job,
            "EncounteredQuarantineException",
            "CredentialsMissing",
            "Please enter the admin credentials and test the connection.",
        );
    }
    Ok(Reply::no_content())
}

fn restart_job(world: &mut World, request: &GraphRequest, sp_id: &str, job_id: &str) -> Result<Reply, GraphError> {
    job(world, sp_id, job_id)?;
    let scopes: Vec<String> = match request
        .body
        .as_ref()
        .and_then(|body| body.get("criteria"))
        .and_then(|criteria| criteria.get("resetScope"))
    {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(flags)) => {
            flags.split(',').map(|flag| flag.trim().to_owned()).filter(|flag| !flag.is_empty()).collect()
        }
        Some(_) => return Err(GraphError::bad_request("Invalid value for 'resetScope'.")),
    };
    if let Some(unknown) = scopes.iter().find(|scope| !RESET_SCOPES.contains(&scope.as_str())) {
        return Err(GraphError::bad_request(format!(
            "The value '{unknown}' is not valid for 'synchronizationJobRestartScope'."
        )));
    }
    let configured = credentials_saved(&container(world, sp_id)?.secrets);
    let refusal = saved_credentials_refusal(world, sp_id)?;
    let job = job_mut(world, sp_id, job_id)?;
    let lifts = ["QuarantineState", "Full", "ForceDeletes"];
    if scopes.iter().any(|scope| lifts.contains(&scope.as_str())) && configured {
        if let Some(refusal) = refusal.filter(|_| job.object["schedule"]["state"] == "Active") {
            // The next cycle's first request fails again.
            quarantine_for_credentials(job, &refusal);
            return Ok(Reply::no_content());
        }
        job.object["status"]["quarantine"] = Value::Null;
        let state = job.object["schedule"]["state"].as_str().unwrap_or("Disabled").to_owned();
        job.object["status"]["code"] = json!(match state.as_str() {
            "Active" => "Active",
            "Paused" => "Paused",
            _ => "NotConfigured",
        });
    }
    Ok(Reply::no_content())
}

fn set_schema(
    world: &mut World,
    request: &GraphRequest,
    method: &str,
    sp_id: &str,
    job_id: &str,
) -> Result<Reply, GraphError> {
    job(world, sp_id, job_id)?;
    let body = request.json_body()?.clone();
    if let Some(rules) = body.get("synchronizationRules")
        && !rules.is_array()
    {
        return Err(GraphError::bad_request("Invalid value for 'synchronizationRules'."));
    }
    let job = job_mut(world, sp_id, job_id)?;
    if method == "PUT" {
        let id = job.schema.get("id").cloned().unwrap_or(Value::Null);
        job.schema = body;
        job.schema["id"] = id;
    } else if let (Some(schema), Some(changes)) = (job.schema.as_object_mut(), body.as_object()) {
        for (key, value) in changes {
            schema.insert(key.clone(), value.clone());
        }
    }
    // Any change to mappings starts a new initial cycle.
    if job.object["schedule"]["state"] == "Active" {
        job.object["status"]["code"] = json!("NotRun");
    }
    Ok(Reply::no_content())
}

fn container<'w>(world: &'w World, sp_id: &str) -> Result<&'w Synchronization, GraphError> {
    world.tenant.synchronization.get(sp_id).ok_or_else(|| GraphError::not_found(sp_id))
}

fn container_mut<'w>(world: &'w mut World, sp_id: &str) -> Result<&'w mut Synchronization, GraphError> {
    world.tenant.synchronization_mut(sp_id)
}

fn job<'w>(world: &'w World, sp_id: &str, job_id: &str) -> Result<&'w Job, GraphError> {
    container(world, sp_id)?
        .jobs
        .get(job_id)
        .filter(|_| world.visible(job_id))
        .ok_or_else(|| GraphError::not_found(job_id))
}

fn job_mut<'w>(world: &'w mut World, sp_id: &str, job_id: &str) -> Result<&'w mut Job, GraphError> {
    container_mut(world, sp_id)?.jobs.get_mut(job_id).ok_or_else(|| GraphError::not_found(job_id))
}

fn visible_jobs(world: &World, sp_id: &str) -> Result<Vec<Object>, GraphError> {
    Ok(container(world, sp_id)?
        .jobs
        .iter()
        .filter(|(id, _)| world.visible(id))
        .map(|(_, job)| job.object.clone())
        .collect())
}

fn app_id(world: &World, sp_id: &str) -> String {
    world
        .tenant
        .service_principals
        .get(sp_id)
        .and_then(|sp| sp.get("appId"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn template_object(template: &crate::tenant::SyncTemplateDef, app_id: &str) -> Object {
    json!({
        "id": template.id,
        "applicationId": app_id,
        "default": template.default,
        "description": null,
        "discoverable": true,
        "factoryTag": template.id,
        "metadata": [],
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

/// Secrets as Graph reads them back: sensitive values masked as `*`.
fn masked(secrets: &[(String, String)]) -> Vec<Value> {
    secrets
        .iter()
        .map(|(key, value)| {
            let shown = if SENSITIVE_SECRET_KEYS.contains(&key.as_str()) { "*" } else { value.as_str() };
            json!({ "key": key, "value": shown })
        })
        .collect()
}

/// A list of `{key, value}` secret pairs with known keys.
fn parse_pairs(value: Option<&Value>, name: &str) -> Result<Vec<(String, String)>, GraphError> {
    let items = value
        .and_then(Value::as_array)
        .ok_or_else(|| GraphError::bad_request(format!("Required property '{name}' is missing.")))?;
    let mut pairs = Vec::new();
    for item in items {
        let key = item.get("key").and_then(Value::as_str).unwrap_or_default();
        if !SECRET_KEYS.contains(&key) {
            return Err(GraphError::bad_request(format!("The value '{key}' is not a valid 'synchronizationSecret'.")));
        }
        let value = match item.get("value") {
            Some(Value::String(text)) => text.clone(),
            None | Some(Value::Null) => String::new(),
            Some(_) => return Err(GraphError::bad_request(format!("The value of secret '{key}' must be a string."))),
        };
        pairs.push((key.to_owned(), value));
    }
    Ok(pairs)
}

fn secret<'a>(secrets: &'a [(String, String)], key: &str) -> Option<&'a str> {
    secrets.iter().rev().find(|(name, _)| name == key).map(|(_, value)| value.as_str())
}

fn credentials_saved(secrets: &[(String, String)]) -> bool {
    secret(secrets, "BaseAddress").is_some_and(is_http_url)
        && secret(secrets, "SecretToken").is_some_and(|token| !token.is_empty())
}

fn is_http_url(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else { return false };
    (scheme == "https" || scheme == "http") && !rest.is_empty() && !rest.starts_with('/') && !rest.contains(' ')
}

/// Hours until the service retries a quarantined job, by the quarantine's place in its
/// series: 6, 12 and 24 hours after the first failure, then every 24 hours.
const RETRY_HOURS: [u64; 3] = [6, 12, 24];

fn quarantine(job: &mut Job, reason: &str, code: &str, message: &str) {
    let now_seconds = crate::util::now_seconds();
    let now = crate::util::format_timestamp(now_seconds);
    // A quarantine imposed again continues its series.
    let previous = &job.object["status"]["quarantine"];
    let series_began = previous.get("seriesBegan").cloned().unwrap_or_else(|| json!(now));
    let series_count = previous.get("seriesCount").and_then(Value::as_i64).unwrap_or(0) + 1;
    let hours = RETRY_HOURS[usize::try_from(series_count - 1).unwrap_or(0).min(RETRY_HOURS.len() - 1)];
    let next_attempt = crate::util::format_timestamp(now_seconds + hours * 3600);
    job.object["status"]["code"] = json!("Quarantine");
    job.object["status"]["quarantine"] = json!({
        "currentBegan": now,
        "nextAttempt": next_attempt,
        "reason": reason,
        "seriesBegan": series_began,
        "seriesCount": series_count,
        "error": { "code": code, "message": message, "tenantActionable": true },
    });
}

/// Why the SCIM application refuses the saved credentials, when it is one the emulator
/// plays and it does.
fn saved_credentials_refusal(world: &World, sp_id: &str) -> Result<Option<String>, GraphError> {
    let secrets = &container(world, sp_id)?.secrets;
    let base = secret(secrets, "BaseAddress").unwrap_or_default();
    let token = secret(secrets, "SecretToken").unwrap_or_default();
    Ok(world.tenant.scim_refusal(base, token))
}

const CREDENTIALS_UNAVAILABLE: &str = "SystemForCrossDomainIdentityManagementCredentialValidationUnavailable";

fn quarantine_for_credentials(job: &mut Job, refusal: &str) {
    let message = format!(
        "You appear to have entered invalid credentials. Please confirm you are using the correct information for an administrative account. Error: {refusal}"
    );
    quarantine(job, "EncounteredQuarantineException", CREDENTIALS_UNAVAILABLE, &message);
}

/// The credentials a Test Connection checks: the body's, or the saved ones.
pub(crate) fn credentials_to_test(
    world: &World,
    request: &GraphRequest,
    sp_id: &str,
) -> Result<Vec<(String, String)>, GraphError> {
    let body = request.json_body()?;
    if body.get("useSavedCredentials").and_then(Value::as_bool).unwrap_or(false) {
        return Ok(world.tenant.synchronization.get(sp_id).map(|sync| sync.secrets.clone()).unwrap_or_default());
    }
    parse_pairs(body.get("credentials"), "credentials")
}

fn validate_credentials(world: &mut World, request: &GraphRequest, sp_id: &str) -> Result<Reply, GraphError> {
    let credentials = credentials_to_test(world, request, sp_id)?;
    let failure = |message: &str| {
        GraphError::new(400, "SystemForCrossDomainIdentityManagementCredentialValidationFailure", message.to_owned())
    };
    let base = secret(&credentials, "BaseAddress").unwrap_or_default();
    if !is_http_url(base) {
        return Err(failure(
            "The Tenant URL is missing or not a valid absolute URL. Enter the SCIM endpoint of the application.",
        ));
    }
    if secret(&credentials, "SecretToken").is_none_or(str::is_empty) {
        return Err(failure("You appear to have entered invalid credentials. The Secret Token is empty."));
    }
    let refusal = world.tenant.scim_refusal(base, secret(&credentials, "SecretToken").unwrap_or_default());
    if let Some(reason) = refusal.or_else(|| request.probe.clone().and_then(Result::err)) {
        return Err(GraphError::new(
            400,
            CREDENTIALS_UNAVAILABLE,
            format!(
                "You appear to have entered invalid credentials. Please confirm you are using the correct information for an administrative account. Error: {reason}"
            ),
        ));
    }
    Ok(Reply { mutated: false, ..Reply::no_content() })
}

fn provision_on_demand(
    world: &mut World,
    request: &GraphRequest,
    sp_id: &str,
    job_id: &str,
) -> Result<Reply, GraphError> {
    let rules: Vec<String> = job(world, sp_id, job_id)?
        .schema
        .get("synchronizationRules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|rule| rule.get("id").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let now = Instant::now();
    world.on_demand_calls.retain(|call| now.duration_since(*call) < ON_DEMAND_WINDOW);
    if world.on_demand_calls.len() >= ON_DEMAND_LIMIT {
        let mut error =
            GraphError::new(429, "TooManyRequests", "Too many provision on demand requests. Try again later.");
        error.retry_after = Some(ON_DEMAND_WINDOW.as_secs());
        return Err(error);
    }
    world.on_demand_calls.push(now);
    if !credentials_saved(&container(world, sp_id)?.secrets) {
        return Err(GraphError::new(
            400,
            "CredentialsMissing",
            "Please enter the admin credentials and test the connection.",
        ));
    }
    let body = request.json_body()?;
    let parameters = body
        .get("parameters")
        .and_then(Value::as_array)
        .filter(|items| !items.is_empty())
        .ok_or_else(|| GraphError::bad_request("Required property 'parameters' is missing."))?;
    let mut steps = Vec::new();
    for parameter in parameters {
        let rule_id = parameter.get("ruleId").and_then(Value::as_str).unwrap_or_default();
        if !rules.iter().any(|rule| rule == rule_id) {
            return Err(GraphError::bad_request(format!("The rule '{rule_id}' does not exist in the job's schema.")));
        }
        for subject in parameter.get("subjects").and_then(Value::as_array).into_iter().flatten() {
            let object_id = subject.get("objectId").and_then(Value::as_str).unwrap_or_default();
            let type_name = subject.get("objectTypeName").and_then(Value::as_str).unwrap_or_default();
            let found = match type_name {
                "User" => world.tenant.users.contains_key(object_id),
                "Group" => world.tenant.groups.contains_key(object_id),
                _ => return Err(GraphError::bad_request(format!("Invalid objectTypeName '{type_name}'."))),
            };
            if !found {
                return Err(GraphError::not_found(object_id));
            }
            steps.push(
                json!({ "objectId": object_id, "objectTypeName": type_name, "status": "Success", "action": "Create" }),
            );
        }
    }
    let summary = json!({ "result": "Success", "ruleId": parameters[0].get("ruleId"), "subjects": steps.len() });
    let body = json!({
        "@odata.context": format!("{}/$metadata#microsoft.graph.stringKeyStringValuePair", world.graph_root()),
        "key": summary.to_string(),
        "value": Value::Array(steps).to_string(),
    });
    Ok(Reply::json(200, body))
}
