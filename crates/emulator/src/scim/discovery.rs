//! The built-in SCIM provider's discovery endpoints (RFC 7644 §4): what it supports
//! (`/ServiceProviderConfig`), its resource types (`/ResourceTypes`, RFC 7643 §6) and
//! their schemas (`/Schemas`, RFC 7643 §7), each with `meta.location` under the
//! endpoint's root.

use serde_json::{Value, json};

use super::common::{Answer, error, ok};
use super::schema::{self, ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};

const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

pub(super) fn service_provider_config(root: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": 1000 },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": false },
        "authenticationSchemes": [{ "type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "A static bearer token." }],
        "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{root}/ServiceProviderConfig") },
    })
}

/// RFC 7643 §6: users with the enterprise extension, and groups.
pub(super) fn resource_types(root: &str) -> Vec<Value> {
    let described = |id: &str, endpoint: &str, description: &str, schema: &str, extensions: Value| {
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA], "id": id, "name": id, "endpoint": endpoint,
            "description": description, "schema": schema, "schemaExtensions": extensions,
            "meta": { "resourceType": "ResourceType", "location": format!("{root}/ResourceTypes/{id}") },
        })
    };
    vec![
        described(
            "User",
            "/Users",
            "User Account",
            USER_SCHEMA,
            json!([{ "schema": ENTERPRISE_SCHEMA, "required": false }]),
        ),
        described("Group", "/Groups", "Group", GROUP_SCHEMA, json!([])),
    ]
}

pub(super) fn resource_type(root: &str, name: &str) -> Answer {
    match resource_types(root).into_iter().find(|resource_type| resource_type["id"] == *name) {
        Some(resource_type) => ok(200, resource_type),
        None => error(404, format!("No resource type {name}.")),
    }
}

/// RFC 7643 §7: the schemas, with `meta`.
pub(super) fn schemas(root: &str) -> Vec<Value> {
    schema::documents()
        .iter()
        .map(|document| {
            let mut document = document.clone();
            let id = document["id"].as_str().unwrap_or_default().to_owned();
            document["meta"] = json!({ "resourceType": "Schema", "location": format!("{root}/Schemas/{id}") });
            document
        })
        .collect()
}

pub(super) fn schema(root: &str, id: &str) -> Answer {
    match schemas(root)
        .into_iter()
        .find(|document| document["id"].as_str().is_some_and(|known| known.eq_ignore_ascii_case(id)))
    {
        Some(document) => ok(200, document),
        None => error(404, format!("No schema {id}.")),
    }
}
