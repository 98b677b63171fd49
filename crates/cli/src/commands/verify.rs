//! `scimform verify`: provision each spec's `provisioning.verify` subjects on demand and
//! report. Apply calls [`after_apply`] for the same after its changes.

use scimform_apply::verify::{Outcome, Verified};
use scimform_graph::GraphClient;
use scimform_spec::Spec;

use crate::ExitStatus;
use crate::cli::{GlobalArgs, VerifyArgs};
use crate::render;
use crate::target;

pub(crate) fn run(global: &GlobalArgs, args: &VerifyArgs) -> anyhow::Result<ExitStatus> {
    let Some(loaded) = super::load_specs(global, &args.paths, args.stack.as_deref())? else {
        return Ok(ExitStatus::Failure);
    };
    let runtime = super::runtime()?;
    let results = runtime.block_on(async {
        let target = target::connect(&args.target).await?;
        render::note(global, &format!("Provisioning on demand through {}…", target.description));
        let results = verify(&target.client, &loaded.spec).await;
        target.close().await;
        results
    })?;
    render::stdout(&render::verify::text(global.format, &results))?;
    Ok(status_of(&results))
}

/// Refreshes (the apps and the subjects' ids) and provisions on demand.
async fn verify(client: &GraphClient, spec: &Spec) -> anyhow::Result<Vec<Verified>> {
    let refreshed = scimform_apply::refresh(client, spec).await?;
    Ok(scimform_apply::verify::verify(client, spec, &refreshed.live, &refreshed.directory).await?)
}

fn status_of(results: &[Verified]) -> ExitStatus {
    if results.iter().any(|result| result.outcome == Outcome::Failure) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// After a successful apply: when a spec lists `verify` subjects, provision them on demand,
/// print the report (people's formats only: JSON output stays apply's event stream) and
/// fail when one failed.
pub(crate) async fn after_apply(
    global: &GlobalArgs,
    client: &GraphClient,
    spec: &Spec,
    on_result: &dyn Fn(&Verified),
) -> anyhow::Result<ExitStatus> {
    let wanted = spec.apps.iter().any(|app| app.provisioning.as_ref().is_some_and(|p| p.verify.is_some()));
    if !wanted {
        return Ok(ExitStatus::Success);
    }
    let results = verify(client, spec).await?;
    for result in &results {
        on_result(result);
    }
    if global.format != crate::cli::Format::Json {
        render::stdout(&render::verify::human(&results))?;
    }
    let failed: Vec<String> = results
        .iter()
        .filter(|result| result.outcome == Outcome::Failure)
        .map(|result| format!("app.{} {} {}: {}", result.app, result.kind, result.subject, result.detail))
        .collect();
    if !failed.is_empty() {
        anyhow::bail!(
            "provisioning on demand failed after apply (the changes were made): {}; fix the SCIM app or the mappings, then run `scimform verify`",
            failed.join("; ")
        );
    }
    Ok(status_of(&results))
}
