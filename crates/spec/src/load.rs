//! Loading many sources: each source is parsed and checked on its own (in parallel, one
//! worker per core: a pipeline's plan of 200 specs spends its first 100 ms here, before
//! anything may be sent to Graph), then names are compared across sources in order.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Code, Diagnostic, Loaded, SecretPolicy, Source, Span, Spec};
use crate::{json_schema, model, raw, strict, structure, validate, yaml};

/// One document, checked without looking at the other documents.
struct Document {
    /// Its `name`, if it is a string, and where it is written.
    name: Option<(String, Span)>,
    /// The app, when the document is valid on its own.
    app: Option<model::App>,
    /// Or more assignments of an app (an `AppAssignments` document), when valid on its own.
    part: Option<model::AssignmentsPart>,
    /// Its problems; a duplicate name is reported at `name_at` among them.
    diagnostics: Vec<Diagnostic>,
    name_at: usize,
    /// Problems found past the cap (errors, warnings), counted only.
    omitted: (usize, usize),
}

/// One source, checked without looking at the other sources.
struct Checked {
    /// Problems of the whole text (size, tags, syntax).
    diagnostics: Vec<Diagnostic>,
    documents: Vec<Document>,
    /// Whether the text parsed as YAML documents that each declare our `apiVersion`.
    ours: bool,
}

pub(crate) fn load(sources: &[Source], policy: &SecretPolicy) -> Loaded {
    let checked = check_all(sources, policy);
    let mut diagnostics = Vec::new();
    let mut apps = Vec::new();
    let mut documents = 0;
    // Every name seen, with where it was first written, to find duplicates across files.
    let mut names: BTreeMap<String, model::Origin> = BTreeMap::new();
    let mut quotable = std::collections::BTreeSet::new();
    let mut omitted = (0, 0);
    let mut parts = Vec::new();
    for (source_index, (source, checked)) in sources.iter().zip(checked).enumerate() {
        if checked.ours {
            quotable.insert(source.name.clone());
        }
        let mut source_diagnostics = checked.diagnostics;
        documents += checked.documents.len();
        for mut document in checked.documents {
            omitted.0 += document.omitted.0;
            omitted.1 += document.omitted.1;
            if let Some((name, span)) = document.name {
                if let Some(first) = names.get(&name) {
                    document.app = None;
                    let duplicate = duplicate_name(&name, span, first);
                    document.diagnostics.insert(document.name_at, duplicate);
                } else {
                    names.insert(name, model::Origin { file: source.name.clone(), span });
                }
            }
            source_diagnostics.append(&mut document.diagnostics);
            apps.extend(document.app);
            parts.extend(document.part.map(|part| (source_index, part)));
        }
        strict::cap(&mut source_diagnostics, &mut omitted);
        for mut diagnostic in source_diagnostics {
            diagnostic.file.clone_from(&source.name);
            diagnostics.push((source_index, diagnostic));
        }
    }
    diagnostics.extend(merge_parts(&mut apps, parts, &names));
    diagnostics.extend(empty_exact_assignments(&apps, sources));
    diagnostics.sort_by(|(left_index, left), (right_index, right)| {
        (left_index, left.span.line, left.span.column).cmp(&(right_index, right.span.line, right.span.column))
    });
    let mut diagnostics: Vec<Diagnostic> = diagnostics.into_iter().map(|(_, diagnostic)| diagnostic).collect();
    strict::cap(&mut diagnostics, &mut omitted);
    let valid = omitted.0 == 0 && !diagnostics.iter().any(Diagnostic::is_error);
    apps.sort_by(|left: &model::App, right| left.name.cmp(&right.name));
    Loaded { spec: valid.then_some(Spec { apps }), diagnostics, documents, omitted, quotable }
}

/// Adds each `AppAssignments` document's principals to its app's assignments, in the
/// sources' order: the app must be declared by a spec of the run and manage assignments,
/// and a principal is listed once across the app and all its documents. Problems come
/// with the index of the source they are in.
fn merge_parts(
    apps: &mut [model::App],
    parts: Vec<(usize, model::AssignmentsPart)>,
    names: &BTreeMap<String, model::Origin>,
) -> Vec<(usize, Diagnostic)> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&str, BTreeMap<String, model::Origin>> = BTreeMap::new();
    let mut added: BTreeMap<String, Vec<model::Principal>> = BTreeMap::new();
    for (source_index, part) in parts {
        let at = |diagnostic: Diagnostic| {
            let mut diagnostic = diagnostic;
            diagnostic.file.clone_from(&part.app_origin.file);
            (source_index, diagnostic)
        };
        let Some(app) = apps.iter().find(|app| app.name == part.app) else {
            if !names.contains_key(&part.app) {
                let mut error = Diagnostic::error(
                    Code::UnknownApp,
                    part.app_origin.span,
                    format!("no spec of this run declares app `{}`", part.app),
                );
                let help = match crate::suggest::closest(&part.app, names.keys().map(String::as_str)) {
                    Some(close) => format!("did you mean `{close}`? An AppAssignments document adds to the assignments of an app that a ProvisioningApp document of the same run declares"),
                    None => "an AppAssignments document adds to the assignments of an app that a ProvisioningApp document of the same run declares: check the name, and give scimform the app's spec too".to_owned(),
                };
                error = error.with_help(help);
                problems.push(at(error));
            }
            continue;
        };
        let Some(assignments) = &app.assignments else {
            let error = Diagnostic::error(
                Code::UnknownApp,
                part.app_origin.span,
                format!("app `{}` does not manage assignments, so these cannot be added to them", part.app),
            )
            .with_help(format!(
                "add an `assignments:` section (its policy and default role apply to these too) to the app's spec at {}:{}",
                app.origin.file, app.origin.span.line
            ));
            problems.push(at(error));
            continue;
        };
        let listed = seen.entry(app.name.as_str()).or_insert_with(|| {
            assignments.principals.iter().map(|p| (p.reference.identity_key(), p.origin.clone())).collect()
        });
        for principal in part.principals {
            match listed.get(&principal.reference.identity_key()) {
                Some(first) => {
                    let error = Diagnostic::error(
                        Code::DuplicatePrincipal,
                        principal.origin.span,
                        format!("{} is already assigned to app `{}`", described(&principal.reference), part.app),
                    )
                    .with_help(format!(
                        "it is listed at {}:{}; list each user and group once across the app and its AppAssignments documents",
                        first.file, first.span.line
                    ));
                    problems.push(at(error));
                }
                None => {
                    listed.insert(principal.reference.identity_key(), principal.origin.clone());
                    added.entry(part.app.clone()).or_default().push(principal);
                }
            }
        }
    }
    for app in apps.iter_mut() {
        if let (Some(more), Some(assignments)) = (added.remove(&app.name), app.assignments.as_mut()) {
            assignments.principals.extend(more);
        }
    }
    problems
}

/// A warning for each app whose exact assignments list nobody (after its `AppAssignments`
/// documents are merged): applying it removes every assignment.
fn empty_exact_assignments(apps: &[model::App], sources: &[Source]) -> Vec<(usize, Diagnostic)> {
    apps.iter()
        .filter_map(|app| {
            let assignments = app.assignments.as_ref()?;
            if assignments.policy != model::AssignmentPolicy::Exact || !assignments.principals.is_empty() {
                return None;
            }
            let source_index = sources.iter().position(|source| source.name == assignments.origin.file)?;
            let mut warning = Diagnostic::warning(
                Code::Risky,
                assignments.origin.span,
                "policy `exact` with no users and no groups removes every assignment of this app",
            )
            .with_help(
                "list the users and groups to keep, use `policy: additive`, or leave `assignments` out to manage none",
            );
            warning.file.clone_from(&assignments.origin.file);
            Some((source_index, warning))
        })
        .collect()
}

/// `user `alice@contoso.com``, `group `Engineering``.
fn described(reference: &model::PrincipalRef) -> String {
    let text = reference.to_string();
    let (kind, name) = text.split_once(':').unwrap_or(("user", &text));
    format!("{kind} `{name}`")
}

fn duplicate_name(name: &str, span: Span, first: &model::Origin) -> Diagnostic {
    Diagnostic::error(Code::DuplicateName, span, format!("app name `{name}` is used twice")).with_help(format!(
        "it is first used at {}:{}:{}; every app needs its own name",
        first.file, first.span.line, first.span.column
    ))
}

/// Every source checked, in the sources' order, by one worker per core taking the next
/// unchecked source (sources differ much in size, so fixed shares would idle a core).
fn check_all(sources: &[Source], policy: &SecretPolicy) -> Vec<Checked> {
    let workers = std::thread::available_parallelism().map_or(1, usize::from).min(sources.len());
    if workers <= 1 {
        return sources.iter().map(|source| check_source(source, policy)).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, Checked)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(source) = sources.get(index) else { break done };
                        done.push((index, check_source(source, policy)));
                    }
                })
            })
            .collect();
        handles.into_iter().flat_map(|handle| handle.join().expect("checking a source does not panic")).collect()
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, checked)| checked).collect()
}

fn check_source(source: &Source, policy: &SecretPolicy) -> Checked {
    if let Some(diagnostic) = strict::too_large(&source.text) {
        return Checked { diagnostics: vec![diagnostic], documents: Vec::new(), ours: false };
    }
    let mut checked = Checked { diagnostics: strict::tags(&source.text), documents: Vec::new(), ours: false };
    let mut omitted = (0, 0);
    strict::cap(&mut checked.diagnostics, &mut omitted);
    let mut kept = checked.diagnostics.len();
    match yaml::parse_documents(&source.text) {
        Err(diagnostic) => checked.diagnostics.push(diagnostic),
        Ok(nodes) => {
            checked.ours = !nodes.is_empty() && nodes.iter().all(declares_our_api);
            for node in &nodes {
                let mut diagnostics = Vec::new();
                strict::values(node, &mut diagnostics);
                let name_at = diagnostics.len();
                let (checked_document, structural) = check_document(&source.name, node, policy, &mut diagnostics);
                let name = match node.get("name") {
                    Some(yaml::Node { value: yaml::Value::String(name), span, .. }) => Some((name.clone(), *span)),
                    _ => None,
                };
                // The source's report is capped as it grows, so that a file of 100,000
                // small broken documents holds no more than the cap in memory.
                let mut document_omitted = std::mem::take(&mut omitted);
                document_omitted.0 += structural;
                let room = crate::MAX_DIAGNOSTICS.saturating_sub(kept);
                strict::cap_at(&mut diagnostics, room, &mut document_omitted);
                kept += diagnostics.len();
                let name_at = name_at.min(diagnostics.len());
                // A document with an error yields no spec: its app is dropped now, not
                // held until every source is checked.
                let failed = document_omitted.0 > 0 || diagnostics.iter().any(Diagnostic::is_error);
                let (app, part) = match checked_document.filter(|_| !failed) {
                    Some(Checks::App(app)) => (Some(app), None),
                    Some(Checks::Part(part)) => (None, Some(part)),
                    None => (None, None),
                };
                checked.documents.push(Document { name, app, part, diagnostics, name_at, omitted: document_omitted });
            }
        }
    }
    if omitted != (0, 0) {
        let document = Document { name: None, app: None, part: None, diagnostics: Vec::new(), name_at: 0, omitted };
        checked.documents.push(document);
    }
    checked
}

/// Whether a document is a mapping whose `apiVersion` is one of ours (supported or not).
fn declares_our_api(node: &yaml::Node) -> bool {
    matches!(node.get("apiVersion"), Some(yaml::Node { value: yaml::Value::String(version), .. })
        if version.starts_with("scimform/"))
}

/// What a document yields when it is valid on its own (one per document, moved at once
/// into its `Document`: the size difference costs nothing worth a box).
#[allow(clippy::large_enum_variant)]
enum Checks {
    App(model::App),
    Part(model::AssignmentsPart),
}

fn check_document(
    file: &str,
    node: &yaml::Node,
    policy: &SecretPolicy,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Option<Checks>, usize) {
    let is_part = matches!(node.get("kind"), Some(yaml::Node { value: yaml::Value::String(kind), .. })
        if kind == raw::ASSIGNMENTS_KIND);
    if is_part {
        let checked = structure::check(node, crate::assignments_json_schema());
        let omitted = checked.omitted;
        let part = structured::<raw::AssignmentsDocument>(node, checked, diagnostics)
            .and_then(|(document, valid)| {
                let part = validate::validate_part(file, &document, node, policy, diagnostics);
                part.filter(|_| valid)
            })
            .map(Checks::Part);
        return (part, omitted);
    }
    let checked = structure::check(node, json_schema());
    let omitted = checked.omitted;
    let app = structured::<raw::AppDocument>(node, checked, diagnostics)
        .and_then(|(document, valid)| validate::validate(file, &document, node, policy, diagnostics).filter(|_| valid))
        .map(Checks::App);
    (app, omitted)
}

/// The document as its serde type, when the structural check left something to read,
/// with whether it was structurally valid (the semantic check still runs on a repaired
/// document, so that every problem is reported, but yields nothing).
fn structured<T: serde::de::DeserializeOwned>(
    node: &yaml::Node,
    checked: structure::Checked,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(T, bool)> {
    let structurally_valid = checked.diagnostics.is_empty();
    diagnostics.extend(checked.diagnostics);
    match checked.repaired.map(serde_json::from_value) {
        Some(Ok(document)) => Some((document, structurally_valid)),
        // Not a mapping (reported above), or broken beyond repair (also reported above).
        None => None,
        Some(Err(_)) if !structurally_valid => None,
        Some(Err(error)) => {
            // The structural check accepts exactly what the schema says; serde should agree.
            // If it ever does not, say so plainly rather than hide the document.
            diagnostics.push(Diagnostic::error(
                Code::WrongType,
                node.span,
                format!("document does not fit the spec: {error}"),
            ));
            None
        }
    }
}
