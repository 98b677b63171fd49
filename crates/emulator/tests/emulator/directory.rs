//! Users, groups and the OData query options on them.

use scimform_emulator::{Options, Seed, SeedUser};

use crate::support::{Harness, test_seed, urlencode};

#[tokio::test]
async fn users_by_id_or_upn_and_filters() {
    let harness = Harness::start().await;
    let alice = harness.id_of("users", "userPrincipalName eq 'ALICE@contoso.com'").await;
    let by_id = harness.get(&format!("/users/{alice}")).await;
    let by_upn = harness.get("/users/alice@contoso.com").await;
    assert_eq!(by_id.json()["id"], by_upn.json()["id"]);
    let selected = harness.get(&format!("/users/{alice}?$select=displayName")).await;
    assert_eq!(selected.json()["displayName"], "Alice Example");
    assert!(selected.json().get("userPrincipalName").is_none());
    let many = harness
        .get(&format!("/users?$filter={}", urlencode("userPrincipalName in ('alice@contoso.com','bob@contoso.com')")))
        .await;
    assert_eq!(many.json()["value"].as_array().unwrap().len(), 2);
    let prefix = harness.get(&format!("/users?$filter={}", urlencode("startsWith(displayName,'Ops')"))).await;
    assert_eq!(prefix.json()["value"][0]["userPrincipalName"], "ops-admin@contoso.com");
    assert_eq!(harness.get("/users/nobody@contoso.com").await.error_code(), "Request_ResourceNotFound");
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn unsupported_queries_are_refused() {
    let harness = Harness::start().await;
    for (query, code) in [
        ("$filter=jobTitle eq 'x'", "Request_UnsupportedQuery"),
        ("$filter=displayName eq", "Request_BadRequest"),
        ("$select=doesNotExist", "Request_BadRequest"),
        ("$top=0", "Request_BadRequest"),
        ("$top=1000", "Request_BadRequest"),
        ("$orderby=displayName", "Request_BadRequest"),
        ("$count=true", "Request_UnsupportedQuery"),
        ("$filter=displayName ne 'x'", "Request_UnsupportedQuery"),
        ("$expand=owners", "Request_BadRequest"),
    ] {
        let encoded = query.split_once('=').map(|(name, value)| format!("{name}={}", urlencode(value))).unwrap();
        let response = harness.get(&format!("/users?{encoded}")).await;
        assert_eq!((response.status, response.error_code()), (400, code), "{query}");
    }
    // With ConsistencyLevel: eventual and $count, advanced queries work.
    let response = harness
        .send(
            "GET",
            &format!("/users?$count=true&$filter={}", urlencode("displayName ne 'Alice Example'")),
            None,
            &[("ConsistencyLevel", "eventual")],
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["@odata.count"], 6);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn groups_members_and_nesting() {
    let harness = Harness::start().await;
    let group = harness.id_of("groups", "displayName eq 'netskope users'").await;
    let members = harness.get(&format!("/groups/{group}/members")).await;
    let names: Vec<&str> = members.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"Netskope Contractors"));
    let nested = harness.get(&format!("/groups/{group}/members/microsoft.graph.group?$select=id,displayName")).await;
    assert_eq!(nested.json()["value"].as_array().unwrap().len(), 1);
    let transitive = harness.get(&format!("/groups/{group}/transitiveMembers")).await;
    let transitive: Vec<&str> = transitive.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["displayName"].as_str().unwrap())
        .collect();
    assert!(transitive.contains(&"Erin Contractor"), "{transitive:?}");
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn paging_over_more_than_999_users() {
    let mut seed: Seed = test_seed();
    for index in 0..2100 {
        seed.users.push(SeedUser {
            id: None,
            user_principal_name: format!("bulk{index:04}@contoso.com"),
            display_name: None,
            ..SeedUser::default()
        });
    }
    let harness = Harness::start_with(Options::for_tests(seed)).await;
    let mut url = "/users?$top=999&$select=id,userPrincipalName".to_owned();
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = 0;
    loop {
        let page = harness.get(&url).await;
        pages += 1;
        for user in page.json()["value"].as_array().unwrap() {
            assert!(seen.insert(user["id"].as_str().unwrap().to_owned()), "a user appeared twice");
        }
        match page.json()["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&harness.emulator.graph_url()), "next links are absolute: {next}");
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 2107);
    harness.emulator.shutdown().await;
}

/// Service principals expand their owners as Graph does: the first 20 of each, with the
/// nested `$select`, at most 100 service principals a page.
#[tokio::test]
async fn service_principals_expand_their_first_twenty_owners() {
    let harness = Harness::start().await;
    let listed = harness.get(&format!("/servicePrincipals?$expand={}", urlencode("owners($select=id)"))).await;
    assert_eq!(listed.status, 200);
    let service_principals = listed.json()["value"].as_array().unwrap().clone();
    assert!(!service_principals.is_empty());
    for service_principal in &service_principals {
        let owners = service_principal["owners"].as_array().expect("owners expanded");
        assert!(owners.len() <= 20);
        assert!(owners.iter().all(|owner| owner.get("displayName").is_none() && owner["id"].is_string()));
    }
    let refused = harness.get(&format!("/servicePrincipals?$expand={}", urlencode("memberOf"))).await;
    assert_eq!((refused.status, refused.error_code()), (400, "Request_BadRequest"));
    harness.emulator.shutdown().await;
}

/// An app's assignments page in id order, each page resuming after the last one's final
/// id: every assignment once, whatever the page size.
#[tokio::test]
async fn assignments_page_in_order_once_each() {
    let mut seed: Seed = test_seed();
    let assignments: Vec<scimform_emulator::SeedAssignment> = seed
        .users
        .iter()
        .map(|user| scimform_emulator::SeedAssignment {
            principal: user.user_principal_name.clone(),
            role: "User".to_owned(),
        })
        .collect();
    let count = assignments.len();
    assert!(count > 4);
    seed.apps.push(scimform_emulator::SeedApp {
        display_name: "Paged".to_owned(),
        template_id: None,
        tags: Vec::new(),
        notes: None,
        owners: Vec::new(),
        assignments,
        provisioning: None,
    });
    let harness = Harness::start_with(Options::for_tests(seed)).await;
    let id = harness.id_of("servicePrincipals", "displayName eq 'Paged'").await;
    let mut url = format!("/servicePrincipals/{id}/appRoleAssignedTo?$top=2");
    let mut seen = Vec::new();
    loop {
        let page = harness.get(&url).await;
        assert_eq!(page.status, 200);
        seen.extend(
            page.json()["value"].as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap().to_owned()),
        );
        match page.json()["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!((seen.len(), sorted.len()), (count, count), "each assignment once");
    assert_eq!(seen, sorted, "in id order");
    harness.emulator.shutdown().await;
}
