//! Diff cases as data: `tests/data/<case>/spec.yaml` with `live.json` (the live state,
//! absent for an empty tenant), optional `tokens.json` (`{"app": "unchanged"|"changed"}`)
//! and `options.json` (`{"prune": true, "stack": "…", "replace": ["app.x.provisioning.token"],
//! "allowDeletes": ["x"]}`), and the shared `directory.json`, give a plan
//! whose YAML is snapshotted in `tests/snapshots/`. A case named `error-*` must fail to
//! resolve, and its errors are snapshotted instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scimform_plan::state::{TokenCheck, TokenState};
use scimform_plan::{Directory, Live, Options};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn read_json<T: serde::de::DeserializeOwned + Default>(path: &Path) -> T {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display())),
        Err(_) => T::default(),
    }
}

fn run(case: &Path) -> String {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(case.join("spec.yaml")).unwrap();
    let loaded = scimform_spec::load(&[scimform_spec::Source { name: format!("{name}/spec.yaml"), text }]);
    let spec = loaded.spec.unwrap_or_else(|| panic!("{name}: the spec is invalid: {:?}", loaded.diagnostics));
    let live: Live = read_json(&case.join("live.json"));
    let directory: Directory = read_json(&data().join("directory.json"));
    let token_words: BTreeMap<String, String> = read_json(&case.join("tokens.json"));
    // `unchanged` or `changed`, with `-short` for a token under the minimum length.
    let tokens: BTreeMap<String, TokenCheck> = token_words
        .into_iter()
        .map(|(app, word)| {
            let state = if word.starts_with("unchanged") { TokenState::Unchanged } else { TokenState::Changed };
            (app, TokenCheck { state, short: word.ends_with("-short") })
        })
        .collect();
    let options: BTreeMap<String, serde_json::Value> = read_json(&case.join("options.json"));
    let options = Options {
        prune: options.get("prune").and_then(serde_json::Value::as_bool).unwrap_or(false),
        stack: options
            .get("stack")
            .and_then(serde_json::Value::as_str)
            .unwrap_or(scimform_plan::DEFAULT_STACK)
            .to_owned(),
        replace: strings(options.get("replace"))
            .iter()
            .map(|address| scimform_plan::Replacement::parse(address).unwrap())
            .collect(),
        allow_deletes: strings(options.get("allowDeletes")),
        only: strings(options.get("only")),
        acknowledge: strings(options.get("acknowledge")),
        destroy: options.get("destroy").and_then(serde_json::Value::as_bool).unwrap_or(false),
    };
    match scimform_plan::resolve(&spec, &directory, &live, &tokens, &options.stack) {
        Ok(desired) => {
            assert!(!name.starts_with("error-"), "{name}: expected resolution errors");
            let plan = scimform_plan::plan(&desired, &live, &options);
            assert_eq!(plan, scimform_plan::plan(&desired, &live, &options), "{name}: the planner is deterministic");
            serde_json::to_string_pretty(&plan).unwrap()
        }
        Err(errors) => {
            assert!(name.starts_with("error-"), "{name}: unexpected resolution errors: {errors:?}");
            errors
                .iter()
                .map(|error| {
                    format!(
                        "{}:{}:{}: {}\n",
                        error.origin.file, error.origin.span.line, error.origin.span.column, error.message
                    )
                })
                .collect()
        }
    }
}

fn strings(value: Option<&serde_json::Value>) -> Vec<String> {
    value
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.as_str().map(str::to_owned))
        .collect()
}

/// One test per case (`cargo test -p scimform-plan --test cases -- --list`), run in parallel.
fn main() -> std::process::ExitCode {
    let arguments = libtest_mimic::Arguments::from_args();
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(data()).unwrap().map(|entry| entry.unwrap().path()).filter(|path| path.is_dir()).collect();
    cases.sort();
    assert!(cases.len() >= 20, "the planner cases are missing from {}", data().display());
    let trials = cases
        .into_iter()
        .map(|case| {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            libtest_mimic::Trial::test(name.clone(), move || {
                let output = run(&case);
                insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
                    insta::assert_snapshot!(name, output);
                });
                Ok(())
            })
        })
        .collect();
    libtest_mimic::run(&arguments, trials).exit_code()
}
