//! Tenant files: the users, groups, memberships, existing apps and API clients a tenant
//! starts with.
//!
//! A seed is JSON. Principals are named the way people name them (users by UPN, groups by
//! display name); ids are optional and generated deterministically from `rngSeed` when left
//! out. Existing apps are created through the same operations Graph requests use, so a
//! seeded app is indistinguishable from one created over the API.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::GraphError;
use crate::tenant::{AppTemplate, Client, NON_GALLERY_TEMPLATE_ID, Tenant};

/// A tenant file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    /// Directory (tenant) id used in token endpoint paths.
    pub tenant_id: String,
    /// Primary domain, for display.
    #[serde(default = "default_domain")]
    pub domain: String,
    /// Seed of the id generator.
    #[serde(default)]
    pub rng_seed: u64,
    /// Users.
    #[serde(default)]
    pub users: Vec<SeedUser>,
    /// Groups with their direct members.
    #[serde(default)]
    pub groups: Vec<SeedGroup>,
    /// Gallery templates besides the built-in ones.
    #[serde(default)]
    pub application_templates: Vec<AppTemplate>,
    /// Apps that exist before anyone runs scimform.
    #[serde(default)]
    pub apps: Vec<SeedApp>,
    /// API clients that may sign in.
    #[serde(default)]
    pub clients: Vec<Client>,
    /// The SCIM applications jobs provision into: played by the built-in provider (each
    /// accepting one bearer token, or any) or routed to another server.
    #[serde(default)]
    pub scim_endpoints: Vec<ScimEndpoint>,
}

/// A SCIM application on the other end of provisioning: played by the emulator's built-in
/// SCIM service provider, or routed to another SCIM server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScimEndpoint {
    /// The SCIM base URL jobs save (`BaseAddress`).
    pub base_url: String,
    /// The one bearer token a played endpoint accepts; any token when absent.
    #[serde(default)]
    pub token: Option<String>,
    /// Another SCIM server's root to send this base URL's requests to instead.
    #[serde(default)]
    pub target: Option<String>,
    /// What a played endpoint accepts beyond RFC 7643/7644 (none: strict), to play a
    /// given SaaS app: `lenient`, or some of `stringBooleans`, `createsFilteredTargets`,
    /// `legacyMemberRemoval`, `anySchema`.
    #[serde(default)]
    pub quirks: Vec<crate::scim::Quirk>,
}

fn default_domain() -> String {
    "contoso.com".to_owned()
}

/// A user.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedUser {
    /// Object id; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// User principal name.
    pub user_principal_name: String,
    /// Display name; the UPN's local part when absent.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Given name (first name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Surname (last name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// Department (what scoping filters most often test).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
}

/// A group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedGroup {
    /// Object id; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Display name.
    pub display_name: String,
    /// Direct members: user UPNs or group display names.
    #[serde(default)]
    pub members: Vec<String>,
    /// Security group (default true); only security groups can be assigned to apps.
    #[serde(default = "yes")]
    pub security_enabled: bool,
}

fn yes() -> bool {
    true
}

/// An app that already exists.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedApp {
    /// Display name.
    pub display_name: String,
    /// applicationTemplate id; the non-gallery template when absent.
    #[serde(default)]
    pub template_id: Option<String>,
    /// Extra service principal tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Service principal notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Owners by UPN, or API clients by display name or client id (added to both the
    /// application and the service principal).
    #[serde(default)]
    pub owners: Vec<String>,
    /// Assignments: a principal (UPN or group name) and a role display name.
    #[serde(default)]
    pub assignments: Vec<SeedAssignment>,
    /// A provisioning job, when the app has one.
    #[serde(default)]
    pub provisioning: Option<SeedProvisioning>,
}

/// An assignment of an existing app.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedAssignment {
    /// UPN or group display name.
    pub principal: String,
    /// App role display name.
    #[serde(default = "default_role")]
    pub role: String,
}

fn default_role() -> String {
    "User".to_owned()
}

/// A provisioning job of an existing app.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedProvisioning {
    /// Provisioning template id; the app's default when absent.
    #[serde(default)]
    pub template_id: Option<String>,
    /// Saved secrets, key to value.
    #[serde(default)]
    pub secrets: Vec<SeedSecret>,
    /// `Active`, `Paused` or `Disabled`.
    #[serde(default)]
    pub state: Option<String>,
}

/// One saved secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SeedSecret {
    /// A `synchronizationSecret` name.
    pub key: String,
    /// Its value.
    pub value: String,
}

/// What is wrong with a seed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The text is not a seed.
    #[error("tenant file is not valid JSON for a seed")]
    Parse(#[source] serde_json::Error),
    /// A name points at nothing.
    #[error("tenant file names {what} `{name}`, which it does not define")]
    Unknown {
        /// What kind of thing.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// An operation on the seeded tenant was refused.
    #[error("tenant file cannot be applied: {0}")]
    Refused(String),
}

impl Seed {
    /// Parses a tenant file.
    pub fn from_json(text: &str) -> Result<Seed, SeedError> {
        serde_json::from_str(text).map_err(SeedError::Parse)
    }

    /// Builds the tenant this seed describes.
    pub(crate) fn build(&self) -> Result<Tenant, SeedError> {
        let mut tenant = Tenant::empty(&self.tenant_id, &self.domain, self.rng_seed);
        for template in &self.application_templates {
            tenant.templates.insert(template.id.clone(), template.clone());
        }
        for user in &self.users {
            let display_name = user
                .display_name
                .clone()
                .unwrap_or_else(|| user.user_principal_name.split('@').next().unwrap_or_default().to_owned());
            let id = tenant.add_user(user.id.clone(), &user.user_principal_name, &display_name);
            let record = tenant.users.get_mut(&id).expect("just added");
            for (key, value) in [
                ("givenName", &user.given_name),
                ("surname", &user.surname),
                ("department", &user.department),
                ("jobTitle", &user.job_title),
            ] {
                if let Some(value) = value {
                    record.insert(key.to_owned(), serde_json::json!(value));
                }
            }
        }
        for group in &self.groups {
            tenant.add_group(group.id.clone(), &group.display_name, group.security_enabled);
        }
        // Names to ids once, so that large tenants seed in linear time.
        let mut names: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        for (id, user) in &tenant.users {
            names.insert(string(user, "userPrincipalName").to_lowercase(), id.clone());
        }
        for (id, group) in &tenant.groups {
            names.entry(string(group, "displayName")).or_insert_with(|| id.clone());
        }
        let lookup = |name: &str| {
            names
                .get(&name.to_lowercase())
                .or_else(|| names.get(name))
                .cloned()
                .ok_or_else(|| SeedError::Unknown { what: "principal", name: name.to_owned() })
        };
        for group in &self.groups {
            let group_id = lookup(&group.display_name)?;
            let members = group.members.iter().map(|member| lookup(member)).collect::<Result<Vec<_>, _>>()?;
            tenant.members.entry(group_id).or_default().extend(members);
        }
        for app in &self.apps {
            seed_app(&mut tenant, app, &self.clients, &lookup)?;
        }
        for client in &self.clients {
            seed_client_service_principal(&mut tenant, client);
        }
        tenant.clients = self.clients.clone();
        for endpoint in &self.scim_endpoints {
            tenant.set_scim_endpoint(
                &endpoint.base_url,
                endpoint.token.as_deref(),
                endpoint.target.as_deref(),
                crate::scim::Quirks::of(&endpoint.quirks),
            );
        }
        Ok(tenant)
    }
}

/// The service principal of an API client (an app registration in its home tenant), as
/// Graph has one for every application that signs in: what owns the apps the client
/// creates. Its id is derived from the client id, so that seeding stays deterministic.
fn seed_client_service_principal(tenant: &mut Tenant, client: &Client) {
    let id = client_service_principal_id(&client.client_id);
    let object = Tenant::service_principal_object(
        &id,
        &client.client_id,
        None,
        &client.display_name,
        serde_json::json!([]),
        false,
        &[],
    );
    tenant.service_principals.insert(id.clone(), object);
    tenant.service_principal_owners.insert(id, Vec::new());
}

/// The service principal id of a client, derived from its client id.
fn client_service_principal_id(client_id: &str) -> String {
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(client_id.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect();
    format!("{}-{}-4{}-8{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

fn refused(error: GraphError) -> SeedError {
    SeedError::Refused(error.message)
}

fn string(object: &crate::tenant::Object, key: &str) -> String {
    object.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// Adds one app; `principal_id` finds a user (by UPN) or group (by display name).
fn seed_app(
    tenant: &mut Tenant,
    app: &SeedApp,
    clients: &[Client],
    principal_id: &dyn Fn(&str) -> Result<String, SeedError>,
) -> Result<(), SeedError> {
    let template_id = app.template_id.as_deref().unwrap_or(NON_GALLERY_TEMPLATE_ID);
    let (application, service_principal) = tenant.instantiate(template_id, &app.display_name).map_err(refused)?;
    let application_id = string(&application, "id");
    let service_principal_id = string(&service_principal, "id");
    if let Some(sp) = tenant.service_principals.get_mut(&service_principal_id) {
        if let Some(tags) = sp.get_mut("tags").and_then(Value::as_array_mut) {
            tags.extend(app.tags.iter().cloned().map(Value::String));
        }
        if let Some(notes) = &app.notes {
            sp.insert("notes".to_owned(), Value::String(notes.clone()));
        }
    }
    for owner in &app.owners {
        // An API client owns an app when an administrator made its service principal an
        // owner (so that a pipeline under Application.ReadWrite.OwnedBy may adopt it).
        let client = clients.iter().find(|client| client.display_name == *owner || client.client_id == *owner);
        let owner_id = match client {
            Some(client) => client_service_principal_id(&client.client_id),
            None => principal_id(owner)?,
        };
        for owners in [
            tenant.application_owners.entry(application_id.clone()).or_default(),
            tenant.service_principal_owners.entry(service_principal_id.clone()).or_default(),
        ] {
            Tenant::add_owner(owners, &owner_id).map_err(refused)?;
        }
    }
    for assignment in &app.assignments {
        let principal = principal_id(&assignment.principal)?;
        let role_id = tenant.service_principals[&service_principal_id]
            .get("appRoles")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|role| role.get("displayName").and_then(Value::as_str) == Some(assignment.role.as_str()))
            .and_then(|role| role.get("id").and_then(Value::as_str))
            .map(str::to_owned)
            .ok_or_else(|| SeedError::Unknown { what: "app role", name: assignment.role.clone() })?;
        tenant.assign(&service_principal_id, &principal, &role_id).map_err(refused)?;
    }
    if let Some(provisioning) = &app.provisioning {
        let synchronization = tenant.synchronization_mut(&service_principal_id).map_err(refused)?;
        let template_id = provisioning.template_id.clone().unwrap_or_else(|| {
            synchronization
                .templates
                .iter()
                .find(|template| template.default)
                .map(|template| template.id.clone())
                .unwrap_or_default()
        });
        let job = tenant.create_job(&service_principal_id, &template_id).map_err(refused)?;
        let job_id = string(&job, "id");
        let synchronization = tenant.synchronization_mut(&service_principal_id).map_err(refused)?;
        synchronization.secrets =
            provisioning.secrets.iter().map(|secret| (secret.key.clone(), secret.value.clone())).collect();
        if let Some(state) = &provisioning.state
            && let Some(job) = synchronization.jobs.get_mut(&job_id)
        {
            let code = match state.as_str() {
                "Active" => "Active",
                "Paused" => "Paused",
                _ => "NotConfigured",
            };
            job.object["schedule"]["state"] = Value::String(state.clone());
            job.object["status"]["code"] = Value::String(code.to_owned());
        }
    }
    Ok(())
}
