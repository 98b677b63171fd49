//! `GET /auditLogs/provisioning`: the provisioning logs the engine writes, one
//! `provisioningObjectSummary` per object a cycle acted on, newest first
//! (`reference/scim/ENTRA-SCIM-CLIENT.md` §6).
//!
//! This operation is beyond the cut of `reference/graph/` (the brief's Graph subset); its
//! shape follows the provisioning facts in `reference/scim/`. Filterable: `jobId`,
//! `cycleId`, `changeId`, `provisioningAction` (`eq`) and `activityDateTime` (`ge`, `le`);
//! paged with `$top` and absolute `@odata.nextLink`s. Needs `AuditLog.Read.All`.

use std::borrow::Cow;

use super::common::{GraphRequest, Reply, list};
use crate::error::GraphError;
use crate::odata::Filterable;
use crate::world::World;

const LOGS: Filterable = Filterable {
    resource: "provisioningObjectSummary",
    properties: &[
        ("id", &["eq"]),
        ("jobId", &["eq"]),
        ("cycleId", &["eq"]),
        ("changeId", &["eq"]),
        ("provisioningAction", &["eq"]),
        ("activityDateTime", &["ge", "le"]),
    ],
    selectable: &[
        "id",
        "activityDateTime",
        "tenantId",
        "jobId",
        "cycleId",
        "changeId",
        "provisioningAction",
        "durationInMilliseconds",
        "initiatedBy",
        "servicePrincipal",
        "sourceSystem",
        "targetSystem",
        "sourceIdentity",
        "targetIdentity",
        "modifiedProperties",
        "provisioningSteps",
        "provisioningStatusInfo",
    ],
};

pub(super) fn route(world: &World, request: &GraphRequest, method: &str, parts: &[&str]) -> Result<Reply, GraphError> {
    match (method, parts) {
        ("GET", ["auditLogs", "provisioning"]) => {
            let rows = world.tenant.provisioning_logs.iter().rev().filter_map(|row| row.as_object().map(Cow::Borrowed));
            list(world, request, rows, Some(&LOGS), "auditLogs/provisioning")
        }
        (_, ["auditLogs", "provisioning"]) => Err(GraphError::method_not_allowed()),
        (_, ["auditLogs", other, ..]) => Err(GraphError::unknown_segment(other)),
        _ => Err(GraphError::unknown_segment(parts.get(1).copied().unwrap_or_default())),
    }
}
