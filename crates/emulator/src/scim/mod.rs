//! The SCIM applications on the other end of provisioning: a SCIM 2.0 service provider
//! built into the emulator (RFC 7643/7644 Users and Groups, in memory, persisted with the
//! tenant), and the routing of a job's base URL to it or to any other SCIM server.
//!
//! Each *SCIM endpoint* is keyed by the base URL a job saves (`BaseAddress`). It is either
//! played here (`/scim/{key}/…` on the emulator's own address, `key` derived from the base
//! URL) or routed to another server (`target`, for example a scim2-server on a free port).
//! A played endpoint accepts one bearer token when it has one (kept as a digest), any
//! non-empty token otherwise.
//!
//! The provider is strict by default, as a careful real server is (RFC 7643/7644): values
//! have their schema's types (`schema.rs`), unknown schema URIs and attributes are
//! refused, PATCH paths must select something (`noTarget`, `patch.rs`), `password` is
//! never returned, group members must be its resources (`invalidValue`), an unreadable
//! filter is `invalidFilter` (`filter.rs`), an unsupported method is 405. It serves
//! discovery (`/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`: `discovery.rs`),
//! `attributes`/`excludedAttributes`, `startIndex`/`count`, `POST /.search`, `Location`
//! and `meta.location` (`resources.rs`). An endpoint's *quirks* make it as lenient as a
//! given SaaS app: `stringBooleans` (`"False"` for `false`, Entra's default dialect),
//! `createsFilteredTargets` (a PATCH of `emails[type eq "work"].value` makes the item),
//! `legacyMemberRemoval` (`Remove` of `members` with a value list), `anySchema` (unknown
//! schema URIs and attributes kept), or `lenient` for all of them; and one that is broken
//! rather than lenient, `ignoresRemoves` (a PATCH `remove` answers success and changes
//! nothing), to show what `scim-check` catches.

mod common;
mod discovery;
mod endpoint;
mod filter;
mod patch;
mod resources;
mod schema;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

pub use common::Quirk;
pub(crate) use common::Quirks;
use common::{Answer, error, list_response, ok};
pub(crate) use endpoint::Endpoint;

/// A base URL as endpoints are keyed: no trailing slash, no query (feature flags such as
/// `?aadOptscim062020` belong to the client, not to the endpoint).
pub(crate) fn normalize(base_url: &str) -> String {
    base_url.split('?').next().unwrap_or_default().trim_end_matches('/').to_owned()
}

/// The path segment a played endpoint is served under: a short digest of its base URL.
pub(crate) fn key_of(base_url: &str) -> String {
    crate::util::digest(&normalize(base_url)).trim_start_matches(crate::util::DIGEST_PREFIX)[..16].to_owned()
}

/// One request to a played endpoint. `root` is the endpoint's own absolute URL (for
/// `Location` and `meta.location`), `path` what follows it (`/Users`, `/Groups/{id}`),
/// `query` the decoded query pairs.
pub(crate) fn handle(
    endpoint: &mut Endpoint,
    root: &str,
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
    let request = resources::Request { root, query, body };
    match (method, segments.as_slice()) {
        ("GET", ["ServiceProviderConfig"]) => ok(200, discovery::service_provider_config(root)),
        ("GET", ["ResourceTypes"]) => ok(200, list_response(discovery::resource_types(root), 1)),
        ("GET", ["ResourceTypes", name]) => discovery::resource_type(root, name),
        ("GET", ["Schemas"]) => ok(200, list_response(discovery::schemas(root), 1)),
        ("GET", ["Schemas", id]) => discovery::schema(root, id),
        ("GET", [kind @ ("Users" | "Groups")]) => resources::list(endpoint, kind, &request),
        ("POST", [kind @ ("Users" | "Groups"), ".search"]) => resources::search(endpoint, &[kind], &request),
        ("POST", [".search"]) => resources::search(endpoint, &["Users", "Groups"], &request),
        ("POST", [kind @ ("Users" | "Groups")]) => resources::create(endpoint, kind, &request),
        ("GET", [kind @ ("Users" | "Groups"), id]) => resources::read(endpoint, kind, id, &request),
        ("PUT", [kind @ ("Users" | "Groups"), id]) => resources::replace(endpoint, kind, id, &request),
        ("PATCH", [kind @ ("Users" | "Groups"), id]) => resources::patched(endpoint, kind, id, &request),
        ("DELETE", [kind @ ("Users" | "Groups"), id]) => resources::delete(endpoint, kind, id),
        (
            _,
            ["Users" | "Groups" | "ResourceTypes" | "Schemas"]
            | ["Users" | "Groups" | "ResourceTypes" | "Schemas", _]
            | ["ServiceProviderConfig"]
            | [".search"],
        ) => error(405, format!("{method} is not supported on {path}.")),
        _ => error(404, format!("No SCIM resource at {path}.")),
    }
}

/// What the admin API shows of the endpoints: everything but token digests and
/// passwords.
pub(crate) fn admin_view(endpoints: &BTreeMap<String, Endpoint>) -> Value {
    let shown: Map<String, Value> = endpoints
        .iter()
        .map(|(base_url, endpoint)| {
            let listed = |kind: &str| -> Vec<Value> {
                endpoint
                    .resources(kind)
                    .values()
                    .map(|resource| {
                        let mut resource = resource.clone();
                        schema::without_never_returned(kind, &mut resource);
                        resource
                    })
                    .collect()
            };
            let view = json!({
                "key": key_of(base_url),
                "played": endpoint.target.is_none(),
                "target": endpoint.target,
                "tokenRequired": endpoint.token.is_some(),
                "quirks": endpoint.quirks.names(),
                "users": listed("Users"),
                "groups": listed("Groups"),
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
        handle(endpoint, "http://scim.test", method, path, &query, Some("t0ken"), body.as_ref())
    }

    fn user(name: &str) -> Value {
        json!({ "schemas": [schema::USER_SCHEMA], "userName": name, "active": true })
    }

    #[test]
    fn users_are_created_found_patched_and_deleted_as_entra_expects() {
        let mut endpoint = Endpoint::default();
        let mut alice = user("Alice@contoso.com");
        alice["emails"] = json!([{ "type": "work", "value": "a@c" }]);
        let created = call(&mut endpoint, "POST", "/Users", &[], Some(alice));
        assert_eq!(created.status, 201);
        let id = created.body.unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(created.location, Some(format!("http://scim.test/Users/{id}")));
        let duplicate = call(&mut endpoint, "POST", "/Users", &[], Some(user("alice@contoso.com")));
        assert_eq!(duplicate.status, 409);
        let found = call(&mut endpoint, "GET", "/Users", &[("filter", "userName eq \"alice@contoso.com\"")], None);
        assert_eq!(found.body.unwrap()["totalResults"], 1);
        let missing = call(&mut endpoint, "GET", "/Users", &[("filter", "userName eq \"nobody\"")], None);
        assert_eq!((missing.status, missing.body.unwrap()["totalResults"].clone()), (200, json!(0)));
        let patch = |active: Value| {
            json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
                { "op": "Replace", "path": "active", "value": active },
                { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "alice@c" },
                { "op": "Add", "path": "name.givenName", "value": "Alice" },
            ]})
        };
        // Entra's default dialect sends `"False"`: a strict provider refuses the whole PATCH.
        let refused = call(&mut endpoint, "PATCH", &format!("/Users/{id}"), &[], Some(patch(json!("False"))));
        assert_eq!((refused.status, refused.body.unwrap()["scimType"].clone()), (400, json!("invalidValue")));
        let patched =
            call(&mut endpoint, "PATCH", &format!("/Users/{id}"), &[], Some(patch(json!(false)))).body.unwrap();
        assert_eq!(patched["active"], false);
        assert_eq!(patched["emails"][0]["value"], "alice@c");
        assert_eq!(patched["name"]["givenName"], "Alice");
        assert_eq!(patched["meta"]["location"], format!("http://scim.test/Users/{id}"));
        // A value filter that selects nothing is `noTarget` (RFC 7644 §3.5.2), unless the
        // app is one that makes the item.
        let phone = json!({ "Operations": [{ "op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555" }] });
        let no_target = call(&mut endpoint, "PATCH", &format!("/Users/{id}"), &[], Some(phone.clone()));
        assert_eq!((no_target.status, no_target.body.unwrap()["scimType"].clone()), (400, json!("noTarget")));
        endpoint.quirks = Quirks::of(&[Quirk::Lenient]);
        assert_eq!(call(&mut endpoint, "PATCH", &format!("/Users/{id}"), &[], Some(phone)).status, 200);
        let lenient = json!({ "Operations": [{ "op": "Replace", "path": "active", "value": "True" }] });
        let patched = call(&mut endpoint, "PATCH", &format!("/Users/{id}"), &[], Some(lenient)).body.unwrap();
        assert_eq!(
            (patched["active"].clone(), patched["phoneNumbers"][0]["value"].clone()),
            (json!(true), json!("+1 555"))
        );
        assert_eq!(call(&mut endpoint, "DELETE", &format!("/Users/{id}"), &[], None).status, 204);
        assert_eq!(call(&mut endpoint, "GET", &format!("/Users/{id}"), &[], None).status, 404);
    }

    #[test]
    fn groups_take_member_patches_and_hide_members_when_asked() {
        let mut endpoint = Endpoint::default();
        let group = json!({ "schemas": [schema::GROUP_SCHEMA], "displayName": "Netskope Users" });
        let id =
            call(&mut endpoint, "POST", "/Groups", &[], Some(group)).body.unwrap()["id"].as_str().unwrap().to_owned();
        let unknown = json!({ "Operations": [{ "op": "Add", "path": "members", "value": [{ "value": "u1" }] }] });
        let refused = call(&mut endpoint, "PATCH", &format!("/Groups/{id}"), &[], Some(unknown));
        assert_eq!((refused.status, refused.body.unwrap()["scimType"].clone()), (400, json!("invalidValue")));
        let user = |endpoint: &mut Endpoint, name: &str| {
            let mut body = user(name);
            body["password"] = json!("hunter2");
            let created = call(endpoint, "POST", "/Users", &[], Some(body));
            assert!(created.body.as_ref().unwrap().get("password").is_none(), "passwords are never returned");
            created.body.unwrap()["id"].as_str().unwrap().to_owned()
        };
        let (u1, u2) = (user(&mut endpoint, "one@contoso.com"), user(&mut endpoint, "two@contoso.com"));
        let add = json!({ "Operations": [{ "op": "Add", "path": "members", "value": [{ "$ref": null, "value": u1 }, { "value": u2 }] }] });
        assert_eq!(call(&mut endpoint, "PATCH", &format!("/Groups/{id}"), &[], Some(add)).status, 204);
        let remove_legacy =
            json!({ "Operations": [{ "op": "Remove", "path": "members", "value": [{ "value": u1 }] }] });
        // Entra's legacy form is refused, as a careful server refuses it, and changes nothing.
        assert_eq!(
            call(&mut endpoint, "PATCH", &format!("/Groups/{id}"), &[], Some(remove_legacy.clone())).status,
            400
        );
        let group = call(&mut endpoint, "GET", &format!("/Groups/{id}"), &[], None).body.unwrap();
        assert_eq!(group["members"].as_array().map(Vec::len), Some(2));
        let remove_flagged =
            json!({ "Operations": [{ "op": "remove", "path": format!("members[value eq \"{u2}\"]") }] });
        assert_eq!(call(&mut endpoint, "PATCH", &format!("/Groups/{id}"), &[], Some(remove_flagged)).status, 204);
        // An app with the quirk takes the legacy form.
        endpoint.quirks = Quirks::of(&[Quirk::LegacyMemberRemoval]);
        assert_eq!(call(&mut endpoint, "PATCH", &format!("/Groups/{id}"), &[], Some(remove_legacy)).status, 204);
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
        // `remove` of `members` without a filter removes them all.
        let add = json!({ "Operations": [{ "op": "add", "path": "members", "value": [{ "value": u1 }] }] });
        assert_eq!(call(&mut endpoint, "PATCH", &format!("/Groups/{id}"), &[], Some(add)).status, 204);
        let remove_all = json!({ "Operations": [{ "op": "remove", "path": "members" }] });
        assert_eq!(call(&mut endpoint, "PATCH", &format!("/Groups/{id}"), &[], Some(remove_all)).status, 204);
        let group = call(&mut endpoint, "GET", &format!("/Groups/{id}"), &[], None).body.unwrap();
        assert!(group.get("members").is_none(), "{group}");
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
        assert_eq!(handle(&mut endpoint, "http://scim.test", "GET", "/Users", &[], Some("wrong"), None).status, 401);
        assert_eq!(handle(&mut endpoint, "http://scim.test", "GET", "/Users", &[], Some("right"), None).status, 200);
        assert_eq!(handle(&mut endpoint, "http://scim.test", "GET", "/Users", &[], None, None).status, 401);
    }
}
