//! Saved plans (`plan --out`): the plan, and what it was made from. No secret values: the
//! token appears only as a reference and as a salted argon2id fingerprint.

use std::path::Path;

use anyhow::Context;
use scimform_spec::Source;
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// Version of the saved-plan file.
const FORMAT: u32 = 3;

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
    /// The stack the plan was made for.
    pub(crate) stack: String,
    /// The `--replace` addresses given.
    #[serde(default)]
    pub(crate) replace: Vec<String>,
    /// The `--allow-deletes` apps given.
    #[serde(default)]
    pub(crate) allow_deletes: Vec<String>,
    pub(crate) plan: scimform_plan::Plan,
}

impl SavedPlan {
    pub(crate) fn new(
        plan: scimform_plan::Plan,
        sources: &[Source],
        spec_paths: Vec<String>,
        options: &scimform_plan::Options,
    ) -> SavedPlan {
        SavedPlan {
            format: FORMAT,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            spec_digest: spec_digest(sources),
            spec_paths,
            prune: options.prune,
            stack: options.stack.clone(),
            replace: options.replace.iter().map(scimform_plan::Replacement::address).collect(),
            allow_deletes: options.allow_deletes.clone(),
            plan,
        }
    }

    /// Writes the plan, readable by its owner only (it names the tenant's apps, users and
    /// groups, though never a secret).
    pub(crate) fn write(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self).expect("plans serialize");
        crate::files::write_private(path, (text + "\n").as_bytes())
            .with_context(|| format!("cannot write the plan to `{}`", path.display()))
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

/// The first way two plans' changes differ, in words; `None` when they are the same. The
/// token fingerprints their steps would write are left out: each plan salts its own, and
/// apply checks the token against the saved plan's.
pub(crate) fn first_difference(saved: &scimform_plan::Plan, fresh: &scimform_plan::Plan) -> Option<String> {
    let normalized = |plan: &scimform_plan::Plan| -> Vec<scimform_plan::Change> {
        let mut changes = plan.changes.clone();
        for step in changes.iter_mut().flat_map(|change| change.steps.iter_mut()) {
            if let scimform_plan::Step::SetTags { add, .. } = step {
                for tag in add.iter_mut().filter(|tag| tag.starts_with(scimform_plan::fingerprint::TAG_PREFIX)) {
                    *tag = scimform_plan::fingerprint::TAG_PREFIX.to_owned();
                }
            }
        }
        changes
    };
    let (saved_changes, fresh_changes) = (normalized(saved), normalized(fresh));
    for (index, (left, right)) in saved_changes.iter().zip(&fresh_changes).enumerate() {
        if left != right {
            return Some(if left.address == right.address {
                format!("change {} (`{}`) differs", index + 1, left.address)
            } else {
                format!("change {} is `{}` in the file but `{}` now", index + 1, left.address, right.address)
            });
        }
    }
    match saved_changes.len().cmp(&fresh_changes.len()) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Less => {
            Some(format!("the file lacks change `{}`", fresh_changes[saved_changes.len()].address))
        }
        std::cmp::Ordering::Greater => {
            Some(format!("the file adds change `{}`", saved_changes[fresh_changes.len()].address))
        }
    }
}
