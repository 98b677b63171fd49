//! The Netskope guide's whole portal flow, over raw HTTP, as Microsoft Graph calls:
//! token, instantiate, wait for replication, create job, validate credentials, save
//! secrets, start, assign a user and a group, list with paging, pause, remove an
//! assignment, delete the app. Then the same walk under injected faults.

use serde_json::{Value, json};

use crate::support::{Harness, Response, urlencode};

const TOKEN: &str = "netskope-scim-walk-token";

/// What a step may see before it succeeds: a fault (retried), or replication lag (404
/// retried for reads right after a create).
async fn until_ok(harness: &Harness, method: &str, path: &str, body: Option<Value>) -> Response {
    for _ in 0..40 {
        let response = harness.send(method, path, body.clone(), &[]).await;
        match response.status {
            429 | 500 | 502 | 503 | 504 | 404 => {
                let wait = response
                    .header("retry-after")
                    .and_then(|value| value.parse::<u64>().ok())
                    .map_or(25, |seconds| seconds * 10);
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            }
            _ => return response,
        }
    }
    panic!("step did not succeed in 40 tries");
}

/// The walk. With `retrying`, every step is retried on throttling, server errors and
/// replication 404s, as a careful client does.
async fn walk(harness: &Harness) {
    // Instantiate the non-gallery template.
    let created = until_ok(
        harness,
        "POST",
        &format!("/applicationTemplates/{}/instantiate", scimform_emulator::NON_GALLERY_TEMPLATE_ID),
        Some(json!({ "displayName": "Netskope SCIM" })),
    )
    .await;
    assert_eq!(created.status, 201);
    let application_id = created.json()["application"]["id"].as_str().unwrap().to_owned();
    let sp_id = created.json()["servicePrincipal"]["id"].as_str().unwrap().to_owned();
    let roles = created.json()["servicePrincipal"]["appRoles"].as_array().unwrap().clone();
    let user_role = roles.iter().find(|role| role["displayName"] == "User").unwrap()["id"].as_str().unwrap().to_owned();

    // Wait for replication: the new service principal must read back.
    let read = until_ok(harness, "GET", &format!("/servicePrincipals/{sp_id}"), None).await;
    assert_eq!(read.status, 200);

    // Provisioning templates: `scim` for a non-gallery app.
    let templates =
        until_ok(harness, "GET", &format!("/servicePrincipals/{sp_id}/synchronization/templates"), None).await;
    let template = templates.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|template| template["default"] == true)
        .unwrap()
        .clone();
    assert_eq!(template["id"], "scim");

    // Create the job: disabled, not configured.
    let job = until_ok(
        harness,
        "POST",
        &format!("/servicePrincipals/{sp_id}/synchronization/jobs"),
        Some(json!({ "templateId": "scim" })),
    )
    .await;
    assert_eq!(job.status, 201);
    let job_id = job.json()["id"].as_str().unwrap().to_owned();
    assert!(job_id.starts_with("scim."));
    assert_eq!(job.json()["schedule"]["state"], "Disabled");
    assert_eq!(job.json()["status"]["code"], "NotConfigured");
    let jobs = format!("/servicePrincipals/{sp_id}/synchronization/jobs");
    until_ok(harness, "GET", &format!("{jobs}/{job_id}"), None).await;

    // Test Connection with the desired credentials.
    let credentials = json!([
        { "key": "BaseAddress", "value": "https://contoso.goskope.com/api/v2/scim" },
        { "key": "SecretToken", "value": TOKEN },
    ]);
    let tested = until_ok(
        harness,
        "POST",
        &format!("{jobs}/{job_id}/validateCredentials"),
        Some(json!({ "useSavedCredentials": false, "credentials": credentials })),
    )
    .await;
    assert_eq!(tested.status, 204);

    // Save the secrets: the full set.
    let secrets = json!({ "value": [
        { "key": "BaseAddress", "value": "https://contoso.goskope.com/api/v2/scim" },
        { "key": "SecretToken", "value": TOKEN },
        { "key": "SyncAll", "value": "false" },
        { "key": "SyncNotificationSettings", "value": "{\"Enabled\":true,\"Recipients\":\"secops@contoso.com\",\"DeleteThresholdEnabled\":true,\"DeleteThresholdValue\":500}" },
    ]});
    let saved =
        until_ok(harness, "PUT", &format!("/servicePrincipals/{sp_id}/synchronization/secrets"), Some(secrets.clone()))
            .await;
    assert_eq!(saved.status, 204);

    // Start: Provision Status ON.
    let started = until_ok(harness, "POST", &format!("{jobs}/{job_id}/start"), None).await;
    assert_eq!(started.status, 204);
    let job = until_ok(harness, "GET", &format!("{jobs}/{job_id}"), None).await;
    assert_eq!(job.json()["schedule"]["state"], "Active");
    assert_eq!(job.json()["status"]["code"], "NotRun", "configured, first cycle not run yet");

    // Assign a user and a group.
    let alice = until_ok(
        harness,
        "GET",
        &format!("/users?$filter={}", urlencode("userPrincipalName eq 'alice@contoso.com'")),
        None,
    )
    .await;
    let alice = alice.json()["value"][0]["id"].as_str().unwrap().to_owned();
    let group =
        until_ok(harness, "GET", &format!("/groups?$filter={}", urlencode("displayName eq 'Netskope Users'")), None)
            .await;
    let group = group.json()["value"][0]["id"].as_str().unwrap().to_owned();
    let mut assignment_ids = Vec::new();
    for principal in [&alice, &group] {
        let body = json!({ "principalId": principal, "resourceId": sp_id, "appRoleId": user_role });
        let assigned =
            until_ok(harness, "POST", &format!("/servicePrincipals/{sp_id}/appRoleAssignedTo"), Some(body.clone()))
                .await;
        // A retried create that had in fact succeeded comes back as a duplicate.
        if assigned.status == 400 {
            assert_eq!(assigned.error_code(), "Request_BadRequest");
            continue;
        }
        assert_eq!(assigned.status, 201);
        assignment_ids.push(assigned.json()["id"].as_str().unwrap().to_owned());
    }

    // List with paging: one per page.
    let mut listed = Vec::new();
    let mut next = Some(format!("/servicePrincipals/{sp_id}/appRoleAssignedTo?$top=1"));
    while let Some(url) = next.take() {
        let page = until_ok(harness, "GET", &url, None).await;
        assert_eq!(page.json()["value"].as_array().unwrap().len(), 1);
        listed.extend(
            page.json()["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| item["principalId"].as_str().unwrap().to_owned()),
        );
        next = page.json()["@odata.nextLink"].as_str().map(str::to_owned);
    }
    listed.sort();
    let mut expected = vec![alice.clone(), group.clone()];
    expected.sort();
    assert_eq!(listed, expected);

    // Pause: Provision Status OFF.
    let paused = until_ok(harness, "POST", &format!("{jobs}/{job_id}/pause"), None).await;
    assert_eq!(paused.status, 204);
    let job = until_ok(harness, "GET", &format!("{jobs}/{job_id}"), None).await;
    assert_eq!(job.json()["schedule"]["state"], "Paused");

    // Remove the user's assignment (a 404 after a lost response counts as done).
    let all = until_ok(harness, "GET", &format!("/servicePrincipals/{sp_id}/appRoleAssignedTo"), None).await;
    let alice_assignment = all.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["principalId"] == alice.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let removed = harness
        .send("DELETE", &format!("/servicePrincipals/{sp_id}/appRoleAssignedTo/{alice_assignment}"), None, &[])
        .await;
    let removed = if removed.status == 204 || removed.status == 404 {
        removed
    } else {
        until_ok(harness, "DELETE", &format!("/servicePrincipals/{sp_id}/appRoleAssignedTo/{alice_assignment}"), None)
            .await
    };
    assert!(removed.status == 204 || removed.status == 404);

    // Delete the app: its service principal, job and assignments go with it.
    let deleted = until_ok(harness, "DELETE", &format!("/applications/{application_id}"), None).await;
    assert!(deleted.status == 204 || deleted.status == 404, "{}", deleted.status);
    let gone = harness.get(&format!("/servicePrincipals/{sp_id}")).await;
    if !(500..600).contains(&gone.status) && gone.status != 429 {
        assert_eq!(gone.status, 404);
    }
    let _ = assignment_ids;
}

#[tokio::test]
async fn the_portal_flow_over_raw_http() {
    let harness = Harness::start().await;
    harness.set_faults(json!({ "replicationLagMs": 150 })).await;
    walk(&harness).await;
    // Replication lag was visible: a read right after the create answered 404 first.
    let requests = harness.requests().await;
    let lagged = requests["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|entry| entry["route"] == "GET /servicePrincipals/{id}" && entry["status"] == 404);
    assert!(lagged, "no read saw the replication lag");
    // The secret saved is in the tenant (by digest), never in the snapshot in clear.
    let (_, snapshot) = harness.admin("GET", "/snapshot", None).await;
    assert!(!snapshot.to_string().contains(TOKEN));
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn the_portal_flow_under_faults_shows_them_exactly_where_configured() {
    let harness = Harness::start().await;
    harness
        .set_faults(json!({
            "seed": 7,
            "rules": [
                { "route": "POST /applicationTemplates/{id}/instantiate", "first": 1, "action": { "type": "status", "status": 503 } },
                { "route": "POST /servicePrincipals/{id}/synchronization/jobs", "nth": [1], "action": { "type": "throttle", "retryAfterSeconds": 1 } },
                { "route": "PUT /servicePrincipals/{id}/synchronization/secrets", "first": 2, "action": { "type": "status", "status": 502 } },
                { "route": "POST /servicePrincipals/{id}/appRoleAssignedTo", "every": 2, "action": { "type": "throttle", "retryAfterSeconds": 1 } },
                { "route": "GET /servicePrincipals/{id}/appRoleAssignedTo", "nth": [2], "action": { "type": "status", "status": 504 } },
                { "route": "* /servicePrincipals/{id}/synchronization/jobs/{id}/*", "action": { "type": "latency", "ms": 5, "jitterMs": 5 } },
            ],
        }))
        .await;
    walk(&harness).await;
    let requests = harness.requests().await;
    let faults: Vec<(String, String)> = requests["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|entry| {
            entry["fault"].as_str().map(|fault| (entry["route"].as_str().unwrap().to_owned(), fault.to_owned()))
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("POST /applicationTemplates/{id}/instantiate", "status(503)"),
        ("POST /servicePrincipals/{id}/synchronization/jobs", "throttle(retry-after=1)"),
        ("PUT /servicePrincipals/{id}/synchronization/secrets", "status(502)"),
        ("PUT /servicePrincipals/{id}/synchronization/secrets", "status(502)"),
        ("POST /servicePrincipals/{id}/appRoleAssignedTo", "throttle(retry-after=1)"),
        ("GET /servicePrincipals/{id}/appRoleAssignedTo", "status(504)"),
    ]
    .iter()
    .map(|(route, fault)| ((*route).to_owned(), (*fault).to_owned()))
    .collect();
    assert_eq!(faults, expected);
    // Faulted requests never reached the tenant: exactly one app was made and removed,
    // and the group assignment made it through once.
    let (_, snapshot) = harness.admin("GET", "/snapshot", None).await;
    let names: Vec<&str> = snapshot["servicePrincipals"]
        .as_object()
        .unwrap()
        .values()
        .map(|sp| sp["displayName"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"Netskope SCIM"), "{names:?}");
    harness.emulator.shutdown().await;
}
