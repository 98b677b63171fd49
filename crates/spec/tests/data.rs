//! Tests as data: every case under `tests/data/ok` must load without errors, every case
//! under `tests/data/err` must fail, and both have an insta snapshot of what loading
//! reports. A case is a YAML file or a directory of them (for rules across files).
//!
//! Add a case by adding a file; review its new snapshot with `cargo insta review` (or run
//! with `INSTA_UPDATE=always` and read the diff).

use std::path::{Path, PathBuf};

use scimform_spec::{Loaded, Source};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The cases in `tests/data/<kind>`, sorted, each with its sources.
fn cases(kind: &str) -> Vec<(String, Vec<Source>)> {
    let root = data_dir();
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(root.join(kind)).unwrap().map(|entry| entry.unwrap().path()).collect();
    entries.sort();
    entries
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let files = if path.is_dir() {
                let mut files: Vec<PathBuf> =
                    std::fs::read_dir(&path).unwrap().map(|entry| entry.unwrap().path()).collect();
                files.sort();
                files
            } else {
                vec![path]
            };
            let sources = files
                .iter()
                .map(|file| Source {
                    name: file.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"),
                    text: std::fs::read_to_string(file).unwrap(),
                })
                .collect();
            (name, sources)
        })
        .collect()
}

/// One line per diagnostic, as `file:line:col: severity[code]: message`, help indented.
fn render(loaded: &Loaded) -> String {
    let mut out = String::new();
    for diagnostic in &loaded.diagnostics {
        out.push_str(&format!(
            "{}:{}:{}: {}[{}]: {}\n",
            diagnostic.file,
            diagnostic.span.line,
            diagnostic.span.column,
            diagnostic.severity,
            diagnostic.code,
            diagnostic.message
        ));
        if let Some(help) = &diagnostic.help {
            out.push_str(&format!("    help: {help}\n"));
        }
    }
    out
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

/// A case under `ok/`: loads without errors, the same way twice, and builds a spec.
fn ok_case(name: &str, sources: &[Source]) {
    let loaded = scimform_spec::load(sources);
    assert_eq!(loaded.error_count(), 0, "ok/{name} has errors:\n{}", render(&loaded));
    assert_eq!(render(&loaded), render(&scimform_spec::load(sources)), "ok/{name}: loading is deterministic");
    let spec = loaded.spec.as_ref().expect("a spec without errors is built");
    snapshot(&format!("ok__{name}"), &format!("{}\n{spec:#?}\n", render(&loaded)));
}

/// A case under `err/`: fails, the same way twice, every diagnostic inside its file.
fn err_case(name: &str, sources: &[Source]) {
    let loaded = scimform_spec::load(sources);
    assert!(loaded.error_count() > 0, "err/{name} loaded without errors");
    assert!(loaded.spec.is_none(), "err/{name} built a spec");
    assert_eq!(render(&loaded), render(&scimform_spec::load(sources)), "err/{name}: loading is deterministic");
    for diagnostic in &loaded.diagnostics {
        let source = sources.iter().find(|source| source.name == diagnostic.file).expect("diagnostic names a source");
        let lines = source.text.lines().count() as u32;
        assert!(
            (1..=lines.max(1)).contains(&diagnostic.span.line) && diagnostic.span.column >= 1,
            "err/{name}: {diagnostic:?} points outside its file"
        );
    }
    snapshot(&format!("err__{name}"), &render(&loaded));
}

/// A token written inline must never be repeated by a diagnostic: CI logs are not secret.
fn inline_secrets_are_not_echoed() {
    const TOKENS: [&str; 2] = ["inline-token-must-never-be-echoed-7f3a", "hunter2-base-url-secret"];
    let mut checked = 0;
    for (name, sources) in cases("err") {
        if !sources.iter().any(|source| TOKENS.iter().any(|token| source.text.contains(token))) {
            continue;
        }
        checked += 1;
        let loaded = scimform_spec::load(&sources);
        let rendered = format!("{}{:?}", render(&loaded), loaded.diagnostics);
        for token in TOKENS {
            assert!(!rendered.contains(token), "err/{name} echoes a secret");
        }
        assert!(
            loaded.diagnostics.iter().any(|diagnostic| diagnostic.conceals_secret),
            "err/{name} does not mark its secret line"
        );
    }
    assert_eq!(checked, 3);
}

/// One test per case (`cargo test -p scimform-spec --test data -- --list`), run in parallel.
fn main() -> std::process::ExitCode {
    let arguments = libtest_mimic::Arguments::from_args();
    let (ok, err) = (cases("ok"), cases("err"));
    assert!(!ok.is_empty());
    assert!(err.len() >= 30, "the spec language keeps at least 30 distinct bad-input cases");
    let mut trials = vec![libtest_mimic::Trial::test("inline_secrets_are_not_echoed", || {
        inline_secrets_are_not_echoed();
        Ok(())
    })];
    for (name, sources) in ok {
        trials.push(libtest_mimic::Trial::test(format!("ok::{name}"), move || {
            ok_case(&name, &sources);
            Ok(())
        }));
    }
    for (name, sources) in err {
        trials.push(libtest_mimic::Trial::test(format!("err::{name}"), move || {
            err_case(&name, &sources);
            Ok(())
        }));
    }
    libtest_mimic::run(&arguments, trials).exit_code()
}
