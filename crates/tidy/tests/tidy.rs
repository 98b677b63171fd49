//! The repository's tidy rules. Each failure names the file and what to do.

use scimform_tidy::modules::{ModuleGraph, declared_floors};
use scimform_tidy::{crate_sources, files_below, long_functions, relative, workspace_root};

/// Graph's provisioning vocabulary: setting names and the job's status strings. They
/// belong to `crates/apply/src/wire.rs`; the planner speaks scimform.
const GRAPH_WORDS: &[&str] = &[
    "BaseAddress",
    "SecretToken",
    "SyncAll",
    "SkipOutOfScopeDeletions",
    "SyncNotificationSettings",
    "DeleteThresholdEnabled",
    "DeleteThresholdValue",
    "Recipients",
    "\"Active\"",
    "\"Paused\"",
    "\"Disabled\"",
    "\"Quarantine\"",
    "\"NotConfigured\"",
    "\"NotRun\"",
    "\"Watermark",
    "\"QuarantineState\"",
    "TooManyDeletes",
];

#[test]
fn the_planner_does_not_speak_graph() {
    let mut offences = Vec::new();
    for path in files_below("crates/plan") {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        for (number, line) in text.lines().enumerate() {
            for word in GRAPH_WORDS.iter().filter(|word| line.contains(*word)) {
                offences.push(format!("{}:{}: {word}", relative(&path), number + 1));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "Graph's provisioning vocabulary appears in crates/plan; decode and encode it in crates/apply/src/wire.rs and give the planner typed values:\n{}",
        offences.join("\n")
    );
}

#[test]
fn no_function_is_longer_than_100_lines() {
    let mut offences = Vec::new();
    for path in crate_sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        for (line, name, length) in long_functions(&text, 100) {
            offences.push(format!("{}:{line}: fn {name} has {length} lines", relative(&path)));
        }
    }
    assert!(offences.is_empty(), "functions over 100 lines; split them by step or phase:\n{}", offences.join("\n"));
}

#[test]
fn every_source_file_says_what_it_is_for() {
    let missing: Vec<String> = crate_sources()
        .into_iter()
        .filter(|path| !std::fs::read_to_string(path).unwrap().starts_with("//!"))
        .map(|path| relative(&path))
        .collect();
    assert!(missing.is_empty(), "source files without a `//!` header:\n{}", missing.join("\n"));
}

/// Every `scimform <command>` that a message or a document mentions names a command that
/// exists (the subcommands of `crates/cli/src/cli.rs`).
#[test]
fn messages_name_commands_that_exist() {
    let cli = std::fs::read_to_string(scimform_tidy::workspace_root().join("crates/cli/src/cli.rs")).unwrap();
    let commands_block = cli.split("pub(crate) enum Command {").nth(1).unwrap().split("\n}").next().unwrap();
    let commands: Vec<String> = commands_block
        .lines()
        .filter_map(|line| line.trim().split_once('(').map(|(name, _)| name.to_owned()))
        .filter(|name| name.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
        // clap's names: `ScimCheck` is `scim-check`.
        .map(|name| {
            name.chars().enumerate().fold(String::new(), |mut kebab, (index, c)| {
                if c.is_ascii_uppercase() && index > 0 {
                    kebab.push('-');
                }
                kebab.push(c.to_ascii_lowercase());
                kebab
            })
        })
        .collect();
    assert!(commands.len() >= 9, "found the commands {commands:?} in cli.rs");
    let mut files = crate_sources();
    files.extend(files_below("crates/cli/tests/scenarios"));
    files.extend(["README.md", "ARCHITECTURE.md"].map(|file| scimform_tidy::workspace_root().join(file)));
    let mut offences = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        for (index, _) in text.match_indices("`scimform ") {
            let word: String = text[index + 10..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '-').collect();
            if !word.is_empty() && !commands.contains(&word) {
                offences.push(format!("{}: `scimform {word}`", relative(&path)));
            }
        }
    }
    assert!(offences.is_empty(), "messages name commands that do not exist ({commands:?}):\n{}", offences.join("\n"));
}

#[test]
fn the_sources_are_found() {
    let sources = crate_sources();
    assert!(sources.len() > 40, "found only {} sources: is the workspace root right?", sources.len());
    assert!(sources.iter().any(|path| path.ends_with("crates/plan/src/diff.rs")));
}

/// The crates whose modules stand in floors: no module names one above it, and no files
/// name each other in a circle.
const FLOORED_CRATES: &[&str] = &["emulator", "plan", "apply", "scim-check"];

#[test]
fn modules_stand_in_floors_without_circles() {
    let mut offences = Vec::new();
    for name in FLOORED_CRATES {
        let src = workspace_root().join("crates").join(name).join("src");
        let graph = ModuleGraph::read(&src);
        for circle in graph.circles() {
            offences.push(format!("crates/{name}: these modules name each other in a circle: {}", circle.join(", ")));
        }
        let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
        let Some(floors) = declared_floors(&lib) else {
            offences.push(format!("crates/{name}/src/lib.rs: declare the floors of its modules (`//! Floors: a → b`)"));
            continue;
        };
        for (from, to, low, high) in graph.upward_edges(&floors) {
            if low == usize::MAX {
                offences.push(format!("crates/{name}: module `{from}` stands on no declared floor; add it to lib.rs"));
            } else {
                offences.push(format!(
                    "{}: `{from}` (floor {low}) names `{to}` (floor {high}), which stands above it",
                    graph.files[&from]
                ));
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

/// The top-level directories whose paths documents name as repository paths.
const REPOSITORY_DIRS: &[&str] =
    &["crates/", "reference/", "examples/", "schemas/", "ci-examples/", "completions/", "man/", ".ci/"];

/// The repository paths a text names in backticks: those under a repository directory, and
/// Rust file names.
fn named_repository_paths(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|quoted| !quoted.contains([' ', '{', '*', '<', '…', '$']) && !quoted.contains("://"))
        .map(|quoted| quoted.split(':').next().unwrap_or(quoted).trim_end_matches(['.', ',']))
        .filter(|path| REPOSITORY_DIRS.iter().any(|dir| path.starts_with(dir)) || path.ends_with(".rs"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn documents_name_paths_that_exist() {
    let root = workspace_root();
    let every_file: Vec<String> =
        files_below(".").iter().map(|path| relative(path)).filter(|path| !path.starts_with(".git/")).collect();
    let exists = |path: &str| {
        let bare = path.trim_end_matches('/');
        root.join(bare).exists()
            || every_file.iter().any(|file| file == bare || file.ends_with(&format!("/{bare}")))
            || every_file.iter().any(|file| file.contains(&format!("/{bare}/")))
    };
    let mut documents: Vec<(String, String)> = ["README.md", "ARCHITECTURE.md"]
        .iter()
        .map(|name| (name.to_string(), std::fs::read_to_string(root.join(name)).unwrap()))
        .collect();
    for path in crate_sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        let header: String = text.lines().take_while(|line| line.starts_with("//!")).collect::<Vec<_>>().join("\n");
        documents.push((relative(&path), header));
    }
    let mut offences = Vec::new();
    for (name, text) in &documents {
        for path in named_repository_paths(text) {
            if !exists(&path) {
                offences.push(format!("{name}: names `{path}`, which is not in the repository"));
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

#[test]
fn the_code_map_names_every_module() {
    let architecture = std::fs::read_to_string(workspace_root().join("ARCHITECTURE.md")).unwrap();
    let mut missing = Vec::new();
    for path in crate_sources() {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let named = match file.as_str() {
            "lib.rs" | "main.rs" => continue,
            "mod.rs" => format!("{}/", path.parent().unwrap().file_name().unwrap().to_string_lossy()),
            _ => file.clone(),
        };
        let stem = named.trim_end_matches(".rs").trim_end_matches('/');
        let quoted = [format!("`{named}"), format!("/{named}`"), format!("`{stem}`")];
        if !quoted.iter().any(|text| architecture.contains(text.as_str())) {
            missing.push(format!("{}: ARCHITECTURE.md's code map does not name it", relative(&path)));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
