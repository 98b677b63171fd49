//! Saved plans (`plan --out`): the plan, and what it was made from. No secret and nothing
//! derived from one: a token appears only as its reference (a variable's name or a file's
//! path) and as whether it differs from the one saved in the tenant. What a reader of a
//! plan file learns is the tenant's apps, users and groups the plan touches, the specs'
//! paths and digest, and those references; not a hash to guess a token from.

use std::path::Path;

use anyhow::Context;
use scimform_spec::Source;
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// Version of the saved-plan file.
const FORMAT: u32 = 4;

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

/// The first way two plans' changes differ, in words, naming the change and the field
/// (`change 2 (`app.x.provisioning`) differs at steps[1].settings.scope: "assigned" in
/// the file, "all" now`); `None` when they are the same. Plans hold no token fingerprint,
/// so two plans of the same specs and tenant are equal byte for byte.
pub(crate) fn first_difference(saved: &scimform_plan::Plan, fresh: &scimform_plan::Plan) -> Option<String> {
    for (index, (left, right)) in saved.changes.iter().zip(&fresh.changes).enumerate() {
        if left != right {
            let (left_json, right_json) =
                (serde_json::to_value(left).unwrap_or_default(), serde_json::to_value(right).unwrap_or_default());
            let field = json_difference(&left_json, &right_json, String::new())
                .map(|(path, was, now)| format!(" at {path}: {} in the file, {} now", shown(&was), shown(&now)))
                .unwrap_or_default();
            return Some(if left.address == right.address {
                format!("change {} (`{}`) differs{field}", index + 1, left.address)
            } else {
                format!("change {} is `{}` in the file but `{}` now", index + 1, left.address, right.address)
            });
        }
    }
    match saved.changes.len().cmp(&fresh.changes.len()) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Less => {
            Some(format!("the file lacks change `{}`", fresh.changes[saved.changes.len()].address))
        }
        std::cmp::Ordering::Greater => {
            Some(format!("the file adds change `{}`", saved.changes[fresh.changes.len()].address))
        }
    }
}

/// A JSON value in a refusal: short, one line, and never a token (plans hold none).
fn shown(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 { format!("{}…", text.chars().take(80).collect::<String>()) } else { text }
}

/// The first place two JSON values differ: its path (`steps[1].settings.scope`) and both
/// values there (`null` where one side lacks it).
fn json_difference(
    left: &serde_json::Value,
    right: &serde_json::Value,
    path: String,
) -> Option<(String, serde_json::Value, serde_json::Value)> {
    use serde_json::Value;
    let join = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match (left, right) {
        _ if left == right => None,
        (Value::Object(left), Value::Object(right)) => {
            let keys: std::collections::BTreeSet<&String> = left.keys().chain(right.keys()).collect();
            keys.into_iter().find_map(|key| {
                let (was, now) = (left.get(key).unwrap_or(&Value::Null), right.get(key).unwrap_or(&Value::Null));
                json_difference(was, now, join(key))
            })
        }
        (Value::Array(left), Value::Array(right)) if left.len() == right.len() => {
            left.iter().zip(right).enumerate().find_map(|(index, (was, now))| {
                // An attribute or a step is named by its name or kind: `attributes[2:baseUrl]`.
                let label = ["name", "op"].iter().find_map(|key| was.get(key).and_then(Value::as_str));
                let item = match label {
                    Some(label) => format!("{path}[{index}:{label}]"),
                    None => format!("{path}[{index}]"),
                };
                json_difference(was, now, item)
            })
        }
        _ => Some((if path.is_empty() { "the change".to_owned() } else { path }, left.clone(), right.clone())),
    }
}
