//! Laws of the planner, checked on generated inputs:
//! - a live state built from the desired state plans no changes;
//! - one difference introduced into that live state plans exactly one change, at the
//!   address of what differs.

use std::collections::BTreeMap;

use proptest::prelude::*;
use scimform_plan::state::{
    DeletionGuard, Desired, DesiredApp, DesiredAssignment, DesiredAssignments, DesiredProvisioning, Live, LiveApp,
    LiveAssignment, LiveJob, NotificationSetting, Principal, PrincipalKind, Role, ScopeSetting, Status, TokenReference,
    TokenState,
};
use scimform_plan::{Action, DEFAULT_ACCESS, MANAGED_TAG, Options, name_tag};
use serde_json::json;

const TEMPLATE: &str = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";
const ROLES: [(&str, &str); 3] = [("r-user", "User"), ("r-admin", "Admin"), ("r-msiam", "msiam_access")];

fn principals() -> Vec<Principal> {
    let users = ["alice", "bob", "carol", "dave"].map(|name| Principal {
        id: format!("u-{name}"),
        kind: PrincipalKind::User,
        label: format!("{name}@contoso.com"),
    });
    let groups = ["Engineering", "Support", "Sales"].map(|name| Principal {
        id: format!("g-{name}"),
        kind: PrincipalKind::Group,
        label: name.to_owned(),
    });
    users.into_iter().chain(groups).collect()
}

fn provisioning() -> impl Strategy<Value = DesiredProvisioning> {
    (
        any::<bool>(),
        prop::sample::select(vec!["https://a.example.com/scim", "https://b.example.com/v2"]),
        prop::option::of(prop::bool::ANY.prop_map(|all| if all { ScopeSetting::All } else { ScopeSetting::Assigned })),
        prop::option::of(any::<bool>()),
        prop::option::of((any::<bool>(), prop::option::of(Just("ops@contoso.com".to_owned())))),
        prop::option::of((any::<bool>(), prop::option::of(1u32..1000))),
    )
        .prop_map(|(on, base_url, scope, skip, notifications, guard)| DesiredProvisioning {
            status: if on { Status::On } else { Status::Off },
            base_url: base_url.to_owned(),
            token: TokenReference::Env { variable: "TOKEN".to_owned() },
            token_state: TokenState::Unchanged,
            scope,
            skip_out_of_scope_deletions: skip,
            notifications: notifications.map(|(enabled, email)| NotificationSetting { enabled, email }),
            accidental_deletions: guard.map(|(enabled, threshold)| DeletionGuard { enabled, threshold }),
            test_connection: true,
        })
}

fn app() -> impl Strategy<Value = DesiredApp> {
    let all = principals();
    let users: Vec<Principal> = all.iter().filter(|principal| principal.kind == PrincipalKind::User).cloned().collect();
    (
        prop::sample::select(vec!["Alpha", "Beta App", "Gamma"]),
        prop::option::of(prop::sample::subsequence(users, 0..=2)),
        prop::option::of(provisioning()),
        prop::option::of((any::<bool>(), prop::sample::subsequence(all, 0..=5), prop::collection::vec(0usize..3, 7))),
    )
        .prop_map(|(display_name, owners, provisioning, assignments)| DesiredApp {
            display_name: display_name.to_owned(),
            template_id: TEMPLATE.to_owned(),
            non_gallery: true,
            owners,
            provisioning,
            assignments: assignments.map(|(exact, principals, roles)| DesiredAssignments {
                exact,
                entries: principals
                    .into_iter()
                    .zip(roles)
                    .map(|(principal, role)| DesiredAssignment {
                        principal,
                        role: [Some("User"), Some("Admin"), None][role].map(str::to_owned),
                    })
                    .collect(),
            }),
            nested_groups: BTreeMap::new(),
        })
}

fn desired() -> impl Strategy<Value = Desired> {
    prop::collection::btree_map(prop::sample::select(vec!["one", "two", "three"]).prop_map(str::to_owned), app(), 1..=3)
        .prop_map(|apps| Desired { apps })
}

/// The live state that `desired` describes exactly.
fn live_from(desired: &Desired) -> Live {
    let mut apps = BTreeMap::new();
    for (name, app) in &desired.apps {
        let mut secrets = BTreeMap::new();
        let job = app.provisioning.as_ref().map(|provisioning| {
            secrets.insert("BaseAddress".to_owned(), provisioning.base_url.clone());
            secrets.insert("SecretToken".to_owned(), "*".to_owned());
            if let Some(scope) = provisioning.scope {
                secrets.insert("SyncAll".to_owned(), (scope == ScopeSetting::All).to_string());
            }
            if let Some(skip) = provisioning.skip_out_of_scope_deletions {
                secrets.insert("SkipOutOfScopeDeletions".to_owned(), if skip { "True" } else { "False" }.to_owned());
            }
            let mut settings = serde_json::Map::new();
            if let Some(notifications) = &provisioning.notifications {
                settings.insert("Enabled".to_owned(), json!(notifications.enabled));
                if let Some(email) = &notifications.email {
                    settings.insert("Recipients".to_owned(), json!(email));
                }
            }
            if let Some(guard) = &provisioning.accidental_deletions {
                settings.insert("DeleteThresholdEnabled".to_owned(), json!(guard.enabled));
                if let Some(threshold) = guard.threshold {
                    settings.insert("DeleteThresholdValue".to_owned(), json!(threshold));
                }
            }
            if !settings.is_empty() {
                secrets.insert("SyncNotificationSettings".to_owned(), serde_json::Value::Object(settings).to_string());
            }
            let state = if provisioning.status == Status::On { "Active" } else { "Paused" };
            LiveJob {
                id: format!("scim.{name}"),
                template_id: Some("scim".to_owned()),
                state: state.to_owned(),
                status_code: Some(state.to_owned()),
                quarantine_reason: None,
            }
        });
        let assignments = app
            .assignments
            .iter()
            .flat_map(|assignments| &assignments.entries)
            .enumerate()
            .map(|(index, entry)| LiveAssignment {
                id: format!("a-{name}-{index}"),
                principal: entry.principal.clone(),
                role_id: match entry.role.as_deref() {
                    Some(role) => ROLES.iter().find(|(_, candidate)| *candidate == role).unwrap().0.to_owned(),
                    None => DEFAULT_ACCESS.to_owned(),
                },
            })
            .collect();
        apps.insert(
            name.clone(),
            LiveApp {
                service_principal_id: format!("sp-{name}"),
                app_id: format!("app-{name}"),
                display_name: app.display_name.clone(),
                template_id: Some(TEMPLATE.to_owned()),
                tags: vec![MANAGED_TAG.to_owned(), name_tag(name)],
                roles: ROLES.iter().map(|(id, name)| Role { id: (*id).to_owned(), name: (*name).to_owned() }).collect(),
                owners: app.owners.clone().unwrap_or_default(),
                job,
                secrets,
                assignments,
            },
        );
    }
    Live { apps, lookalikes: Vec::new() }
}

const OPTIONS: Options = Options { prune: false };

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_live_state_built_from_the_spec_plans_nothing(desired in desired()) {
        let plan = scimform_plan::plan(&desired, &live_from(&desired), &OPTIONS);
        prop_assert!(plan.changes.is_empty(), "{:#?}", plan.changes);
    }

    #[test]
    fn one_difference_plans_exactly_one_change(desired in desired(), which in any::<prop::sample::Index>(), mutation in 0usize..7) {
        let mut live = live_from(&desired);
        let names: Vec<String> = desired.apps.keys().cloned().collect();
        let name = which.get(&names).clone();
        let app = live.apps.get_mut(&name).unwrap();
        let wanted = &desired.apps[&name];
        let address = format!("app.{name}");
        // (expected address, expected action) or None when the mutation does not apply.
        let expected: Option<(String, Action)> = match mutation {
            0 => {
                app.display_name.push_str(" (edited in the portal)");
                Some((address, Action::Update))
            }
            1 if wanted.owners.as_ref().is_some_and(|owners| !owners.is_empty()) => {
                let owner = app.owners.remove(0);
                Some((format!("{address}.owner[\"{}\"]", owner.label), Action::Create))
            }
            2 if wanted.owners.is_some() => {
                app.owners.push(Principal { id: "u-intruder".into(), kind: PrincipalKind::User, label: "intruder@contoso.com".into() });
                Some((format!("{address}.owner[\"intruder@contoso.com\"]"), Action::Delete))
            }
            3 if wanted.provisioning.is_some() => {
                app.secrets.insert("BaseAddress".into(), "https://changed.example.com".into());
                Some((format!("{address}.provisioning"), Action::Update))
            }
            4 if wanted.provisioning.is_some() => {
                let job = app.job.as_mut().unwrap();
                job.state = if job.state == "Active" { "Paused".into() } else { "Active".into() };
                Some((format!("{address}.provisioning.status"), Action::Update))
            }
            5 if wanted.assignments.as_ref().is_some_and(|assignments| !assignments.entries.is_empty()) => {
                let assignment = app.assignments.remove(0);
                Some((format!("{address}.assignment[\"{}\"]", assignment.principal.key()), Action::Create))
            }
            6 if wanted.assignments.as_ref().is_some_and(|assignments| assignments.exact) => {
                let stranger = Principal { id: "g-strangers".into(), kind: PrincipalKind::Group, label: "Strangers".into() };
                app.assignments.push(LiveAssignment { id: "a-stranger".into(), principal: stranger, role_id: "r-user".into() });
                Some((format!("{address}.assignment[\"group:Strangers\"]"), Action::Delete))
            }
            _ => None,
        };
        let plan = scimform_plan::plan(&desired, &live, &OPTIONS);
        match expected {
            Some((address, action)) => {
                prop_assert_eq!(plan.changes.len(), 1, "{:#?}", plan.changes);
                prop_assert_eq!(&plan.changes[0].address, &address);
                prop_assert_eq!(plan.changes[0].action, action);
            }
            None => prop_assert!(plan.changes.is_empty()),
        }
    }
}
