//! scim-check against the emulator's built-in SCIM provider, strict and lenient, and
//! against broken configurations of it (a wrong token, an app that answers success to a
//! removal it does not make, no server at all): each class of failure is found and named
//! with its request, and a check leaves the app as it found it, also when interrupted or
//! out of time.

use std::time::Duration;

use scimform_emulator::{Options as EmulatorOptions, Running, Seed};
use scimform_graph::Secret;
use scimform_mapping::{Object, reference};
use scimform_scim_check::{DialectName, Options, Outcome, Report, Target, check};
use scimform_scim_dialect::Dialect;
use serde_json::{Value, json};

const BASE_URL: &str = "https://app.example.com/scim";
const TOKEN: &str = "check-token-51c2";

struct App {
    running: Running,
    root: String,
}

impl App {
    async fn start(quirks: &[&str]) -> App {
        let seed = Seed::from_json(scimform_emulator::DEMO_TENANT).unwrap();
        let running = scimform_emulator::start(EmulatorOptions::for_tests(seed)).await.unwrap();
        let admin = format!("{}/_admin", running.base_url());
        let http = reqwest::Client::new();
        let endpoints = json!([{ "baseUrl": BASE_URL, "token": TOKEN, "quirks": quirks }]);
        let status = http.put(format!("{admin}/scimEndpoints")).json(&endpoints).send().await.unwrap().status();
        assert_eq!(status.as_u16(), 204);
        let scim: Value = http.get(format!("{admin}/scim")).send().await.unwrap().json().await.unwrap();
        let root = format!("{}/scim/{}", running.base_url(), scim[BASE_URL]["key"].as_str().unwrap());
        App { running, root }
    }

    /// The app's users and groups; one made by hand first, which no check may touch.
    async fn state(&self) -> Value {
        let scim: Value =
            reqwest::get(format!("{}/_admin/scim", self.running.base_url())).await.unwrap().json().await.unwrap();
        json!({ "users": scim[BASE_URL]["users"], "groups": scim[BASE_URL]["groups"] })
    }

    async fn with_a_real_user(&self) {
        let user = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "real@contoso.com", "active": true });
        let response = reqwest::Client::new()
            .post(format!("{}/Users", self.root))
            .bearer_auth(TOKEN)
            .json(&user)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
    }

    fn target(&self, token: &str) -> Target {
        Target {
            base_url: self.root.clone(),
            token: Secret::new(token),
            dialect: Dialect::Default,
            users: reference::object(Object::Users).defaults.attributes.clone(),
            groups: true,
        }
    }
}

fn writing() -> Options {
    Options { write: true, time_limit: Duration::from_secs(60), pace: Duration::ZERO }
}

fn failed(report: &Report, dialect: DialectName) -> Vec<String> {
    report.verdict(dialect).unwrap().failed.clone()
}

fn check_of<'r>(report: &'r Report, operation: &str, dialect: DialectName) -> &'r scimform_scim_check::Check {
    report
        .checks
        .iter()
        .find(|check| check.operation == operation && check.dialect == Some(dialect))
        .unwrap_or_else(|| panic!("no check {operation} in {dialect:?}"))
}

#[tokio::test]
async fn a_strict_app_refuses_the_default_dialect_and_takes_the_compliant_one() {
    let app = App::start(&[]).await;
    app.with_a_real_user().await;
    let before = app.state().await;
    let report = check(&app.target(TOKEN), &writing(), std::future::pending()).await;
    assert_eq!(app.state().await, before, "a --write check leaves the app as it found it");
    let default = failed(&report, DialectName::Default);
    for operation in ["deactivate user", "reactivate user", "remove member"] {
        assert!(default.contains(&operation.to_owned()), "{operation}: {default:?}");
        assert_eq!(check_of(&report, operation, DialectName::Compliant).outcome, Outcome::Passed);
    }
    let deactivation = check_of(&report, "deactivate user", DialectName::Default);
    let request = deactivation.request.as_ref().unwrap();
    assert_eq!(request.body.as_ref().unwrap()["Operations"][0]["value"], "False", "the failing request is shown");
    assert_eq!(deactivation.status, Some(400));
    assert!(deactivation.answer.as_deref().unwrap().contains("invalidValue"));
    // Adding a value the user did not have, in a filtered path, fails in both (noTarget).
    let mobile = "update phoneNumbers[type eq \"mobile\"].value (add, none before)";
    assert!(failed(&report, DialectName::Compliant).contains(&mobile.to_owned()));
    assert!(report.schema_read && report.schema.is_empty(), "{:?}", report.schema);
    assert!(report.cleanup.left.is_empty());
    assert!(!report.ok);
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_lenient_app_takes_both_dialects() {
    let app = App::start(&["lenient"]).await;
    let report = check(&app.target(TOKEN), &writing(), std::future::pending()).await;
    for dialect in [DialectName::Default, DialectName::Compliant] {
        assert_eq!(failed(&report, dialect), Vec::<String>::new(), "{dialect:?}");
    }
    assert!(report.ok);
    assert_eq!(app.state().await, json!({ "users": [], "groups": [] }));
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_read_only_check_writes_nothing() {
    let app = App::start(&[]).await;
    app.with_a_real_user().await;
    let before = app.state().await;
    let report =
        check(&app.target(TOKEN), &Options { pace: Duration::ZERO, ..Options::default() }, std::future::pending())
            .await;
    assert_eq!(app.state().await, before);
    assert!(report.checks.iter().all(|check| check.request.as_ref().is_none_or(|request| request.method == "GET")));
    assert!(report.checks.iter().any(|check| check.outcome == Outcome::Skipped), "the writes are listed as not run");
    assert!(report.ok, "what a read-only run checks passed");
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_wrong_token_fails_the_credential_probe_and_nothing_else_is_sent() {
    let app = App::start(&[]).await;
    let report = check(&app.target("not-the-token"), &writing(), std::future::pending()).await;
    assert_eq!(report.checks.len(), 1, "{:?}", report.checks);
    assert_eq!((report.checks[0].outcome, report.checks[0].status), (Outcome::Failed, Some(401)));
    assert!(!report.ok);
    let text = serde_json::to_string(&report).unwrap();
    assert!(!text.contains("not-the-token") && !text.contains(TOKEN), "the report never holds a token");
    app.running.shutdown().await;
}

#[tokio::test]
async fn an_app_that_answers_success_without_removing_is_caught() {
    let app = App::start(&["lenient", "ignoresRemoves"]).await;
    let report = check(&app.target(TOKEN), &writing(), std::future::pending()).await;
    let removal = check_of(&report, "remove member", DialectName::Compliant);
    assert_eq!((removal.outcome, removal.status), (Outcome::Failed, Some(204)));
    assert!(removal.note.as_deref().unwrap().contains("still lists the user"), "{removal:?}");
    assert!(!report.ok);
    app.running.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_app_is_a_failed_probe() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let target = Target {
        base_url: format!("http://127.0.0.1:{port}/scim"),
        token: Secret::new(TOKEN),
        dialect: Dialect::Compliant,
        users: reference::object(Object::Users).defaults.attributes.clone(),
        groups: false,
    };
    let report = check(&target, &writing(), std::future::pending()).await;
    assert_eq!(report.checks[0].outcome, Outcome::Failed);
    assert!(report.checks[0].answer.as_deref().unwrap().contains("could not connect"), "{:?}", report.checks[0]);
    assert!(!report.ok);
}

/// Ctrl-C in the middle, and a time limit that runs out: the checks stop, what was made
/// is deleted, and the report says it stopped.
#[tokio::test]
async fn interrupted_or_out_of_time_the_check_removes_what_it_made() {
    let app = App::start(&[]).await;
    app.with_a_real_user().await;
    let before = app.state().await;
    let paced = Options { write: true, time_limit: Duration::from_secs(60), pace: Duration::from_millis(15) };
    let interrupt = tokio::time::sleep(Duration::from_millis(400));
    let report = check(&app.target(TOKEN), &paced, interrupt).await;
    assert_eq!(report.stopped.as_deref(), Some("interrupted"));
    assert!(!report.cleanup.removed.is_empty(), "it had made something: {:?}", report.cleanup);
    assert_eq!(app.state().await, before);
    assert!(!report.ok);
    let short = Options { time_limit: Duration::from_millis(400), ..paced };
    let report = check(&app.target(TOKEN), &short, std::future::pending()).await;
    assert_eq!(report.stopped.as_deref(), Some("time limit"));
    assert_eq!(app.state().await, before);
    assert!(!report.ok);
    app.running.shutdown().await;
}
