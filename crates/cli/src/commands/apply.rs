//! `scimform apply`: plan (or load a saved plan), check the guards, confirm, execute,
//! report, then provision the specs' `verify` subjects on demand. What the user sees is rendered by `render/apply.rs`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use scimform_apply::{ApplyOptions, Event, Prepared, TokenEnvironment};
use scimform_plan::{Action, Plan};

use crate::ExitStatus;
use crate::cli::{ApplyArgs, GlobalArgs};
use crate::render::apply::Progress;
use crate::saved::{SavedPlan, spec_digest};
use crate::target;

pub(crate) fn run(global: &GlobalArgs, args: &ApplyArgs) -> anyhow::Result<ExitStatus> {
    let mut progress = Progress::new(global.format, global.quiet)?;
    let saved = args.plan.as_ref().map(|path| SavedPlan::read(path)).transpose()?;
    let paths: Vec<PathBuf> = match &saved {
        Some(saved) if args.paths.is_empty() => saved.spec_paths.iter().map(PathBuf::from).collect(),
        _ => args.paths.clone(),
    };
    if let (Some(saved), Some(flag)) = (&saved, &args.stack)
        && &saved.stack != flag
    {
        anyhow::bail!(
            "the saved plan was made for stack `{}`, not `{flag}`; drop --stack or make a new plan",
            saved.stack
        );
    }
    let stack = saved.as_ref().map(|saved| saved.stack.as_str()).or(args.stack.as_deref());
    let Some(mut loaded) = super::load_specs(global, &paths, stack)? else { return Ok(ExitStatus::Failure) };
    if let Some(saved) = &saved
        && saved.spec_digest != spec_digest(&loaded.sources)
    {
        anyhow::bail!("the specs changed since the plan was made; make a new plan with `scimform plan --out`");
    }
    if saved.is_some()
        && (!args.redo.replace.is_empty()
            || !args.redo.allow_deletes.is_empty()
            || !args.scope.only.is_empty()
            || args.scope.destroy)
    {
        anyhow::bail!(
            "--replace, --allow-deletes, --target and --destroy belong to the plan: give them to `scimform plan --out`, not to `apply --plan`"
        );
    }
    let choices = match &saved {
        Some(saved) => super::Choices {
            prune: saved.prune,
            replace: &saved.replace,
            allow_deletes: &saved.allow_deletes,
            only: &saved.plan.targets,
            destroy: saved.plan.destroy,
        },
        None => super::Choices {
            prune: args.prune,
            replace: &args.redo.replace,
            allow_deletes: &args.redo.allow_deletes,
            only: &args.scope.only,
            destroy: args.scope.destroy,
        },
    };
    let options = super::plan_options(&loaded, &choices)?;
    super::limit_to_targets(&mut loaded, &options);
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let target = target::connect(&args.target).await?;
        let limit = args.target.timeout.unwrap_or(target::APPLY_TIMEOUT);
        target.client.set_time_limit(Some(limit));
        let environment = super::token_environment(&loaded);
        let prepared = scimform_apply::prepare(&target.client, &loaded.spec, &environment, &loaded.project.stack).await;
        let outcome = match super::report_prepare(global, &loaded.sources, prepared)? {
            Some(prepared) => {
                super::check_targets(&options, &prepared.desired)?;
                super::check_only(&options, &prepared)?;
                let plan = the_plan(&prepared, saved, &options)?;
                super::check_ownership(global, &target.client, &plan, &prepared.live).await?;
                let stack = options.stack.as_str();
                match execute(args, &target, &prepared, (&plan, stack), &environment, &mut progress).await {
                    // A retired stack has nothing left to provision on demand.
                    Ok(ExitStatus::Success) if options.destroy => Ok(ExitStatus::Success),
                    Ok(ExitStatus::Success) => {
                        let on_result = |result: &scimform_apply::verify::Verified| progress.verified(result);
                        super::verify::after_apply(global, &target.client, &loaded.spec, &on_result).await
                    }
                    other => other,
                }
            }
            None => Ok(ExitStatus::Failure),
        };
        target.close().await;
        outcome
    })
}

/// A fresh plan; or the saved plan, when the live state is the one it was made from and
/// planning again from the specs gives exactly its changes (so that a plan file edited
/// after review is refused, not executed).
fn the_plan(prepared: &Prepared, saved: Option<SavedPlan>, options: &scimform_plan::Options) -> anyhow::Result<Plan> {
    let fresh = scimform_plan::plan(&prepared.desired, &prepared.live, options);
    let Some(saved) = saved else { return Ok(fresh) };
    if fresh.live_fingerprint != saved.plan.live_fingerprint {
        anyhow::bail!(
            "the saved plan is stale: the live state changed since it was made (someone or something changed the tenant); make a new plan with `scimform plan --out` and review it again"
        );
    }
    check_unchecked_tokens(prepared, &saved.plan)?;
    let comparable = |plan: &Plan| without_unchecked_token_lines(plan, &saved.plan.unchecked_tokens);
    if let Some(difference) = crate::saved::first_difference(&comparable(&saved.plan), &comparable(&fresh)) {
        anyhow::bail!(
            "the saved plan is not what the specs and the tenant give: {difference}; was the plan file edited? Make a new plan with `scimform plan --out` and review it again"
        );
    }
    Ok(saved.plan)
}

/// The tokens a saved plan did not check (it was made without them) are checked now: one
/// that differs from the token saved in the tenant is a change the reviewed plan does not
/// hold, so the plan is refused.
fn check_unchecked_tokens(prepared: &Prepared, saved: &Plan) -> anyhow::Result<()> {
    for unchecked in &saved.unchecked_tokens {
        let changed = prepared
            .desired
            .apps
            .get(&unchecked.app)
            .and_then(|app| app.provisioning.as_ref())
            .is_some_and(|provisioning| provisioning.token_state == scimform_plan::state::TokenState::Changed);
        let has_job = prepared.live.app_for(&unchecked.app).is_some_and(|app| app.job.is_some());
        if changed && has_job {
            anyhow::bail!(
                "app.{}: the saved plan was made without its SCIM token ({}), and the token differs from the one saved in the tenant: saving it is a change the reviewed plan does not hold; make a new plan and review it again",
                unchecked.app,
                unchecked.reason
            );
        }
    }
    Ok(())
}

/// A plan without the `token` lines of the apps whose token `unchecked` lists: what a
/// plan made without tokens and one made with them (the same tokens) have in common.
fn without_unchecked_token_lines(plan: &Plan, unchecked: &[scimform_plan::UncheckedToken]) -> Plan {
    let mut plan = plan.clone();
    for change in &mut plan.changes {
        let app =
            change.address.strip_prefix("app.").and_then(|rest| rest.split(['.', '[']).next()).unwrap_or_default();
        if unchecked.iter().any(|token| token.app == app) {
            change.attributes.retain(|attribute| attribute.name != "token");
        }
    }
    plan
}

async fn execute(
    args: &ApplyArgs,
    target: &target::Target,
    prepared: &Prepared,
    (plan, stack): (&Plan, &str),
    environment: &TokenEnvironment,
    progress: &mut Progress,
) -> anyhow::Result<ExitStatus> {
    progress.plan(plan)?;
    if plan.is_empty() {
        progress.complete(&scimform_apply::Applied::default());
        return Ok(ExitStatus::Success);
    }
    let removals =
        plan.changes.iter().filter(|change| matches!(change.action, Action::Delete | Action::Replace)).count();
    if let Some(limit) = args.max_deletes
        && removals > limit
    {
        let things = if removals == 1 { "thing" } else { "things" };
        anyhow::bail!("the plan removes {removals} {things}, more than --max-deletes {limit}; nothing was changed");
    }
    // Retiring a stack is confirmed by typing its name, not by a reflexive `yes`.
    let confirmed =
        |progress: &Progress| if plan.destroy { progress.confirm_typing(stack) } else { progress.confirm() };
    if !args.auto_approve && !confirmed(progress)? {
        progress.cancelled();
        return Ok(ExitStatus::Failure);
    }
    let cancel = Arc::new(AtomicBool::new(false));
    // Stop between changes a little before the time limit, so that the change in flight
    // (and, if it fails, the removal of an app it half made) ends within it.
    let limit = args.target.timeout.unwrap_or(target::APPLY_TIMEOUT);
    let stop_at = tokio::time::Instant::now() + limit - (limit / 10).min(Duration::from_secs(120));
    let watcher = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = stop_requested() => {}
                () = tokio::time::sleep_until(stop_at) => {
                    tracing::warn!("the time limit (--timeout) is near: stopping after the change in flight");
                }
            }
            cancel.store(true, Ordering::SeqCst);
        })
    };
    let settle = args.settle_ms.unwrap_or(if args.target.emulator { 200 } else { 2000 });
    let write_rate = args.write_rate.filter(|rate| *rate > 0.0).unwrap_or(scimform_apply::GRAPH_WRITE_RATE);
    let options = ApplyOptions {
        cancel,
        settle: Duration::from_millis(settle),
        write_rate,
        stack: stack.to_owned(),
        ..ApplyOptions::standard()
    };
    progress.start(plan.changes.len());
    let mut on_event = |event: &Event| progress.event(event);
    let result =
        scimform_apply::apply(&target.client, plan, &prepared.live, environment, &options, &mut on_event).await;
    watcher.abort();
    progress.finish();
    let made = progress.completed();
    let applied = result.map_err(|error| match error {
        // These say themselves what was and was not changed.
        scimform_apply::ApplyError::Preflight(_)
        | scimform_apply::ApplyError::RolledBack { .. }
        | scimform_apply::ApplyError::RollbackFailed { .. } => anyhow::Error::new(error),
        error if made == 0 => anyhow::Error::new(error)
            .context("apply stopped at its first change, before any change was completed; fix the cause and run apply again to continue"),
        error => anyhow::Error::new(error).context(format!(
            "apply stopped after {made} of {} changes; those above were made, the rest were not; run apply again to continue",
            plan.changes.len()
        )),
    })?;
    if applied.interrupted {
        progress.interrupted(&applied, plan.changes.len());
        return Ok(ExitStatus::Failure);
    }
    progress.complete(&applied);
    Ok(ExitStatus::Success)
}

/// Resolves when the user or the system asks apply to stop: Ctrl-C (SIGINT), or SIGTERM,
/// which is what CI cancellation, systemd and Kubernetes send. Either way apply finishes
/// the step in flight and reports what was done; a second signal is not waited for here
/// (the process's default action, ending it, applies once this task is gone).
async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
