//! The spec's mapped target attributes against the app's own `/Schemas` (RFC 7643 §7):
//! an attribute the app does not define is one its server will refuse or drop, whatever
//! the dialect.

use scimform_scim_dialect::paths::{Path, parse};
use serde_json::Value;

use crate::report::SchemaFinding;

/// Attributes of every resource (RFC 7643 §3.1), in no schema.
const COMMON: [&str; 3] = ["id", "externalId", "meta"];

/// The mapped targets of a resource (its core schema `core`) that the served schemas
/// lack.
pub(crate) fn missing(served: &Value, core: &str, targets: &[String]) -> Vec<SchemaFinding> {
    let schemas: Vec<&Value> = match served {
        Value::Array(items) => items.iter().collect(),
        listed => listed["Resources"].as_array().into_iter().flatten().collect(),
    };
    let schema = |id: &str| {
        schemas.iter().copied().find(|schema| schema["id"].as_str().is_some_and(|known| known.eq_ignore_ascii_case(id)))
    };
    let mut findings = Vec::new();
    for target in targets {
        if COMMON.iter().any(|common| common.eq_ignore_ascii_case(target)) {
            continue;
        }
        let (container, path) = match target.rsplit_once(':') {
            Some((urn, name)) if target.starts_with("urn:") => (urn, name),
            _ => (core, target.as_str()),
        };
        let Some(schema) = schema(container) else {
            let message = format!("the app's /Schemas does not include {container}");
            findings.push(SchemaFinding { attribute: target.clone(), message });
            continue;
        };
        let (name, sub) = match parse(path) {
            Some(Path::Simple { name, .. }) => (name, None),
            Some(Path::Sub { name, sub }) => (name, Some(sub)),
            Some(Path::Filtered { name, sub, .. }) => (name, sub),
            None => (path, None),
        };
        let Some(attribute) = named(&schema["attributes"], name) else {
            findings.push(SchemaFinding {
                attribute: target.clone(),
                message: format!("{container} has no attribute `{name}`"),
            });
            continue;
        };
        if let Some(sub) = sub
            && attribute["subAttributes"].is_array()
            && named(&attribute["subAttributes"], sub).is_none()
        {
            let message = format!("`{name}` in {container} has no sub-attribute `{sub}`");
            findings.push(SchemaFinding { attribute: target.clone(), message });
        }
    }
    findings
}

fn named<'v>(attributes: &'v Value, name: &str) -> Option<&'v Value> {
    attributes
        .as_array()?
        .iter()
        .find(|attribute| attribute["name"].as_str().is_some_and(|known| known.eq_ignore_ascii_case(name)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn mapped_attributes_the_app_does_not_define_are_named() {
        let user = "urn:ietf:params:scim:schemas:core:2.0:User";
        let served = json!({ "Resources": [{ "id": user, "attributes": [
            { "name": "userName" },
            { "name": "emails", "subAttributes": [{ "name": "value" }, { "name": "type" }] },
        ]}]});
        let targets: Vec<String> = [
            "userName",
            "externalId",
            "emails[type eq \"work\"].value",
            "emails[type eq \"work\"].display",
            "nickName",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ]
        .map(str::to_owned)
        .to_vec();
        let findings: Vec<String> =
            missing(&served, user, &targets).into_iter().map(|finding| finding.attribute).collect();
        assert_eq!(
            findings,
            [
                "emails[type eq \"work\"].display",
                "nickName",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
            ]
        );
    }
}
