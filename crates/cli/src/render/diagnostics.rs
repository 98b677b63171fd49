//! Spec diagnostics in three formats: human (source snippets, colour on a terminal),
//! JSON (a versioned document for programs) and GitHub workflow annotations.

use std::collections::HashMap;
use std::io::Write;

use anyhow::Context;
use scimform_spec::{Diagnostic, Loaded, Severity, Source};

use super::{ACCENT, BOLD, ERROR, GOOD, WARNING, escape_data, escape_property};
use crate::cli::Format;

/// Version of the JSON output of `validate`. Bumped only on incompatible changes.
const JSON_VERSION: u32 = 1;

/// What `validate` found, ready to print.
pub(crate) struct Report<'a> {
    pub(crate) sources: &'a [Source],
    pub(crate) loaded: &'a Loaded,
    pub(crate) quiet: bool,
}

pub(crate) fn print(format: Format, report: &Report<'_>) -> anyhow::Result<()> {
    let mut out = anstream::stdout().lock();
    let text = match format {
        Format::Human => human(report),
        Format::Markdown => markdown(report),
        Format::Json => json(report),
        Format::Github => github(report),
    };
    out.write_all(text.as_bytes()).context("failed to write to standard output")?;
    Ok(())
}

/// Prints diagnostics for people on standard error (commands whose standard output is
/// something else, such as a plan).
pub(crate) fn print_to_stderr(report: &Report<'_>) -> anyhow::Result<()> {
    let mut err = anstream::stderr().lock();
    err.write_all(human(report).as_bytes()).context("failed to write to standard error")?;
    Ok(())
}

fn shown<'a>(report: &'a Report<'_>) -> impl Iterator<Item = &'a Diagnostic> {
    let quiet = report.quiet;
    report.loaded.diagnostics.iter().filter(move |diagnostic| !quiet || diagnostic.is_error())
}

fn human(report: &Report<'_>) -> String {
    // Each quotable source's lines, split once: quoting is then linear in the output.
    let lines: HashMap<&str, Vec<&str>> = report
        .sources
        .iter()
        .filter(|source| report.loaded.quotable.contains(&source.name))
        .map(|source| (source.name.as_str(), source.text.lines().collect()))
        .collect();
    let mut out = String::new();
    for diagnostic in shown(report) {
        let line = lines.get(diagnostic.file.as_str()).and_then(|lines| lines.get(diagnostic.span.line as usize - 1));
        human_one(&mut out, diagnostic, line.copied());
    }
    let (omitted_errors, omitted_warnings) = report.loaded.omitted;
    let omitted = omitted_errors + if report.quiet { 0 } else { omitted_warnings };
    if omitted > 0 {
        out.push_str(&format!(
            "{WARNING}… and {omitted} more {} not shown{WARNING:#} (scimform reports the first {})\n\n",
            if omitted == 1 { "problem" } else { "problems" },
            scimform_spec::MAX_DIAGNOSTICS
        ));
    }
    if report.quiet {
        return out;
    }
    let errors = report.loaded.error_count();
    let warnings = report.loaded.warning_count();
    let files = report.sources.len();
    if errors == 0 {
        let apps = report.loaded.spec.as_ref().map_or(0, |spec| spec.apps.len());
        out.push_str(&format!(
            "{GOOD}valid{GOOD:#}: {} in {}{}\n",
            plural(apps, "app"),
            plural(files, "file"),
            if warnings > 0 { format!(", {}", plural(warnings, "warning")) } else { String::new() }
        ));
    } else {
        out.push_str(&format!(
            "{ERROR}invalid{ERROR:#}: {}{} in {}\n",
            plural(errors, "error"),
            if warnings > 0 { format!(", {}", plural(warnings, "warning")) } else { String::new() },
            plural(files, "file"),
        ));
    }
    out
}

/// A section for a pull-request comment: the verdict, then a table of the problems (each
/// at its file, line and column; nothing quoted from the files).
fn markdown(report: &Report<'_>) -> String {
    let errors = report.loaded.error_count();
    let warnings = report.loaded.warning_count();
    let files = plural(report.sources.len(), "file");
    let warned = if warnings > 0 { format!(", {}", plural(warnings, "warning")) } else { String::new() };
    let verdict = if errors == 0 {
        let apps = report.loaded.spec.as_ref().map_or(0, |spec| spec.apps.len());
        format!(":white_check_mark: **valid**: {} in {files}{warned}", plural(apps, "app"))
    } else {
        format!(":x: **invalid**: {}{warned} in {files}", plural(errors, "error"))
    };
    let mut out = format!("### scimform validate\n\n{verdict}\n");
    let rows: Vec<&Diagnostic> = shown(report).collect();
    if !rows.is_empty() {
        out.push_str("\n| where | problem | what to do |\n| --- | --- | --- |\n");
        for diagnostic in rows {
            let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
            out.push_str(&format!(
                "| `{}:{}:{}` | {} `{}`: {} | {} |\n",
                cell(&diagnostic.file),
                diagnostic.span.line,
                diagnostic.span.column,
                diagnostic.severity,
                diagnostic.code,
                cell(&diagnostic.message),
                cell(diagnostic.help.as_deref().unwrap_or(""))
            ));
        }
    }
    let (omitted_errors, omitted_warnings) = report.loaded.omitted;
    if omitted_errors + omitted_warnings > 0 {
        out.push_str(&format!(
            "\n… and {} more not shown (scimform reports the first {}).\n",
            omitted_errors + omitted_warnings,
            scimform_spec::MAX_DIAGNOSTICS
        ));
    }
    out
}

/// The widest part of a source line a report quotes, in characters.
const QUOTE_WIDTH: usize = 120;

/// `line` as a report may print it: control characters escaped (a terminal must not take
/// them as commands), and cut to [`QUOTE_WIDTH`] characters around `column` (1-based),
/// with `…` where it was cut. Returns the text and the column in it.
fn quotable_line(line: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = line.trim_end().chars().collect();
    let column = column.saturating_sub(1).min(chars.len());
    let start = if chars.len() <= QUOTE_WIDTH { 0 } else { column.saturating_sub(QUOTE_WIDTH / 3) };
    let end = (start + QUOTE_WIDTH).min(chars.len());
    let mut text = String::new();
    let mut caret = 0;
    if start > 0 {
        text.push('…');
    }
    for (index, &character) in chars.iter().enumerate().take(end).skip(start) {
        if index == column {
            caret = text.chars().count();
        }
        if character.is_control() && character != '\t' {
            text.extend(character.escape_default());
        } else {
            text.push(character);
        }
    }
    if column >= end {
        caret = text.chars().count();
    }
    if end < chars.len() {
        text.push('…');
    }
    (text, caret)
}

fn human_one(out: &mut String, diagnostic: &Diagnostic, line: Option<&str>) {
    let style = match diagnostic.severity {
        Severity::Error => ERROR,
        Severity::Warning => WARNING,
    };
    let span = diagnostic.span;
    out.push_str(&format!(
        "{style}{}[{}]{style:#}{BOLD}: {}{BOLD:#}\n",
        diagnostic.severity, diagnostic.code, diagnostic.message
    ));
    // The layout of rustc's diagnostics, which most readers already know.
    let number = span.line.to_string();
    let gutter = " ".repeat(number.len());
    out.push_str(&format!("{gutter}{ACCENT}-->{ACCENT:#} {}:{}:{}\n", diagnostic.file, span.line, span.column));
    if let Some(line) = line {
        out.push_str(&format!("{gutter} {ACCENT}|{ACCENT:#}\n"));
        if diagnostic.conceals_secret {
            out.push_str(&format!("{ACCENT}{number} |{ACCENT:#} (not shown: this line holds a secret)\n"));
        } else {
            let (text, start) = quotable_line(line, span.column as usize);
            out.push_str(&format!("{ACCENT}{number} |{ACCENT:#} {text}\n"));
            let line_len = text.chars().count();
            let width = (span.len as usize).min(line_len.saturating_sub(start)).max(1);
            out.push_str(&format!(
                "{gutter} {ACCENT}|{ACCENT:#} {}{style}{}{style:#}\n",
                " ".repeat(start),
                "^".repeat(width)
            ));
        }
    }
    if let Some(help) = &diagnostic.help {
        out.push_str(&format!("{gutter} {ACCENT}={ACCENT:#} {BOLD}help{BOLD:#}: {help}\n"));
    }
    out.push('\n');
}

fn json(report: &Report<'_>) -> String {
    let diagnostics: Vec<serde_json::Value> = shown(report)
        .map(|diagnostic| {
            let mut object = serde_json::json!({
                "file": diagnostic.file,
                "line": diagnostic.span.line,
                "column": diagnostic.span.column,
                "severity": diagnostic.severity.to_string(),
                "code": diagnostic.code.as_str(),
                "message": diagnostic.message,
            });
            if let Some(help) = &diagnostic.help {
                object["help"] = serde_json::Value::String(help.clone());
            }
            object
        })
        .collect();
    let apps: Vec<&str> =
        report.loaded.spec.iter().flat_map(|spec| spec.apps.iter().map(|app| app.name.as_str())).collect();
    let document = serde_json::json!({
        "version": JSON_VERSION,
        "valid": report.loaded.error_count() == 0,
        "files": report.sources.iter().map(|source| source.name.as_str()).collect::<Vec<_>>(),
        "apps": apps,
        "errors": report.loaded.error_count(),
        "warnings": report.loaded.warning_count(),
        "diagnostics": diagnostics,
        "omitted": report.loaded.omitted.0 + report.loaded.omitted.1,
    });
    let mut text = serde_json::to_string_pretty(&document).expect("a JSON value always serializes");
    text.push('\n');
    text
}

/// GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`.
fn github(report: &Report<'_>) -> String {
    let mut out = String::new();
    for diagnostic in shown(report) {
        let command = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = diagnostic.message.clone();
        if let Some(help) = &diagnostic.help {
            message.push('\n');
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},title={}::{}\n",
            escape_property(&diagnostic.file),
            diagnostic.span.line,
            diagnostic.span.column,
            escape_property(&format!("scimform {}", diagnostic.code)),
            escape_data(&message),
        ));
    }
    let (errors, warnings) = report.loaded.omitted;
    let omitted = errors + if report.quiet { 0 } else { warnings };
    if omitted > 0 {
        out.push_str(&format!(
            "::{} title=scimform::and {omitted} more {} not shown (scimform reports the first {})\n",
            if errors > 0 { "error" } else { "warning" },
            if omitted == 1 { "problem" } else { "problems" },
            scimform_spec::MAX_DIAGNOSTICS
        ));
    }
    out
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}
