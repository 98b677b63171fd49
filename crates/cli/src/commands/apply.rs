//! `scimform apply`: plan (or load a saved plan), confirm, execute, report.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use scimform_apply::{ApplyOptions, Event, TokenEnvironment};
use scimform_plan::Action;
use serde_json::json;

use crate::ExitStatus;
use crate::cli::{ApplyArgs, Format, GlobalArgs};
use crate::render::{BOLD, ERROR, GOOD};
use crate::saved::{SavedPlan, spec_digest};
use crate::target;

pub(crate) fn run(global: &GlobalArgs, args: &ApplyArgs) -> anyhow::Result<ExitStatus> {
    let saved = args.plan.as_ref().map(|path| SavedPlan::read(path)).transpose()?;
    let paths: Vec<std::path::PathBuf> = match &saved {
        Some(saved) if args.paths.is_empty() => saved.spec_paths.iter().map(std::path::PathBuf::from).collect(),
        _ => args.paths.clone(),
    };
    let Some(loaded) = super::load_specs(global, &paths)? else { return Ok(ExitStatus::Failure) };
    if let Some(saved) = &saved
        && saved.spec_digest != spec_digest(&loaded.sources)
    {
        anyhow::bail!("the specs changed since the plan was made; make a new plan with `scimform plan --out`");
    }
    let prune = saved.as_ref().map_or(args.prune, |saved| saved.prune);
    let human = global.format != Format::Json;
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let target = target::connect(&args.target).await?;
        let outcome = execute(global, args, &target, &loaded.spec, saved, prune, human).await;
        target.close().await;
        outcome
    })
}

async fn execute(
    global: &GlobalArgs,
    args: &ApplyArgs,
    target: &target::Target,
    spec: &scimform_spec::Spec,
    saved: Option<SavedPlan>,
    prune: bool,
    human: bool,
) -> anyhow::Result<ExitStatus> {
    let environment = TokenEnvironment::from_process();
    let prepared = scimform_apply::prepare(&target.client, spec, &environment).await;
    let Some(prepared) = super::report_prepare(prepared)? else { return Ok(ExitStatus::Failure) };
    let plan = match saved {
        Some(saved) => {
            let now = scimform_plan::live_fingerprint(&prepared.live);
            if now != saved.plan.live_fingerprint {
                anyhow::bail!(
                    "the saved plan is stale: the live state changed since it was made (someone or something changed the tenant); make a new plan with `scimform plan --out` and review it again"
                );
            }
            saved.plan
        }
        None => scimform_plan::plan(&prepared.desired, &prepared.live, &scimform_plan::Options { prune }),
    };
    if human {
        super::plan::print_plan(Format::Human, &plan)?;
    } else {
        let (add, change, destroy) = plan.summary();
        event_line(
            json!({ "type": "plan", "add": add, "change": change, "destroy": destroy, "changes": plan.changes.len() }),
        )?;
    }
    if plan.is_empty() {
        if !human {
            event_line(json!({ "type": "complete", "added": 0, "changed": 0, "destroyed": 0 }))?;
        }
        return Ok(ExitStatus::Success);
    }
    let removals =
        plan.changes.iter().filter(|change| matches!(change.action, Action::Delete | Action::Replace)).count();
    if let Some(limit) = args.max_deletes
        && removals > limit
    {
        anyhow::bail!("the plan removes {removals} things, more than --max-deletes {limit}; nothing was changed");
    }
    if !args.auto_approve && !confirm()? {
        let mut stderr = anstream::stderr().lock();
        writeln!(stderr, "Apply cancelled; nothing was changed.")?;
        return Ok(ExitStatus::Failure);
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let watcher = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.store(true, Ordering::SeqCst);
            }
        })
    };
    let options = ApplyOptions { cancel, ..ApplyOptions::standard() };
    let progress = (human && std::io::stderr().is_terminal() && !global.quiet).then(|| {
        let bar = indicatif::ProgressBar::new(plan.changes.len() as u64);
        bar.set_style(indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").expect("a valid template"));
        bar
    });
    let mut on_event = |event: &Event| {
        let line = match event {
            Event::Started { address, action } => {
                if let Some(bar) = &progress {
                    bar.set_message(address.clone());
                }
                if human {
                    Some(format!("{address}: {}…", verb(*action).0))
                } else {
                    Some(json!({ "type": "started", "address": address, "action": action.name() }).to_string())
                }
            }
            Event::Waiting { address, what } => {
                if human {
                    Some(format!("{address}: waiting for {what}…"))
                } else {
                    Some(json!({ "type": "waiting", "address": address, "for": what }).to_string())
                }
            }
            Event::Completed { address, action, elapsed } => {
                if let Some(bar) = &progress {
                    bar.inc(1);
                }
                if human {
                    Some(format!("{address}: {} after {:.1}s", verb(*action).1, elapsed.as_secs_f64()))
                } else {
                    Some(json!({ "type": "completed", "address": address, "action": action.name(), "seconds": elapsed.as_secs_f64() }).to_string())
                }
            }
        };
        if let Some(line) = line {
            let print = || {
                let mut stdout = anstream::stdout().lock();
                let _ = writeln!(stdout, "{line}");
            };
            match &progress {
                Some(bar) => bar.suspend(print),
                None => print(),
            }
        }
    };
    let result =
        scimform_apply::apply(&target.client, &plan, &prepared.live, &environment, &options, &mut on_event).await;
    watcher.abort();
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    let applied = match result {
        Ok(applied) => applied,
        Err(error) => {
            if !human {
                event_line(json!({ "type": "error", "message": chain(&error) }))?;
            }
            return Err(anyhow::Error::new(error).context(
                "apply stopped; the changes above were made, the rest were not; run apply again to continue",
            ));
        }
    };
    let (added, changed, destroyed) = applied.summary();
    if applied.interrupted {
        let mut stderr = anstream::stderr().lock();
        writeln!(
            stderr,
            "{ERROR}Apply interrupted{ERROR:#}: {} of {} changes made ({added} added, {changed} changed, {destroyed} destroyed); run apply again to finish.",
            applied.completed.len(),
            plan.changes.len()
        )?;
        return Ok(ExitStatus::Failure);
    }
    if human {
        let mut stdout = anstream::stdout().lock();
        writeln!(
            stdout,
            "\n{GOOD}Apply complete!{GOOD:#} {BOLD}Resources:{BOLD:#} {added} added, {changed} changed, {destroyed} destroyed."
        )?;
    } else {
        event_line(json!({ "type": "complete", "added": added, "changed": changed, "destroyed": destroyed }))?;
    }
    Ok(ExitStatus::Success)
}

/// An error and its causes on one line, for JSON events.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(current) = cause {
        text.push_str(": ");
        text.push_str(&current.to_string());
        cause = current.source();
    }
    text
}

fn event_line(value: serde_json::Value) -> anyhow::Result<()> {
    let mut stdout = anstream::stdout().lock();
    writeln!(stdout, "{value}").context("failed to write to standard output")
}

fn verb(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("Creating", "Creation complete"),
        Action::Update => ("Modifying", "Modifications complete"),
        Action::Replace => ("Replacing", "Replacement complete"),
        Action::Delete => ("Destroying", "Destruction complete"),
    }
}

/// Asks on the terminal; refuses without one.
fn confirm() -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "refusing to apply without confirmation: standard input is not a terminal; review the plan and pass --auto-approve"
        );
    }
    let mut stderr = anstream::stderr().lock();
    write!(stderr, "\nDo you want to perform these actions? Only 'yes' will be accepted: ")?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}
