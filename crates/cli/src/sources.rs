//! Finding and reading spec files: PATH arguments to named source texts.
//!
//! A PATH is a file (taken whatever its extension) or a directory (every `*.yaml` and
//! `*.yml` below it, recursively, hidden directories skipped, sorted by path so that
//! output and plans are the same on every machine; the project file `scimform.yaml` is not
//! a spec). Problems become diagnostics, so that `validate` reports them together with
//! everything else.
//!
//! Specs arrive in pull requests, so every path is confined to its tree (the directory
//! named, or a named file's directory): a symlink that leads out of it, to a file or a
//! directory, is refused and not read (`specs/env.yaml -> /proc/self/environ` would
//! otherwise print the runner's environment in an error's source line); a pipe, socket or
//! device below a directory is skipped with a warning; no file is read past the size
//! limit, and no run reads more than [`MAX_TOTAL_BYTES`] across its files. `validate`,
//! `plan`, `apply` and the project file all read through [`collect`] and [`read_confined`].

use std::path::{Path, PathBuf};

use scimform_spec::project::PROJECT_FILE;
use scimform_spec::{Code, Diagnostic, MAX_SOURCE_BYTES, MAX_TOTAL_BYTES, Severity, Source};

/// The sources found, and what went wrong finding them.
pub(crate) struct Found {
    pub(crate) sources: Vec<Source>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// A spec file to read, and the canonical root of the tree it must stay in.
struct Candidate {
    path: PathBuf,
    root: PathBuf,
}

/// Reads every spec file named by `paths` (the current directory when empty).
pub(crate) fn collect(paths: &[PathBuf]) -> Found {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() { &default[..] } else { paths };
    let mut found = Found { sources: Vec::new(), diagnostics: Vec::new() };
    let mut files = Vec::new();
    for path in paths {
        let display = display_path(path);
        let root = match tree_root(path) {
            Ok(root) => root,
            Err(diagnostic) => {
                found.diagnostics.push(Diagnostic { file: display, ..diagnostic });
                continue;
            }
        };
        if !path.is_dir() {
            files.push(Candidate { path: path.clone(), root });
            continue;
        }
        let before = files.len();
        let mut walker = Walker { root, ancestors: Vec::new(), files: &mut files, diagnostics: &mut found.diagnostics };
        if let Err(error) = walker.walk(path) {
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
    read_all(files, &mut found);
    found
}

/// Reads the candidates in order, each once, within the total budget.
fn read_all(files: Vec<Candidate>, found: &mut Found) {
    let mut seen = std::collections::BTreeSet::new();
    let mut total = 0usize;
    for file in files {
        let name = display_path(&file.path);
        if !seen.insert(name.clone()) {
            continue;
        }
        if total > MAX_TOTAL_BYTES {
            found.diagnostics.push(
                Diagnostic::for_file(
                    name,
                    Code::TooLarge,
                    format!(
                        "not read: the specs before it already hold more than the {MAX_TOTAL_BYTES} bytes one run reads"
                    ),
                )
                .with_help("plan fewer spec files at once (one stack per run), or check what the PATHs include"),
            );
            continue;
        }
        match read_confined(&file.path, &file.root) {
            Ok(text) => {
                total += text.len();
                found.sources.push(Source { name, text });
            }
            Err(diagnostic) => found.diagnostics.push(Diagnostic { file: name, ..diagnostic }),
        }
    }
}

/// The canonical directory a PATH's files must stay in: the directory itself, or a
/// file's directory. No symlink among the PATH's own components may lead out of the
/// directory it is written in (`specs -> /` is refused, `specs -> specs-v2` is not); for
/// an absolute PATH only its last component is checked, since the prefix is the
/// machine's (on some systems `/tmp` is itself a symlink).
fn tree_root(path: &Path) -> Result<PathBuf, Diagnostic> {
    let problem = |code, message: String| Diagnostic::for_file(String::new(), code, message);
    let canonical = |path: &Path| {
        std::fs::canonicalize(path).map_err(|error| {
            problem(Code::Io, format!("cannot read spec path: {error}"))
                .with_help("check the path; scimform takes spec files and directories of them")
        })
    };
    let target = canonical(path)?;
    let components: Vec<_> = path.components().collect();
    let checked_from = if path.is_absolute() { components.len().saturating_sub(1) } else { 0 };
    let mut prefix = PathBuf::new();
    for (index, component) in components.iter().enumerate() {
        let parent = if prefix.as_os_str().is_empty() { PathBuf::from(".") } else { prefix.clone() };
        prefix.push(component);
        let is_link = std::fs::symlink_metadata(&prefix).is_ok_and(|metadata| metadata.file_type().is_symlink());
        if index >= checked_from && is_link {
            let (inner, outer) = (canonical(&prefix)?, canonical(&parent)?);
            if !inner.starts_with(&outer) || inner == outer {
                return Err(outside(&inner));
            }
        }
    }
    if target.is_dir() {
        Ok(target)
    } else {
        canonical(match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        })
    }
}

fn outside(target: &Path) -> Diagnostic {
    Diagnostic::for_file(
        String::new(),
        Code::OutsideTree,
        format!("is a symlink that leads out of the spec tree (to `{}`); it was not read", target.display()),
    )
    .with_help("specs are read only inside the directories named; copy the file into the tree, or name its directory")
}

/// A spec or project file's text, read only when its real path is inside `root` (the
/// canonical tree root). Only regular files are opened (a named pipe would block, a
/// device would never end), and no more than the size limit plus one byte is read.
pub(crate) fn read_confined(path: &Path, root: &Path) -> Result<String, Diagnostic> {
    use std::io::Read;
    let problem = |code, message: String| Diagnostic::for_file(String::new(), code, message);
    let real =
        std::fs::canonicalize(path).map_err(|error| problem(Code::Io, format!("cannot read spec file: {error}")))?;
    if !real.starts_with(root) {
        return Err(outside(&real));
    }
    let metadata =
        std::fs::metadata(&real).map_err(|error| problem(Code::Io, format!("cannot read spec file: {error}")))?;
    if !metadata.is_file() {
        return Err(problem(
            Code::Io,
            "is not a regular file; scimform reads specs only from regular files".to_owned(),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&real)
        .and_then(|file| file.take(MAX_SOURCE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|error| problem(Code::Io, format!("cannot read spec file: {error}")))?;
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(problem(
            Code::TooLarge,
            format!("spec file is larger than the {MAX_SOURCE_BYTES} bytes scimform reads"),
        )
        .with_help("a spec describes a few apps: split this file (a long assignment list can go into `AppAssignments` documents in files of their own), or check that it is the file you meant"));
    }
    String::from_utf8(bytes).map_err(|_| problem(Code::Io, "cannot read spec file: it is not UTF-8 text".to_owned()))
}

/// Collects the spec files below a directory, confined to `root`.
struct Walker<'a> {
    /// The canonical tree root: nothing outside it is followed.
    root: PathBuf,
    /// The canonical paths of the directories being walked: a directory (through a
    /// symlink) that is one of them is a loop, reported once and not followed.
    ancestors: Vec<PathBuf>,
    files: &'a mut Vec<Candidate>,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Walker<'_> {
    fn walk(&mut self, directory: &Path) -> std::io::Result<()> {
        let canonical = std::fs::canonicalize(directory)?;
        if self.ancestors.contains(&canonical) {
            self.diagnostics.push(
                Diagnostic::for_file(
                    display_path(directory),
                    Code::SymlinkLoop,
                    format!("this directory leads back to `{}`, which is being read already", canonical.display()),
                )
                .with_help("remove the symlink, or name the spec directories without it"),
            );
            return Ok(());
        }
        self.ancestors.push(canonical);
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(directory)?.map(|entry| entry.map(|entry| entry.path())).collect::<Result<_, _>>()?;
        entries.sort();
        for entry in entries {
            self.visit(&entry)?;
        }
        self.ancestors.pop();
        Ok(())
    }

    fn visit(&mut self, entry: &Path) -> std::io::Result<()> {
        let name = entry.file_name().and_then(|name| name.to_str()).unwrap_or_default();
        let spec_like = entry.extension().is_some_and(|extension| extension == "yaml" || extension == "yml")
            && name != PROJECT_FILE;
        if name.starts_with('.') && entry.is_dir() {
            return Ok(());
        }
        if std::fs::symlink_metadata(entry)?.file_type().is_symlink() {
            match std::fs::canonicalize(entry) {
                Ok(target) if !target.starts_with(&self.root) => {
                    if spec_like || target.is_dir() {
                        self.push(entry, outside(&target));
                    }
                    return Ok(());
                }
                Ok(_) => {}
                Err(error) => {
                    if spec_like {
                        self.push(
                            entry,
                            Diagnostic::for_file(String::new(), Code::Io, format!("cannot read: {error}")),
                        );
                    }
                    return Ok(());
                }
            }
        }
        let metadata = std::fs::metadata(entry)?;
        if metadata.is_dir() {
            return self.walk(entry);
        }
        if !spec_like {
            return Ok(());
        }
        if metadata.is_file() {
            self.files.push(Candidate { path: entry.to_owned(), root: self.root.clone() });
        } else {
            let mut skipped = Diagnostic::for_file(
                String::new(),
                Code::NotAFile,
                "is not a regular file (a pipe, socket or device); skipped".to_owned(),
            )
            .with_help("keep only spec files in the spec tree");
            skipped.severity = Severity::Warning;
            self.push(entry, skipped);
        }
        Ok(())
    }

    fn push(&mut self, entry: &Path, diagnostic: Diagnostic) {
        self.diagnostics.push(Diagnostic { file: display_path(entry), ..diagnostic });
    }
}

/// A path as shown to users: as they wrote it, with `/` separators and no leading `./`.
pub(crate) fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    match text.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => text,
    }
}
