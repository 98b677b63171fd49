//! What a check found: one row an operation (passed, failed with the request and the
//! app's answer, or not run and why), what the app's `/Schemas` says of the mapped
//! attributes, and the verdict per dialect. Serialized as `scimform scim-check --format
//! json` prints it (schema: `schemas/scim-check.schema.json`); never holds the token.

use schemars::JsonSchema;
use serde::Serialize;

/// Which request forms an operation was sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum DialectName {
    /// What Entra sends by default.
    Default,
    /// What it sends with the SCIM 2.0 compliance flag (`aadOptscim062020`).
    Compliant,
}

impl DialectName {
    /// `default` or `compliant`.
    pub fn as_str(self) -> &'static str {
        match self {
            DialectName::Default => "default",
            DialectName::Compliant => "compliant",
        }
    }
}

/// How one operation went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// The app answered success (and, where the check reads back, did what it said).
    Passed,
    /// The app refused it, or answered success without doing it.
    Failed,
    /// The app does not offer it (an optional discovery endpoint).
    NotOffered,
    /// Not run: read-only mode, an earlier step failed, the time limit, or an interrupt.
    Skipped,
}

/// A request as the report shows it: no headers, so never the token.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ShownRequest {
    /// `GET`, `POST`, `PATCH`, `DELETE`.
    pub method: String,
    /// Path and query from the base URL on.
    pub path: String,
    /// The JSON body, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

/// One operation Entra's provisioning service performs, as checked.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// What Entra does: `credentials`, `create user`, `update name.givenName (add)`,
    /// `deactivate user`, `remove member`, …
    pub operation: String,
    /// The dialect it was sent in; none when both dialects send the same request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialect: Option<DialectName>,
    /// Whether the spec's provisioning needs it to pass.
    pub required: bool,
    /// How it went.
    pub outcome: Outcome,
    /// The request sent (the last one, when the check sent several).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<ShownRequest>,
    /// The app's HTTP status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The app's answer (cut to 2,000 characters), or why no answer came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// What the check concluded beyond the status (a read-back that disagrees, why it was
    /// skipped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A mapped target attribute the app's `/Schemas` does not define.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SchemaFinding {
    /// The mapping's target (`phoneNumbers[type eq "mobile"].value`).
    pub attribute: String,
    /// What is missing.
    pub message: String,
}

/// Whether one dialect works for what the spec needs.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// The dialect.
    pub dialect: DialectName,
    /// Every required operation in it passed (of those run).
    pub works: bool,
    /// The required operations that failed in it.
    pub failed: Vec<String>,
}

/// The test objects a `--write` check made, and whether they are gone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Cleanup {
    /// `Users/{id}` and `Groups/{id}` made and deleted again.
    pub removed: Vec<String>,
    /// Made and still there (their delete failed): remove them by hand.
    pub left: Vec<String>,
}

/// The report of one SCIM app.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The app's SCIM base URL, without Entra's feature flags.
    pub base_url: String,
    /// The dialect the spec selects (`scimCompliance`).
    pub selected: DialectName,
    /// Whether test objects were written (`--write`).
    pub write: bool,
    /// Every operation, in the order sent.
    pub checks: Vec<Check>,
    /// Mapped attributes the app's schema lacks (empty when it serves no `/Schemas`).
    pub schema: Vec<SchemaFinding>,
    /// Whether the app serves `/Schemas`, so that `schema` means something.
    pub schema_read: bool,
    /// Per dialect: does it work.
    pub verdicts: Vec<Verdict>,
    /// Test objects made and removed.
    pub cleanup: Cleanup,
    /// Stopped early: `time limit` or `interrupted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Every required operation of the selected dialect passed, the schema holds every
    /// mapped attribute, and the run was not stopped.
    pub ok: bool,
}

impl Report {
    /// The verdict of a dialect.
    pub fn verdict(&self, dialect: DialectName) -> Option<&Verdict> {
        self.verdicts.iter().find(|verdict| verdict.dialect == dialect)
    }
}
