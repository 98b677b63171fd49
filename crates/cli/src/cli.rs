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
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Parse and check specs offline, reporting every problem with file:line:col.
    ///
    /// PATH is a spec file or a directory (every *.yaml and *.yml below it, sorted);
    /// the default is the current directory. Exits 0 when the specs are valid, 1 when not.
    /// Never reads a token and never touches the network.
    Validate(ValidateArgs),
    /// Print the JSON Schema of the spec language (draft 2020-12).
    Schema,
    /// Run the local Microsoft Graph emulator as a server (for trying specs without a
    /// tenant, and for tests). Prints the URLs it serves; stops on Ctrl-C.
    Emulator(EmulatorArgs),
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
}
