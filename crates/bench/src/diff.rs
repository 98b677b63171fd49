//! The planner alone: one app with N assignments, desired and live alike (a plan with no
//! changes), diffed in this process. Run in a child process of its own so that its peak
//! RSS is the diff's.

use std::collections::BTreeMap;
use std::time::Instant;

use scimform_plan::state::{
    Desired, DesiredApp, DesiredAssignment, DesiredAssignments, Live, LiveApp, LiveAssignment, Principal,
    PrincipalKind, Role, Roles,
};

/// What the diff took.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DiffUsage {
    /// Assignments diffed.
    pub(crate) assignments: usize,
    /// CPU seconds of the diff (single-threaded: its wall time).
    pub(crate) cpu_s: f64,
    /// Peak RSS of the process, MiB (inputs included).
    pub(crate) peak_rss_mib: f64,
    /// Changes planned (0: the inputs agree).
    pub(crate) changes: usize,
}

/// Builds the inputs, diffs them, reports.
pub(crate) fn run(assignments: usize) -> DiffUsage {
    let principals: Vec<Principal> = (0..assignments)
        .map(|index| Principal {
            id: format!("u-{index:07}"),
            kind: PrincipalKind::User,
            label: crate::tenant::upn(index),
        })
        .collect();
    let roles = Roles(vec![Role { id: "r-user".to_owned(), name: "User".to_owned() }]);
    let desired_app = DesiredApp {
        display_name: "Bench".to_owned(),
        template_id: scimform_spec::model::NON_GALLERY_TEMPLATE_ID.to_owned(),
        non_gallery: true,
        owners: None,
        provisioning: None,
        assignments: Some(DesiredAssignments {
            exact: true,
            entries: principals
                .iter()
                .map(|principal| DesiredAssignment {
                    principal: principal.clone(),
                    role: Some("User".to_owned()),
                    location: None,
                })
                .collect(),
        }),
        nested_groups: BTreeMap::new(),
        adopt: None,
        location: None,
        ignore_warnings: Vec::new(),
    };
    let live_app = LiveApp {
        service_principal_id: "sp".to_owned(),
        app_id: "app".to_owned(),
        display_name: "Bench".to_owned(),
        template_id: Some(scimform_spec::model::NON_GALLERY_TEMPLATE_ID.to_owned()),
        tags: scimform_plan::marker_tags("bench", scimform_plan::DEFAULT_STACK),
        stack: scimform_plan::DEFAULT_STACK.to_owned(),
        roles,
        owners: Vec::new(),
        job: None,
        settings: Default::default(),
        assignments: principals
            .iter()
            .rev()
            .enumerate()
            .map(|(index, principal)| LiveAssignment {
                id: format!("a-{index}"),
                principal: principal.clone(),
                role_id: "r-user".to_owned(),
            })
            .collect(),
        schema: None,
    };
    let desired = Desired { apps: BTreeMap::from([("bench".to_owned(), desired_app)]) };
    let live = Live { apps: BTreeMap::from([("bench".to_owned(), live_app)]), ..Live::default() };
    let started = Instant::now();
    let plan = scimform_plan::plan(&desired, &live, &scimform_plan::Options::standard());
    let cpu_s = started.elapsed().as_secs_f64();
    DiffUsage { assignments, cpu_s, peak_rss_mib: crate::measure::own().1, changes: plan.changes.len() }
}
