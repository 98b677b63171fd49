//! Users and groups of a played SCIM endpoint (RFC 7644 §3): create, read, list and
//! search (filter, `attributes`/`excludedAttributes`, `startIndex`/`count`), replace,
//! PATCH, delete. Bodies are checked against the schemas (`schema.rs`) before anything
//! is written; a change applies whole or not at all.

use serde_json::{Map, Value, json};

use super::common::{Answer, Refusal, error, error_typed, list_response, no_content, ok, refused};
use super::endpoint::{Endpoint, unique_key, unique_name};
use super::filter::{self, Filter};
use super::{patch, schema};

/// Most resources one list answers (`/ServiceProviderConfig` says so).
const MAX_RESULTS: usize = 1000;
const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// What every resource request carries besides its path.
pub(super) struct Request<'r> {
    /// The endpoint's absolute URL.
    pub(super) root: &'r str,
    pub(super) query: &'r [(String, String)],
    pub(super) body: Option<&'r Value>,
}

impl Request<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// `attributes` and `excludedAttributes` of the query.
    fn projection(&self) -> Projection {
        Projection::new(self.param("attributes"), self.param("excludedAttributes"))
    }
}

fn resource_type(kind: &str) -> &'static str {
    if kind == "Users" { "User" } else { "Group" }
}

fn not_found(id: &str) -> Answer {
    error(404, format!("Resource {id} not found."))
}

pub(super) fn read(endpoint: &Endpoint, kind: &str, id: &str, request: &Request<'_>) -> Answer {
    match endpoint.resources(kind).get(id) {
        Some(resource) => located(request.root, kind, 200, shown(kind, resource, request.root, &request.projection())),
        None => not_found(id),
    }
}

/// An answer carrying a resource, with its `Location` (RFC 7644 §3.1).
fn located(root: &str, kind: &str, status: u16, body: Value) -> Answer {
    let location = body["id"].as_str().map(|id| format!("{root}/{kind}/{id}"));
    Answer { status, body: Some(body), location }
}

pub(super) fn list(endpoint: &Endpoint, kind: &str, request: &Request<'_>) -> Answer {
    let page = Page::new(request.param("startIndex"), request.param("count"));
    match page {
        Ok(page) => listed(endpoint, &[kind], request.root, request.param("filter"), &request.projection(), page),
        Err(refusal) => refused(refusal),
    }
}

/// `POST /.search` (RFC 7644 §3.4.3): the query in a SearchRequest body.
pub(super) fn search(endpoint: &Endpoint, kinds: &[&str], request: &Request<'_>) -> Answer {
    let Some(body) =
        request.body.filter(|body| body["schemas"].as_array().is_some_and(|s| s.iter().any(|s| s == SEARCH_SCHEMA)))
    else {
        return error_typed(400, "invalidSyntax", format!("a search needs a body with the schema {SEARCH_SCHEMA}"));
    };
    let joined = |name: &str| match &body[name] {
        Value::Array(names) => Some(names.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")),
        Value::String(names) => Some(names.clone()),
        _ => None,
    };
    let number = |name: &str| body[name].as_u64().map(|n| n.to_string());
    let projection = Projection::new(joined("attributes").as_deref(), joined("excludedAttributes").as_deref());
    match Page::new(number("startIndex").as_deref(), number("count").as_deref()) {
        Ok(page) => listed(endpoint, kinds, request.root, body["filter"].as_str(), &projection, page),
        Err(refusal) => refused(refusal),
    }
}

/// `startIndex` (1-based, less than 1 read as 1) and `count` (0: only the total).
#[derive(Clone, Copy)]
struct Page {
    start: usize,
    count: usize,
}

impl Page {
    fn new(start: Option<&str>, count: Option<&str>) -> Result<Page, Refusal> {
        let number = |text: Option<&str>, default: i64| -> Result<i64, Refusal> {
            text.map_or(Ok(default), |text| {
                text.trim()
                    .parse::<i64>()
                    .map_err(|_| Refusal::new("invalidValue", format!("`{text}` is not a number")))
            })
        };
        let start = number(start, 1)?.max(1) as usize;
        let count = number(count, MAX_RESULTS as i64)?.clamp(0, MAX_RESULTS as i64) as usize;
        Ok(Page { start, count })
    }
}

fn listed(
    endpoint: &Endpoint,
    kinds: &[&str],
    root: &str,
    filter: Option<&str>,
    projection: &Projection,
    page: Page,
) -> Answer {
    let filter = match filter.map(filter::parse).transpose() {
        Ok(filter) => filter,
        Err(message) => return error_typed(400, "invalidFilter", message),
    };
    let mut found: Vec<(&str, &Value)> = Vec::new();
    for kind in kinds {
        let unique = unique_name(kind);
        let indexed = filter.as_ref().and_then(Filter::single).filter(|(path, _)| path.eq_ignore_ascii_case(unique));
        match indexed {
            // Entra's matching query: one lookup.
            Some((_, Value::String(wanted))) => found.extend(
                endpoint
                    .index
                    .get(&format!("{kind}:{}", wanted.to_lowercase()))
                    .and_then(|id| endpoint.resources(kind).get(id))
                    .filter(|resource| filter.as_ref().is_none_or(|filter| filter.matches(resource)))
                    .map(|resource| (*kind, resource)),
            ),
            _ => found.extend(
                endpoint
                    .resources(kind)
                    .values()
                    .filter(|resource| filter.as_ref().is_none_or(|filter| filter.matches(resource)))
                    .map(|resource| (*kind, resource)),
            ),
        }
    }
    let total = found.len();
    let shown: Vec<Value> = found
        .into_iter()
        .skip(page.start - 1)
        .take(page.count)
        .map(|(kind, resource)| shown(kind, resource, root, projection))
        .collect();
    let mut body = list_response(shown, page.start);
    body["totalResults"] = json!(total);
    ok(200, body)
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5): paths `attr`, `attr.sub`,
/// `urn:…:attr`. `id` and `schemas` are always returned.
struct Projection {
    only: Option<Vec<(String, Option<String>)>>,
    excluded: Vec<(String, Option<String>)>,
}

impl Projection {
    fn new(attributes: Option<&str>, excluded: Option<&str>) -> Projection {
        let parse =
            |list: &str| list.split(',').map(str::trim).filter(|name| !name.is_empty()).map(split_path).collect();
        Projection { only: attributes.map(parse), excluded: excluded.map(parse).unwrap_or_default() }
    }

    fn apply(&self, resource: &mut Map<String, Value>) {
        let always = |name: &str| name.eq_ignore_ascii_case("id") || name.eq_ignore_ascii_case("schemas");
        if let Some(only) = &self.only {
            let mut kept = Map::new();
            for (name, value) in std::mem::take(resource) {
                let wanted: Vec<&Option<String>> =
                    only.iter().filter(|(top, _)| top.eq_ignore_ascii_case(&name)).map(|(_, sub)| sub).collect();
                if always(&name) || wanted.iter().any(|sub| sub.is_none()) {
                    kept.insert(name, value);
                } else if !wanted.is_empty() {
                    let subs: Vec<&str> = wanted.iter().filter_map(|sub| sub.as_deref()).collect();
                    kept.insert(name, keep_subs(value, &subs));
                }
            }
            *resource = kept;
        }
        for (top, sub) in &self.excluded {
            if always(top) {
                continue;
            }
            match sub {
                None => resource.retain(|name, _| !name.eq_ignore_ascii_case(top)),
                Some(sub) => {
                    if let Some((_, value)) = resource.iter_mut().find(|(name, _)| name.eq_ignore_ascii_case(top)) {
                        drop_sub(value, sub);
                    }
                }
            }
        }
    }
}

/// `attr`, `attr.sub`, `urn:…:User:attr` (the core schema's URN dropped) as (top, sub).
fn split_path(path: &str) -> (String, Option<String>) {
    for uri in [schema::ENTERPRISE_SCHEMA, schema::USER_SCHEMA, schema::GROUP_SCHEMA] {
        if path.len() > uri.len() && path[..uri.len()].eq_ignore_ascii_case(uri) && path.as_bytes()[uri.len()] == b':' {
            let rest = &path[uri.len() + 1..];
            return if uri == schema::ENTERPRISE_SCHEMA {
                (uri.to_owned(), Some(rest.to_owned()))
            } else {
                split_path(rest)
            };
        }
    }
    match path.split_once('.') {
        Some((top, sub)) if !path.starts_with("urn:") => (top.to_owned(), Some(sub.to_owned())),
        _ => (path.to_owned(), None),
    }
}

fn keep_subs(value: Value, subs: &[&str]) -> Value {
    let keep = |item: Value| match item {
        Value::Object(fields) => Value::Object(
            fields.into_iter().filter(|(name, _)| subs.iter().any(|sub| sub.eq_ignore_ascii_case(name))).collect(),
        ),
        other => other,
    };
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(keep).collect()),
        other => keep(other),
    }
}

fn drop_sub(value: &mut Value, sub: &str) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|item| drop_sub(item, sub)),
        Value::Object(fields) => fields.retain(|name, _| !name.eq_ignore_ascii_case(sub)),
        _ => {}
    }
}

/// A resource as answered: `password` never (RFC 7643 §4.1), `meta.location` under the
/// endpoint's root, the projection applied.
fn shown(kind: &str, resource: &Value, root: &str, projection: &Projection) -> Value {
    let mut resource = resource.clone();
    schema::without_never_returned(kind, &mut resource);
    if let Some(id) = resource["id"].as_str().map(str::to_owned)
        && let Some(meta) = resource.get_mut("meta").and_then(Value::as_object_mut)
    {
        meta.insert("location".to_owned(), json!(format!("{root}/{kind}/{id}")));
    }
    if let Some(object) = resource.as_object_mut() {
        projection.apply(object);
    }
    resource
}

fn body_object<'r>(request: &Request<'r>) -> Result<&'r Map<String, Value>, Answer> {
    match request.body {
        Some(Value::Object(fields)) => Ok(fields),
        _ => Err(error_typed(400, "invalidSyntax", "The body must be a SCIM resource.")),
    }
}

/// The first member of a group resource that is neither a user nor a group here.
fn unknown_member(endpoint: &Endpoint, resource: &Value) -> Option<String> {
    resource["members"].as_array().into_iter().flatten().find_map(|member| {
        let id = member["value"].as_str().unwrap_or_default();
        let known = endpoint.users.contains_key(id) || endpoint.groups.contains_key(id);
        (!known).then(|| id.to_owned())
    })
}

/// What a stored resource must satisfy beyond its types: its unique attribute present and
/// not another resource's, its members resources of this endpoint.
fn check_stored(endpoint: &Endpoint, kind: &str, id: Option<&str>, resource: &Value) -> Result<(), Answer> {
    let Some(key) = unique_key(kind, resource) else {
        return Err(error_typed(400, "invalidValue", format!("{} is required.", unique_name(kind))));
    };
    if endpoint.index.get(&format!("{kind}:{key}")).is_some_and(|holder| Some(holder.as_str()) != id) {
        return Err(error_typed(409, "uniqueness", format!("{key} is taken.")));
    }
    if let Some(unknown) = unknown_member(endpoint, resource) {
        return Err(error_typed(
            400,
            "invalidValue",
            format!("member {unknown} is not a resource of this service provider"),
        ));
    }
    Ok(())
}

pub(super) fn create(endpoint: &mut Endpoint, kind: &str, request: &Request<'_>) -> Answer {
    let fields = match body_object(request) {
        Ok(fields) => fields,
        Err(answer) => return answer,
    };
    let mut resource = match schema::checked_resource(kind, fields, endpoint.quirks) {
        Ok(stored) => Value::Object(stored),
        Err(refusal) => return refused(refusal),
    };
    if let Err(answer) = check_stored(endpoint, kind, None, &resource) {
        return answer;
    }
    endpoint.next_id += 1;
    let id = format!("{}{:06}", if kind == "Users" { "u" } else { "g" }, endpoint.next_id);
    let now = crate::util::now_timestamp();
    resource["id"] = json!(id);
    resource["meta"] = json!({ "resourceType": resource_type(kind), "created": now, "lastModified": now });
    endpoint.resources_mut(kind).insert(id.clone(), resource.clone());
    endpoint.index(kind, &id);
    located(request.root, kind, 201, shown(kind, &resource, request.root, &request.projection()))
}

pub(super) fn replace(endpoint: &mut Endpoint, kind: &str, id: &str, request: &Request<'_>) -> Answer {
    let fields = match body_object(request) {
        Ok(fields) => fields,
        Err(answer) => return answer,
    };
    let Some(existing) = endpoint.resources(kind).get(id) else { return not_found(id) };
    let meta = existing.get("meta").cloned();
    let mut resource = match schema::checked_resource(kind, fields, endpoint.quirks) {
        Ok(stored) => Value::Object(stored),
        Err(refusal) => return refused(refusal),
    };
    resource["id"] = json!(id);
    if let Some(meta) = meta {
        resource["meta"] = meta;
    }
    keep(endpoint, kind, id, resource, request)
}

/// A PatchOp applied as a whole to a copy, checked, then kept.
pub(super) fn patched(endpoint: &mut Endpoint, kind: &str, id: &str, request: &Request<'_>) -> Answer {
    let Some(existing) = endpoint.resources(kind).get(id) else { return not_found(id) };
    let mut changed = existing.clone();
    if let Err(refusal) = patch::apply(&mut changed, kind, request.body, endpoint.quirks) {
        return refused(refusal);
    }
    let answer = keep(endpoint, kind, id, changed, request);
    // Entra expects 204 for group PATCHes (`reference/scim/ENTRA-SCIM-CLIENT.md` §1.4).
    if kind == "Groups" && answer.status == 200 { no_content() } else { answer }
}

/// A changed resource checked and stored in place of the old one, `lastModified` now.
fn keep(endpoint: &mut Endpoint, kind: &str, id: &str, mut resource: Value, request: &Request<'_>) -> Answer {
    if let Err(answer) = check_stored(endpoint, kind, Some(id), &resource) {
        return answer;
    }
    if let Some(meta) = resource.get_mut("meta").and_then(Value::as_object_mut) {
        meta.insert("lastModified".to_owned(), json!(crate::util::now_timestamp()));
    }
    endpoint.unindex(kind, id);
    endpoint.resources_mut(kind).insert(id.to_owned(), resource.clone());
    endpoint.index(kind, id);
    located(request.root, kind, 200, shown(kind, &resource, request.root, &request.projection()))
}

/// A delete; a deleted user or group also leaves the groups it was a member of.
pub(super) fn delete(endpoint: &mut Endpoint, kind: &str, id: &str) -> Answer {
    endpoint.unindex(kind, id);
    if endpoint.resources_mut(kind).remove(id).is_none() {
        return not_found(id);
    }
    for group in endpoint.groups.values_mut() {
        if let Some(members) = group.get_mut("members").and_then(Value::as_array_mut) {
            members.retain(|member| member["value"].as_str() != Some(id));
        }
    }
    no_content()
}
