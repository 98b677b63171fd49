//! Marker tags are not proof enough that an app is scimform's: anyone who can edit an
//! app's tags can copy them onto an app scimform never made, which would then be renamed,
//! given other provisioning credentials, unassigned or (with `--prune`) deleted. So before
//! a plan changes a managed app, the identity running scimform must own it: Entra makes
//! the creator of an app its owner, and adoption makes the pipeline an owner (under
//! `Application.ReadWrite.OwnedBy` an administrator does, which is the point).
//!
//! Only apps the plan changes are checked (a plan with no changes costs nothing more), at
//! two or three reads each, all apps at once within the client's concurrency. A read-only identity (one without an `Application.ReadWrite`
//! permission, as pull-request plans use) owns nothing it plans for; for it the check is
//! skipped and said so, and `apply`, which runs as the writer, makes it.

use scimform_graph::GraphClient;
use scimform_plan::{Live, Plan};

use crate::refresh::RefreshError;

/// The permissions that let an identity change apps.
const WRITE_ROLES: [&str; 2] = ["Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"];

/// What the ownership check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ownership {
    /// The identity owns every managed app the plan changes, but these.
    Checked(Vec<Unowned>),
    /// The check could not be made, for this reason.
    NotChecked(String),
}

/// A managed app the plan changes that the identity running scimform does not own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unowned {
    /// Its app name.
    pub app: String,
    /// Its display name.
    pub display_name: String,
    /// Its service principal.
    pub service_principal_id: String,
}

impl std::fmt::Display for Unowned {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "app.{} (`{}`, service principal {}) carries scimform's tags, but the identity running scimform does not own it, so scimform did not make or adopt it (were its tags copied by hand?)",
            self.app, self.display_name, self.service_principal_id
        )
    }
}

/// The managed apps `plan` changes that the identity running scimform does not own.
pub async fn unowned_changes(client: &GraphClient, plan: &Plan, live: &Live) -> Result<Ownership, RefreshError> {
    let changed: std::collections::BTreeSet<&str> = plan
        .changes
        .iter()
        .filter(|change| !change.address.contains(".stray["))
        .filter_map(|change| change.address.strip_prefix("app.")?.split(['.', '[']).next())
        .filter(|name| live.apps.contains_key(*name))
        .collect();
    if changed.is_empty() {
        return Ok(Ownership::Checked(Vec::new()));
    }
    let identity = match client.identity().await {
        Ok(identity) => identity,
        Err(_) => return Ok(Ownership::NotChecked("the access token does not say who signed in".to_owned())),
    };
    let Some(me) = identity.object_id else {
        return Ok(Ownership::NotChecked("the access token names no object id".to_owned()));
    };
    let writer = identity.roles.is_empty() || identity.roles.iter().any(|role| WRITE_ROLES.contains(&role.as_str()));
    if !writer {
        return Ok(Ownership::NotChecked(
            "the identity may not change apps (read-only); apply checks that it owns the apps it changes".to_owned(),
        ));
    }
    let me = me.as_str();
    let checks = changed.into_iter().map(|name| async move {
        let app = &live.apps[name];
        let owned = crate::inventory::owned_by(client, app, me).await?;
        Ok::<_, RefreshError>((!owned).then(|| Unowned {
            app: name.to_owned(),
            display_name: app.display_name.clone(),
            service_principal_id: app.service_principal_id.clone(),
        }))
    });
    let found = futures::future::try_join_all(checks).await?;
    Ok(Ownership::Checked(found.into_iter().flatten().collect()))
}
