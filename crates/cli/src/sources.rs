//! Finding and reading spec files: PATH arguments to named source texts.
//!
//! A PATH is a file (taken whatever its extension) or a directory (every `*.yaml` and
//! `*.yml` below it, recursively, hidden directories skipped, sorted by path so that
//! output and plans are the same on every machine; the project file `scimform.yaml` is not
//! a spec). Problems become diagnostics, so that
//! `validate` reports them together with everything else.

use std::path::{Path, PathBuf};

use scimform_spec::project::PROJECT_FILE;
use scimform_spec::{Code, Diagnostic, MAX_SOURCE_BYTES, Source};

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
                if let Err(error) = walk(path, &mut Vec::new(), &mut files, &mut found.diagnostics) {
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
        match read_bounded(&file) {
            Ok(text) => found.sources.push(Source { name, text }),
            Err(diagnostic) => found.diagnostics.push(Diagnostic { file: name, ..diagnostic }),
        }
    }
    found
}

/// A spec file's text. Only regular files are opened (a named pipe would block, a device
/// would never end), and no more than the size limit plus one byte is read.
pub(crate) fn read_bounded(path: &Path) -> Result<String, Diagnostic> {
    use std::io::Read;
    let problem = |code, message: String| Diagnostic::for_file(String::new(), code, message);
    let metadata =
        std::fs::metadata(path).map_err(|error| problem(Code::Io, format!("cannot read spec file: {error}")))?;
    if !metadata.is_file() {
        return Err(problem(
            Code::Io,
            "is not a regular file; scimform reads specs only from regular files".to_owned(),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_SOURCE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|error| problem(Code::Io, format!("cannot read spec file: {error}")))?;
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(problem(
            Code::TooLarge,
            format!("spec file is larger than the {MAX_SOURCE_BYTES} bytes scimform reads"),
        )
        .with_help("a spec describes a few apps; split this file, or check that it is the file you meant"));
    }
    String::from_utf8(bytes).map_err(|_| problem(Code::Io, "cannot read spec file: it is not UTF-8 text".to_owned()))
}

/// Collects the spec files below `directory`. `ancestors` are the canonical paths of the
/// directories being walked: a directory (through a symlink) that is one of them is a
/// loop, reported once and not followed.
fn walk(
    directory: &Path,
    ancestors: &mut Vec<PathBuf>,
    files: &mut Vec<PathBuf>,
    diagnostics: &mut Vec<Diagnostic>,
) -> std::io::Result<()> {
    let canonical = std::fs::canonicalize(directory)?;
    if ancestors.contains(&canonical) {
        diagnostics.push(
            Diagnostic::for_file(
                display_path(directory),
                Code::SymlinkLoop,
                format!("this directory leads back to `{}`, which is being read already", canonical.display()),
            )
            .with_help("remove the symlink, or name the spec directories without it"),
        );
        return Ok(());
    }
    ancestors.push(canonical);
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(directory)?.map(|entry| entry.map(|entry| entry.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for entry in entries {
        let hidden = entry.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.starts_with('.'));
        if entry.is_dir() {
            if !hidden {
                walk(&entry, ancestors, files, diagnostics)?;
            }
        } else if entry.extension().is_some_and(|extension| extension == "yaml" || extension == "yml")
            && entry.file_name().is_none_or(|name| name != PROJECT_FILE)
        {
            files.push(entry);
        }
    }
    ancestors.pop();
    Ok(())
}

/// A path as shown to users: as they wrote it, with `/` separators and no leading `./`.
pub(crate) fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    match text.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => text,
    }
}
