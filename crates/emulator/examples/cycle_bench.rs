//! Benchmark: one provisioning cycle over N assigned users (default 10,000) against the
//! built-in SCIM service provider, then an incremental cycle with nothing to do.
//!
//! ```sh
//! cargo run --release -p scimform-emulator --example cycle_bench -- [USERS]
//! ```
//!
//! The users are the members of one assigned group, so the cycle also writes the group
//! and its N members. Prints the wall time of each cycle and the job's reported counts.

// A benchmark reports on standard output.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use scimform_emulator::{Options, Seed};
use serde_json::{Value, json};

const BASE_URL: &str = "https://bench.example.com/scim";

fn seed(users: usize) -> Seed {
    let upns: Vec<String> = (0..users).map(|index| format!("user{index:05}@contoso.com")).collect();
    let seed = json!({
        "tenantId": "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
        "rngSeed": 7,
        "users": upns.iter().map(|upn| json!({ "userPrincipalName": upn })).collect::<Vec<_>>(),
        "groups": [{ "displayName": "Everyone in the benchmark", "members": upns }],
        "apps": [{
            "displayName": "Benchmark SCIM app",
            "assignments": [{ "principal": "Everyone in the benchmark", "role": "User" }],
            "provisioning": {
                "secrets": [
                    { "key": "BaseAddress", "value": BASE_URL },
                    { "key": "SecretToken", "value": "bench-token" },
                    { "key": "SyncAll", "value": "false" },
                ],
                "state": "Active",
            },
        }],
        "scimEndpoints": [{ "baseUrl": BASE_URL, "token": "bench-token" }],
    });
    Seed::from_json(&seed.to_string()).expect("the benchmark seed is a tenant file")
}

#[tokio::main]
async fn main() {
    let users: usize = std::env::args().nth(1).and_then(|text| text.parse().ok()).unwrap_or(10_000);
    let started = Instant::now();
    let emulator = scimform_emulator::start(Options::for_tests(seed(users))).await.expect("the emulator starts");
    println!("tenant with {users} users built in {:.2?}", started.elapsed());
    let http = reqwest::Client::new();
    let admin = emulator.admin_url();
    let snapshot: Value = http.get(format!("{admin}/snapshot")).send().await.unwrap().json().await.unwrap();
    let (sp, job) = snapshot["synchronization"]
        .as_object()
        .unwrap()
        .iter()
        .find_map(|(sp, sync)| Some((sp.clone(), sync["jobs"].as_object()?.keys().next()?.clone())))
        .expect("the seeded app has a job");
    for label in ["initial cycle", "incremental cycle, nothing changed"] {
        let before: Value = http.get(format!("{admin}/scim")).send().await.unwrap().json().await.unwrap();
        let users_before = before[BASE_URL]["users"].as_array().map_or(0, Vec::len);
        let started = Instant::now();
        let status: Value = http
            .post(format!("{admin}/servicePrincipals/{sp}/jobs/{job}/cycle"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let elapsed = started.elapsed();
        let execution = &status["lastExecution"];
        println!(
            "{label}: {elapsed:.2?}; state {}, {} exported, {} escrowed, {} in scope; SCIM users {users_before} before",
            execution["state"], execution["countExported"], execution["countEscrowed"], execution["countEntitled"]
        );
    }
    emulator.shutdown().await;
}
