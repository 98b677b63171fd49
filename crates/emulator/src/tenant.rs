//! The tenant: every directory object and provisioning setting the emulator holds, and the
//! operations on them that Graph offers.
//!
//! Objects are kept as JSON property bags in Graph's own shape (camelCase properties,
//! `@odata.type` where Graph sends one), so reads are a copy and `$select` is a filter.
//! The operations here enforce Graph's rules (unique assignments, known secret keys, valid
//! templates) and know nothing of HTTP; `graph/` maps requests onto them.
//!
//! Architecture invariant: this models Microsoft Graph, never scimform. Nothing here may
//! depend on what the reconciler expects.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::GraphError;
use crate::util::{Rng, now_timestamp};

/// A Graph object as JSON properties.
pub(crate) type Object = Map<String, Value>;

/// The non-gallery ("custom") application template of the global cloud.
pub const NON_GALLERY_TEMPLATE_ID: &str = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";
/// The "default access" app role id, valid only on apps without user-assignable roles.
pub(crate) const DEFAULT_ACCESS_ROLE: &str = "00000000-0000-0000-0000-000000000000";
/// The interval Entra gives new jobs (provisioning runs about every 40 minutes).
const JOB_INTERVAL: &str = "PT40M";
/// Graph's "not reached yet" timestamp for steady-state times.
const NEVER: &str = "0001-01-01T00:00:00Z";

/// Every `synchronizationSecret` key Graph accepts, by name.
pub(crate) const SECRET_KEYS: &[&str] = &[
    "None",
    "UserName",
    "Password",
    "SecretToken",
    "AppKey",
    "BaseAddress",
    "ClientIdentifier",
    "ClientSecret",
    "SingleSignOnType",
    "Sandbox",
    "Url",
    "Domain",
    "ConsumerKey",
    "ConsumerSecret",
    "TokenKey",
    "TokenExpiration",
    "Oauth2AccessToken",
    "Oauth2AccessTokenCreationTime",
    "Oauth2RefreshToken",
    "SyncAll",
    "InstanceName",
    "Oauth2ClientId",
    "Oauth2ClientSecret",
    "CompanyId",
    "UpdateKeyOnSoftDelete",
    "SynchronizationSchedule",
    "SystemOfRecord",
    "SandboxName",
    "EnforceDomain",
    "SyncNotificationSettings",
    "SkipOutOfScopeDeletions",
    "Oauth2AuthorizationCode",
    "Oauth2RedirectUri",
    "ApplicationTemplateIdentifier",
    "Oauth2TokenExchangeUri",
    "Oauth2AuthorizationUri",
    "AuthenticationType",
    "Server",
    "PerformInboundEntitlementGrants",
    "HardDeletesEnabled",
    "SyncAgentCompatibilityKey",
    "SyncAgentADContainer",
    "ValidateDomain",
    "TestReferences",
    "ConnectionString",
];

/// Secret keys whose values Graph never returns: reads show `*`.
pub(crate) const SENSITIVE_SECRET_KEYS: &[&str] = &[
    "Password",
    "SecretToken",
    "AppKey",
    "ClientSecret",
    "ConsumerSecret",
    "TokenKey",
    "Oauth2AccessToken",
    "Oauth2RefreshToken",
    "Oauth2ClientSecret",
    "Oauth2AuthorizationCode",
    "ConnectionString",
];

/// An application template in the gallery (or the non-gallery one).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AppTemplate {
    /// applicationTemplate id.
    pub id: String,
    /// Display name in the gallery.
    pub display_name: String,
    /// Publisher shown in the gallery.
    #[serde(default)]
    pub publisher: String,
    /// App roles (display names) an instance gets, besides `msiam_access`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Provisioning (synchronization) templates an instance offers.
    #[serde(default)]
    pub synchronization_templates: Vec<SyncTemplateDef>,
}

/// A provisioning template offered by an app template.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SyncTemplateDef {
    /// The template id, which new jobs' ids start with (`scim` for non-gallery apps).
    pub id: String,
    /// Whether this is the template to use when in doubt.
    #[serde(default)]
    pub default: bool,
}

impl AppTemplate {
    /// The templates every emulated tenant has: the non-gallery one and one gallery app.
    pub fn built_in() -> Vec<AppTemplate> {
        vec![
            AppTemplate {
                id: NON_GALLERY_TEMPLATE_ID.to_owned(),
                display_name: "Custom".to_owned(),
                publisher: "Microsoft Corporation".to_owned(),
                roles: vec!["User".to_owned()],
                synchronization_templates: vec![SyncTemplateDef { id: "scim".to_owned(), default: true }],
            },
            AppTemplate {
                id: "0c0ad6b6-8ee2-4d6b-9a62-3a86a7c3a5d4".to_owned(),
                display_name: "HR Portal".to_owned(),
                publisher: "Example HR Systems".to_owned(),
                roles: vec!["User".to_owned(), "Administrator".to_owned()],
                synchronization_templates: vec![SyncTemplateDef { id: "hrPortal".to_owned(), default: true }],
            },
        ]
    }
}

/// An API client registered in the tenant (an app registration that scimform signs in as).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Client {
    /// The client (application) id.
    pub client_id: String,
    /// Display name, for logs.
    #[serde(default)]
    pub display_name: String,
    /// Client secret, when it may sign in with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// PEM certificates it may sign client assertions with.
    #[serde(default)]
    pub certificates: Vec<String>,
    /// Federated identity credentials (workload identity, GitHub Actions OIDC).
    #[serde(default)]
    pub federated_credentials: Vec<FederatedCredential>,
    /// Application permissions granted to it (`Application.ReadWrite.All`, …).
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// A trust in tokens from an external identity provider.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FederatedCredential {
    /// The external token's `iss`.
    pub issuer: String,
    /// The external token's `sub`, matched exactly.
    pub subject: String,
    /// The external token's `aud`.
    #[serde(default = "default_audience")]
    pub audience: String,
    /// The public key (PEM) that the issuer signs with. Real Entra fetches the issuer's keys
    /// from its OpenID configuration; the emulator cannot reach the internet, so the key is
    /// registered here.
    pub public_key_pem: String,
}

fn default_audience() -> String {
    "api://AzureADTokenExchange".to_owned()
}

/// A provisioning job and its schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Job {
    pub(crate) object: Object,
    pub(crate) schema: Value,
    /// What the provisioning service remembers between cycles.
    #[serde(default)]
    pub(crate) engine: crate::engine_state::EngineState,
}

/// The synchronization container of a service principal.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct Synchronization {
    /// Provisioning templates offered.
    pub(crate) templates: Vec<SyncTemplateDef>,
    /// Jobs by id.
    pub(crate) jobs: BTreeMap<String, Job>,
    /// Saved secrets in the order they were saved.
    pub(crate) secrets: Vec<(String, String)>,
}

/// The whole tenant. Serialized as the emulator's state file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Tenant {
    pub(crate) tenant_id: String,
    pub(crate) domain: String,
    pub(crate) rng: Rng,
    pub(crate) users: BTreeMap<String, Object>,
    pub(crate) groups: BTreeMap<String, Object>,
    /// Direct members (user or group ids) by group id.
    pub(crate) members: BTreeMap<String, Vec<String>>,
    pub(crate) applications: BTreeMap<String, Object>,
    pub(crate) service_principals: BTreeMap<String, Object>,
    pub(crate) application_owners: BTreeMap<String, Vec<String>>,
    pub(crate) service_principal_owners: BTreeMap<String, Vec<String>>,
    /// appRoleAssignments by id. Change them through [`Tenant::assign`],
    /// [`Tenant::remove_assignment`] and [`Tenant::delete_service_principal`], which keep
    /// the index below.
    pub(crate) assignments: BTreeMap<String, Object>,
    /// Assignment ids by the service principal they grant access to (`resourceId`), so
    /// that an app's assignments are found in time proportional to their number. Not
    /// stored: rebuilt by [`Tenant::reindex`] after loading.
    #[serde(skip)]
    pub(crate) assignments_by_resource: BTreeMap<String, std::collections::BTreeSet<String>>,
    /// (resource, principal, role) of every assignment, for the duplicate check.
    #[serde(skip)]
    pub(crate) assignment_keys: std::collections::HashSet<(String, String, String)>,
    pub(crate) templates: BTreeMap<String, AppTemplate>,
    /// Synchronization containers by service principal id.
    pub(crate) synchronization: BTreeMap<String, Synchronization>,
    pub(crate) clients: Vec<Client>,
    /// The SCIM applications on the other end, by base URL (see `scim`): played by the
    /// built-in provider, or routed to another server.
    #[serde(default)]
    pub(crate) scim_endpoints: BTreeMap<String, crate::scim::Endpoint>,
    /// Provisioning logs (`provisioningObjectSummary`), oldest first.
    #[serde(default)]
    pub(crate) provisioning_logs: Vec<Value>,
    /// Users deleted and not yet purged (Entra's recycle bin), by id.
    #[serde(default)]
    pub(crate) deleted_users: BTreeMap<String, DeletedUser>,
    /// User ids by lower-cased UPN, for `/users/{upn}` and `userPrincipalName` filters.
    /// Not stored, and only a hint: every hit is checked against the user it names, a
    /// miss falls back to a scan, and it is rebuilt when the number of users changes, so
    /// no path that changes users can make a lookup wrong (only, at worst, slower).
    #[serde(skip)]
    upn_index: UpnIndex,
}

/// See [`Tenant::upn_index`].
#[derive(Debug, Default)]
pub(crate) struct UpnIndex(std::sync::Mutex<(usize, std::collections::HashMap<String, String>)>);

impl Clone for UpnIndex {
    fn clone(&self) -> UpnIndex {
        UpnIndex::default()
    }
}

impl PartialEq for UpnIndex {
    fn eq(&self, _: &UpnIndex) -> bool {
        true
    }
}

/// A soft-deleted user: gone from Graph's reads, with what a restore puts back.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeletedUser {
    /// The user object, with `deletedDateTime`.
    pub(crate) object: Object,
    /// The groups she was a direct member of.
    pub(crate) member_of: Vec<String>,
    /// Her app role assignments.
    pub(crate) assignments: Vec<Object>,
    /// When she was deleted (Unix seconds).
    pub(crate) deleted_at: u64,
}

/// How long a deleted user stays restorable before Entra purges her: 30 days.
pub(crate) const SOFT_DELETE_SECONDS: u64 = 30 * 24 * 60 * 60;

/// The kind of a directory object found by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Group,
    ServicePrincipal,
    Application,
}

impl Tenant {
    pub(crate) fn empty(tenant_id: &str, domain: &str, seed: u64) -> Tenant {
        Tenant {
            tenant_id: tenant_id.to_owned(),
            domain: domain.to_owned(),
            rng: Rng::new(seed),
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            members: BTreeMap::new(),
            applications: BTreeMap::new(),
            service_principals: BTreeMap::new(),
            application_owners: BTreeMap::new(),
            service_principal_owners: BTreeMap::new(),
            assignments: BTreeMap::new(),
            assignments_by_resource: BTreeMap::new(),
            assignment_keys: Default::default(),
            templates: AppTemplate::built_in().into_iter().map(|template| (template.id.clone(), template)).collect(),
            synchronization: BTreeMap::new(),
            clients: Vec::new(),
            scim_endpoints: BTreeMap::new(),
            provisioning_logs: Vec::new(),
            deleted_users: BTreeMap::new(),
            upn_index: UpnIndex::default(),
        }
    }

    // --- Lookups -------------------------------------------------------------------

    /// Declares the SCIM application at `base_url`: played here accepting `token` (any
    /// token when `None`) with its quirks, or routed to `target`. Its users and groups are
    /// kept.
    pub(crate) fn set_scim_endpoint(
        &mut self,
        base_url: &str,
        token: Option<&str>,
        target: Option<&str>,
        quirks: crate::scim::Quirks,
    ) {
        let endpoint = self.scim_endpoints.entry(crate::scim::normalize(base_url)).or_default();
        endpoint.token = token.map(crate::util::digest);
        endpoint.target = target.map(|target| target.trim_end_matches('/').to_owned());
        endpoint.quirks = quirks;
    }

    /// Why the SCIM application at `base_url` refuses `token`, when the emulator plays it
    /// and the token is not the one it accepts.
    pub(crate) fn scim_refusal(&self, base_url: &str, token: &str) -> Option<String> {
        let endpoint = self.scim_endpoints.get(&crate::scim::normalize(base_url))?;
        let accepted = endpoint.token.as_ref().filter(|_| endpoint.target.is_none())?;
        (crate::util::digest(token) != *accepted)
            .then(|| "the SCIM endpoint answered 401 Unauthorized: the bearer token is not valid".to_owned())
    }

    /// A directory object (user, group, service principal or application) by id.
    pub(crate) fn directory_object(&self, id: &str) -> Option<(Kind, &Object)> {
        self.users
            .get(id)
            .map(|object| (Kind::User, object))
            .or_else(|| self.groups.get(id).map(|object| (Kind::Group, object)))
            .or_else(|| self.service_principals.get(id).map(|object| (Kind::ServicePrincipal, object)))
            .or_else(|| self.applications.get(id).map(|object| (Kind::Application, object)))
    }

    /// A user by object id or user principal name (case-insensitive), as `/users/{id}` takes.
    pub(crate) fn user(&self, id_or_upn: &str) -> Option<&Object> {
        self.users.get(id_or_upn).or_else(|| self.user_by_upn(id_or_upn))
    }

    /// A user by UPN: through the index when it answers truly, else by a scan.
    pub(crate) fn user_by_upn(&self, upn: &str) -> Option<&Object> {
        let has_upn = |user: &&Object| {
            user.get("userPrincipalName").and_then(Value::as_str).is_some_and(|found| found.eq_ignore_ascii_case(upn))
        };
        let hinted = {
            let mut index = self.upn_index.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if index.0 != self.users.len() || index.1.is_empty() {
                index.1 = self
                    .users
                    .iter()
                    .filter_map(|(id, user)| {
                        Some((user.get("userPrincipalName")?.as_str()?.to_lowercase(), id.clone()))
                    })
                    .collect();
                index.0 = self.users.len();
            }
            index.1.get(&upn.to_lowercase()).cloned()
        };
        hinted.and_then(|id| self.users.get(&id)).filter(has_upn).or_else(|| self.users.values().find(has_upn))
    }

    pub(crate) fn service_principal_by_app_id(&self, app_id: &str) -> Option<&Object> {
        self.service_principals.values().find(|sp| sp.get("appId").and_then(Value::as_str) == Some(app_id))
    }

    pub(crate) fn application_by_app_id(&self, app_id: &str) -> Option<&Object> {
        self.applications.values().find(|app| app.get("appId").and_then(Value::as_str) == Some(app_id))
    }

    /// The id of the service principal of an application (by the application's object id).
    pub(crate) fn service_principal_of_application(&self, application_id: &str) -> Option<String> {
        let app_id = self.applications.get(application_id)?.get("appId")?.as_str()?;
        self.service_principal_by_app_id(app_id).and_then(|sp| sp.get("id")).and_then(Value::as_str).map(str::to_owned)
    }

    /// The id of the application of a service principal (by the service principal's id).
    pub(crate) fn application_of_service_principal(&self, service_principal_id: &str) -> Option<String> {
        let app_id = self.service_principals.get(service_principal_id)?.get("appId")?.as_str()?;
        self.application_by_app_id(app_id).and_then(|app| app.get("id")).and_then(Value::as_str).map(str::to_owned)
    }

    /// Direct and nested members of a group, each once, groups included.
    pub(crate) fn transitive_members(&self, group_id: &str) -> Vec<String> {
        let mut seen = Vec::new();
        let mut queue = self.members.get(group_id).cloned().unwrap_or_default();
        while let Some(member) = queue.pop() {
            if seen.contains(&member) || member == group_id {
                continue;
            }
            if self.groups.contains_key(&member) {
                queue.extend(self.members.get(&member).cloned().unwrap_or_default());
            }
            seen.push(member);
        }
        seen.sort();
        seen
    }

    // --- Directory -------------------------------------------------------------------

    pub(crate) fn add_user(&mut self, id: Option<String>, upn: &str, display_name: &str) -> String {
        let id = id.unwrap_or_else(|| self.rng.guid());
        let mail_nickname = upn.split('@').next().unwrap_or(upn).to_owned();
        let user = json!({
            "@odata.type": "#microsoft.graph.user",
            "id": id,
            "userPrincipalName": upn,
            "displayName": display_name,
            "mail": upn,
            "mailNickname": mail_nickname,
            "accountEnabled": true,
            "userType": "Member",
            "givenName": null,
            "surname": null,
            "jobTitle": null,
            "createdDateTime": now_timestamp(),
        });
        self.users.insert(id.clone(), user.as_object().cloned().unwrap_or_default());
        id
    }

    pub(crate) fn add_group(&mut self, id: Option<String>, display_name: &str, security_enabled: bool) -> String {
        let id = id.unwrap_or_else(|| self.rng.guid());
        let nickname: String = display_name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let group = json!({
            "@odata.type": "#microsoft.graph.group",
            "id": id,
            "displayName": display_name,
            "description": null,
            "mailNickname": nickname,
            "mailEnabled": false,
            "securityEnabled": security_enabled,
            "groupTypes": [],
            "createdDateTime": now_timestamp(),
        });
        self.groups.insert(id.clone(), group.as_object().cloned().unwrap_or_default());
        self.members.entry(id.clone()).or_default();
        id
    }

    // --- Applications ------------------------------------------------------------------

    /// `POST /applicationTemplates/{id}/instantiate`: a new application and its service
    /// principal, with the template's app roles (fresh role ids per app) and provisioning
    /// templates.
    pub(crate) fn instantiate(
        &mut self,
        template_id: &str,
        display_name: &str,
    ) -> Result<(Object, Object), GraphError> {
        let template = self.templates.get(template_id).cloned().ok_or_else(|| GraphError::not_found(template_id))?;
        let application_id = self.rng.guid();
        let app_id = self.rng.guid();
        let service_principal_id = self.rng.guid();
        let created = now_timestamp();
        let mut app_roles = Vec::new();
        for role in template.roles.iter().map(String::as_str).chain(["msiam_access"]) {
            let description = if role == "msiam_access" { "msiam_access".to_owned() } else { role.to_owned() };
            app_roles.push(json!({
                "id": self.rng.guid(),
                "displayName": role,
                "description": description,
                "value": null,
                "isEnabled": true,
                "origin": "Application",
                "allowedMemberTypes": ["User"],
            }));
        }
        let non_gallery = template_id == NON_GALLERY_TEMPLATE_ID;
        let tags: Vec<&str> = if non_gallery {
            vec!["WindowsAzureActiveDirectoryIntegratedApp", "WindowsAzureActiveDirectoryCustomSingleSignOnApplication"]
        } else {
            vec!["WindowsAzureActiveDirectoryIntegratedApp"]
        };
        let application = json!({
            "@odata.type": "#microsoft.graph.application",
            "id": application_id,
            "appId": app_id,
            "applicationTemplateId": template_id,
            "displayName": display_name,
            "createdDateTime": created,
            "description": null,
            "notes": null,
            "signInAudience": "AzureADMyOrg",
            "tags": [],
            "appRoles": app_roles,
            "identifierUris": [],
            "serviceManagementReference": null,
        });
        let service_principal = Tenant::service_principal_object(
            &service_principal_id,
            &app_id,
            Some(template_id),
            display_name,
            Value::Array(app_roles),
            true,
            &tags,
        );
        let application = application.as_object().cloned().unwrap_or_default();
        self.applications.insert(application_id.clone(), application.clone());
        self.service_principals.insert(service_principal_id.clone(), service_principal.clone());
        self.application_owners.insert(application_id, Vec::new());
        self.service_principal_owners.insert(service_principal_id.clone(), Vec::new());
        self.synchronization.insert(
            service_principal_id,
            Synchronization { templates: template.synchronization_templates.clone(), ..Synchronization::default() },
        );
        Ok((application, service_principal))
    }

    /// A service principal as Graph returns it.
    pub(crate) fn service_principal_object(
        id: &str,
        app_id: &str,
        template_id: Option<&str>,
        display_name: &str,
        app_roles: Value,
        assignment_required: bool,
        tags: &[&str],
    ) -> Object {
        let object = json!({
            "@odata.type": "#microsoft.graph.servicePrincipal",
            "id": id,
            "appId": app_id,
            "applicationTemplateId": template_id,
            "appDisplayName": display_name,
            "displayName": display_name,
            "accountEnabled": true,
            "appRoleAssignmentRequired": assignment_required,
            "appRoles": app_roles,
            "description": null,
            "notes": null,
            "homepage": null,
            "loginUrl": null,
            "preferredSingleSignOnMode": null,
            "servicePrincipalType": "Application",
            "servicePrincipalNames": [app_id],
            "tags": tags,
            "createdDateTime": now_timestamp(),
        });
        object.as_object().cloned().unwrap_or_default()
    }

    /// Deletes an application, its service principal and everything hanging off them.
    pub(crate) fn delete_application(&mut self, application_id: &str) -> Result<(), GraphError> {
        let application =
            self.applications.remove(application_id).ok_or_else(|| GraphError::not_found(application_id))?;
        self.application_owners.remove(application_id);
        if let Some(app_id) = application.get("appId").and_then(Value::as_str)
            && let Some(service_principal_id) = self
                .service_principal_by_app_id(app_id)
                .and_then(|sp| sp.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        {
            self.delete_service_principal(&service_principal_id)?;
        }
        Ok(())
    }

    /// Deletes a service principal, its assignments, owners and provisioning.
    pub(crate) fn delete_service_principal(&mut self, service_principal_id: &str) -> Result<(), GraphError> {
        self.service_principals
            .remove(service_principal_id)
            .ok_or_else(|| GraphError::not_found(service_principal_id))?;
        self.service_principal_owners.remove(service_principal_id);
        self.synchronization.remove(service_principal_id);
        self.assignments.retain(|_, assignment| {
            assignment.get("resourceId").and_then(Value::as_str) != Some(service_principal_id)
                && assignment.get("principalId").and_then(Value::as_str) != Some(service_principal_id)
        });
        self.reindex();
        for owners in self.application_owners.values_mut().chain(self.service_principal_owners.values_mut()) {
            owners.retain(|owner| owner != service_principal_id);
        }
        Ok(())
    }

    /// Adds an owner to an application or service principal's owner list.
    pub(crate) fn add_owner(owners: &mut Vec<String>, owner_id: &str) -> Result<(), GraphError> {
        if owners.iter().any(|owner| owner == owner_id) {
            return Err(GraphError::bad_request(
                "One or more added object references already exist for the following modified properties: 'owners'.",
            ));
        }
        owners.push(owner_id.to_owned());
        Ok(())
    }

    // --- Assignments ---------------------------------------------------------------------

    /// `POST /servicePrincipals/{id}/appRoleAssignedTo`.
    pub(crate) fn assign(
        &mut self,
        resource_id: &str,
        principal_id: &str,
        app_role_id: &str,
    ) -> Result<Object, GraphError> {
        let resource = self.service_principals.get(resource_id).ok_or_else(|| GraphError::not_found(resource_id))?;
        let resource_display_name = resource.get("displayName").cloned().unwrap_or(Value::Null);
        let roles: Vec<&str> = resource
            .get("appRoles")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|role| {
                role.get("allowedMemberTypes")
                    .and_then(Value::as_array)
                    .is_some_and(|types| types.iter().any(|t| t == "User"))
            })
            .filter_map(|role| role.get("id").and_then(Value::as_str))
            .collect();
        let role_ok = if app_role_id == DEFAULT_ACCESS_ROLE { roles.is_empty() } else { roles.contains(&app_role_id) };
        if !role_ok {
            return Err(GraphError::bad_request(format!(
                "Permission {app_role_id} on resource {resource_id} does not exist or one of its queried reference-property objects are not present."
            ))
            .with_detail("InvalidUpdate", "Invalid value specified for property 'appRoleId' of resource 'AppRoleAssignment'."));
        }
        let (principal_type, principal_display_name) = match self.directory_object(principal_id) {
            Some((Kind::User, object)) => ("User", object.get("displayName").cloned()),
            Some((Kind::Group, object)) => ("Group", object.get("displayName").cloned()),
            Some((Kind::ServicePrincipal, object)) => ("ServicePrincipal", object.get("displayName").cloned()),
            Some((Kind::Application, _)) | None => return Err(GraphError::not_found(principal_id)),
        };
        let key = (resource_id.to_owned(), principal_id.to_owned(), app_role_id.to_owned());
        if self.assignment_keys.contains(&key) {
            return Err(GraphError::bad_request("Permission being assigned already exists on the object")
                .with_detail("InvalidUpdate", "Permission being assigned already exists on the object"));
        }
        // Assignment ids are opaque base64url strings, not GUIDs.
        let id = base64_id(&mut self.rng);
        let assignment = json!({
            "@odata.type": "#microsoft.graph.appRoleAssignment",
            "id": id,
            "appRoleId": app_role_id,
            "principalId": principal_id,
            "principalType": principal_type,
            "principalDisplayName": principal_display_name.unwrap_or(Value::Null),
            "resourceId": resource_id,
            "resourceDisplayName": resource_display_name,
            "createdDateTime": now_timestamp(),
            "deletedDateTime": null,
        });
        let assignment = assignment.as_object().cloned().unwrap_or_default();
        self.assignments_by_resource.entry(resource_id.to_owned()).or_default().insert(id.clone());
        self.assignment_keys.insert(key);
        self.assignments.insert(id, assignment.clone());
        Ok(assignment)
    }

    /// The assignments that grant access to service principal `resource_id`.
    pub(crate) fn assignments_of(&self, resource_id: &str) -> impl Iterator<Item = &Object> {
        self.assignments_by_resource.get(resource_id).into_iter().flatten().filter_map(|id| self.assignments.get(id))
    }

    /// Removes an assignment; whether there was one.
    pub(crate) fn remove_assignment(&mut self, id: &str) -> bool {
        let Some(assignment) = self.assignments.remove(id) else { return false };
        if let Some(resource) = assignment.get("resourceId").and_then(Value::as_str)
            && let Some(ids) = self.assignments_by_resource.get_mut(resource)
        {
            ids.remove(id);
        }
        self.assignment_keys.remove(&assignment_key(&assignment));
        true
    }

    /// Deletes a user as Entra does: softly. She leaves her groups and loses her app role
    /// assignments (both kept for a restore) and stays in the recycle bin for 30 days.
    pub(crate) fn soft_delete_user(&mut self, id: &str) -> bool {
        let Some(mut object) = self.users.remove(id) else { return false };
        object.insert("deletedDateTime".to_owned(), json!(now_timestamp()));
        let mut member_of = Vec::new();
        for (group, members) in &mut self.members {
            if members.iter().any(|member| member == id) {
                members.retain(|member| member != id);
                member_of.push(group.clone());
            }
        }
        let assignments = self.remove_assignments_of(id);
        let deleted_at = crate::util::now_seconds();
        self.deleted_users.insert(id.to_owned(), DeletedUser { object, member_of, assignments, deleted_at });
        true
    }

    /// Restores a soft-deleted user with her group memberships and the assignments whose
    /// groups and apps still exist.
    pub(crate) fn restore_user(&mut self, id: &str) -> bool {
        let Some(deleted) = self.deleted_users.remove(id) else { return false };
        let mut object = deleted.object;
        object.remove("deletedDateTime");
        self.users.insert(id.to_owned(), object);
        for group in deleted.member_of.iter().filter(|group| self.groups.contains_key(*group)) {
            let members = self.members.entry(group.clone()).or_default();
            if !members.iter().any(|member| member == id) {
                members.push(id.to_owned());
            }
        }
        for assignment in deleted.assignments {
            let resource = assignment["resourceId"].as_str().unwrap_or_default();
            let assignment_id = assignment["id"].as_str().unwrap_or_default().to_owned();
            if self.service_principals.contains_key(resource)
                && !self.assignment_keys.contains(&assignment_key(&assignment))
            {
                self.assignments_by_resource.entry(resource.to_owned()).or_default().insert(assignment_id.clone());
                self.assignment_keys.insert(assignment_key(&assignment));
                self.assignments.insert(assignment_id, assignment);
            }
        }
        true
    }

    /// Deletes a group: it leaves the groups it was a member of, and its own membership
    /// list and app role assignments go with it.
    pub(crate) fn delete_group(&mut self, id: &str) -> bool {
        if self.groups.remove(id).is_none() {
            return false;
        }
        self.members.remove(id);
        for members in self.members.values_mut() {
            members.retain(|member| member != id);
        }
        self.remove_assignments_of(id);
        true
    }

    /// Removes the app role assignments granted to a principal, and answers them.
    fn remove_assignments_of(&mut self, principal: &str) -> Vec<Object> {
        let held: Vec<String> = self
            .assignments
            .iter()
            .filter(|(_, assignment)| assignment["principalId"] == principal)
            .map(|(assignment_id, _)| assignment_id.clone())
            .collect();
        let removed = held.iter().filter_map(|assignment_id| self.assignments.get(assignment_id).cloned()).collect();
        for assignment_id in &held {
            self.remove_assignment(assignment_id);
        }
        removed
    }

    /// Purges a soft-deleted user (the recycle bin's "delete permanently").
    pub(crate) fn purge_user(&mut self, id: &str) -> bool {
        self.deleted_users.remove(id).is_some()
    }

    /// Purges the users deleted more than 30 days before `now` (Unix seconds).
    pub(crate) fn purge_expired_users(&mut self, now: u64) {
        self.deleted_users.retain(|_, deleted| deleted.deleted_at + SOFT_DELETE_SECONDS > now);
    }

    /// Rebuilds the indexes that are not stored (after loading a state file).
    pub(crate) fn reindex(&mut self) {
        self.assignments_by_resource.clear();
        self.assignment_keys.clear();
        for (id, assignment) in &self.assignments {
            if let Some(resource) = assignment.get("resourceId").and_then(Value::as_str) {
                self.assignments_by_resource.entry(resource.to_owned()).or_default().insert(id.clone());
            }
            self.assignment_keys.insert(assignment_key(assignment));
        }
    }

    // --- Synchronization ---------------------------------------------------------------------

    pub(crate) fn synchronization_mut(
        &mut self,
        service_principal_id: &str,
    ) -> Result<&mut Synchronization, GraphError> {
        if !self.service_principals.contains_key(service_principal_id) {
            return Err(GraphError::not_found(service_principal_id));
        }
        Ok(self.synchronization.entry(service_principal_id.to_owned()).or_default())
    }

    /// `POST …/synchronization/jobs`: a disabled, not-configured job from one of the service
    /// principal's provisioning templates.
    pub(crate) fn create_job(&mut self, service_principal_id: &str, template_id: &str) -> Result<Object, GraphError> {
        let job_id = format!("{template_id}.{}.{}", self.rng.hex(32), self.rng.guid());
        let rule_id = self.rng.hex(16);
        let synchronization = self.synchronization_mut(service_principal_id)?;
        if !synchronization.templates.iter().any(|template| template.id == template_id) {
            return Err(GraphError::bad_request(format!(
                "The template '{template_id}' is not available for this service principal."
            )));
        }
        let object = json!({
            "id": job_id,
            "templateId": template_id,
            "schedule": { "expiration": null, "interval": JOB_INTERVAL, "state": "Disabled" },
            "status": {
                "code": "NotConfigured",
                "countSuccessiveCompleteFailures": 0,
                "escrowsPruned": false,
                "lastExecution": null,
                "lastSuccessfulExecution": null,
                "lastSuccessfulExecutionWithExports": null,
                "progress": [],
                "quarantine": null,
                "steadyStateFirstAchievedTime": NEVER,
                "steadyStateLastAchievedTime": NEVER,
                "synchronizedEntryCountByType": [],
                "troubleshootingUrl": null,
            },
            "synchronizationJobSettings": [
                { "name": "QuarantineTooManyDeletesThreshold", "value": "500" },
            ],
        });
        let object = object.as_object().cloned().unwrap_or_default();
        let schema = crate::mappings::default_schema(&job_id, &rule_id);
        synchronization.jobs.insert(job_id, Job { object: object.clone(), schema, engine: Default::default() });
        Ok(object)
    }
}

/// An opaque base64url id, as Graph gives appRoleAssignments.
fn base64_id(rng: &mut Rng) -> String {
    use base64::Engine;
    let mut bytes = Vec::with_capacity(32);
    for _ in 0..4 {
        bytes.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// (resource, principal, role) of an assignment.
fn assignment_key(assignment: &Object) -> (String, String, String) {
    let field = |name: &str| assignment.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    (field("resourceId"), field("principalId"), field("appRoleId"))
}

/// Hours until the service retries a quarantined job, by the quarantine's place in its
/// series: 6, 12 and 24 hours after the first failure, then every 24 hours.
const RETRY_HOURS: [u64; 3] = [6, 12, 24];

impl Job {
    /// Puts the job in quarantine (Graph's status code `Quarantine`), continuing the series
    /// of a quarantine imposed again.
    pub(crate) fn quarantine(&mut self, reason: &str, code: &str, message: &str) {
        let now_seconds = crate::util::now_seconds();
        let now = crate::util::format_timestamp(now_seconds);
        // A quarantine imposed again continues its series.
        let previous = &self.object["status"]["quarantine"];
        let series_began = previous.get("seriesBegan").cloned().unwrap_or_else(|| json!(now));
        let series_count = previous.get("seriesCount").and_then(Value::as_i64).unwrap_or(0) + 1;
        let hours = RETRY_HOURS[usize::try_from(series_count - 1).unwrap_or(0).min(RETRY_HOURS.len() - 1)];
        let next_attempt = crate::util::format_timestamp(now_seconds + hours * 3600);
        self.object["status"]["code"] = json!("Quarantine");
        self.object["status"]["quarantine"] = json!({
            "currentBegan": now,
            "nextAttempt": next_attempt,
            "reason": reason,
            "seriesBegan": series_began,
            "seriesCount": series_count,
            "error": { "code": code, "message": message, "tenantActionable": true },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The UPN index is a hint only: a UPN changed in place, a user added or removed,
    /// never makes a lookup wrong.
    #[test]
    fn upn_lookups_stay_true_when_users_change_behind_the_index() {
        let mut tenant = Tenant::empty("t", "contoso.com", 1);
        let user = |upn: &str| {
            let mut object = Object::new();
            object.insert("userPrincipalName".to_owned(), json!(upn));
            object
        };
        tenant.users.insert("u1".to_owned(), user("Ann@contoso.com"));
        assert!(tenant.user_by_upn("ann@CONTOSO.com").is_some());
        tenant.users.get_mut("u1").unwrap().insert("userPrincipalName".to_owned(), json!("anne@contoso.com"));
        assert!(tenant.user_by_upn("ann@contoso.com").is_none(), "a stale entry is checked, not trusted");
        assert!(tenant.user_by_upn("anne@contoso.com").is_some(), "a miss falls back to a scan");
        tenant.users.insert("u2".to_owned(), user("bo@contoso.com"));
        assert!(tenant.user_by_upn("bo@contoso.com").is_some());
        tenant.users.remove("u2");
        assert!(tenant.user_by_upn("bo@contoso.com").is_none());
    }

    /// Entra keeps a deleted user restorable for 30 days, then purges her.
    #[test]
    fn deleted_users_are_purged_after_thirty_days() {
        let mut tenant = Tenant::empty("t", "contoso.com", 1);
        let mut user = Object::new();
        user.insert("userPrincipalName".to_owned(), json!("gone@contoso.com"));
        tenant.users.insert("u1".to_owned(), user);
        tenant.members.insert("g1".to_owned(), vec!["u1".to_owned()]);
        assert!(tenant.soft_delete_user("u1"));
        assert!(tenant.users.is_empty() && tenant.members["g1"].is_empty());
        let deleted_at = tenant.deleted_users["u1"].deleted_at;
        tenant.purge_expired_users(deleted_at + SOFT_DELETE_SECONDS - 1);
        assert!(tenant.deleted_users.contains_key("u1"), "still restorable on day 29");
        tenant.purge_expired_users(deleted_at + SOFT_DELETE_SECONDS);
        assert!(tenant.deleted_users.is_empty());
        assert!(!tenant.restore_user("u1"));
    }
}
