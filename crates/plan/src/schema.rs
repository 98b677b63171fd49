//! Planning the managed part of a job's synchronization schema: attribute mappings,
//! whether groups are provisioned, and scoping filters.
//!
//! Only what a spec states is compared (`mappings.users`, `mappings.groups`,
//! `scoping.users`, `scoping.groups`, each on its own). The spec's mappings are the
//! template's defaults with its changes ([`ObjectMappings::attributes`]); a job that does
//! not exist yet, or is recreated, starts from those defaults. Mappings compare by target
//! attribute, filters as sets (Graph keeps neither in a meaningful order). One change
//! carries every difference of an app, one line per mapping, per clause and per switch,
//! and one `SetSchema` step; a running job is then restarted so that its next cycle is a
//! full one that applies the new rules to everyone.

use serde_json::{Value, json};

use crate::model::{Attribute, ResetPart, SchemaPart};
use crate::state::{AttributeMapping, FilterGroup, LiveApp, Object, Provisioning};
use scimform_mapping::reference;

/// What a restart resets after a schema change: the watermark (the next cycle is a full
/// one) and the escrows (objects that failed under the old rules are tried again). Not the
/// quarantine: a quarantined job is restarted only by a repair, after Test Connection.
pub const SCHEMA_RESTART: [ResetPart; 2] = [ResetPart::Watermark, ResetPart::Escrows];

/// The differences and the parts to write; `None` when the schema is as the spec wants.
pub(crate) struct SchemaDiff {
    pub(crate) attributes: Vec<Attribute>,
    pub(crate) parts: Vec<SchemaPart>,
}

/// Compares the spec's mappings and filters with the job's (`live`: `None` when the job
/// is new or recreated, so it will have the template's defaults).
pub(crate) fn diff(spec: &Provisioning, live: Option<&LiveApp>) -> Option<SchemaDiff> {
    let mut attributes = Vec::new();
    let mut parts = Vec::new();
    for object in Object::ALL {
        let defaults = &reference::object(object).defaults;
        let current =
            live.and_then(|live| live.schema.as_ref()).and_then(|schema| schema.of(object)).unwrap_or(defaults);
        let mut part = SchemaPart { object, enabled: None, attributes: None, scope: None };
        if let Some(mappings) = spec.mappings.as_ref().and_then(|mappings| mappings.of(object)) {
            let wanted = mappings.attributes(object);
            let before = attributes.len();
            mapping_lines(object, &current.attributes, &wanted, &mut attributes);
            if mappings.enabled != current.enabled {
                attributes.push(line(
                    format!("mappings.{}.enabled", object.name()),
                    Some(json!(current.enabled)),
                    Some(json!(mappings.enabled)),
                ));
                part.enabled = Some(mappings.enabled);
            }
            if attributes.len() > before {
                part.attributes = Some(wanted);
                part.enabled = Some(mappings.enabled);
            }
        }
        if let Some(filters) = spec.scoping.as_ref().and_then(|scoping| scoping.of(object)) {
            let before = attributes.len();
            scope_lines(object, &current.scope, filters, &mut attributes);
            if attributes.len() > before {
                part.scope = Some(filters.clone());
            }
        }
        if part.enabled.is_some() || part.attributes.is_some() || part.scope.is_some() {
            parts.push(part);
        }
    }
    (!parts.is_empty()).then_some(SchemaDiff { attributes, parts })
}

/// Whether the spec manages any part of the schema.
pub(crate) fn is_managed(spec: &Provisioning) -> bool {
    spec.mappings.as_ref().is_some_and(|mappings| mappings.users.is_some() || mappings.groups.is_some())
        || spec.scoping.as_ref().is_some_and(|scoping| scoping.users.is_some() || scoping.groups.is_some())
}

fn line(name: String, before: Option<Value>, after: Option<Value>) -> Attribute {
    Attribute { name, before, after, sensitive: false }
}

/// One line per target whose mapping is added, removed or changed.
fn mapping_lines(object: Object, current: &[AttributeMapping], wanted: &[AttributeMapping], into: &mut Vec<Attribute>) {
    let find = |list: &[AttributeMapping], target: &str| list.iter().find(|mapping| mapping.target == target).cloned();
    let mut targets: Vec<&str> = current.iter().chain(wanted).map(|mapping| mapping.target.as_str()).collect();
    targets.sort_unstable();
    targets.dedup();
    for target in targets {
        let (before, after) = (find(current, target), find(wanted, target));
        if before != after {
            into.push(line(
                format!("mappings.{}.{target}", object.name()),
                before.map(|mapping| json!(mapping.describe())),
                after.map(|mapping| json!(mapping.describe())),
            ));
        }
    }
}

/// One line per clause that is added or removed. Filters present on both sides are not
/// shown; a filter that changed is paired with the one it replaces, so that only its
/// changed clauses show.
fn scope_lines(object: Object, current: &[FilterGroup], wanted: &[FilterGroup], into: &mut Vec<Attribute>) {
    let removed: Vec<&FilterGroup> = current.iter().filter(|group| !wanted.contains(group)).collect();
    let added: Vec<(usize, &FilterGroup)> =
        wanted.iter().enumerate().filter(|(_, group)| !current.contains(group)).collect();
    let name = |index: usize| format!("scoping.{}[{}]", object.name(), index + 1);
    for (position, (index, group)) in added.iter().enumerate() {
        let old = removed.get(position).map_or(&[][..], |old| old.clauses.as_slice());
        for clause in old.iter().filter(|clause| !group.clauses.contains(clause)) {
            into.push(line(name(*index), Some(json!(clause.to_string())), None));
        }
        for clause in group.clauses.iter().filter(|clause| !old.contains(clause)) {
            into.push(line(name(*index), None, Some(json!(clause.to_string()))));
        }
    }
    for group in removed.iter().skip(added.len()) {
        let index = current.iter().position(|candidate| candidate == *group).unwrap_or(0);
        for clause in &group.clauses {
            into.push(line(
                format!("scoping.{}[{}] (removed)", object.name(), index + 1),
                Some(json!(clause.to_string())),
                None,
            ));
        }
    }
}
