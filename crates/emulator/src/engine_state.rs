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
    /// Escrowed objects and how many more cycles pass before they are tried again: the
    /// service retries escrows "with gradually decreasing frequency" (§4.2).
    #[serde(default)]
    pub(crate) escrow_waits: BTreeMap<String, u32>,
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
            escrow_waits: BTreeMap::new(),
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
    /// Users: disabled because she was soft-deleted in Entra, so that purging her later
    /// still deletes her in the SCIM app (§3.4), where a user disabled for leaving scope
    /// is no longer managed (§1.3.8).
    #[serde(default)]
    pub(crate) soft_deleted: bool,
    /// Groups: the target ids of the members exported.
    #[serde(default)]
    pub(crate) members: Vec<String>,
    /// Groups: target ids of members removed because the member became inactive while
    /// still in the group; they are not added back when the member returns (§1.3.7:
    /// "group memberships removed while the user was inactive are not restored").
    #[serde(default)]
    pub(crate) dropped: Vec<String>,
}

/// Cycles an object escrowed `failures` times in a row waits before it is tried again:
/// 0, 1, 3, then 7 (the next cycle, then every second, fourth and eighth). The service
/// documents only "gradually decreasing frequency" (§4.2); the series is ours [verify].
pub(crate) fn escrow_wait(failures: u32) -> u32 {
    match failures {
        0 | 1 => 0,
        2 => 1,
        3 => 3,
        _ => 7,
    }
}
