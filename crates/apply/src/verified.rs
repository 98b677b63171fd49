//! What on-demand provisioning did with one subject: scimform's report of it, decoded
//! from Graph's answer in `wire` and produced by `verify`.

use serde::Serialize;

/// What happened to one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
    /// The app's spec name.
    pub app: String,
    /// `user` or `group`.
    pub kind: &'static str,
    /// The UPN or group name, as the spec wrote it.
    pub subject: String,
    /// The outcome.
    pub outcome: Outcome,
    /// What the service did: `Create`, `Update`, `Disable`, `Other`, …
    pub action: String,
    /// In words: created, updated, already up to date, skipped and why, or the error.
    pub detail: String,
    /// The service's steps (test connection, import, scope, match, export) and their status.
    pub steps: Vec<(String, String)>,
}

/// The outcome of one on-demand provisioning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// The subject was created or updated in the SCIM app, or already matched it.
    Success,
    /// The service skipped the subject (out of scope): reported, not a failure.
    Skipped,
    /// The service failed, or the subject or app could not be found.
    Failure,
}
