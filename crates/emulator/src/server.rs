//! HTTP: the axum router (token endpoint, Graph, admin API), faults that need the network
//! (latency, dropped connections), and the accept loop.
//!
//! The accept loop is hyper's own rather than `axum::serve` for one reason: a "drop" fault
//! must close the connection without any response, and hyper closes a connection when its
//! service fails. The router marks such responses; the loop turns the mark into a failure.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::auth::Caller;
use crate::faults::{FaultConfig, LoggedRequest};
use crate::graph::{self, GraphRequest, Reply};
use crate::seed::Seed;
use crate::world::{Shared, World};

/// Largest request body accepted.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Marks a response whose connection must be dropped instead.
#[derive(Debug, Clone, Copy)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/_admin/reset", post(admin_reset))
        .route("/_admin/seed", put(admin_seed))
        .route("/_admin/snapshot", get(admin_snapshot))
        .route("/_admin/requests", get(admin_requests).delete(admin_clear_requests))
        .route("/_admin/faults", get(admin_faults).put(admin_set_faults).delete(admin_clear_faults))
        .route("/_admin/objects/{id}", patch(admin_patch_object).delete(admin_delete_object))
        .route("/_admin/deletedItems", get(admin_deleted_items))
        .route("/_admin/deletedItems/{id}", delete(admin_purge_user))
        .route("/_admin/deletedItems/{id}/restore", post(admin_restore_user))
        .route("/_admin/servicePrincipals/{sp}/jobs/{job}", patch(admin_patch_job))
        .route("/_admin/servicePrincipals/{sp}/jobs/{job}/cycle", post(admin_run_cycle))
        .route("/_admin/servicePrincipals/{sp}/secrets", put(admin_put_secrets))
        .route("/_admin/graph", post(admin_graph))
        .route("/_admin/scimEndpoints", put(admin_put_scim_endpoints))
        .route("/_admin/scim", get(admin_scim))
        .route("/scim/{key}", axum::routing::any(scim_entry))
        .route("/scim/{key}/{*rest}", axum::routing::any(scim_entry))
        .fallback(graph_entry)
        .with_state(shared)
}

/// Serves `router` on `listener` until `shutdown` fires.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let router = router.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                        let router = router.clone();
                        async move {
                            let response = router.oneshot(request.map(Body::new)).await.unwrap_or_else(|never| match never {});
                            if response.extensions().get::<DropConnection>().is_some() {
                                Err(DropConnection)
                            } else {
                                Ok(response)
                            }
                        }
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
                });
            }
            _ = shutdown.changed() => break,
        }
    }
}

fn json_response(status: u16, headers: &[(String, String)], body: Option<&Value>) -> Response {
    let mut response = match body {
        Some(body) => {
            let mut response = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
            response.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
            response
        }
        None => Response::new(Body::empty()),
    };
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) =
            (axum::http::HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str()))
        {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

// --- Token endpoint ---------------------------------------------------------------------------

async fn token(State(shared): State<Arc<Shared>>, Path(tenant): Path<String>, uri: Uri, body: Bytes) -> Response {
    let form: HashMap<String, String> =
        graph::batch::parse_query(&String::from_utf8_lossy(&body)).into_iter().collect();
    let mut world = shared.world();
    let token_url = format!("{}{}", world.base_url, uri.path());
    let World { tenant: state, tokens, rng, .. } = &mut *world;
    match tokens.request(state, rng, &tenant, &token_url, &form) {
        Ok(body) => json_response(200, &[], Some(&body)),
        Err(error) => json_response(error.status, &[], Some(&error.body)),
    }
}

// --- Graph --------------------------------------------------------------------------------------

async fn graph_entry(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(path) = uri.path().strip_prefix("/v1.0").map(str::to_owned) else {
        let error = crate::error::GraphError::new(
            404,
            "NotFound",
            format!("No Graph version or route at '{}'. This emulator serves /v1.0.", uri.path()),
        );
        return json_response(
            404,
            &[],
            Some(&error.body("00000000-0000-0000-0000-000000000000", None, &crate::util::now_timestamp())),
        );
    };
    let path = if path.is_empty() { "/".to_owned() } else { path };
    let received = std::time::Instant::now();
    let mut request = graph_request(&method, &uri, &headers, body, &path).await;
    request.received = Some(received);
    let route = graph::route_template(&request.method, &path);
    let client_request_id = request.header("client-request-id").map(str::to_owned);

    // Faults first, as a gateway in front of Graph would apply them.
    let (decision, request_id) = {
        let mut world = shared.world();
        let request_id = world.rng.guid();
        (world.faults.decide(&route), request_id)
    };
    if decision.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.delay_ms)).await;
    }
    let lost_response = decision.outcome == Some(crate::faults::Outcome::LostResponse);
    if let Some(outcome) = decision.outcome.as_ref().filter(|_| !lost_response) {
        return fault_response(&shared, outcome, &request, route, path, &request_id, client_request_id.as_deref());
    }

    let authorization = headers.get("authorization").and_then(|value| value.to_str().ok()).map(str::to_owned);
    let caller = shared.world().tokens.authenticate(authorization.as_deref());
    let caller = match caller {
        Ok(caller) => caller,
        Err(message) => {
            let error = crate::error::GraphError::new(401, "InvalidAuthenticationToken", message);
            let reply = Reply::error(&error, &request_id, client_request_id.as_deref());
            shared.world().log.record(LoggedRequest {
                seq: 0,
                method: request.method.clone(),
                route,
                path,
                status: 401,
                batch_item: false,
                fault: None,
                client: None,
                span: None,
            });
            return finish(reply, &request_id, client_request_id.as_deref());
        }
    };

    // Graph's quotas (when modelled), per client; a `$batch` counts by its items.
    if path != "/$batch" {
        let over = {
            let mut world = shared.world();
            let users = world.tenant.users.len();
            world.faults.over_quota(&caller.client_id, &request.method, users)
        };
        if let Some(seconds) = over {
            let outcome = crate::faults::Outcome::Throttle(seconds);
            return fault_response(&shared, &outcome, &request, route, path, &request_id, client_request_id.as_deref());
        }
    }

    if route.ends_with("/validateCredentials") && request.method == "POST" {
        request.probe = probe_if_enabled(&shared, &request, &path).await;
    }

    let mut reply = dispatch_locked(&shared, &caller, &request, route, path, &request_id, lost_response);
    // A batch costs its slowest item: what its items' latency adds beyond the batch's own.
    let item_wait = reply.slowest_item_ms.saturating_sub(decision.delay_ms);
    if item_wait > 0 {
        tokio::time::sleep(Duration::from_millis(item_wait)).await;
    }
    finish_deferred(&shared, &mut reply).await;
    if lost_response {
        // Processed above; the answer never arrives.
        let mut response = Response::new(Body::empty());
        response.extensions_mut().insert(DropConnection);
        return response;
    }
    finish(reply, &request_id, client_request_id.as_deref())
}

/// Runs a Graph request under the world's lock, persists what changed and logs it.
fn dispatch_locked(
    shared: &Shared,
    caller: &Caller,
    request: &GraphRequest,
    route: String,
    path: String,
    request_id: &str,
    lost_response: bool,
) -> Reply {
    let mut world = shared.world();
    let reply = if path == "/$batch" && request.method == "POST" {
        graph::batch::run(&mut world, caller, request, request_id)
    } else {
        graph::dispatch(&mut world, caller, request, request_id)
    };
    if reply.mutated && reply.status < 300 {
        let _ = world.persist();
    }
    world.log.record(LoggedRequest {
        seq: 0,
        method: request.method.clone(),
        route,
        path,
        status: if lost_response { 0 } else { reply.status },
        batch_item: false,
        fault: lost_response.then(|| crate::faults::Outcome::LostResponse.describe()),
        client: Some(caller.client_id.clone()),
        span: request.received.map(|received| (received, std::time::Instant::now())),
    });
    reply
}

/// The request as the Graph layer sees it: headers lower-cased, the body parsed.
async fn graph_request(method: &Method, uri: &Uri, headers: &HeaderMap, body: Body, path: &str) -> GraphRequest {
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let (body, malformed_body) = if bytes.is_empty() {
        (None, false)
    } else {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(value) => (Some(value), false),
            Err(_) => (None, true),
        }
    };
    let header_pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| (name.as_str().to_lowercase(), value.to_str().unwrap_or_default().to_owned()))
        .collect();
    GraphRequest {
        method: method.as_str().to_owned(),
        path: path.to_owned(),
        query: graph::batch::parse_query(uri.query().unwrap_or_default()),
        headers: header_pairs,
        body,
        malformed_body,
        probe: None,
        received: None,
    }
}

/// The answer to a request an injected fault intercepts (a drop closes the connection).
fn fault_response(
    shared: &Shared,
    outcome: &crate::faults::Outcome,
    request: &GraphRequest,
    route: String,
    path: String,
    request_id: &str,
    client_request_id: Option<&str>,
) -> Response {
    let reply = graph::batch::fault_reply(outcome, request_id);
    let status = if matches!(outcome, crate::faults::Outcome::Drop) { 0 } else { reply.status };
    shared.world().log.record(LoggedRequest {
        seq: 0,
        method: request.method.clone(),
        route,
        path,
        status,
        batch_item: false,
        fault: Some(outcome.describe()),
        client: None,
        span: None,
    });
    if matches!(outcome, crate::faults::Outcome::Drop) {
        let mut response = Response::new(Body::empty());
        response.extensions_mut().insert(DropConnection);
        return response;
    }
    finish(reply, request_id, client_request_id)
}

fn finish(mut reply: Reply, request_id: &str, client_request_id: Option<&str>) -> Response {
    reply.headers.push(("request-id".to_owned(), request_id.to_owned()));
    reply.headers.push(("client-request-id".to_owned(), client_request_id.unwrap_or(request_id).to_owned()));
    json_response(reply.status, &reply.headers, reply.body.as_ref())
}

/// Test Connection as Azure does it: a SCIM query for a user that does not exist, with
/// the bearer token, expecting 200. For endpoints routed to another server, and for every
/// endpoint with `--probe-scim`.
async fn probe_if_enabled(shared: &Shared, request: &GraphRequest, path: &str) -> Option<Result<(), String>> {
    let (root, token) = {
        let world = shared.world();
        let sp_id = graph::segments(path).get(1).cloned().unwrap_or_default();
        let credentials = graph::synchronization_credentials(&world, request, &sp_id).ok()?;
        let find = |key: &str| credentials.iter().rev().find(|(name, _)| name == key).map(|(_, value)| value.clone());
        let (base, token) = (find("BaseAddress")?, find("SecretToken")?);
        // A base URL routed to another SCIM server is always probed there, as Azure probes
        // the real endpoint; others only with --probe-scim.
        let routed = world
            .tenant
            .scim_endpoints
            .get(&crate::scim::normalize(&base))
            .is_some_and(|endpoint| endpoint.target.is_some());
        if !world.probe_scim && !routed {
            return None;
        }
        (world.scim_root(&base), token)
    };
    let url = format!("{root}/Users?filter=userName%20eq%20%22{}%22", "0c7a3f4e-emulator-probe");
    let outcome = shared.http.get(&url).bearer_auth(token).timeout(Duration::from_secs(10)).send().await;
    Some(match outcome {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(format!("the SCIM endpoint answered {}", response.status())),
        Err(error) => Err(format!("the SCIM endpoint could not be reached ({})", error.without_url())),
    })
}

// --- Admin API ------------------------------------------------------------------------------

fn admin_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

async fn admin_reset(State(shared): State<Arc<Shared>>) -> Response {
    let mut world = shared.world();
    match world.seed.build() {
        Ok(tenant) => {
            world.tenant = tenant;
            world.visible_at.clear();
            world.log.entries.clear();
            world.faults.set(FaultConfig::default());
            let _ = world.persist();
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => admin_error(StatusCode::BAD_REQUEST, error.to_string()),
    }
}

async fn admin_seed(State(shared): State<Arc<Shared>>, body: String) -> Response {
    let seed = match Seed::from_json(&body) {
        Ok(seed) => seed,
        Err(error) => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                format!("{error}: {}", std::error::Error::source(&error).map(ToString::to_string).unwrap_or_default()),
            );
        }
    };
    let tenant = match seed.build() {
        Ok(tenant) => tenant,
        Err(error) => return admin_error(StatusCode::BAD_REQUEST, error.to_string()),
    };
    let mut world = shared.world();
    world.seed = seed;
    world.tenant = tenant;
    world.visible_at.clear();
    world.log.entries.clear();
    let _ = world.persist();
    StatusCode::NO_CONTENT.into_response()
}

async fn admin_snapshot(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.world().snapshot()).into_response()
}

async fn admin_requests(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.world().log.summary()).into_response()
}

async fn admin_clear_requests(State(shared): State<Arc<Shared>>) -> Response {
    shared.world().log.entries.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn admin_faults(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.world().faults.config.clone()).into_response()
}

async fn admin_set_faults(State(shared): State<Arc<Shared>>, body: String) -> Response {
    match serde_json::from_str::<FaultConfig>(&body) {
        Ok(config) => {
            shared.world().faults.set(config);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => admin_error(StatusCode::BAD_REQUEST, format!("not a fault configuration: {error}")),
    }
}

async fn admin_clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    shared.world().faults.set(FaultConfig::default());
    StatusCode::NO_CONTENT.into_response()
}

/// Changes any property of a directory object, as an edit in the portal would.
async fn admin_patch_object(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    axum::Json(changes): axum::Json<Value>,
) -> Response {
    let mut world = shared.world();
    let tenant = &mut world.tenant;
    let object = tenant
        .users
        .get_mut(&id)
        .or(tenant.groups.get_mut(&id))
        .or(tenant.applications.get_mut(&id))
        .or(tenant.service_principals.get_mut(&id))
        .or(tenant.assignments.get_mut(&id));
    let Some(object) = object else { return admin_error(StatusCode::NOT_FOUND, format!("no object `{id}`")) };
    let Some(changes) = changes.as_object() else {
        return admin_error(StatusCode::BAD_REQUEST, "the body must be an object of the properties to change");
    };
    if changes.contains_key("id") {
        return admin_error(StatusCode::BAD_REQUEST, "`id` cannot change; delete the object and make another");
    }
    // Membership is not a property: refuse rather than answer success and change nothing.
    if changes.get("members").is_some() {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "`members` is not a property; change membership with POST /groups/{id}/members/$ref and DELETE /groups/{id}/members/{member}/$ref (through /_admin/graph or with a token)",
        );
    }
    for (key, value) in changes {
        object.insert(key.clone(), value.clone());
    }
    let _ = world.persist();
    StatusCode::NO_CONTENT.into_response()
}

async fn admin_delete_object(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let mut world = shared.world();
    let tenant = &mut world.tenant;
    // Users are deleted softly, as in Entra (the recycle bin: `/_admin/deletedItems`).
    let removed = if tenant.applications.contains_key(&id) {
        tenant.delete_application(&id).is_ok()
    } else if tenant.service_principals.contains_key(&id) {
        tenant.delete_service_principal(&id).is_ok()
    } else {
        tenant.remove_assignment(&id) || tenant.soft_delete_user(&id) || tenant.delete_group(&id)
    };
    if !removed {
        return admin_error(StatusCode::NOT_FOUND, format!("no object `{id}`"));
    }
    let _ = world.persist();
    StatusCode::NO_CONTENT.into_response()
}

/// The recycle bin: soft-deleted users, with when they were deleted.
async fn admin_deleted_items(State(shared): State<Arc<Shared>>) -> Response {
    let world = shared.world();
    let users: Vec<&crate::tenant::Object> =
        world.tenant.deleted_users.values().map(|deleted| &deleted.object).collect();
    axum::Json(json!({ "users": users })).into_response()
}

/// Restores a soft-deleted user with her group memberships and app role assignments.
async fn admin_restore_user(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let mut world = shared.world();
    if !world.tenant.restore_user(&id) {
        return admin_error(StatusCode::NOT_FOUND, format!("no deleted user `{id}`"));
    }
    let _ = world.persist();
    StatusCode::NO_CONTENT.into_response()
}

/// Purges a soft-deleted user ("delete permanently"), as Entra does after 30 days.
async fn admin_purge_user(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let mut world = shared.world();
    if !world.tenant.purge_user(&id) {
        return admin_error(StatusCode::NOT_FOUND, format!("no deleted user `{id}`"));
    }
    let _ = world.persist();
    StatusCode::NO_CONTENT.into_response()
}

/// Changes a job (for example to put it in quarantine), merging objects deeply.
async fn admin_patch_job(
    State(shared): State<Arc<Shared>>,
    Path((sp, job)): Path<(String, String)>,
    axum::Json(changes): axum::Json<Value>,
) -> Response {
    if !changes.is_object() {
        return admin_error(StatusCode::BAD_REQUEST, "the body must be an object to merge into the job");
    }
    let mut world = shared.world();
    let Some(job) = world.tenant.synchronization.get_mut(&sp).and_then(|sync| sync.jobs.get_mut(&job)) else {
        return admin_error(StatusCode::NOT_FOUND, "no such job");
    };
    let mut object = Value::Object(job.object.clone());
    merge(&mut object, &changes);
    job.object = object.as_object().cloned().unwrap_or_default();
    let _ = world.persist();
    StatusCode::NO_CONTENT.into_response()
}

/// Runs one provisioning cycle of a job now, waits for it, and answers the job's status.
async fn admin_run_cycle(State(shared): State<Arc<Shared>>, Path((sp, job)): Path<(String, String)>) -> Response {
    use crate::provisioning::NotRun;
    match crate::provisioning::run_cycle(&shared, &sp, &job, None).await {
        Ok(_) => {
            let world = shared.world();
            let status = world.tenant.synchronization[&sp].jobs[&job].object["status"].clone();
            axum::Json(status).into_response()
        }
        Err(NotRun::NoSuchJob) => admin_error(StatusCode::NOT_FOUND, "no such job"),
        Err(NotRun::AlreadyRunning) => admin_error(StatusCode::CONFLICT, "a cycle of this job is running"),
        Err(NotRun::NotConfigured) => {
            admin_error(StatusCode::CONFLICT, "the job has no saved credentials or no enabled user mapping")
        }
    }
}

fn merge(target: &mut Value, changes: &Value) {
    match (target, changes) {
        (Value::Object(target), Value::Object(changes)) => {
            for (key, value) in changes {
                merge(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (target, value) => *target = value.clone(),
    }
}

/// Replaces the saved secrets, as someone typing in the portal would.
async fn admin_put_secrets(
    State(shared): State<Arc<Shared>>,
    Path(sp): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let mut world = shared.world();
    let Some(sync) = world.tenant.synchronization.get_mut(&sp) else {
        return admin_error(StatusCode::NOT_FOUND, "no such service principal");
    };
    // As Graph's own PUT: `{"value": [{"key", "value"}, …]}`; anything else is refused
    // rather than saved as an empty set.
    let pairs: Option<Vec<(String, String)>> = body.get("value").and_then(Value::as_array).and_then(|pairs| {
        pairs
            .iter()
            .map(|pair| Some((pair.get("key")?.as_str()?.to_owned(), pair.get("value")?.as_str()?.to_owned())))
            .collect()
    });
    let Some(pairs) = pairs else {
        return admin_error(StatusCode::BAD_REQUEST, "the body must be {\"value\": [{\"key\": …, \"value\": …}, …]}");
    };
    sync.secrets = pairs;
    let _ = world.persist();
    StatusCode::NO_CONTENT.into_response()
}

/// Sets the SCIM applications (`[{baseUrl, token?, target?}]`), replacing the list (the
/// users and groups of an endpoint that stays are kept): what the application on the other
/// end accepts, as when its admin issues or revokes a token, or where it is.
async fn admin_put_scim_endpoints(State(shared): State<Arc<Shared>>, body: String) -> Response {
    let endpoints: Vec<crate::seed::ScimEndpoint> = match serde_json::from_str(&body) {
        Ok(endpoints) => endpoints,
        Err(error) => return admin_error(StatusCode::BAD_REQUEST, format!("not a list of SCIM endpoints: {error}")),
    };
    let mut world = shared.world();
    let listed: Vec<String> = endpoints.iter().map(|endpoint| crate::scim::normalize(&endpoint.base_url)).collect();
    world.tenant.scim_endpoints.retain(|base_url, _| listed.contains(base_url));
    for endpoint in &endpoints {
        world.tenant.set_scim_endpoint(
            &endpoint.base_url,
            endpoint.token.as_deref(),
            endpoint.target.as_deref(),
            crate::scim::Quirks::of(&endpoint.quirks),
        );
    }
    let _ = world.persist();
    StatusCode::NO_CONTENT.into_response()
}

/// The built-in SCIM service provider: a request to a played endpoint.
async fn scim_entry(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().strip_prefix("/scim/").unwrap_or_default();
    let (key, rest) = path.split_once('/').unwrap_or((path, ""));
    let query: Vec<(String, String)> = graph::batch::parse_query(uri.query().unwrap_or_default());
    let bearer = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .map(str::to_owned);
    let body: Option<Value> = if body.is_empty() { None } else { serde_json::from_slice(&body).ok() };
    let mut world = shared.world();
    let root = format!("{}/scim/{key}", world.base_url);
    let Some(endpoint) = world
        .tenant
        .scim_endpoints
        .iter_mut()
        .find(|(base_url, endpoint)| endpoint.target.is_none() && crate::scim::key_of(base_url) == key)
        .map(|(_, endpoint)| endpoint)
    else {
        return scim_response(
            404,
            Some(
                json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404", "detail": "No such SCIM endpoint." }),
            ),
        );
    };
    let answer = crate::scim::handle(
        endpoint,
        &root,
        method.as_str(),
        &format!("/{rest}"),
        &query,
        bearer.as_deref(),
        body.as_ref(),
    );
    if method != Method::GET && answer.status < 300 {
        let _ = world.persist();
    }
    let mut response = scim_response(answer.status, answer.body);
    if let Some(location) = answer.location.and_then(|location| HeaderValue::from_str(&location).ok()) {
        response.headers_mut().insert("location", location);
    }
    response
}

fn scim_response(status: u16, body: Option<Value>) -> Response {
    let mut response = json_response(status, &[], body.as_ref());
    if body.is_some() {
        response.headers_mut().insert("content-type", HeaderValue::from_static("application/scim+json"));
    }
    response
}

/// The SCIM endpoints, with the users and groups the played ones hold.
async fn admin_scim(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(crate::scim::admin_view(&shared.world().tenant.scim_endpoints)).into_response()
}

/// Runs a Graph request as the tenant administrator: no token, no faults, not logged.
async fn admin_graph(State(shared): State<Arc<Shared>>, axum::Json(body): axum::Json<Value>) -> Response {
    let method = body.get("method").and_then(Value::as_str).unwrap_or("GET").to_uppercase();
    let url = body.get("url").and_then(Value::as_str).unwrap_or("/");
    let (path, query) = graph::batch::split_url(url);
    let request = GraphRequest {
        method,
        path,
        query,
        headers: vec![("consistencylevel".to_owned(), "eventual".to_owned())],
        body: body.get("body").cloned().filter(|body| !body.is_null()),
        malformed_body: false,
        probe: None,
        received: None,
    };
    let mut reply = {
        let mut world = shared.world();
        let reply = graph::dispatch(&mut world, &Caller::administrator(), &request, "admin");
        if reply.mutated && reply.status < 300 {
            let _ = world.persist();
        }
        reply
    };
    finish_deferred(&shared, &mut reply).await;
    axum::Json(json!({ "status": reply.status, "body": reply.body })).into_response()
}

/// Runs what a reply deferred until the lock was released (provision on demand) and puts
/// its result into the body.
async fn finish_deferred(shared: &Arc<Shared>, reply: &mut Reply) {
    if let Some(on_demand) = reply.deferred.take().filter(|_| reply.status == 200) {
        let result = crate::provisioning::on_demand(shared, &on_demand).await;
        if let (Some(body), Some(result)) = (reply.body.as_mut(), result.as_object()) {
            for (key, value) in result {
                body[key] = value.clone();
            }
        }
    }
}

/// The address a server bound to.
pub(crate) fn base_url(address: SocketAddr) -> String {
    format!("http://{address}")
}
