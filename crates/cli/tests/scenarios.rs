//! End-to-end scenarios: the `scimform` binary against an emulator over loopback, as a
//! pipeline would run it (credentials from the environment, `--graph-url` and
//! `--authority-url` from `SCIMFORM_GRAPH_URL` / `SCIMFORM_AUTHORITY_URL`).
//!
//! Scenarios are data: `tests/scenarios/*.txt`, one command a line (see [`World::step`]).
//! Every scenario ends with a second plan that must show no changes, and every output
//! (stdout, stderr, files written, the emulator's request log and snapshot) is scanned for
//! every token the scenario used. The fault matrix below runs the same create under a fault
//! at each step in turn, re-running apply until it succeeds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use scimform_emulator::{Options, Running, Seed};

#[path = "support/scim_check.rs"]
mod scim_check;
use serde_json::Value;
use sha2::Digest;

struct World {
    runtime: tokio::runtime::Runtime,
    emulator: Option<Running>,
    directory: tempfile::TempDir,
    environment: BTreeMap<String, String>,
    secrets: Vec<String>,
    transcript: String,
    last: String,
    http: reqwest::Client,
    /// The SCIM server provisioning writes to, as `scim-*` steps read it: root and token.
    scim: Option<(String, String)>,
    /// The tenant as `snapshot-mark` saw it.
    marked: Option<Value>,
}

impl World {
    fn new() -> World {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let seed = Seed::from_json(scimform_emulator::DEMO_TENANT).unwrap();
        let client = seed.clients[0].clone();
        let emulator = runtime.block_on(scimform_emulator::start(Options::for_tests(seed))).unwrap();
        let mut environment = BTreeMap::new();
        environment.insert("AZURE_TENANT_ID".to_owned(), emulator.tenant_id().to_owned());
        environment.insert("AZURE_CLIENT_ID".to_owned(), client.client_id.clone());
        environment.insert("AZURE_CLIENT_SECRET".to_owned(), client.secret.clone().unwrap());
        environment.insert("SCIMFORM_GRAPH_URL".to_owned(), emulator.graph_url());
        environment.insert("SCIMFORM_AUTHORITY_URL".to_owned(), emulator.authority_url().to_owned());
        // The emulator's replication lag in these tests is at most 150 ms.
        environment.insert("SCIMFORM_SETTLE_MS".to_owned(), "400".to_owned());
        let directory = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(directory.path().join("specs")).unwrap();
        World {
            runtime,
            emulator: Some(emulator),
            directory,
            environment,
            secrets: vec![client.secret.unwrap()],
            transcript: String::new(),
            last: String::new(),
            http: reqwest::Client::new(),
            scim: None,
            marked: None,
        }
    }

    fn emulator(&self) -> &Running {
        self.emulator.as_ref().unwrap()
    }

    fn run(&mut self, args: &[&str]) -> Output {
        let output = self.spawn(args).wait_with_output().unwrap();
        self.last = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        self.transcript.push_str(&format!("$ scimform {}\n{}\n", args.join(" "), self.last));
        output
    }

    fn run_expecting(&mut self, code: i32, args: &[&str]) {
        let output = self.run(args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "scimform {} exited {:?}:\n{}",
            args.join(" "),
            output.status.code(),
            self.last
        );
    }

    fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.emulator().admin_url());
        self.runtime.block_on(async {
            let mut request = self.http.request(method.parse().unwrap(), url);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            assert!(response.status().is_success(), "admin {method} {path}: {}", response.status());
            response.json::<Value>().await.unwrap_or(Value::Null)
        })
    }

    fn snapshot(&self) -> Value {
        self.admin("GET", "/snapshot", None)
    }

    /// `{sp:NAME}`, `{job:NAME}` (managed apps), `{display:NAME}` and
    /// `{application:NAME}` (any app's service principal and application by display
    /// name), `{pipeline}` (the signed-in client's service principal), `{user:UPN}` and
    /// `{group:NAME}` to ids.
    fn placeholders(&self, text: &str) -> String {
        let mut result = text.to_owned();
        if let Some((root, _)) = self.scim.as_ref().filter(|_| result.contains("{scim-root}")) {
            result = result.replace("{scim-root}", root);
        }
        if result.contains("{pipeline}") {
            let client = &self.environment["AZURE_CLIENT_ID"];
            let snapshot = self.snapshot();
            let pipeline = snapshot["servicePrincipals"]
                .as_object()
                .unwrap()
                .values()
                .find(|sp| sp["appId"] == client.as_str())
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            result = result.replace("{pipeline}", &pipeline);
        }
        let next = |text: &str| {
            ["{sp:", "{job:", "{user:", "{group:", "{role:", "{display:", "{application:"]
                .iter()
                .filter_map(|prefix| text.find(prefix))
                .min()
        };
        while let Some(start) = next(&result) {
            let end = start + result[start..].find('}').unwrap();
            let inner = result[start + 1..end].to_owned();
            let (kind, name) = inner.split_once(':').unwrap();
            let snapshot = self.snapshot();
            let id = match kind {
                "sp" | "job" => {
                    let tag = format!("scimform:name={name}");
                    let sp = snapshot["servicePrincipals"]
                        .as_object()
                        .unwrap()
                        .values()
                        .find(|sp| sp["tags"].as_array().unwrap().iter().any(|candidate| candidate == &tag))
                        .unwrap_or_else(|| panic!("no managed app named {name}"));
                    let sp_id = sp["id"].as_str().unwrap().to_owned();
                    if kind == "sp" {
                        sp_id
                    } else {
                        snapshot["synchronization"][&sp_id]["jobs"].as_object().unwrap().keys().next().unwrap().clone()
                    }
                }
                "role" => {
                    let (app, role) = name.split_once('/').unwrap();
                    let sp = self.app_service_principal(app);
                    sp["appRoles"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|candidate| candidate["displayName"] == role)
                        .unwrap()["id"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                }
                "display" | "application" => {
                    let collection = if kind == "display" { "servicePrincipals" } else { "applications" };
                    snapshot[collection]
                        .as_object()
                        .unwrap()
                        .values()
                        .find(|object| object["displayName"] == name)
                        .unwrap_or_else(|| panic!("no app displayed as {name}"))["id"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                }
                "user" => snapshot["users"]
                    .as_object()
                    .unwrap()
                    .values()
                    .find(|user| user["userPrincipalName"] == name)
                    .unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                _ => {
                    snapshot["groups"].as_object().unwrap().values().find(|group| group["displayName"] == name).unwrap()
                        ["id"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                }
            };
            result.replace_range(start..=end, &id);
        }
        result
    }

    fn app_service_principal(&self, name: &str) -> Value {
        let id = self.placeholders(&format!("{{sp:{name}}}"));
        self.snapshot()["servicePrincipals"][&id].clone()
    }

    /// Runs one scenario line (and the lines of a `spec` block).
    fn step(&mut self, line: &str, lines: &mut std::slice::Iter<'_, &str>) {
        let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
        match command {
            "spec" => {
                let mut text = String::new();
                for line in lines.by_ref() {
                    if *line == "end" {
                        break;
                    }
                    text.push_str(line);
                    text.push('\n');
                }
                let path = self.directory.path().join("specs").join(rest);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, self.placeholders(&text)).unwrap();
            }
            // `edit FILE FROM => TO`: replace text in a file of the working directory (`\n`
            // in TO is a line break).
            "edit" => {
                let (file, change) = rest.split_once(' ').unwrap();
                let (from, to) = change.split_once(" => ").unwrap();
                let to = to.replace("\\n", "\n");
                let path = self.directory.path().join(file);
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(text.contains(from), "{file} has no {from:?}");
                std::fs::write(&path, text.replace(from, &to)).unwrap();
            }
            // `symlink LINK TARGET`, both relative to the working directory.
            "symlink" => {
                let (link, target) = rest.split_once(' ').unwrap();
                std::os::unix::fs::symlink(self.directory.path().join(target), self.directory.path().join(link))
                    .unwrap();
            }
            // `file-mode FILE 600`: the file's permission bits, in octal.
            "file-mode" => {
                use std::os::unix::fs::PermissionsExt;
                let (file, mode) = rest.split_once(' ').unwrap();
                let metadata = std::fs::metadata(self.directory.path().join(file)).unwrap();
                assert_eq!(format!("{:o}", metadata.permissions().mode() & 0o777), mode, "mode of {file}");
            }
            // `file-has FILE TEXT` / `file-lacks FILE TEXT`: a file of the working directory
            // holds (or does not hold) the text.
            "file-has" | "file-lacks" => {
                let (file, wanted) = rest.split_once(' ').unwrap();
                let text = std::fs::read_to_string(self.directory.path().join(file)).unwrap();
                assert_eq!(text.contains(wanted), command == "file-has", "{file} and {wanted:?}:\n{text}");
            }
            // `chmod FILE 644`: sets a file's permission bits.
            "chmod" => {
                use std::os::unix::fs::PermissionsExt;
                let (file, mode) = rest.split_once(' ').unwrap();
                let mode = u32::from_str_radix(mode, 8).unwrap();
                std::fs::set_permissions(self.directory.path().join(file), std::fs::Permissions::from_mode(mode))
                    .unwrap();
            }
            "remove" => std::fs::remove_file(self.directory.path().join("specs").join(rest)).unwrap(),
            // `prometheus FILE`: FILE (in the scenario's directory) read by Prometheus' own
            // text-format parser (prometheus-client, from PyPI in `.venv/`); its samples,
            // one `name{label="value",…} value` line each, become the output to expect on.
            "prometheus" => self.last = prometheus_samples(&self.directory.path().join(rest)),
            // `example FILE`: the repository's `examples/FILE`, as it is, into the specs.
            "example" => {
                let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(rest);
                let specs = self.directory.path().join("specs");
                std::fs::create_dir_all(&specs).unwrap();
                std::fs::copy(example, specs.join(rest)).unwrap();
            }
            "env" => {
                let (name, value) = rest.split_once('=').unwrap();
                if name.ends_with("TOKEN") && !value.is_empty() {
                    self.secrets.push(value.to_owned());
                }
                self.environment.insert(name.to_owned(), value.to_owned());
            }
            "unset" => {
                self.environment.remove(rest);
            }
            // `secret VALUE`: one more value no output or file may contain.
            "secret" => self.secrets.push(rest.to_owned()),
            // `exit CODE ARGS…`: run scimform, expecting that exit code.
            "exit" => {
                let (code, args) = rest.split_once(' ').unwrap();
                let args: Vec<String> = self.placeholders(args).split_whitespace().map(str::to_owned).collect();
                self.run_expecting(code.parse().unwrap(), &args.iter().map(String::as_str).collect::<Vec<_>>());
            }
            "apply" => {
                let mut args = vec!["apply", "specs", "--auto-approve"];
                args.extend(rest.split_whitespace());
                self.run_expecting(0, &args);
            }
            // `plans-differ-only-in-tokens VAR`: the plan made without VAR is the plan made
            // with it, but for the lines about the token it did not check.
            "plans-differ-only-in-tokens" => {
                self.run_expecting(0, &["plan", "specs"]);
                let full = self.last.clone();
                let kept = self.environment.remove(rest).expect("the variable is set");
                self.run_expecting(0, &["plan", "specs"]);
                let partial = self.last.clone();
                self.environment.insert(rest.to_owned(), kept);
                assert!(
                    partial.contains("token(s) not checked") && !full.contains("token(s) not checked"),
                    "{partial}"
                );
                let without_tokens = |text: &str| -> Vec<String> {
                    text.lines()
                        .map(|line| {
                            (1..10).fold(line.to_owned(), |line, n| {
                                line.replace(&format!(", {n} token(s) not checked"), "")
                            })
                        })
                        .filter(|line| !line.contains("token") && line.trim() != "Warnings:" && !line.trim().is_empty())
                        .collect()
                };
                assert_eq!(without_tokens(&partial), without_tokens(&full), "\n{full}\n---\n{partial}");
            }
            "plan-empty" => self.run_expecting(0, &["plan", "specs", "--detailed-exitcode"]),
            "plan-changes" => self.run_expecting(2, &["plan", "specs", "--detailed-exitcode"]),
            "run" | "fail" | "changes" => {
                let code = match command {
                    "run" => 0,
                    "fail" => 1,
                    _ => 2,
                };
                let args: Vec<String> = rest.split_whitespace().map(str::to_owned).collect();
                self.run_expecting(code, &args.iter().map(String::as_str).collect::<Vec<_>>());
            }
            "expect" => {
                let wanted = self.placeholders(rest);
                assert!(self.last.contains(&wanted), "expected output to contain {wanted:?}:\n{}", self.last);
            }
            // `output-empty`: the last command printed nothing at all.
            "output-empty" => assert!(self.last.trim().is_empty(), "expected no output:\n{}", self.last),
            "expect-not" => {
                assert!(!self.last.contains(rest), "expected output not to contain {rest:?}:\n{}", self.last)
            }
            "admin" => {
                let mut parts = rest.splitn(3, ' ');
                let (method, path) = (parts.next().unwrap(), self.placeholders(parts.next().unwrap()));
                let body = parts.next().map(|body| serde_json::from_str(&self.placeholders(body)).unwrap());
                let answer = self.admin(method, &path, body);
                if path == "/graph" {
                    assert!(answer["status"].as_u64().is_some_and(|status| status < 300), "{answer}");
                }
            }
            "faults" => {
                self.admin("PUT", "/faults", Some(serde_json::from_str(rest).unwrap()));
            }
            "apply-until-ok" => {
                let tries: usize = rest.parse().unwrap();
                let ok = (0..tries).any(|_| self.run(&["apply", "specs", "--auto-approve"]).status.success());
                assert!(ok, "apply did not succeed in {tries} runs:\n{}", self.transcript);
            }
            "secret-saved" => {
                let (app, value) = rest.split_once(' ').unwrap();
                let id = self.placeholders(&format!("{{sp:{app}}}"));
                let digest: String =
                    sha2::Sha256::digest(value.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect();
                let snapshot = self.snapshot();
                let saved = snapshot["synchronization"][&id]["secrets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|pair| pair[0] == "SecretToken")
                    .cloned();
                assert_eq!(
                    saved.map(|pair| pair[1].clone()),
                    Some(Value::String(format!("sha256:{digest}"))),
                    "the saved token is not {value}"
                );
            }
            "job-state" => {
                let (app, state) = rest.split_once(' ').unwrap();
                let id = self.placeholders(&format!("{{sp:{app}}}"));
                let snapshot = self.snapshot();
                let job =
                    snapshot["synchronization"][&id]["jobs"].as_object().unwrap().values().next().unwrap().clone();
                assert_eq!(job["object"]["schedule"]["state"], state);
            }
            // `app-count DISPLAY N` / `registration-count DISPLAY N`: service principals
            // (applications) with that display name.
            "app-count" | "registration-count" => {
                let (display, count) = rest.rsplit_once(' ').unwrap();
                let snapshot = self.snapshot();
                let collection = if command == "app-count" { "servicePrincipals" } else { "applications" };
                let found = snapshot[collection]
                    .as_object()
                    .unwrap()
                    .values()
                    .filter(|sp| sp["displayName"] == display)
                    .count();
                assert_eq!(found.to_string(), count, "apps named {display}");
            }
            // `snapshot-mark`, then `snapshot-unchanged`: nothing in the tenant changed between.
            "snapshot-mark" => self.marked = Some(self.snapshot()),
            "snapshot-unchanged" => {
                let marked = self.marked.take().expect("snapshot-mark first");
                assert!(marked == self.snapshot(), "the tenant changed:\n{}", self.transcript);
            }
            "tags-prefixed" => {
                let (app, prefix) = rest.split_once(' ').unwrap();
                let tags = self.app_service_principal(app)["tags"].clone();
                assert!(
                    tags.as_array().unwrap().iter().any(|tag| tag.as_str().is_some_and(|tag| tag.starts_with(prefix))),
                    "{tags}"
                );
            }
            "tags-include" => {
                let (app, tag) = rest.split_once(' ').unwrap();
                let tags = self.app_service_principal(app)["tags"].clone();
                assert!(tags.as_array().unwrap().iter().any(|candidate| candidate == tag), "{tags}");
            }
            other => self.provisioning_step(other, rest),
        }
    }

    /// Steps about provisioning: `scim-app BASE_URL TOKEN [QUIRK,…]` makes the built-in
    /// SCIM provider play the only SCIM app, at BASE_URL, accepting TOKEN, strict unless
    /// quirks are named (its users and groups stay when it is declared again);
    /// `cycle APP` runs a cycle of the app's job now;
    /// `scim-user UPN active|inactive|absent`, `scim-attr UPN PATH = VALUE` and
    /// `scim-group NAME absent|MEMBER,…` read the SCIM server; `scim-create-user UPN
    /// EXTERNAL_ID` writes to it by hand; `on-demand APP UPN` provisions one user on demand.
    fn provisioning_step(&mut self, command: &str, rest: &str) {
        match command {
            "scim-app" => {
                let words: Vec<&str> = rest.split_whitespace().collect();
                let (base_url, token) = (words[0], words[1]);
                let quirks: Vec<&str> = words.get(2).map(|quirks| quirks.split(',').collect()).unwrap_or_default();
                let endpoints = serde_json::json!([{ "baseUrl": base_url, "token": token, "quirks": quirks }]);
                self.admin("PUT", "/scimEndpoints", Some(endpoints));
                let key = self.admin("GET", "/scim", None)[base_url]["key"].as_str().unwrap().to_owned();
                self.scim = Some((format!("{}/scim/{key}", self.emulator().base_url()), token.to_owned()));
            }
            "cycle" => {
                let path = self.placeholders(&format!("/servicePrincipals/{{sp:{rest}}}/jobs/{{job:{rest}}}/cycle"));
                let status = self.admin("POST", &path, None);
                self.transcript.push_str(&format!("cycle {rest}: {status}\n"));
            }
            "scim-user" => {
                let (upn, wanted) = rest.rsplit_once(' ').unwrap();
                let found = self.scim_query("Users", "userName", upn);
                let state = match found.as_slice() {
                    [] => "absent",
                    [user] if user["active"] == true => "active",
                    [_] => "inactive",
                    _ => panic!("several SCIM users are named {upn}"),
                };
                assert_eq!(state, wanted, "SCIM user {upn}: {found:?}");
            }
            "scim-attr" => {
                // scim-attr UPN PATH = VALUE: one attribute of a SCIM user (a dotted path).
                let (left, wanted) = rest.split_once(" = ").unwrap();
                let (upn, path) = left.split_once(' ').unwrap();
                let found = self.scim_query("Users", "userName", upn);
                let [user] = found.as_slice() else { panic!("SCIM user {upn}: {found:?}") };
                let value = path.split('.').fold(user, |value, part| &value[part]);
                assert_eq!(value.as_str().unwrap_or("(absent)"), wanted, "SCIM user {upn} {path}: {user}");
            }
            "scim-create-user" => {
                // scim-create-user UPN EXTERNAL_ID: a user made in the SCIM app by hand.
                let (upn, external_id) = rest.split_once(' ').unwrap();
                let (root, token) = self.scim.clone().expect("the scenario's SCIM server is set");
                let body = serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": upn,
                    "externalId": external_id,
                    "active": true,
                });
                let status = self.runtime.block_on(async {
                    let response =
                        self.http.post(format!("{root}/Users")).bearer_auth(token).json(&body).send().await.unwrap();
                    response.status()
                });
                assert_eq!(status.as_u16(), 201, "creating SCIM user {upn}");
            }
            "scim-group" => {
                let (name, wanted) = rest.rsplit_once(' ').unwrap();
                let found = self.scim_query("Groups", "displayName", name);
                if wanted == "absent" {
                    assert!(found.is_empty(), "SCIM group {name}: {found:?}");
                    return;
                }
                let [group] = found.as_slice() else { panic!("SCIM group {name}: {found:?}") };
                let mut members: Vec<String> = group["members"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|member| self.scim_user_name(member["value"].as_str().unwrap()))
                    .collect();
                members.sort();
                assert_eq!(members.join(","), wanted, "members of SCIM group {name}");
            }
            "on-demand" => {
                let (app, upn) = rest.split_once(' ').unwrap();
                let sp = self.placeholders(&format!("{{sp:{app}}}"));
                let job = self.placeholders(&format!("{{job:{app}}}"));
                let jobs = format!("/servicePrincipals/{sp}/synchronization/jobs/{job}");
                let schema = self.admin(
                    "POST",
                    "/graph",
                    Some(serde_json::json!({ "method": "GET", "url": format!("{jobs}/schema") })),
                );
                let rule = schema["body"]["synchronizationRules"][0]["id"].clone();
                let user = self.placeholders(&format!("{{user:{upn}}}"));
                let body = serde_json::json!({ "parameters": [{ "ruleId": rule, "subjects": [{ "objectId": user, "objectTypeName": "User" }] }] });
                let answer = self.admin("POST", "/graph", Some(serde_json::json!({ "method": "POST", "url": format!("{jobs}/provisionOnDemand"), "body": body })));
                let key: Value = serde_json::from_str(answer["body"]["key"].as_str().unwrap()).unwrap();
                assert_eq!(key["result"], "Success", "{answer}");
            }
            other => panic!("unknown scenario command {other:?}"),
        }
    }

    fn scim_query(&self, kind: &str, attribute: &str, value: &str) -> Vec<Value> {
        let (root, token) = self.scim.clone().expect("the scenario's SCIM server is set");
        let filter = format!("{attribute} eq \"{value}\"");
        self.runtime.block_on(async {
            let response = self
                .http
                .get(format!("{root}/{kind}"))
                .query(&[("filter", filter)])
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success(), "SCIM query: {}", response.status());
            let body: Value = response.json().await.unwrap();
            body["Resources"].as_array().cloned().unwrap_or_default()
        })
    }

    fn scim_user_name(&self, id: &str) -> String {
        let (root, token) = self.scim.clone().unwrap();
        self.runtime.block_on(async {
            let user: Value = self
                .http
                .get(format!("{root}/Users/{id}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            user["userName"].as_str().unwrap_or(id).to_owned()
        })
    }

    /// The closing checks of every scenario: a second plan shows no changes, and no
    /// output, file or emulator record holds a secret.
    fn finish(mut self) {
        self.run_expecting(0, &["plan", "specs", "--detailed-exitcode"]);
        assert!(self.last.contains("No changes."), "{}", self.last);
        let mut haystack = self.transcript.clone();
        haystack.push_str(&self.admin("GET", "/requests", None).to_string());
        haystack.push_str(&self.snapshot().to_string());
        for file in walk(self.directory.path()) {
            haystack.push_str(&String::from_utf8_lossy(&std::fs::read(&file).unwrap()));
        }
        for secret in &self.secrets {
            let at = haystack.find(secret.as_str()).map(|index| &haystack[index.saturating_sub(200)..index]);
            assert!(
                at.is_none(),
                "the test secret `{secret}` appears in the output, a file or the emulator's records, after:\n{}\n\nTranscript:\n{}",
                at.unwrap_or_default(),
                self.transcript
            );
        }
        let emulator = self.emulator.take().unwrap();
        self.runtime.block_on(emulator.shutdown());
    }
}

fn walk(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn scenario(path: &Path) {
    run_scenario(World::new(), path);
}

fn run_scenario(mut world: World, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    world.transcript.push_str(&format!("# scenario {}\n", path.display()));
    let mut iterator = lines.iter();
    while let Some(line) = iterator.next() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        world.step(line.trim(), &mut iterator);
    }
    world.finish();
}

/// The files of a scenario directory, sorted.
fn scenario_files(directory: &str) -> Vec<PathBuf> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join(directory);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&directory).unwrap().map(|entry| entry.unwrap().path()).collect();
    paths.sort();
    assert!(!paths.is_empty(), "no scenarios in {}", directory.display());
    paths
}

/// A scenario's test name: its file name without the extension.
fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// The provisioning scenario's SCIM base URL and the token its SCIM server accepts.
const PROVISIONED_BASE_URL: &str = "https://contoso.goskope.com/api/v2/scim";
const PROVISIONED_TOKEN: &str = "netskope-scim-token-4d2a";

/// Provisioning reaches the SCIM app: the emulator's built-in SCIM service provider.
fn provisioning_reaches_the_built_in_provider(path: &Path) {
    let mut world = World::new();
    let endpoints = serde_json::json!([{ "baseUrl": PROVISIONED_BASE_URL, "token": PROVISIONED_TOKEN }]);
    world.admin("PUT", "/scimEndpoints", Some(endpoints));
    let key = world.admin("GET", "/scim", None)[PROVISIONED_BASE_URL]["key"].as_str().unwrap().to_owned();
    world.scim = Some((format!("{}/scim/{key}", world.emulator().base_url()), PROVISIONED_TOKEN.to_owned()));
    run_scenario(world, path);
}

/// A SCIM server nobody here wrote: scim2-server (PyPI), installed by `.ci/run` into
/// `.venv/` at the workspace root (or named by SCIMFORM_SCIM2_SERVER), started on a free
/// port. The emulator routes the spec's base URL to it.
fn provisioning_reaches_scim2_server(path: &Path) {
    let server = Scim2Server::start();
    let mut world = World::new();
    let endpoints = serde_json::json!([{ "baseUrl": PROVISIONED_BASE_URL, "target": server.root }]);
    world.admin("PUT", "/scimEndpoints", Some(endpoints));
    world.scim = Some((server.root.clone(), PROVISIONED_TOKEN.to_owned()));
    run_scenario(world, path);
    drop(server);
}

/// A scim2-server process, stopped on drop.
struct Scim2Server {
    child: std::process::Child,
    root: String,
}

impl Scim2Server {
    fn start() -> Scim2Server {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let program = std::env::var_os("SCIMFORM_SCIM2_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace.join(".venv/bin/scim2-server"));
        assert!(
            program.exists(),
            "scim2-server is not installed at {}: run `python3 -m venv .venv && .venv/bin/pip install scim2-server==0.8.3` at the workspace root (.ci/run does), or set SCIMFORM_SCIM2_SERVER",
            program.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(&program)
            .args(["--hostname", "127.0.0.1", "--port", &port.to_string(), "--bearer-token", PROVISIONED_TOKEN])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", program.display()));
        let root = format!("http://127.0.0.1:{port}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "scim2-server did not listen on port {port} within 30 s");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Scim2Server { child, root }
    }
}

impl Drop for Scim2Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const NETSKOPE: &str = "apiVersion: scimform/v1
kind: ProvisioningApp
name: netskope
displayName: Netskope SCIM
owners: [ops-admin@contoso.com]
provisioning:
  status: on
  credentials:
    baseUrl: https://contoso.goskope.com/api/v2/scim
    token: { fromEnv: NETSKOPE_SCIM_TOKEN }
  scope: assigned
  notifications: { email: secops@contoso.com }
  accidentalDeletions: { threshold: 500 }
assignments:
  users: [alice@contoso.com, bob@contoso.com]
  groups: [Netskope Users]
";

/// The routes a create uses, one step kind or more each.
const CREATE_ROUTES: [&str; 11] = [
    "POST /applicationTemplates/{id}/instantiate",
    "GET /servicePrincipals/{id}",
    "PATCH /servicePrincipals/{id}",
    "POST /servicePrincipals/{id}/owners/$ref",
    "GET /servicePrincipals/{id}/synchronization/jobs",
    "POST /servicePrincipals/{id}/synchronization/jobs",
    "POST /servicePrincipals/{id}/synchronization/jobs/{id}/validateCredentials",
    "PUT /servicePrincipals/{id}/synchronization/secrets",
    "POST /servicePrincipals/{id}/appRoleAssignedTo",
    "POST /servicePrincipals/{id}/synchronization/jobs/{id}/start",
    "POST /$batch",
];

/// The kinds of fault of the convergence matrix, each with a short name for its test.
const FAULT_ACTIONS: [(&str, &str); 5] = [
    ("throttle", r#"{ "type": "throttle", "retryAfterSeconds": 1 }"#),
    ("503", r#"{ "type": "status", "status": 503 }"#),
    ("500", r#"{ "type": "status", "status": 500 }"#),
    ("drop", r#"{ "type": "drop" }"#),
    ("lost-response", r#"{ "type": "lostResponse" }"#),
];

/// The routes of the convergence matrix: every route of a create, and the list read.
fn fault_matrix_routes() -> impl Iterator<Item = &'static str> {
    CREATE_ROUTES.iter().copied().chain(["GET /servicePrincipals"])
}

/// One step of a create under one kind of fault, apply re-run until it succeeds; then
/// the tenant matches the spec and a second plan is empty.
fn convergence_under_fault(route: &str, action: &str) {
    let mut world = World::new();
    world.use_token("fault-matrix-token");
    world.only_spec("netskope.yaml", NETSKOPE);
    let faults = format!(
        r#"{{ "replicationLagMs": 150, "rules": [{{ "route": "{route}", "first": 1, "action": {action} }}, {{ "action": {{ "type": "latency", "ms": 2 }} }}] }}"#
    );
    world.admin("PUT", "/faults", Some(serde_json::from_str(&faults).unwrap()));
    let ok = (0..4).any(|_| world.run(&["apply", "specs", "--auto-approve"]).status.success());
    assert!(ok, "{route} with {action}: apply did not converge:\n{}", world.transcript);
    let log = world.admin("GET", "/requests", None);
    let injected = log["entries"].as_array().unwrap().iter().any(|entry| entry["fault"].is_string());
    assert!(injected, "{route} with {action}: the fault never fired (route not used?)");
    world.admin("DELETE", "/faults", None);
    // Exactly one app, with everything the spec asks.
    let snapshot = world.snapshot();
    let apps = snapshot["servicePrincipals"]
        .as_object()
        .unwrap()
        .values()
        .filter(|sp| sp["displayName"] == "Netskope SCIM")
        .count();
    assert_eq!(apps, 1, "{route} with {action}: duplicate apps");
    let sp = world.placeholders("{sp:netskope}");
    let assignments = snapshot["assignments"]
        .as_object()
        .unwrap()
        .values()
        .filter(|assignment| assignment["resourceId"] == sp.as_str())
        .count();
    assert_eq!(assignments, 3, "{route} with {action}");
    let jobs = snapshot["synchronization"][&sp]["jobs"].as_object().unwrap();
    assert_eq!(jobs.len(), 1, "{route} with {action}: duplicate jobs");
    assert_eq!(jobs.values().next().unwrap()["object"]["schedule"]["state"], "Active");
    world.finish();
}

/// The law of a new app: a failure that apply cannot retry, at any step of its create,
/// leaves either the whole app or nothing (the app is removed again); the next apply then
/// creates it whole.
fn whole_or_nothing_routes() -> impl Iterator<Item = &'static str> {
    CREATE_ROUTES.iter().copied().chain(["GET /servicePrincipals/{id}/synchronization/jobs/{id}"])
}

fn a_failed_create_leaves_the_whole_app_or_nothing(route: &str) {
    let mut world = World::new();
    world.use_token("whole-or-nothing-token");
    world.only_spec("netskope.yaml", NETSKOPE);
    // The reads before the first write are those of a plan: the fault hits the first
    // use of the route after them.
    world.admin("DELETE", "/requests", None);
    world.run_expecting(2, &["plan", "specs", "--detailed-exitcode"]);
    let log = world.admin("GET", "/requests", None);
    let before = log["entries"].as_array().unwrap().iter().filter(|entry| entry["route"] == route).count();
    let faults = format!(
        r#"{{ "replicationLagMs": 150, "rules": [{{ "route": "{route}", "nth": [{}], "action": {{ "type": "status", "status": 403 }} }}] }}"#,
        before + 1
    );
    world.admin("PUT", "/faults", Some(serde_json::from_str(&faults).unwrap()));
    let output = world.run(&["apply", "specs", "--auto-approve"]);
    let log = world.admin("GET", "/requests", None);
    let fired = log["entries"].as_array().unwrap().iter().any(|entry| entry["fault"].is_string());
    world.admin("DELETE", "/faults", None);
    let apps = world.apps_named(|name| name == "Netskope SCIM" || name.starts_with(scimform_plan::PENDING_PREFIX));
    if output.status.success() {
        assert!(!fired || apps.len() == 1, "{route}: apply succeeded:\n{}", world.transcript);
        assert_eq!(world.claimants("netskope")[0].2.len(), 3, "{route}: the whole app");
    } else {
        assert!(fired, "{route}: apply failed without the fault:\n{}", world.transcript);
        assert!(apps.is_empty(), "{route}: a failed create left {apps:?}:\n{}", world.transcript);
    }
    world.run_expecting(0, &["apply", "specs", "--auto-approve"]);
    assert_eq!(world.claimants("netskope").len(), 1, "{route}");
    world.finish();
}

/// Ctrl-C (SIGINT) or SIGTERM (CI cancellation, systemd, Kubernetes) during apply
/// finishes the step in flight, stops, says what was done; the next apply finishes the job.
fn interrupt_stops_between_steps_and_apply_resumes() {
    interrupted_by("-INT");
}

fn sigterm_stops_between_steps_like_ctrl_c() {
    interrupted_by("-TERM");
}

fn interrupted_by(signal: &str) {
    let mut world = World::new();
    world.use_token("interrupt-token-6f0");
    world.only_spec("netskope.yaml", NETSKOPE);
    // Slow enough that the interrupt lands mid-apply.
    world.admin(
        "PUT",
        "/faults",
        Some(serde_json::json!({ "rules": [{ "action": { "type": "latency", "ms": 150 } }] })),
    );
    let mut child = world.spawn(&["apply", "specs", "--auto-approve"]);
    // Interrupt once the first change is done: apply is then surely under way.
    let mut text = String::new();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    for line in lines.by_ref() {
        let line = line.unwrap();
        text.push_str(&line);
        text.push('\n');
        if line.contains("Creation complete") {
            break;
        }
    }
    let signalled = std::process::Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(signalled.success());
    for line in lines {
        text.push_str(&line.unwrap());
        text.push('\n');
    }
    let output = child.wait_with_output().unwrap();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    world.transcript.push_str(&text);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("Apply interrupted"), "{text}");
    assert!(text.contains("run apply again to finish"), "{text}");
    world.admin("DELETE", "/faults", None);
    world.run_expecting(0, &["apply", "specs", "--auto-approve"]);
    assert_eq!(
        world.snapshot()["servicePrincipals"]
            .as_object()
            .unwrap()
            .values()
            .filter(|sp| sp["displayName"] == "Netskope SCIM")
            .count(),
        1
    );
    world.finish();
}

impl World {
    /// Sets the SCIM token the specs read, and remembers it as a secret to look for.
    fn use_token(&mut self, token: &str) {
        self.environment.insert("NETSKOPE_SCIM_TOKEN".to_owned(), token.to_owned());
        self.secrets.push(token.to_owned());
    }

    /// Makes `specs/` hold this one spec file.
    fn only_spec(&self, file: &str, text: &str) {
        let specs = self.directory.path().join("specs");
        for entry in std::fs::read_dir(&specs).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        std::fs::write(specs.join(file), text).unwrap();
    }

    /// Starts `scimform` with `args` without waiting for it.
    fn spawn(&self, args: &[&str]) -> std::process::Child {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("scimform"))
            .current_dir(self.directory.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .envs(&self.environment)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Service principals whose display name satisfies `wanted`.
    fn apps_named(&self, wanted: impl Fn(&str) -> bool) -> Vec<Value> {
        let snapshot = self.snapshot();
        let all = snapshot["servicePrincipals"].as_object().unwrap().values();
        all.filter(|sp| sp["displayName"].as_str().is_some_and(&wanted)).cloned().collect()
    }

    /// The service principals marked with app name `name`, their jobs and assignments.
    fn claimants(&self, name: &str) -> Vec<(String, usize, Vec<String>)> {
        let snapshot = self.snapshot();
        let tag = format!("scimform:name={name}");
        let claimants = snapshot["servicePrincipals"]
            .as_object()
            .unwrap()
            .values()
            .filter(|sp| sp["tags"].as_array().unwrap().iter().any(|candidate| candidate == tag.as_str()));
        claimants
            .map(|sp| {
                let id = sp["id"].as_str().unwrap().to_owned();
                let jobs = snapshot["synchronization"][&id]["jobs"].as_object().map_or(0, |jobs| jobs.len());
                let principals = snapshot["assignments"]
                    .as_object()
                    .unwrap()
                    .values()
                    .filter(|assignment| assignment["resourceId"] == id.as_str())
                    .map(|assignment| assignment["principalId"].as_str().unwrap().to_owned())
                    .collect();
                (id, jobs, principals)
            })
            .collect()
    }
}

/// A process killed right after it created an app leaves an app that only scimform names
/// that way (the pending marker); the next apply removes it and creates the app once.
fn a_crash_right_after_instantiate_leaves_no_stray() {
    let mut world = World::new();
    world.use_token("crash-token-3a9");
    world.only_spec("netskope.yaml", NETSKOPE);
    // Hold the run right after the create: the read that follows is slow.
    let hold = serde_json::json!({ "rules": [{ "route": "GET /servicePrincipals/{id}", "action": { "type": "latency", "ms": 5000 } }] });
    world.admin("PUT", "/faults", Some(hold));
    let mut child = world.spawn(&["apply", "specs", "--auto-approve"]);
    let started = std::time::Instant::now();
    loop {
        let log = world.admin("GET", "/requests", None);
        let created = log["entries"].as_array().unwrap().iter().any(|entry| {
            entry["route"].as_str().is_some_and(|route| route.ends_with("/instantiate")) && entry["status"] == 201
        });
        if created {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the app was never created");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    world.admin("DELETE", "/faults", None);
    let pending = |name: &str| name.starts_with(scimform_plan::PENDING_PREFIX);
    assert_eq!(world.apps_named(pending).len(), 1, "the killed run left its app");
    world.run_expecting(0, &["apply", "specs", "--auto-approve"]);
    assert!(world.last.contains("stray"), "{}", world.last);
    assert!(world.apps_named(pending).is_empty(), "the stray is gone");
    assert_eq!(world.apps_named(|name| name == "Netskope SCIM").len(), 1);
    world.finish();
}

/// Two applies started together, again and again, converge on one app per name with one
/// job and no duplicate assignments, and the plan after shows no changes.
fn concurrent_applies_converge() {
    let mut world = World::new();
    world.use_token("race-token-c41");
    let faults = serde_json::json!({
        "seed": 7,
        "replicationLagMs": 150,
        "rules": [{ "action": { "type": "latency", "ms": 5, "jitterMs": 15 } }]
    });
    world.admin("PUT", "/faults", Some(faults));
    for round in 0..20 {
        let name = format!("race-{round}");
        let spec = NETSKOPE
            .replace("name: netskope", &format!("name: {name}"))
            .replace("Netskope SCIM", &format!("Race {round}"));
        std::fs::write(world.directory.path().join(format!("specs/{name}.yaml")), spec).unwrap();
        let racers =
            [world.spawn(&["apply", "specs", "--auto-approve"]), world.spawn(&["apply", "specs", "--auto-approve"])];
        for racer in racers {
            let output = racer.wait_with_output().unwrap();
            let text =
                format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
            world.transcript.push_str(&text);
            // A run that loses the race says so; it never blames a permission.
            assert!(
                output.status.success() || text.contains("run apply again to converge"),
                "round {round}: a racer failed without saying it lost a race:\n{text}"
            );
            assert!(!text.contains("ReadWrite.OwnedBy"), "round {round}: a race blamed a permission:\n{text}");
        }
        let claimants = world.claimants(&name);
        assert_eq!(claimants.len(), 1, "round {round}: {claimants:?}\n{}", world.transcript);
        let (_, jobs, principals) = &claimants[0];
        assert_eq!(*jobs, 1, "round {round}: jobs");
        let mut unique = principals.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((principals.len(), unique.len()), (3, 3), "round {round}: assignments {principals:?}");
        world.run_expecting(0, &["plan", "specs", "--detailed-exitcode"]);
    }
    world.admin("DELETE", "/faults", None);
    world.finish();
}

/// With one request in ten failing (throttled, 500, 503, dropped, or processed with the
/// answer lost), every apply completes in one run, with no duplicates: each of these
/// faults is retried. The emulator's draws depend on the seed, the route and the
/// request's ordinal on its route, not on how concurrent reads interleave, so a seed that
/// passes keeps passing. Ten worlds of two runs each, run in parallel.
fn one_run_survives_random_faults(seed: u64) {
    let mut world = World::new();
    world.use_token("random-fault-token-e07");
    let actions = [
        serde_json::json!({ "type": "throttle", "retryAfterSeconds": 0 }),
        serde_json::json!({ "type": "status", "status": 500 }),
        serde_json::json!({ "type": "status", "status": 503 }),
        serde_json::json!({ "type": "drop" }),
        serde_json::json!({ "type": "lostResponse" }),
    ];
    let rules: Vec<Value> =
        actions.iter().map(|action| serde_json::json!({ "probability": 0.02, "action": action })).collect();
    let faults = serde_json::json!({ "seed": seed, "replicationLagMs": 100, "rules": rules });
    for run in 0..2 {
        let name = format!("faulty-{run}");
        let spec = NETSKOPE
            .replace("name: netskope", &format!("name: {name}"))
            .replace("Netskope SCIM", &format!("Faulty {run}"));
        // Each run creates one app, with the others' specs out of the way.
        world.only_spec(&format!("{name}.yaml"), &spec);
        world.admin("PUT", "/faults", Some(faults.clone()));
        let completed = world.run(&["apply", "specs", "--auto-approve"]).status.success();
        world.admin("DELETE", "/faults", None);
        let claimants = world.claimants(&name);
        assert!(claimants.len() <= 1, "seed {seed}, run {run}: duplicate apps {claimants:?}");
        assert!(completed, "seed {seed}, run {run}: the apply did not complete in one run:\n{}", world.transcript);
        let claimants = world.claimants(&name);
        assert_eq!(claimants.len(), 1, "seed {seed}, run {run}");
        assert_eq!(claimants[0].1, 1, "seed {seed}, run {run}: jobs");
        assert_eq!(claimants[0].2.len(), 3, "seed {seed}, run {run}: assignments {:?}", claimants[0].2);
        world.run_expecting(0, &["plan", "specs", "--detailed-exitcode"]);
    }
    world.finish();
}

/// The planner's laws (`crates/plan/tests/laws.rs`) build live schemas from Graph JSON
/// recorded here, not from a copy of the planner's own spec → schema logic: each spec's
/// mappings or scoping choice is applied to the emulator by the real binary, and the job's
/// user and group object mappings are kept as Graph holds them. `UPDATE_EXPECT=1`
/// rewrites the recordings; otherwise they must be current.
const LAW_CHOICES: [(&str, &str); 6] = [
    ("m0", ""),
    ("m1", "  mappings:\n    users: {}\n"),
    ("m2", "  mappings:\n    users:\n      attributes:\n        displayName: 'Join(\" \", [givenName], [surname])'\n"),
    ("m3", "  mappings:\n    groups: { enabled: false, remove: [externalId] }\n"),
    ("s1", "  scoping:\n    users: []\n"),
    (
        "s2",
        "  scoping:\n    users:\n      - clauses:\n          - { attribute: department, operator: EQUALS, value: Security }\n",
    ),
];

fn law_schemas_are_recorded() {
    let mut world = World::new();
    world.use_token("law-recording-token");
    let mut specs = String::new();
    for (name, provisioning) in LAW_CHOICES {
        specs.push_str(&format!(
            "apiVersion: scimform/v1\nkind: ProvisioningApp\nname: law-{name}\ndisplayName: Law {name}\nprovisioning:\n  status: off\n  credentials:\n    baseUrl: https://law.example.com/scim\n    token: {{ fromEnv: NETSKOPE_SCIM_TOKEN }}\n{provisioning}---\n"
        ));
    }
    world.only_spec("laws.yaml", &specs);
    world.run_expecting(0, &["apply", "specs", "--auto-approve"]);
    let snapshot = world.snapshot();
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plan/tests/recorded");
    let mut stale = Vec::new();
    for (name, _) in LAW_CHOICES {
        let sp = world.placeholders(&format!("{{sp:law-{name}}}"));
        let jobs = snapshot["synchronization"][&sp]["jobs"].as_object().unwrap();
        let schema = &jobs.values().next().unwrap()["schema"];
        let object = |source: &str| {
            let mapping = schema["synchronizationRules"][0]["objectMappings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|mapping| mapping["sourceObjectName"] == source)
                .unwrap();
            serde_json::json!({
                "enabled": mapping["enabled"],
                "attributeMappings": mapping["attributeMappings"],
                "scope": mapping["scope"],
            })
        };
        let recorded = serde_json::json!({ "users": object("User"), "groups": object("Group") });
        let text = serde_json::to_string_pretty(&recorded).unwrap() + "\n";
        let path = directory.join(format!("{name}.json"));
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::create_dir_all(&directory).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "recorded schemas differ from what the emulator holds after apply: {stale:?}; rerun with UPDATE_EXPECT=1 and review the diff"
    );
    world.finish();
}

/// One test per case: `cargo test -p scimform --test scenarios -- --list` names them,
/// a name filters them (`… -- 13-`), and they run in parallel.
fn main() -> std::process::ExitCode {
    let mut arguments = libtest_mimic::Arguments::from_args();
    // A scenario spends most of its time waiting (on the emulator's replication lag and
    // the binary's settle time), not computing: more scenarios than cores run at once.
    // `--test-threads N` or RUST_TEST_THREADS set by the caller wins.
    if arguments.test_threads.is_none() {
        let threads = std::env::var("RUST_TEST_THREADS").ok().and_then(|value| value.parse().ok());
        arguments.test_threads = Some(threads.unwrap_or(8));
    }
    libtest_mimic::run(&arguments, trials()).exit_code()
}

/// Every case, the longest first so that the run ends soon after the longest case.
fn trials() -> Vec<libtest_mimic::Trial> {
    use libtest_mimic::Trial;
    let case = |name: String, run: Box<dyn FnOnce() + Send>| {
        Trial::test(name, move || {
            run();
            Ok(())
        })
    };
    let mut trials = vec![
        case("concurrent_applies_converge".into(), Box::new(concurrent_applies_converge)),
        case(
            "a_crash_right_after_instantiate_leaves_no_stray".into(),
            Box::new(a_crash_right_after_instantiate_leaves_no_stray),
        ),
        case(
            "interrupt_stops_between_steps_and_apply_resumes".into(),
            Box::new(interrupt_stops_between_steps_and_apply_resumes),
        ),
        case("sigterm_stops_between_steps_like_ctrl_c".into(), Box::new(sigterm_stops_between_steps_like_ctrl_c)),
        case("law_schemas_are_recorded".into(), Box::new(law_schemas_are_recorded)),
        case("scim_check::scim2_server".into(), Box::new(scim_check::scim_check_against_scim2_server)),
        case(
            "scim_check::interrupted".into(),
            Box::new(scim_check::an_interrupted_scim_check_removes_its_test_objects),
        ),
    ];
    for seed in 11..21 {
        trials
            .push(case(format!("random_faults::seed_{seed}"), Box::new(move || one_run_survives_random_faults(seed))));
    }
    for path in scenario_files("tests/provisioning") {
        let name = stem(&path);
        let built_in = path.clone();
        trials.push(case(
            format!("provisioning::built_in::{name}"),
            Box::new(move || provisioning_reaches_the_built_in_provider(&built_in)),
        ));
        trials.push(case(
            format!("provisioning::scim2_server::{name}"),
            Box::new(move || provisioning_reaches_scim2_server(&path)),
        ));
    }
    for path in scenario_files("tests/scenarios") {
        trials.push(case(format!("scenario::{}", stem(&path)), Box::new(move || scenario(&path))));
    }
    for route in whole_or_nothing_routes() {
        trials.push(case(
            format!("whole_or_nothing::{route}"),
            Box::new(move || a_failed_create_leaves_the_whole_app_or_nothing(route)),
        ));
    }
    for route in fault_matrix_routes() {
        for (kind, action) in FAULT_ACTIONS {
            trials.push(case(
                format!("fault_matrix::{route}::{kind}"),
                Box::new(move || convergence_under_fault(route, action)),
            ));
        }
    }
    trials
}

/// The samples of a metrics file as Prometheus' Python client parses it.
fn prometheus_samples(file: &Path) -> String {
    const PARSE: &str = r#"
import sys
from prometheus_client.parser import text_string_to_metric_families
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    for sample in family.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
        print(f"{sample.name}{{{labels}}} {sample.value}")
"#;
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let output = std::process::Command::new(&python).args(["-c", PARSE]).arg(file).output().unwrap_or_else(|error| {
        panic!("{}: {error}; run tests/run, which installs prometheus-client into .venv/", python.display())
    });
    assert!(
        output.status.success(),
        "Prometheus' parser refused {}: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
