//! Runs of assignment changes go out 20 to a `$batch`, several batches at a time: a plan
//! that assigns 60 users costs a handful of requests, one that assigns 320 goes out in a
//! few round trips, every assignment exists afterwards, and the next plan is empty.

mod support;

use scimform_apply::{ApplyOptions, TokenEnvironment, apply, prepare};
use scimform_emulator::{Options, Running, Seed, SeedApp, SeedUser};
use scimform_graph::{Config, GraphClient};
use scimform_spec::Spec;

struct Batched {
    emulator: Running,
    client: GraphClient,
    spec: Spec,
    environment: TokenEnvironment,
}

/// An emulator with `users` users and a managed app, and a spec assigning them all.
async fn batched(users: usize) -> Batched {
    let mut seed = Seed::from_json(scimform_emulator::DEMO_TENANT).unwrap();
    let names: Vec<String> = (0..users).map(|index| format!("w{index:03}@contoso.com")).collect();
    seed.users.extend(names.iter().map(|name| SeedUser { user_principal_name: name.clone(), ..SeedUser::default() }));
    seed.apps.push(SeedApp {
        display_name: "Batched".to_owned(),
        template_id: None,
        tags: vec!["scimform:managed".to_owned(), "scimform:name=batched".to_owned()],
        notes: None,
        owners: vec!["ops-admin@contoso.com".to_owned()],
        assignments: Vec::new(),
        provisioning: None,
    });
    let specs = format!(
        "apiVersion: scimform/v1\nkind: ProvisioningApp\nname: batched\ndisplayName: Batched\nassignments:\n  users: [{}]\n",
        names.join(", ")
    );
    let client_seed = seed.clients[0].clone();
    let emulator = scimform_emulator::start(Options::for_tests(seed)).await.unwrap();
    let client = support::client(&emulator, &client_seed, Config::standard());
    let spec = support::spec(specs);
    let environment = TokenEnvironment::from_pairs([("UNUSED", "x")]);
    Batched { emulator, client, spec, environment }
}

impl Batched {
    async fn plan(&self) -> (scimform_apply::Prepared, scimform_plan::Plan) {
        let prepared =
            prepare(&self.client, &self.spec, &self.environment, scimform_plan::DEFAULT_STACK).await.unwrap();
        let plan = scimform_plan::plan(&prepared.desired, &prepared.live, &scimform_plan::Options::standard());
        (prepared, plan)
    }

    async fn admin(&self, method: reqwest::Method, path: &str) -> serde_json::Value {
        let response = reqwest::Client::new()
            .request(method, format!("{}{path}", self.emulator.admin_url()))
            .json(&serde_json::json!({ "rules": [{ "route": "POST /$batch", "action": { "type": "latency", "ms": 40 } }] }))
            .send()
            .await
            .unwrap();
        response.json().await.unwrap_or_default()
    }
}

#[tokio::test]
async fn sixty_assignments_in_a_few_batches() {
    const USERS: usize = 60;
    let world = batched(USERS).await;
    let (prepared, plan) = world.plan().await;
    assert_eq!(plan.changes.len(), USERS);
    let before = world.client.request_count();
    let options = ApplyOptions { write_rate: 1000.0, ..ApplyOptions::standard() };
    let mut events = Vec::new();
    let applied = apply(&world.client, &plan, &prepared.live, &world.environment, &options, &mut |event| {
        events.push(event.clone())
    })
    .await
    .unwrap();
    assert_eq!(applied.completed.len(), USERS);
    let writes = world.client.request_count() - before;
    assert_eq!(writes, USERS.div_ceil(20) as u64, "one $batch of 20 writes per request");
    assert_eq!(events.len(), 2 * USERS, "each change reports its start and end");
    let (again, plan) = world.plan().await;
    assert_eq!(again.live.apps["batched"].assignments.len(), USERS);
    assert!(plan.is_empty());
    world.emulator.shutdown().await;
}

/// Batches go out four at a time at the default write rate (the quota's burst covers
/// them): 16 batches take at most 5 sequential round trips, not 16. Counted by the
/// emulator from the requests' spans, not timed.
#[tokio::test]
async fn writes_go_several_batches_at_a_time() {
    const USERS: usize = 320;
    let world = batched(USERS).await;
    let (prepared, plan) = world.plan().await;
    world.admin(reqwest::Method::PUT, "/faults").await;
    world.admin(reqwest::Method::DELETE, "/requests").await;
    let options = ApplyOptions::standard();
    let applied = apply(&world.client, &plan, &prepared.live, &world.environment, &options, &mut |_| {}).await.unwrap();
    assert_eq!(applied.completed.len(), USERS);
    let log = world.admin(reqwest::Method::GET, "/requests").await;
    assert_eq!(log["httpRequests"], 16, "{}", log["byRoute"]);
    assert!(log["roundTrips"].as_u64().unwrap() <= 5, "{} sequential round trips", log["roundTrips"]);
    let (_, plan) = world.plan().await;
    assert!(plan.is_empty());
    world.emulator.shutdown().await;
}
