//! Users and groups: reads, and group membership changes (`members/$ref`), which
//! scimform never makes but tenants do every day: the provisioning engine must see users
//! join and leave groups as Entra's service does.

use std::borrow::Cow;

use serde_json::Value;

use super::common::{GraphRequest, Reply, entity, list};
use crate::error::GraphError;
use crate::odata::Filterable;
use crate::world::World;

pub(crate) const USERS: Filterable = Filterable {
    resource: "users",
    properties: &[
        ("id", &["eq", "in"]),
        ("userPrincipalName", &["eq", "ne", "in", "startsWith"]),
        ("displayName", &["eq", "ne", "in", "startsWith"]),
        ("mail", &["eq", "ne", "in", "startsWith"]),
        ("mailNickname", &["eq", "in", "startsWith"]),
        ("accountEnabled", &["eq", "ne"]),
        ("userType", &["eq", "ne", "in"]),
    ],
    selectable: &[
        "id",
        "userPrincipalName",
        "displayName",
        "mail",
        "mailNickname",
        "accountEnabled",
        "userType",
        "givenName",
        "surname",
        "jobTitle",
        "createdDateTime",
    ],
};

pub(crate) const GROUPS: Filterable = Filterable {
    resource: "groups",
    properties: &[
        ("id", &["eq", "in"]),
        ("displayName", &["eq", "ne", "in", "startsWith"]),
        ("mailNickname", &["eq", "in", "startsWith"]),
        ("securityEnabled", &["eq", "ne"]),
        ("mailEnabled", &["eq", "ne"]),
    ],
    selectable: &[
        "id",
        "displayName",
        "description",
        "mailNickname",
        "mailEnabled",
        "securityEnabled",
        "groupTypes",
        "createdDateTime",
    ],
};

/// Members are users and groups: `$select` may name properties of either.
const MEMBERS: Filterable = Filterable {
    resource: "directoryObjects",
    properties: &[],
    selectable: &[
        "id",
        "userPrincipalName",
        "displayName",
        "mail",
        "mailNickname",
        "accountEnabled",
        "userType",
        "securityEnabled",
        "mailEnabled",
        "groupTypes",
        "description",
    ],
};

/// The users a `$filter` of `userPrincipalName` or `id` by `eq` or `in` can only match,
/// in the collection's order; `None` for any other filter (a scan then).
fn looked_up<'w>(world: &'w World, request: &GraphRequest) -> Option<Vec<&'w crate::tenant::Object>> {
    use crate::odata::{CompareOp, Expr, Literal, QueryOptions};
    let options = QueryOptions::parse(&request.query, request.eventual(), Some(&USERS)).ok()?;
    let (property, values): (&str, Vec<&Literal>) = match options.filter.as_ref()? {
        Expr::In { property, values } => (property, values.iter().collect()),
        Expr::Compare { property, op: CompareOp::Eq, value } => (property, vec![value]),
        _ => return None,
    };
    let mut found: Vec<&crate::tenant::Object> = values
        .into_iter()
        .filter_map(|value| match value {
            Literal::String(text) => Some(text.as_str()),
            _ => None,
        })
        .filter_map(|text| match property {
            "userPrincipalName" => world.tenant.user_by_upn(text),
            "id" => world.tenant.users.get(text).or_else(|| world.tenant.users.get(&text.to_lowercase())),
            _ => None,
        })
        .collect();
    if !matches!(property, "userPrincipalName" | "id") {
        return None;
    }
    found.sort_by(|left, right| left.get("id").and_then(Value::as_str).cmp(&right.get("id").and_then(Value::as_str)));
    found.dedup_by(|left, right| left.get("id") == right.get("id"));
    Some(found)
}

pub(super) fn route(
    world: &mut World,
    request: &GraphRequest,
    method: &str,
    parts: &[&str],
) -> Result<Reply, GraphError> {
    match (method, parts) {
        ("POST", ["groups", group, "members", "$ref"]) => return add_member(world, request, group),
        ("DELETE", ["groups", group, "members", member, "$ref"]) => return remove_member(world, group, member),
        ("GET", _) => {}
        _ => return Err(GraphError::method_not_allowed()),
    }
    match parts {
        ["users"] => {
            // Borrowed: a tenant of many users answers a filter of 15 names copying only those;
            // a filter by UPN or id looks them up instead of scanning (the filter still runs).
            match looked_up(world, request) {
                Some(found) => list(world, request, found.into_iter().map(Cow::Borrowed), Some(&USERS), "users"),
                None => list(world, request, world.tenant.users.values().map(Cow::Borrowed), Some(&USERS), "users"),
            }
        }
        ["users", id] => {
            let user = world.tenant.user(id).ok_or_else(|| GraphError::not_found(id))?;
            entity(world, request, user, &USERS, "users")
        }
        ["groups"] => list(world, request, world.tenant.groups.values().map(Cow::Borrowed), Some(&GROUPS), "groups"),
        ["groups", id] => {
            let group = world.tenant.groups.get(*id).ok_or_else(|| GraphError::not_found(id))?;
            entity(world, request, group, &GROUPS, "groups")
        }
        ["groups", id, relation @ ("members" | "transitiveMembers"), rest @ ..] => {
            if !world.tenant.groups.contains_key(*id) {
                return Err(GraphError::not_found(id));
            }
            let ids = if *relation == "members" {
                world.tenant.members.get(*id).cloned().unwrap_or_default()
            } else {
                world.tenant.transitive_members(id)
            };
            let cast = match rest {
                [] => None,
                ["microsoft.graph.group"] => Some("#microsoft.graph.group"),
                ["microsoft.graph.user"] => Some("#microsoft.graph.user"),
                [other, ..] => return Err(GraphError::unknown_segment(other)),
            };
            let members = ids
                .iter()
                .filter_map(|member| world.tenant.directory_object(member).map(|(_, object)| Cow::Borrowed(object)))
                .filter(|object| {
                    cast.is_none_or(|wanted| object.get("@odata.type").and_then(Value::as_str) == Some(wanted))
                });
            list(world, request, members, Some(&MEMBERS), "directoryObjects")
        }
        [_, _, other, ..] => Err(GraphError::unknown_segment(other)),
        _ => Err(GraphError::unknown_segment(parts.last().copied().unwrap_or_default())),
    }
}

/// `POST /groups/{id}/members/$ref`: a user or group joins. Graph refuses a member that
/// is there already (400) and an object that does not exist (404).
fn add_member(world: &mut World, request: &GraphRequest, group: &str) -> Result<Reply, GraphError> {
    if !world.tenant.groups.contains_key(group) {
        return Err(GraphError::not_found(group));
    }
    let member = super::common::reference_id(request.json_body()?)?;
    if !world.tenant.users.contains_key(&member) && !world.tenant.groups.contains_key(&member) {
        return Err(GraphError::not_found(&member));
    }
    let members = world.tenant.members.entry(group.to_owned()).or_default();
    if members.contains(&member) {
        return Err(GraphError::bad_request(
            "One or more added object references already exist for the following modified properties: 'members'.",
        ));
    }
    members.push(member);
    Ok(Reply::no_content())
}

/// `DELETE /groups/{id}/members/{member}/$ref`: a member leaves; 404 when it is not one.
fn remove_member(world: &mut World, group: &str, member: &str) -> Result<Reply, GraphError> {
    let members = world.tenant.members.get_mut(group).ok_or_else(|| GraphError::not_found(group))?;
    let before = members.len();
    members.retain(|id| id != member);
    if members.len() == before {
        return Err(GraphError::not_found(member));
    }
    Ok(Reply::no_content())
}
