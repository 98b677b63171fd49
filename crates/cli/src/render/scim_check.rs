//! `scimform scim-check` reports: for people, each SCIM app's verdict per dialect with
//! every failing operation's request and answer (passed ones counted); JSON (schema
//! `schemas/scim-check.schema.json`); Markdown for a pull-request comment; GitHub
//! annotations at each spec's `baseUrl` line.

use schemars::JsonSchema;
use scimform_scim_check::{Check, DialectName, Outcome, Report};
use serde::Serialize;

use super::{ACCENT, BOLD, ERROR, GOOD, WARNING};
use crate::cli::Format;

const JSON_VERSION: u32 = 1;

/// One app checked: where its spec says it is, and the report.
pub(crate) struct Checked {
    /// (app name, file, line of `baseUrl`), when it came from a spec.
    pub(crate) place: Option<(String, String, u32)>,
    pub(crate) report: Report,
}

/// `scimform scim-check --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(title = "scimform scim-check")]
struct CheckView {
    /// Version of this format.
    format_version: u32,
    /// Every app's selected dialect works (the exit code is 0).
    ok: bool,
    /// One report per SCIM app.
    apps: Vec<AppView>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct AppView {
    /// The spec's app (`app.NAME`), when checked from a spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    app: Option<String>,
    /// The spec file.
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    /// The line of its `baseUrl`.
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    /// What the check found.
    report: Report,
}

pub(crate) fn json_schema_text() -> String {
    super::schema_text::<CheckView>("scim-check.schema.json")
}

pub(crate) fn text(format: Format, checked: &[Checked]) -> String {
    match format {
        Format::Human => human(checked),
        Format::Json => json(checked),
        Format::Markdown => markdown(checked),
        Format::Github => github(checked),
    }
}

fn json(checked: &[Checked]) -> String {
    let apps = checked
        .iter()
        .map(|checked| AppView {
            app: checked.place.as_ref().map(|(app, _, _)| app.clone()),
            file: checked.place.as_ref().map(|(_, file, _)| file.clone()),
            line: checked.place.as_ref().map(|(_, _, line)| *line),
            report: checked.report.clone(),
        })
        .collect();
    let view = CheckView { format_version: JSON_VERSION, ok: checked.iter().all(|checked| checked.report.ok), apps };
    serde_json::to_string_pretty(&view).expect("reports serialize") + "\n"
}

fn title(checked: &Checked) -> String {
    match &checked.place {
        Some((app, file, line)) => format!("app.{app} ({file}:{line}): {}", checked.report.base_url),
        None => checked.report.base_url.clone(),
    }
}

/// The checks of one section: those sent in both dialects alike, or in one.
fn section(report: &Report, dialect: Option<DialectName>) -> Vec<&Check> {
    report.checks.iter().filter(|check| check.dialect == dialect).collect()
}

fn dialect_label(dialect: DialectName) -> &'static str {
    match dialect {
        DialectName::Default => "Entra's default dialect",
        DialectName::Compliant => "the SCIM 2.0 compliance flag's dialect (`scimCompliance: true`)",
    }
}

fn human(checked: &[Checked]) -> String {
    let mut out = String::new();
    for checked in checked {
        let report = &checked.report;
        out.push_str(&format!("{ACCENT}{}{ACCENT:#}\n", title(checked)));
        human_section(&mut out, "Read requests (alike in both dialects)", &section(report, None), &[]);
        let default = section(report, Some(DialectName::Default));
        if !default.is_empty() {
            human_section(&mut out, dialect_label(DialectName::Default), &default, &[]);
        }
        let compliant = section(report, Some(DialectName::Compliant));
        if !compliant.is_empty() {
            human_section(&mut out, dialect_label(DialectName::Compliant), &compliant, &default);
        }
        if report.schema_read && report.schema.is_empty() {
            out.push_str(&format!("  {GOOD}✓{GOOD:#} the app's /Schemas defines every mapped attribute\n"));
        }
        for finding in &report.schema {
            out.push_str(&format!("  {ERROR}✗{ERROR:#} schema: `{}`: {}\n", finding.attribute, finding.message));
        }
        out.push_str(&verdict_lines(report));
        out.push('\n');
    }
    out
}

/// A section's count and its failures in full; a failure that `earlier` shows with the
/// same status is one line.
fn human_section(out: &mut String, label: &str, checks: &[&Check], earlier: &[&Check]) {
    let passed = checks.iter().filter(|check| matches!(check.outcome, Outcome::Passed | Outcome::NotOffered)).count();
    out.push_str(&format!("  {BOLD}{label}{BOLD:#}: {passed} of {} passed\n", checks.len()));
    let mut kinds_shown: Vec<(Option<u16>, String)> = Vec::new();
    for check in checks {
        match check.outcome {
            Outcome::Passed => {}
            Outcome::NotOffered => out.push_str(&format!("    – {}: not offered by the app\n", check.operation)),
            Outcome::Skipped => out.push_str(&format!(
                "    {WARNING}–{WARNING:#} {}: skipped ({})\n",
                check.operation,
                check.note.as_deref().unwrap_or("not run")
            )),
            Outcome::Failed => {
                let optional = if check.required { "" } else { " (optional)" };
                let status = check.status.map(|status| format!(": {status}")).unwrap_or_default();
                out.push_str(&format!("    {ERROR}✗{ERROR:#} {}{optional}{status}", check.operation));
                let shown = earlier.iter().any(|other| {
                    other.operation == check.operation
                        && other.outcome == Outcome::Failed
                        && other.status == check.status
                });
                if shown {
                    out.push_str(", as in the default dialect\n");
                    continue;
                }
                // The same refusal again (status and `scimType`): one line.
                let kind = (check.status, scim_type(check));
                if check.request.is_some() && !kind.1.is_empty() && kinds_shown.contains(&kind) {
                    out.push_str(&format!(" {}, as above\n", kind.1));
                    continue;
                }
                kinds_shown.push(kind);
                out.push('\n');
                if let Some(request) = &check.request {
                    out.push_str(&format!("        {} {}\n", request.method, request.path));
                    if let Some(body) = &request.body {
                        out.push_str(&format!("        {body}\n"));
                    }
                }
                if let Some(answer) = check.answer.as_deref().filter(|answer| !answer.is_empty()) {
                    out.push_str(&format!("        ← {answer}\n"));
                }
                if let Some(note) = &check.note {
                    out.push_str(&format!("        {note}\n"));
                }
            }
        }
    }
}

/// The `scimType` of a SCIM error answer (RFC 7644 §3.12), or nothing.
fn scim_type(check: &Check) -> String {
    let answer: Option<serde_json::Value> = check.answer.as_deref().and_then(|text| serde_json::from_str(text).ok());
    answer.and_then(|answer| answer["scimType"].as_str().map(str::to_owned)).unwrap_or_default()
}

/// What the verdicts mean, and what to do.
fn verdict_lines(report: &Report) -> String {
    let mut out = String::new();
    let selected = report.selected;
    let works = |dialect| report.verdict(dialect).is_some_and(|verdict| verdict.works);
    if !report.write {
        out.push_str("  Read requests only: run with --write to check creates, updates, deactivation and groups.\n");
    }
    for verdict in &report.verdicts {
        let mark = if verdict.works { format!("{GOOD}works{GOOD:#}") } else { format!("{ERROR}fails{ERROR:#}") };
        let chosen = if verdict.dialect == selected { " (the spec's)" } else { "" };
        let failed = match verdict.failed.len() {
            0 => String::new(),
            1..=3 => format!(": {}", verdict.failed.join(", ")),
            count => format!(": {count} operations (above)"),
        };
        out.push_str(&format!("  {}{chosen} {mark}{failed}\n", dialect_label(verdict.dialect)));
    }
    if !works(selected) && selected == DialectName::Default && works(DialectName::Compliant) && report.write {
        out.push_str("  Turn the compliance flag on: write `scimCompliance: true` under `provisioning.credentials`.\n");
    }
    if let Some(stopped) = &report.stopped {
        out.push_str(&format!(
            "  {WARNING}Stopped early ({stopped}): what was not run counts as not checked.{WARNING:#}\n"
        ));
    }
    let cleanup = &report.cleanup;
    if !cleanup.left.is_empty() {
        out.push_str(&format!(
            "  {ERROR}Test objects left in the app (their delete failed): {}; remove them by hand.{ERROR:#}\n",
            cleanup.left.join(", ")
        ));
    } else if !cleanup.removed.is_empty() {
        out.push_str(&format!("  Test objects removed after the run: {}.\n", cleanup.removed.join(", ")));
    }
    out
}

fn markdown(checked: &[Checked]) -> String {
    let mut out = String::from("## scimform scim-check\n");
    for checked in checked {
        let report = &checked.report;
        let mark = if report.ok { "✅" } else { "❌" };
        out.push_str(&format!("\n### {mark} `{}`\n\n", title(checked)));
        out.push_str("| dialect | verdict | failed operations |\n| --- | --- | --- |\n");
        for verdict in &report.verdicts {
            let chosen = if verdict.dialect == report.selected { " (spec)" } else { "" };
            let failed: Vec<String> = verdict.failed.iter().map(|operation| format!("`{operation}`")).collect();
            let works = if verdict.works { "works" } else { "fails" };
            out.push_str(&format!(
                "| {}{chosen} | {works} | {} |\n",
                verdict.dialect.as_str(),
                failed.join(", ").replace('|', "\\|")
            ));
        }
        for finding in &report.schema {
            out.push_str(&format!("\n- schema: `{}`: {}", finding.attribute, finding.message));
        }
        if !report.write {
            out.push_str("\n_Read requests only; run with `--write` to check writes._\n");
        }
    }
    out
}

/// One annotation per failing operation of the spec's dialect, at its `baseUrl` line.
fn github(checked: &[Checked]) -> String {
    let mut out = String::new();
    for checked in checked {
        let report = &checked.report;
        let Some((app, file, line)) = &checked.place else { continue };
        let selected = report.selected;
        for check in report.checks.iter().filter(|check| {
            check.required && check.outcome == Outcome::Failed && check.dialect.is_none_or(|of| of == selected)
        }) {
            let status = check.status.map(|status| format!(" ({status})")).unwrap_or_default();
            let message = format!(
                "{}{status} failed in {}: {}",
                check.operation,
                dialect_label(selected),
                check.answer.as_deref().or(check.note.as_deref()).unwrap_or_default()
            );
            out.push_str(&format!(
                "::error file={},line={line},title={}::{}\n",
                super::escape_property(file),
                super::escape_property(&format!("scimform scim-check app.{app}")),
                super::escape_data(&message)
            ));
        }
    }
    let failing = checked.iter().filter(|checked| !checked.report.ok).count();
    out.push_str(&format!(
        "::notice title=scimform scim-check::{failing} of {} SCIM app(s) fail what their provisioning needs.\n",
        checked.len()
    ));
    out
}
