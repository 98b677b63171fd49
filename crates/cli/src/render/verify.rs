//! Provision-on-demand results (`scimform verify`, and apply's `provisioning.verify`):
//! one line per subject with what the service did and its steps, or a JSON document.

use scimform_apply::verify::{Outcome, Verified};
use serde::Serialize;

use super::{ERROR, GOOD, WARNING};
use crate::cli::Format;

/// `scimform verify --format json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct VerifyView<'a> {
    /// Whether no subject failed.
    ok: bool,
    /// Every subject, in spec order.
    results: &'a [Verified],
}

pub(crate) fn human(results: &[Verified]) -> String {
    if results.is_empty() {
        return "No spec lists subjects under `provisioning.verify`.\n".to_owned();
    }
    let mut out = String::from("Provision on demand:\n");
    for result in results {
        let (style, symbol) = match result.outcome {
            Outcome::Success => (GOOD, "✓"),
            Outcome::Skipped => (WARNING, "–"),
            Outcome::Failure => (ERROR, "✗"),
        };
        out.push_str(&format!(
            "  {style}{symbol}{style:#} app.{} {} {}: {}\n",
            result.app, result.kind, result.subject, result.detail
        ));
        if !result.steps.is_empty() {
            let steps: Vec<String> = result.steps.iter().map(|(name, status)| format!("{name} {status}")).collect();
            out.push_str(&format!("      steps: {}\n", steps.join(", ")));
        }
    }
    let failed = results.iter().filter(|result| result.outcome == Outcome::Failure).count();
    if failed > 0 {
        out.push_str(&format!("{ERROR}{failed} subject(s) failed to provision.{ERROR:#}\n"));
    }
    out
}

pub(crate) fn text(format: Format, results: &[Verified]) -> String {
    match format {
        Format::Json => {
            let ok = results.iter().all(|result| result.outcome != Outcome::Failure);
            serde_json::to_string_pretty(&VerifyView { ok, results }).expect("results serialize") + "\n"
        }
        _ => human(results),
    }
}
