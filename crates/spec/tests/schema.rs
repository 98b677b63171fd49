//! The committed JSON Schema, the examples and the structural check agree.
//!
//! `schemas/scimform.schema.json` is generated from the Rust types in `raw.rs`. A stale
//! copy fails here; `UPDATE_EXPECT=1 cargo test -p scimform-spec --test schema` rewrites it.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn yaml_files(directory: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "yaml"))
        .collect();
    files.sort();
    files
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(scimform_spec::json_schema()).expect("the generated schema is a valid JSON Schema")
}

/// Every document of a YAML file as JSON, read the way scimform reads YAML.
fn documents_as_json(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_multiple_with_options(&text, options).unwrap()
}

#[test]
fn committed_schemas_are_current() {
    for (file, expected) in [
        ("scimform.schema.json", scimform_spec::json_schema_text()),
        ("scimform-assignments.schema.json", scimform_spec::assignments_json_schema_text()),
    ] {
        let path = workspace_root().join("schemas").join(file);
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == expected,
            "schemas/{file} is stale: run `UPDATE_EXPECT=1 cargo test -p scimform-spec --test schema` and commit it"
        );
    }
}

/// `AppAssignments` documents agree with their own schema, and the app documents beside
/// them with theirs.
#[test]
fn split_assignments_agree_with_their_schemas() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ok/split-assignments");
    let apps = validator();
    let parts = jsonschema::validator_for(scimform_spec::assignments_json_schema()).expect("a valid JSON Schema");
    let mut checked = 0;
    for case in yaml_files(&data) {
        for document in documents_as_json(&case) {
            let is_part = document["kind"] == "AppAssignments";
            let validator = if is_part { &parts } else { &apps };
            assert!(validator.is_valid(&document), "{} fails its JSON Schema", case.display());
            assert!(!(if is_part { &apps } else { &parts }).is_valid(&document), "{} fits both", case.display());
            checked += 1;
        }
    }
    assert_eq!(checked, 4);
}

#[test]
fn examples_declare_the_schema_and_are_valid() {
    let examples = yaml_files(&workspace_root().join("examples"));
    assert!(examples.len() >= 3);
    let validator = validator();
    for example in examples {
        let text = std::fs::read_to_string(&example).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema=../schemas/scimform.schema.json\n"),
            "{} does not start with the schema line",
            example.display()
        );
        let loaded = scimform_spec::load(&[scimform_spec::Source { name: example.display().to_string(), text }]);
        assert_eq!(loaded.error_count(), 0, "{}: {:?}", example.display(), loaded.diagnostics);
        for document in documents_as_json(&example) {
            let errors: Vec<String> = validator.iter_errors(&document).map(|error| error.to_string()).collect();
            assert!(errors.is_empty(), "{} fails the JSON Schema: {errors:?}", example.display());
        }
    }
}

/// The structural check and an independent JSON Schema validator agree on the good cases,
/// and on the bad cases whose problems are structural.
#[test]
fn structural_check_agrees_with_a_json_schema_validator() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let validator = validator();
    for case in yaml_files(&data.join("ok")) {
        for document in documents_as_json(&case) {
            assert!(validator.is_valid(&document), "{} fails the JSON Schema", case.display());
        }
    }
    let structural = [
        "missing-api-version",
        "unsupported-api-version",
        "unknown-kind",
        "unknown-top-level-field",
        "unknown-nested-field",
        "missing-display-name",
        "name-not-string",
        "template-unknown-name",
        "template-wrong-type",
        "owners-not-list",
        "status-unknown",
        "status-boolean",
        "yaml11-boolean",
        "missing-credentials",
        "threshold-negative",
        "threshold-string",
        "scope-unknown",
        "user-unknown-field",
        "group-wrong-type",
        "policy-unknown",
        "empty-mapping-provisioning",
    ];
    for name in structural {
        let documents = documents_as_json(&data.join(format!("err/{name}.yaml")));
        assert!(documents.iter().any(|document| !validator.is_valid(document)), "err/{name} passes the JSON Schema");
    }
}

/// The structural check understands a fixed set of schema keywords; a new one appearing
/// (a new serde or schemars attribute in `raw.rs`) must be taught to it first.
#[test]
fn schema_uses_only_keywords_the_structural_check_knows() {
    const KNOWN: [&str; 17] = [
        "$schema",
        "$id",
        "$defs",
        "$ref",
        "title",
        "description",
        "type",
        "const",
        "oneOf",
        "anyOf",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minimum",
        "format",
        // An annotation (editors offer them as completions); nothing to check.
        "examples",
    ];
    fn walk(value: &serde_json::Value, in_properties: bool, found: &mut Vec<String>) {
        if let serde_json::Value::Object(object) = value {
            for (key, child) in object {
                if !in_properties && !KNOWN.contains(&key.as_str()) && key != "default" {
                    found.push(key.clone());
                }
                walk(child, !in_properties && (key == "properties" || key == "$defs"), found);
            }
        } else if let serde_json::Value::Array(items) = value {
            for item in items {
                walk(item, false, found);
            }
        }
    }
    let mut unknown = Vec::new();
    walk(scimform_spec::json_schema(), false, &mut unknown);
    walk(scimform_spec::assignments_json_schema(), false, &mut unknown);
    assert!(unknown.is_empty(), "unknown schema keywords: {unknown:?}");
}
