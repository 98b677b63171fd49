//! SCIM attribute paths (RFC 7644 §3.5.2) in the forms Entra sends: `attr`, `attr.sub`,
//! `attr[type eq "work"].sub`, a full extension URN (`urn:…:enterprise:2.0:User:department`),
//! `members`, `members[value eq "id"]`. Names compare case-insensitively. The engine builds
//! request bodies with [`set`] and reads answers with [`get`]; the emulator's SCIM provider
//! applies PATCHes with them.

use serde_json::{Map, Value, json};

const EXTENSION_PREFIX: &str = "urn:ietf:params:scim:schemas:extension:";

/// A path split into where its value lives.
pub enum Path<'a> {
    /// `attr` or `urn:…:attr` inside the extension object.
    Simple {
        /// The extension URN holding it, if any.
        container: Option<&'a str>,
        /// The attribute.
        name: &'a str,
    },
    /// `attr.sub`.
    Sub {
        /// The complex attribute.
        name: &'a str,
        /// Its sub-attribute.
        sub: &'a str,
    },
    /// `attr[key eq "value"]` with an optional `.sub`.
    Filtered {
        /// The multi-valued attribute.
        name: &'a str,
        /// The key the filter tests.
        key: &'a str,
        /// The value it must equal.
        value: &'a str,
        /// The sub-attribute after the filter.
        sub: Option<&'a str>,
    },
}

/// Splits a path; `None` for a filter other than `eq`.
pub fn parse(path: &str) -> Option<Path<'_>> {
    if path.starts_with(EXTENSION_PREFIX) {
        let (container, name) = path.rsplit_once(':')?;
        return Some(Path::Simple { container: Some(container), name });
    }
    if let Some((name, rest)) = path.split_once('[') {
        let (condition, after) = rest.split_once(']')?;
        let mut words = condition.splitn(3, ' ');
        let (key, operator, value) = (words.next()?, words.next()?, words.next()?);
        if !operator.eq_ignore_ascii_case("eq") {
            return None;
        }
        let sub = after.strip_prefix('.');
        return Some(Path::Filtered { name, key, value: value.trim_matches('"'), sub });
    }
    match path.split_once('.') {
        Some((name, sub)) => Some(Path::Sub { name, sub }),
        None => Some(Path::Simple { container: None, name: path }),
    }
}

/// A field of an object by name, case-insensitively (SCIM attribute names are).
pub fn field<'v>(object: &'v Value, name: &str) -> Option<&'v Value> {
    object.as_object()?.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value)
}

/// A field of an object by name, case-insensitively, made when missing.
pub fn field_mut<'v>(object: &'v mut Map<String, Value>, name: &str) -> &'v mut Value {
    let key = object.keys().find(|key| key.eq_ignore_ascii_case(name)).cloned().unwrap_or_else(|| name.to_owned());
    object.entry(key).or_insert(Value::Null)
}

/// Whether a list item has `key` equal to `value` (a filter `[key eq "value"]`).
pub fn item_matches(item: &Value, key: &str, value: &str) -> bool {
    field(item, key).is_some_and(|found| match found {
        Value::String(text) => text == value,
        other => serde_json::to_string(other).is_ok_and(|text| text == value),
    })
}

/// The value at `path`, when there is one (null counts as none).
pub fn get<'v>(resource: &'v Value, path: &str) -> Option<&'v Value> {
    let found = match parse(path)? {
        Path::Simple { container: Some(container), name } => field(field(resource, container)?, name),
        Path::Simple { container: None, name } => field(resource, name),
        Path::Sub { name, sub } => field(field(resource, name)?, sub),
        Path::Filtered { name, key, value, sub } => {
            let item = field(resource, name)?.as_array()?.iter().find(|item| item_matches(item, key, value))?;
            match sub {
                Some(sub) => field(item, sub),
                None => Some(item),
            }
        }
    };
    found.filter(|value| !value.is_null())
}

/// Sets the value at `path`, creating what is missing (a `[type eq "work"]` item gets
/// its `type`, and `primary: true` when it is the first of its list).
pub fn set(resource: &mut Value, path: &str, value: Value) {
    let Some(parsed) = parse(path) else { return };
    if !resource.is_object() {
        *resource = json!({});
    }
    let Some(object) = resource.as_object_mut() else { return };
    match parsed {
        Path::Simple { container: Some(container), name } => {
            let inner = field_mut(object, container);
            if !inner.is_object() {
                *inner = json!({});
            }
            if let Some(inner) = inner.as_object_mut() {
                *field_mut(inner, name) = value;
            }
        }
        Path::Simple { container: None, name } => *field_mut(object, name) = value,
        Path::Sub { name, sub } => {
            let inner = field_mut(object, name);
            if !inner.is_object() {
                *inner = json!({});
            }
            if let Some(inner) = inner.as_object_mut() {
                *field_mut(inner, sub) = value;
            }
        }
        Path::Filtered { name, key, value: wanted, sub } => {
            let list = field_mut(object, name);
            if !list.is_array() {
                *list = json!([]);
            }
            let Some(items) = list.as_array_mut() else { return };
            let position = match items.iter().position(|item| item_matches(item, key, wanted)) {
                Some(position) => position,
                None => {
                    let mut item = json!({ key: wanted });
                    if items.is_empty() && key == "type" {
                        item["primary"] = json!(true);
                    }
                    items.push(item);
                    items.len() - 1
                }
            };
            match (sub, items[position].as_object_mut()) {
                (Some(sub), Some(item)) => *field_mut(item, sub) = value,
                (None, _) => items[position] = value,
                _ => {}
            }
        }
    }
}
