//! Paging and batching, with request counts.

use scimform_emulator::SeedUser;
use scimform_graph::{Request, USER_SELECT, query};
use serde_json::json;

use crate::support::{Bed, seed};

#[tokio::test]
async fn paging_over_more_than_999_items() {
    let mut seed = seed();
    for index in 0..2500 {
        seed.users.push(SeedUser {
            id: None,
            user_principal_name: format!("bulk{index:04}@contoso.com"),
            display_name: None,
            ..SeedUser::default()
        });
    }
    let bed = Bed::start_with(seed).await;
    let client = bed.client();
    let users = client.list_users(None).await.unwrap();
    assert_eq!(users.len(), 2507);
    assert_eq!(client.request_count(), 3, "999 a page");
    let unique: std::collections::BTreeSet<&str> = users.iter().map(|user| user.id.as_str()).collect();
    assert_eq!(unique.len(), 2507);
    bed.emulator.shutdown().await;
}

/// The measure: 100 independent reads cost at most 5 requests with batching.
#[tokio::test]
async fn a_hundred_reads_in_five_requests() {
    let mut seed = seed();
    for index in 0..100 {
        seed.users.push(SeedUser {
            id: None,
            user_principal_name: format!("reader{index:03}@contoso.com"),
            display_name: None,
            ..SeedUser::default()
        });
    }
    let bed = Bed::start_with(seed).await;
    let client = bed.client();
    let requests: Vec<Request> = (0..100)
        .map(|index| Request::get(format!("/users/reader{index:03}@contoso.com{}", query(&[("$select", USER_SELECT)]))))
        .collect();

    // One request per read.
    for request in &requests {
        client.send(request).await.unwrap();
    }
    assert_eq!(client.request_count(), 100);

    // Batched.
    let before = client.request_count();
    let results = client.batch(&requests).await;
    assert_eq!(client.request_count() - before, 5);
    for (index, (request, result)) in requests.iter().zip(results).enumerate() {
        let user: scimform_graph::models::User = scimform_graph::parse(request, result.unwrap()).unwrap();
        assert_eq!(
            user.user_principal_name.unwrap(),
            format!("reader{index:03}@contoso.com"),
            "results keep the order of the requests"
        );
    }
    bed.emulator.shutdown().await;
}

#[tokio::test]
async fn throttled_items_are_retried_and_failures_stay_per_item() {
    let bed = Bed::start().await;
    bed.faults(json!({ "rules": [{ "route": "GET /users/{id}", "nth": [2, 3], "action": { "type": "throttle", "retryAfterSeconds": 0 } }] })).await;
    let client = bed.client();
    let names = ["alice", "bob", "nobody", "carol", "dave"];
    let requests: Vec<Request> = names.iter().map(|name| Request::get(format!("/users/{name}@contoso.com"))).collect();
    let results = client.batch(&requests).await;
    assert!(results[0].is_ok() && results[1].is_ok() && results[3].is_ok() && results[4].is_ok());
    assert!(results[2].as_ref().unwrap_err().is_not_found());
    // Two batches: the first, and one more for the two throttled items.
    assert_eq!(client.request_count(), 2);
    bed.emulator.shutdown().await;
}
