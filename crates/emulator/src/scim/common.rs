//! What every part of the built-in SCIM provider shares: an endpoint's quirks, the
//! answer (status, body, `Location`), RFC 7644 §3.12 errors and list responses.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A named leniency of a played SCIM endpoint, as tenant files and the admin API name it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum Quirk {
    /// Every quirk below: a SaaS app built to take what Entra sends by default.
    Lenient,
    /// `"True"`/`"False"` accepted where a boolean belongs.
    StringBooleans,
    /// `add`/`replace` of a value-filtered path that selects nothing makes the item.
    CreatesFilteredTargets,
    /// `Remove` of `members` with a `value` list removes those members.
    LegacyMemberRemoval,
    /// Unknown schema URIs and attributes are kept instead of refused.
    AnySchema,
    /// Broken, not lenient (and not part of `lenient`): a PATCH `remove` answers success
    /// and changes nothing, as some apps do; for showing what `scim-check` catches.
    IgnoresRemoves,
}

/// What a played endpoint accepts beyond RFC 7643/7644: none by default.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Quirks {
    pub(crate) string_booleans: bool,
    pub(crate) creates_filtered_targets: bool,
    pub(crate) legacy_member_removal: bool,
    pub(crate) any_schema: bool,
    pub(crate) ignores_removes: bool,
}

impl Quirks {
    pub(crate) fn of(named: &[Quirk]) -> Quirks {
        let has = |quirk: Quirk| named.iter().any(|named| *named == quirk || *named == Quirk::Lenient);
        Quirks {
            string_booleans: has(Quirk::StringBooleans),
            creates_filtered_targets: has(Quirk::CreatesFilteredTargets),
            legacy_member_removal: has(Quirk::LegacyMemberRemoval),
            any_schema: has(Quirk::AnySchema),
            ignores_removes: named.contains(&Quirk::IgnoresRemoves),
        }
    }

    pub(crate) fn names(self) -> Vec<&'static str> {
        [
            (self.string_booleans, "stringBooleans"),
            (self.creates_filtered_targets, "createsFilteredTargets"),
            (self.legacy_member_removal, "legacyMemberRemoval"),
            (self.any_schema, "anySchema"),
            (self.ignores_removes, "ignoresRemoves"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

/// Why a request is refused: RFC 7644 §3.12's `scimType` and a detail.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Refusal {
    pub(crate) scim_type: &'static str,
    pub(crate) detail: String,
}

impl Refusal {
    pub(crate) fn new(scim_type: &'static str, detail: impl Into<String>) -> Refusal {
        Refusal { scim_type, detail: detail.into() }
    }
}

/// A SCIM response: status, body, and the `Location` of a created or read resource.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    pub(crate) location: Option<String>,
}

pub(crate) fn error(status: u16, detail: impl Into<String>) -> Answer {
    let body = json!({ "schemas": [ERROR_SCHEMA], "status": status.to_string(), "detail": detail.into() });
    Answer { status, body: Some(body), location: None }
}

/// An error with its RFC 7644 §3.12 `scimType` (`invalidFilter`, `invalidValue`, …).
pub(crate) fn error_typed(status: u16, scim_type: &str, detail: impl Into<String>) -> Answer {
    let mut answer = error(status, detail);
    if let Some(body) = answer.body.as_mut() {
        body["scimType"] = json!(scim_type);
    }
    answer
}

pub(crate) fn refused(refusal: Refusal) -> Answer {
    error_typed(400, refusal.scim_type, refusal.detail)
}

pub(crate) fn ok(status: u16, body: Value) -> Answer {
    Answer { status, body: Some(body), location: None }
}

pub(crate) fn no_content() -> Answer {
    Answer { status: 204, body: None, location: None }
}

/// A ListResponse of `resources`, the first being number `start_index` (RFC 7644 §3.4.2).
pub(crate) fn list_response(resources: Vec<Value>, start_index: usize) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": resources.len(),
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}
