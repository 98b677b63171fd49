//! Everything the emulator holds at run time: the tenant, its seed, faults, the request
//! log, issued tokens and replication-lag clocks. One mutex guards it; Graph operations
//! run under it and are synchronous, so every request sees a consistent tenant.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::Digest;

use crate::auth::Tokens;
use crate::faults::{Faults, RequestLog};
use crate::seed::Seed;
use crate::tenant::Tenant;
use crate::util::Rng;

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

    pub(crate) fn graph_root(&self) -> String {
        format!("{}/v1.0", self.base_url)
    }

    /// Writes the tenant to the state file, when there is one.
    pub(crate) fn persist(&self) -> std::io::Result<()> {
        let Some(path) = &self.state_file else { return Ok(()) };
        let text = serde_json::to_string_pretty(&self.tenant).map_err(std::io::Error::other)?;
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, text)?;
        std::fs::rename(&temporary, path)
    }

    /// The tenant as JSON for tests and tools, with every secret value replaced by its
    /// SHA-256 digest (`sha256:<hex>`): a snapshot can show that the right token was saved
    /// without containing it.
    pub(crate) fn snapshot(&self) -> Value {
        let mut value = serde_json::to_value(&self.tenant).unwrap_or(Value::Null);
        if let Some(synchronization) = value.get_mut("synchronization").and_then(Value::as_object_mut) {
            for container in synchronization.values_mut() {
                if let Some(secrets) = container.get_mut("secrets").and_then(Value::as_array_mut) {
                    for pair in secrets.iter_mut() {
                        if let Some(secret) = pair.get_mut(1)
                            && let Some(text) = secret.as_str()
                        {
                            let digest: String = sha2::Sha256::digest(text.as_bytes())
                                .iter()
                                .map(|byte| format!("{byte:02x}"))
                                .collect();
                            *secret = Value::String(format!("sha256:{digest}"));
                        }
                    }
                }
            }
        }
        if let Some(clients) = value.get_mut("clients").and_then(Value::as_array_mut) {
            for client in clients {
                if let Some(object) = client.as_object_mut()
                    && object.contains_key("secret")
                {
                    object.insert("secret".to_owned(), Value::String("(hidden)".to_owned()));
                }
            }
        }
        value
    }
}
