//! Application templates, applications, service principals, owners and app role
//! assignments.

use std::borrow::Cow;

use serde_json::{Value, json};

use super::common::{
    GraphRequest, Reply, created, entity, id_of, is_guid, json_object, list, list_expanded, list_seeking, patch,
    reference_id, required_string, with_context,
};
use crate::auth::Caller;
use crate::error::GraphError;
use crate::odata::Filterable;
use crate::tenant::{Kind, Object, Tenant};
use crate::world::World;

const TEMPLATES: Filterable = Filterable {
    resource: "applicationTemplates",
    properties: &[
        ("id", &["eq"]),
        ("displayName", &["eq", "startsWith"]),
        ("publisher", &["eq"]),
        ("categories", &["any"]),
    ],
    selectable: &[
        "id",
        "displayName",
        "publisher",
        "description",
        "homePageUrl",
        "logoUrl",
        "categories",
        "supportedProvisioningTypes",
        "supportedSingleSignOnModes",
    ],
};

const APPLICATIONS: Filterable = Filterable {
    resource: "applications",
    properties: &[
        ("id", &["eq", "in"]),
        ("appId", &["eq", "ne", "in", "startsWith"]),
        ("displayName", &["eq", "ne", "in", "startsWith", "ge", "le"]),
        ("applicationTemplateId", &["eq", "ne"]),
        ("tags", &["any"]),
    ],
    selectable: &[
        "id",
        "appId",
        "applicationTemplateId",
        "displayName",
        "createdDateTime",
        "description",
        "notes",
        "signInAudience",
        "tags",
        "appRoles",
        "identifierUris",
        "serviceManagementReference",
    ],
};

const SERVICE_PRINCIPALS: Filterable = Filterable {
    resource: "servicePrincipals",
    properties: &[
        ("id", &["eq", "in"]),
        ("appId", &["eq", "ne", "in", "startsWith"]),
        ("displayName", &["eq", "ne", "in", "startsWith", "ge", "le"]),
        ("applicationTemplateId", &["eq", "ne"]),
        ("servicePrincipalType", &["eq", "ne"]),
        ("accountEnabled", &["eq", "ne"]),
        ("tags", &["any"]),
    ],
    selectable: &[
        "id",
        "appId",
        "applicationTemplateId",
        "appDisplayName",
        "displayName",
        "accountEnabled",
        "appRoleAssignmentRequired",
        "appRoles",
        "description",
        "notes",
        "homepage",
        "loginUrl",
        "preferredSingleSignOnMode",
        "servicePrincipalType",
        "servicePrincipalNames",
        "tags",
        "createdDateTime",
    ],
};

const ASSIGNMENTS: Filterable = Filterable {
    resource: "appRoleAssignments",
    properties: &[("principalDisplayName", &["eq", "startsWith"]), ("resourceId", &["eq"])],
    selectable: &[
        "id",
        "appRoleId",
        "principalId",
        "principalType",
        "principalDisplayName",
        "resourceId",
        "resourceDisplayName",
        "createdDateTime",
        "deletedDateTime",
    ],
};

/// Owners are users or service principals.
const OWNERS: Filterable = Filterable {
    resource: "directoryObjects",
    properties: &[],
    selectable: &["id", "userPrincipalName", "displayName", "mail", "appId", "servicePrincipalType"],
};

const APPLICATION_WRITABLE: &[&str] = &[
    "displayName",
    "description",
    "notes",
    "tags",
    "appRoles",
    "identifierUris",
    "signInAudience",
    "serviceManagementReference",
];
const SERVICE_PRINCIPAL_WRITABLE: &[&str] = &[
    "accountEnabled",
    "appRoleAssignmentRequired",
    "appRoles",
    "description",
    "displayName",
    "homepage",
    "loginUrl",
    "notes",
    "preferredSingleSignOnMode",
    "tags",
];

pub(super) fn route(
    world: &mut World,
    caller: &Caller,
    request: &GraphRequest,
    method: &str,
    parts: &[&str],
) -> Result<Reply, GraphError> {
    match (method, parts) {
        // --- Templates ---
        ("GET", ["applicationTemplates"]) => {
            let templates =
                world.tenant.templates.values().map(|template| Cow::Owned(json_object(template_object(template))));
            list(world, request, templates, Some(&TEMPLATES), "applicationTemplates")
        }
        ("GET", ["applicationTemplates", id]) => {
            let template = world.tenant.templates.get(*id).ok_or_else(|| GraphError::not_found(id))?;
            let object = json_object(template_object(template));
            entity(world, request, &object, &TEMPLATES, "applicationTemplates")
        }
        ("POST", ["applicationTemplates", id, "instantiate"]) => instantiate(world, caller, request, id),
        // --- Applications ---
        ("GET", ["applications"]) => {
            let items = visible(world, world.tenant.applications.values());
            list(world, request, items, Some(&APPLICATIONS), "applications")
        }
        ("GET", ["applications", id]) => {
            let application = application(world, id)?;
            entity(world, request, application, &APPLICATIONS, "applications")
        }
        ("PATCH", ["applications", id]) => {
            application(world, id)?;
            let body = request.json_body()?.clone();
            let object = world.tenant.applications.get_mut(*id).ok_or_else(|| GraphError::not_found(id))?;
            patch(object, &body, "application", APPLICATION_WRITABLE)?;
            Ok(Reply::no_content())
        }
        ("DELETE", ["applications", id]) => {
            application(world, id)?;
            world.tenant.delete_application(id)?;
            Ok(Reply::no_content())
        }
        (_, [collection @ ("applications" | "servicePrincipals"), id, "owners", rest @ ..]) => {
            owners(world, request, method, collection, id, rest)
        }
        // --- Service principals ---
        ("GET", ["servicePrincipals"]) => {
            let items = visible(world, world.tenant.service_principals.values());
            let owners = |item: &Object, expand: &crate::odata::Expand| {
                let id = item.get("id")?.as_str()?;
                let owners = owner_objects(&world.tenant, world.tenant.service_principal_owners.get(id));
                let first =
                    owners.iter().take(crate::odata::EXPANDED_MAX).map(|owner| Value::Object(expand.project(owner)));
                Some(Value::Array(first.collect()))
            };
            list_expanded(world, request, items, Some(&SERVICE_PRINCIPALS), "servicePrincipals", &["owners"], owners)
        }
        ("POST", ["servicePrincipals"]) => create_service_principal(world, request),
        ("GET", ["servicePrincipals", id]) => {
            let service_principal = service_principal(world, id)?;
            entity(world, request, service_principal, &SERVICE_PRINCIPALS, "servicePrincipals")
        }
        ("PATCH", ["servicePrincipals", id]) => {
            service_principal(world, id)?;
            let body = request.json_body()?.clone();
            let object = world.tenant.service_principals.get_mut(*id).ok_or_else(|| GraphError::not_found(id))?;
            patch(object, &body, "servicePrincipal", SERVICE_PRINCIPAL_WRITABLE)?;
            Ok(Reply::no_content())
        }
        ("DELETE", ["servicePrincipals", id]) => {
            service_principal(world, id)?;
            world.tenant.delete_service_principal(id)?;
            Ok(Reply::no_content())
        }
        // --- Assignments ---
        ("GET", ["servicePrincipals", id, "appRoleAssignedTo"]) => list_assignments(world, request, id),
        ("POST", ["servicePrincipals", id, "appRoleAssignedTo"]) => assign(world, request, id),
        ("GET", ["servicePrincipals", id, "appRoleAssignedTo", assignment]) => {
            service_principal(world, id)?;
            let object = assignment_of(world, id, assignment)?.clone();
            entity(world, request, &object, &ASSIGNMENTS, &format!("servicePrincipals('{id}')/appRoleAssignedTo"))
        }
        ("DELETE", ["servicePrincipals", id, "appRoleAssignedTo", assignment]) => {
            service_principal(world, id)?;
            assignment_of(world, id, assignment)?;
            world.tenant.remove_assignment(assignment);
            Ok(Reply::no_content())
        }
        (_, [collection]) | (_, [collection, _])
            if ["applications", "servicePrincipals", "applicationTemplates"].contains(collection) =>
        {
            Err(GraphError::method_not_allowed())
        }
        (_, [_, _, other, ..]) => Err(GraphError::unknown_segment(other)),
        _ => Err(GraphError::method_not_allowed()),
    }
}

/// Instantiates a template. As in Graph, an application calling with its own identity
/// becomes an owner of what it creates (which is what lets `Application.ReadWrite.OwnedBy`
/// manage it afterwards).
fn instantiate(world: &mut World, caller: &Caller, request: &GraphRequest, id: &str) -> Result<Reply, GraphError> {
    let body = request.json_body()?;
    let display_name = required_string(body, "displayName")?;
    let (application, service_principal) = world.tenant.instantiate(id, display_name)?;
    if let Some(owner) = world.tenant.service_principal_by_app_id(&caller.client_id).map(id_of) {
        let tenant = &mut world.tenant;
        tenant.application_owners.entry(id_of(&application)).or_default().push(owner.clone());
        tenant.service_principal_owners.entry(id_of(&service_principal)).or_default().push(owner);
    }
    world.lag(&id_of(&application));
    world.lag(&id_of(&service_principal));
    let body = json!({
        "@odata.context": format!("{}/$metadata#microsoft.graph.applicationServicePrincipal", world.graph_root()),
        "application": application,
        "servicePrincipal": service_principal,
    });
    Ok(created(body))
}

fn list_assignments(world: &World, request: &GraphRequest, id: &str) -> Result<Reply, GraphError> {
    service_principal(world, id)?;
    // An app of 100,000 assignments is read in 101 pages: each page starts at its place
    // in the app's list rather than looking up every assignment before it.
    let ids = world.tenant.assignments_by_resource.get(id);
    let from = |skip: usize, after: Option<&str>| {
        let ids: Box<dyn Iterator<Item = &String>> = match (ids, after) {
            (None, _) => Box::new(std::iter::empty()),
            (Some(ids), Some(after)) => {
                use std::ops::Bound::{Excluded, Unbounded};
                Box::new(ids.range::<str, _>((Excluded(after), Unbounded)))
            }
            (Some(ids), None) => Box::new(ids.iter().skip(skip)),
        };
        ids.filter_map(|id| world.tenant.assignments.get(id)).map(Cow::Borrowed)
    };
    let context = format!("servicePrincipals('{id}')/appRoleAssignedTo");
    list_seeking(world, request, ids.map_or(0, std::collections::BTreeSet::len), from, Some(&ASSIGNMENTS), &context)
}

fn assign(world: &mut World, request: &GraphRequest, id: &str) -> Result<Reply, GraphError> {
    service_principal(world, id)?;
    let body = request.json_body()?;
    let principal_id = required_string(body, "principalId")?;
    let resource_id = required_string(body, "resourceId")?;
    let app_role_id = required_string(body, "appRoleId")?;
    for (name, value) in [("principalId", principal_id), ("resourceId", resource_id), ("appRoleId", app_role_id)] {
        if !is_guid(value) {
            return Err(GraphError::bad_request(format!(
                "Invalid value specified for property '{name}' of resource 'AppRoleAssignment'."
            )));
        }
    }
    if resource_id != id {
        return Err(GraphError::bad_request(
            "The resourceId must be the id of the service principal in the request URL.",
        ));
    }
    let assignment = world.tenant.assign(id, principal_id, app_role_id)?;
    let context = format!("servicePrincipals('{id}')/appRoleAssignedTo/$entity");
    Ok(created(with_context(assignment, world, &context)))
}

/// The owner operations, the same on applications and service principals (each has its
/// own list).
fn owners(
    world: &mut World,
    request: &GraphRequest,
    method: &str,
    collection: &str,
    id: &str,
    rest: &[&str],
) -> Result<Reply, GraphError> {
    if collection == "applications" {
        application(world, id)?;
    } else {
        service_principal(world, id)?;
    }
    fn list_of<'t>(tenant: &'t mut Tenant, collection: &str, id: &str) -> &'t mut Vec<String> {
        let lists = if collection == "applications" {
            &mut tenant.application_owners
        } else {
            &mut tenant.service_principal_owners
        };
        lists.entry(id.to_owned()).or_default()
    }
    let list_of = |tenant| list_of(tenant, collection, id);
    match (method, rest) {
        ("GET", []) => {
            let current = list_of(&mut world.tenant).clone();
            let owners = owner_objects(&world.tenant, Some(&current));
            list(world, request, owners.into_iter().map(Cow::Owned), Some(&OWNERS), "directoryObjects")
        }
        ("GET", ["$ref"]) => {
            let owners = list_of(&mut world.tenant).clone();
            Ok(owner_refs(world, Some(&owners)))
        }
        ("POST", ["$ref"]) => {
            let owner = owner_to_add(&world.tenant, request)?;
            Tenant::add_owner(list_of(&mut world.tenant), &owner)?;
            Ok(Reply::no_content())
        }
        ("DELETE", ["$ref"]) => {
            let owner = owner_in_query(request)?;
            remove_owner(list_of(&mut world.tenant), &owner)
        }
        ("DELETE", [owner, "$ref"]) => remove_owner(list_of(&mut world.tenant), owner),
        _ => Err(GraphError::method_not_allowed()),
    }
}

/// An application by id that has replicated, or 404.
fn application<'w>(world: &'w World, id: &str) -> Result<&'w Object, GraphError> {
    world.tenant.applications.get(id).filter(|_| world.visible(id)).ok_or_else(|| GraphError::not_found(id))
}

/// A service principal by id that has replicated, or 404.
pub(super) fn service_principal<'w>(world: &'w World, id: &str) -> Result<&'w Object, GraphError> {
    world.tenant.service_principals.get(id).filter(|_| world.visible(id)).ok_or_else(|| GraphError::not_found(id))
}

fn visible<'a>(world: &World, objects: impl Iterator<Item = &'a Object>) -> Vec<Cow<'a, Object>> {
    objects.filter(|object| world.visible(&id_of(object))).map(Cow::Borrowed).collect()
}

fn assignment_of<'w>(world: &'w World, resource_id: &str, id: &str) -> Result<&'w Object, GraphError> {
    world
        .tenant
        .assignments
        .get(id)
        .filter(|assignment| assignment.get("resourceId").and_then(Value::as_str) == Some(resource_id))
        .ok_or_else(|| GraphError::not_found(id))
}

fn template_object(template: &crate::tenant::AppTemplate) -> Value {
    json!({
        "id": template.id,
        "displayName": template.display_name,
        "publisher": template.publisher,
        "description": null,
        "homePageUrl": null,
        "logoUrl": null,
        "categories": [],
        "supportedProvisioningTypes": ["sync"],
        "supportedSingleSignOnModes": ["saml", "password", "notSupported"],
    })
}

fn create_service_principal(world: &mut World, request: &GraphRequest) -> Result<Reply, GraphError> {
    let body = request.json_body()?;
    let app_id = required_string(body, "appId")?.to_owned();
    let application =
        world.tenant.application_by_app_id(&app_id).cloned().ok_or_else(|| GraphError::not_found(&app_id))?;
    if world.tenant.service_principal_by_app_id(&app_id).is_some() {
        return Err(GraphError::bad_request(format!(
            "The service principal cannot be created, updated, or restored because the service principal name {app_id} is already in use."
        )));
    }
    let id = world.tenant.rng.guid();
    let display_name = application.get("displayName").and_then(Value::as_str).unwrap_or_default();
    let template_id = application.get("applicationTemplateId").and_then(Value::as_str);
    let app_roles = application.get("appRoles").cloned().unwrap_or(json!([]));
    // An app registration's own service principal: no assignment required, no tags.
    let object = Tenant::service_principal_object(&id, &app_id, template_id, display_name, app_roles, false, &[]);
    world.tenant.service_principals.insert(id.clone(), object.clone());
    world.tenant.service_principal_owners.insert(id.clone(), Vec::new());
    // An app registration's service principal gets no provisioning templates: automatic
    // provisioning needs an app instantiated from a template.
    world.tenant.synchronization.insert(id.clone(), Default::default());
    world.lag(&id);
    Ok(created(with_context(object, world, "servicePrincipals/$entity")))
}

fn owner_objects(tenant: &Tenant, owners: Option<&Vec<String>>) -> Vec<Object> {
    owners
        .into_iter()
        .flatten()
        .filter_map(|owner| tenant.directory_object(owner).map(|(_, object)| object.clone()))
        .collect()
}

fn owner_refs(world: &World, owners: Option<&Vec<String>>) -> Reply {
    let references: Vec<Value> = owners
        .into_iter()
        .flatten()
        .map(|owner| Value::String(format!("{}/directoryObjects/{owner}", world.graph_root())))
        .collect();
    Reply::json(
        200,
        json!({ "@odata.context": format!("{}/$metadata#Collection(string)", world.graph_root()), "value": references }),
    )
}

fn owner_to_add(tenant: &Tenant, request: &GraphRequest) -> Result<String, GraphError> {
    let owner = reference_id(request.json_body()?)?;
    match tenant.directory_object(&owner) {
        Some((Kind::User | Kind::ServicePrincipal, _)) => Ok(owner),
        Some(_) => Err(GraphError::bad_request("An owner must be a user or a service principal.")),
        None => Err(GraphError::not_found(&owner)),
    }
}

fn owner_in_query(request: &GraphRequest) -> Result<String, GraphError> {
    let reference = request
        .query
        .iter()
        .find(|(name, _)| name == "@id" || name == "$id")
        .map(|(_, value)| value.clone())
        .ok_or_else(|| GraphError::bad_request("The '@id' query parameter is required to remove a reference."))?;
    reference_id(&json!({ "@odata.id": reference }))
}

fn remove_owner(owners: &mut Vec<String>, owner: &str) -> Result<Reply, GraphError> {
    let before = owners.len();
    owners.retain(|existing| existing != owner);
    if owners.len() == before {
        return Err(GraphError::not_found(owner));
    }
    Ok(Reply::no_content())
}
