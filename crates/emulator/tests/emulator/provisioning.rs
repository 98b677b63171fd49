//! The provisioning engine against the built-in SCIM service provider: a started job's
//! cycles create, update, disable and group users in the SCIM app as Entra's service
//! does (`reference/scim/ENTRA-SCIM-CLIENT.md`), and the job's status says what happened.

use serde_json::{Value, json};

use crate::support::Harness;

const NETSKOPE: &str = "https://contoso.goskope.com/api/v2/scim";

struct Job {
    sp: String,
    url: String,
}

/// An app whose job saves `token` for the played Netskope endpoint, with bob assigned
/// directly and "Netskope Users" (alice; the nested "Netskope Contractors" holds erin).
async fn provisioned_app(harness: &Harness, token: &str) -> Job {
    let (_, sp) = harness.new_app("Netskope").await;
    let role = harness.get(&format!("/servicePrincipals/{sp}")).await.json()["appRoles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|role| role["displayName"] == "User")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (collection, filter) in
        [("users", "userPrincipalName eq 'bob@contoso.com'"), ("groups", "displayName eq 'Netskope Users'")]
    {
        let principal = harness.id_of(collection, filter).await;
        let assigned = harness
            .post(
                &format!("/servicePrincipals/{sp}/appRoleAssignedTo"),
                json!({ "principalId": principal, "resourceId": sp, "appRoleId": role }),
            )
            .await;
        assert_eq!(assigned.status, 201, "{:?}", assigned.body);
    }
    let jobs = format!("/servicePrincipals/{sp}/synchronization/jobs");
    let job = harness.post(&jobs, json!({ "templateId": "scim" })).await.json()["id"].as_str().unwrap().to_owned();
    let secrets = json!({ "value": [
        { "key": "BaseAddress", "value": NETSKOPE },
        { "key": "SecretToken", "value": token },
        { "key": "SyncAll", "value": "false" },
    ]});
    assert_eq!(
        harness
            .send("PUT", &format!("/servicePrincipals/{sp}/synchronization/secrets"), Some(secrets), &[])
            .await
            .status,
        204
    );
    assert_eq!(harness.post(&format!("{jobs}/{job}/start"), Value::Null).await.status, 204);
    Job { url: format!("/servicePrincipals/{sp}/jobs/{job}"), sp }
}

async fn cycle(harness: &Harness, job: &Job) -> Value {
    let (status, body) = harness.admin("POST", &format!("{}/cycle", job.url), None).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn scim_app(harness: &Harness) -> Value {
    harness.admin("GET", "/scim", None).await.1[NETSKOPE].clone()
}

fn user_names(app: &Value) -> Vec<(String, bool)> {
    let mut names: Vec<(String, bool)> = app["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| (user["userName"].as_str().unwrap().to_owned(), user["active"].as_bool().unwrap()))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_cycle_provisions_assigned_users_and_direct_group_members_only() {
    let harness = Harness::start().await;
    let job = provisioned_app(&harness, "netskope-token").await;
    let status = cycle(&harness, &job).await;
    assert_eq!(status["code"], "Active");
    assert_eq!(status["lastExecution"]["state"], "Succeeded", "{status}");
    assert_eq!(status["lastExecution"]["countExported"], 3, "bob, alice and the group: {status}");
    assert_eq!(
        status["lastSuccessfulExecutionWithExports"]["activityIdentifier"],
        status["lastExecution"]["activityIdentifier"]
    );
    let app = scim_app(&harness).await;
    assert_eq!(user_names(&app), [("alice@contoso.com".to_owned(), true), ("bob@contoso.com".to_owned(), true)]);
    let user = app["users"].as_array().unwrap().iter().find(|user| user["userName"] == "alice@contoso.com").unwrap();
    assert_eq!(user["displayName"], "Alice Example");
    assert_eq!(user["emails"][0], json!({ "type": "work", "value": "alice@contoso.com", "primary": true }));
    assert_eq!(user["externalId"], "alice");
    let group = &app["groups"][0];
    assert_eq!(group["displayName"], "Netskope Users");
    assert_eq!(group["members"], json!([{ "value": user["id"] }]), "erin is in a nested group: not provisioned");
    // Nothing changed: the next cycle exports nothing and reaches steady state.
    let status = cycle(&harness, &job).await;
    assert_eq!(status["lastExecution"]["countExported"], 0, "{status}");
    assert_ne!(status["steadyStateLastAchievedTime"], "0001-01-01T00:00:00Z");
    assert_eq!(
        status["synchronizedEntryCountByType"],
        json!([{ "key": "User", "value": 2 }, { "key": "Group", "value": 1 }])
    );
}

#[tokio::test]
async fn unassigning_disables_and_renaming_updates() {
    let harness = Harness::start().await;
    let job = provisioned_app(&harness, "netskope-token").await;
    cycle(&harness, &job).await;
    let bob = harness.id_of("users", "userPrincipalName eq 'bob@contoso.com'").await;
    let assignments = harness.get(&format!("/servicePrincipals/{}/appRoleAssignedTo", job.sp)).await;
    let assignment = assignments.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["principalId"] == bob.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let deleted = harness
        .send("DELETE", &format!("/servicePrincipals/{}/appRoleAssignedTo/{assignment}", job.sp), None, &[])
        .await;
    assert_eq!(deleted.status, 204);
    let alice = harness.id_of("users", "userPrincipalName eq 'alice@contoso.com'").await;
    let (status, _) =
        harness.admin("PATCH", &format!("/objects/{alice}"), Some(json!({ "displayName": "Alice Renamed" }))).await;
    assert_eq!(status, 204);
    let status = cycle(&harness, &job).await;
    assert_eq!(status["lastExecution"]["state"], "Succeeded", "{status}");
    let app = scim_app(&harness).await;
    assert_eq!(user_names(&app), [("alice@contoso.com".to_owned(), true), ("bob@contoso.com".to_owned(), false)]);
    let alice = app["users"].as_array().unwrap().iter().find(|user| user["userName"] == "alice@contoso.com").unwrap();
    assert_eq!(alice["displayName"], "Alice Renamed");
    let logs = harness.admin("GET", "/snapshot", None).await.1["provisioningLogs"].clone();
    let actions: Vec<&str> =
        logs.as_array().unwrap().iter().map(|row| row["provisioningAction"].as_str().unwrap()).collect();
    assert!(actions.contains(&"disable") && actions.contains(&"update") && actions.contains(&"create"), "{actions:?}");
}

#[tokio::test]
async fn a_token_the_scim_app_refuses_quarantines_the_job() {
    let harness = Harness::start().await;
    let (status, _) = harness
        .admin("PUT", "/scimEndpoints", Some(json!([{ "baseUrl": NETSKOPE, "token": "the-right-token" }])))
        .await;
    assert_eq!(status, 204);
    let job = provisioned_app(&harness, "a-wrong-token").await;
    let status = cycle(&harness, &job).await;
    assert_eq!(status["code"], "Quarantine");
    assert_eq!(status["lastExecution"]["state"], "Failed");
    assert_eq!(status["quarantine"]["reason"], "EncounteredQuarantineException");
    assert_eq!(
        status["quarantine"]["error"]["code"],
        "SystemForCrossDomainIdentityManagementCredentialValidationUnavailable"
    );
    assert_eq!(status["countSuccessiveCompleteFailures"], 1);
    assert!(scim_app(&harness).await["users"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_deletion_guard_holds_deletions_until_they_are_forced() {
    let harness = Harness::start().await;
    let job = provisioned_app(&harness, "netskope-token").await;
    let secrets = json!({ "value": [
        { "key": "BaseAddress", "value": NETSKOPE },
        { "key": "SecretToken", "value": "netskope-token" },
        { "key": "SyncAll", "value": "false" },
        { "key": "SyncNotificationSettings", "value": "{\"Enabled\":false,\"DeleteThresholdEnabled\":true,\"DeleteThresholdValue\":1}" },
    ]});
    assert_eq!(
        harness
            .send("PUT", &format!("/servicePrincipals/{}/synchronization/secrets", job.sp), Some(secrets), &[])
            .await
            .status,
        204
    );
    cycle(&harness, &job).await;
    // Unassign everything: two disables and a group deletion, over the threshold of 1.
    let assignments =
        harness.get(&format!("/servicePrincipals/{}/appRoleAssignedTo", job.sp)).await.json()["value"].clone();
    for assignment in assignments.as_array().unwrap() {
        let path = format!("/servicePrincipals/{}/appRoleAssignedTo/{}", job.sp, assignment["id"].as_str().unwrap());
        assert_eq!(harness.send("DELETE", &path, None, &[]).await.status, 204);
    }
    let status = cycle(&harness, &job).await;
    assert_eq!(status["quarantine"]["reason"], "TooManyDeletes", "{status}");
    assert!(user_names(&scim_app(&harness).await).iter().all(|(_, active)| *active), "nothing deleted yet");
    let job_path = job.url.replacen("/jobs/", "/synchronization/jobs/", 1);
    let restart =
        harness.post(&format!("{job_path}/restart"), json!({ "criteria": { "resetScope": "ForceDeletes" } })).await;
    assert_eq!(restart.status, 204);
    let status = cycle(&harness, &job).await;
    assert!(status["quarantine"].is_null(), "{status}");
    let app = scim_app(&harness).await;
    assert!(user_names(&app).iter().all(|(_, active)| !*active));
    assert!(app["groups"].as_array().unwrap().is_empty());
}

/// The provisioning logs: one row per object acted on, filterable by action, paged.
/// (`/auditLogs/provisioning` is beyond the reference's cut: read over raw HTTP.)
#[tokio::test]
async fn provisioning_logs_list_what_cycles_did() {
    let harness = Harness::start().await;
    let job = provisioned_app(&harness, "netskope-token").await;
    cycle(&harness, &job).await;
    let url = format!(
        "{}/auditLogs/provisioning?$filter=provisioningAction%20eq%20%27create%27&$top=2",
        harness.emulator.graph_url()
    );
    let page: Value = harness.http.get(&url).bearer_auth(&harness.token).send().await.unwrap().json().await.unwrap();
    let rows = page["value"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{page}");
    assert!(page["@odata.nextLink"].is_string(), "three creates, two a page: {page}");
    let row = &rows[0];
    assert_eq!(row["provisioningAction"], "create");
    assert_eq!(row["provisioningStatusInfo"]["status"], "success");
    assert_eq!(row["servicePrincipal"]["id"], job.sp.as_str());
    assert!(row["jobId"].as_str().unwrap().starts_with("scim."));
    let reader = harness.token_with_secret(crate::support::READER_CLIENT, crate::support::READER_SECRET).await;
    let denied = harness.http.get(&url).bearer_auth(reader).send().await.unwrap();
    assert_eq!(denied.status(), 403, "AuditLog.Read.All is needed");
}

/// Provision on demand runs a real one-subject cycle and answers in Graph's shape.
#[tokio::test]
async fn provision_on_demand_provisions_one_user_now() {
    let harness = Harness::start().await;
    let job = provisioned_app(&harness, "netskope-token").await;
    let sync = job.url.replacen("/jobs/", "/synchronization/jobs/", 1);
    let rule = harness.get(&format!("{sync}/schema")).await.json()["synchronizationRules"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob = harness.id_of("users", "userPrincipalName eq 'bob@contoso.com'").await;
    let body =
        json!({ "parameters": [{ "ruleId": rule, "subjects": [{ "objectId": bob, "objectTypeName": "User" }] }] });
    let answer = harness.post(&format!("{sync}/provisionOnDemand"), body).await;
    assert_eq!(answer.status, 200);
    let key: Value = serde_json::from_str(answer.json()["key"].as_str().unwrap()).unwrap();
    let value: Value = serde_json::from_str(answer.json()["value"].as_str().unwrap()).unwrap();
    assert_eq!(key["result"], "Success", "{key} {value}");
    assert_eq!(value["action"], "Create");
    assert_eq!(value["sourceIdentity"]["id"], bob.as_str());
    assert_eq!(user_names(&scim_app(&harness).await), [("bob@contoso.com".to_owned(), true)], "only bob, at once");
    // Erin is not assigned (her group is nested): skipped.
    let erin = harness.id_of("users", "userPrincipalName eq 'erin@contoso.com'").await;
    let body =
        json!({ "parameters": [{ "ruleId": rule, "subjects": [{ "objectId": erin, "objectTypeName": "User" }] }] });
    let answer = harness.post(&format!("{sync}/provisionOnDemand"), body).await;
    let key: Value = serde_json::from_str(answer.json()["key"].as_str().unwrap()).unwrap();
    assert_eq!(key["result"], "Skipped");
}

/// A scoping filter narrows who is provisioned, on top of assignment; a schema PUT with
/// an invalid pattern is refused.
#[tokio::test]
async fn scoping_filters_narrow_the_scope() {
    let harness = Harness::start().await;
    let job = provisioned_app(&harness, "netskope-token").await;
    let sync = job.url.replacen("/jobs/", "/synchronization/jobs/", 1);
    let mut schema = harness.get(&format!("{sync}/schema")).await.json().clone();
    let scope = json!({ "groups": [{ "name": "Only alice", "clauses": [
        { "sourceOperandName": "userPrincipalName", "operatorName": "REGEX_MATCH", "targetOperand": { "values": ["alice@.*"] } },
    ]}], "inputFilterGroups": [], "categoryFilterGroups": [] });
    schema["synchronizationRules"][0]["objectMappings"][0]["scope"] = scope.clone();
    let body = json!({ "synchronizationRules": schema["synchronizationRules"], "directories": schema["directories"] });
    assert_eq!(harness.send("PUT", &format!("{sync}/schema"), Some(body.clone()), &[]).await.status, 204);
    cycle(&harness, &job).await;
    assert_eq!(user_names(&scim_app(&harness).await), [("alice@contoso.com".to_owned(), true)], "bob fails the filter");
    let mut broken = body;
    broken["synchronizationRules"][0]["objectMappings"][0]["scope"]["groups"][0]["clauses"][0]["targetOperand"]["values"] =
        json!(["(unclosed"]);
    let refused = harness.send("PUT", &format!("{sync}/schema"), Some(broken), &[]).await;
    assert_eq!(refused.status, 400);
}
