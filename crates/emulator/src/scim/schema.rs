//! RFC 7643's resource schemas as the built-in SCIM provider publishes (`/Schemas`) and
//! enforces them: the User, Enterprise User and Group schemas of
//! `reference/scim/rfc7643-schemas.json` (§8.7.1, as the scim2-models package defines
//! them). Values must have their attribute's type (a boolean is `true`/`false`, not
//! `"False"`), attributes must be known, `readOnly` ones are not written, `password` is
//! never returned; the endpoint's quirks relax what a lenient SaaS app accepts.

use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::common::{Quirks, Refusal};

pub(crate) const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(crate) const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub(crate) const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Attributes every resource has (RFC 7643 §3.1), defined as the schemas define theirs.
static COMMON: LazyLock<Value> = LazyLock::new(|| {
    serde_json::json!([
        { "name": "id", "type": "string", "multiValued": false, "mutability": "readOnly", "returned": "always", "caseExact": true },
        { "name": "externalId", "type": "string", "multiValued": false, "mutability": "readWrite", "returned": "default", "caseExact": true },
        { "name": "meta", "type": "complex", "multiValued": false, "mutability": "readOnly", "returned": "default" },
    ])
});

static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../../reference/scim/rfc7643-schemas.json"))
        .expect("reference/scim/rfc7643-schemas.json is JSON")
});

/// The schema documents, as `/Schemas` serves them (without `meta`).
pub(crate) fn documents() -> &'static [Value] {
    DOCUMENT["schemas"].as_array().map(Vec::as_slice).unwrap_or_default()
}

fn document(id: &str) -> Option<&'static Value> {
    documents().iter().find(|schema| schema["id"].as_str().is_some_and(|known| known.eq_ignore_ascii_case(id)))
}

/// The schemas of a resource type: its core schema and its extensions.
pub(crate) fn schemas_of(kind: &str) -> &'static [&'static str] {
    if kind == "Users" { &[USER_SCHEMA, ENTERPRISE_SCHEMA] } else { &[GROUP_SCHEMA] }
}

/// An attribute's definition: `name` in the core schema of `kind`, or in an extension
/// when `container` names one.
pub(crate) fn attribute(kind: &str, container: Option<&str>, name: &str) -> Option<&'static Value> {
    if container.is_none()
        && let Some(common) = named(&COMMON, name)
    {
        return Some(common);
    }
    let schema = match container {
        Some(container) => schemas_of(kind).iter().find(|known| known.eq_ignore_ascii_case(container))?,
        None => schemas_of(kind).first()?,
    };
    named(&document(schema)?["attributes"], name)
}

/// A sub-attribute's definition.
pub(crate) fn sub_attribute(definition: &'static Value, name: &str) -> Option<&'static Value> {
    named(&definition["subAttributes"], name)
}

fn named<'v>(attributes: &'v Value, name: &str) -> Option<&'v Value> {
    attributes
        .as_array()?
        .iter()
        .find(|attribute| attribute["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
}

pub(crate) fn is_multi(definition: &Value) -> bool {
    definition["multiValued"] == true
}

pub(crate) fn is_complex(definition: &Value) -> bool {
    definition["type"] == "complex"
}

pub(crate) fn is_read_only(definition: &Value) -> bool {
    definition["mutability"] == "readOnly"
}

/// Checks a resource body (POST or PUT) and makes it what is stored: `schemas` known,
/// every attribute known and of its type (string booleans turned into booleans where the
/// quirk allows), `readOnly` attributes dropped (RFC 7644 §3.3: "SHALL be ignored"),
/// nulls dropped (RFC 7643 §2.5: unassigned).
pub(crate) fn checked_resource(
    kind: &str,
    body: &Map<String, Value>,
    quirks: Quirks,
) -> Result<Map<String, Value>, Refusal> {
    check_schemas(kind, body.get("schemas"), quirks)?;
    let mut stored = Map::new();
    for (name, value) in body {
        if value.is_null() {
            continue;
        }
        if name.eq_ignore_ascii_case("schemas") {
            stored.insert(name.clone(), value.clone());
            continue;
        }
        if let Some(extension) = schemas_of(kind).iter().skip(1).find(|known| known.eq_ignore_ascii_case(name)) {
            let Value::Object(fields) = value else {
                return Err(Refusal::new("invalidValue", format!("{extension} must be an object")));
            };
            let mut inner = Map::new();
            for (field, value) in fields.iter().filter(|(field, _)| !field.eq_ignore_ascii_case("schemas")) {
                if let Some(value) = checked_attribute(kind, Some(extension), field, value, quirks)? {
                    inner.insert(field.clone(), value);
                }
            }
            stored.insert((*extension).to_owned(), Value::Object(inner));
            continue;
        }
        if let Some(value) = checked_attribute(kind, None, name, value, quirks)? {
            stored.insert(name.clone(), value);
        }
    }
    Ok(stored)
}

/// `schemas` must list the resource's core schema and may list its extensions; another
/// URI (Microsoft's ADSCIM schema, for one) is refused unless the endpoint accepts any.
pub(crate) fn check_schemas(kind: &str, schemas: Option<&Value>, quirks: Quirks) -> Result<(), Refusal> {
    let Some(Value::Array(listed)) = schemas else {
        return Err(Refusal::new("invalidValue", "`schemas` must list the resource's schema URIs"));
    };
    let known = schemas_of(kind);
    for uri in listed {
        let uri = uri.as_str().unwrap_or_default();
        if !quirks.any_schema && !known.iter().any(|known| known.eq_ignore_ascii_case(uri)) {
            return Err(Refusal::new(
                "invalidValue",
                format!("the schema URI `{uri}` is not one of this service provider's ({})", known.join(", ")),
            ));
        }
    }
    if !listed.iter().any(|uri| uri.as_str().is_some_and(|uri| uri.eq_ignore_ascii_case(known[0]))) {
        return Err(Refusal::new("invalidValue", format!("`schemas` must include {}", known[0])));
    }
    Ok(())
}

/// One attribute of a request: `None` when it is dropped (read-only), the value to store
/// otherwise. Unknown attributes are refused unless the endpoint accepts any.
pub(crate) fn checked_attribute(
    kind: &str,
    container: Option<&str>,
    name: &str,
    value: &Value,
    quirks: Quirks,
) -> Result<Option<Value>, Refusal> {
    let Some(definition) = attribute(kind, container, name) else {
        if quirks.any_schema {
            return Ok(Some(value.clone()));
        }
        return Err(Refusal::new("invalidSyntax", format!("`{name}` is not an attribute of {kind}")));
    };
    if is_read_only(definition) {
        return Ok(None);
    }
    typed(definition, value, quirks, name).map(Some)
}

/// A value of an attribute's type, whole (a list for a multi-valued attribute).
pub(crate) fn typed(definition: &'static Value, value: &Value, quirks: Quirks, path: &str) -> Result<Value, Refusal> {
    if is_multi(definition) {
        let items = match value {
            Value::Array(items) => items.clone(),
            single => vec![single.clone()],
        };
        let items: Result<Vec<Value>, Refusal> =
            items.iter().map(|item| typed_single(definition, item, quirks, path)).collect();
        return Ok(Value::Array(items?));
    }
    typed_single(definition, value, quirks, path)
}

/// One value (an item of a multi-valued attribute, or a single value) of the type.
pub(crate) fn typed_single(
    definition: &'static Value,
    value: &Value,
    quirks: Quirks,
    path: &str,
) -> Result<Value, Refusal> {
    let kind = definition["type"].as_str().unwrap_or("string");
    let wrong = || Refusal::new("invalidValue", format!("`{path}` must be a {kind}, not {value}"));
    match (kind, value) {
        (_, Value::Null) => Ok(Value::Null),
        ("string" | "reference" | "dateTime" | "binary", Value::String(_)) => Ok(value.clone()),
        ("boolean", Value::Bool(_)) => Ok(value.clone()),
        ("boolean", Value::String(text)) if quirks.string_booleans && text.eq_ignore_ascii_case("true") => {
            Ok(Value::Bool(true))
        }
        ("boolean", Value::String(text)) if quirks.string_booleans && text.eq_ignore_ascii_case("false") => {
            Ok(Value::Bool(false))
        }
        ("integer", Value::Number(number)) if number.is_i64() || number.is_u64() => Ok(value.clone()),
        ("decimal", Value::Number(_)) => Ok(value.clone()),
        ("complex", Value::Object(fields)) => {
            let mut checked = Map::new();
            for (name, value) in fields {
                let Some(sub) = sub_attribute(definition, name) else {
                    if quirks.any_schema {
                        checked.insert(name.clone(), value.clone());
                        continue;
                    }
                    return Err(Refusal::new("invalidSyntax", format!("`{path}` has no sub-attribute `{name}`")));
                };
                let value = typed_single(sub, value, quirks, &format!("{path}.{name}"))?;
                if !value.is_null() {
                    checked.insert(name.clone(), value);
                }
            }
            Ok(Value::Object(checked))
        }
        _ => Err(wrong()),
    }
}

/// A resource as answered: attributes that are `returned: never` (`password`) removed.
pub(crate) fn without_never_returned(kind: &str, resource: &mut Value) {
    let Some(object) = resource.as_object_mut() else { return };
    object.retain(|name, _| attribute(kind, None, name).is_none_or(|definition| definition["returned"] != "never"));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn booleans_are_booleans_unless_the_app_is_lenient() {
        let body = json!({ "schemas": [USER_SCHEMA], "userName": "a", "active": "False" });
        let refused = checked_resource("Users", body.as_object().unwrap(), Quirks::default()).unwrap_err();
        assert_eq!(refused.scim_type, "invalidValue");
        let lenient = Quirks { string_booleans: true, ..Quirks::default() };
        let stored = checked_resource("Users", body.as_object().unwrap(), lenient).unwrap();
        assert_eq!(stored["active"], false);
    }

    #[test]
    fn unknown_schema_uris_and_attributes_are_refused() {
        let adscim = json!({ "schemas": [GROUP_SCHEMA, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"], "displayName": "g" });
        assert!(checked_resource("Groups", adscim.as_object().unwrap(), Quirks::default()).is_err());
        let unknown = json!({ "schemas": [USER_SCHEMA], "userName": "a", "shoeSize": 44 });
        assert!(checked_resource("Users", unknown.as_object().unwrap(), Quirks::default()).is_err());
        let extension = json!({ "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA], "userName": "a", "id": "mine",
            ENTERPRISE_SCHEMA: { "department": "Sales" } });
        let stored = checked_resource("Users", extension.as_object().unwrap(), Quirks::default()).unwrap();
        assert_eq!(stored[ENTERPRISE_SCHEMA]["department"], "Sales");
        assert!(!stored.contains_key("id"), "id is readOnly");
    }
}
