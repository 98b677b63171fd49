//! A faithful local Microsoft Graph for SCIM provisioning apps.
//!
//! It serves, over real HTTP on loopback, the Graph v1.0 operations listed in
//! `graph/operations.tsv` of the project's shared reference, with Graph's behaviour:
//! the OData error envelope and codes, paging with absolute `@odata.nextLink`s, a
//! `$filter`/`$select`/`$top`/`$count` subset that refuses what it does not support,
//! `$batch`, secrets masked on read, template instantiation, provisioning jobs and their
//! status codes, the duplicate-assignment error, and a token endpoint that checks client
//! secrets and signed client assertions. Faults (latency, 429 with `Retry-After`, 5xx,
//! dropped connections, replication lag) are injected through an admin API under
//! `/_admin`, deterministically.
//!
//! Layout, in floors (a module names modules on its floor or below, never above; the
//! tidy test `modules_stand_in_floors_without_circles` checks it):
//!
//! Floors: util, error → faults, scim, mappings, engine_state → tenant → auth, odata, seed → world → provisioning → graph → server
//!
//! - `util`: ids, timestamps, secret digests; `error`: Graph's error envelope.
//! - `faults`: fault rules and the request log; `scim`: the built-in SCIM service provider
//!   (its endpoints are tenant state); `mappings`: the synchronization schema (defaults,
//!   PUT validation, object mappings); `engine_state`: what the provisioning service
//!   remembers of a job between cycles.
//! - `tenant`: the objects and Graph's rules about them.
//! - `auth`: tokens issued and checked; `odata`: query options; `seed`: tenants as JSON.
//! - `world`: a tenant with its faults, tokens and settings, and `Shared`, the world behind
//!   its lock.
//! - `provisioning`: Entra's provisioning service played (cycles, status, on-demand).
//! - `graph`: requests mapped onto the world (`common` the request and reply, `mod.rs`
//!   the router and permissions, one module per resource family, `batch`).
//! - `server`: HTTP: bodies, headers, faults, dropped connections, the admin API.
//!
//! Architecture invariant: the emulator models Graph, not scimform. Of scimform's crates
//! it depends only on the shared reference ones (`graph-reference`, `mapping`,
//! `scim-dialect`: Graph's, the mapping language's and Entra's SCIM client's own
//! behaviour), and nothing in it knows what the reconciler expects.

mod auth;
mod engine_state;
mod error;
mod faults;
mod graph;
mod mappings;
mod odata;
mod provisioning;
mod scim;
mod seed;
mod server;
mod tenant;
mod util;
mod world;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub use auth::certificate_thumbprint;
pub use faults::{FaultAction, FaultConfig, FaultRule, LoggedRequest, Throttling};
pub use provisioning::Schedule;
pub use scim::Quirk;
pub use seed::{
    ScimEndpoint, Seed, SeedApp, SeedAssignment, SeedError, SeedGroup, SeedProvisioning, SeedSecret, SeedUser,
};
pub use tenant::{AppTemplate, Client, FederatedCredential, NON_GALLERY_TEMPLATE_ID, SyncTemplateDef};

/// The demo tenant that ships in `examples/` and matches the example specs.
pub const DEMO_TENANT: &str = include_str!("../../../examples/demo-tenant.json");

/// How to run an emulator.
#[derive(Debug, Clone)]
pub struct Options {
    /// The tenant to start from (and to return to on reset).
    pub seed: Seed,
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// A file that keeps the tenant across runs: read at start when it exists, written
    /// after every change.
    pub state_file: Option<PathBuf>,
    /// Make Test Connection (validateCredentials) really call the SCIM endpoint.
    pub probe_scim: bool,
    /// When provisioning cycles run by themselves.
    pub schedule: Schedule,
    /// SCIM base URLs to route to other SCIM servers: (base URL, the server's SCIM root).
    pub scim_targets: Vec<(String, String)>,
}

impl Options {
    /// Options for a test: the given seed, a free loopback port, nothing persisted.
    pub fn for_tests(seed: Seed) -> Options {
        Options {
            seed,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_file: None,
            probe_scim: false,
            schedule: Schedule::manual(),
            scim_targets: Vec::new(),
        }
    }
}

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The seed describes an impossible tenant.
    #[error("cannot build the tenant from its seed")]
    Seed(#[source] SeedError),
    /// The state file exists but cannot be used.
    #[error("cannot read the emulator state file `{path}`; delete it to start from the seed again")]
    StateFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The address cannot be listened on.
    #[error("cannot listen on {address}")]
    Listen {
        /// The address.
        address: SocketAddr,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
}

/// A running emulator. Dropping it does not stop the server; call [`Running::shutdown`].
pub struct Running {
    base_url: String,
    tenant_id: String,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    /// The scheduler and its own stop signal: it stops first, while the server still
    /// serves the SCIM requests of its last cycles.
    scheduler: Option<(tokio::sync::watch::Sender<bool>, tokio::task::JoinHandle<()>)>,
}

impl Running {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Graph's root: `http://127.0.0.1:PORT/v1.0`.
    pub fn graph_url(&self) -> String {
        format!("{}/v1.0", self.base_url)
    }

    /// The authority host for token requests (`{authority}/{tenant}/oauth2/v2.0/token`).
    pub fn authority_url(&self) -> &str {
        &self.base_url
    }

    /// The token endpoint of the seeded tenant.
    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.base_url, self.tenant_id)
    }

    /// The admin API root.
    pub fn admin_url(&self) -> String {
        format!("{}/_admin", self.base_url)
    }

    /// The seeded tenant's id.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// Runs the provisioning cycles that are due (a job started just before gets its
    /// initial cycle), then stops accepting connections and waits for the accept loop to
    /// end.
    pub async fn shutdown(self) {
        if let Some((stop, scheduler)) = self.scheduler {
            let _ = stop.send(true);
            let _ = scheduler.await;
        }
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }

    /// Waits until the server stops (it stops only through [`Running::shutdown`]).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Starts an emulator on the current tokio runtime.
pub async fn start(options: Options) -> Result<Running, Error> {
    let tenant = match &options.state_file {
        Some(path) if path.exists() => {
            let text =
                std::fs::read_to_string(path).map_err(|source| Error::StateFile { path: path.clone(), source })?;
            serde_json::from_str(&text)
                .map_err(|error| Error::StateFile { path: path.clone(), source: std::io::Error::other(error) })?
        }
        _ => options.seed.build().map_err(Error::Seed)?,
    };
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|source| Error::Listen { address: options.listen, source })?;
    let address = listener.local_addr().map_err(|source| Error::Listen { address: options.listen, source })?;
    let base_url = server::base_url(address);
    let mut tenant: tenant::Tenant = tenant;
    tenant.reindex();
    for (base, target) in &options.scim_targets {
        tenant.set_scim_endpoint(base, None, Some(target), Default::default());
    }
    let tenant_id = tenant.tenant_id.clone();
    let world = world::World {
        rng: util::Rng::new(options.seed.rng_seed ^ 0x5eed),
        tenant,
        seed: options.seed,
        faults: faults::Faults::default(),
        log: faults::RequestLog::default(),
        tokens: auth::Tokens::default(),
        visible_at: Default::default(),
        on_demand_calls: Vec::new(),
        base_url: base_url.clone(),
        probe_scim: options.probe_scim,
        state_file: options.state_file,
        running_cycles: Default::default(),
        cycle_interval: options.schedule.interval,
    };
    world
        .persist()
        .map_err(|source| Error::StateFile { path: world.state_file.clone().unwrap_or_default(), source })?;
    let shared = Arc::new(world::Shared {
        world: Mutex::new(world),
        http: reqwest::Client::builder().build().unwrap_or_default(),
    });
    let (shutdown, receiver) = tokio::sync::watch::channel(false);
    let scheduler = options.schedule.enabled.then(|| {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        (stop, tokio::spawn(provisioning::scheduler(shared.clone(), stopped)))
    });
    let task = tokio::spawn(server::serve(listener, server::router(shared), receiver));
    Ok(Running { base_url, tenant_id, shutdown, task, scheduler })
}
