//! `scimform doctor`: signs in, reads the application permissions in the access token,
//! compares them with what the specs need for the identity's use (`--for plan|drift|apply`,
//! README's least-privilege table), checks that
//! the pipeline owns the apps it must change when only `Application.ReadWrite.OwnedBy`
//! is granted, and says what is missing with the command that grants it. Read-only.

use scimform_graph::Identity;
use scimform_spec::Spec;
use serde::Serialize;

use crate::ExitStatus;
use crate::cli::{DoctorArgs, DoctorUse, Format, GlobalArgs};
use crate::render;
use crate::target;

/// Microsoft Graph's application id (the API whose app roles are the permissions).
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// One check and its outcome.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Check {
    /// What is checked.
    name: String,
    /// Whether it holds.
    ok: bool,
    /// What was found.
    detail: String,
    /// How to fix it, when it does not hold.
    fix: Option<String>,
    /// An optional permission not granted: the use works, with a named gap.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    gap: bool,
}

/// A permission the specs need, and the permissions that also grant it.
struct Need {
    permission: &'static str,
    also: &'static [&'static str],
    for_what: &'static str,
    /// Without it the use still works, with a named gap (`drift`: logs, Test Connection).
    optional: bool,
}

const fn need(permission: &'static str, also: &'static [&'static str], for_what: &'static str) -> Need {
    Need { permission, also, for_what, optional: false }
}

/// What `spec` needs for `use_for`: the README's least-privilege table. `plan` reads only;
/// `drift` reads, and names what it gives up without the logs or Test Connection; `apply`
/// changes.
fn needs(spec: &Spec, use_for: DoctorUse) -> Vec<Need> {
    let apply = use_for == DoctorUse::Apply;
    let mut needs = vec![need(
        "Application.Read.All",
        &["Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
        "finding apps by marker tag and display name",
    )];
    if spec.apps.is_empty() {
        return needs;
    }
    let any = |test: &dyn Fn(&scimform_spec::model::App) -> bool| spec.apps.iter().any(test);
    let provisioning = any(&|app| app.provisioning.is_some());
    if apply {
        needs.push(need(
            "Application.ReadWrite.OwnedBy",
            &["Application.ReadWrite.All"],
            "creating apps from templates and changing the apps it owns",
        ));
    }
    if provisioning && apply {
        needs.push(need(
            "Synchronization.ReadWrite.All",
            &[],
            "provisioning jobs, secrets, Test Connection, start and pause",
        ));
    } else if provisioning {
        needs.push(need(
            "Synchronization.Read.All",
            &["Synchronization.ReadWrite.All"],
            "reading provisioning jobs and their schemas",
        ));
    }
    if apply && any(&|app| app.assignments.is_some()) {
        needs.push(need("AppRoleAssignment.ReadWrite.All", &[], "assigning users and groups"));
    }
    if any(&|app| app.owners.is_some() || app.assignments.is_some()) {
        needs.push(need(
            "User.Read.All",
            &["Directory.Read.All", "Directory.ReadWrite.All", "User.ReadWrite.All"],
            "resolving users by UPN",
        ));
    }
    if any(&|app| app.assignments.is_some()) {
        needs.push(need(
            "Group.Read.All",
            &["Directory.Read.All", "Directory.ReadWrite.All", "Group.ReadWrite.All"],
            "resolving groups by name and detecting nested groups",
        ));
    }
    if provisioning && use_for == DoctorUse::Drift {
        needs.push(Need {
            optional: true,
            ..need("AuditLog.Read.All", &[], "naming the objects that fail (provisioning logs)")
        });
        needs.push(Need {
            optional: true,
            ..need("Synchronization.ReadWrite.All", &[], "`--test-connection` (Test Connection is a write)")
        });
    }
    needs
}

fn grant_command(app_id: &str, permission: &str) -> String {
    format!(
        "az ad app permission add --id {app_id} --api {GRAPH_APP_ID} --api-permissions \"$(az ad sp show --id {GRAPH_APP_ID} --query \"appRoles[?value=='{permission}'].id\" -o tsv)=Role\" && az ad app permission admin-consent --id {app_id}"
    )
}

fn permission_checks(identity: &Identity, spec: &Spec, use_for: DoctorUse) -> Vec<Check> {
    let app_id = identity.app_id.clone().unwrap_or_else(|| "<application id>".to_owned());
    needs(spec, use_for)
        .into_iter()
        .map(|need| {
            let granted = std::iter::once(need.permission)
                .chain(need.also.iter().copied())
                .find(|permission| identity.roles.iter().any(|role| role == permission));
            Check {
                name: format!("permission {}", need.permission),
                ok: granted.is_some() || need.optional,
                detail: match (granted, need.optional) {
                    (Some(permission), _) => format!("granted ({permission}): {}", need.for_what),
                    (None, false) => format!("missing: needed for {}", need.for_what),
                    (None, true) => format!("not granted (optional): without it, no {}", need.for_what),
                },
                fix: (granted.is_none() && !need.optional).then(|| grant_command(&app_id, need.permission)),
                gap: granted.is_none() && need.optional,
            }
        })
        .collect()
}

pub(crate) fn run(global: &GlobalArgs, args: &DoctorArgs) -> anyhow::Result<ExitStatus> {
    let Some(loaded) = super::load_specs(global, &args.paths, args.stack.as_deref())? else {
        return Ok(ExitStatus::Failure);
    };
    let runtime = super::runtime()?;
    let checks = runtime.block_on(async {
        let target = target::connect(&args.target).await?;
        render::note(global, &format!("Checking {}…", target.description));
        let result = checks(&target.client, &loaded.spec, args.use_for).await;
        target.close().await;
        result
    })?;
    // `-q`: only what is missing.
    let shown: Vec<&Check> = checks.iter().filter(|check| !(global.quiet && check.ok)).collect();
    print(global.format, &shown)?;
    Ok(if checks.iter().all(|check| check.ok) { ExitStatus::Success } else { ExitStatus::Failure })
}

async fn checks(client: &scimform_graph::GraphClient, spec: &Spec, use_for: DoctorUse) -> anyhow::Result<Vec<Check>> {
    let identity = client.identity().await?;
    let mut checks = vec![Check {
        name: "sign-in".to_owned(),
        ok: true,
        detail: format!(
            "signed in as application {} (service principal {}) in tenant {}",
            identity.app_id.as_deref().unwrap_or("?"),
            identity.object_id.as_deref().unwrap_or("?"),
            identity.tenant_id.as_deref().unwrap_or("?")
        ),
        fix: None,
        gap: false,
    }];
    checks.extend(permission_checks(&identity, spec, use_for));
    let owned_by_only = identity.roles.iter().any(|role| role == "Application.ReadWrite.OwnedBy")
        && !identity.roles.iter().any(|role| role == "Application.ReadWrite.All");
    if owned_by_only && !spec.apps.is_empty() && use_for == DoctorUse::Apply {
        checks.extend(ownership_checks(client, spec, &identity).await?);
    }
    Ok(checks)
}

/// Under `Application.ReadWrite.OwnedBy`, the pipeline must own every existing app the
/// specs manage or adopt.
async fn ownership_checks(
    client: &scimform_graph::GraphClient,
    spec: &Spec,
    identity: &Identity,
) -> anyhow::Result<Vec<Check>> {
    let Some(owner) = identity.object_id.as_deref() else {
        return Ok(vec![Check {
            name: "ownership".to_owned(),
            ok: false,
            detail: "the access token names no service principal (`oid`), so ownership cannot be checked".to_owned(),
            fix: None,
            gap: false,
        }]);
    };
    let refreshed = scimform_apply::refresh(client, spec).await?;
    let mut checks = Vec::new();
    for app in &spec.apps {
        let Some(live) = refreshed.live.app_for(&app.name) else { continue };
        let owned = scimform_apply::inventory::owned_by(client, live, owner).await?;
        checks.push(Check {
            name: format!("ownership of app.{}", app.name),
            ok: owned,
            detail: if owned {
                format!("the pipeline owns `{}`", live.display_name)
            } else {
                format!(
                    "the pipeline does not own `{}`: under Application.ReadWrite.OwnedBy it cannot change it",
                    live.display_name
                )
            },
            fix: (!owned).then(|| format!("az ad app owner add --id {} --owner-object-id {owner}", live.app_id)),
            gap: false,
        });
    }
    Ok(checks)
}

fn print(format: Format, checks: &[&Check]) -> anyhow::Result<()> {
    let text = match format {
        Format::Json => {
            serde_json::to_string_pretty(
                &serde_json::json!({ "formatVersion": 1, "ok": checks.iter().all(|check| check.ok), "checks": checks }),
            )? + "\n"
        }
        Format::Github => checks
            .iter()
            .filter(|check| !check.ok)
            .map(|check| {
                let fix = check.fix.as_deref().map(|fix| format!("; fix: {fix}")).unwrap_or_default();
                format!(
                    "::error title=scimform doctor::{}: {}{}\n",
                    check.name,
                    render::escape_data(&check.detail),
                    render::escape_data(&fix)
                )
            })
            .collect(),
        Format::Markdown => {
            let mut out = String::from("| | check | detail |\n| --- | --- | --- |\n");
            for check in checks {
                let icon = if check.ok { "✅" } else { "❌" };
                let fix = check.fix.as_deref().map(|fix| format!("<br>fix: `{fix}`")).unwrap_or_default();
                out.push_str(&format!("| {icon} | {} | {}{fix} |\n", check.name, check.detail.replace('|', "\\|")));
            }
            out
        }
        Format::Human => {
            let mut out = String::new();
            for check in checks {
                let mark = match (check.ok, check.gap) {
                    (true, false) => "ok     ",
                    (true, true) => "gap    ",
                    (false, _) => "MISSING",
                };
                out.push_str(&format!("{mark} {}: {}\n", check.name, check.detail));
                if let Some(fix) = &check.fix {
                    out.push_str(&format!("        fix: {fix}\n"));
                }
            }
            out
        }
    };
    render::stdout(&text)
}
