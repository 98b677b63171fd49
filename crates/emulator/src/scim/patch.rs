//! SCIM attribute paths and PatchOp (RFC 7644 §3.5.2), in the forms Entra sends:
//! `attr`, `attr.sub`, `attr[type eq "work"].sub`, a full extension URN
//! (`urn:…:enterprise:2.0:User:department`), `members`, `members[value eq "id"]`, and a
//! pathless `replace` whose value is an object keyed by paths. Op names compare
//! case-insensitively (`Add`, `add`).

use serde_json::{Map, Value, json};

const EXTENSION_PREFIX: &str = "urn:ietf:params:scim:schemas:extension:";

/// A path split into where its value lives.
enum Path<'a> {
    /// `attr` or `urn:…:attr` inside the extension object.
    Simple { container: Option<&'a str>, name: &'a str },
    /// `attr.sub`.
    Sub { name: &'a str, sub: &'a str },
    /// `attr[key eq "value"]` with an optional `.sub`.
    Filtered { name: &'a str, key: &'a str, value: &'a str, sub: Option<&'a str> },
}

fn parse(path: &str) -> Option<Path<'_>> {
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

fn field<'v>(object: &'v Value, name: &str) -> Option<&'v Value> {
    object.as_object()?.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value)
}

fn field_mut<'v>(object: &'v mut Map<String, Value>, name: &str) -> &'v mut Value {
    let key = object.keys().find(|key| key.eq_ignore_ascii_case(name)).cloned().unwrap_or_else(|| name.to_owned());
    object.entry(key).or_insert(Value::Null)
}

fn item_matches(item: &Value, key: &str, value: &str) -> bool {
    field(item, key).is_some_and(|found| match found {
        Value::String(text) => text == value,
        other => serde_json::to_string(other).is_ok_and(|text| text == value),
    })
}

/// The value at `path`, when there is one (null counts as none).
pub(crate) fn get_path<'v>(resource: &'v Value, path: &str) -> Option<&'v Value> {
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
pub(crate) fn set_path(resource: &mut Value, path: &str, value: Value) {
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

/// A `remove` (RFC 7644 §3.5.2.2): the path, with a filter where only some values go; a
/// multi-valued attribute named without a filter loses all its values.
fn remove_path(resource: &mut Value, path: &str) {
    let Some(object) = resource.as_object_mut() else { return };
    match parse(path) {
        Some(Path::Filtered { name, key, value: wanted, sub: None }) => {
            if let Some(items) =
                object.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_array_mut())
            {
                items.retain(|item| !item_matches(item, key, wanted));
            }
        }
        Some(Path::Simple { container: None, name }) => {
            object.retain(|key, _| !key.eq_ignore_ascii_case(name));
        }
        _ => set_path(resource, path, Value::Null),
    }
}

fn member_ids(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|member| member.get("value").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

fn add_members(resource: &mut Value, value: Option<&Value>) {
    let Some(object) = resource.as_object_mut() else { return };
    let members = field_mut(object, "members");
    if !members.is_array() {
        *members = json!([]);
    }
    let Some(list) = members.as_array_mut() else { return };
    for id in member_ids(value) {
        if !list.iter().any(|member| member.get("value").and_then(Value::as_str) == Some(id.as_str())) {
            list.push(json!({ "value": id }));
        }
    }
}

/// `active` as a boolean, whether sent as `false` or as Entra's legacy `"False"`.
fn normalized(path: &str, value: &Value) -> Value {
    match (path.eq_ignore_ascii_case("active"), value) {
        (true, Value::String(text)) if text.eq_ignore_ascii_case("true") => Value::Bool(true),
        (true, Value::String(text)) if text.eq_ignore_ascii_case("false") => Value::Bool(false),
        _ => value.clone(),
    }
}

/// Applies a PatchOp body as a whole: when one operation is refused, none is applied
/// (RFC 7644 §3.5.2: "the entire PATCH operation MUST be aborted").
pub(crate) fn apply(resource: &mut Value, body: Option<&Value>) -> Result<(), String> {
    let mut changed = resource.clone();
    apply_each(&mut changed, body)?;
    *resource = changed;
    Ok(())
}

fn apply_each(resource: &mut Value, body: Option<&Value>) -> Result<(), String> {
    let operations = body
        .and_then(|body| field(body, "Operations"))
        .and_then(Value::as_array)
        .ok_or("a PatchOp needs `Operations`")?;
    for operation in operations {
        let op = field(operation, "op").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
        let path = field(operation, "path").and_then(Value::as_str);
        let value = field(operation, "value");
        match (op.as_str(), path) {
            ("add", Some(path)) if path.eq_ignore_ascii_case("members") => add_members(resource, value),
            ("add" | "replace", Some(path)) => {
                let value = value.ok_or_else(|| format!("`{op}` of `{path}` needs a value"))?;
                set_path(resource, path, normalized(path, value));
            }
            ("add" | "replace", None) => {
                let Some(Value::Object(pairs)) = value else {
                    return Err(format!("a pathless `{op}` needs an object"));
                };
                for (path, value) in pairs {
                    set_path(resource, path, normalized(path, value));
                }
            }
            // Entra's legacy form (`Remove` of `members` with a `value` listing whom) is not
            // RFC 7644's: a careful server (scim2-server among them) refuses it, so this one
            // does too. Entra's SCIM 2.0 compliance flag sends a filter in the path instead.
            ("remove", Some(_)) if value.is_some() => {
                return Err(
                    "a remove operation carries no value; a filter in the path selects what to remove (RFC 7644 §3.5.2.2)"
                        .to_owned(),
                );
            }
            ("remove", Some(path)) => remove_path(resource, path),
            _ => return Err(format!("unsupported operation `{op}`")),
        }
    }
    Ok(())
}
