//! `scimform plan`: refresh, resolve, diff, render, and optionally save.

use crate::ExitStatus;
use crate::cli::{GlobalArgs, PlanArgs};
use crate::render;
use crate::saved::SavedPlan;
use crate::target;

pub(crate) fn run(global: &GlobalArgs, args: &PlanArgs) -> anyhow::Result<ExitStatus> {
    let Some(mut loaded) = super::load_specs(global, &args.paths, args.stack.as_deref())? else {
        return Ok(ExitStatus::Failure);
    };
    let choices = super::Choices {
        prune: args.prune,
        replace: &args.redo.replace,
        allow_deletes: &args.redo.allow_deletes,
        only: &args.scope.only,
        destroy: args.scope.destroy,
    };
    let options = super::plan_options(&loaded, &choices)?;
    super::limit_to_targets(&mut loaded, &options);
    let runtime = super::runtime()?;
    let plan = runtime.block_on(async {
        let target = target::connect(&args.target).await?;
        render::note(global, &format!("Reading the live state from {}…", target.description));
        let environment = super::token_environment(&loaded);
        let absent = if args.require_tokens {
            scimform_apply::AbsentTokens::Refuse
        } else {
            scimform_apply::AbsentTokens::Allow
        };
        let prepared =
            scimform_apply::prepare_with(&target.client, &loaded.spec, &environment, &loaded.project.stack, absent)
                .await;
        let Some(prepared) = super::report_prepare(global, &loaded.sources, prepared)? else {
            target.close().await;
            return anyhow::Ok(None);
        };
        super::check_targets(&options, &prepared.desired)?;
        super::check_only(&options, &prepared)?;
        let mut plan = scimform_plan::plan(&prepared.desired, &prepared.live, &options);
        plan.warnings.extend(super::scim_check::plan_warnings(&loaded.spec));
        super::locate_token_warnings(&mut plan, &loaded);
        super::acknowledge_warnings(&mut plan, &loaded);
        let owned = super::check_ownership(global, &target.client, &plan, &prepared.live).await;
        target.close().await;
        owned?;
        Ok(Some(plan))
    })?;
    let Some(plan) = plan else { return Ok(ExitStatus::Failure) };
    render::plan::print(global.format, &plan, global.quiet)?;
    if let Some(out) = &args.out {
        let paths = args.paths.iter().map(|path| path.display().to_string()).collect();
        SavedPlan::new(plan.clone(), &loaded.sources, paths, &options).write(out)?;
        let out = out.display();
        render::note(global, &format!("Saved the plan to {out}; apply it with `scimform apply --plan {out}`."));
    }
    Ok(if args.detailed_exitcode && !plan.is_empty() { ExitStatus::Changes } else { ExitStatus::Success })
}
