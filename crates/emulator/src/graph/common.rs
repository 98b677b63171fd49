//! What the Graph handlers share: the request and the reply, and helpers for lists,
//! entities, patches and ids. Below every handler module and the router in `mod.rs`.

use std::borrow::Cow;

use serde_json::{Value, json};

use crate::error::GraphError;
use crate::odata::{Filterable, QueryOptions};
use crate::tenant::Object;
use crate::world::World;

/// A Graph request, transport stripped.
#[derive(Debug, Clone)]
pub(crate) struct GraphRequest {
    pub(crate) method: String,
    /// The path below `/v1.0`, starting with `/`.
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    /// Lower-case names.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Value>,
    /// A body was sent but is not JSON.
    pub(crate) malformed_body: bool,
    /// Result of probing a SCIM endpoint for validateCredentials, when probing is on.
    pub(crate) probe: Option<Result<(), String>>,
    /// When a top-level HTTP request arrived (none for `$batch` items and admin calls).
    pub(crate) received: Option<std::time::Instant>,
}

impl GraphRequest {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    pub(super) fn eventual(&self) -> bool {
        self.header("consistencylevel").is_some_and(|value| value.eq_ignore_ascii_case("eventual"))
    }

    /// The JSON body, or Graph's 400 for a missing or malformed one.
    pub(super) fn json_body(&self) -> Result<&Value, GraphError> {
        if self.malformed_body {
            return Err(GraphError::bad_request(
                "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
            ));
        }
        self.body
            .as_ref()
            .filter(|body| body.is_object())
            .ok_or_else(|| GraphError::bad_request("Empty Payload. JSON content expected."))
    }
}

/// A Graph reply.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Value>,
    /// Whether the tenant changed (the state file must be written).
    pub(crate) mutated: bool,
    /// Work to finish outside the lock before answering (provision on demand sends SCIM
    /// requests); the body is then replaced by its result.
    pub(crate) deferred: Option<crate::provisioning::OnDemand>,
    /// A `$batch`: the latency its slowest item was given (items run side by side, so a
    /// batch costs its slowest item, not the sum).
    pub(crate) slowest_item_ms: u64,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Reply {
        Reply { status, headers: Vec::new(), body: Some(body), mutated: false, deferred: None, slowest_item_ms: 0 }
    }

    pub(crate) fn no_content() -> Reply {
        Reply { status: 204, headers: Vec::new(), body: None, mutated: true, deferred: None, slowest_item_ms: 0 }
    }

    pub(super) fn changed(mut self) -> Reply {
        self.mutated = true;
        self
    }

    pub(crate) fn error(error: &GraphError, request_id: &str, client_request_id: Option<&str>) -> Reply {
        let mut headers = Vec::new();
        if let Some(seconds) = error.retry_after {
            headers.push(("retry-after".to_owned(), seconds.to_string()));
        }
        Reply {
            status: error.status,
            headers,
            body: Some(error.body(request_id, client_request_id, &crate::util::now_timestamp())),
            mutated: false,
            deferred: None,
            slowest_item_ms: 0,
        }
    }
}

/// A collection response over `items`, with `$filter`, `$select`, `$top`, `$count` and
/// paging.
pub(super) fn list<'a>(
    world: &World,
    request: &GraphRequest,
    items: impl IntoIterator<Item = Cow<'a, Object>>,
    filterable: Option<&Filterable>,
    context: &str,
) -> Result<Reply, GraphError> {
    list_expanded(world, request, items, filterable, context, &[], |_, _| None)
}

/// [`list`] of a collection whose items may expand the navigation properties in
/// `expandable`: `expand(item, expand)` gives an item's expanded value (Graph's limits:
/// see `odata::EXPANDED_MAX` and `odata::EXPANDED_PAGE`). Another `$expand` is Graph's 400.
pub(super) fn list_expanded<'a>(
    world: &World,
    request: &GraphRequest,
    items: impl IntoIterator<Item = Cow<'a, Object>>,
    filterable: Option<&Filterable>,
    context: &str,
    expandable: &[&str],
    expand: impl Fn(&Object, &crate::odata::Expand) -> Option<Value>,
) -> Result<Reply, GraphError> {
    let options = QueryOptions::parse(&request.query, request.eventual(), filterable)?;
    if let Some(wanted) = &options.expand
        && !expandable.contains(&wanted.property.as_str())
    {
        let type_name = context.trim_end_matches('s');
        return Err(GraphError::bad_request(format!(
            "Could not find a property named '{}' on type 'microsoft.graph.{type_name}'.",
            wanted.property
        )));
    }
    let link_base = format!("{}{}", world.graph_root(), request.path);
    let context = format!("{}/$metadata#{context}", world.graph_root());
    let body = options.page(items, &link_base, &context, |item| {
        let wanted = options.expand.as_ref()?;
        Some((wanted.property.clone(), expand(item, wanted)?))
    });
    Ok(Reply::json(200, body))
}

/// [`list`] of a long collection of `total` items kept in `id` order, whose page can be
/// reached without walking up to it: `from(n, after)` gives the items from the n-th on,
/// or those after the id `after` (the last of the page before). With a `$filter` every
/// item is looked at, as [`list`] does.
pub(super) fn list_seeking<'a, I: Iterator<Item = Cow<'a, Object>>>(
    world: &World,
    request: &GraphRequest,
    total: usize,
    from: impl FnOnce(usize, Option<&str>) -> I,
    filterable: Option<&Filterable>,
    context: &str,
) -> Result<Reply, GraphError> {
    let options = QueryOptions::parse(&request.query, request.eventual(), filterable)?;
    if options.filter.is_some() || options.expand.is_some() {
        return list(world, request, from(0, None), filterable, context);
    }
    let link_base = format!("{}{}", world.graph_root(), request.path);
    let context = format!("{}/$metadata#{context}", world.graph_root());
    let items = from(options.skip, options.after.as_deref());
    let key_of = |item: &Object| item.get("id").and_then(Value::as_str).map(str::to_owned);
    Ok(Reply::json(200, options.page_from(total, items, &link_base, &context, |_| None, key_of)))
}

/// One entity, with `$select` and `@odata.context`.
pub(super) fn entity(
    world: &World,
    request: &GraphRequest,
    object: &Object,
    selectable: &Filterable,
    context: &str,
) -> Result<Reply, GraphError> {
    let options = QueryOptions::parse(
        &request.query.iter().filter(|(name, _)| name == "$select").cloned().collect::<Vec<_>>(),
        false,
        Some(selectable),
    )?;
    let mut body = options.project(object);
    body.insert(
        "@odata.context".to_owned(),
        Value::String(format!("{}/$metadata#{context}/$entity", world.graph_root())),
    );
    Ok(Reply::json(200, Value::Object(body)))
}

/// Applies a PATCH body to `object`: only `writable` properties, of the type they already
/// have; anything else is Graph's 400.
pub(super) fn patch(object: &mut Object, body: &Value, type_name: &str, writable: &[&str]) -> Result<(), GraphError> {
    let Some(changes) = body.as_object() else {
        return Err(GraphError::bad_request("Empty Payload. JSON content expected."));
    };
    for (key, value) in changes {
        if key.starts_with("@odata") {
            continue;
        }
        if !writable.contains(&key.as_str()) {
            return Err(if object.contains_key(key) {
                GraphError::bad_request(format!("Property '{key}' is read-only and cannot be set."))
            } else {
                GraphError::bad_request(format!(
                    "Property '{key}' does not exist on type 'microsoft.graph.{type_name}'."
                ))
            });
        }
        let current = object.get(key).unwrap_or(&Value::Null);
        let compatible = match (current, value) {
            (_, Value::Null) | (Value::Null, _) => true,
            (Value::Array(_), Value::Array(items)) => key != "tags" || items.iter().all(Value::is_string),
            (current, value) => std::mem::discriminant(current) == std::mem::discriminant(value),
        };
        if !compatible {
            return Err(GraphError::bad_request(format!(
                "Invalid value for property '{key}' of type 'microsoft.graph.{type_name}'."
            )));
        }
    }
    for (key, value) in changes {
        if !key.starts_with("@odata") {
            object.insert(key.clone(), value.clone());
        }
    }
    Ok(())
}

/// A string property of a JSON body, required.
pub(super) fn required_string<'a>(body: &'a Value, key: &str) -> Result<&'a str, GraphError> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| GraphError::bad_request(format!("Required property '{key}' is missing or empty.")))
}

pub(super) fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A reference body (`{"@odata.id": ".../directoryObjects/{id}"}`) to the id it names.
pub(super) fn reference_id(body: &Value) -> Result<String, GraphError> {
    let reference = body
        .get("@odata.id")
        .and_then(Value::as_str)
        .ok_or_else(|| GraphError::bad_request("Missing '@odata.id' in the reference payload."))?;
    let id = reference.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    if !is_guid(id) {
        return Err(GraphError::bad_request(format!("Invalid object identifier '{id}'.")));
    }
    Ok(id.to_owned())
}

pub(super) fn created(body: Value) -> Reply {
    Reply::json(201, body).changed()
}

pub(super) fn json_object(value: Value) -> Object {
    value.as_object().cloned().unwrap_or_default()
}

pub(super) fn id_of(object: &Object) -> String {
    object.get("id").and_then(Value::as_str).unwrap_or_default().to_owned()
}

pub(super) fn with_context(mut object: Object, world: &World, context: &str) -> Value {
    object.insert("@odata.context".to_owned(), json!(format!("{}/$metadata#{context}", world.graph_root())));
    Value::Object(object)
}
