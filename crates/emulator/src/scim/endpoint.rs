//! One SCIM endpoint as the tenant keeps it: played here (its token digest, quirks,
//! users and groups, and an index of the unique names Entra's matching queries look up)
//! or routed to another server.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::Quirks;

/// One SCIM endpoint: played here, or routed elsewhere.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Endpoint {
    /// Digest of the one bearer token a played endpoint accepts (`None`: any token).
    #[serde(default)]
    pub(crate) token: Option<String>,
    /// Another server's SCIM root to send the requests to instead of playing them here.
    #[serde(default)]
    pub(crate) target: Option<String>,
    /// What a played endpoint accepts beyond the RFCs.
    #[serde(default)]
    pub(crate) quirks: Quirks,
    /// Users by id (played endpoints).
    #[serde(default)]
    pub(crate) users: BTreeMap<String, Value>,
    /// Groups by id (played endpoints).
    #[serde(default)]
    pub(crate) groups: BTreeMap<String, Value>,
    /// The next id to give.
    #[serde(default)]
    pub(crate) next_id: u64,
    /// `Users:<userName lower-cased>` and `Groups:<displayName lower-cased>` to ids, so that
    /// Entra's matching queries do not scan (rebuilt after loading).
    #[serde(skip)]
    pub(super) index: std::collections::HashMap<String, String>,
}

impl Endpoint {
    fn index_key(kind: &str, resource: &Value) -> Option<String> {
        unique_key(kind, resource).map(|key| format!("{kind}:{key}"))
    }

    pub(super) fn reindex(&mut self) {
        if !self.index.is_empty() || (self.users.is_empty() && self.groups.is_empty()) {
            return;
        }
        for (kind, resources) in [("Users", &self.users), ("Groups", &self.groups)] {
            for (id, resource) in resources {
                if let Some(key) = Endpoint::index_key(kind, resource) {
                    self.index.insert(key, id.clone());
                }
            }
        }
    }

    pub(super) fn unindex(&mut self, kind: &str, id: &str) {
        if let Some(key) = self.resources(kind).get(id).and_then(|resource| Endpoint::index_key(kind, resource)) {
            self.index.remove(&key);
        }
    }

    pub(super) fn index(&mut self, kind: &str, id: &str) {
        if let Some(key) = self.resources(kind).get(id).and_then(|resource| Endpoint::index_key(kind, resource)) {
            self.index.insert(key, id.to_owned());
        }
    }

    pub(super) fn resources(&self, kind: &str) -> &BTreeMap<String, Value> {
        if kind == "Users" { &self.users } else { &self.groups }
    }

    pub(super) fn resources_mut(&mut self, kind: &str) -> &mut BTreeMap<String, Value> {
        if kind == "Users" { &mut self.users } else { &mut self.groups }
    }
}

/// The attribute that must be unique: `userName` for users (case-insensitive, RFC 7643
/// §4.1.1), `displayName` for groups (Entra matches groups by it).
pub(super) fn unique_key(kind: &str, resource: &Value) -> Option<String> {
    resource.get(unique_name(kind)).and_then(Value::as_str).map(str::to_lowercase)
}

pub(super) fn unique_name(kind: &str) -> &'static str {
    if kind == "Users" { "userName" } else { "displayName" }
}
