//! The project file (`scimform.yaml` at the root of the spec tree) and the rules specs
//! must follow about where secrets come from.
//!
//! Specs are untrusted input: they arrive in pull requests from people who should not see
//! the pipeline's own credentials. So a spec's token reference is held to an allow-list:
//! `fromEnv` names must match a pattern ([`DEFAULT_ENV_PATTERN`] unless the project file or
//! the pipeline says otherwise; the pipeline's setting wins, since the project file is in
//! the pull request's tree), and never name the variables that sign scimform in or that CI
//! systems hold ([`FORBIDDEN_VARIABLES`], whatever the pattern); `fromFile` paths stay in
//! the spec tree unless the project allows more directories (inside the repository).
//!
//! ```yaml
//! stack: payroll                  # the ownership scope `--prune` acts within
//! tokens:
//!   env: "*_SCIM_TOKEN"           # fromEnv names must match this pattern
//!   fileDirectories: [../secrets] # fromFile may also read here (relative to this file)
//! ignoreWarnings: [nested-group]  # plan warnings accepted for every app
//! ```

use serde::Deserialize;

use crate::diagnostic::{Code, Diagnostic, Span};

/// The project file's name, looked for at the root of the spec tree (and never read as a
/// spec).
pub const PROJECT_FILE: &str = "scimform.yaml";

/// The stack of apps whose markers carry none (made before stacks existed).
pub const DEFAULT_STACK: &str = "default";

/// The pattern `fromEnv` names must match when neither the pipeline nor the project file
/// sets one: a SCIM token's variable says what it holds.
pub const DEFAULT_ENV_PATTERN: &str = "*_SCIM_TOKEN";

/// Variables a spec may never read a token from, whatever the pattern allows: scimform's
/// own sign-in, and what CI systems, clouds and package registries keep their credentials
/// in (compared without case; a prefix ends with `_`). Azure Pipelines' `AzureCLI` task
/// exposes the federated `idToken` and `servicePrincipalKey` as plain variables.
pub const FORBIDDEN_VARIABLES: &[&str] = &[
    "AZURE_",
    "ARM_",
    "MSI_",
    "IDENTITY_",
    "ACTIONS_",
    "GITHUB_",
    "RUNNER_",
    "SYSTEM_",
    "AGENT_",
    "BUILD_",
    "CI_",
    "GITLAB_",
    "AWS_",
    "GOOGLE_",
    "VAULT_",
    "SCIMFORM_",
    "GH_TOKEN",
    "ACCESS_TOKEN",
    "IDTOKEN",
    "SERVICEPRINCIPALKEY",
    "SERVICEPRINCIPALID",
    "TENANTID",
    "NPM_",
    "NODE_AUTH_TOKEN",
    "DOCKER_",
    "TF_",
    "HOMEBREW_",
    "CARGO_REGISTRY_",
    "PYPI_",
    "TWINE_",
];

/// The project file, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    /// Its stack, when it names one.
    pub stack: Option<String>,
    /// The pattern `fromEnv` names must match (`*` matches any run of characters).
    pub env_pattern: Option<String>,
    /// More directories `fromFile` may read, joined to the project file's directory.
    pub file_directories: Vec<String>,
    /// Plan warnings accepted for every app of the project (`ignoreWarnings`).
    pub ignore_warnings: Vec<crate::model::WarningCode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawProject {
    #[serde(default)]
    stack: Option<String>,
    #[serde(default)]
    tokens: Option<RawTokens>,
    #[serde(default)]
    ignore_warnings: Vec<crate::model::WarningCode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawTokens {
    #[serde(default)]
    env: Option<String>,
    #[serde(default)]
    file_directories: Vec<String>,
}

/// Parses the project file `text`, found at `path` (as the user would write it).
pub fn parse_project(path: &str, text: &str) -> Result<Project, Diagnostic> {
    let failed = |message: String, help: &str| {
        let mut diagnostic =
            Diagnostic::error(Code::Syntax, Span { line: 1, column: 1, len: 0 }, message).with_help(help);
        diagnostic.file = path.to_owned();
        diagnostic
    };
    if let Some(diagnostic) = crate::strict::too_large(text) {
        return Err(Diagnostic { file: path.to_owned(), ..diagnostic });
    }
    let raw: RawProject = if text.trim().is_empty() {
        RawProject { stack: None, tokens: None, ignore_warnings: Vec::new() }
    } else {
        serde_saphyr::from_str(text).map_err(|error| {
            failed(
                format!("the project file cannot be read: {error}"),
                "it takes `stack:`, `tokens: { env:, fileDirectories: [] }` and `ignoreWarnings: [code, …]`",
            )
        })?
    };
    if let Some(stack) = &raw.stack
        && !crate::validate::is_slug(stack)
    {
        return Err(failed(
            format!("stack `{stack}` is not a lowercase slug"),
            "use letters, digits and hyphens, starting with a letter, such as `payroll`",
        ));
    }
    let tokens = raw.tokens.unwrap_or(RawTokens { env: None, file_directories: Vec::new() });
    let base = std::path::Path::new(path).parent().unwrap_or(std::path::Path::new(""));
    let file_directories =
        tokens.file_directories.iter().map(|directory| crate::validate::beside_directory(base, directory)).collect();
    Ok(Project { stack: raw.stack, env_pattern: tokens.env, file_directories, ignore_warnings: raw.ignore_warnings })
}

/// Where specs may take secrets from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretPolicy {
    /// Directories `fromFile` may read (the spec tree's root and the project's extra
    /// directories), as paths like the spec file names. Empty: each spec file's own
    /// directory tree.
    pub file_roots: Vec<String>,
    /// The pattern `fromEnv` names must match; `None`: [`DEFAULT_ENV_PATTERN`].
    pub env_pattern: Option<String>,
}

impl SecretPolicy {
    /// The pattern in force.
    pub fn pattern(&self) -> &str {
        self.env_pattern.as_deref().unwrap_or(DEFAULT_ENV_PATTERN)
    }

    /// Why a `fromEnv` name is not allowed, or `None`.
    pub(crate) fn refuse_variable(&self, name: &str) -> Option<(String, String)> {
        let upper = name.to_ascii_uppercase();
        if let Some(rule) = FORBIDDEN_VARIABLES
            .iter()
            .find(|rule| if rule.ends_with('_') { upper.starts_with(*rule) } else { upper == **rule })
        {
            let shown = if rule.ends_with('_') { format!("{rule}*") } else { (*rule).to_owned() };
            return Some((
                format!("`{name}` is a pipeline credential ({shown}); a spec may not send it anywhere"),
                "put the SCIM token in a variable of its own, such as `NETSKOPE_SCIM_TOKEN`".to_owned(),
            ));
        }
        let pattern = self.pattern();
        (!matches_pattern(pattern, name)).then(|| {
            (
                format!("`{name}` does not match the token variable pattern `{pattern}`"),
                format!(
                    "name the variable to match `{pattern}`, such as `NETSKOPE_SCIM_TOKEN` (the pattern is `tokens.env` in {PROJECT_FILE}, or the pipeline's SCIMFORM_TOKEN_ENV, which wins)"
                ),
            )
        })
    }

    /// Why a `fromFile` path (already joined to its spec file's directory) is not allowed.
    pub(crate) fn refuse_file(&self, written: &str, joined: &str, spec_file: &str) -> Option<(String, String)> {
        let inside = |root: &str| lexically_inside(joined, root);
        let allowed = if self.file_roots.is_empty() {
            let own = std::path::Path::new(spec_file).parent().map(|dir| dir.to_string_lossy().into_owned());
            !std::path::Path::new(written).is_absolute() && inside(own.as_deref().unwrap_or(""))
        } else {
            self.file_roots.iter().any(|root| inside(root))
        };
        (!allowed).then(|| {
            (
                format!("token file `{written}` is outside the spec tree"),
                format!(
                    "keep token files inside the spec directory, or allow their directory in {PROJECT_FILE} (`tokens.fileDirectories`)"
                ),
            )
        })
    }
}

/// Whether `name` can be a stack: a lowercase slug, like an app name.
pub fn is_stack_name(name: &str) -> bool {
    crate::validate::is_slug(name)
}

/// `*` matches any run of characters; everything else matches itself.
pub fn matches_pattern(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return pattern == text;
    }
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(index) => rest = &rest[index + middle.len()..],
            None => return false,
        }
    }
    true
}

/// The components of a path, `.` dropped and `..` applied; a `..` that climbs above the
/// start is kept (`../specs/t` stays so); `None` when `..` climbs above the root.
fn normalized(path: &str) -> Option<Vec<String>> {
    use std::path::Component;
    let mut parts: Vec<String> = Vec::new();
    for component in std::path::Path::new(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match parts.last().map(String::as_str) {
                None | Some("..") => parts.push("..".to_owned()),
                Some("/") => return None,
                Some(_) => {
                    parts.pop();
                }
            },
            Component::RootDir => parts.push("/".to_owned()),
            Component::Prefix(prefix) => parts.push(prefix.as_os_str().to_string_lossy().into_owned()),
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
        }
    }
    Some(parts)
}

/// Whether `path` stays inside `root`, by the text of both (symlinks are checked when the
/// file is read): it starts with the root, and what follows climbs no higher and is not
/// absolute (`/etc/hostname` is not inside the current directory `""`).
pub fn lexically_inside(path: &str, root: &str) -> bool {
    match (normalized(path), normalized(root)) {
        (Some(path), Some(root)) => {
            path.len() > root.len()
                && path.starts_with(&root)
                && path[root.len()..].iter().all(|part| part != ".." && part != "/")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(matches_pattern("*_SCIM_TOKEN", "NETSKOPE_SCIM_TOKEN"));
        assert!(!matches_pattern("*_SCIM_TOKEN", "NETSKOPE_TOKEN"));
        assert!(matches_pattern("APP_*_TOKEN", "APP_X_Y_TOKEN"));
        assert!(!matches_pattern("APP_*_TOKEN", "APP_TOKEN"));
        assert!(matches_pattern("EXACT", "EXACT"));
        assert!(matches_pattern("*", "ANYTHING"));
    }

    #[test]
    fn variables() {
        let policy = SecretPolicy::default();
        for forbidden in [
            "AZURE_CLIENT_SECRET",
            "ARM_CLIENT_SECRET",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            "GITHUB_TOKEN",
            "SYSTEM_ACCESSTOKEN",
            "azure_client_secret",
        ] {
            assert!(policy.refuse_variable(forbidden).is_some(), "{forbidden}");
        }
        assert!(policy.refuse_variable("NETSKOPE_SCIM_TOKEN").is_none());
        let narrow = SecretPolicy { env_pattern: Some("*_SCIM_TOKEN".to_owned()), ..SecretPolicy::default() };
        assert!(narrow.refuse_variable("DATABASE_PASSWORD").is_some());
        // The allow-list holds by default; the deny-list holds whatever the pattern.
        for refused in ["DATABASE_PASSWORD", "idToken", "servicePrincipalKey", "NPM_TOKEN", "SCIM_TOKEN"] {
            assert!(policy.refuse_variable(refused).is_some(), "{refused}");
        }
        let wide = SecretPolicy { env_pattern: Some("*".to_owned()), ..SecretPolicy::default() };
        assert!(wide.refuse_variable("DATABASE_PASSWORD").is_none());
        for refused in ["idToken", "servicePrincipalKey", "NPM_TOKEN", "AZURE_CLIENT_SECRET", "TF_VAR_x"] {
            assert!(wide.refuse_variable(refused).is_some(), "{refused}");
        }
    }

    #[test]
    fn files() {
        let policy = SecretPolicy { file_roots: vec!["specs".to_owned()], env_pattern: None };
        assert!(policy.refuse_file("t", "specs/t", "specs/a.yaml").is_none());
        assert!(policy.refuse_file("../t", "specs/sub/../t", "specs/sub/a.yaml").is_none());
        assert!(policy.refuse_file("../t", "specs/../t", "specs/a.yaml").is_some());
        assert!(policy.refuse_file("/etc/shadow", "/etc/shadow", "specs/a.yaml").is_some());
        let own = SecretPolicy::default();
        assert!(own.refuse_file("t", "dir/t", "dir/a.yaml").is_none());
        assert!(own.refuse_file("../t", "dir/../t", "dir/a.yaml").is_some());
        assert!(own.refuse_file("/etc/passwd", "/etc/passwd", "dir/a.yaml").is_some());
        // A spec given as a bare file name: its tree is the current directory.
        let here = SecretPolicy { file_roots: vec![String::new()], env_pattern: None };
        assert!(here.refuse_file("/etc/hostname", "/etc/hostname", "a.yaml").is_some());
        assert!(here.refuse_file("../t", "../t", "a.yaml").is_some());
        assert!(here.refuse_file("t", "t", "a.yaml").is_none());
        // A tree above the current directory (`validate ../specs`).
        let above = SecretPolicy { file_roots: vec!["../specs".to_owned()], env_pattern: None };
        assert!(above.refuse_file("token", "../specs/token", "../specs/a.yaml").is_none());
        assert!(above.refuse_file("../t", "../specs/../t", "../specs/a.yaml").is_some());
    }
}
