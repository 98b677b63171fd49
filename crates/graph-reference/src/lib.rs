//! Microsoft Graph's reference data for the operations scimform uses, compiled in from
//! `reference/graph/operations.tsv`, and the route templates derived from it.
//!
//! A route template is a request path with its ids replaced by `{id}` and its query and
//! host dropped (`/servicePrincipals/{id}/synchronization/jobs/{id}/start`): what logs,
//! errors and fault rules name instead of a path full of ids. The Graph client and the
//! emulator both take their templates from here, so they cannot drift apart: a segment is
//! a name (kept) when the operation table has it as a literal segment, or it is one of the
//! OData segments below; anything else is an id.

use std::sync::LazyLock;

/// The operation table, as committed.
pub const OPERATIONS_TSV: &str = include_str!("../../../reference/graph/operations.tsv");

/// Segments Graph serves that are not operations of the table: JSON batching, and the
/// directory-object references that owner bodies name.
const ODATA_SEGMENTS: &[&str] = &["$batch", "directoryObjects"];

/// Type casts (`microsoft.graph.group`) and namespaced action names
/// (`microsoft.graph.start`) are names too.
const NAMESPACE: &str = "microsoft.graph.";

/// One operation of the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// HTTP method.
    pub method: &'static str,
    /// Path template as the reference writes it (`/servicePrincipals/{servicePrincipal-id}`).
    pub path: &'static str,
    /// The OpenAPI operationId.
    pub operation_id: &'static str,
    /// Documented success status.
    pub success_status: u16,
}

impl Operation {
    /// The path as a route template (`{…-id}` placeholders become `{id}`).
    pub fn route(&self) -> String {
        route_template(self.path)
    }
}

/// Every operation of the reference, in table order.
pub fn operations() -> &'static [Operation] {
    static OPERATIONS: LazyLock<Vec<Operation>> = LazyLock::new(|| {
        OPERATIONS_TSV
            .lines()
            .skip(1)
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let columns: Vec<&str> = line.split('\t').collect();
                Operation {
                    method: columns[0],
                    path: columns[1],
                    operation_id: columns[2],
                    success_status: columns[5].parse().expect("success statuses in the table are numbers"),
                }
            })
            .collect()
    });
    &OPERATIONS
}

/// Literal segments of the operation table.
fn table_literals() -> &'static [&'static str] {
    static LITERALS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        let mut literals: Vec<&str> = operations()
            .iter()
            .flat_map(|operation| operation.path.split('/'))
            .filter(|segment| !segment.is_empty() && !segment.starts_with('{') && !segment.contains('('))
            .collect();
        literals.sort_unstable();
        literals.dedup();
        literals
    });
    &LITERALS
}

/// Names of the one route the client calls beyond the table's cut: `GET
/// /auditLogs/provisioning` (the provisioning logs, shaped after `reference/scim/`), so
/// that its template reads as such in messages and logs rather than `/{id}/{id}`.
const BEYOND_THE_CUT: [&str; 2] = ["auditLogs", "provisioning"];

/// Whether a path segment is a name rather than an id.
pub fn is_literal(segment: &str) -> bool {
    segment.starts_with(NAMESPACE)
        || ODATA_SEGMENTS.contains(&segment)
        || BEYOND_THE_CUT.contains(&segment)
        || table_literals().contains(&segment)
}

/// The template of a path's segments (already split, and decoded where the caller
/// decodes): names kept, alternate keys as `(appId={appId})`, ids as `{id}`.
pub fn template_of<'a>(segments: impl IntoIterator<Item = &'a str>) -> String {
    let mut template = String::new();
    for segment in segments.into_iter().filter(|segment| !segment.is_empty()) {
        template.push('/');
        if let Some((collection, _)) = segment.split_once("(appId=") {
            template.push_str(collection);
            template.push_str("(appId={appId})");
        } else if is_literal(segment) {
            template.push_str(segment);
        } else {
            template.push_str("{id}");
        }
    }
    if template.is_empty() {
        template.push('/');
    }
    template
}

/// The route template of a request path: query dropped, an absolute URL (a next link)
/// cut to the part below the version root.
pub fn route_template(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    let path = match path.find("/v1.0/") {
        Some(index) if path.starts_with("http") => &path[index + 5..],
        _ => path,
    };
    template_of(path.split('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provisioning_logs_route_has_its_template() {
        assert_eq!(route_template("/auditLogs/provisioning?$filter=jobId eq 'x'"), "/auditLogs/provisioning");
    }

    #[test]
    fn the_table_is_read_whole() {
        assert!(operations().len() > 50);
        assert!(operations().iter().all(|operation| operation.path.starts_with('/')));
    }

    #[test]
    fn every_operation_of_the_table_has_its_own_template() {
        for operation in operations() {
            let expected: String = operation
                .path
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        "{id}".to_owned()
                    } else if let Some((collection, _)) = segment.split_once("(appId=") {
                        format!("{collection}(appId={{appId}})")
                    } else {
                        segment.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            assert_eq!(operation.route(), expected, "{}", operation.operation_id);
        }
    }

    #[test]
    fn ids_names_and_next_links() {
        assert_eq!(
            route_template("/servicePrincipals/abc-123/synchronization/jobs/scim.x.y/start"),
            "/servicePrincipals/{id}/synchronization/jobs/{id}/start"
        );
        assert_eq!(route_template("https://graph.microsoft.com/v1.0/users?$skiptoken=x"), "/users");
        assert_eq!(route_template("/servicePrincipals(appId='x')"), "/servicePrincipals(appId={appId})");
        assert_eq!(
            route_template("/groups/g1/members/microsoft.graph.group"),
            "/groups/{id}/members/microsoft.graph.group"
        );
        assert_eq!(route_template("/$batch"), "/$batch");
        assert_eq!(route_template(""), "/");
    }
}
