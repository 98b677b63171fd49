//! The project around the specs: the spec tree's root (each PATH's directory), its project
//! file (`scimform.yaml` there), the stack, and the secret policy that follows from them.

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
    file_roots.extend(project.file_directories.iter().cloned());
    (Context { stack, policy: SecretPolicy { file_roots, env_pattern: project.env_pattern } }, problems)
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
