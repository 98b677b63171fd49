//! Logs for operators, on standard error: off by default; `-v` shows every Graph call
//! (method, route template, status, duration, request id), `-vv` everything scimform
//! does besides (refresh's phases, apply's steps, each item of a `$batch`); `RUST_LOG`
//! (the `tracing` filter syntax) overrides both. Third-party crates stay at `warn` unless
//! RUST_LOG names them. Colour only on a terminal: a log written to a file or a CI log
//! carries no escape codes.
//!
//! What may be logged is decided where the events are made: routes with ids replaced,
//! never a token, a client secret, an assertion or a request body (the Graph client's
//! `Request` and `Secret` types print placeholders). A test runs whole scenarios at trace
//! level and looks for every secret in the output.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::cli::{GlobalArgs, LogFormat};

/// The crates whose events `-v` and `-vv` turn on.
const OURS: &[&str] = &["scimform", "scimform_graph", "scimform_apply", "scimform_plan", "scimform_spec"];

/// Installs the subscriber. Quiet (warnings of our own only) when neither `-v` nor
/// RUST_LOG asks for more.
pub(crate) fn init(global: &GlobalArgs) {
    let filter = match std::env::var("RUST_LOG").ok().filter(|value| !value.trim().is_empty()) {
        Some(directives) => EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new("warn")),
        None => {
            let ours: Vec<String> = OURS
                .iter()
                .map(|name| {
                    let level = match (global.verbose, *name) {
                        (0, _) => "warn",
                        (1, "scimform_graph") => "debug",
                        (1, _) => "info",
                        _ => "trace",
                    };
                    format!("{name}={level}")
                })
                .collect();
            EnvFilter::new(format!("warn,{}", ours.join(",")))
        }
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(!global.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal());
    let _ = match global.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
