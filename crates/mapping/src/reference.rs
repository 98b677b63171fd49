//! The `scim` template's reference data, compiled in from `reference/scim/`: its default
//! object mappings (`default-mappings.json`, Microsoft's default attribute mappings) and
//! the attribute names mappings and scoping filters can use (`attributes.json`).

use std::sync::LazyLock;

use serde_json::Value;

use crate::{Object, ObjectMapping};

/// Microsoft's default attribute mappings of the `scim` template, as committed.
pub const DEFAULT_MAPPINGS_JSON: &str = include_str!("../../../reference/scim/default-mappings.json");
/// The attribute names, as committed.
pub const ATTRIBUTES_JSON: &str = include_str!("../../../reference/scim/attributes.json");

/// One object's part of the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectReference {
    /// The object mapping's name in Graph's schema.
    pub name: String,
    /// The target object's name (`urn:…:enterprise:2.0:User`, `urn:…:core:2.0:Group`).
    pub target_object: String,
    /// The default mapping.
    pub defaults: ObjectMapping,
    /// Source attributes a mapping can read.
    pub sources: Vec<String>,
    /// Target attributes a mapping can write.
    pub targets: Vec<String>,
    /// Source attributes a scoping filter cannot test.
    pub not_scopable: Vec<String>,
}

struct Reference {
    users: ObjectReference,
    groups: ObjectReference,
}

static REFERENCE: LazyLock<Reference> = LazyLock::new(|| {
    let defaults: Value = serde_json::from_str(DEFAULT_MAPPINGS_JSON).expect("the default mappings are JSON");
    let attributes: Value = serde_json::from_str(ATTRIBUTES_JSON).expect("the attribute names are JSON");
    let object = |object: Object| {
        let source = object.source_object();
        let mapping = defaults["objectMappings"]
            .as_array()
            .and_then(|mappings| mappings.iter().find(|mapping| mapping["sourceObjectName"] == source))
            .expect("the defaults map users and groups");
        let names = |list: &Value| -> Vec<String> {
            list[source].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
        };
        let decoded = crate::graph_json::decode_object(mapping);
        assert!(decoded.unknown_operators.is_empty(), "the defaults use known operators");
        ObjectReference {
            name: mapping["name"].as_str().unwrap_or_default().to_owned(),
            target_object: mapping["targetObjectName"].as_str().unwrap_or_default().to_owned(),
            defaults: decoded.mapping,
            sources: names(&attributes["source"]),
            targets: names(&attributes["target"]),
            not_scopable: names(&attributes["notScopable"]),
        }
    };
    Reference { users: object(Object::Users), groups: object(Object::Groups) }
});

/// The reference for users or groups.
pub fn object(object: Object) -> &'static ObjectReference {
    match object {
        Object::Users => &REFERENCE.users,
        Object::Groups => &REFERENCE.groups,
    }
}

impl ObjectReference {
    /// Whether a mapping can read this source attribute: a listed one, or a directory
    /// extension attribute (`extension_<app id without dashes>_<name>`).
    pub fn is_source(&self, name: &str) -> bool {
        self.sources.iter().any(|known| known == name) || is_extension_attribute(name)
    }

    /// Whether a mapping can write this target attribute.
    pub fn is_target(&self, name: &str) -> bool {
        self.targets.iter().any(|known| known == name)
    }

    /// Whether a scoping clause can test this attribute.
    pub fn is_scopable(&self, name: &str) -> bool {
        self.is_source(name) && !self.not_scopable.iter().any(|excluded| excluded == name)
    }
}

/// `extension_<32 hex digits>_<name>`: a directory extension attribute.
pub fn is_extension_attribute(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("extension_") else { return false };
    let Some((app, attribute)) = rest.split_once('_') else { return false };
    app.len() == 32
        && app.chars().all(|c| c.is_ascii_hexdigit())
        && !attribute.is_empty()
        && attribute.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_read_from_the_reference() {
        let users = object(Object::Users);
        assert_eq!(users.defaults.attributes.len(), 22);
        let user_name = users.defaults.attributes.iter().find(|mapping| mapping.target == "userName").unwrap();
        assert_eq!((user_name.source.as_str(), user_name.matching), ("[userPrincipalName]", Some(1)));
        let groups = object(Object::Groups);
        assert!(groups.defaults.enabled);
        assert_eq!(groups.defaults.attributes.len(), 3);
    }

    #[test]
    fn every_default_mapping_uses_known_attributes() {
        for kind in Object::ALL {
            let reference = object(kind);
            for mapping in &reference.defaults.attributes {
                assert!(reference.is_target(&mapping.target), "{}", mapping.target);
                let expr = mapping.source.expr().expect("the defaults parse");
                for source in expr.attributes() {
                    assert!(reference.is_source(source), "{source}");
                }
            }
        }
        assert!(object(Object::Users).is_source("extension_0123456789abcdef0123456789abcdef_costCentre"));
        assert!(!object(Object::Users).is_source("shoeSize"));
        assert!(!object(Object::Users).is_scopable("userType"));
    }
}
