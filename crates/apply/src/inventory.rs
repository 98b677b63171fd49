//! The tenant's enterprise applications, for `scimform import`: which exist (with their
//! provisioning job's state and whether scimform manages them), and everything about
//! chosen ones that a spec can state.
//!
//! Enterprise applications are the service principals tagged
//! `WindowsAzureActiveDirectoryIntegratedApp` (what the portal lists under Enterprise
//! applications). Listing costs one paged query plus one job read per app, batched 20 to
//! a request; reading chosen apps costs four reads each, batched, plus the directory
//! look-ups of their owners and assigned principals.

use scimform_graph::models::{ServicePrincipal, SynchronizationJob};
use scimform_graph::{GraphClient, Request, literal, reads};
use scimform_plan::state::{LiveApp, LiveJob, marker_of};

use crate::refresh::{RefreshError, Results, failed, read_apps};
use crate::wire;

/// The tag Entra ID puts on every enterprise application.
const ENTERPRISE_APP_TAG: &str = "WindowsAzureActiveDirectoryIntegratedApp";

/// An enterprise application, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventoried {
    /// Its service principal, as Graph describes it.
    pub service_principal: ServicePrincipal,
    /// Its provisioning job, when it has one.
    pub job: Option<LiveJob>,
    /// `(name, stack)` when scimform manages it.
    pub managed: Option<(String, String)>,
}

/// Every enterprise application, sorted by display name, then id.
pub async fn enterprise_apps(client: &GraphClient) -> Result<Vec<Inventoried>, RefreshError> {
    let filter = format!("tags/any(t:t eq {})", literal(ENTERPRISE_APP_TAG));
    let mut found =
        client.list_service_principals(Some(&filter)).await.map_err(failed("the enterprise applications"))?;
    found.sort_by(|left, right| (&left.display_name, &left.id).cmp(&(&right.display_name, &right.id)));
    let requests: Vec<Request> = found.iter().map(|sp| reads::jobs(&sp.id)).collect();
    let mut results = Results::new(client, client.batch(&requests).await.into_iter().zip(requests));
    let mut apps = Vec::new();
    for service_principal in found {
        let what =
            format!("the provisioning jobs of `{}`", service_principal.display_name.as_deref().unwrap_or_default());
        let jobs: Vec<SynchronizationJob> = results.next(&what).await?;
        let job = jobs.into_iter().min_by(|left, right| left.id.cmp(&right.id)).map(wire::decode_job);
        let managed = marker_of(&service_principal.tags).map(|(name, stack)| (name.to_owned(), stack.to_owned()));
        apps.push(Inventoried { service_principal, job, managed });
    }
    Ok(apps)
}

/// Everything a spec can state about these apps, in scimform's vocabulary.
pub async fn read(client: &GraphClient, apps: &[Inventoried]) -> Result<Vec<LiveApp>, RefreshError> {
    let service_principals: Vec<ServicePrincipal> = apps.iter().map(|app| app.service_principal.clone()).collect();
    read_apps(client, service_principals).await
}

/// Whether `owner` (a service principal's object id) owns the app: its service principal
/// or its application, either of which lets `Application.ReadWrite.OwnedBy` change it.
pub async fn owned_by(client: &GraphClient, app: &LiveApp, owner: &str) -> Result<bool, RefreshError> {
    let owns = |owners: Vec<scimform_graph::models::DirectoryObject>| owners.iter().any(|object| object.id == owner);
    let service_principal_owners = client
        .list_owners(scimform_graph::Owned::ServicePrincipal(&app.service_principal_id))
        .await
        .map_err(failed(format!("the owners of `{}`", app.display_name)))?;
    if owns(service_principal_owners) {
        return Ok(true);
    }
    let application = client
        .get_application_by_app_id(&app.app_id)
        .await
        .map_err(failed(format!("the application of `{}`", app.display_name)))?;
    let application_owners = client
        .list_owners(scimform_graph::Owned::Application(&application.id))
        .await
        .map_err(failed(format!("the owners of the application of `{}`", app.display_name)))?;
    Ok(owns(application_owners))
}
