//! `scimform plan`: refresh, resolve, diff, render, and optionally save.

use std::io::Write;

use anyhow::Context;

use crate::ExitStatus;
use crate::cli::{Format, GlobalArgs, PlanArgs};
use crate::render;
use crate::saved::SavedPlan;
use crate::target;

pub(crate) fn run(global: &GlobalArgs, args: &PlanArgs) -> anyhow::Result<ExitStatus> {
    let Some(loaded) = super::load_specs(global, &args.paths)? else { return Ok(ExitStatus::Failure) };
    let runtime = super::runtime()?;
    let plan = runtime.block_on(async {
        let target = target::connect(&args.target).await?;
        if global.format == Format::Human && !global.quiet {
            let mut stderr = anstream::stderr().lock();
            writeln!(stderr, "Reading the live state from {}…", target.description)?;
        }
        let prepared =
            scimform_apply::prepare(&target.client, &loaded.spec, &scimform_apply::TokenEnvironment::from_process())
                .await;
        target.close().await;
        let Some(prepared) = super::report_prepare(prepared)? else { return anyhow::Ok(None) };
        Ok(Some(scimform_plan::plan(&prepared.desired, &prepared.live, &scimform_plan::Options { prune: args.prune })))
    })?;
    let Some(plan) = plan else { return Ok(ExitStatus::Failure) };
    print_plan(global.format, &plan)?;
    if let Some(out) = &args.out {
        let paths = args.paths.iter().map(|path| path.display().to_string()).collect();
        SavedPlan::new(plan.clone(), &loaded.sources, paths, args.prune).write(out)?;
        if global.format == Format::Human && !global.quiet {
            let mut stderr = anstream::stderr().lock();
            writeln!(
                stderr,
                "Saved the plan to {}; apply it with `scimform apply --plan {}`.",
                out.display(),
                out.display()
            )?;
        }
    }
    Ok(if args.detailed_exitcode && !plan.is_empty() { ExitStatus::Changes } else { ExitStatus::Success })
}

pub(crate) fn print_plan(format: Format, plan: &scimform_plan::Plan) -> anyhow::Result<()> {
    let text = match format {
        Format::Human => render::plan::human(plan),
        Format::Json => render::plan::json(plan),
        Format::Markdown => render::plan::markdown(plan),
        Format::Github => render::plan::github(plan),
    };
    anstream::stdout().lock().write_all(text.as_bytes()).context("failed to write to standard output")
}
