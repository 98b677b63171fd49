//! Saved plans (`plan --out`): the plan, and what it was made from. No secret values: the
//! token appears only as a reference and as a salted argon2id fingerprint.

use std::path::Path;

use anyhow::Context;
use scimform_spec::Source;
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// Version of the saved-plan file.
const FORMAT: u32 = 1;

/// A plan file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SavedPlan {
    pub(crate) format: u32,
    pub(crate) tool_version: String,
    /// Digest of the spec files the plan was made from.
    pub(crate) spec_digest: String,
    /// The PATH arguments given to `plan`.
    pub(crate) spec_paths: Vec<String>,
    /// Whether `--prune` was given.
    pub(crate) prune: bool,
    pub(crate) plan: scimform_plan::Plan,
}

impl SavedPlan {
    pub(crate) fn new(
        plan: scimform_plan::Plan,
        sources: &[Source],
        spec_paths: Vec<String>,
        prune: bool,
    ) -> SavedPlan {
        SavedPlan {
            format: FORMAT,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            spec_digest: spec_digest(sources),
            spec_paths,
            prune,
            plan,
        }
    }

    pub(crate) fn write(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self).expect("plans serialize");
        std::fs::write(path, text + "\n").with_context(|| format!("cannot write the plan to `{}`", path.display()))
    }

    pub(crate) fn read(path: &Path) -> anyhow::Result<SavedPlan> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read the plan file `{}`", path.display()))?;
        let version: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("`{}` is not a scimform plan file", path.display()))?;
        let tool_version = version["toolVersion"].as_str().unwrap_or("unknown");
        if version["format"] != FORMAT || tool_version != env!("CARGO_PKG_VERSION") {
            anyhow::bail!(
                "`{}` was saved by scimform {tool_version}; this is scimform {}: make a new plan with this version",
                path.display(),
                env!("CARGO_PKG_VERSION")
            );
        }
        serde_json::from_str(&text).with_context(|| format!("`{}` is not a valid scimform plan file", path.display()))
    }
}

/// SHA-256 over every source's name and text, in order.
pub(crate) fn spec_digest(sources: &[Source]) -> String {
    let mut hasher = sha2::Sha256::new();
    for source in sources {
        hasher.update(source.name.as_bytes());
        hasher.update([0]);
        hasher.update(source.text.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}
