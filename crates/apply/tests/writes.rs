//! Runs of assignment changes go out 20 to a `$batch`: a plan that assigns 60 users costs a
//! handful of requests, every assignment exists afterwards, and the next plan is empty.

use scimform_apply::{ApplyOptions, TokenEnvironment, apply, prepare};
use scimform_emulator::{Options, Seed, SeedApp, SeedUser};
use scimform_graph::{Cloud, Config, Credential, Endpoints, GraphClient, Secret};

const USERS: usize = 60;

#[tokio::test]
async fn sixty_assignments_in_a_few_batches() {
    let mut seed = Seed::from_json(scimform_emulator::DEMO_TENANT).unwrap();
    seed.users.extend(
        (0..USERS)
            .map(|index| SeedUser { user_principal_name: format!("w{index:02}@contoso.com"), ..SeedUser::default() }),
    );
    seed.apps.push(SeedApp {
        display_name: "Batched".to_owned(),
        template_id: None,
        tags: vec!["scimform:managed".to_owned(), "scimform:name=batched".to_owned()],
        notes: None,
        owners: vec!["ops-admin@contoso.com".to_owned()],
        assignments: Vec::new(),
        provisioning: None,
    });
    let users: Vec<String> = (0..USERS).map(|index| format!("w{index:02}@contoso.com")).collect();
    let specs = format!(
        "apiVersion: scimform/v1\nkind: ProvisioningApp\nname: batched\ndisplayName: Batched\nassignments:\n  users: [{}]\n",
        users.join(", ")
    );
    let client_seed = seed.clients[0].clone();
    let emulator = scimform_emulator::start(Options::for_tests(seed)).await.unwrap();
    let endpoints = Endpoints::new(Cloud::Global, Some(&emulator.graph_url()), Some(emulator.authority_url())).unwrap();
    let credential = Credential::ClientSecret {
        tenant_id: emulator.tenant_id().to_owned(),
        client_id: client_seed.client_id,
        secret: Secret::new(client_seed.secret.unwrap()),
    };
    let client = GraphClient::new(endpoints, credential, Config::standard());
    let loaded = scimform_spec::load(&[scimform_spec::Source { name: "specs.yaml".to_owned(), text: specs }]);
    let spec = loaded.spec.expect("valid specs");
    let environment = TokenEnvironment::from_pairs([("UNUSED", "x")]);
    let prepared = prepare(&client, &spec, &environment, scimform_plan::DEFAULT_STACK).await.unwrap();
    let plan = scimform_plan::plan(&prepared.desired, &prepared.live, &scimform_plan::Options::standard());
    assert_eq!(plan.changes.len(), USERS);
    let before = client.request_count();
    let options = ApplyOptions { write_rate: 1000.0, ..ApplyOptions::standard() };
    let mut events = Vec::new();
    let applied =
        apply(&client, &plan, &prepared.live, &environment, &options, &mut |event| events.push(event.clone()))
            .await
            .unwrap();
    assert_eq!(applied.completed.len(), USERS);
    let writes = client.request_count() - before;
    assert_eq!(writes, USERS.div_ceil(20) as u64, "one $batch of 20 writes per request");
    assert_eq!(events.len(), 2 * USERS, "each change reports its start and end");
    let again = prepare(&client, &spec, &environment, scimform_plan::DEFAULT_STACK).await.unwrap();
    assert_eq!(again.live.apps["batched"].assignments.len(), USERS);
    assert!(scimform_plan::plan(&again.desired, &again.live, &scimform_plan::Options::standard()).is_empty());
    emulator.shutdown().await;
}
