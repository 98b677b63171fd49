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

/// An app whose job saves `token` for the played Netskope endpoint (with Entra's SCIM 2.0
/// compliance flag, whose requests the strict built-in provider takes), with bob assigned
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
        { "key": "BaseAddress", "value": format!("{NETSKOPE}?aadOptscim062020") },
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
        { "key": "BaseAddress", "value": format!("{NETSKOPE}?aadOptscim062020") },
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
    // §6: the steps the portal shows, import to export.
    let steps: Vec<(&str, &str)> = row["provisioningSteps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| (step["provisioningStepType"].as_str().unwrap(), step["status"].as_str().unwrap()))
        .collect();
    assert_eq!(steps, [("import", "success"), ("scoping", "success"), ("matching", "success"), ("export", "success")]);
    assert_eq!(row["provisioningSteps"][3]["name"], "EntryExportAdd");
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

/// A SCIM app that records every request and refuses to create users whose `userName`
/// is in `refused` (500): the engine's wire forms and retries, seen from the app.
struct RecordingApp {
    requests: std::sync::Arc<std::sync::Mutex<Vec<(String, String, Value)>>>,
    root: String,
    task: tokio::task::JoinHandle<()>,
}

impl RecordingApp {
    async fn start(refused: &'static [&'static str]) -> RecordingApp {
        use axum::http::{Method, StatusCode, Uri};
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = requests.clone();
        let handler = move |method: Method, uri: Uri, body: String| {
            let log = log.clone();
            async move {
                let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                log.lock().unwrap().push((method.to_string(), uri.to_string(), body.clone()));
                let refused_user = body["userName"].as_str().is_some_and(|name| refused.contains(&name));
                match method.as_str() {
                    "GET" => (
                        StatusCode::OK,
                        axum::Json(
                            json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "Resources": [] }),
                        ),
                    ),
                    "POST" if refused_user => {
                        (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({ "status": "500", "detail": "refused" })))
                    }
                    "POST" => {
                        let mut created = body.clone();
                        created["id"] = json!(format!("id-{}", log.lock().unwrap().len()));
                        (StatusCode::CREATED, axum::Json(created))
                    }
                    _ => (StatusCode::OK, axum::Json(json!({}))),
                }
            }
        };
        let router = axum::Router::new().fallback(handler);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let root = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        RecordingApp { requests, root, task }
    }

    fn take(&self) -> Vec<(String, String, Value)> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }
}

/// Routes the played Netskope base URL to `app`.
async fn route_to(harness: &Harness, app: &RecordingApp) {
    let endpoints = json!([{ "baseUrl": NETSKOPE, "target": app.root }]);
    let (status, body) = harness.admin("PUT", "/scimEndpoints", Some(endpoints)).await;
    assert!(status < 300, "{body}");
}

/// §1.2: every cycle first asks for a user that does not exist, by a random GUID.
#[tokio::test]
async fn each_cycle_probes_with_a_random_guid() {
    let harness = Harness::start().await;
    let app = RecordingApp::start(&[]).await;
    route_to(&harness, &app).await;
    let job = provisioned_app(&harness, "netskope-token").await;
    let mut probes = Vec::new();
    for _ in 0..2 {
        cycle(&harness, &job).await;
        let (method, path, _) = app.take().into_iter().next().unwrap();
        assert_eq!(method, "GET");
        let value = path.split("%22").nth(1).unwrap().to_owned();
        assert!(path.starts_with("/Users?filter=userName%20eq%20%22"), "{path}");
        let shape: Vec<usize> = value.split('-').map(str::len).collect();
        assert_eq!(shape, [8, 4, 4, 4, 12], "a GUID: {value}");
        probes.push(value);
    }
    assert_ne!(probes[0], probes[1], "random, not fixed");
    app.task.abort();
}

/// §4.2: an object the SCIM app keeps refusing is retried with decreasing frequency:
/// the next cycle, then after one skipped cycle, then after three.
#[tokio::test]
async fn escrowed_objects_are_retried_less_and_less_often() {
    let harness = Harness::start().await;
    let app = RecordingApp::start(&["bob@contoso.com"]).await;
    route_to(&harness, &app).await;
    let job = provisioned_app(&harness, "netskope-token").await;
    let mut tried = Vec::new();
    for number in 1..=8 {
        let status = cycle(&harness, &job).await;
        assert_eq!(status["lastExecution"]["state"], "EntryLevelErrors", "cycle {number}: {status}");
        let creates_bob =
            app.take().iter().any(|(method, _, body)| method == "POST" && body["userName"] == "bob@contoso.com");
        if creates_bob {
            tried.push(number);
        }
    }
    assert_eq!(tried, [1, 2, 4, 8], "tried in cycles {tried:?}");
    app.task.abort();
}

/// §1.6: with the compliance flag, several replaced attributes go as one pathless
/// `replace` whose value is keyed by path; without it, one `Replace` each.
#[tokio::test]
async fn the_compliance_flag_merges_replaced_attributes() {
    // displayName, name.formatted and name.givenName change.
    for (flagged, expected_ops) in [(false, vec!["Replace"; 3]), (true, vec!["replace"])] {
        let harness = Harness::start().await;
        let app = RecordingApp::start(&[]).await;
        let base = if flagged { format!("{NETSKOPE}?aadOptscim062020") } else { NETSKOPE.to_owned() };
        let endpoints = json!([{ "baseUrl": base, "target": app.root }]);
        harness.admin("PUT", "/scimEndpoints", Some(endpoints)).await;
        let job = provisioned_app(&harness, "netskope-token").await;
        let secrets = json!({ "value": [
            { "key": "BaseAddress", "value": base },
            { "key": "SecretToken", "value": "netskope-token" },
            { "key": "SyncAll", "value": "false" },
        ]});
        harness
            .send("PUT", &format!("/servicePrincipals/{}/synchronization/secrets", job.sp), Some(secrets), &[])
            .await;
        cycle(&harness, &job).await;
        let bob = harness.id_of("users", "userPrincipalName eq 'bob@contoso.com'").await;
        let renamed = json!({ "displayName": "Robert Example", "givenName": "Robert" });
        harness.admin("PATCH", &format!("/objects/{bob}"), Some(renamed)).await;
        app.take();
        cycle(&harness, &job).await;
        let patch = app.take().into_iter().find(|(method, _, _)| method == "PATCH").expect("bob is updated");
        let ops: Vec<&str> =
            patch.2["Operations"].as_array().unwrap().iter().map(|op| op["op"].as_str().unwrap()).collect();
        assert_eq!(ops, expected_ops, "flag {flagged}: {}", patch.2);
        if flagged {
            let value = &patch.2["Operations"][0]["value"];
            assert!(
                patch.2["Operations"][0].get("path").is_none() && value["displayName"] == "Robert Example",
                "{}",
                patch.2
            );
        }
        app.task.abort();
    }
}

/// A user leaving a group through Graph (the commonest day-2 event) is deprovisioned on
/// the next cycle: disabled in the SCIM app and removed from the group's members (the
/// compliance flag's `remove` with a filter, which the strict built-in provider takes).
/// Graph refuses a duplicate member and an unknown one.
#[tokio::test]
async fn a_member_leaving_a_group_through_graph_is_deprovisioned_next_cycle() {
    let harness = Harness::start().await;
    let job = provisioned_app(&harness, "netskope-token").await;
    cycle(&harness, &job).await;
    let group = harness.id_of("groups", "displayName eq 'Netskope Users'").await;
    let alice = harness.id_of("users", "userPrincipalName eq 'alice@contoso.com'").await;
    let graph = |method: &str, url: String, body: Value| {
        let request = json!({ "method": method, "url": url, "body": body });
        let harness = &harness;
        async move { harness.admin("POST", "/graph", Some(request)).await.1 }
    };
    let left = graph("DELETE", format!("/groups/{group}/members/{alice}/$ref"), Value::Null).await;
    assert_eq!(left["status"], 204, "{left}");
    let again = graph("DELETE", format!("/groups/{group}/members/{alice}/$ref"), Value::Null).await;
    assert_eq!(again["status"], 404, "not a member any more: {again}");
    let status = cycle(&harness, &job).await;
    let app = scim_app(&harness).await;
    assert!(user_names(&app).contains(&("alice@contoso.com".to_owned(), false)), "alice disabled: {app}");
    assert_eq!(status["lastExecution"]["state"], "Succeeded", "{status}");
    assert_eq!(app["groups"][0]["members"], json!([]), "alice left the SCIM group: {app}");
    let reference = json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{alice}") });
    let joined = graph("POST", format!("/groups/{group}/members/$ref"), reference.clone()).await;
    assert_eq!(joined["status"], 204, "{joined}");
    let duplicate = graph("POST", format!("/groups/{group}/members/$ref"), reference).await;
    assert_eq!(duplicate["status"], 400, "{duplicate}");
    let unknown = json!({ "@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/00000000-0000-0000-0000-000000000000" });
    assert_eq!(graph("POST", format!("/groups/{group}/members/$ref"), unknown).await["status"], 404);
    // The admin API does not pretend: `members` is not a property it can patch.
    let (status, _) = harness.admin("PATCH", &format!("/objects/{group}"), Some(json!({ "members": [] }))).await;
    assert_eq!(status, 400);
}

/// A restarted emulator knows a job's token only by its digest (the state file keeps no
/// secret): it still plays the SCIM app itself, but a job routed to another SCIM server is
/// quarantined with a message that says why and how to save the token again, never by
/// sending the digest as a bearer token.
#[tokio::test]
async fn after_a_restart_a_routed_job_says_its_token_must_be_saved_again() {
    let directory = tempfile::tempdir().unwrap();
    let mut options = scimform_emulator::Options::for_tests(crate::support::test_seed());
    options.state_file = Some(directory.path().join("tenant.json"));
    let app = RecordingApp::start(&[]).await;
    let harness = Harness::start_with(options.clone()).await;
    route_to(&harness, &app).await;
    let job = provisioned_app(&harness, "netskope-token").await;
    cycle(&harness, &job).await;
    harness.emulator.shutdown().await;
    app.take();
    let harness = Harness::start_with(options).await;
    let status = cycle(&harness, &job).await;
    assert_eq!(status["code"], "Quarantine", "{status}");
    let message = status["quarantine"]["error"]["message"].as_str().unwrap();
    assert!(message.contains("digest") && message.contains("--replace"), "{message}");
    assert!(app.take().is_empty(), "no request carried the digest");
    app.task.abort();
}

/// §1.3.7: a user who returns after being inactive is activated again, but the group
/// memberships removed while she was inactive are not restored.
#[tokio::test]
async fn memberships_removed_while_inactive_are_not_restored() {
    let harness = Harness::start().await;
    let app = RecordingApp::start(&[]).await;
    route_to(&harness, &app).await;
    let job = provisioned_app(&harness, "netskope-token").await;
    let sync = job.url.replacen("/jobs/", "/synchronization/jobs/", 1);
    let mut schema = harness.get(&format!("{sync}/schema")).await.json().clone();
    let scope = json!({ "groups": [{ "name": "Security", "clauses": [
        { "sourceOperandName": "department", "operatorName": "EQUALS", "targetOperand": { "values": ["Security"] } },
    ]}], "inputFilterGroups": [], "categoryFilterGroups": [] });
    schema["synchronizationRules"][0]["objectMappings"][0]["scope"] = scope;
    let body = json!({ "synchronizationRules": schema["synchronizationRules"], "directories": schema["directories"] });
    assert_eq!(harness.send("PUT", &format!("{sync}/schema"), Some(body), &[]).await.status, 204);
    let member_ops = |requests: Vec<(String, String, Value)>| -> Vec<String> {
        requests
            .into_iter()
            .filter(|(method, path, _)| method == "PATCH" && path.starts_with("/Groups/"))
            .flat_map(|(_, _, body)| body["Operations"].as_array().cloned().unwrap_or_default())
            .map(|operation| operation["op"].as_str().unwrap_or_default().to_ascii_lowercase())
            .collect()
    };
    cycle(&harness, &job).await;
    assert_eq!(member_ops(app.take()), ["add"], "alice (Security) joins the group");
    let alice = harness.id_of("users", "userPrincipalName eq 'alice@contoso.com'").await;
    harness.admin("PATCH", &format!("/objects/{alice}"), Some(json!({ "department": "Sales" }))).await;
    cycle(&harness, &job).await;
    assert_eq!(member_ops(app.take()), ["remove"], "out of scope: removed from the group");
    harness.admin("PATCH", &format!("/objects/{alice}"), Some(json!({ "department": "Security" }))).await;
    cycle(&harness, &job).await;
    let requests = app.take();
    let reactivated = requests.iter().any(|(method, _, body)| {
        method == "PATCH" && body["Operations"].as_array().into_iter().flatten().any(|op| op["path"] == "active")
    });
    assert!(reactivated, "alice is active again: {requests:?}");
    assert!(member_ops(requests).is_empty(), "her membership is not restored");
    app.task.abort();
}

/// Day-2 events in Entra reach the SCIM app on the next cycle, as §3.4 of
/// `reference/scim/ENTRA-SCIM-CLIENT.md` says: an attribute change is a PATCH; a disabled
/// account is deactivated and an enabled one activated again; a deleted user is only
/// soft-deleted (gone from Graph, deactivated in the app), a restored one comes back with
/// her assignment and is activated, and a purged one is deleted in the app.
#[tokio::test]
async fn day_two_events_reach_the_scim_app_next_cycle() {
    let harness = Harness::start().await;
    let job = provisioned_app(&harness, "netskope-token").await;
    cycle(&harness, &job).await;
    let bob = harness.id_of("users", "userPrincipalName eq 'bob@contoso.com'").await;
    let alice = harness.id_of("users", "userPrincipalName eq 'alice@contoso.com'").await;
    let states = |app: Value| user_names(&app);
    let both_active = vec![("alice@contoso.com".to_owned(), true), ("bob@contoso.com".to_owned(), true)];
    assert_eq!(states(scim_app(&harness).await), both_active);

    // An attribute changed in Entra.
    let (status, _) =
        harness.admin("PATCH", &format!("/objects/{bob}"), Some(json!({ "jobTitle": "Principal" }))).await;
    assert_eq!(status, 204);
    cycle(&harness, &job).await;
    let app = scim_app(&harness).await;
    let bob_in_app =
        app["users"].as_array().unwrap().iter().find(|user| user["userName"] == "bob@contoso.com").unwrap();
    assert_eq!(bob_in_app["title"], "Principal", "{app}");

    // Disabled, then enabled again.
    harness.admin("PATCH", &format!("/objects/{alice}"), Some(json!({ "accountEnabled": false }))).await;
    cycle(&harness, &job).await;
    assert!(states(scim_app(&harness).await).contains(&("alice@contoso.com".to_owned(), false)));
    harness.admin("PATCH", &format!("/objects/{alice}"), Some(json!({ "accountEnabled": true }))).await;
    cycle(&harness, &job).await;
    assert_eq!(states(scim_app(&harness).await), both_active);

    // Deleted: soft, so disabled in the app, not deleted; gone from Graph.
    assert_eq!(harness.admin("DELETE", &format!("/objects/{bob}"), None).await.0, 204);
    assert_eq!(harness.get(&format!("/users/{bob}")).await.status, 404);
    let binned = harness.admin("GET", "/deletedItems", None).await.1;
    assert_eq!(binned["users"][0]["userPrincipalName"], "bob@contoso.com", "{binned}");
    assert!(binned["users"][0]["deletedDateTime"].is_string());
    cycle(&harness, &job).await;
    assert!(states(scim_app(&harness).await).contains(&("bob@contoso.com".to_owned(), false)));

    // Restored: back in Graph with his assignment, activated again.
    assert_eq!(harness.admin("POST", &format!("/deletedItems/{bob}/restore"), None).await.0, 204);
    assert_eq!(harness.get(&format!("/users/{bob}")).await.status, 200);
    let assigned =
        harness.get(&format!("/servicePrincipals/{}/appRoleAssignedTo", job.sp)).await.json()["value"].clone();
    assert!(assigned.as_array().unwrap().iter().any(|assignment| assignment["principalId"] == bob.as_str()));
    cycle(&harness, &job).await;
    assert_eq!(states(scim_app(&harness).await), both_active);

    // Deleted and purged: disabled first, then deleted in the app.
    harness.admin("DELETE", &format!("/objects/{bob}"), None).await;
    cycle(&harness, &job).await;
    assert_eq!(harness.admin("DELETE", &format!("/deletedItems/{bob}"), None).await.0, 204);
    assert_eq!(harness.admin("DELETE", &format!("/deletedItems/{bob}"), None).await.0, 404, "purged once");
    assert_eq!(harness.admin("POST", &format!("/deletedItems/{bob}/restore"), None).await.0, 404);
    cycle(&harness, &job).await;
    assert_eq!(states(scim_app(&harness).await), vec![("alice@contoso.com".to_owned(), true)]);
    let logs = harness.admin("GET", "/snapshot", None).await.1["provisioningLogs"].clone();
    let bob_actions: Vec<&str> = logs
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["sourceIdentity"]["id"] == bob.as_str())
        .map(|row| row["provisioningAction"].as_str().unwrap())
        .collect();
    assert_eq!(bob_actions.last(), Some(&"delete"), "{bob_actions:?}");
}
