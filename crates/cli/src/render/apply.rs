//! What `apply` shows as it goes: for people, the plan, a line per change begun, waited
//! for and completed (with a progress bar on a terminal) and a summary; for programs
//! (`--format json`), a stream of JSON lines, one event each, whose schema is committed in
//! `schemas/apply-events.schema.json`. An error ends the stream with the error document
//! (`errors.rs`).

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;
use schemars::JsonSchema;
use scimform_apply::{Applied, Event};
use scimform_plan::{Action, Plan};
use serde::Serialize;

use super::{BOLD, ERROR, GOOD};
use crate::cli::Format;

/// Version of the event stream, carried by its first event. Bumped only on incompatible
/// changes.
const EVENTS_VERSION: u32 = 1;

/// One line of `apply --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum ApplyLine {
    /// Progress.
    Event(EventView),
    /// The error that stopped apply (the last line). `errors.rs` prints it; it is named
    /// here so that the schema of the stream includes it.
    #[expect(dead_code, reason = "printed by render::errors; present for the stream's schema")]
    Error(super::errors::ErrorDocument),
}

/// An apply event.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub(crate) enum EventView {
    /// The plan about to be applied (always the first line).
    Plan {
        /// Version of the event stream.
        version: u32,
        /// Things to create (a replace counts here and in `destroy`).
        add: usize,
        /// Things to update in place.
        change: usize,
        /// Things to delete.
        destroy: usize,
        /// Changes in the plan.
        changes: usize,
        /// The plan's notes for reviewers, as `plan --format json` gives them.
        warnings: Vec<super::plan::WarningView>,
    },
    /// A change begins.
    Started {
        /// Its address.
        address: String,
        /// `create`, `update`, `replace` or `delete`.
        action: String,
    },
    /// A change waits for something (replication of a new object).
    Waiting {
        /// Its address.
        address: String,
        /// What for.
        #[serde(rename = "for")]
        waiting_for: String,
    },
    /// A change of an app this run created failed: the app is being removed again, so
    /// that a failed create leaves nothing behind (the error that follows says how it went).
    RollingBack {
        /// The app's address.
        address: String,
    },
    /// A change is done.
    Completed {
        /// Its address.
        address: String,
        /// `create`, `update`, `replace` or `delete`.
        action: String,
        /// How long it took.
        seconds: f64,
    },
    /// Every change is done (the last line of a successful apply, but for the `verified`
    /// lines that follow it when specs list `provisioning.verify` subjects).
    Complete {
        /// Things created.
        added: usize,
        /// Things updated.
        changed: usize,
        /// Things deleted.
        destroyed: usize,
        /// Existing apps taken over.
        adopted: usize,
        /// Jobs restarted that the provisioning service had stopped.
        repaired: usize,
    },
    /// One `provisioning.verify` subject provisioned on demand after the changes.
    Verified {
        /// The app's address.
        address: String,
        /// `user` or `group`.
        kind: String,
        /// The UPN or group name, as the spec wrote it.
        subject: String,
        /// `success`, `skipped` or `failure`.
        outcome: String,
        /// What the service did, in words (the error, for a failure).
        detail: String,
    },
    /// Ctrl-C stopped apply between changes (the last line).
    Interrupted {
        /// Changes made.
        completed: usize,
        /// Changes in the plan.
        total: usize,
    },
    /// Nothing was changed: the confirmation was not given (the last line).
    Cancelled,
}

/// The JSON Schema of a line of `apply --format json`, as committed.
pub(crate) fn json_schema_text() -> String {
    super::schema_text::<ApplyLine>("apply-events.schema.json")
}

/// Shows apply's progress in one format.
pub(crate) struct Progress {
    format: Format,
    quiet: bool,
    bar: Option<indicatif::ProgressBar>,
    /// Changes reported done so far (what an error message may say was made).
    completed: std::sync::atomic::AtomicUsize,
}

impl Progress {
    /// Refuses formats apply does not speak, rather than falling back silently.
    pub(crate) fn new(format: Format, quiet: bool) -> anyhow::Result<Progress> {
        if !matches!(format, Format::Human | Format::Json) {
            anyhow::bail!(
                "`apply` prints `--format human` or `--format json`; use `plan --format {}` to review a plan in that format",
                format_name(format)
            );
        }
        Ok(Progress { format, quiet, bar: None, completed: std::sync::atomic::AtomicUsize::new(0) })
    }

    /// How many changes were reported done.
    pub(crate) fn completed(&self) -> usize {
        self.completed.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn json(&self) -> bool {
        self.format == Format::Json
    }

    fn emit(&self, event: EventView) {
        let line = serde_json::to_string(&ApplyLine::Event(event)).expect("events serialize");
        print_line(&line, self.bar.as_ref());
    }

    /// The plan, before anything is done.
    pub(crate) fn plan(&self, plan: &Plan) -> anyhow::Result<()> {
        if !self.json() {
            return super::plan::print(Format::Human, plan, self.quiet);
        }
        let (add, change, destroy) = plan.summary();
        let warnings = super::plan::view(plan).warnings;
        self.emit(EventView::Plan {
            version: EVENTS_VERSION,
            add,
            change,
            destroy,
            changes: plan.changes.len(),
            warnings,
        });
        Ok(())
    }

    /// A progress bar for a run of `changes` changes, on a terminal only.
    pub(crate) fn start(&mut self, changes: usize) {
        if !self.json() && !self.quiet && std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(changes as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").expect("a valid template"),
            );
            self.bar = Some(bar);
        }
    }

    /// One event of the executor.
    pub(crate) fn event(&self, event: &Event) {
        let (view, human) = match event {
            Event::Started { address, action } => {
                if let Some(bar) = &self.bar {
                    bar.set_message(address.clone());
                }
                let view = EventView::Started { address: address.clone(), action: action.name().to_owned() };
                (view, format!("{address}: {}…", verb(*action).0))
            }
            Event::Waiting { address, what } => {
                let view = EventView::Waiting { address: address.clone(), waiting_for: what.clone() };
                (view, format!("{address}: waiting for {what}…"))
            }
            Event::RollingBack { address } => {
                let view = EventView::RollingBack { address: address.clone() };
                (view, format!("{address}: removing the app this run created, since it could not be completed…"))
            }
            Event::Completed { address, action, elapsed } => {
                self.completed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
                let seconds = elapsed.as_secs_f64();
                let view = EventView::Completed { address: address.clone(), action: action.name().to_owned(), seconds };
                (view, format!("{address}: {} after {seconds:.1}s", verb(*action).1))
            }
        };
        if self.json() {
            self.emit(view);
        } else if !self.quiet {
            print_line(&human, self.bar.as_ref());
        }
    }

    /// What provisioning on demand did with one `verify` subject (JSON only: people get
    /// the verify report).
    pub(crate) fn verified(&self, result: &scimform_apply::verify::Verified) {
        if self.json() {
            let outcome = match result.outcome {
                scimform_apply::verify::Outcome::Success => "success",
                scimform_apply::verify::Outcome::Skipped => "skipped",
                scimform_apply::verify::Outcome::Failure => "failure",
            };
            self.emit(EventView::Verified {
                address: format!("app.{}", result.app),
                kind: result.kind.to_owned(),
                subject: result.subject.clone(),
                outcome: outcome.to_owned(),
                detail: result.detail.clone(),
            });
        }
    }

    /// The run ended (or stopped): the bar goes away.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Every change is done.
    pub(crate) fn complete(&self, applied: &Applied) {
        let (added, changed, destroyed) = applied.summary();
        if self.json() {
            let (adopted, repaired) = (applied.count(Action::Adopt), applied.count(Action::Repair));
            self.emit(EventView::Complete { added, changed, destroyed, adopted, repaired });
        } else if !self.quiet {
            let mut extra = String::new();
            for (action, word) in [(Action::Adopt, "adopted"), (Action::Repair, "repaired")] {
                let count = applied.count(action);
                if count > 0 {
                    extra.push_str(&format!(", {count} {word}"));
                }
            }
            print_line(
                &format!(
                    "\n{GOOD}Apply complete!{GOOD:#} {BOLD}Resources:{BOLD:#} {added} added, {changed} changed, {destroyed} destroyed{extra}."
                ),
                None,
            );
        }
    }

    /// Ctrl-C stopped the run between changes.
    pub(crate) fn interrupted(&self, applied: &Applied, total: usize) {
        let completed = applied.completed.len();
        if self.json() {
            self.emit(EventView::Interrupted { completed, total });
            return;
        }
        let (added, changed, destroyed) = applied.summary();
        let _ = writeln!(
            anstream::stderr().lock(),
            "{ERROR}Apply interrupted{ERROR:#}: {completed} of {total} changes made ({added} added, {changed} changed, {destroyed} destroyed); run apply again to finish."
        );
    }

    /// The confirmation was refused: nothing was changed.
    pub(crate) fn cancelled(&self) {
        if self.json() {
            self.emit(EventView::Cancelled);
        } else {
            let _ = writeln!(anstream::stderr().lock(), "Apply cancelled; nothing was changed.");
        }
    }

    /// Asks on the terminal; refuses without one.
    pub(crate) fn confirm(&self) -> anyhow::Result<bool> {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "refusing to apply without confirmation: standard input is not a terminal; review the plan and pass --auto-approve"
            );
        }
        let mut stderr = anstream::stderr().lock();
        write!(stderr, "\nDo you want to perform these actions? Only 'yes' will be accepted: ")?;
        stderr.flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).context("cannot read the answer")?;
        Ok(answer.trim() == "yes")
    }

    /// Asks on the terminal for `word` (the stack a destroy plan retires) to be typed;
    /// refuses without a terminal.
    pub(crate) fn confirm_typing(&self, word: &str) -> anyhow::Result<bool> {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "refusing to retire stack `{word}` without confirmation: standard input is not a terminal; review the plan and pass --auto-approve"
            );
        }
        let mut stderr = anstream::stderr().lock();
        write!(
            stderr,
            "\nThis deletes every app above and all that goes with it. Type the stack's name (`{word}`) to go on: "
        )?;
        stderr.flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).context("cannot read the answer")?;
        Ok(answer.trim() == word)
    }
}

/// A line on standard output, above the progress bar when there is one.
fn print_line(line: &str, bar: Option<&indicatif::ProgressBar>) {
    let print = || {
        let _ = writeln!(anstream::stdout().lock(), "{line}");
    };
    match bar {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Human => "human",
        Format::Json => "json",
        Format::Github => "github",
        Format::Markdown => "markdown",
    }
}

fn verb(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("Creating", "Creation complete"),
        Action::Update => ("Modifying", "Modifications complete"),
        Action::Replace => ("Replacing", "Replacement complete"),
        Action::Delete => ("Destroying", "Destruction complete"),
        Action::Adopt => ("Adopting", "Adoption complete"),
        Action::Repair => ("Repairing", "Repair complete"),
    }
}
