//! Plans for people and programs: human (symbols, colour, `before → after`), JSON (a
//! versioned, documented view with its schema in `schemas/plan.schema.json`), Markdown
//! (a pull-request comment) and GitHub annotations. Renderers read a plan; they never
//! compute one.

use std::io::Write;

use anyhow::Context;
use schemars::JsonSchema;
use scimform_plan::{Action, Attribute, Plan};
use serde::Serialize;
use serde_json::Value;

use super::{ACCENT, BOLD, ERROR, GOOD, WARNING};
use crate::cli::Format;

/// Version of the JSON view. Bumped only on incompatible changes.
pub(crate) const JSON_VERSION: u32 = 1;

/// `scimform plan --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(title = "scimform plan")]
pub(crate) struct PlanView {
    /// Version of this format.
    pub(crate) format_version: u32,
    /// Whether anything would change.
    pub(crate) has_changes: bool,
    /// Counts, Terraform style: a replace counts as one add and one destroy.
    pub(crate) summary: SummaryView,
    /// Changes in execution order.
    pub(crate) changes: Vec<ChangeView>,
    /// Notes for reviewers.
    pub(crate) warnings: Vec<WarningView>,
    /// The apps the plan was limited to (`--target`, by name); empty: a whole plan.
    pub(crate) targets: Vec<String>,
    /// Whether the plan retires the stack (`--destroy`).
    pub(crate) destroy: bool,
    /// Digest of the live state the plan was made from.
    pub(crate) live_fingerprint: String,
}

/// Counts of changes.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct SummaryView {
    /// Things to create (replacements included).
    pub(crate) add: usize,
    /// Things to update in place.
    pub(crate) change: usize,
    /// Things to delete (replacements included).
    pub(crate) destroy: usize,
    /// Existing apps to take over (`adopt`).
    pub(crate) adopt: usize,
    /// Jobs to restart that the provisioning service stopped (`repair`).
    pub(crate) repair: usize,
    /// SCIM tokens the plan did not check (absent where it ran); the warnings say which
    /// and why.
    #[serde(rename = "tokensNotChecked")]
    pub(crate) tokens_not_checked: usize,
    /// Warnings accepted by `ignoreWarnings` (listed, marked, under `warnings`).
    #[serde(rename = "warningsAcknowledged")]
    pub(crate) warnings_acknowledged: usize,
}

/// One change.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChangeView {
    /// `app.netskope`, `app.netskope.assignment["group:Netskope Users"]`, …
    pub(crate) address: String,
    /// `create`, `update`, `replace`, `delete`, `adopt` or `repair`.
    pub(crate) action: String,
    /// The basic actions: `["create"]`, `["update"]`, `["delete"]`, or `["delete", "create"]`
    /// for a replace; scan for `"delete"` to find every deletion.
    pub(crate) actions: Vec<String>,
    /// Why.
    pub(crate) reason: String,
    /// Attribute values before and after; sensitive ones are masked.
    pub(crate) attributes: Vec<AttributeView>,
    /// Addresses done first.
    pub(crate) depends_on: Vec<String>,
}

/// One attribute.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AttributeView {
    /// Attribute name.
    pub(crate) name: String,
    /// Value before (null when it did not exist).
    pub(crate) before: Value,
    /// Value after (null when it will not exist).
    pub(crate) after: Value,
    /// Whether the values are masked placeholders.
    pub(crate) sensitive: bool,
    /// For long text values (mapping expressions): both values broken over lines and
    /// compared line by line, each line starting with `-`, `+` or a space.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) line_diff: Option<Vec<String>>,
}

/// A note for reviewers.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct WarningView {
    /// What it is about.
    pub(crate) address: String,
    /// Stable name of the kind of note.
    pub(crate) code: String,
    /// The note.
    pub(crate) message: String,
    /// The spec file of the app it concerns (null for an app without a spec).
    pub(crate) file: Option<String>,
    /// The line the warning is about (the group's entry, the `token:` line), else where
    /// the app's document starts.
    pub(crate) line: Option<u32>,
    /// The column on that line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) column: Option<u32>,
    /// Accepted by the app's or the project's `ignoreWarnings`: people's formats leave it out.
    pub(crate) acknowledged: bool,
}

pub(crate) fn view(plan: &Plan) -> PlanView {
    let (add, change, destroy) = plan.summary();
    PlanView {
        format_version: JSON_VERSION,
        has_changes: !plan.is_empty(),
        summary: SummaryView {
            add,
            change,
            destroy,
            adopt: plan.count(Action::Adopt),
            repair: plan.count(Action::Repair),
            tokens_not_checked: plan.unchecked_tokens.len(),
            warnings_acknowledged: plan.warnings.iter().filter(|warning| warning.acknowledged).count(),
        },
        changes: plan
            .changes
            .iter()
            .map(|change| ChangeView {
                address: change.address.clone(),
                action: change.action.name().to_owned(),
                actions: match change.action {
                    Action::Replace => vec!["delete".to_owned(), "create".to_owned()],
                    action => vec![action.name().to_owned()],
                },
                reason: change.reason.clone(),
                attributes: change
                    .attributes
                    .iter()
                    .map(|attribute| AttributeView {
                        name: attribute.name.clone(),
                        before: attribute.before.clone().unwrap_or(Value::Null),
                        after: attribute.after.clone().unwrap_or(Value::Null),
                        sensitive: attribute.sensitive,
                        line_diff: line_diff(attribute),
                    })
                    .collect(),
                depends_on: change.depends_on.clone(),
            })
            .collect(),
        warnings: plan
            .warnings
            .iter()
            .map(|warning| WarningView {
                address: warning.address.clone(),
                code: warning.code.clone(),
                message: warning.message.clone(),
                file: warning.location.as_ref().map(|location| location.file.clone()),
                line: warning.location.as_ref().map(|location| location.line),
                column: warning.location.as_ref().map(|location| location.column).filter(|column| *column > 0),
                acknowledged: warning.acknowledged,
            })
            .collect(),
        targets: plan.targets.clone(),
        destroy: plan.destroy,
        live_fingerprint: plan.live_fingerprint.clone(),
    }
}

/// What a partial plan (`--target`) or a destroy plan says of itself; nothing for a whole
/// plan.
fn partial(plan: &Plan) -> Option<String> {
    let mut notes = Vec::new();
    if plan.destroy {
        notes.push(
            "Destroy plan: every managed app of the stack in it is deleted, with its job and assignments.".to_owned(),
        );
    }
    if !plan.targets.is_empty() {
        let apps: Vec<String> = plan.targets.iter().map(|name| format!("app.{name}")).collect();
        notes.push(format!("Partial plan: only {} (--target); other apps were not read or planned.", apps.join(", ")));
    }
    (!notes.is_empty()).then(|| notes.join(" "))
}

/// The JSON Schema of [`PlanView`], as committed in `schemas/plan.schema.json`.
pub(crate) fn json_schema_text() -> String {
    super::schema_text::<PlanView>("plan.schema.json")
}

/// Prints a plan on standard output in `format`; `quiet` keeps, for people, the changes
/// only (no warnings, no summary).
pub(crate) fn print(format: Format, plan: &Plan, quiet: bool) -> anyhow::Result<()> {
    let text = match format {
        Format::Human if quiet => human(&Plan { warnings: Vec::new(), ..plan.clone() })
            .lines()
            .filter(|line| !line.contains("Plan:") && !line.contains("No changes."))
            .map(|line| format!("{line}\n"))
            .collect(),
        Format::Human => human(plan),
        Format::Json => json(plan),
        Format::Markdown => markdown(plan),
        Format::Github => github(plan),
    };
    anstream::stdout().lock().write_all(text.as_bytes()).context("failed to write to standard output")
}

pub(crate) fn json(plan: &Plan) -> String {
    serde_json::to_string_pretty(&view(plan)).expect("plan views serialize") + "\n"
}

/// A value as shown: JSON, except masked placeholders of sensitive attributes, which are
/// shown as they are (`(sensitive)`).
fn value_text(value: &Option<Value>, sensitive: bool) -> String {
    match value {
        None => "(none)".to_owned(),
        Some(Value::String(text)) if sensitive => text.clone(),
        Some(value) => value.to_string(),
    }
}

fn action_style(action: Action) -> anstyle::Style {
    match action {
        Action::Create | Action::Adopt => GOOD,
        Action::Update | Action::Repair => WARNING,
        Action::Replace | Action::Delete => ERROR,
    }
}

/// Values longer than this are also shown as a line diff.
const LONG_VALUE: usize = 60;
/// Width long expressions are broken to.
const EXPRESSION_WIDTH: usize = 50;

/// A long text value changed: both sides broken over lines (expressions one argument a
/// line) and compared line by line.
pub(crate) fn line_diff(attribute: &Attribute) -> Option<Vec<String>> {
    let (Some(Value::String(before)), Some(Value::String(after))) = (&attribute.before, &attribute.after) else {
        return None;
    };
    if attribute.sensitive || (before.chars().count() <= LONG_VALUE && after.chars().count() <= LONG_VALUE) {
        return None;
    }
    let (before, after) = (broken(before), broken(after));
    let diff = similar::TextDiff::from_lines(&before, &after);
    Some(
        diff.iter_all_changes()
            .map(|change| {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                };
                format!("{sign} {}", change.value().trim_end_matches('\n'))
            })
            .collect(),
    )
}

/// A value over lines: an expression (with its notes, `(matching 1, …)`, on a line of
/// their own) broken by [`scimform_mapping::expression::Expr::pretty`]; other text as is.
fn broken(value: &str) -> String {
    let (expression, notes) = match value.rsplit_once(" (") {
        Some((expression, notes))
            if value.ends_with(')') && scimform_mapping::expression::parse(expression).is_ok() =>
        {
            (expression, Some(notes.trim_end_matches(')')))
        }
        _ => (value, None),
    };
    let mut text = scimform_mapping::expression::parse(expression)
        .map_or_else(|_| expression.to_owned(), |parsed| parsed.pretty(EXPRESSION_WIDTH));
    if let Some(notes) = notes {
        text.push_str(&format!("\n({notes})"));
    }
    text.push('\n');
    text
}

fn attribute_line(attribute: &Attribute, action: Action) -> (String, String) {
    if let Some(lines) = line_diff(attribute) {
        let symbol = if action == Action::Replace { "-/+" } else { "~" };
        let body: Vec<String> = lines.iter().map(|line| format!("          {line}")).collect();
        return (symbol.to_owned(), format!("{}:\n{}", attribute.name, body.join("\n")));
    }
    let text = |value: &Option<Value>| value_text(value, attribute.sensitive);
    match (&attribute.before, &attribute.after) {
        (None, Some(_)) => ("+".to_owned(), format!("{} = {}", attribute.name, text(&attribute.after))),
        (Some(_), None) => ("-".to_owned(), format!("{} = {}", attribute.name, text(&attribute.before))),
        _ => {
            let symbol = if action == Action::Replace { "-/+" } else { "~" };
            (symbol.to_owned(), format!("{}: {} → {}", attribute.name, text(&attribute.before), text(&attribute.after)))
        }
    }
}

fn headline(action: Action) -> &'static str {
    match action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::Replace => "will be replaced",
        Action::Delete => "will be destroyed",
        Action::Adopt => "will be adopted",
        Action::Repair => "will be repaired",
    }
}

/// `1 to adopt, 0 to add, 1 to change, 0 to destroy, 1 to repair`: adoptions and repairs
/// only when there are some.
/// The warnings people see: those no `ignoreWarnings` accepts.
fn shown_warnings(plan: &Plan) -> impl Iterator<Item = &scimform_plan::Warning> {
    plan.warnings.iter().filter(|warning| !warning.acknowledged)
}

pub(crate) fn summary_text(plan: &Plan) -> String {
    let (add, change, destroy) = plan.summary();
    let mut parts = Vec::new();
    let adopt = plan.count(Action::Adopt);
    if adopt > 0 {
        parts.push(format!("{adopt} to adopt"));
    }
    parts.extend([format!("{add} to add"), format!("{change} to change"), format!("{destroy} to destroy")]);
    let repair = plan.count(Action::Repair);
    if repair > 0 {
        parts.push(format!("{repair} to repair"));
    }
    let unchecked = plan.unchecked_tokens.len();
    if unchecked > 0 {
        parts.push(format!("{unchecked} token(s) not checked"));
    }
    let acknowledged = plan.warnings.iter().filter(|warning| warning.acknowledged).count();
    if acknowledged > 0 {
        parts.push(format!("{acknowledged} warning(s) acknowledged"));
    }
    parts.join(", ")
}

pub(crate) fn human(plan: &Plan) -> String {
    let mut out = String::new();
    if let Some(partial) = partial(plan) {
        out.push_str(&format!("{WARNING}{partial}{WARNING:#}\n\n"));
    }
    if plan.is_empty() {
        out.push_str(&format!("{GOOD}No changes.{GOOD:#} Live state matches the specs.\n"));
    } else {
        out.push_str("scimform will perform the following actions:\n\n");
        for change in &plan.changes {
            let style = action_style(change.action);
            out.push_str(&format!(
                "  {BOLD}# {} {}{BOLD:#} ({})\n",
                change.address,
                headline(change.action),
                change.reason
            ));
            out.push_str(&format!("  {style}{}{style:#} {}\n", change.action.symbol(), change.address));
            for attribute in &change.attributes {
                let (symbol, text) = attribute_line(attribute, change.action);
                out.push_str(&format!("      {style}{symbol}{style:#} {text}\n"));
            }
            out.push('\n');
        }
    }
    if shown_warnings(plan).next().is_some() {
        out.push_str(&format!("{WARNING}Warnings:{WARNING:#}\n"));
        for warning in shown_warnings(plan) {
            let at = warning
                .location
                .as_ref()
                .map(|location| format!(" ({}:{})", location.file, location.line))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {WARNING}!{WARNING:#} {ACCENT}{}{ACCENT:#}{at}: {}\n",
                warning.address, warning.message
            ));
        }
        out.push('\n');
    }
    if !plan.is_empty() {
        out.push_str(&format!("{BOLD}Plan:{BOLD:#} {}.\n", summary_text(plan)));
    }
    out
}

pub(crate) fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let partial = partial(plan).map(|partial| format!("**{partial}**\n\n")).unwrap_or_default();
    if plan.is_empty() {
        out.push_str(&format!("### scimform plan: no changes\n\n{partial}Live state matches the specs.\n"));
    } else {
        out.push_str(&format!("### scimform plan: {}\n\n{partial}", summary_text(plan)));
        out.push_str("| | address | action | reason |\n| --- | --- | --- | --- |\n");
        for change in &plan.changes {
            let icon = match change.action {
                Action::Create => "➕",
                Action::Update => "✏️",
                Action::Replace => "♻️",
                Action::Delete => "🗑️",
                Action::Adopt => "📥",
                Action::Repair => "🩺",
            };
            out.push_str(&format!(
                "| {icon} | `{}` | {} | {} |\n",
                change.address,
                change.action.name(),
                change.reason.replace('|', "\\|")
            ));
        }
        let mut apps: Vec<&str> = plan.changes.iter().map(|change| app_of(&change.address)).collect();
        apps.dedup();
        for app in apps {
            let changes: Vec<_> = plan.changes.iter().filter(|change| app_of(&change.address) == app).collect();
            out.push_str(&format!(
                "\n<details><summary><code>{app}</code>: {} change{}</summary>\n\n```diff\n",
                changes.len(),
                if changes.len() == 1 { "" } else { "s" }
            ));
            for change in changes {
                let symbol = match change.action {
                    Action::Create | Action::Adopt => "+",
                    Action::Delete => "-",
                    Action::Update | Action::Replace | Action::Repair => "!",
                };
                out.push_str(&format!("{symbol} {} ({})\n", change.address, change.action.name()));
                for attribute in &change.attributes {
                    let (symbol, text) = attribute_line(attribute, change.action);
                    let diff_symbol = match symbol.as_str() {
                        "+" => "+",
                        "-" => "-",
                        _ => "!",
                    };
                    out.push_str(&format!("{diff_symbol}     {text}\n"));
                }
            }
            out.push_str("```\n\n</details>\n");
        }
    }
    if shown_warnings(plan).next().is_some() {
        out.push_str("\n**Warnings**\n\n");
        for warning in shown_warnings(plan) {
            let at = warning
                .location
                .as_ref()
                .map(|location| format!(" (`{}` line {})", location.file, location.line))
                .unwrap_or_default();
            out.push_str(&format!("- ⚠️ `{}`{at}: {}\n", warning.address, warning.message));
        }
    }
    out
}

/// `app.netskope.assignment[…]` → `app.netskope`.
fn app_of(address: &str) -> &str {
    let mut dots = address.match_indices('.').map(|(index, _)| index);
    let _ = dots.next();
    match dots.next() {
        Some(index) => &address[..index],
        None => address,
    }
}

pub(crate) fn github(plan: &Plan) -> String {
    let mut out = String::new();
    for warning in shown_warnings(plan) {
        let at = warning
            .location
            .as_ref()
            .map(|location| {
                let column = if location.column > 0 { format!("col={},", location.column) } else { String::new() };
                format!("file={},line={},{column}", super::escape_property(&location.file), location.line)
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "::warning {at}title={}::{}: {}\n",
            super::escape_property(&format!("scimform {}", warning.code)),
            warning.address,
            super::escape_data(&warning.message)
        ));
    }
    if let Some(partial) = partial(plan) {
        out.push_str(&format!("::notice title=scimform plan::{}\n", super::escape_data(&partial)));
    }
    if plan.is_empty() {
        out.push_str("::notice title=scimform plan::No changes. Live state matches the specs.\n");
    } else {
        out.push_str(&format!("::notice title=scimform plan::Plan: {}.\n", summary_text(plan)));
    }
    out
}
