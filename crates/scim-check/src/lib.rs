//! Will Entra's provisioning service work with this SCIM app? This crate answers before
//! the app is connected, by sending the app the requests the service sends, built by
//! `scimform-scim-dialect` (the same definition the emulator's engine sends), in Entra's
//! default dialect and with the SCIM 2.0 compliance flag, and reporting each operation:
//! passed, or the exact request and the app's answer.
//!
//! Safe against production apps: by default only read requests are sent (the credential
//! probe, discovery, the matching queries). With [`Options::write`], one test user per
//! dialect and one test group (named `scimform-check-<random>`) are created, changed and
//! deleted again; nothing else is written, and an interrupted or timed-out run still
//! removes what it made (found again by those names when an answer was lost). Requests
//! are paced, the run has a time limit, and the token never appears in a report.
//!
//! Floors: report, client, schemas → steps

mod client;
pub mod report;
mod schemas;
mod steps;

use std::future::Future;
use std::time::Duration;

use scimform_graph::Secret;
use scimform_mapping::AttributeMapping;
use scimform_scim_dialect::Dialect;

pub use report::{Check, Cleanup, DialectName, Outcome, Report, SchemaFinding, ShownRequest, Verdict};

/// The SCIM app to check and what provisioning will ask of it.
#[derive(Debug, Clone)]
pub struct Target {
    /// The SCIM base URL (Entra's Tenant URL), without feature flags.
    pub base_url: String,
    /// The bearer token.
    pub token: Secret,
    /// The dialect the spec selects.
    pub dialect: Dialect,
    /// The user attribute mappings provisioning will use.
    pub users: Vec<AttributeMapping>,
    /// Whether groups are provisioned.
    pub groups: bool,
}

/// How to check.
#[derive(Debug, Clone)]
pub struct Options {
    /// Create, change and delete test objects (otherwise: read requests only).
    pub write: bool,
    /// The whole run's limit (the cleanup gets 30 seconds more).
    pub time_limit: Duration,
    /// At least this long between two requests.
    pub pace: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options { write: false, time_limit: Duration::from_secs(120), pace: Duration::from_millis(100) }
    }
}

/// Checks one SCIM app. `interrupt` completing (Ctrl-C) stops the checks; the test
/// objects made so far are removed before this returns.
pub async fn check(target: &Target, options: &Options, interrupt: impl Future<Output = ()>) -> Report {
    steps::run(target, options, interrupt).await
}
