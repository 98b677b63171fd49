//! Which Microsoft Graph to talk to, and as whom: the real one (national clouds, endpoint
//! overrides, credentials from the environment), or the embedded emulator.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use scimform_graph::{Cloud, Config, Credential, Endpoints, Environment, GraphClient};

use crate::cli::{CloudArg, TargetArgs};

/// Where the embedded emulator keeps its tenant between runs, relative to the working
/// directory, so that `plan`, `apply`, `plan` in a row see one tenant.
pub(crate) const EMULATOR_STATE: &str = ".scimform/emulator-state.json";

/// A connected target. Holding it keeps an embedded emulator running.
pub(crate) struct Target {
    pub(crate) client: GraphClient,
    pub(crate) description: String,
    emulator: Option<scimform_emulator::Running>,
}

impl Target {
    /// Stops an embedded emulator, if there is one.
    pub(crate) async fn close(self) {
        if let Some(emulator) = self.emulator {
            emulator.shutdown().await;
        }
    }
}

fn cloud(argument: CloudArg) -> Cloud {
    match argument {
        CloudArg::Global => Cloud::Global,
        CloudArg::UsGov => Cloud::UsGovernment,
        CloudArg::China => Cloud::China,
    }
}

/// Connects to the target the arguments name. Must run inside the tokio runtime.
/// The time limit of a command that reads Graph, unless `--timeout` says otherwise: a
/// plan of hundreds of apps takes seconds; a Graph that hangs should fail a pipeline in
/// minutes, not after nested retries run on for ten.
pub(crate) const READ_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// The time limit of `apply`: creating hundreds of apps under Graph's write quota takes
/// tens of minutes.
pub(crate) const APPLY_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// Connects, with the time limit `--timeout` or [`READ_TIMEOUT`] (apply sets its own).
pub(crate) async fn connect(args: &TargetArgs) -> anyhow::Result<Target> {
    let target = connect_unlimited(args).await?;
    target.client.set_time_limit(Some(args.timeout.unwrap_or(READ_TIMEOUT)));
    Ok(target)
}

async fn connect_unlimited(args: &TargetArgs) -> anyhow::Result<Target> {
    let config = Config { concurrency: args.concurrency.max(1), ..Config::standard() };
    if args.emulator {
        let seed = scimform_emulator::Seed::from_json(scimform_emulator::DEMO_TENANT)
            .context("the built-in demo tenant is broken")?;
        let client_seed = seed
            .clients
            .iter()
            .find(|client| client.secret.is_some())
            .cloned()
            .context("the demo tenant has no API client")?;
        let state_file = PathBuf::from(EMULATOR_STATE);
        if let Some(directory) = state_file.parent() {
            crate::files::private_directory(directory)
                .with_context(|| format!("cannot create `{}` for the emulator's state", directory.display()))?;
        }
        let options = scimform_emulator::Options {
            seed,
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            state_file: Some(state_file.clone()),
            probe_scim: false,
            // Graph's own schedule: a started job's first cycle runs at once (at the
            // latest when the command ends), the next ones 40 minutes later.
            schedule: scimform_emulator::Schedule::graph(),
            scim_targets: Vec::new(),
        };
        let running = scimform_emulator::start(options).await.context("cannot start the embedded emulator")?;
        let endpoints = Endpoints::new(Cloud::Global, Some(&running.graph_url()), Some(running.authority_url()))?;
        let credential = Credential::ClientSecret {
            tenant_id: running.tenant_id().to_owned(),
            client_id: client_seed.client_id,
            secret: scimform_graph::Secret::new(client_seed.secret.unwrap_or_default()),
        };
        let description = format!("the embedded emulator (demo tenant, state in {})", state_file.display());
        return Ok(Target {
            client: GraphClient::new(endpoints, credential, config),
            description,
            emulator: Some(running),
        });
    }
    let endpoints = Endpoints::new(cloud(args.cloud), args.graph_url.as_deref(), args.authority_url.as_deref())
        .context("the Graph or authority URL cannot be used")?;
    let credential = Credential::from_environment(&Environment::from_process())?;
    let description = format!("{} as {}", endpoints.graph, credential.describe());
    Ok(Target { client: GraphClient::new(endpoints, credential, config), description, emulator: None })
}
