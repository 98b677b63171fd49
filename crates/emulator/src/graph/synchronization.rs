//! Provisioning ("synchronization"): templates, jobs and their lifecycle, secrets, Test
//! Connection, schema and provision on demand.
//!
//! Job lifecycle, as Graph reports it: a new job is `schedule.state = Disabled`,
//! `status.code = NotConfigured`; `start` makes it `Active` (or quarantined when no usable
//! credentials are saved); `pause` makes it `Paused`; `restart` with `QuarantineState` in
//! its reset scope clears a quarantine.
//!
//! Test Connection against a SCIM application the emulator plays (`crate::scim`) fails
//! with a token it does not accept, as the real probe would. What a running job does is
//! `crate::provisioning`'s: `start`, `restart` and schema changes only schedule cycles
//! here (and `restart` resets what its scope names).

use std::borrow::Cow;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::applications::service_principal;
use super::common::{GraphRequest, Reply, created, list, with_context};
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
        ("GET", ["templates"]) => list_templates(world, request, sp_id),
        ("GET", ["templates", template_id]) => get_template(world, sp_id, template_id),
        ("GET", ["templates", template_id, "schema"]) => {
            if !container(world, sp_id)?.templates.iter().any(|template| template.id == *template_id) {
                return Err(GraphError::not_found(template_id));
            }
            let mut schema = crate::mappings::default_schema(template_id, "template");
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
    let job = job_mut(world, sp_id, job_id)?;
    job.object["schedule"]["state"] = json!("Active");
    if configured {
        // Start clears a quarantine; a paused job resumes where it stopped; the next
        // cycle runs at once (the first one is the initial cycle).
        job.object["status"]["quarantine"] = Value::Null;
        job.object["status"]["code"] = json!(running_code(job));
        job.engine.next_cycle_at = None;
    } else {
        job.quarantine(
            "EncounteredQuarantineException",
            "CredentialsMissing",
            "Please enter the admin credentials and test the connection.",
        );
    }
    Ok(Reply::no_content())
}

/// `NotRun` until a job's first cycle ended, `Active` after.
fn running_code(job: &Job) -> &'static str {
    if job.object["status"]["lastExecution"].is_null() { "NotRun" } else { "Active" }
}

fn restart_job(world: &mut World, request: &GraphRequest, sp_id: &str, job_id: &str) -> Result<Reply, GraphError> {
    job(world, sp_id, job_id)?;
    let scopes: Vec<String> = match request
        .body
        .as_ref()
        .and_then(|body| body.get("criteria"))
        .and_then(|criteria| criteria.get("resetScope"))
    {
        // The portal's "Restart provisioning".
        None | Some(Value::Null) => vec!["QuarantineState".to_owned(), "Watermark".to_owned(), "Escrows".to_owned()],
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
    let job = job_mut(world, sp_id, job_id)?;
    let has = |name: &str| scopes.iter().any(|scope| scope == name || scope == "Full");
    if has("Watermark") {
        job.engine.restart();
    }
    if scopes.iter().any(|scope| scope == "Full") {
        job.engine.links.clear();
    }
    if has("Escrows") {
        job.engine.escrows.clear();
        job.engine.escrow_waits.clear();
    }
    if scopes.iter().any(|scope| scope == "ForceDeletes") {
        job.engine.force_deletes = true;
    }
    job.engine.next_cycle_at = None;
    let lifts = has("QuarantineState") || scopes.iter().any(|scope| scope == "ForceDeletes");
    if lifts && configured {
        job.object["status"]["quarantine"] = Value::Null;
        let state = job.object["schedule"]["state"].as_str().unwrap_or("Disabled").to_owned();
        job.object["status"]["code"] = json!(match state.as_str() {
            "Active" => running_code(job),
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
        crate::mappings::validate(&body, &job.schema).map_err(GraphError::bad_request)?;
        let id = job.schema.get("id").cloned().unwrap_or(Value::Null);
        let directories = job.schema.get("directories").cloned();
        job.schema = body;
        job.schema["id"] = id;
        if !job.schema.get("directories").is_some_and(Value::is_array) {
            job.schema["directories"] = directories.unwrap_or(Value::Null);
        }
    } else if let (Some(schema), Some(changes)) = (job.schema.as_object_mut(), body.as_object()) {
        for (key, value) in changes {
            schema.insert(key.clone(), value.clone());
        }
    }
    // Any change to mappings starts a new initial cycle.
    job.engine.restart();
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

fn list_templates(world: &World, request: &GraphRequest, sp_id: &str) -> Result<Reply, GraphError> {
    let app_id = app_id(world, sp_id);
    let templates = container(world, sp_id)?.templates.iter();
    let templates = templates.map(|template| Cow::Owned(template_object(template, &app_id)));
    list(world, request, templates, None, &format!("servicePrincipals('{sp_id}')/synchronization/templates"))
}

fn visible_jobs<'w>(world: &'w World, sp_id: &str) -> Result<Vec<Cow<'w, Object>>, GraphError> {
    Ok(container(world, sp_id)?
        .jobs
        .iter()
        .filter(|(id, _)| world.visible(id))
        .map(|(_, job)| Cow::Borrowed(&job.object))
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

const CREDENTIALS_UNAVAILABLE: &str = "SystemForCrossDomainIdentityManagementCredentialValidationUnavailable";

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
    // One subject: a user, or a group with at most 5 members (ENTRA provision-on-demand.md).
    let [parameter] = parameters.as_slice() else {
        return Err(GraphError::bad_request("Provision on demand takes one subject at a time."));
    };
    let rule_id = parameter.get("ruleId").and_then(Value::as_str).unwrap_or_default();
    if !rules.iter().any(|rule| rule == rule_id) {
        return Err(GraphError::bad_request(format!("The rule '{rule_id}' does not exist in the job's schema.")));
    }
    let subjects = parameter.get("subjects").and_then(Value::as_array).cloned().unwrap_or_default();
    let [subject] = subjects.as_slice() else {
        return Err(GraphError::bad_request("Provision on demand takes one subject at a time."));
    };
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
    if type_name == "Group" && world.tenant.members.get(object_id).is_some_and(|members| members.len() > 5) {
        return Err(GraphError::bad_request("Provision on demand supports groups with up to 5 members."));
    }
    let body = json!({
        "@odata.context": format!("{}/$metadata#microsoft.graph.stringKeyStringValuePair", world.graph_root()),
        "key": "",
        "value": "",
    });
    let mut reply = Reply::json(200, body);
    reply.deferred = Some(crate::provisioning::OnDemand {
        sp_id: sp_id.to_owned(),
        job_id: job_id.to_owned(),
        subject: object_id.to_owned(),
        type_name: type_name.to_owned(),
    });
    Ok(reply)
}
