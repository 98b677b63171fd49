//! `POST /$batch`: up to 20 requests in one round trip.
//!
//! Each item runs like a request of its own: it is logged, faults may hit it alone (429
//! with `Retry-After`, 5xx), and it gets its own status. Items whose `dependsOn`
//! predecessor failed get 424. Responses are returned in reverse order of execution, since
//! Graph promises no order and clients must match items by `id`.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{GraphRequest, Reply, dispatch, route_template};
use crate::auth::Caller;
use crate::error::GraphError;
use crate::faults::{LoggedRequest, Outcome};
use crate::world::World;

/// Most requests in one batch.
pub(crate) const MAX_BATCH: usize = 20;

struct Item {
    id: String,
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    depends_on: Vec<String>,
}

pub(crate) fn run(world: &mut World, caller: &Caller, request: &GraphRequest, request_id: &str) -> Reply {
    match parse(request) {
        Ok(items) => execute(world, caller, items, request_id),
        Err(error) => Reply::error(&error, request_id, request.header("client-request-id")),
    }
}

fn parse(request: &GraphRequest) -> Result<Vec<Item>, GraphError> {
    let body = request.json_body()?;
    let requests = body
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(|| GraphError::new(400, "BadRequest", "Invalid batch payload format."))?;
    if requests.is_empty() {
        return Err(GraphError::new(400, "BadRequest", "Invalid batch payload format: no requests."));
    }
    if requests.len() > MAX_BATCH {
        return Err(GraphError::new(
            400,
            "BadRequest",
            format!("Number of requests in a batch exceeds the limit of {MAX_BATCH}."),
        ));
    }
    let mut items: Vec<Item> = Vec::new();
    for value in requests {
        let field = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
        let (Some(id), Some(method), Some(url)) = (field("id"), field("method"), field("url")) else {
            return Err(GraphError::new(400, "BadRequest", "Each batch request needs 'id', 'method' and 'url'."));
        };
        if items.iter().any(|item| item.id == id) {
            return Err(GraphError::new(
                400,
                "BadRequest",
                format!("Batch request ids must be unique; '{id}' is repeated."),
            ));
        }
        let headers: Vec<(String, String)> = value
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, value)| (name.to_lowercase(), value.as_str().unwrap_or_default().to_owned()))
            .collect();
        let body = value.get("body").cloned().filter(|body| !body.is_null());
        if body.is_some() && !headers.iter().any(|(name, _)| name == "content-type") {
            return Err(GraphError::new(
                400,
                "BadRequest",
                format!("Batch request '{id}' has a body but no Content-Type header."),
            ));
        }
        let depends_on: Vec<String> = value
            .get("dependsOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        if let Some(unknown) = depends_on.iter().find(|dependency| !items.iter().any(|item| &item.id == *dependency)) {
            return Err(GraphError::new(
                400,
                "BadRequest",
                format!("Batch request '{id}' depends on '{unknown}', which does not come before it."),
            ));
        }
        items.push(Item { id, method: method.to_uppercase(), url, headers, body, depends_on });
    }
    Ok(items)
}

fn execute(world: &mut World, caller: &Caller, items: Vec<Item>, request_id: &str) -> Reply {
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::new();
    let mut mutated = false;
    let mut slowest_item_ms = 0;
    for item in items {
        let (path, query) = split_url(&item.url);
        let route = route_template(&item.method, &path);
        let item_request_id = world.rng.guid();
        let failed_dependency =
            item.depends_on.iter().find(|dependency| statuses.get(*dependency).is_none_or(|status| *status >= 400));
        let (reply, fault) = if let Some(dependency) = failed_dependency {
            let error = GraphError::new(
                424,
                "FailedDependency",
                format!("The request depends on request '{dependency}', which failed."),
            );
            (Reply::error(&error, &item_request_id, None), None)
        } else {
            let decision = world.faults.decide(&route);
            slowest_item_ms = slowest_item_ms.max(decision.delay_ms);
            // Graph's quotas count each item on its own.
            let quota = if decision.outcome.is_none() {
                let users = world.tenant.users.len();
                world.faults.over_quota(&caller.client_id, &item.method, users).map(Outcome::Throttle)
            } else {
                None
            };
            match decision.outcome.or(quota) {
                Some(outcome) if outcome != Outcome::LostResponse => {
                    (fault_reply(&outcome, &item_request_id), Some(outcome.describe()))
                }
                lost => {
                    let request = GraphRequest {
                        method: item.method.clone(),
                        path: path.clone(),
                        query,
                        headers: item.headers.clone(),
                        body: item.body.clone(),
                        malformed_body: false,
                        probe: None,
                        received: None,
                    };
                    let reply = dispatch(world, caller, &request, &item_request_id);
                    match lost {
                        // Processed, but the answer is lost: Graph reports a gateway timeout.
                        Some(outcome) => {
                            mutated |= reply.mutated && reply.status < 300;
                            (fault_reply(&outcome, &item_request_id), Some(outcome.describe()))
                        }
                        None => (reply, None),
                    }
                }
            }
        };
        mutated |= reply.mutated && reply.status < 300;
        world.log.record(LoggedRequest {
            seq: 0,
            method: item.method.clone(),
            route,
            path: path.clone(),
            status: reply.status,
            batch_item: true,
            fault,
            client: Some(caller.client_id.clone()),
            span: None,
        });
        statuses.insert(item.id.clone(), reply.status);
        let mut headers = serde_json::Map::new();
        if reply.body.is_some() {
            headers.insert("Content-Type".to_owned(), json!("application/json"));
        }
        for (name, value) in &reply.headers {
            headers.insert(header_case(name), json!(value));
        }
        let mut response = json!({ "id": item.id, "status": reply.status, "headers": headers });
        if let Some(body) = reply.body {
            response["body"] = body;
        }
        responses.push(response);
    }
    responses.reverse();
    let _ = request_id;
    Reply {
        status: 200,
        headers: Vec::new(),
        body: Some(json!({ "responses": responses })),
        mutated,
        deferred: None,
        slowest_item_ms,
    }
}

/// The reply a fault gives in place of the real one.
pub(crate) fn fault_reply(outcome: &Outcome, request_id: &str) -> Reply {
    let mut error = match outcome {
        Outcome::Throttle(_) => GraphError::new(
            429,
            "TooManyRequests",
            "Too many requests. Please retry after the time given in Retry-After.",
        ),
        Outcome::Status(status) => {
            GraphError::new(*status, status_code_name(*status), "The service is temporarily unavailable. Please retry.")
        }
        // A batch item cannot drop a connection of its own; Graph reports a gateway timeout.
        Outcome::Drop | Outcome::LostResponse => GraphError::new(504, "GatewayTimeout", "The request timed out."),
    };
    error.retry_after = match outcome {
        Outcome::Throttle(seconds) => Some(*seconds),
        Outcome::Status(503) => Some(1),
        _ => None,
    };
    Reply::error(&error, request_id, None)
}

fn status_code_name(status: u16) -> &'static str {
    match status {
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => "UnknownError",
    }
}

fn header_case(name: &str) -> String {
    match name {
        "retry-after" => "Retry-After".to_owned(),
        other => other.to_owned(),
    }
}

/// A batch item's relative URL to a `/`-rooted path and decoded query pairs.
pub(crate) fn split_url(url: &str) -> (String, Vec<(String, String)>) {
    let url = url.strip_prefix("/v1.0").unwrap_or(url);
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
    (path, parse_query(query))
}

/// `a=1&b=x%20y` to decoded pairs.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (crate::util::percent_decode(name, true), crate::util::percent_decode(value, true))
        })
        .collect()
}
