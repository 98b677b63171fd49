//! The SCIM applications on the other end of provisioning: a SCIM 2.0 service provider
//! built into the emulator (RFC 7643/7644 Users and Groups, in memory, persisted with the
//! tenant), and the routing of a job's base URL to it or to any other SCIM server.
//!
//! Each *SCIM endpoint* is keyed by the base URL a job saves (`BaseAddress`). It is either
//! played here (`/scim/{key}/…` on the emulator's own address, `key` derived from the base
//! URL) or routed to another server (`target`, for example a scim2-server on a free port).
//! A played endpoint accepts one bearer token when it has one (kept as a digest), any
//! non-empty token otherwise. Base URLs not listed are called as they are.
//!
//! What the provider supports is what Entra's provisioning service uses
//! (`reference/scim/ENTRA-SCIM-CLIENT.md` §1): `filter` with `eq` and `and`, `excludedAttributes=members`,
//! POST, GET, PATCH with PatchOp (`Add`/`Replace`/`Remove`, case-insensitive, paths
//! `attr`, `attr.sub`, `attr[type eq "work"].sub`, extension URNs, `members`,
//! `members[value eq "…"]`, and a pathless `replace` with an object), PUT and DELETE;
//! discovery of `/ServiceProviderConfig` and `/ResourceTypes`.
//!
//! It is as careful as a real server where that costs Entra's requests nothing: a PATCH
//! applies as a whole or not at all, `password` is never returned (RFC 7643 §4.1), a
//! group's members must be resources here (`invalidValue`), an unreadable filter is
//! `invalidFilter`, an unsupported method on a resource path is 405, and Entra's legacy
//! member removal (`Remove` with a value) is refused as RFC 7644 §3.5.2.2 reads.

mod filter;
mod patch;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use filter::Filter;

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// One SCIM endpoint: played here, or routed elsewhere.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Endpoint {
    /// Digest of the one bearer token a played endpoint accepts (`None`: any token).
    #[serde(default)]
    pub(crate) token: Option<String>,
    /// Another server's SCIM root to send the requests to instead of playing them here.
    #[serde(default)]
    pub(crate) target: Option<String>,
    /// Users by id (played endpoints).
    #[serde(default)]
    pub(crate) users: BTreeMap<String, Value>,
    /// Groups by id (played endpoints).
    #[serde(default)]
    pub(crate) groups: BTreeMap<String, Value>,
    /// The next id to give.
    #[serde(default)]
    pub(crate) next_id: u64,
    /// `Users:<userName lower-cased>` and `Groups:<displayName lower-cased>` to ids, so that
    /// Entra's matching queries do not scan (rebuilt after loading).
    #[serde(skip)]
    index: std::collections::HashMap<String, String>,
}

impl Endpoint {
    fn index_key(kind: &str, resource: &Value) -> Option<String> {
        unique_key(kind, resource).map(|key| format!("{kind}:{key}"))
    }

    fn reindex(&mut self) {
        if !self.index.is_empty() || (self.users.is_empty() && self.groups.is_empty()) {
            return;
        }
        for (kind, resources) in [("Users", &self.users), ("Groups", &self.groups)] {
            for (id, resource) in resources {
                if let Some(key) = Endpoint::index_key(kind, resource) {
                    self.index.insert(key, id.clone());
                }
            }
        }
    }

    fn unindex(&mut self, kind: &str, id: &str) {
        if let Some(key) = resources(self, kind).get(id).and_then(|resource| Endpoint::index_key(kind, resource)) {
            self.index.remove(&key);
        }
    }

    fn index(&mut self, kind: &str, id: &str) {
        if let Some(key) = resources(self, kind).get(id).and_then(|resource| Endpoint::index_key(kind, resource)) {
            self.index.insert(key, id.to_owned());
        }
    }
}

/// A base URL as endpoints are keyed: no trailing slash, no query (feature flags such as
/// `?aadOptscim062020` belong to the client, not to the endpoint).
pub(crate) fn normalize(base_url: &str) -> String {
    base_url.split('?').next().unwrap_or_default().trim_end_matches('/').to_owned()
}

/// The path segment a played endpoint is served under: a short digest of its base URL.
pub(crate) fn key_of(base_url: &str) -> String {
    crate::util::digest(&normalize(base_url)).trim_start_matches(crate::util::DIGEST_PREFIX)[..16].to_owned()
}

/// A SCIM response: status and body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
}

fn error(status: u16, detail: impl Into<String>) -> Answer {
    Answer {
        status,
        body: Some(json!({ "schemas": [ERROR_SCHEMA], "status": status.to_string(), "detail": detail.into() })),
    }
}

/// An error with its RFC 7644 §3.12 `scimType` (`invalidFilter`, `invalidValue`, …).
fn error_typed(status: u16, scim_type: &str, detail: impl Into<String>) -> Answer {
    let mut answer = error(status, detail);
    if let Some(body) = answer.body.as_mut() {
        body["scimType"] = json!(scim_type);
    }
    answer
}

fn ok(status: u16, body: Value) -> Answer {
    Answer { status, body: Some(body) }
}

/// One request to a played endpoint. `path` is what follows `/scim/{key}` (`/Users`,
/// `/Groups/{id}`), `query` the decoded query pairs.
pub(crate) fn handle(
    endpoint: &mut Endpoint,
    method: &str,
    path: &str,
    query: &[(String, String)],
    bearer: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let Some(token) = bearer.filter(|token| !token.is_empty()) else {
        return error(401, "A bearer token is required.");
    };
    if endpoint.token.as_ref().is_some_and(|accepted| crate::util::digest(token) != *accepted) {
        return error(401, "The bearer token is not valid.");
    }
    endpoint.reindex();
    let segments: Vec<&str> = path.trim_matches('/').split('/').filter(|segment| !segment.is_empty()).collect();
    let param =
        |name: &str| query.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str());
    match (method, segments.as_slice()) {
        ("GET", ["ServiceProviderConfig"]) => ok(200, service_provider_config()),
        ("GET", ["ResourceTypes"]) => ok(200, list_response(resource_types())),
        ("GET", ["ResourceTypes", name]) => {
            match resource_types().into_iter().find(|resource_type| resource_type["id"] == *name) {
                Some(resource_type) => ok(200, resource_type),
                None => error(404, format!("No resource type {name}.")),
            }
        }
        ("GET", [kind @ ("Users" | "Groups")]) => list(endpoint, kind, param("filter"), param("excludedAttributes")),
        ("POST", [kind @ ("Users" | "Groups")]) => create(endpoint, kind, body),
        ("GET", [kind @ ("Users" | "Groups"), id]) => match resources(endpoint, kind).get(*id) {
            Some(resource) => ok(200, shown(resource, param("excludedAttributes"))),
            None => error(404, format!("Resource {id} not found.")),
        },
        ("PUT", [kind @ ("Users" | "Groups"), id]) => replace(endpoint, kind, id, body),
        ("PATCH", [kind @ ("Users" | "Groups"), id]) => patched(endpoint, kind, id, body),
        ("DELETE", [kind @ ("Users" | "Groups"), id]) => {
            endpoint.unindex(kind, id);
            match resources_mut(endpoint, kind).remove(*id) {
                Some(_) => Answer { status: 204, body: None },
                None => error(404, format!("Resource {id} not found.")),
            }
        }
        (
            _,
            ["Users" | "Groups" | "ResourceTypes"]
            | ["Users" | "Groups" | "ResourceTypes", _]
            | ["ServiceProviderConfig"],
        ) => error(405, format!("{method} is not supported on {path}.")),
        _ => error(404, format!("No SCIM resource at {path}.")),
    }
}

/// A PatchOp applied as a whole to a copy, checked, then kept: a group's members must
/// be resources of this endpoint (RFC 7644 §3.5.2: `invalidValue`).
fn patched(endpoint: &mut Endpoint, kind: &str, id: &str, body: Option<&Value>) -> Answer {
    let Some(existing) = resources(endpoint, kind).get(id) else {
        return error(404, format!("Resource {id} not found."));
    };
    let mut changed = existing.clone();
    if let Err(message) = patch::apply(&mut changed, body) {
        return error_typed(400, "invalidSyntax", message);
    }
    if let Some(unknown) = unknown_member(endpoint, &changed) {
        return error_typed(
            400,
            "invalidValue",
            format!("member {unknown} is not a resource of this service provider"),
        );
    }
    touch(&mut changed);
    endpoint.unindex(kind, id);
    resources_mut(endpoint, kind).insert(id.to_owned(), changed.clone());
    endpoint.index(kind, id);
    if kind == "Groups" { Answer { status: 204, body: None } } else { ok(200, shown(&changed, None)) }
}

/// The first member of a group resource that is neither a user nor a group here.
fn unknown_member(endpoint: &Endpoint, resource: &Value) -> Option<String> {
    resource["members"].as_array().into_iter().flatten().find_map(|member| {
        let id = member["value"].as_str().unwrap_or_default();
        let known = endpoint.users.contains_key(id) || endpoint.groups.contains_key(id);
        (!known).then(|| id.to_owned())
    })
}

fn resources<'e>(endpoint: &'e Endpoint, kind: &str) -> &'e BTreeMap<String, Value> {
    if kind == "Users" { &endpoint.users } else { &endpoint.groups }
}

fn resources_mut<'e>(endpoint: &'e mut Endpoint, kind: &str) -> &'e mut BTreeMap<String, Value> {
    if kind == "Users" { &mut endpoint.users } else { &mut endpoint.groups }
}

fn list(endpoint: &Endpoint, kind: &str, filter: Option<&str>, excluded: Option<&str>) -> Answer {
    let filter = match filter.map(filter::parse).transpose() {
        Ok(filter) => filter,
        Err(message) => return error_typed(400, "invalidFilter", message),
    };
    let unique = if kind == "Users" { "userName" } else { "displayName" };
    let indexed = filter.as_ref().and_then(Filter::single).filter(|(path, _)| path.eq_ignore_ascii_case(unique));
    let found: Vec<Value> = match indexed {
        // Entra's matching query: one lookup.
        Some((_, Value::String(wanted))) => endpoint
            .index
            .get(&format!("{kind}:{}", wanted.to_lowercase()))
            .and_then(|id| resources(endpoint, kind).get(id))
            .filter(|resource| filter.as_ref().is_none_or(|filter| filter.matches(resource)))
            .map(|resource| shown(resource, excluded))
            .into_iter()
            .collect(),
        _ => resources(endpoint, kind)
            .values()
            .filter(|resource| filter.as_ref().is_none_or(|filter| filter.matches(resource)))
            .map(|resource| shown(resource, excluded))
            .collect(),
    };
    ok(200, list_response(found))
}

/// A resource as answered: without `password` (RFC 7643 §4.1: returned "never") and
/// without the attributes `excludedAttributes` names.
fn shown(resource: &Value, excluded: Option<&str>) -> Value {
    let mut resource = resource.clone();
    if let Some(object) = resource.as_object_mut() {
        object.remove("password");
    }
    if let (Some(excluded), Some(object)) = (excluded, resource.as_object_mut()) {
        for name in excluded.split(',') {
            object.remove(name.trim());
        }
    }
    resource
}

/// The attribute that must be unique: `userName` for users (case-insensitive, RFC 7643
/// §4.1.1), `displayName` for groups (Entra matches groups by it).
fn unique_key(kind: &str, resource: &Value) -> Option<String> {
    let name = if kind == "Users" { "userName" } else { "displayName" };
    resource.get(name).and_then(Value::as_str).map(str::to_lowercase)
}

fn create(endpoint: &mut Endpoint, kind: &str, body: Option<&Value>) -> Answer {
    let Some(Value::Object(fields)) = body else { return error(400, "The body must be a SCIM resource.") };
    let mut resource = Value::Object(fields.clone());
    let Some(key) = unique_key(kind, &resource) else {
        let name = if kind == "Users" { "userName" } else { "displayName" };
        return error(400, format!("{name} is required."));
    };
    if endpoint.index.contains_key(&format!("{kind}:{key}")) {
        return Answer {
            status: 409,
            body: Some(
                json!({ "schemas": [ERROR_SCHEMA], "status": "409", "scimType": "uniqueness", "detail": format!("{key} is taken.") }),
            ),
        };
    }
    endpoint.next_id += 1;
    let id = format!("{}{:06}", if kind == "Users" { "u" } else { "g" }, endpoint.next_id);
    let schema = if kind == "Users" { USER_SCHEMA } else { GROUP_SCHEMA };
    if let Some(object) = resource.as_object_mut() {
        object.insert("id".to_owned(), json!(id));
        let now = crate::util::now_timestamp();
        object.insert(
            "meta".to_owned(),
            json!({ "resourceType": if kind == "Users" { "User" } else { "Group" }, "created": now, "lastModified": now }),
        );
        if !object.get("schemas").is_some_and(Value::is_array) {
            object.insert("schemas".to_owned(), json!([schema]));
        }
        if kind == "Users" && !object.contains_key("active") {
            object.insert("active".to_owned(), json!(true));
        }
        if kind == "Groups" {
            object.entry("members").or_insert_with(|| json!([]));
        }
    }
    if let Some(unknown) = unknown_member(endpoint, &resource) {
        return error_typed(
            400,
            "invalidValue",
            format!("member {unknown} is not a resource of this service provider"),
        );
    }
    resources_mut(endpoint, kind).insert(id.clone(), resource.clone());
    endpoint.index(kind, &id);
    ok(201, shown(&resource, None))
}

fn replace(endpoint: &mut Endpoint, kind: &str, id: &str, body: Option<&Value>) -> Answer {
    let Some(Value::Object(fields)) = body else { return error(400, "The body must be a SCIM resource.") };
    endpoint.unindex(kind, id);
    let answer = replace_indexed(endpoint, kind, id, fields);
    endpoint.index(kind, id);
    answer
}

fn replace_indexed(endpoint: &mut Endpoint, kind: &str, id: &str, fields: &Map<String, Value>) -> Answer {
    let Some(existing) = resources_mut(endpoint, kind).get_mut(id) else {
        return error(404, format!("Resource {id} not found."));
    };
    let meta = existing.get("meta").cloned();
    let mut fields: Map<String, Value> = fields.clone();
    fields.insert("id".to_owned(), json!(id));
    if let Some(meta) = meta {
        fields.insert("meta".to_owned(), meta);
    }
    *existing = Value::Object(fields);
    touch(existing);
    ok(200, shown(existing, None))
}

fn touch(resource: &mut Value) {
    if let Some(meta) = resource.get_mut("meta").and_then(Value::as_object_mut) {
        meta.insert("lastModified".to_owned(), json!(crate::util::now_timestamp()));
    }
}

/// RFC 7643 §6: the resource types served, users with the enterprise extension.
fn resource_types() -> Vec<Value> {
    let schema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
    vec![
        json!({
            "schemas": [schema], "id": "User", "name": "User", "endpoint": "/Users",
            "description": "User Account", "schema": USER_SCHEMA,
            "schemaExtensions": [{ "schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false }],
            "meta": { "resourceType": "ResourceType", "location": "/ResourceTypes/User" },
        }),
        json!({
            "schemas": [schema], "id": "Group", "name": "Group", "endpoint": "/Groups",
            "description": "Group", "schema": GROUP_SCHEMA, "schemaExtensions": [],
            "meta": { "resourceType": "ResourceType", "location": "/ResourceTypes/Group" },
        }),
    ]
}

/// A ListResponse of all of `resources`.
fn list_response(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

fn service_provider_config() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": 1000 },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": false },
        "authenticationSchemes": [{ "type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "A static bearer token." }],
    })
}

/// What the admin API shows of the endpoints: everything but token digests.
pub(crate) fn admin_view(endpoints: &BTreeMap<String, Endpoint>) -> Value {
    let shown: Map<String, Value> = endpoints
        .iter()
        .map(|(base_url, endpoint)| {
            let view = json!({
                "key": key_of(base_url),
                "played": endpoint.target.is_none(),
                "target": endpoint.target,
                "tokenRequired": endpoint.token.is_some(),
                "users": endpoint.users.values().collect::<Vec<_>>(),
                "groups": endpoint.groups.values().collect::<Vec<_>>(),
            });
            (base_url.clone(), view)
        })
        .collect();
    Value::Object(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(endpoint: &mut Endpoint, method: &str, path: &str, query: &[(&str, &str)], body: Option<Value>) -> Answer {
        let query: Vec<(String, String)> =
            query.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect();
        handle(endpoint, method, path, &query, Some("t0ken"), body.as_ref())
    }

    #[test]
    fn users_are_created_found_patched_and_deleted_as_entra_expects() {
        let mut endpoint = Endpoint::default();
        let created = call(
            &mut endpoint,
            "POST",
            "/Users",
            &[],
            Some(
                json!({ "userName": "Alice@contoso.com", "active": true, "emails": [{ "type": "work", "value": "a@c" }] }),
            ),
        );
        assert_eq!(created.status, 201);
        let id = created.body.unwrap()["id"].as_str().unwrap().to_owned();
        let duplicate = call(&mut endpoint, "POST", "/Users", &[], Some(json!({ "userName": "alice@contoso.com" })));
        assert_eq!(duplicate.status, 409);
        let found = call(&mut endpoint, "GET", "/Users", &[("filter", "userName eq \"alice@contoso.com\"")], None);
        assert_eq!(found.body.unwrap()["totalResults"], 1);
        let missing = call(&mut endpoint, "GET", "/Users", &[("filter", "userName eq \"nobody\"")], None);
        assert_eq!((missing.status, missing.body.unwrap()["totalResults"].clone()), (200, json!(0)));
        let patch = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
            { "op": "Replace", "path": "active", "value": "False" },
            { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "alice@c" },
            { "op": "Add", "path": "name.givenName", "value": "Alice" },
        ]});
        let patched = call(&mut endpoint, "PATCH", &format!("/Users/{id}"), &[], Some(patch)).body.unwrap();
        assert_eq!(patched["active"], false);
        assert_eq!(patched["emails"][0]["value"], "alice@c");
        assert_eq!(patched["name"]["givenName"], "Alice");
        assert_eq!(call(&mut endpoint, "DELETE", &format!("/Users/{id}"), &[], None).status, 204);
        assert_eq!(call(&mut endpoint, "GET", &format!("/Users/{id}"), &[], None).status, 404);
    }

    #[test]
    fn groups_take_member_patches_and_hide_members_when_asked() {
        let mut endpoint = Endpoint::default();
        let id = call(&mut endpoint, "POST", "/Groups", &[], Some(json!({ "displayName": "Netskope Users" })))
            .body
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let unknown = json!({ "Operations": [{ "op": "Add", "path": "members", "value": [{ "value": "u1" }] }] });
        let refused = call(&mut endpoint, "PATCH", &format!("/Groups/{id}"), &[], Some(unknown));
        assert_eq!((refused.status, refused.body.unwrap()["scimType"].clone()), (400, json!("invalidValue")));
        let user = |endpoint: &mut Endpoint, name: &str| {
            let created =
                call(endpoint, "POST", "/Users", &[], Some(json!({ "userName": name, "password": "hunter2" })));
            assert!(created.body.as_ref().unwrap().get("password").is_none(), "passwords are never returned");
            created.body.unwrap()["id"].as_str().unwrap().to_owned()
        };
        let (u1, u2) = (user(&mut endpoint, "one@contoso.com"), user(&mut endpoint, "two@contoso.com"));
        let add =
            json!({ "Operations": [{ "op": "Add", "path": "members", "value": [{ "value": u1 }, { "value": u2 }] }] });
        assert_eq!(call(&mut endpoint, "PATCH", &format!("/Groups/{id}"), &[], Some(add)).status, 204);
        let remove_legacy =
            json!({ "Operations": [{ "op": "Remove", "path": "members", "value": [{ "value": u1 }] }] });
        // Entra's legacy form is refused, as a careful server refuses it, and changes nothing.
        assert_eq!(call(&mut endpoint, "PATCH", &format!("/Groups/{id}"), &[], Some(remove_legacy)).status, 400);
        let group = call(&mut endpoint, "GET", &format!("/Groups/{id}"), &[], None).body.unwrap();
        assert_eq!(group["members"].as_array().map(Vec::len), Some(2));
        for member in [&u1, &u2] {
            let remove_flagged =
                json!({ "Operations": [{ "op": "remove", "path": format!("members[value eq \"{member}\"]") }] });
            assert_eq!(call(&mut endpoint, "PATCH", &format!("/Groups/{id}"), &[], Some(remove_flagged)).status, 204);
        }
        let group = call(&mut endpoint, "GET", &format!("/Groups/{id}"), &[], None).body.unwrap();
        assert_eq!(group["members"], json!([]));
        let listed = call(
            &mut endpoint,
            "GET",
            "/Groups",
            &[("excludedAttributes", "members"), ("filter", "displayName eq \"Netskope Users\"")],
            None,
        );
        assert!(listed.body.unwrap()["Resources"][0].get("members").is_none());
    }

    /// RFC 7644: an unsupported method on a resource path is 405, not 404; a filter the
    /// provider cannot read is 400 with `scimType: invalidFilter`.
    #[test]
    fn unsupported_methods_and_filters_say_so() {
        let mut endpoint = Endpoint::default();
        assert_eq!(call(&mut endpoint, "DELETE", "/Users", &[], None).status, 405);
        assert_eq!(call(&mut endpoint, "POST", "/Users/u1", &[], Some(json!({}))).status, 405);
        assert_eq!(call(&mut endpoint, "GET", "/Elsewhere", &[], None).status, 404);
        // RFC 7643 §6: discovery of the resource types.
        let types = call(&mut endpoint, "GET", "/ResourceTypes", &[], None).body.unwrap();
        assert_eq!(types["totalResults"], 2);
        let user = call(&mut endpoint, "GET", "/ResourceTypes/User", &[], None).body.unwrap();
        assert_eq!(user["endpoint"], "/Users");
        assert_eq!(call(&mut endpoint, "GET", "/ResourceTypes/Device", &[], None).status, 404);
        let listed = call(&mut endpoint, "GET", "/Users", &[("filter", "userName sw \"a\"")], None);
        assert_eq!((listed.status, listed.body.unwrap()["scimType"].clone()), (400, json!("invalidFilter")));
    }

    #[test]
    fn a_wrong_token_gets_401() {
        let mut endpoint = Endpoint { token: Some(crate::util::digest("right")), ..Endpoint::default() };
        assert_eq!(handle(&mut endpoint, "GET", "/Users", &[], Some("wrong"), None).status, 401);
        assert_eq!(handle(&mut endpoint, "GET", "/Users", &[], Some("right"), None).status, 200);
        assert_eq!(handle(&mut endpoint, "GET", "/Users", &[], None, None).status, 401);
    }
}
