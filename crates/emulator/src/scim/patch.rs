//! PatchOp (RFC 7644 §3.5.2) as the SCIM provider applies it, on the attribute paths of
//! `scimform_scim_dialect::paths` and the schemas of `schema`: `add` appends to a
//! multi-valued attribute and merges into a complex one, `replace` replaces (merging
//! sub-attributes), `remove` removes; a pathless `add`/`replace` takes an object keyed by
//! paths. Op names compare case-insensitively (`Add`, `add`).
//!
//! Strict, as RFC 7644 reads, unless the endpoint's quirks say otherwise: a value filter
//! that selects nothing is `noTarget` for `add` and `replace` (quirk
//! `createsFilteredTargets`: the item is made), a `remove` needs a path and carries no
//! value (quirk `legacyMemberRemoval`: Entra's `Remove` of `members` with a value list),
//! values have their attribute's type, read-only attributes are `mutability` errors.

use scimform_scim_dialect::paths::{Path, field, field_mut, item_matches, parse, set as set_path};
use serde_json::{Map, Value, json};

use super::common::{Quirks, Refusal};
use super::schema;

/// Applies a PatchOp body as a whole: when one operation is refused, none is applied
/// (RFC 7644 §3.5.2: "the entire PATCH operation MUST be aborted").
pub(crate) fn apply(resource: &mut Value, kind: &str, body: Option<&Value>, quirks: Quirks) -> Result<(), Refusal> {
    let mut changed = resource.clone();
    let operations = body
        .and_then(|body| field(body, "Operations"))
        .and_then(Value::as_array)
        .ok_or_else(|| Refusal::new("invalidSyntax", "a PatchOp needs `Operations`"))?;
    let patch = Patch { kind, quirks };
    for operation in operations {
        let op = field(operation, "op").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
        let path = field(operation, "path").and_then(Value::as_str);
        patch.operation(&mut changed, &op, path, field(operation, "value"))?;
    }
    *resource = changed;
    Ok(())
}

struct Patch<'k> {
    kind: &'k str,
    quirks: Quirks,
}

/// Where a path points, with its definition.
struct Target<'p> {
    container: Option<&'p str>,
    name: &'p str,
    definition: Option<&'static Value>,
}

impl Patch<'_> {
    fn operation(
        &self,
        resource: &mut Value,
        op: &str,
        path: Option<&str>,
        value: Option<&Value>,
    ) -> Result<(), Refusal> {
        match (op, path) {
            ("add" | "replace", None) => {
                let Some(Value::Object(pairs)) = value else {
                    return Err(Refusal::new("invalidValue", format!("a pathless `{op}` needs an object")));
                };
                for (path, value) in pairs {
                    let extension =
                        schema::schemas_of(self.kind).iter().skip(1).find(|uri| uri.eq_ignore_ascii_case(path));
                    match extension {
                        Some(uri) => self.extension(resource, op, uri, Some(value))?,
                        None => self.at_path(resource, op, path, Some(value))?,
                    }
                }
                Ok(())
            }
            ("remove", None) => Err(Refusal::new("noTarget", "a remove operation needs a path (RFC 7644 §3.5.2.2)")),
            ("remove", Some(_)) if self.quirks.ignores_removes => Ok(()),
            ("add" | "replace" | "remove", Some(path)) => self.at_path(resource, op, path, value),
            _ => Err(Refusal::new("invalidSyntax", format!("unsupported operation `{op}`"))),
        }
    }

    fn target<'p>(&self, container: Option<&'p str>, name: &'p str, path: &str) -> Result<Target<'p>, Refusal> {
        let definition = schema::attribute(self.kind, container, name);
        match definition {
            Some(definition) if schema::is_read_only(definition) => {
                Err(Refusal::new("mutability", format!("`{path}` is read-only")))
            }
            None if !self.quirks.any_schema => {
                Err(Refusal::new("invalidPath", format!("`{path}` is not an attribute of {}", self.kind)))
            }
            definition => Ok(Target { container, name, definition }),
        }
    }

    fn at_path(&self, resource: &mut Value, op: &str, path: &str, value: Option<&Value>) -> Result<(), Refusal> {
        if let Some(uri) = schema::schemas_of(self.kind).iter().skip(1).find(|uri| uri.eq_ignore_ascii_case(path)) {
            return self.extension(resource, op, uri, value);
        }
        let parsed =
            parse(path).ok_or_else(|| Refusal::new("invalidPath", format!("cannot read the path `{path}`")))?;
        if op != "remove" && value.is_none() {
            return Err(Refusal::new("invalidValue", format!("`{op}` of `{path}` needs a value")));
        }
        match parsed {
            Path::Simple { container, name } => {
                let target = self.target(container, name, path)?;
                self.simple(resource, op, &target, path, value)
            }
            Path::Sub { name, sub } => {
                let target = self.target(None, name, path)?;
                self.sub(resource, op, &target, sub, path, value)
            }
            Path::Filtered { name, key, value: wanted, sub } => {
                let target = self.target(None, name, path)?;
                self.filtered(resource, op, &target, (key, wanted), sub, path, value)
            }
        }
    }

    /// A path that is an extension's URN: its attributes added or replaced from an
    /// object, or the whole extension removed.
    fn extension(&self, resource: &mut Value, op: &str, uri: &str, value: Option<&Value>) -> Result<(), Refusal> {
        if op == "remove" {
            container_mut(resource, None).retain(|key, _| !key.eq_ignore_ascii_case(uri));
            return Ok(());
        }
        let Some(Value::Object(fields)) = value else {
            return Err(Refusal::new("invalidValue", format!("`{op}` of `{uri}` needs an object")));
        };
        // An extension object may name its own schema (`schemas`), as some clients send it.
        for (name, value) in fields.iter().filter(|(name, _)| !name.eq_ignore_ascii_case("schemas")) {
            self.at_path(resource, op, &format!("{uri}:{name}"), Some(value))?;
        }
        Ok(())
    }

    /// The value a definition takes, checked (any value where the quirks accept unknown
    /// attributes).
    fn typed(
        &self,
        definition: Option<&'static Value>,
        value: &Value,
        path: &str,
        whole: bool,
    ) -> Result<Value, Refusal> {
        match definition {
            Some(definition) if whole => schema::typed(definition, value, self.quirks, path),
            Some(definition) => schema::typed_single(definition, value, self.quirks, path),
            None => Ok(value.clone()),
        }
    }

    fn simple(
        &self,
        resource: &mut Value,
        op: &str,
        target: &Target<'_>,
        path: &str,
        value: Option<&Value>,
    ) -> Result<(), Refusal> {
        if let Some(uri) = target.container.filter(|_| op != "remove") {
            list_schema(resource, uri);
        }
        let object = container_mut(resource, target.container);
        if op == "remove" {
            if value.is_some() {
                return self.legacy_remove(object, target, path, value);
            }
            object.retain(|key, _| !key.eq_ignore_ascii_case(target.name));
            return Ok(());
        }
        let value = self.typed(target.definition, value.unwrap_or(&Value::Null), path, true)?;
        let slot = field_mut(object, target.name);
        match target.definition {
            Some(definition) if schema::is_multi(definition) && op == "add" => {
                let items = value.as_array().cloned().unwrap_or_default();
                append(slot, items);
            }
            Some(definition) if schema::is_complex(definition) && !schema::is_multi(definition) => merge(slot, value),
            _ => *slot = value,
        }
        if value_is_null(slot) {
            object.retain(|key, _| !key.eq_ignore_ascii_case(target.name));
        }
        Ok(())
    }

    /// Entra's legacy member removal: `Remove` of `members` with a value listing whom.
    /// RFC 7644 §3.5.2.2 has no value on a remove; only the quirk accepts it.
    fn legacy_remove(
        &self,
        object: &mut Map<String, Value>,
        target: &Target<'_>,
        path: &str,
        value: Option<&Value>,
    ) -> Result<(), Refusal> {
        if !self.quirks.legacy_member_removal {
            return Err(Refusal::new(
                "invalidSyntax",
                format!(
                    "a remove operation carries no value; a filter in the path selects what to remove (`{path}[value eq \"…\"]`, RFC 7644 §3.5.2.2)"
                ),
            ));
        }
        let gone: Vec<&str> = value
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|item| item.get("value").and_then(Value::as_str))
            .collect();
        if let Some(items) = field_mut(object, target.name).as_array_mut() {
            items.retain(|item| !item.get("value").and_then(Value::as_str).is_some_and(|id| gone.contains(&id)));
        }
        Ok(())
    }

    fn sub(
        &self,
        resource: &mut Value,
        op: &str,
        target: &Target<'_>,
        sub: &str,
        path: &str,
        value: Option<&Value>,
    ) -> Result<(), Refusal> {
        let definition = match target.definition {
            Some(definition) => Some(schema::sub_attribute(definition, sub).ok_or_else(|| {
                Refusal::new("invalidPath", format!("`{}` has no sub-attribute `{sub}`", target.name))
            })?),
            None => None,
        };
        let object = container_mut(resource, None);
        if target.definition.is_some_and(schema::is_multi) {
            // `emails.value`: every item's sub-attribute.
            let items = field_mut(object, target.name).as_array_mut().filter(|items| !items.is_empty());
            let Some(items) = items else {
                return Err(Refusal::new("noTarget", format!("`{}` has no values", target.name)));
            };
            for item in items {
                self.write_field(item, op, definition, sub, path, value)?;
            }
            return Ok(());
        }
        let slot = field_mut(object, target.name);
        if !slot.is_object() {
            if op == "remove" {
                return Ok(());
            }
            *slot = json!({});
        }
        self.write_field(slot, op, definition, sub, path, value)
    }

    #[allow(clippy::too_many_arguments)]
    fn filtered(
        &self,
        resource: &mut Value,
        op: &str,
        target: &Target<'_>,
        (key, wanted): (&str, &str),
        sub: Option<&str>,
        path: &str,
        value: Option<&Value>,
    ) -> Result<(), Refusal> {
        let object = container_mut(resource, None);
        let matching = object
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(target.name))
            .and_then(|(_, items)| items.as_array())
            .is_some_and(|items| items.iter().any(|item| item_matches(item, key, wanted)));
        if !matching {
            return match op {
                "remove" => Ok(()),
                _ if self.quirks.creates_filtered_targets => {
                    let value = self.typed_at(target, sub, value, path)?;
                    set_path(resource, path, value);
                    Ok(())
                }
                _ => Err(Refusal::new("noTarget", format!("no value of `{}` matches `{path}`", target.name))),
            };
        }
        let definition = match (target.definition, sub) {
            (Some(definition), Some(sub)) => Some(schema::sub_attribute(definition, sub).ok_or_else(|| {
                Refusal::new("invalidPath", format!("`{}` has no sub-attribute `{sub}`", target.name))
            })?),
            (definition, _) => definition,
        };
        let items = field_mut(object, target.name).as_array_mut().expect("checked above");
        if op == "remove" && sub.is_none() {
            items.retain(|item| !item_matches(item, key, wanted));
            return Ok(());
        }
        for item in items.iter_mut().filter(|item| item_matches(item, key, wanted)) {
            match sub {
                Some(sub) => self.write_field(item, op, definition, sub, path, value)?,
                None => {
                    let value = self.typed(definition, value.unwrap_or(&Value::Null), path, false)?;
                    if op == "add" { merge(item, value) } else { *item = value }
                }
            }
        }
        Ok(())
    }

    fn typed_at(
        &self,
        target: &Target<'_>,
        sub: Option<&str>,
        value: Option<&Value>,
        path: &str,
    ) -> Result<Value, Refusal> {
        let definition = match (target.definition, sub) {
            (Some(definition), Some(sub)) => schema::sub_attribute(definition, sub),
            (definition, _) => definition,
        };
        self.typed(definition, value.unwrap_or(&Value::Null), path, false)
    }

    /// A sub-attribute of one complex value: set, or removed.
    fn write_field(
        &self,
        item: &mut Value,
        op: &str,
        definition: Option<&'static Value>,
        sub: &str,
        path: &str,
        value: Option<&Value>,
    ) -> Result<(), Refusal> {
        let Some(item) = item.as_object_mut() else { return Ok(()) };
        if op == "remove" {
            item.retain(|key, _| !key.eq_ignore_ascii_case(sub));
            return Ok(());
        }
        let value = self.typed(definition, value.unwrap_or(&Value::Null), path, false)?;
        *field_mut(item, sub) = value;
        Ok(())
    }
}

/// The object a simple path writes into: the resource, or an extension's object in it.
fn container_mut<'r>(resource: &'r mut Value, container: Option<&str>) -> &'r mut Map<String, Value> {
    if !resource.is_object() {
        *resource = json!({});
    }
    let object = resource.as_object_mut().expect("made an object above");
    let Some(container) = container else { return object };
    let inner = field_mut(object, container);
    if !inner.is_object() {
        *inner = json!({});
    }
    inner.as_object_mut().expect("made an object above")
}

/// An extension written into a resource is listed in its `schemas` (RFC 7643 §3).
fn list_schema(resource: &mut Value, uri: &str) {
    let schemas = field_mut(container_mut(resource, None), "schemas");
    if !schemas.is_array() {
        *schemas = json!([]);
    }
    if let Some(listed) = schemas.as_array_mut()
        && !listed.iter().any(|known| known.as_str().is_some_and(|known| known.eq_ignore_ascii_case(uri)))
    {
        listed.push(json!(uri));
    }
}

/// `add` of values to a multi-valued attribute: new ones appended (equal ones not twice,
/// members compared by `value`); a new `primary: true` turns the others' off (RFC 7643
/// §2.4).
fn append(slot: &mut Value, items: Vec<Value>) {
    if !slot.is_array() {
        *slot = json!([]);
    }
    let Some(list) = slot.as_array_mut() else { return };
    for item in items {
        let same = |existing: &Value| match (existing.get("value"), item.get("value")) {
            (Some(a), Some(b)) if existing.get("type") == item.get("type") => a == b,
            _ => *existing == item,
        };
        if item.get("primary") == Some(&Value::Bool(true)) {
            for existing in list.iter_mut() {
                if let Some(existing) = existing.as_object_mut() {
                    existing.remove("primary");
                }
            }
        }
        if !list.iter().any(same) {
            list.push(item);
        }
    }
}

/// `replace` (or `add`) of a complex value: the sub-attributes given replace theirs, the
/// others stay (RFC 7644 §3.5.2.3).
fn merge(slot: &mut Value, value: Value) {
    match (slot.as_object_mut(), value) {
        (Some(existing), Value::Object(fields)) => {
            for (name, value) in fields {
                *field_mut(existing, &name) = value;
            }
        }
        (_, value) => *slot = value,
    }
}

fn value_is_null(value: &Value) -> bool {
    value.is_null()
}
