//! Errors in every output format. Whatever ends a command (invalid specs, an unreadable
//! token, a name that does not resolve, a Graph failure) becomes [`Problem`]s and is
//! printed here, once:
//!
//! - human: `error: file:line:col: message`, its help and causes, on standard error;
//! - json: one error document on standard output (`schemas/error.schema.json`), on one
//!   line, so that it also ends `apply`'s JSON event stream;
//! - github: `::error file=…,line=…,col=…::message` annotations on standard output;
//! - markdown: a short section on standard output, for a pull-request comment.

use std::io::Write;

use schemars::JsonSchema;
use serde::Serialize;

use super::{BOLD, ERROR};
use crate::cli::Format;

/// Version of the error document. Bumped only on incompatible changes.
const ERROR_VERSION: u32 = 1;

/// One thing that went wrong, with where (when a spec says it) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// A stable name: a spec diagnostic's code, `unreadable-token`, `unresolved-name`,
    /// `usage`, or the cause of an error that ended a command (see `code_of`).
    pub(crate) code: String,
    /// What is wrong.
    pub(crate) message: String,
    /// What to do, when known.
    pub(crate) help: Option<String>,
    /// The chain of causes, outermost first.
    pub(crate) causes: Vec<String>,
    /// Where a spec says it.
    pub(crate) location: Option<Location>,
}

/// A place in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location {
    pub(crate) file: String,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

impl Location {
    pub(crate) fn of(origin: &scimform_spec::model::Origin) -> Location {
        Location { file: origin.file.clone(), line: origin.span.line, column: origin.span.column }
    }
}

impl Problem {
    /// An error that ended a command, with its chain of causes.
    pub(crate) fn from_error(error: &anyhow::Error) -> Problem {
        Problem {
            code: code_of(error).to_owned(),
            message: error.to_string(),
            help: None,
            causes: error.chain().skip(1).map(ToString::to_string).collect(),
            location: None,
        }
    }

    /// A library error at a place in a spec.
    pub(crate) fn at(code: &str, location: Location, error: &dyn std::error::Error) -> Problem {
        let mut causes = Vec::new();
        let mut cause = error.source();
        while let Some(current) = cause {
            causes.push(current.to_string());
            cause = current.source();
        }
        Problem { code: code.to_owned(), message: error.to_string(), help: None, causes, location: Some(location) }
    }

    /// A spec diagnostic (an error found by validation).
    pub(crate) fn from_diagnostic(diagnostic: &scimform_spec::Diagnostic) -> Problem {
        Problem {
            code: diagnostic.code.as_str().to_owned(),
            message: diagnostic.message.clone(),
            help: diagnostic.help.clone(),
            causes: Vec::new(),
            location: Some(Location {
                file: diagnostic.file.clone(),
                line: diagnostic.span.line,
                column: diagnostic.span.column,
            }),
        }
    }
}

/// The code of an error that ended a command, by its cause, so that a pipeline can tell
/// what to do about it: `sign-in` (credentials, tokens, a 401), `permission` (a 403),
/// `not-found`, `throttled` (429s past the retries), `unavailable` (Graph's 5xx past the
/// retries), `network` (Graph not reached, or not in time), `graph` (any other answer),
/// `failed` for the rest.
fn code_of(error: &anyhow::Error) -> &'static str {
    for cause in error.chain() {
        if cause.downcast_ref::<scimform_graph::AuthError>().is_some() {
            return "sign-in";
        }
        let Some(graph) = cause.downcast_ref::<scimform_graph::Error>() else { continue };
        return match graph {
            scimform_graph::Error::Auth(_) => "sign-in",
            scimform_graph::Error::Transport { .. } | scimform_graph::Error::Deadline { .. } => "network",
            scimform_graph::Error::Batch { source, .. } if source.status().is_none() => "network",
            _ => match graph.status() {
                Some(401) => "sign-in",
                Some(403) => "permission",
                Some(404) => "not-found",
                Some(429) => "throttled",
                Some(500..=599) => "unavailable",
                _ => "graph",
            },
        };
    }
    "failed"
}

/// The error document of `--format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub(crate) enum ErrorDocument {
    /// The command failed; nothing after this was done.
    Error {
        /// Version of this document.
        version: u32,
        /// What went wrong, most important first.
        errors: Vec<ProblemView>,
    },
}

/// One problem in the error document.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProblemView {
    /// Stable name: a spec diagnostic's code; `unreadable-token`, `unresolved-name`;
    /// `usage` (bad arguments); or what ended the command: `sign-in`, `permission`,
    /// `not-found`, `throttled`, `unavailable`, `network`, `graph`, `failed` (anything
    /// else).
    pub(crate) code: String,
    /// What is wrong.
    pub(crate) message: String,
    /// What to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) help: Option<String>,
    /// Causes, outermost first.
    pub(crate) causes: Vec<String>,
    /// The spec file, when a spec says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) file: Option<String>,
    /// Line (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) line: Option<u32>,
    /// Column (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) column: Option<u32>,
}

pub(crate) fn document(problems: &[Problem]) -> ErrorDocument {
    let errors = problems
        .iter()
        .map(|problem| ProblemView {
            code: problem.code.clone(),
            message: problem.message.clone(),
            help: problem.help.clone(),
            causes: problem.causes.clone(),
            file: problem.location.as_ref().map(|location| location.file.clone()),
            line: problem.location.as_ref().map(|location| location.line),
            column: problem.location.as_ref().map(|location| location.column),
        })
        .collect();
    ErrorDocument::Error { version: ERROR_VERSION, errors }
}

/// The JSON Schema of the error document, as committed in `schemas/error.schema.json`.
pub(crate) fn json_schema_text() -> String {
    super::schema_text::<ErrorDocument>("error.schema.json")
}

/// Prints problems in `format`. Never fails: there is nowhere left to report to.
pub(crate) fn report(format: Format, problems: &[Problem]) {
    let text = match format {
        Format::Human => {
            let _ = anstream::stderr().lock().write_all(human(problems).as_bytes());
            return;
        }
        Format::Json => serde_json::to_string(&document(problems)).expect("error documents serialize") + "\n",
        Format::Github => github(problems),
        Format::Markdown => markdown(problems),
    };
    let _ = anstream::stdout().lock().write_all(text.as_bytes());
}

/// Prints an error that ended a command.
pub(crate) fn report_error(format: Format, error: &anyhow::Error) {
    report(format, &[Problem::from_error(error)]);
}

/// Prints a usage error (bad arguments) in `format`: clap's own text for people, the
/// error document (code `usage`) or an annotation for programs.
pub(crate) fn report_usage(format: Format, error: &clap::Error) {
    if format == Format::Human {
        let _ = error.print();
        return;
    }
    let text = error.render().to_string();
    let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty());
    let message = lines.next().unwrap_or("bad arguments").trim_start_matches("error: ").to_owned();
    let help = lines.collect::<Vec<_>>().join(" ");
    let problem = Problem { code: "usage".to_owned(), message, help: Some(help), causes: Vec::new(), location: None };
    report(format, &[problem]);
}

fn place(location: &Location) -> String {
    format!("{}:{}:{}", location.file, location.line, location.column)
}

fn human(problems: &[Problem]) -> String {
    listing(
        problems,
        |at, message| format!("{ERROR}error{ERROR:#}: {at}{message}\n"),
        |label, text| format!("  {BOLD}{label}{BOLD:#}: {text}\n"),
    )
}

/// Each problem as a headline (its place, when known, and message) and its causes and
/// help below it.
fn listing(
    problems: &[Problem],
    headline: impl Fn(&str, &str) -> String,
    detail: impl Fn(&str, &str) -> String,
) -> String {
    let mut out = String::new();
    for problem in problems {
        let at = problem.location.as_ref().map(|location| format!("{}: ", place(location))).unwrap_or_default();
        out.push_str(&headline(&at, &problem.message));
        for cause in &problem.causes {
            out.push_str(&detail("caused by", cause));
        }
        if let Some(help) = &problem.help {
            out.push_str(&detail("help", help));
        }
    }
    out
}

fn full_message(problem: &Problem) -> String {
    let mut message = problem.message.clone();
    for cause in &problem.causes {
        message.push_str(&format!("\ncaused by: {cause}"));
    }
    if let Some(help) = &problem.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    message
}

fn github(problems: &[Problem]) -> String {
    let mut out = String::new();
    for problem in problems {
        let mut properties = Vec::new();
        if let Some(location) = &problem.location {
            properties.push(format!("file={}", super::escape_property(&location.file)));
            properties.push(format!("line={}", location.line));
            properties.push(format!("col={}", location.column));
        }
        properties.push(format!("title={}", super::escape_property(&format!("scimform {}", problem.code))));
        out.push_str(&format!("::error {}::{}\n", properties.join(","), super::escape_data(&full_message(problem))));
    }
    out
}

fn markdown(problems: &[Problem]) -> String {
    let items = listing(
        problems,
        |at, message| {
            format!(
                "- {}{message}\n",
                if at.is_empty() { String::new() } else { format!("`{}` ", at.trim_end_matches(": ")) }
            )
        },
        |label, text| format!("  - {label}: {text}\n"),
    );
    format!("### scimform failed\n\n{items}")
}
