//! The repository's tidy rules. Each failure names the file and what to do.

use scimform_tidy::{crate_sources, files_below, long_functions, relative};

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
        .map(|name| name.to_lowercase())
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
