//! Finding and reading spec files: PATH arguments to named source texts.
//!
//! A PATH is a file (taken whatever its extension) or a directory (every `*.yaml` and
//! `*.yml` below it, recursively, hidden directories skipped, sorted by path so that
//! output and plans are the same on every machine). Problems become diagnostics, so that
//! `validate` reports them together with everything else.

use std::path::{Path, PathBuf};

use scimform_spec::{Code, Diagnostic, Source};

/// The sources found, and what went wrong finding them.
pub(crate) struct Found {
    pub(crate) sources: Vec<Source>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Reads every spec file named by `paths` (the current directory when empty).
pub(crate) fn collect(paths: &[PathBuf]) -> Found {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() { &default[..] } else { paths };
    let mut found = Found { sources: Vec::new(), diagnostics: Vec::new() };
    let mut files = Vec::new();
    for path in paths {
        let display = display_path(path);
        match std::fs::metadata(path) {
            Err(error) => found.diagnostics.push(
                Diagnostic::for_file(display, Code::Io, format!("cannot read spec path: {error}"))
                    .with_help("check the path; scimform takes spec files and directories of them"),
            ),
            Ok(metadata) if metadata.is_dir() => {
                let before = files.len();
                if let Err(error) = walk(path, &mut files) {
                    found.diagnostics.push(Diagnostic::for_file(
                        display.clone(),
                        Code::Io,
                        format!("cannot list directory: {error}"),
                    ));
                }
                if files.len() == before {
                    found.diagnostics.push(
                        Diagnostic::for_file(display, Code::NoSpecs, "no spec files (*.yaml, *.yml) in this directory")
                            .with_help("name a directory that holds specs, or the spec files themselves"),
                    );
                }
            }
            Ok(_) => files.push(path.clone()),
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for file in files {
        let name = display_path(&file);
        if !seen.insert(name.clone()) {
            continue;
        }
        match std::fs::read_to_string(&file) {
            Ok(text) => found.sources.push(Source { name, text }),
            Err(error) => {
                found.diagnostics.push(Diagnostic::for_file(name, Code::Io, format!("cannot read spec file: {error}")))
            }
        }
    }
    found
}

fn walk(directory: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(directory)?.map(|entry| entry.map(|entry| entry.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for entry in entries {
        let hidden = entry.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.starts_with('.'));
        if entry.is_dir() {
            if !hidden {
                walk(&entry, files)?;
            }
        } else if entry.extension().is_some_and(|extension| extension == "yaml" || extension == "yml") {
            files.push(entry);
        }
    }
    Ok(())
}

/// A path as shown to users: as they wrote it, with `/` separators and no leading `./`.
fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    match text.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => text,
    }
}
