//! Command-line arguments, as close to the flags as possible (clap derive). Turning them
//! into work is `commands`' job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Declarative SCIM provisioning apps for Microsoft Entra ID: YAML specs in git, validated
/// offline, planned against and applied to Microsoft Graph.
#[derive(Debug, Parser)]
#[command(name = "scimform", version, propagate_version = true, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human, global = true)]
    pub(crate) format: Format,
    /// Never colour the output (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub(crate) no_color: bool,
    /// Print only problems: no summary, no warnings.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// Log to standard error: `-v` each Graph call (method, route, status, duration,
    /// request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// How log lines look.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub(crate) log_format: LogFormat,
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// One line of text per event.
    Text,
    /// One JSON object per event.
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Parse and check specs offline, reporting every problem with file:line:col.
    ///
    /// PATH is a spec file or a directory (every *.yaml and *.yml below it, sorted);
    /// the default is the current directory. Exits 0 when the specs are valid, 1 when not.
    /// Never reads a token and never touches the network.
    Validate(ValidateArgs),
    /// Read the live state, compare it with the specs, and print the plan.
    ///
    /// Exit codes: 0 success, 1 error; with --detailed-exitcode, 0 no changes, 1 error,
    /// 2 changes present.
    Plan(PlanArgs),
    /// Plan and execute the changes, in order; or execute a saved plan (--plan FILE).
    ///
    /// Asks for confirmation on a terminal; elsewhere needs --auto-approve. A saved plan is
    /// refused when the live state or the specs changed since it was made.
    Apply(ApplyArgs),
    /// Render a saved plan (from `plan --out`).
    Show(ShowArgs),
    /// Adopt existing apps: list the tenant's enterprise applications, or write a spec
    /// that reproduces one (with `adopt`, so that its first plan takes it over).
    ///
    /// `import --list` lists them; `import ID|"DISPLAY NAME"` writes one spec (to standard
    /// output, or into --out DIR); `import --all-unmanaged --out DIR` writes one per app
    /// scimform does not manage. Graph never reads a saved token back: the spec names an
    /// environment variable for it, which the first apply saves.
    Import(ImportArgs),
    /// How provisioning is doing for the specs' apps: the job's state, quarantine, last
    /// cycles, steady state, deletion holds. Read-only.
    ///
    /// Exit codes: 0 healthy, 1 error, 3 unhealthy (a quarantine, a deletion hold, a failed
    /// cycle, or with --test-connection a failed Test Connection).
    Status(StatusArgs),
    /// Provision the users and groups each spec lists under `provisioning.verify` on
    /// demand, and report what the provisioning service did with each: created, updated,
    /// already up to date, skipped (and why) or failed (with the SCIM app's error). Apply
    /// does the same after its changes. Graph allows 5 of these calls per 10 seconds; they
    /// are paced.
    ///
    /// Exit codes: 0 none failed, 1 a subject failed or an error.
    Verify(VerifyArgs),
    /// Will Entra's provisioning work with this SCIM app? Sends the app the requests
    /// Entra's provisioning service sends (the credential probe, discovery, matching
    /// queries; with --write a test user's and group's whole life), in Entra's default
    /// dialect and with the SCIM 2.0 compliance flag, and reports each operation: passed,
    /// or the request and the app's answer. Checks the specs' mapped attributes against the
    /// app's /Schemas. For each spec with provisioning, or for --base-url.
    ///
    /// Safe for production apps: read requests only unless --write, which creates one test
    /// user per dialect and one test group (`scimform-check-<random>`), touches nothing
    /// else, and deletes them again, also after Ctrl-C. Paced, under a time limit; the
    /// token is never printed.
    ///
    /// Exit codes: 0 every operation the spec's provisioning needs passed in the dialect it
    /// selects, 1 otherwise (or an error).
    ScimCheck(ScimCheckArgs),
    /// The scheduled job's one command: the plan's changes (config drift) and the health of
    /// provisioning, together. Read-only.
    ///
    /// Exit codes: 0 clean, 1 error, 2 config drift, 3 unhealthy, 4 both.
    Drift(StatusArgs),
    /// Print the JSON Schema of the spec language (draft 2020-12), or of an output.
    Schema(SchemaArgs),
    /// Check that the signed-in application can do what the specs need: its permissions
    /// (from the access token), and, under Application.ReadWrite.OwnedBy, that it owns the
    /// apps it must change. Prints what is missing with the command that grants it.
    ///
    /// Exit codes: 0 nothing missing, 1 something missing (or an error).
    Doctor(DoctorArgs),
    /// Print a shell completion script (`scimform completions bash > …`).
    ///
    /// bash: `scimform completions bash > ~/.local/share/bash-completion/completions/scimform`;
    /// zsh: into a directory on `$fpath` as `_scimform`; fish:
    /// `~/.config/fish/completions/scimform.fish`; PowerShell: dot-source the output.
    Completions(CompletionsArgs),
    /// Run the local Microsoft Graph emulator as a server (for trying specs without a
    /// tenant, and for tests). Prints the URLs it serves; stops on Ctrl-C.
    Emulator(EmulatorArgs),
}

#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    /// Spec files or directories.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Save the plan to this file (no secret values), for `apply --plan` and `show`.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Exit 2 when there are changes (0 when none, 1 on errors).
    #[arg(long)]
    pub(crate) detailed_exitcode: bool,
    /// Plan the deletion of managed apps of this stack whose spec is gone.
    #[arg(long)]
    pub(crate) prune: bool,
    /// Refuse SCIM tokens absent here (by default a plan without them is exact about
    /// everything else and says which tokens it did not check; apply always needs them).
    #[arg(long)]
    pub(crate) require_tokens: bool,
    #[command(flatten)]
    pub(crate) scope: ScopeArgs,
    #[command(flatten)]
    pub(crate) redo: RedoArgs,
    /// The stack these specs belong to (default: `stack` in the project file scimform.yaml,
    /// else `default`).
    #[arg(long, value_name = "NAME")]
    pub(crate) stack: Option<String>,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

/// Which apps a plan covers, beyond the specs: `plan` and `apply` share them.
#[derive(Debug, Args)]
pub(crate) struct ScopeArgs {
    /// Retire the stack: delete every managed app of it (with `--target`, those named),
    /// with its job and assignments, whatever the specs say. Apply asks for the stack's
    /// name on a terminal, and `--max-deletes` still bounds it.
    #[arg(long)]
    pub(crate) destroy: bool,
    /// Only this app (`app.NAME`; repeatable), as Terraform's `-target`: only it is read
    /// and planned, other apps of the stack are not orphans, and the plan says it is
    /// partial. With `--prune`, a targeted app whose spec is gone is deleted.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub(crate) only: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// Spec files or directories (with --plan: the ones the plan was made from, by default).
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Execute this saved plan instead of planning anew.
    #[arg(long, value_name = "FILE")]
    pub(crate) plan: Option<PathBuf>,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub(crate) auto_approve: bool,
    /// Delete managed apps of this stack whose spec is gone.
    #[arg(long)]
    pub(crate) prune: bool,
    #[command(flatten)]
    pub(crate) scope: ScopeArgs,
    #[command(flatten)]
    pub(crate) redo: RedoArgs,
    /// The stack these specs belong to (default: `stack` in the project file scimform.yaml,
    /// else `default`).
    #[arg(long, value_name = "NAME")]
    pub(crate) stack: Option<String>,
    /// Stop before the first change if the plan removes more than this many things.
    #[arg(long, value_name = "N")]
    pub(crate) max_deletes: Option<usize>,
    /// How long, in milliseconds, to look for what a concurrent apply (or a create whose
    /// answer was lost) made before concluding it is not there; raise it for tenants with
    /// slow replication. Default: 2000, or 200 with the embedded emulator (no replication
    /// lag there).
    #[arg(long, value_name = "MS", env = "SCIMFORM_SETTLE_MS")]
    pub(crate) settle_ms: Option<u64>,
    /// Writes per second that runs of assignments are paced to (sent 20 to a `$batch`).
    /// Default: 20, Graph's write quota per app and tenant (3,000 per 150 s); lower it
    /// when other tools write with the same app registration.
    #[arg(long, value_name = "N", env = "SCIMFORM_WRITE_RATE")]
    pub(crate) write_rate: Option<f64>,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The app to import: its service principal object id, or its display name.
    #[arg(value_name = "ID|NAME", required_unless_present_any = ["list", "all_unmanaged"])]
    pub(crate) app: Option<String>,
    /// List the tenant's enterprise applications instead.
    #[arg(long, conflicts_with_all = ["app", "all_unmanaged", "name", "out"])]
    pub(crate) list: bool,
    /// Write a spec for every enterprise application scimform does not manage (needs --out).
    #[arg(long, conflicts_with_all = ["app", "name"], requires = "out")]
    pub(crate) all_unmanaged: bool,
    /// The app name in the spec (default: made from the display name).
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,
    /// Where to write: a directory (one NAME.yaml per app, never overwriting a file) or `-`
    /// for standard output (the default for one app).
    #[arg(long, value_name = "DIR|-")]
    pub(crate) out: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

/// The arguments of `status` and `drift`, the commands that judge health.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Spec files or directories.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Also run Test Connection with the credentials saved on each app: how a token
    /// changed or revoked outside scimform shows.
    #[arg(long)]
    pub(crate) test_connection: bool,
    /// Also show the last N things the provisioning service did per app (who was
    /// created, updated, disabled; from the provisioning logs, which need the
    /// AuditLog.Read.All permission).
    #[arg(long, value_name = "N")]
    pub(crate) logs: Option<usize>,
    /// Only this app (`app.NAME`; repeatable): only it is read and judged.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub(crate) only: Vec<String>,
    /// Also write the findings to FILE in Prometheus' text format (per app: drift, health,
    /// quarantine, failed objects, last successful cycle), whole or not at all, for
    /// node_exporter's textfile collector.
    #[arg(long, value_name = "FILE")]
    pub(crate) metrics_file: Option<PathBuf>,
    /// The stack these specs belong to (default: `stack` in the project file scimform.yaml,
    /// else `default`).
    #[arg(long, value_name = "NAME")]
    pub(crate) stack: Option<String>,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Spec files or directories.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// The stack these specs belong to (default: `stack` in the project file scimform.yaml,
    /// else `default`).
    #[arg(long, value_name = "NAME")]
    pub(crate) stack: Option<String>,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ScimCheckArgs {
    /// Spec files or directories: each app with provisioning is checked, with its token,
    /// mappings and dialect.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// The stack these specs belong to (default: `stack` in the project file scimform.yaml,
    /// else `default`).
    #[arg(long, value_name = "NAME")]
    pub(crate) stack: Option<String>,
    /// Check this SCIM base URL instead of the specs' (with the `scim` template's default
    /// mappings; `?aadOptscim062020` selects the compliance flag's dialect).
    #[arg(long, value_name = "URL", requires = "token_env", conflicts_with_all = ["paths", "stack"])]
    pub(crate) base_url: Option<String>,
    /// The environment variable holding --base-url's bearer token.
    #[arg(long, value_name = "VARIABLE", requires = "base_url")]
    pub(crate) token_env: Option<String>,
    /// Also check writes: create, change and delete a test user per dialect and a test group.
    #[arg(long)]
    pub(crate) write: bool,
    /// Stop after this many seconds (the cleanup of test objects gets 30 more).
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub(crate) time_limit: u64,
    /// At least this many milliseconds between two requests to the app.
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub(crate) pace_ms: u64,
}

/// What to redo although nothing seems to differ (`plan` and `apply`).
#[derive(Debug, Args)]
pub(crate) struct RedoArgs {
    /// Redo a part although nothing seems to differ, as Terraform's `-replace`:
    /// `app.NAME.provisioning.token` saves the token again (for a token changed outside
    /// scimform, which its fingerprint cannot see); `app.NAME.provisioning.job` recreates
    /// the provisioning job. Repeatable.
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) replace: Vec<String>,
    /// Carry out the deletions the accidental-deletion guard holds for app NAME
    /// (`app.NAME`): the portal's "Allow deletes". Review them in the provisioning logs
    /// first. Repeatable.
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) allow_deletes: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// Spec files or directories (what they manage decides what is needed).
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// What the identity is for: `plan` (pull requests: read permissions only), `drift`
    /// (the nightly job: reads, with provisioning logs and Test Connection optional), or
    /// `apply` (changes; also ownership under Application.ReadWrite.OwnedBy).
    #[arg(long = "for", value_enum, value_name = "USE", default_value_t = DoctorUse::Apply)]
    pub(crate) use_for: DoctorUse,
    /// The stack these specs belong to (default: `stack` in the project file scimform.yaml,
    /// else `default`).
    #[arg(long, value_name = "NAME")]
    pub(crate) stack: Option<String>,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

/// What an identity is set up for (`doctor --for`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DoctorUse {
    /// `plan` (and `status`, `import --list`): read permissions only.
    Plan,
    /// `drift` (and `status`): reads; provisioning logs and Test Connection optional.
    Drift,
    /// `apply`: changes.
    Apply,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// A plan saved with `plan --out`.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum, default_value_t = SchemaKind::Spec)]
    pub(crate) kind: SchemaKind,
}

/// The schemas scimform publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SchemaKind {
    /// The spec language.
    Spec,
    /// `AppAssignments` documents: more of an app's assignments, in other files.
    Assignments,
    /// `plan --format json` output.
    Plan,
    /// The lines of `apply --format json`.
    ApplyEvents,
    /// The error document of `--format json`.
    Error,
    /// `status --format json` output.
    Status,
    /// `drift --format json` output.
    Drift,
    /// `import --list --format json` output.
    Inventory,
    /// `scim-check --format json` output.
    ScimCheck,
}

/// Where Microsoft Graph is.
#[derive(Debug, Args)]
pub(crate) struct TargetArgs {
    /// Use the embedded emulator with the demo tenant instead of a real tenant; its state
    /// persists in .scimform/emulator-state.json.
    #[arg(long)]
    pub(crate) emulator: bool,
    /// The Microsoft cloud.
    #[arg(long, value_enum, default_value_t = CloudArg::Global)]
    pub(crate) cloud: CloudArg,
    /// Graph's v1.0 root, to use a proxy or an emulator (plain http only for loopback).
    #[arg(long, value_name = "URL", env = "SCIMFORM_GRAPH_URL")]
    pub(crate) graph_url: Option<String>,
    /// The sign-in authority host (plain http only for loopback).
    #[arg(long, value_name = "URL", env = "SCIMFORM_AUTHORITY_URL")]
    pub(crate) authority_url: Option<String>,
    /// Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400
    /// reads, and a plan of a few hundred apps needs one or two waves of them.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub(crate) concurrency: usize,
    /// The longest the command may take talking to Graph, such as `90s`, `15m` or `1h`
    /// (default 15m; 60m for apply, which stops between changes as the limit nears).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) timeout: Option<std::time::Duration>,
}

/// `90s`, `15m`, `1h` or a number of seconds.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|character: char| !character.is_ascii_digit()) {
        Some(index) => text.split_at(index),
        None => (text, "s"),
    };
    let number: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration such as `90s`, `15m` or `1h`"))?;
    let seconds = match unit {
        "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        _ => return Err(format!("`{text}` is not a duration such as `90s`, `15m` or `1h`")),
    };
    if seconds == 0 {
        return Err("a time limit must be longer than zero".to_owned());
    }
    Ok(std::time::Duration::from_secs(seconds))
}

/// Microsoft clouds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CloudArg {
    /// The global cloud.
    Global,
    /// Azure US Government.
    UsGov,
    /// Azure China (21Vianet).
    China,
}

#[derive(Debug, Args)]
pub(crate) struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8400", value_name = "ADDRESS")]
    pub(crate) listen: std::net::SocketAddr,
    /// Tenant file to start from (JSON; see examples/demo-tenant.json). Default: the
    /// built-in demo tenant.
    #[arg(long, value_name = "FILE")]
    pub(crate) seed: Option<PathBuf>,
    /// Keep the tenant in this file across runs.
    #[arg(long, value_name = "FILE")]
    pub(crate) state_file: Option<PathBuf>,
    /// Make Test Connection really call the SCIM endpoint with the bearer token.
    #[arg(long)]
    pub(crate) probe_scim: bool,
    /// Seconds between provisioning cycles of a running job (Graph's are 40 minutes).
    #[arg(long, value_name = "SECONDS", default_value_t = 2400)]
    pub(crate) cycle_interval: u64,
    /// Send the SCIM requests for a job's base URL to another SCIM server instead of the
    /// built-in one: `BASE_URL=TARGET_URL` (for example
    /// `https://contoso.goskope.com/api/v2/scim=http://127.0.0.1:8080`). Repeatable.
    #[arg(long, value_name = "BASE_URL=TARGET_URL")]
    pub(crate) scim_target: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Spec files or directories.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// For people: source snippets, colour on a terminal.
    Human,
    /// For programs: one JSON document, versioned.
    Json,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// Markdown, for a pull-request comment (plans).
    Markdown,
}

/// The `--format` the arguments name (`--format json`, `--format=json`), for reporting
/// arguments that do not parse; human when none is named or it is not one of ours.
pub(crate) fn format_asked(arguments: impl IntoIterator<Item = String>) -> Format {
    let arguments: Vec<String> = arguments.into_iter().collect();
    let named = arguments.iter().enumerate().find_map(|(index, argument)| match argument.strip_prefix("--format") {
        Some("") => arguments.get(index + 1).cloned(),
        Some(rest) => rest.strip_prefix('=').map(str::to_owned),
        None => None,
    });
    named.and_then(|name| <Format as ValueEnum>::from_str(&name, true).ok()).unwrap_or(Format::Human)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use clap::{CommandFactory, Parser};

    use super::Cli;

    fn files_below(directory: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(files_below(&path));
            } else {
                files.push(path);
            }
        }
        files
    }

    /// `${{ … }}`, `$(…)` and `$VAR` become a plain value; quotes go.
    fn tokens(line: &str) -> Vec<String> {
        let mut text = line.to_owned();
        while let Some(start) = text.find("${{") {
            let end = text[start..].find("}}").map_or(text.len(), |end| start + end + 2);
            text.replace_range(start..end, "value");
        }
        while let Some(start) = text.find("$(") {
            let end = text[start..].find(')').map_or(text.len(), |end| start + end + 1);
            text.replace_range(start..end, "value");
        }
        let cut = [" > ", " | ", " && ", " || ", ";"].iter().filter_map(|separator| text.find(separator)).min();
        if let Some(cut) = cut {
            text.truncate(cut);
        }
        text.split_whitespace()
            .map(|token| token.trim_matches(|c| c == '"' || c == '\''))
            .map(|token| if token.starts_with('$') { "value".to_owned() } else { token.to_owned() })
            .collect()
    }

    /// Every scimform command line the CI examples and the action run, as argument lists.
    fn command_lines(text: &str, subcommands: &[String]) -> Vec<Vec<String>> {
        let mut lines = Vec::new();
        for line in text.lines() {
            // The action's `command:` input (a Kubernetes container's `command: [...]` is
            // not one).
            if let Some(command) = line
                .trim()
                .strip_prefix("command:")
                .filter(|rest| !rest.trim_start().starts_with('['))
                .map(tokens)
                .filter(|command| !command.is_empty())
            {
                lines.push(command);
            }
            for (index, _) in line.match_indices("scimform ") {
                let before = line[..index].chars().last();
                if before.is_some_and(|c| !c.is_whitespace() && c != '(' && c != ':') {
                    continue;
                }
                let rest = tokens(&line[index + "scimform ".len()..]);
                if rest.first().is_some_and(|first| first.starts_with("--") || subcommands.contains(first)) {
                    lines.push(rest);
                }
            }
        }
        lines
    }

    /// The CI examples run only commands and flags that exist: each scimform command line
    /// in them parses with the real command definition.
    #[test]
    fn ci_examples_use_commands_and_flags_that_exist() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = files_below(&root.join("ci-examples"));
        files.push(root.join("action.yml"));
        let subcommands: Vec<String> =
            Cli::command().get_subcommands().map(|command| command.get_name().to_owned()).collect();
        let mut checked = 0;
        let mut problems = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for line in command_lines(&text, &subcommands) {
                checked += 1;
                let mut arguments = vec!["scimform".to_owned()];
                arguments.extend(line.iter().cloned());
                match Cli::try_parse_from(&arguments) {
                    Ok(_) => {}
                    Err(error)
                        if matches!(
                            error.kind(),
                            clap::error::ErrorKind::DisplayVersion | clap::error::ErrorKind::DisplayHelp
                        ) => {}
                    Err(error) => problems.push(format!("{}: `{}`: {}", file.display(), line.join(" "), error.kind())),
                }
            }
        }
        assert!(checked >= 15, "found only {checked} scimform command lines in the CI examples");
        assert!(problems.is_empty(), "CI examples run commands that do not parse:\n{}", problems.join("\n"));
    }

    /// A pipeline applies exactly what was reviewed: every `apply` in the CI examples and
    /// the action applies a saved plan (`--plan`), unless a comment on that line or the
    /// line before says why not (`apply without --plan: <why>`).
    #[test]
    fn ci_examples_apply_only_reviewed_plans() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = files_below(&root.join("ci-examples"));
        files.push(root.join("action.yml"));
        let subcommands: Vec<String> =
            Cli::command().get_subcommands().map(|command| command.get_name().to_owned()).collect();
        let (mut applies, mut unreviewed) = (0, Vec::new());
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (index, line) in lines.iter().enumerate() {
                let key = line.trim_start().trim_start_matches("- ");
                if key.starts_with('#') || key.starts_with("name:") || key.starts_with("displayName:") {
                    continue;
                }
                for command in command_lines(line, &subcommands) {
                    if command.first().map(String::as_str) != Some("apply") {
                        continue;
                    }
                    applies += 1;
                    let explained = lines[index.saturating_sub(1)..=index]
                        .iter()
                        .any(|line| line.contains("apply without --plan:"));
                    if !command.iter().any(|argument| argument == "--plan") && !explained {
                        unreviewed.push(format!("{}:{}: {}", file.display(), index + 1, line.trim()));
                    }
                }
            }
        }
        assert!(applies >= 2, "found only {applies} apply command lines in the CI examples");
        assert!(
            unreviewed.is_empty(),
            "CI examples apply what nobody reviewed (apply without --plan):\n{}",
            unreviewed.join("\n")
        );
    }

    /// No example pipeline gives a pull-request job a SCIM secret or the writing identity:
    /// the GitHub pull-request workflow reads no secret and signs in as the read-only
    /// identity; the Azure DevOps pull-request stage uses the template's defaults (the
    /// read-only connection, no tokens); the writing identity appears only in protected
    /// environments.
    #[test]
    fn ci_examples_keep_pull_requests_least_privileged() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ci-examples");
        let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
        let github_pr = read("github/plan.yml");
        assert!(github_pr.contains("pull_request:"), "plan.yml is the pull-request workflow");
        assert!(!github_pr.contains("secrets."), "the pull-request workflow reads a secret");
        assert!(github_pr.contains("vars.AZURE_READER_CLIENT_ID"), "it signs in as the read-only identity");
        assert!(!github_pr.contains("vars.AZURE_CLIENT_ID"), "it names the writing identity");
        for workflow in ["github/apply.yml", "github/drift.yml", "github/fleet.yml"] {
            let text = read(workflow);
            for (index, line) in text.lines().enumerate() {
                if line.contains("vars.AZURE_CLIENT_ID") || line.contains("secrets.") {
                    let job =
                        text.lines().take(index).filter(|line| line.trim_start().starts_with("environment:")).count();
                    assert!(
                        job > 0,
                        "{workflow}:{}: a secret or the writing identity outside an environment",
                        index + 1
                    );
                }
            }
        }
        let azure = read("azure-devops/azure-pipelines.yml");
        let review = azure.split("- stage: review").nth(1).unwrap().split("- stage:").next().unwrap();
        assert!(
            !review.contains("connection:") && !review.contains("tokens: true"),
            "the pull-request stage: {review}"
        );
        let writer_uses = azure.matches("connection: entra-scimform ").count();
        let apply = azure.split("- stage: apply").nth(1).unwrap();
        assert_eq!(writer_uses, 1);
        assert!(apply.contains("connection: entra-scimform ") && apply.contains("environment: entra-production"));
        let steps = read("azure-devops/scimform-steps.yml");
        assert!(steps.contains("default: entra-scimform-reader") && steps.contains("default: false"));
    }
}
