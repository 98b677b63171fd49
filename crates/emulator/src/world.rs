//! Everything the emulator holds at run time: the tenant, its seed, faults, the request
//! log, issued tokens and replication-lag clocks. One mutex guards it; Graph operations
//! run under it and are synchronous, so every request sees a consistent tenant.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::auth::Tokens;
use crate::faults::{Faults, RequestLog};
use crate::seed::Seed;
use crate::tenant::Tenant;
use crate::util::{Rng, digest};

pub(crate) struct World {
    pub(crate) tenant: Tenant,
    pub(crate) seed: Seed,
    pub(crate) faults: Faults,
    pub(crate) log: RequestLog,
    pub(crate) tokens: Tokens,
    /// When objects created under replication lag become readable.
    pub(crate) visible_at: HashMap<String, Instant>,
    /// Times of recent provisionOnDemand calls (Graph allows 5 per 10 s).
    pub(crate) on_demand_calls: Vec<Instant>,
    /// Ids for requests and tokens; separate from the tenant's so that reading does not
    /// change the ids of objects created later.
    pub(crate) rng: Rng,
    /// `http://host:port`, without a trailing slash.
    pub(crate) base_url: String,
    pub(crate) probe_scim: bool,
    pub(crate) state_file: Option<PathBuf>,
    /// Jobs whose cycle runs now (one at a time per job).
    pub(crate) running_cycles: std::collections::HashSet<String>,
    /// Time between cycles of a running job.
    pub(crate) cycle_interval: Duration,
}

impl World {
    /// Makes a new object readable only after the configured replication lag.
    pub(crate) fn lag(&mut self, id: &str) {
        let lag = self.faults.config.replication_lag_ms;
        if lag > 0 {
            self.visible_at.insert(id.to_owned(), Instant::now() + Duration::from_millis(lag));
        }
    }

    /// Whether an object has replicated (always, without lag).
    pub(crate) fn visible(&self, id: &str) -> bool {
        self.visible_at.get(id).is_none_or(|at| Instant::now() >= *at)
    }

    /// Where the SCIM requests for a job's base URL go: the built-in provider for a played
    /// endpoint, the target of a routed one, else the base URL itself (without the
    /// client's feature flags).
    pub(crate) fn scim_root(&self, base_url: &str) -> String {
        let key = crate::scim::normalize(base_url);
        match self.tenant.scim_endpoints.get(&key) {
            Some(endpoint) => match &endpoint.target {
                Some(target) => target.clone(),
                None => format!("{}/scim/{}", self.base_url, crate::scim::key_of(&key)),
            },
            None => key,
        }
    }

    pub(crate) fn graph_root(&self) -> String {
        format!("{}/v1.0", self.base_url)
    }

    /// Writes the tenant to the state file, when there is one: readable by its owner only,
    /// and with every secret value replaced by its digest (a running emulator holds the
    /// values in memory; a restarted one knows only the digests, which is enough to check
    /// a client secret).
    pub(crate) fn persist(&self) -> std::io::Result<()> {
        let Some(path) = &self.state_file else { return Ok(()) };
        let text =
            serde_json::to_string_pretty(&self.redacted(Redact::Sensitive, digest)).map_err(std::io::Error::other)?;
        let temporary = path.with_extension("tmp");
        write_private(&temporary, text.as_bytes())?;
        std::fs::rename(&temporary, path)
    }

    /// The tenant as JSON for tests and tools, with every secret value replaced by its
    /// SHA-256 digest (`sha256:<hex>`): a snapshot can show that the right token was saved
    /// without containing it. Client secrets are hidden.
    pub(crate) fn snapshot(&self) -> Value {
        self.redacted(Redact::Every, |_| "(hidden)".to_owned())
    }

    /// The tenant as JSON, provisioning secrets as digests (every one, or those Graph
    /// never reads back), client secrets as `client_secret` makes them.
    fn redacted(&self, which: Redact, client_secret: impl Fn(&str) -> String) -> Value {
        let mut value = serde_json::to_value(&self.tenant).unwrap_or(Value::Null);
        if let Some(synchronization) = value.get_mut("synchronization").and_then(Value::as_object_mut) {
            let secrets = synchronization
                .values_mut()
                .filter_map(|container| container.get_mut("secrets").and_then(Value::as_array_mut))
                .flatten();
            for pair in secrets.filter_map(Value::as_array_mut) {
                let sensitive = pair
                    .first()
                    .and_then(Value::as_str)
                    .is_some_and(|key| crate::tenant::SENSITIVE_SECRET_KEYS.contains(&key));
                if let Some(secret) = pair.get_mut(1).filter(|_| sensitive || which == Redact::Every)
                    && let Some(text) = secret.as_str()
                {
                    *secret = Value::String(digest(text));
                }
            }
        }
        let clients = value.get_mut("clients").and_then(Value::as_array_mut).into_iter().flatten();
        for client in clients.filter_map(Value::as_object_mut) {
            if let Some(secret) = client.get("secret").and_then(Value::as_str).map(str::to_owned) {
                client.insert("secret".to_owned(), Value::String(client_secret(&secret)));
            }
        }
        value
    }
}

/// Which provisioning settings [`World::redacted`] replaces by digests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Redact {
    /// Every value (snapshots for tests: they compare digests).
    Every,
    /// The values Graph never reads back (the state file).
    Sensitive,
}

/// Writes a file readable and writable by its owner only.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}

/// The world as the server's handlers and the provisioning engine share it: behind a
/// lock, with the HTTP client that cycles and Test Connection use.
pub(crate) struct Shared {
    pub(crate) world: Mutex<World>,
    pub(crate) http: reqwest::Client,
}

impl Shared {
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock leaves a tenant that may be half-updated; the
        // emulator is a test tool, so keep serving what is there.
        self.world.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
