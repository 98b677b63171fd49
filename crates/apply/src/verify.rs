//! `provisioning.verify`: provision the spec's users and groups on demand, one by one, and
//! report what the provisioning service did with each (the portal's "Provision on demand").
//!
//! Graph allows 5 provisionOnDemand calls per 10 seconds per tenant; calls are paced to
//! stay under it (and a 429 is retried by the client after its Retry-After). Each subject
//! is resolved by UPN or group name from the directory refresh read; the rule id comes
//! from the job's schema, read fresh.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::refresh::{RefreshError, failed};
use crate::schema_wire;
pub use crate::verified::{Outcome, Verified};
use scimform_graph::GraphClient;
use scimform_plan::{Directory, Live};
use scimform_spec::Spec;

/// Graph's limit: this many calls…
const CALLS_PER_WINDOW: usize = 5;
/// …per this window.
const WINDOW: Duration = Duration::from_secs(10);

/// Provisions on demand the `verify` subjects of every spec app (in spec order).
pub async fn verify(
    client: &GraphClient,
    spec: &Spec,
    live: &Live,
    directory: &Directory,
) -> Result<Vec<Verified>, RefreshError> {
    let mut calls: VecDeque<Instant> = VecDeque::new();
    let mut results = Vec::new();
    for app in &spec.apps {
        let Some(subjects) = app.provisioning.as_ref().and_then(|provisioning| provisioning.verify.as_ref()) else {
            continue;
        };
        let wanted =
            subjects.users.iter().map(|upn| ("user", upn, directory.user_by_upn(upn).map(|(id, _)| id.clone()))).chain(
                subjects.groups.iter().map(|name| {
                    let id = match directory.groups_named(name) {
                        [(id, _)] => Some(id.clone()),
                        _ => None,
                    };
                    ("group", name, id)
                }),
            );
        let job = live
            .app_for(&app.name)
            .and_then(|found| Some((found.service_principal_id.clone(), found.job.as_ref()?.id.clone())));
        let rule = match &job {
            Some((sp, job_id)) => {
                let what = format!("the provisioning schema of app `{}`", app.name);
                schema_wire::rule_id(&client.get_job_schema(sp, job_id).await.map_err(failed(what))?)
            }
            None => None,
        };
        for (kind, subject, id) in wanted {
            let mut verified = Verified {
                app: app.name.clone(),
                kind,
                subject: subject.clone(),
                outcome: Outcome::Failure,
                action: "Other".to_owned(),
                detail: String::new(),
                steps: Vec::new(),
            };
            match (&job, &rule, id) {
                (None, _, _) => verified.detail = "the app has no provisioning job; run apply first".to_owned(),
                (Some(_), None, _) => verified.detail = "the job's schema has no rule that provisions users".to_owned(),
                (_, _, None) => verified.detail = format!("no {kind} `{subject}` in the tenant"),
                (Some((sp, job_id)), Some(rule), Some(id)) => {
                    pace(&mut calls).await;
                    let object_type = if kind == "user" { "User" } else { "Group" };
                    let what = format!("provisioning {kind} `{subject}` on demand for app `{}`", app.name);
                    let answer =
                        client.provision_on_demand(sp, job_id, rule, &id, object_type).await.map_err(failed(what))?;
                    crate::wire::decode_on_demand(&answer, &mut verified);
                }
            }
            results.push(verified);
        }
    }
    Ok(results)
}

/// Waits until one more call fits in Graph's window.
async fn pace(calls: &mut VecDeque<Instant>) {
    while calls.front().is_some_and(|oldest| oldest.elapsed() >= WINDOW) {
        calls.pop_front();
    }
    if calls.len() >= CALLS_PER_WINDOW
        && let Some(oldest) = calls.front()
    {
        tokio::time::sleep(WINDOW.saturating_sub(oldest.elapsed())).await;
        calls.pop_front();
    }
    calls.push_back(Instant::now());
}
