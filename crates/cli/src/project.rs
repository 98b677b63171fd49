//! The project around the specs: the spec tree's root (each PATH's directory), its project
//! file (`scimform.yaml` there), the stack, and the secret policy that follows from them.
//!
//! The project file is in the pull request's tree, so what it may loosen is bounded: its
//! `tokens.env` pattern gives way to the pipeline's `SCIMFORM_TOKEN_ENV` when that is set,
//! and its `tokens.fileDirectories` must stay inside the repository (the nearest directory
//! above the project file holding `.git`, else the project file's own directory).

use std::path::{Path, PathBuf};

use scimform_spec::project::{DEFAULT_STACK, PROJECT_FILE, Project, parse_project};
use scimform_spec::{Code, Diagnostic, SecretPolicy};

/// What a run knows about its project.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    /// The stack the specs belong to.
    pub(crate) stack: String,
    /// Where specs may take secrets from.
    pub(crate) policy: SecretPolicy,
    /// Plan warnings the project file accepts for every app (`ignoreWarnings`).
    pub(crate) ignore_warnings: Vec<scimform_spec::model::WarningCode>,
}

impl Context {
    /// The directories token files must really be in (for the token reader, which follows
    /// symlinks).
    pub(crate) fn file_roots(&self) -> Vec<PathBuf> {
        self.policy.file_roots.iter().map(|root| PathBuf::from(if root.is_empty() { "." } else { root })).collect()
    }
}

/// Finds the project of `paths` (the current directory when empty). `stack_flag` is
/// `--stack`; it must agree with the project file's `stack` when both are given.
pub(crate) fn discover(paths: &[PathBuf], stack_flag: Option<&str>) -> (Context, Vec<Diagnostic>) {
    let mut roots: Vec<String> = Vec::new();
    let mut project: Option<(String, Project)> = None;
    let mut problems = Vec::new();
    let default = [PathBuf::from(".")];
    for path in if paths.is_empty() { &default[..] } else { paths } {
        let root = tree_root(path);
        if roots.contains(&root) {
            continue;
        }
        roots.push(root.clone());
        let directory = Path::new(if root.is_empty() { "." } else { &root });
        let file = directory.join(PROJECT_FILE);
        if std::fs::symlink_metadata(&file).is_err() {
            continue;
        }
        let name = crate::sources::display_path(&file);
        let confined = std::fs::canonicalize(directory)
            .map_err(|error| Diagnostic::for_file(String::new(), Code::Io, format!("cannot read: {error}")))
            .and_then(|root| crate::sources::read_confined(&file, &root));
        match confined.and_then(|text| parse_project(&name, &text)) {
            Ok(found) => match &project {
                Some((first, known)) if known != &found => problems.push(problem(
                    &name,
                    format!("this project file differs from `{first}`; the specs of one run belong to one project"),
                    "plan the two spec trees in separate runs",
                )),
                _ => project = Some((name, found)),
            },
            Err(diagnostic) => problems.push(Diagnostic { file: name, ..diagnostic }),
        }
    }
    let (file, project) = project.unwrap_or_default();
    if let Some(flag) = stack_flag.filter(|flag| !scimform_spec::project::is_stack_name(flag)) {
        problems.push(problem(
            "--stack",
            format!("stack `{flag}` is not a lowercase slug"),
            "use letters, digits and hyphens, starting with a letter, such as `payroll`",
        ));
    }
    let stack = match (stack_flag, project.stack.as_deref()) {
        (Some(flag), Some(file_stack)) if flag != file_stack => {
            problems.push(problem(
                &file,
                format!("--stack {flag} contradicts `stack: {file_stack}` here"),
                "drop --stack, or run from the project this stack belongs to",
            ));
            flag.to_owned()
        }
        (Some(flag), _) => flag.to_owned(),
        (None, Some(file_stack)) => file_stack.to_owned(),
        (None, None) => DEFAULT_STACK.to_owned(),
    };
    let mut file_roots = roots;
    for directory in &project.file_directories {
        match outside_repository(&file, directory) {
            Some(repository) => problems.push(
                Diagnostic::for_file(
                    file.clone(),
                    Code::ForbiddenSecretSource,
                    format!(
                        "`tokens.fileDirectories` names `{directory}`, outside the repository (`{}`); specs may not read token files from the machine",
                        repository.display()
                    ),
                )
                .with_help("keep token files inside the repository, or take the token from a `*_SCIM_TOKEN` variable"),
            ),
            None => file_roots.push(directory.clone()),
        }
    }
    let env_pattern = pipeline_pattern().or(project.env_pattern);
    let ignore_warnings = project.ignore_warnings;
    (Context { stack, policy: SecretPolicy { file_roots, env_pattern }, ignore_warnings }, problems)
}

/// The pipeline's token variable pattern (`SCIMFORM_TOKEN_ENV`), which wins over the
/// project file's.
fn pipeline_pattern() -> Option<String> {
    std::env::var("SCIMFORM_TOKEN_ENV").ok().filter(|pattern| !pattern.trim().is_empty())
}

/// The repository `directory` (from the project file `project_file`) leaves, or `None`
/// when it stays inside. Compared by real paths where they exist (a symlink cannot carry
/// it out), by text otherwise.
fn outside_repository(project_file: &str, directory: &str) -> Option<PathBuf> {
    let base =
        Path::new(project_file).parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let base = std::fs::canonicalize(base).ok()?;
    let repository = base.ancestors().find(|ancestor| ancestor.join(".git").exists()).unwrap_or(&base).to_owned();
    let wanted = Path::new(directory);
    let real = std::fs::canonicalize(wanted).unwrap_or_else(|_| {
        let joined = if wanted.is_absolute() {
            wanted.to_owned()
        } else {
            std::env::current_dir().unwrap_or_default().join(wanted)
        };
        joined.components().fold(PathBuf::new(), |mut path, component| {
            match component {
                std::path::Component::ParentDir => {
                    path.pop();
                }
                std::path::Component::CurDir => {}
                other => path.push(other),
            }
            path
        })
    });
    (!real.starts_with(&repository)).then_some(repository)
}

/// The directory a PATH's specs live in: the PATH itself for a directory, else its parent
/// (`""` for a file in the current directory).
fn tree_root(path: &Path) -> String {
    let directory = if path.is_dir() { path } else { path.parent().unwrap_or(Path::new("")) };
    let shown = crate::sources::display_path(directory);
    if shown == "." { String::new() } else { shown }
}

fn problem(file: &str, message: String, help: &str) -> Diagnostic {
    Diagnostic::for_file(file.to_owned(), Code::Conflict, message).with_help(help)
}
