//! Refresh costs requests that grow with apps / 20, not with resources, in three
//! sequential round trips whatever the number of apps (request and round-trip counts are
//! deterministic; timings live in the benchmark).

mod support;

use scimform_apply::{TokenEnvironment, prepare};
use scimform_emulator::{Options, Seed, SeedApp, SeedAssignment, SeedProvisioning, SeedSecret};
use scimform_graph::Config;

/// A tenant with `count` managed apps, each with a job, secrets and two assignments, and
/// the specs that name them.
fn tenant_and_specs(count: usize) -> (Seed, String) {
    let mut seed = Seed::from_json(scimform_emulator::DEMO_TENANT).unwrap();
    let mut specs = String::new();
    for index in 0..count {
        let name = format!("app-{index:03}");
        seed.apps.push(SeedApp {
            display_name: format!("App {index}"),
            template_id: None,
            tags: vec!["scimform:managed".to_owned(), format!("scimform:name={name}")],
            notes: None,
            owners: vec!["ops-admin@contoso.com".to_owned()],
            assignments: vec![
                SeedAssignment { principal: "alice@contoso.com".to_owned(), role: "User".to_owned() },
                SeedAssignment { principal: "Engineering".to_owned(), role: "User".to_owned() },
            ],
            provisioning: Some(SeedProvisioning {
                template_id: None,
                secrets: vec![
                    SeedSecret { key: "BaseAddress".to_owned(), value: format!("https://scim{index}.example.com") },
                    SeedSecret { key: "SecretToken".to_owned(), value: "refresh-test-token".to_owned() },
                ],
                state: Some("Active".to_owned()),
            }),
        });
        specs.push_str(&format!(
            "apiVersion: scimform/v1\nkind: ProvisioningApp\nname: {name}\ndisplayName: App {index}\nowners: [ops-admin@contoso.com]\n\
             provisioning:\n  status: on\n  credentials:\n    baseUrl: https://scim{index}.example.com\n    token: {{ fromEnv: REFRESH_SCIM_TOKEN }}\n\
             assignments:\n  users: [alice@contoso.com]\n  groups: [Engineering, Netskope Users]\n---\n"
        ));
    }
    (seed, specs)
}

/// An emulator of `count` managed apps with 20 ms on every request (which keeps the waves
/// of requests apart in its log), a client of it, and the plan's preparation.
struct Prepared {
    emulator: scimform_emulator::Running,
    http: reqwest::Client,
    client: scimform_graph::GraphClient,
    prepared: scimform_apply::Prepared,
}

async fn prepared_with_latency(count: usize) -> Prepared {
    let (seed, specs) = tenant_and_specs(count);
    let client_seed = seed.clients[0].clone();
    let emulator = scimform_emulator::start(Options::for_tests(seed)).await.unwrap();
    let http = reqwest::Client::new();
    let latency = serde_json::json!({ "rules": [{ "action": { "type": "latency", "ms": 20 } }] });
    http.put(format!("{}/faults", emulator.admin_url())).json(&latency).send().await.unwrap();
    let client = support::client(&emulator, &client_seed, Config { concurrency: 16, ..Config::standard() });
    let spec = support::spec(specs);
    let environment = TokenEnvironment::from_pairs([("REFRESH_SCIM_TOKEN", "refresh-test-token")]);
    let prepared = prepare(&client, &spec, &environment, scimform_plan::DEFAULT_STACK).await.unwrap();
    Prepared { emulator, http, client, prepared }
}

/// (HTTP requests, sequential round trips) of preparing a plan of `count` apps.
async fn requests_for(count: usize) -> (u64, u64) {
    let Prepared { emulator, http, client, prepared } = prepared_with_latency(count).await;
    assert_eq!(prepared.live.apps.len(), count);
    let first = prepared.live.apps.values().next().unwrap();
    assert_eq!(first.assignments.len(), 2);
    assert!(first.job.is_some());
    let base_url = first.settings.base_url.as_ref().map(|url| url.as_str().to_owned());
    assert!(base_url.is_some_and(|url| url.starts_with("https://scim")), "the saved base URL is decoded");
    // Netskope Users holds a nested group; the spec assigns it.
    assert!(prepared.desired.apps.values().all(|app| app.nested_groups.len() == 1));
    let requests = client.request_count();
    let log: serde_json::Value =
        http.get(format!("{}/requests", emulator.admin_url())).send().await.unwrap().json().await.unwrap();
    emulator.shutdown().await;
    (requests, log["roundTrips"].as_u64().unwrap())
}

#[tokio::test]
async fn round_trips_grow_with_apps_over_twenty() {
    let mut counts = Vec::new();
    for apps in [1, 10, 50] {
        let (requests, round_trips) = requests_for(apps).await;
        // The managed list; per-app reads and name look-ups; nested groups.
        assert_eq!(round_trips, 3, "{apps} apps");
        // 1 list of managed apps (their owners expanded), 1 read of stray apps and 3 reads per app (jobs, settings,
        // assignments) in $batches of 20, 1 batch of directory look-ups, 1 batch of nested-group checks.
        let bound = 1 + (1 + 3 * apps as u64).div_ceil(20) + 1 + 1;
        assert!(requests <= bound, "{apps} apps took {requests} requests (bound {bound})");
        counts.push(requests);
    }
    // Fifty times the apps, nowhere near fifty times the requests.
    assert!(counts[2] < counts[0] * 5, "{counts:?}");
}

/// Graph expands at most 20 owners of each service principal: an app with 25 is read in
/// full by its own request, so the plan sees all of them (and none to add).
#[tokio::test]
async fn owners_past_graphs_expand_limit_are_read_in_full() {
    let (mut seed, _) = tenant_and_specs(0);
    let owners: Vec<String> = (0..25).map(|index| format!("owner{index:02}@contoso.com")).collect();
    seed.users.extend(owners.iter().map(|upn| scimform_emulator::SeedUser {
        user_principal_name: upn.clone(),
        ..scimform_emulator::SeedUser::default()
    }));
    for (name, count) in [("many", 25), ("few", 3)] {
        seed.apps.push(SeedApp {
            display_name: format!("Owned {name}"),
            template_id: None,
            tags: vec!["scimform:managed".to_owned(), format!("scimform:name={name}")],
            notes: None,
            owners: owners[..count].to_vec(),
            assignments: Vec::new(),
            provisioning: None,
        });
    }
    let specs: String = [("many", 25), ("few", 3)]
        .iter()
        .map(|(name, count)| {
            format!(
                "apiVersion: scimform/v1\nkind: ProvisioningApp\nname: {name}\ndisplayName: Owned {name}\nowners: [{}]\n---\n",
                owners[..*count].join(", ")
            )
        })
        .collect();
    let client_seed = seed.clients[0].clone();
    let emulator = scimform_emulator::start(Options::for_tests(seed)).await.unwrap();
    let client = support::client(&emulator, &client_seed, Config::standard());
    let spec = support::spec(specs);
    let environment = TokenEnvironment::from_pairs([("UNUSED", "x")]);
    let prepared = prepare(&client, &spec, &environment, scimform_plan::DEFAULT_STACK).await.unwrap();
    assert_eq!(prepared.live.apps["many"].owners.len(), 25);
    assert_eq!(prepared.live.apps["few"].owners.len(), 3);
    let plan = scimform_plan::plan(&prepared.desired, &prepared.live, &scimform_plan::Options::standard());
    assert!(plan.is_empty(), "{:?}", plan.changes.iter().map(|change| &change.address).collect::<Vec<_>>());
    let log: serde_json::Value =
        reqwest::get(format!("{}/requests", emulator.admin_url())).await.unwrap().json().await.unwrap();
    let owner_reads = log["byRoute"]["GET /servicePrincipals/{id}/owners"].as_u64().unwrap_or(0);
    assert_eq!(owner_reads, 1, "only the app whose expanded owners may be cut short: {}", log["byRoute"]);
    emulator.shutdown().await;
}

/// `status --test-connection --logs N` and `drift` read every app's health at once: Test
/// Connection and provisioning logs of 30 apps go 20 to a `$batch`, in one round trip.
#[tokio::test]
async fn health_reads_of_many_apps_go_in_a_few_batches() {
    const APPS: usize = 30;
    let Prepared { emulator, http, client, prepared } = prepared_with_latency(APPS).await;
    http.delete(format!("{}/requests", emulator.admin_url())).send().await.unwrap();
    let before = client.request_count();
    let names: Vec<&str> = prepared.live.apps.keys().map(String::as_str).collect();
    let checks = scimform_apply::health::Checks { test_connection: true, logs: Some(5) };
    let reads = scimform_apply::health::read(&client, &prepared.live, &prepared.health, &names, checks).await.unwrap();
    assert_eq!(reads.len(), APPS);
    assert!(reads.values().all(|app| app.connection == Some(scimform_plan::health::Connection::Passed)));
    // Two reads per app, 20 to a batch.
    assert_eq!(client.request_count() - before, (2 * APPS as u64).div_ceil(20));
    let log: serde_json::Value =
        http.get(format!("{}/requests", emulator.admin_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(log["roundTrips"], 1, "the batches go together");
    emulator.shutdown().await;
}
