//! Laws of the planner, checked on generated inputs:
//! - a live state built from the desired state plans no changes (its schemas are Graph
//!   JSON recorded from the emulator after a real apply, decoded; its settings are the
//!   spec's values field for field, whose encoding to Graph every scenario's final
//!   no-change plan checks);
//! - one difference introduced into that live state plans exactly one change, at the
//!   address of what differs.

use std::collections::BTreeMap;

use proptest::prelude::*;
use scimform_plan::state::{
    AccidentalDeletions, BaseUrl, Credentials, Desired, DesiredApp, DesiredAssignment, DesiredAssignments,
    DesiredProvisioning, JobSchedule, JobStatus, Live, LiveApp, LiveAssignment, LiveJob, Notifications, Principal,
    PrincipalKind, Provisioning, ProvisioningSettings, ProvisioningStatus, Quarantine, Role, Roles, Scope, TokenSource,
    TokenState,
};
use scimform_plan::state::{AttributeMapping, Clause, FilterGroup, LiveSchema, Operator};
use scimform_plan::{Action, MANAGED_TAG, Options, ResetPart, Step, name_tag};
use scimform_spec::model::{Mappings, ObjectMappings, Scoping};

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
        prop::option::of(prop::bool::ANY.prop_map(|all| if all { Scope::All } else { Scope::Assigned })),
        prop::option::of(any::<bool>()),
        prop::option::of((any::<bool>(), prop::option::of(Just("ops@contoso.com".to_owned())))),
        prop::option::of((any::<bool>(), prop::option::of(1u32..1000))),
        (0usize..4, 0usize..3),
    )
        .prop_map(|(on, base_url, scope, skip, notifications, guard, (mappings, scoping))| DesiredProvisioning {
            spec: Provisioning {
                status: if on { ProvisioningStatus::On } else { ProvisioningStatus::Off },
                credentials: Credentials {
                    base_url: BaseUrl::parse(base_url).unwrap(),
                    token: TokenSource::Env { variable: "TOKEN".to_owned() },
                    scim_compliance: if skip == Some(true) { Some(true) } else { None },
                },
                scope,
                skip_out_of_scope_deletions: skip,
                notifications: notifications.map(|(enabled, email)| Notifications { enabled, email }),
                accidental_deletions: guard.map(|(enabled, threshold)| AccidentalDeletions { enabled, threshold }),
                test_connection: true,
                mappings: mappings_choice(mappings),
                scoping: scoping_choice(scoping),
                verify: None,
            },
            token_state: TokenState::Unchanged,
            token_gap: None,
            short_token: false,
        })
}

/// No mappings managed, the defaults, a changed display name, or groups turned off.
fn mappings_choice(choice: usize) -> Option<Mappings> {
    let display_name = AttributeMapping {
        target: "displayName".to_owned(),
        source: scimform_mapping::Source::parse("Join(\" \", [givenName], [surname])"),
        flow: Default::default(),
        default: None,
        matching: None,
    };
    let users = |set: Vec<AttributeMapping>| ObjectMappings { enabled: true, set, remove: Vec::new() };
    match choice {
        0 => None,
        1 => Some(Mappings { users: Some(users(Vec::new())), groups: None }),
        2 => Some(Mappings { users: Some(users(vec![display_name])), groups: None }),
        _ => Some(Mappings {
            users: None,
            groups: Some(ObjectMappings { enabled: false, set: Vec::new(), remove: vec!["externalId".to_owned()] }),
        }),
    }
}

/// No filters managed, none, or one on department.
fn scoping_choice(choice: usize) -> Option<Scoping> {
    let clause =
        Clause { attribute: "department".to_owned(), operator: Operator::Equals, value: Some("Security".to_owned()) };
    match choice {
        0 => None,
        1 => Some(Scoping { users: Some(Vec::new()), groups: None }),
        _ => Some(Scoping { users: Some(vec![FilterGroup { clauses: vec![clause] }]), groups: None }),
    }
}

/// The schema a job has when it is as `spec` says: Graph's JSON as the emulator held it
/// after the real binary applied each mappings and scoping choice (recorded in
/// `tests/recorded/` by the scenario test `law_schemas_are_recorded`), decoded by the one
/// decoder of object mappings. Nothing here repeats the planner's spec → schema logic.
fn schema_from(spec: &Provisioning) -> LiveSchema {
    let mappings = (0..4).find(|choice| mappings_choice(*choice) == spec.mappings).expect("a generated choice");
    let scoping = (0..3).find(|choice| scoping_choice(*choice) == spec.scoping).expect("a generated choice");
    let attributes = recorded(&format!("m{mappings}"));
    let scope = recorded(&format!("s{scoping}"));
    let object = |object: &str| {
        let mut json = attributes[object].clone();
        json["scope"] = scope[object]["scope"].clone();
        Some(scimform_mapping::graph_json::decode_object(&json).mapping)
    };
    LiveSchema { users: object("users"), groups: object("groups") }
}

/// A recording of `tests/recorded/` (`s0`, no scoping managed, is the defaults: `m0`).
fn recorded(name: &str) -> serde_json::Value {
    let name = if name == "s0" { "m0" } else { name };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/recorded/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
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
                        location: None,
                    })
                    .collect(),
            }),
            nested_groups: BTreeMap::new(),
            adopt: None,
            location: None,
            ignore_warnings: Vec::new(),
        })
}

fn desired() -> impl Strategy<Value = Desired> {
    prop::collection::btree_map(prop::sample::select(vec!["one", "two", "three"]).prop_map(str::to_owned), app(), 1..=3)
        .prop_map(|apps| Desired { apps })
}

fn roles() -> Roles {
    Roles(ROLES.iter().map(|(id, name)| Role { id: (*id).to_owned(), name: (*name).to_owned() }).collect())
}

/// The live state that `desired` describes exactly.
fn live_from(desired: &Desired) -> Live {
    let mut apps = BTreeMap::new();
    for (name, app) in &desired.apps {
        let mut settings = ProvisioningSettings::default();
        let job = app.provisioning.as_ref().map(|provisioning| {
            let spec = &provisioning.spec;
            settings.base_url = Some(spec.credentials.base_url.clone());
            settings.scim_compliance = Some(spec.credentials.scim_compliance.unwrap_or(false));
            settings.scope = spec.scope;
            settings.skip_out_of_scope_deletions = spec.skip_out_of_scope_deletions;
            if let Some(notifications) = &spec.notifications {
                settings.notifications_enabled = Some(notifications.enabled);
                settings.notification_email = notifications.email.clone();
            }
            if let Some(guard) = &spec.accidental_deletions {
                settings.deletion_guard_enabled = Some(guard.enabled);
                settings.deletion_threshold = guard.threshold;
            }
            let (schedule, status) = if spec.status == ProvisioningStatus::On {
                (JobSchedule::Active, JobStatus::Active)
            } else {
                (JobSchedule::Paused, JobStatus::Paused)
            };
            LiveJob {
                id: format!("scim.{name}"),
                template_id: Some("scim".to_owned()),
                schedule,
                status,
                quarantine: None,
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
                role_id: roles().id_of(entry.role.as_deref()).unwrap(),
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
                stack: scimform_plan::DEFAULT_STACK.to_owned(),
                roles: roles(),
                owners: app.owners.clone().unwrap_or_default(),
                job,
                settings,
                assignments,
                schema: app.provisioning.as_ref().map(|provisioning| schema_from(&provisioning.spec)),
            },
        );
    }
    Live { apps, ..Live::default() }
}

fn options() -> Options {
    Options::standard()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_live_state_built_from_the_spec_plans_nothing(desired in desired()) {
        let plan = scimform_plan::plan(&desired, &live_from(&desired), &options());
        prop_assert!(plan.changes.is_empty(), "{:#?}", plan.changes);
    }

    #[test]
    fn one_difference_plans_exactly_one_change(desired in desired(), which in any::<prop::sample::Index>(), mutation in 0usize..8) {
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
                app.settings.base_url = Some(BaseUrl::parse("https://changed.example.com").unwrap());
                Some((format!("{address}.provisioning"), Action::Update))
            }
            4 if wanted.provisioning.is_some() => {
                let job = app.job.as_mut().unwrap();
                job.schedule = if job.is_running() { JobSchedule::Paused } else { JobSchedule::Active };
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
            7 if wanted.provisioning.as_ref().is_some_and(|provisioning| provisioning.spec.mappings.as_ref().is_some_and(|m| m.users.is_some())) => {
                let users = app.schema.as_mut().unwrap().users.as_mut().unwrap();
                let title = users.attributes.iter_mut().find(|mapping| mapping.target == "title").unwrap();
                title.source = scimform_mapping::Source::parse("ToUpper([jobTitle])");
                Some((format!("{address}.provisioning.schema"), Action::Update))
            }
            _ => None,
        };
        // A running job whose mappings change is also restarted: the job's one decision,
        // a change of its own.
        let restarted = mutation == 7 && app.job.as_ref().is_some_and(|job| job.is_running());
        let plan = scimform_plan::plan(&desired, &live, &options());
        match expected {
            Some((address, action)) => {
                prop_assert_eq!(plan.changes.len(), 1 + usize::from(restarted), "{:#?}", plan.changes);
                prop_assert_eq!(&plan.changes[0].address, &address);
                prop_assert_eq!(plan.changes[0].action, action);
                if restarted {
                    prop_assert_eq!(&plan.changes[1].address, &format!("app.{name}.provisioning.job"));
                }
            }
            None => prop_assert!(plan.changes.is_empty()),
        }
    }

    /// Whatever else differs, a plan that lifts a quarantine (a restart with the
    /// quarantine reset, or a start of a quarantined job) first runs Test Connection with
    /// the spec's credentials and saves them, and then confirms the job left quarantine.
    #[test]
    fn every_lifted_quarantine_is_tested_saved_and_confirmed(desired in desired(), which in any::<prop::sample::Index>(), mutation in 0usize..8, paused in any::<bool>()) {
        let mut live = live_from(&desired);
        let names: Vec<String> = desired.apps.keys().cloned().collect();
        let name = which.get(&names).clone();
        let app = live.apps.get_mut(&name).unwrap();
        let Some(job) = app.job.as_mut() else { return Ok(()) };
        job.status = JobStatus::Quarantine;
        job.quarantine = Some(Quarantine { reason: Some("EncounteredQuarantineException".to_owned()), ..Quarantine::default() });
        if paused {
            job.schedule = JobSchedule::Paused;
        }
        match mutation {
            0 => app.settings.scope = Some(if app.settings.scope == Some(Scope::All) { Scope::Assigned } else { Scope::All }),
            1 => app.settings.base_url = Some(BaseUrl::parse("https://changed.example.com").unwrap()),
            2 => if let Some(users) = app.schema.as_mut().and_then(|schema| schema.users.as_mut()) {
                users.attributes.retain(|mapping| mapping.target != "title");
            },
            _ => {}
        }
        let wanted_on = desired.apps[&name].provisioning.as_ref().unwrap().spec.status == ProvisioningStatus::On;
        let plan = scimform_plan::plan(&desired, &live, &options());
        let steps: Vec<&Step> = plan.changes.iter().flat_map(|change| &change.steps).collect();
        let lifts = steps.iter().position(|step| match step {
            Step::RestartJob { app, reset } => app == &name && reset.contains(&ResetPart::QuarantineState),
            Step::StartJob { app } => app == &name,
            _ => false,
        });
        prop_assert_eq!(lifts.is_some(), wanted_on, "{:#?}", plan.changes);
        let Some(lifts) = lifts else { return Ok(()) };
        let before = &steps[..lifts];
        prop_assert!(before.iter().any(|step| matches!(step, Step::TestConnection { app, .. } if app == &name)), "{:#?}", plan.changes);
        prop_assert!(before.iter().any(|step| matches!(step, Step::SaveSettings { app, .. } if app == &name)), "{:#?}", plan.changes);
        prop_assert!(steps[lifts..].iter().any(|step| matches!(step, Step::ConfirmRecovered { app } if app == &name)), "{:#?}", plan.changes);
        let other_restarts = steps.iter().filter(|step| matches!(step, Step::RestartJob { app, .. } | Step::StartJob { app } if app == &name)).count();
        prop_assert_eq!(other_restarts, 1, "one decision about the job: {:#?}", plan.changes);
    }
}
