//! What Entra's provisioning service remembers of a job between cycles: the links from
//! source objects to the SCIM app's objects, escrows, and when the next cycle is due. It
//! is tenant state (kept with the job in the state file) but not part of what Graph shows;
//! the engine in `provisioning` reads and writes it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A job's engine state: what the service remembers between cycles. Kept with the job in
/// the state file; not part of what Graph shows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EngineState {
    /// Source object id → the target object it was matched or created as.
    #[serde(default)]
    pub(crate) links: BTreeMap<String, Link>,
    /// Source objects whose last export failed, with the number of failures.
    #[serde(default)]
    pub(crate) escrows: BTreeMap<String, u32>,
    /// Whether the next cycle is an initial one (every object re-evaluated against the
    /// target).
    #[serde(default = "yes")]
    pub(crate) initial: bool,
    /// When the next cycle is due (Unix seconds; `None`: at once).
    #[serde(default)]
    pub(crate) next_cycle_at: Option<u64>,
    /// Carry out held deletions in the next cycle (`restart` with `ForceDeletes`).
    #[serde(default)]
    pub(crate) force_deletes: bool,
}

fn yes() -> bool {
    true
}

impl Default for EngineState {
    fn default() -> Self {
        EngineState {
            links: BTreeMap::new(),
            escrows: BTreeMap::new(),
            initial: true,
            next_cycle_at: None,
            force_deletes: false,
        }
    }
}

impl EngineState {
    /// After `start`, a schema change or a restart: an initial cycle, now.
    pub(crate) fn restart(&mut self) {
        self.initial = true;
        self.next_cycle_at = None;
    }
}

/// A source object's counterpart in the SCIM app (the "object connection").
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Link {
    #[serde(default)]
    pub(crate) group: bool,
    pub(crate) target_id: String,
    /// The attribute values last exported, by target path.
    #[serde(default)]
    pub(crate) exported: Map<String, Value>,
    /// Whether the target user is active (disabled users are no longer managed).
    #[serde(default)]
    pub(crate) active: bool,
    /// Groups: the target ids of the members exported.
    #[serde(default)]
    pub(crate) members: Vec<String>,
}
