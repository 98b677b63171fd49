//! Entra's provisioning service as a SCIM 2.0 client: the requests it sends to a SCIM app,
//! in its default dialect and with the SCIM 2.0 compliance flag (`aadOptscim062020` in
//! the Tenant URL), as `reference/scim/ENTRA-SCIM-CLIENT.md` documents them (§1, §1.6).
//!
//! One definition, pure (no I/O): the emulator's provisioning engine sends these requests
//! to the SCIM apps it plays or routes to, and the product reasons about them (which
//! operations change with the flag, for health hints; a SCIM app checked before it is
//! connected, later).
//!
//! What differs between the dialects (§1.6): the default dialect capitalises op names
//! (`Add`, `Replace`, `Remove`), sends `active` as the strings `"True"`/`"False"` in
//! PATCHes, and removes group members with `Remove` of `members` carrying a `value` list;
//! with the flag, op names are lowercase, `active` is a boolean, and each member leaves
//! through `remove` with a filter in the path (`members[value eq "id"]`). Creates, filter
//! queries and deletes are the same in both.

pub mod paths;

use serde_json::{Map, Value, json};

/// The core and enterprise user schemas of a created user.
pub const USER_SCHEMAS: [&str; 2] =
    ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
/// The schema of a created group. The tutorial's sample also names a Microsoft schema
/// URI; the compatibility notes list "valid group-create schema URI" among the fixes of
/// the `scim` job, so only the core schema is sent ([verify] in `ENTRA-SCIM-CLIENT.md`
/// §1.4; a strict server such as scim2-server refuses the Microsoft URI).
pub const GROUP_SCHEMAS: [&str; 1] = ["urn:ietf:params:scim:schemas:core:2.0:Group"];
/// The schema of a PATCH body.
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The Tenant URL flag that selects the standards-compliant request forms.
pub const COMPLIANCE_FLAG: &str = "aadOptscim062020";
/// Group members added or removed per PATCH.
pub const MEMBERS_PER_PATCH: usize = 100;

/// Which request forms the service uses for an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dialect {
    /// What Entra sends by default.
    Default,
    /// What it sends with the SCIM 2.0 compliance flag.
    Compliant,
}

impl Dialect {
    /// The dialect a Tenant URL selects.
    pub fn of_base_url(base_url: &str) -> Dialect {
        if base_url.contains(COMPLIANCE_FLAG) { Dialect::Compliant } else { Dialect::Default }
    }

    /// An op name in this dialect (`add`, `replace`, `remove`).
    fn op(self, name: &'static str) -> String {
        match self {
            Dialect::Compliant => name.to_owned(),
            Dialect::Default => {
                let mut chars = name.chars();
                chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
            }
        }
    }

    /// `active` in a PATCH: a boolean with the flag, `"True"`/`"False"` without.
    fn active(self, active: bool) -> Value {
        match self {
            Dialect::Compliant => json!(active),
            Dialect::Default => json!(if active { "True" } else { "False" }),
        }
    }
}

/// The two resource types the service provisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    /// `/Users`.
    Users,
    /// `/Groups`.
    Groups,
}

impl Resource {
    /// The endpoint (`/Users`, `/Groups`).
    pub fn endpoint(self) -> &'static str {
        match self {
            Resource::Users => "/Users",
            Resource::Groups => "/Groups",
        }
    }

    /// `User` or `Group` (`meta.resourceType`).
    pub fn type_name(self) -> &'static str {
        match self {
            Resource::Users => "User",
            Resource::Groups => "Group",
        }
    }
}

/// A request the service sends, relative to the SCIM base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// `GET`, `POST`, `PATCH` or `DELETE`.
    pub method: &'static str,
    /// Path and query, from the base URL on (`/Users?filter=…`).
    pub path: String,
    /// The JSON body, when there is one.
    pub body: Option<Value>,
}

/// One attribute an update changes: its path, the value last exported (`None`: it had
/// none, so the op is `add`), and the new value.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The target attribute's path.
    pub path: String,
    /// What was exported before, if anything.
    pub before: Option<Value>,
    /// The value to send.
    pub value: Value,
}

/// The matching query: `GET /Users?filter=userName eq "value"` (groups without their
/// members: `excludedAttributes=members`).
pub fn filter_query(resource: Resource, attribute: &str, value: &str) -> Request {
    let filter = format!("{attribute} eq \"{}\"", value.replace('"', "\\\""));
    let excluded = if resource == Resource::Groups { "excludedAttributes=members&" } else { "" };
    let path = format!("{}?{excluded}filter={}", resource.endpoint(), percent_encode(&filter));
    Request { method: "GET", path, body: None }
}

/// A create: `POST /Users` with every mapped value at its path (`active` a boolean).
pub fn create(resource: Resource, values: &Map<String, Value>) -> Request {
    let schemas: &[&str] = match resource {
        Resource::Users => &USER_SCHEMAS,
        Resource::Groups => &GROUP_SCHEMAS,
    };
    let mut body = json!({ "schemas": schemas, "meta": { "resourceType": resource.type_name() } });
    for (path, value) in values {
        let value = if path == "active" {
            json!(value.as_str().is_some_and(|text| text.eq_ignore_ascii_case("true")))
        } else {
            value.clone()
        };
        paths::set(&mut body, path, value);
    }
    Request { method: "POST", path: resource.endpoint().to_owned(), body: Some(body) }
}

impl Dialect {
    /// An update: one PATCH. The default dialect sends an operation per changed attribute
    /// (`Add` where nothing was exported before, `Replace` otherwise). With the flag, adds
    /// stay one `add` each, a replace of a filtered path (`emails[type eq "work"].value`)
    /// keeps its own op, and the other replaces are merged into one pathless `replace`
    /// whose value is an object keyed by attribute path (§1.6). Decided where the source
    /// is silent: a single such replace is sent with its path, as the table's "several
    /// attributes" row is the only one that merges [verify].
    pub fn update(self, resource: Resource, id: &str, changes: &[Change]) -> Request {
        let value_of = |change: &Change| match (change.path.as_str(), change.value.as_str()) {
            ("active", Some(text)) => self.active(text.eq_ignore_ascii_case("true")),
            _ => change.value.clone(),
        };
        let mergeable = |change: &&Change| change.before.is_some() && !change.path.contains('[');
        let merged: Vec<&Change> = match self {
            Dialect::Compliant => changes.iter().filter(mergeable).collect(),
            Dialect::Default => Vec::new(),
        };
        let merge = merged.len() > 1;
        let mut operations: Vec<Value> = changes
            .iter()
            .filter(|change| !(merge && merged.iter().any(|other| std::ptr::eq(*other, *change))))
            .map(|change| {
                let op = self.op(if change.before.is_some() { "replace" } else { "add" });
                json!({ "op": op, "path": change.path, "value": value_of(change) })
            })
            .collect();
        if merge {
            let value: Map<String, Value> =
                merged.iter().map(|change| (change.path.clone(), value_of(change))).collect();
            operations.push(json!({ "op": "replace", "value": value }));
        }
        patch(resource, id, operations)
    }

    /// A user or group disabled: `active` replaced by false.
    pub fn deactivate(self, resource: Resource, id: &str) -> Request {
        let operation = json!({ "op": self.op("replace"), "path": "active", "value": self.active(false) });
        patch(resource, id, vec![operation])
    }

    /// A group's members added and removed, `MEMBERS_PER_PATCH` to a PATCH, additions
    /// first.
    pub fn members(self, group_id: &str, add: &[&str], remove: &[&str]) -> Vec<Request> {
        let mut requests = Vec::new();
        for chunk in add.chunks(MEMBERS_PER_PATCH) {
            let value: Vec<Value> = chunk.iter().map(|id| json!({ "$ref": null, "value": id })).collect();
            let operation = json!({ "op": self.op("add"), "path": "members", "value": value });
            requests.push(patch(Resource::Groups, group_id, vec![operation]));
        }
        for chunk in remove.chunks(MEMBERS_PER_PATCH) {
            let operations = match self {
                Dialect::Compliant => chunk
                    .iter()
                    .map(|id| json!({ "op": "remove", "path": format!("members[value eq \"{id}\"]") }))
                    .collect(),
                Dialect::Default => {
                    let value: Vec<Value> = chunk.iter().map(|id| json!({ "value": id })).collect();
                    vec![json!({ "op": "Remove", "path": "members", "value": value })]
                }
            };
            requests.push(patch(Resource::Groups, group_id, operations));
        }
        requests
    }
}

/// A delete: `DELETE /Users/{id}`.
pub fn delete(resource: Resource, id: &str) -> Request {
    Request { method: "DELETE", path: format!("{}/{id}", resource.endpoint()), body: None }
}

fn patch(resource: Resource, id: &str, operations: Vec<Value>) -> Request {
    let body = json!({ "schemas": [PATCH_SCHEMA], "Operations": operations });
    Request { method: "PATCH", path: format!("{}/{id}", resource.endpoint()), body: Some(body) }
}

/// What the service does to an object, as its provisioning logs name the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// `POST` of a new object.
    Create,
    /// `PATCH` of changed attributes (group members included).
    Update,
    /// `PATCH` of `active` to false.
    Disable,
    /// `DELETE`.
    Delete,
}

impl Operation {
    /// The operation a provisioning-log action names (`Create`, `Update`, `Disable`,
    /// `Delete`, any case; `StagedDelete` and others: none).
    pub fn of_log_action(action: &str) -> Option<Operation> {
        match action.to_ascii_lowercase().as_str() {
            "create" => Some(Operation::Create),
            "update" => Some(Operation::Update),
            "disable" => Some(Operation::Disable),
            "delete" => Some(Operation::Delete),
            _ => None,
        }
    }

    /// Whether its requests differ between the dialects: a SCIM app that refuses one form
    /// may accept the other.
    pub fn differs_between_dialects(self) -> bool {
        matches!(self, Operation::Update | Operation::Disable)
    }
}

/// Percent-encoding of a query value (RFC 3986 unreserved characters kept).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dialects_differ_where_the_reference_says() {
        let changes = [
            Change { path: "active".to_owned(), before: Some(json!("True")), value: json!("False") },
            Change { path: "title".to_owned(), before: None, value: json!("Engineer") },
        ];
        let default = Dialect::Default.update(Resource::Users, "u1", &changes).body.unwrap();
        assert_eq!(default["Operations"][0], json!({ "op": "Replace", "path": "active", "value": "False" }));
        assert_eq!(default["Operations"][1]["op"], "Add");
        let compliant = Dialect::Compliant.update(Resource::Users, "u1", &changes).body.unwrap();
        assert_eq!(compliant["Operations"][0], json!({ "op": "replace", "path": "active", "value": false }));
        let several = [
            Change { path: "displayName".to_owned(), before: Some(json!("A")), value: json!("B") },
            Change { path: "name.givenName".to_owned(), before: Some(json!("A")), value: json!("B") },
            Change {
                path: "emails[type eq \"work\"].value".to_owned(),
                before: Some(json!("a@x")),
                value: json!("b@x"),
            },
            Change { path: "nickName".to_owned(), before: None, value: json!("Babs") },
        ];
        let merged = Dialect::Compliant.update(Resource::Users, "u1", &several).body.unwrap();
        let operations = merged["Operations"].as_array().unwrap();
        assert_eq!(operations.len(), 3, "{operations:?}");
        assert_eq!(operations[0]["path"], "emails[type eq \"work\"].value");
        assert_eq!(operations[1], json!({ "op": "add", "path": "nickName", "value": "Babs" }));
        assert_eq!(operations[2], json!({ "op": "replace", "value": { "displayName": "B", "name.givenName": "B" } }));
        let per_attribute = Dialect::Default.update(Resource::Users, "u1", &several).body.unwrap();
        assert_eq!(per_attribute["Operations"].as_array().unwrap().len(), 4);
        let removed = Dialect::Default.members("g1", &[], &["u1", "u2"]);
        assert_eq!(
            removed[0].body.as_ref().unwrap()["Operations"][0]["value"],
            json!([{ "value": "u1" }, { "value": "u2" }])
        );
        let removed = Dialect::Compliant.members("g1", &[], &["u1"]);
        assert_eq!(
            removed[0].body.as_ref().unwrap()["Operations"][0],
            json!({ "op": "remove", "path": "members[value eq \"u1\"]" })
        );
        assert_eq!(Dialect::of_base_url("https://x.example.com/scim?aadOptscim062020"), Dialect::Compliant);
    }

    #[test]
    fn queries_creates_and_member_chunks() {
        let query = filter_query(Resource::Groups, "displayName", "Sales \"EU\"");
        assert_eq!(
            query.path,
            "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22Sales%20%5C%22EU%5C%22%22"
        );
        let mut values = Map::new();
        values.insert("emails[type eq \"work\"].value".to_owned(), json!("a@contoso.com"));
        values.insert("active".to_owned(), json!("True"));
        let body = create(Resource::Users, &values).body.unwrap();
        assert_eq!(body["active"], json!(true));
        assert_eq!(body["emails"][0], json!({ "type": "work", "primary": true, "value": "a@contoso.com" }));
        let many: Vec<String> = (0..250).map(|index| format!("u{index}")).collect();
        let ids: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(Dialect::Compliant.members("g", &ids, &[]).len(), 3);
        assert!(Operation::of_log_action("Disable").is_some_and(Operation::differs_between_dialects));
        assert!(!Operation::of_log_action("create").unwrap().differs_between_dialects());
    }
}
