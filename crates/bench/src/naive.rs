//! The baseline: a naive per-object refresh, as a provider with a state file does it (the
//! Terraform azuread provider reads each resource by id): one GET per application, service
//! principal, owner list, provisioning job list, secret set and assignment, and one per
//! user and group assigned, 10 in flight.
//! The ids it needs (its "state") are read before the measured part starts.
//!
//! And a second, fairer baseline: a careful list-based tool without `$batch` ([`listed`]):
//! the managed list once, per app its owners, job list, secrets and assignment list, and the
//! principals 15 to a `$filter … in (…)`, 10 in flight.

use std::time::Instant;

use futures::StreamExt;
use serde_json::Value;

/// In flight at once (Terraform's default parallelism).
const IN_FLIGHT: usize = 10;

/// What the naive refresh took.
#[derive(Debug, Clone, Copy, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Naive {
    /// GETs sent.
    pub(crate) requests: usize,
    /// Wall time, seconds.
    pub(crate) wall_s: f64,
}

/// A signed-in HTTP client for the emulator's Graph.
pub(crate) struct Graph {
    http: reqwest::Client,
    root: String,
    token: String,
}

impl Graph {
    pub(crate) async fn sign_in(token_url: &str, root: &str, client_id: &str, secret: &str) -> anyhow::Result<Graph> {
        let http = reqwest::Client::new();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ];
        let answer: Value = http.post(token_url).form(&form).send().await?.error_for_status()?.json().await?;
        let token = answer["access_token"].as_str().ok_or_else(|| anyhow::anyhow!("no access token"))?.to_owned();
        Ok(Graph { http, root: root.to_owned(), token })
    }

    pub(crate) async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let response = self.http.get(format!("{}{path}", self.root)).bearer_auth(&self.token).send().await?;
        Ok(response.error_for_status()?.json().await?)
    }

    /// Every item of a list, following next links.
    async fn list(&self, path: &str) -> anyhow::Result<Vec<Value>> {
        let mut items = Vec::new();
        let mut page = self.get(path).await?;
        loop {
            items.extend(page["value"].as_array().cloned().unwrap_or_default());
            let Some(next) = page["@odata.nextLink"].as_str().map(str::to_owned) else { break };
            let response = self.http.get(next).bearer_auth(&self.token).send().await?;
            page = response.error_for_status()?.json().await?;
        }
        Ok(items)
    }
}

/// The per-object paths of every managed app: the naive tool's state.
pub(crate) async fn state(graph: &Graph) -> anyhow::Result<Vec<String>> {
    let filter = "tags/any(t:t eq 'scimform:managed')";
    let service_principals = graph.list(&format!("/servicePrincipals?$filter={filter}&$top=999")).await?;
    let mut paths = Vec::new();
    let mut principals = std::collections::BTreeSet::new();
    for sp in &service_principals {
        let id = sp["id"].as_str().unwrap_or_default();
        let app_id = sp["appId"].as_str().unwrap_or_default();
        paths.push(format!("/servicePrincipals/{id}"));
        paths.push(format!("/applications(appId='{app_id}')"));
        paths.push(format!("/servicePrincipals/{id}/owners"));
        paths.push(format!("/servicePrincipals/{id}/synchronization/jobs"));
        paths.push(format!("/servicePrincipals/{id}/synchronization/secrets"));
        for assignment in graph.list(&format!("/servicePrincipals/{id}/appRoleAssignedTo?$top=999")).await? {
            let assignment_id = assignment["id"].as_str().unwrap_or_default();
            paths.push(format!("/servicePrincipals/{id}/appRoleAssignedTo/{assignment_id}"));
            let principal = assignment["principalId"].as_str().unwrap_or_default();
            let kind = if assignment["principalType"] == "Group" { "groups" } else { "users" };
            principals.insert(format!("/{kind}/{principal}"));
        }
    }
    // Each user and group once, as a provider's data source would read it.
    paths.extend(principals);
    Ok(paths)
}

/// The GETs of a list-based refresh of the same apps: the managed list, per app its job
/// list, secrets and assignments (one page each), and the assigned users and groups 15 to
/// a filter.
pub(crate) fn listed(state: &[String]) -> Vec<String> {
    let filter = "tags/any(t:t eq 'scimform:managed')";
    let mut paths = vec![format!("/servicePrincipals?$filter={filter}&$top=999")];
    let (mut users, mut groups) = (Vec::new(), Vec::new());
    for path in state {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match parts.as_slice() {
            ["servicePrincipals", id] => {
                paths.push(format!("/servicePrincipals/{id}/owners"));
                paths.push(format!("/servicePrincipals/{id}/synchronization/jobs"));
                paths.push(format!("/servicePrincipals/{id}/synchronization/secrets"));
                paths.push(format!("/servicePrincipals/{id}/appRoleAssignedTo?$top=999"));
            }
            ["users", id] => users.push(format!("'{id}'")),
            ["groups", id] => groups.push(format!("'{id}'")),
            _ => {}
        }
    }
    for (collection, ids) in [("users", users), ("groups", groups)] {
        for chunk in ids.chunks(15) {
            paths.push(format!("/{collection}?$filter=id in ({})", chunk.join(",")));
        }
    }
    paths
}

/// Reads every path, [`IN_FLIGHT`] at a time.
pub(crate) async fn refresh(graph: &Graph, paths: &[String]) -> anyhow::Result<Naive> {
    let started = Instant::now();
    let results: Vec<anyhow::Result<Value>> =
        futures::stream::iter(paths.iter().map(|path| graph.get(path))).buffer_unordered(IN_FLIGHT).collect().await;
    for result in results {
        result?;
    }
    Ok(Naive { requests: paths.len(), wall_s: started.elapsed().as_secs_f64() })
}
