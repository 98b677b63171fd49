//! The Graph API surface: one request in, one reply out, synchronously, under the world
//! lock. HTTP concerns (bodies, headers, faults, dropping connections) stay in
//! `server.rs`; `$batch` calls [`dispatch`] for each of its items, so an item behaves
//! exactly like the same request sent alone.
//!
//! Routing is by path segments, after resolving alternate keys
//! (`servicePrincipals(appId='…')`) and the long action names (`microsoft.graph.start`).

mod applications;
mod audit;
pub(crate) mod batch;
mod common;
mod directory;
pub(crate) mod synchronization;

pub(crate) use common::{GraphRequest, Reply};
pub(crate) use synchronization::credentials_to_test as synchronization_credentials;

use serde_json::Value;

use crate::auth::Caller;
use crate::error::GraphError;
use crate::util::percent_decode;
use crate::world::World;

/// Bound actions Graph also accepts with the `microsoft.graph.` namespace.
const ACTIONS: &[&str] = &["start", "pause", "restart", "validateCredentials", "provisionOnDemand", "instantiate"];

/// Splits a path into decoded segments, with long action names shortened.
pub(crate) fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| percent_decode(segment, false))
        .map(|segment| match segment.strip_prefix("microsoft.graph.") {
            Some(action) if ACTIONS.contains(&action) => action.to_owned(),
            _ => segment,
        })
        .collect()
}

/// `GET /servicePrincipals/{id}/synchronization/jobs` for logs and fault rules, with the
/// route templates of the Graph reference (shared with the client, so the two agree).
pub(crate) fn route_template(method: &str, path: &str) -> String {
    let segments = segments(path);
    format!("{method} {}", scimform_graph_reference::template_of(segments.iter().map(String::as_str)))
}

/// Runs one Graph request.
pub(crate) fn dispatch(world: &mut World, caller: &Caller, request: &GraphRequest, request_id: &str) -> Reply {
    match route(world, caller, request) {
        Ok(reply) => reply,
        Err(error) => Reply::error(&error, request_id, request.header("client-request-id")),
    }
}

fn route(world: &mut World, caller: &Caller, request: &GraphRequest) -> Result<Reply, GraphError> {
    let mut segments = segments(&request.path);
    resolve_alternate_key(world, &mut segments)?;
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method.as_str();
    authorize(world, caller, method, &parts)?;
    match parts.first().copied() {
        Some("users" | "groups") => directory::route(world, request, method, &parts),
        Some("applications" | "servicePrincipals" | "applicationTemplates") => match parts.get(2).copied() {
            Some("synchronization") => synchronization::route(world, request, method, &parts),
            _ => applications::route(world, caller, request, method, &parts),
        },
        Some("auditLogs") => audit::route(world, request, method, &parts),
        Some("$batch") => Err(GraphError::bad_request("A $batch request cannot be nested in a batch.")),
        Some(other) => Err(GraphError::unknown_segment(other)),
        None => Err(GraphError::unknown_segment("")),
    }
}

/// `servicePrincipals(appId='…')` → `servicePrincipals/{id}`.
fn resolve_alternate_key(world: &World, segments: &mut Vec<String>) -> Result<(), GraphError> {
    let Some(first) = segments.first().cloned() else { return Ok(()) };
    let Some((collection, rest)) = first.split_once("(appId=") else { return Ok(()) };
    let app_id = rest.trim_end_matches(')').trim_matches('\'');
    let object = match collection {
        "servicePrincipals" => world.tenant.service_principal_by_app_id(app_id),
        "applications" => world.tenant.application_by_app_id(app_id),
        _ => return Err(GraphError::unknown_segment(&first)),
    };
    let id = object
        .and_then(|object| object.get("id").and_then(Value::as_str))
        .filter(|id| world.visible(id))
        .ok_or_else(|| GraphError::not_found(app_id))?
        .to_owned();
    segments.splice(0..1, [collection.to_owned(), id]);
    Ok(())
}

// --- Permissions --------------------------------------------------------------------------

const READ_USERS: &[&str] = &["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
const READ_GROUPS: &[&str] =
    &["Group.Read.All", "Group.ReadWrite.All", "GroupMember.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"];
const READ_APPS: &[&str] = &[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const WRITE_APPS: &[&str] = &["Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.ReadWrite.All"];
const READ_SYNC: &[&str] = &[
    "Synchronization.Read.All",
    "Synchronization.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Application.ReadWrite.All",
];
const WRITE_SYNC: &[&str] =
    &["Synchronization.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"];
const WRITE_ASSIGNMENTS: &[&str] = &["AppRoleAssignment.ReadWrite.All"];
const WRITE_MEMBERS: &[&str] = &["GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"];
const READ_AUDIT: &[&str] = &["AuditLog.Read.All"];

/// Checks the caller's application permissions for a request, as Graph does: 403
/// `Authorization_RequestDenied`, except the synchronization endpoints, which answer 401
/// `UnknownError` with an empty message (a known Graph quirk).
fn authorize(world: &World, caller: &Caller, method: &str, parts: &[&str]) -> Result<(), GraphError> {
    let read = method == "GET";
    let sync = parts.get(2) == Some(&"synchronization");
    let mut needed: Vec<&[&str]> = Vec::new();
    match parts.first().copied() {
        Some("users") => needed.push(READ_USERS),
        Some("groups") if read => needed.push(READ_GROUPS),
        Some("groups") => needed.push(WRITE_MEMBERS),
        // Anyone signed in may read the gallery; instantiating writes an application.
        Some("applicationTemplates") if !read => needed.push(WRITE_APPS),
        Some("applications" | "servicePrincipals") if sync => needed.push(if read { READ_SYNC } else { WRITE_SYNC }),
        Some("applications" | "servicePrincipals") if parts.get(2) == Some(&"appRoleAssignedTo") => {
            if read {
                needed.push(READ_APPS);
            } else {
                needed.push(WRITE_ASSIGNMENTS);
                if method == "POST" {
                    // Without a read permission on applications the create is refused.
                    needed.push(READ_APPS);
                }
            }
        }
        Some("applications" | "servicePrincipals") => needed.push(if read { READ_APPS } else { WRITE_APPS }),
        Some("auditLogs") => needed.push(READ_AUDIT),
        _ => {}
    }
    let granted = needed.iter().all(|any_of| caller.has_any(any_of));
    if granted && !needs_ownership(world, caller, &needed, parts) {
        return Ok(());
    }
    if sync {
        return Err(GraphError::new(401, "UnknownError", ""));
    }
    Err(GraphError::new(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."))
}

/// Whether the caller is allowed a write only through `Application.ReadWrite.OwnedBy`
/// and does not own the object addressed: Graph limits that permission to applications
/// and service principals the calling application owns. Creating (no object addressed)
/// needs no ownership.
fn needs_ownership(world: &World, caller: &Caller, needed: &[&[&str]], parts: &[&str]) -> bool {
    const OWNED_BY: &str = "Application.ReadWrite.OwnedBy";
    let only_owned_by = needed.iter().any(|any_of| {
        any_of.contains(&OWNED_BY)
            && !any_of.iter().any(|permission| *permission != OWNED_BY && caller.has_any(&[permission]))
    });
    let (Some(collection), Some(id)) = (parts.first(), parts.get(1)) else { return false };
    if !only_owned_by || !matches!(*collection, "applications" | "servicePrincipals") {
        return false;
    }
    let Some(caller_id) =
        world.tenant.service_principal_by_app_id(&caller.client_id).and_then(|sp| sp.get("id")).and_then(Value::as_str)
    else {
        return true;
    };
    let owns =
        |owners: Option<&Vec<String>>| owners.is_some_and(|owners| owners.iter().any(|owner| owner == caller_id));
    let tenant = &world.tenant;
    let (application, service_principal) = match *collection {
        "applications" => (Some(id.to_string()), tenant.service_principal_of_application(id)),
        _ => (tenant.application_of_service_principal(id), Some(id.to_string())),
    };
    !(owns(application.as_ref().and_then(|id| tenant.application_owners.get(id)))
        || owns(service_principal.as_ref().and_then(|id| tenant.service_principal_owners.get(id))))
}
