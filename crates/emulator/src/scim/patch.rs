//! PatchOp (RFC 7644 §3.5.2) as the SCIM provider applies it, on the attribute paths of
//! `scimform_scim_dialect::paths` (the forms Entra sends): by path, and a pathless
//! `replace` whose value is an object keyed by paths. Op names compare
//! case-insensitively (`Add`, `add`).

use scimform_scim_dialect::paths::{Path, field, field_mut, item_matches, parse, set as set_path};
use serde_json::{Value, json};

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
