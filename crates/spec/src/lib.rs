//! The scimform spec language: YAML text in, a validated [`Spec`] or located
//! [`Diagnostic`]s out.
//!
//! Loading runs in stages, each reporting every problem it finds before the next starts:
//!
//! 1. `yaml`: text → located node tree (syntax, duplicate keys); a file with a syntax
//!    error stops here, the other files go on.
//! 2. `structure`: node tree → checked against the JSON Schema generated from `raw`
//!    (unknown fields with "did you mean", missing fields, wrong types, unknown values).
//! 3. `raw`: the serde types, filled from a structurally valid tree.
//! 4. `validate`: raw → [`model`] (slugs, URLs, emails, UPNs, GUIDs, secret references,
//!    duplicates), then names unique across all sources.
//!
//! Architecture invariant: this crate does no I/O. It takes source texts and names from
//! its caller, reads no files, no environment variables and no secrets, and talks to no
//! network. That is what lets `scimform validate` promise to be offline.

mod diagnostic;
mod mappings;
pub mod model;
pub mod project;
pub mod raw;
mod strict;
mod structure;
mod suggest;
mod validate;
mod yaml;

use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use diagnostic::{Code, Diagnostic, Severity, Span};
pub use model::Spec;
pub use project::{Project, SecretPolicy};
pub use strict::MAX_SOURCE_BYTES;
pub use validate::slugify;

/// One spec source: its name (the path as the user wrote it) and its text.
#[derive(Debug, Clone)]
pub struct Source {
    /// Shown in diagnostics and recorded in origins.
    pub name: String,
    /// The YAML text.
    pub text: String,
}

/// What loading found.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated spec, present only when no error was found.
    pub spec: Option<Spec>,
    /// Every error and warning, ordered by source, then line and column.
    pub diagnostics: Vec<Diagnostic>,
    /// How many documents the sources held (empty documents not counted).
    pub documents: usize,
}

impl Loaded {
    /// How many diagnostics are errors.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|diagnostic| diagnostic.is_error()).count()
    }
}

/// The JSON Schema of a spec document (draft 2020-12), as committed in `schemas/`.
pub fn json_schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(raw::json_schema)
}

/// The JSON Schema as text, exactly as committed in `schemas/scimform.schema.json`.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(json_schema()).expect("a JSON value always serializes");
    text.push('\n');
    text
}

/// Parses and checks every document of every source, with the default secret policy
/// (token files confined to each spec file's directory tree). Never stops at the first
/// problem.
pub fn load(sources: &[Source]) -> Loaded {
    load_with(sources, &SecretPolicy::default())
}

/// [`load`] under a project's secret policy.
pub fn load_with(sources: &[Source], policy: &SecretPolicy) -> Loaded {
    let mut diagnostics = Vec::new();
    let mut apps = Vec::new();
    let mut documents = 0;
    // Every name seen, with where it was first written, to find duplicates across files.
    let mut names: BTreeMap<String, model::Origin> = BTreeMap::new();
    for (source_index, source) in sources.iter().enumerate() {
        let mut source_diagnostics = Vec::new();
        if let Some(diagnostic) = strict::too_large(&source.text) {
            diagnostics.push((source_index, Diagnostic { file: source.name.clone(), ..diagnostic }));
            continue;
        }
        source_diagnostics.extend(strict::tags(&source.text));
        match yaml::parse_documents(&source.text) {
            Err(diagnostic) => source_diagnostics.push(diagnostic),
            Ok(nodes) => {
                documents += nodes.len();
                for node in &nodes {
                    strict::values(node, &mut source_diagnostics);
                    if let Some(app) = load_document(&source.name, node, &mut names, policy, &mut source_diagnostics) {
                        apps.push(app);
                    }
                }
            }
        }
        for mut diagnostic in source_diagnostics {
            diagnostic.file.clone_from(&source.name);
            diagnostics.push((source_index, diagnostic));
        }
    }
    diagnostics.sort_by(|(left_index, left), (right_index, right)| {
        (left_index, left.span.line, left.span.column).cmp(&(right_index, right.span.line, right.span.column))
    });
    let diagnostics: Vec<Diagnostic> = diagnostics.into_iter().map(|(_, diagnostic)| diagnostic).collect();
    let valid = !diagnostics.iter().any(Diagnostic::is_error);
    apps.sort_by(|left: &model::App, right| left.name.cmp(&right.name));
    Loaded { spec: valid.then_some(Spec { apps }), diagnostics, documents }
}

fn load_document(
    file: &str,
    node: &yaml::Node,
    names: &mut BTreeMap<String, model::Origin>,
    policy: &SecretPolicy,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<model::App> {
    // A name is worth checking for duplicates even when the rest of the document is broken.
    let mut duplicate_name = false;
    if let Some(name_node) = node.get("name")
        && let yaml::Value::String(name) = &name_node.value
    {
        let origin = model::Origin { file: file.to_owned(), span: name_node.span };
        if let Some(first) = names.get(name) {
            duplicate_name = true;
            diagnostics.push(
                Diagnostic::error(Code::DuplicateName, name_node.span, format!("app name `{name}` is used twice"))
                    .with_help(format!(
                        "it is first used at {}:{}:{}; every app needs its own name",
                        first.file, first.span.line, first.span.column
                    )),
            );
        } else {
            names.insert(name.clone(), origin);
        }
    }
    let checked = structure::check(node, json_schema());
    let structurally_valid = checked.diagnostics.is_empty();
    diagnostics.extend(checked.diagnostics);
    let document: raw::AppDocument = match checked.repaired.map(serde_json::from_value) {
        Some(Ok(document)) => document,
        // Not a mapping (reported above), or broken beyond repair (also reported above).
        None => return None,
        Some(Err(_)) if !structurally_valid => return None,
        Some(Err(error)) => {
            // The structural check accepts exactly what the schema says; serde should agree.
            // If it ever does not, say so plainly rather than hide the document.
            diagnostics.push(Diagnostic::error(
                Code::WrongType,
                node.span,
                format!("document does not fit the spec: {error}"),
            ));
            return None;
        }
    };
    let app = validate::validate(file, &document, node, policy, diagnostics);
    if duplicate_name || !structurally_valid { None } else { app }
}
