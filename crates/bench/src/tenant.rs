//! Generated tenants and their specs: N managed apps, each with an owner, M user and a
//! few group assignments drawn from K users, and a provisioning job whose settings and token
//! fingerprint match the spec, so that a plan of the specs shows no changes.

use std::path::Path;

use scimform_emulator::{Seed, SeedApp, SeedAssignment, SeedGroup, SeedProvisioning, SeedSecret, SeedUser};

/// The SCIM token every generated app's spec reads from `BENCH_SCIM_TOKEN`.
pub(crate) const TOKEN: &str = "bench-scim-token-0000";
/// Group assignments per app (besides the users).
pub(crate) const GROUPS_PER_APP: usize = 3;
const GROUPS: usize = 10;

/// The shape of a generated tenant.
#[derive(Debug, Clone, Copy, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Shape {
    /// Managed apps.
    pub(crate) apps: usize,
    /// User assignments per app.
    pub(crate) assignments: usize,
    /// Users in the tenant.
    pub(crate) users: usize,
}

pub(crate) fn upn(index: usize) -> String {
    format!("user{index:06}@bench.example")
}

fn group_name(index: usize) -> String {
    format!("Bench Group {index:02}")
}

pub(crate) fn app_name(index: usize) -> String {
    format!("bench-{index:04}")
}

/// The users app `app` assigns.
fn assigned_users(shape: Shape, app: usize) -> impl Iterator<Item = usize> {
    (0..shape.assignments.min(shape.users)).map(move |slot| (app * 7919 + slot) % shape.users)
}

/// The user who owns app `app` (besides the pipeline, which made it), as its spec says.
fn owner_of(shape: Shape, app: usize) -> usize {
    app % shape.users
}

fn assigned_groups(app: usize) -> impl Iterator<Item = usize> {
    (0..GROUPS_PER_APP).map(move |slot| (app + slot) % GROUPS)
}

/// The tenant: the demo tenant's API clients, K users, ten groups, N managed apps, each
/// with the fingerprint tag `fingerprint_tags[app]` (one salt per app, as apply makes them).
pub(crate) fn seed(shape: Shape, fingerprint_tags: &[String]) -> anyhow::Result<Seed> {
    let mut seed = Seed::from_json(scimform_emulator::DEMO_TENANT)?;
    seed.apps.clear();
    seed.scim_endpoints.clear();
    seed.users =
        (0..shape.users).map(|index| SeedUser { user_principal_name: upn(index), ..SeedUser::default() }).collect();
    seed.groups = (0..GROUPS)
        .map(|index| SeedGroup {
            id: None,
            display_name: group_name(index),
            members: (0..5).map(|member| upn((index * 5 + member) % shape.users)).collect(),
            security_enabled: true,
        })
        .collect();
    let pipeline = seed.clients[0].display_name.clone();
    seed.apps = (0..shape.apps)
        .map(|app| {
            let name = app_name(app);
            let mut assignments: Vec<SeedAssignment> = assigned_users(shape, app)
                .map(|user| SeedAssignment { principal: upn(user), role: "User".to_owned() })
                .collect();
            assignments.extend(
                assigned_groups(app)
                    .map(|group| SeedAssignment { principal: group_name(group), role: "User".to_owned() }),
            );
            let secret = |key: &str, value: String| SeedSecret { key: key.to_owned(), value };
            SeedApp {
                display_name: format!("Bench App {app:04}"),
                template_id: None,
                tags: vec![
                    "scimform:managed".to_owned(),
                    format!("scimform:name={name}"),
                    fingerprint_tags[app].clone(),
                ],
                notes: None,
                owners: vec![pipeline.clone(), upn(owner_of(shape, app))],
                assignments,
                provisioning: Some(SeedProvisioning {
                    template_id: None,
                    secrets: vec![
                        secret("BaseAddress", format!("https://{name}.bench.example/scim")),
                        secret("SecretToken", TOKEN.to_owned()),
                        secret("SyncAll", "false".to_owned()),
                    ],
                    state: Some("Active".to_owned()),
                }),
            }
        })
        .collect();
    Ok(seed)
}

/// User assignments one spec file lists: past this, an app's users go on in
/// `AppAssignments` files of their own (a file holds at most 1 MiB).
const USERS_PER_FILE: usize = 20_000;

/// One spec file per app, in `directory` (and for an app of more than
/// [`USERS_PER_FILE`] users, `AppAssignments` files with the rest).
pub(crate) fn write_specs(shape: Shape, directory: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(directory)?;
    let listed = |upns: &[String]| upns.iter().map(|upn| format!("    - {upn}\n")).collect::<String>();
    for app in 0..shape.apps {
        let name = app_name(app);
        let users: Vec<String> = assigned_users(shape, app).map(upn).collect();
        let groups: Vec<String> = assigned_groups(app).map(group_name).collect();
        let mut chunks = users.chunks(USERS_PER_FILE);
        let text = format!(
            "apiVersion: scimform/v1\nkind: ProvisioningApp\nname: {name}\ndisplayName: Bench App {app:04}\n\
             owners: [{}]\n\
             provisioning:\n  status: on\n  credentials:\n    baseUrl: https://{name}.bench.example/scim\n    \
             token: {{ fromEnv: BENCH_SCIM_TOKEN }}\n  scope: assigned\n\
             assignments:\n  users:\n{}  groups: [{}]\n",
            upn(owner_of(shape, app)),
            chunks.next().map(listed).unwrap_or_default(),
            groups.join(", ")
        );
        std::fs::write(directory.join(format!("{name}.yaml")), text)?;
        for (part, chunk) in chunks.enumerate() {
            let text = format!(
                "apiVersion: scimform/v1\nkind: AppAssignments\napp: {name}\nusers:\n{}",
                listed(chunk).replace("    - ", "  - ")
            );
            std::fs::write(directory.join(format!("{name}-users-{}.yaml", part + 1)), text)?;
        }
    }
    Ok(())
}

/// The apply section's tenant: K users and one managed app with a job and no assignments.
pub(crate) fn apply_seed(users: usize, fingerprint_tag: &str) -> anyhow::Result<Seed> {
    let mut seed = seed(Shape { apps: 1, assignments: 0, users }, &[fingerprint_tag.to_owned()])?;
    seed.groups.clear();
    seed.apps[0].assignments.clear();
    Ok(seed)
}

/// The apply section's spec: that app, assigning every user.
pub(crate) fn write_apply_spec(users: usize, directory: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(directory)?;
    let name = app_name(0);
    let text = format!(
        "apiVersion: scimform/v1\nkind: ProvisioningApp\nname: {name}\ndisplayName: Bench App 0000\n\
         provisioning:\n  status: on\n  credentials:\n    baseUrl: https://{name}.bench.example/scim\n    \
         token: {{ fromEnv: BENCH_SCIM_TOKEN }}\n  scope: assigned\nassignments:\n  users:\n{}",
        (0..users).map(|user| format!("    - {}\n", upn(user))).collect::<String>()
    );
    std::fs::write(directory.join(format!("{name}.yaml")), text)?;
    Ok(())
}
