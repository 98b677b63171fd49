//! `scimform drift`: the scheduled job's one command. Plans (read-only) and judges health
//! in one refresh, and reports both; the exit code says which of the two is wrong.
//!
//! Repairs (restarting a job the service quarantined) are changes a plan proposes, but
//! they are health, not configuration: they do not count as drift here, and the
//! quarantine shows in the health part instead.

use crate::ExitStatus;
use crate::cli::{GlobalArgs, StatusArgs};
use crate::render;
use crate::target;

pub(crate) fn run(global: &GlobalArgs, args: &StatusArgs) -> anyhow::Result<ExitStatus> {
    let started = std::time::Instant::now();
    let Some(mut loaded) = super::load_specs(global, &args.paths, args.stack.as_deref())? else {
        return Ok(ExitStatus::Failure);
    };
    let choices = super::Choices { prune: false, replace: &[], allow_deletes: &[], only: &args.only, destroy: false };
    let options = super::plan_options(&loaded, &choices)?;
    super::limit_to_targets(&mut loaded, &options);
    let runtime = super::runtime()?;
    let outcome = runtime.block_on(async {
        let target = target::connect(&args.target).await?;
        render::note(global, &format!("Reading the live state and provisioning health from {}…", target.description));
        let environment = super::token_environment(&loaded);
        // The nightly job may run without SCIM secrets: tokens absent here are not checked.
        let absent = scimform_apply::AbsentTokens::Allow;
        let prepared =
            scimform_apply::prepare_with(&target.client, &loaded.spec, &environment, &loaded.project.stack, absent)
                .await;
        let outcome = match super::report_prepare(global, &loaded.sources, prepared) {
            Ok(Some(prepared)) => match super::check_only(&options, &prepared) {
                Err(error) => Err(error),
                Ok(()) => {
                    let mut plan = scimform_plan::plan(&prepared.desired, &prepared.live, &options);
                    super::locate_token_warnings(&mut plan, &loaded);
                    super::acknowledge_warnings(&mut plan, &loaded);
                    let checks =
                        scimform_apply::health::Checks { test_connection: args.test_connection, logs: args.logs };
                    super::status::assess(&target.client, &loaded.spec, &prepared.live, &prepared.health, checks)
                        .await
                        .map(|apps| Some((plan, apps)))
                }
            },
            Ok(None) => Ok(None),
            Err(error) => Err(error),
        };
        target.close().await;
        outcome
    })?;
    let Some((plan, apps)) = outcome else { return Ok(ExitStatus::Failure) };
    if let Some(path) = &args.metrics_file {
        let run = render::metrics::Run {
            stack: &loaded.project.stack,
            plan: Some(&plan),
            apps: &apps,
            duration: started.elapsed(),
            now: std::time::SystemTime::now(),
        };
        render::metrics::write(path, &render::metrics::text(&run))?;
    }
    let shown = if global.format == crate::cli::Format::Human {
        super::status::quieted(global.quiet, &apps)
    } else {
        apps.clone()
    };
    let quiet = global.quiet && global.format == crate::cli::Format::Human;
    let report = render::drift::Report { plan: &plan, apps: &shown, quiet };
    render::stdout(&render::drift::render(global.format, &report))?;
    let drifted = plan.has_config_changes();
    let unhealthy = apps.iter().any(|app| !app.healthy);
    Ok(match (drifted, unhealthy) {
        (false, false) => ExitStatus::Success,
        (true, false) => ExitStatus::Changes,
        (false, true) => ExitStatus::Unhealthy,
        (true, true) => ExitStatus::ChangesAndUnhealthy,
    })
}
