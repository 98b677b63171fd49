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
mod load;
mod mappings;
pub mod model;
pub mod project;
pub mod raw;
mod strict;
mod structure;
mod suggest;
mod validate;
mod yaml;

use std::sync::OnceLock;

pub use diagnostic::{Code, Diagnostic, Severity, Span};
pub use model::Spec;
pub use project::{Project, SecretPolicy};
pub use strict::{MAX_DIAGNOSTICS, MAX_SOURCE_BYTES, MAX_TOTAL_BYTES};
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
    /// Diagnostics found but not kept (past [`MAX_DIAGNOSTICS`]), as (errors, warnings).
    pub omitted: (usize, usize),
    /// The sources whose lines a report may quote: those that parsed as YAML and whose
    /// every document declares a scimform `apiVersion`. Any other file (one a symlink or
    /// a mistake brought in) is named with its line and column but never quoted, so that a
    /// report cannot print a file that is not a spec.
    pub quotable: std::collections::BTreeSet<String>,
}

impl Loaded {
    /// How many diagnostics are errors, those not kept included.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|diagnostic| diagnostic.is_error()).count() + self.omitted.0
    }

    /// How many diagnostics are warnings, those not kept included.
    pub fn warning_count(&self) -> usize {
        self.diagnostics.iter().filter(|diagnostic| !diagnostic.is_error()).count() + self.omitted.1
    }

    /// Adds diagnostics found outside loading (files, the project) in front of the
    /// others, keeping the cap of [`MAX_DIAGNOSTICS`].
    pub fn prepend(&mut self, mut diagnostics: Vec<Diagnostic>) {
        diagnostics.append(&mut self.diagnostics);
        self.diagnostics = diagnostics;
        strict::cap(&mut self.diagnostics, &mut self.omitted);
    }
}

/// The JSON Schema of a spec document (draft 2020-12), as committed in `schemas/`.
pub fn json_schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(raw::json_schema)
}

/// The JSON Schema as text, exactly as committed in `schemas/scimform.schema.json`.
pub fn json_schema_text() -> String {
    schema_text(json_schema())
}

/// The JSON Schema of an `AppAssignments` document (more of an app's assignments, in
/// another file).
pub fn assignments_json_schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(raw::assignments_json_schema)
}

/// [`assignments_json_schema`] as text, exactly as committed in
/// `schemas/scimform-assignments.schema.json`.
pub fn assignments_json_schema_text() -> String {
    schema_text(assignments_json_schema())
}

fn schema_text(schema: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).expect("a JSON value always serializes");
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
    load::load(sources, policy)
}
