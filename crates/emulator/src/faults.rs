//! Fault injection and the request log.
//!
//! Fault rules are set through the admin API and decide, per Graph request (and per
//! `$batch` item), whether to add latency, answer 429 with `Retry-After`, answer a 5xx,
//! or drop the connection. Every choice comes from counters and a seeded generator, so a
//! rule set applied to the same request sequence fires at the same requests every run.
//! Replication lag is a setting here too: new objects answer 404 on reads for a while.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::util::Rng;

/// The fault configuration, as the admin API takes and returns it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultConfig {
    /// Seed of the generator behind `probability` and latency jitter.
    #[serde(default)]
    pub seed: u64,
    /// For how long a newly created application, service principal or job answers 404 on
    /// reads, in milliseconds.
    #[serde(default)]
    pub replication_lag_ms: u64,
    /// Rules, checked in order; the first error-like action that fires wins, latencies add up.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
    /// Graph's throttling quotas, modelled; off when absent.
    #[serde(default)]
    pub throttling: Option<Throttling>,
}

/// Graph's identity throttling (`reference/graph/BEHAVIOUR.md`, "Throttling"), per API
/// client (app and tenant): 3,000 writes per 150 s, and 3,500 / 5,000 / 8,000 resource
/// units per 10 s for tenants of under 50 / up to 500 / more users, a read costing one
/// unit. Each `$batch` item counts on its own. A request over quota gets 429 with
/// `Retry-After` (whole seconds, at least 1) until the quota has room again. Quotas refill
/// continuously (a token bucket as large as the quota), which approximates Graph's
/// sliding windows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Throttling {
    /// Time runs this many times faster for the quotas: their windows (and so the waits)
    /// are this many times shorter, so that a benchmark of thousands of writes ends in a
    /// minute while using the quota as Graph's would be used.
    #[serde(default = "real_time")]
    pub time_scale: f64,
}

fn real_time() -> f64 {
    1.0
}

/// Graph's write quota per app and tenant, and its window in seconds.
const WRITE_QUOTA: (f64, f64) = (3000.0, 150.0);
/// The read window in seconds.
const READ_WINDOW: f64 = 10.0;

/// Resource units per read window, by tenant size.
fn read_quota(users: usize) -> f64 {
    match users {
        0..50 => 3500.0,
        50..=500 => 5000.0,
        _ => 8000.0,
    }
}

/// One client's quota: tokens left and when they were counted.
#[derive(Debug, Clone)]
struct Bucket {
    tokens: f64,
    counted: std::time::Instant,
}

/// One rule: which requests, which occurrences, what happens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// Route template with `*` wildcards, such as
    /// `POST /servicePrincipals/{id}/appRoleAssignedTo` or `GET /users*`; absent for every
    /// request.
    #[serde(default)]
    pub route: Option<String>,
    /// What to do.
    pub action: FaultAction,
    /// Fire on every Nth matching request (N, 2N, …).
    #[serde(default)]
    pub every: Option<u64>,
    /// Fire on the first N matching requests (a burst).
    #[serde(default)]
    pub first: Option<u64>,
    /// Fire on these occurrences of matching requests (1-based).
    #[serde(default)]
    pub nth: Option<Vec<u64>>,
    /// Fire with this probability (0.0–1.0). The draw is a function of the seed, the rule,
    /// the route and how many requests of that route came before: requests to other
    /// routes running at the same time do not change which requests fire.
    #[serde(default)]
    pub probability: Option<f64>,
}

/// What a firing rule does.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum FaultAction {
    /// Wait before answering.
    #[serde(rename_all = "camelCase")]
    Latency {
        /// Fixed part.
        ms: u64,
        /// Random extra, up to this many milliseconds.
        #[serde(default)]
        jitter_ms: u64,
    },
    /// 429 Too Many Requests with `Retry-After`.
    #[serde(rename_all = "camelCase")]
    Throttle {
        /// Seconds in `Retry-After`.
        #[serde(default = "one")]
        retry_after_seconds: u64,
    },
    /// A server error (500, 502, 503 or 504), with `Retry-After` on 503.
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// Close the connection without answering.
    Drop,
    /// Process the request, then close the connection without answering: the client
    /// cannot know whether it took effect (a lost response).
    LostResponse,
}

fn one() -> u64 {
    1
}

/// What the faults decided for one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Decision {
    pub(crate) delay_ms: u64,
    pub(crate) outcome: Option<Outcome>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    Throttle(u64),
    Status(u16),
    Drop,
    LostResponse,
}

impl Outcome {
    pub(crate) fn describe(&self) -> String {
        match self {
            Outcome::Throttle(seconds) => format!("throttle(retry-after={seconds})"),
            Outcome::Status(status) => format!("status({status})"),
            Outcome::Drop => "drop".to_owned(),
            Outcome::LostResponse => "lostResponse".to_owned(),
        }
    }
}

/// The key of the `occurrence`-th request of `route` under `seed` (FNV-1a of the route).
fn route_key(seed: u64, route: &str, occurrence: u64) -> u64 {
    let hash = route
        .bytes()
        .fold(0xCBF2_9CE4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3));
    hash ^ seed.rotate_left(17) ^ occurrence.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The rules in force and their counters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Faults {
    pub(crate) config: FaultConfig,
    matched: Vec<u64>,
    /// Requests seen per route (`METHOD /template`), for the probability draws.
    per_route: BTreeMap<String, u64>,
    rng: Option<Rng>,
    /// Quotas by (client, write).
    buckets: BTreeMap<(String, bool), Bucket>,
}

impl Faults {
    pub(crate) fn set(&mut self, config: FaultConfig) {
        self.matched = vec![0; config.rules.len()];
        self.per_route.clear();
        self.rng = Some(Rng::new(config.seed));
        self.buckets.clear();
        self.config = config;
    }

    /// Counts one request of `client` against its quota (when throttling is modelled):
    /// `Some(seconds)` to answer 429 with that `Retry-After`.
    pub(crate) fn over_quota(&mut self, client: &str, method: &str, users: usize) -> Option<u64> {
        let scale = self.config.throttling.as_ref()?.time_scale.max(0.001);
        let write = method != "GET";
        let (quota, window) = if write { WRITE_QUOTA } else { (read_quota(users), READ_WINDOW) };
        let rate = quota * scale / window;
        let now = std::time::Instant::now();
        let bucket = self.buckets.entry((client.to_owned(), write)).or_insert(Bucket { tokens: quota, counted: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.counted).as_secs_f64() * rate).min(quota);
        bucket.counted = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return None;
        }
        Some((((1.0 - bucket.tokens) / rate).ceil() as u64).max(1))
    }

    /// Decides for one request on `route` (`METHOD /template`).
    pub(crate) fn decide(&mut self, route: &str) -> Decision {
        let mut decision = Decision::default();
        let rng = self.rng.get_or_insert_with(|| Rng::new(0));
        let seen = self.per_route.entry(route.to_owned()).or_default();
        *seen += 1;
        let route_draw = route_key(self.config.seed, route, *seen);
        for (index, rule) in self.config.rules.iter().enumerate() {
            if !rule.route.as_deref().is_none_or(|pattern| glob(pattern, route)) {
                continue;
            }
            self.matched[index] += 1;
            let occurrence = self.matched[index];
            let fires = match (&rule.every, &rule.first, &rule.nth, &rule.probability) {
                (Some(every), _, _, _) => *every > 0 && occurrence.is_multiple_of(*every),
                (_, Some(first), _, _) => occurrence <= *first,
                (_, _, Some(nth), _) => nth.contains(&occurrence),
                (_, _, _, Some(probability)) => {
                    let draw =
                        Rng::new(route_draw ^ (index as u64).wrapping_mul(0xA24B_AED4_963E_E407)).below(1_000_000);
                    (draw as f64) < probability * 1_000_000.0
                }
                _ => true,
            };
            if !fires {
                continue;
            }
            match &rule.action {
                FaultAction::Latency { ms, jitter_ms } => {
                    decision.delay_ms += ms + if *jitter_ms > 0 { rng.below(jitter_ms + 1) } else { 0 };
                }
                FaultAction::Throttle { retry_after_seconds } => {
                    decision.outcome.get_or_insert(Outcome::Throttle(*retry_after_seconds));
                }
                FaultAction::Status { status } => {
                    decision.outcome.get_or_insert(Outcome::Status(*status));
                }
                FaultAction::Drop => {
                    decision.outcome.get_or_insert(Outcome::Drop);
                }
                FaultAction::LostResponse => {
                    decision.outcome.get_or_insert(Outcome::LostResponse);
                }
            }
        }
        decision
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (index, part) in parts.iter().enumerate() {
        if index == 0 {
            match rest.strip_prefix(part) {
                Some(after) => rest = after,
                None => return false,
            }
        } else if index == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(position) => rest = &rest[position + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// One request as the log keeps it. Bodies are never logged: they may hold secrets.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    /// Order of arrival, from 1.
    pub seq: u64,
    /// HTTP method.
    pub method: String,
    /// Route template, such as `GET /servicePrincipals/{id}`.
    pub route: String,
    /// The path as requested.
    pub path: String,
    /// The status sent (0 for a dropped connection).
    pub status: u16,
    /// Whether it was an item of a `$batch`.
    pub batch_item: bool,
    /// The fault injected, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    /// The client the request was authenticated as, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// When a top-level request arrived and was answered (for the round-trip count).
    #[serde(skip)]
    pub(crate) span: Option<(std::time::Instant, std::time::Instant)>,
}

/// Every Graph request since the last reset, and counts per route.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestLog {
    pub(crate) entries: Vec<LoggedRequest>,
}

impl RequestLog {
    pub(crate) fn record(&mut self, mut entry: LoggedRequest) {
        entry.seq = self.entries.len() as u64 + 1;
        self.entries.push(entry);
    }

    /// Sequential round trips: the longest chain of top-level requests each of which
    /// arrived after the one before it was answered (requests in flight together count
    /// once). What latency multiplies.
    pub(crate) fn round_trips(&self) -> u64 {
        let mut spans: Vec<(std::time::Instant, std::time::Instant)> =
            self.entries.iter().filter_map(|entry| entry.span).collect();
        spans.sort();
        let mut by_end: Vec<(std::time::Instant, usize)> =
            spans.iter().enumerate().map(|(index, (_, end))| (*end, index)).collect();
        by_end.sort();
        let mut depth = vec![0u64; spans.len()];
        let (mut ended, mut deepest_ended, mut deepest) = (0, 0, 0);
        for (index, (start, _)) in spans.iter().enumerate() {
            while ended < by_end.len() && by_end[ended].0 <= *start {
                deepest_ended = deepest_ended.max(depth[by_end[ended].1]);
                ended += 1;
            }
            depth[index] = deepest_ended + 1;
            deepest = deepest.max(depth[index]);
        }
        deepest
    }

    pub(crate) fn summary(&self) -> serde_json::Value {
        let mut by_route: BTreeMap<&str, u64> = BTreeMap::new();
        for entry in &self.entries {
            *by_route.entry(entry.route.as_str()).or_default() += 1;
        }
        let http_requests = self.entries.iter().filter(|entry| !entry.batch_item).count();
        serde_json::json!({
            "total": self.entries.len(),
            "httpRequests": http_requests,
            "roundTrips": self.round_trips(),
            "byRoute": by_route,
            "entries": self.entries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: serde_json::Value) -> FaultRule {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn globs() {
        assert!(glob("GET /users*", "GET /users/{id}"));
        assert!(glob(
            "* /servicePrincipals/{id}/synchronization/*",
            "POST /servicePrincipals/{id}/synchronization/jobs"
        ));
        assert!(!glob("GET /users", "GET /users/{id}"));
        assert!(glob("*", "anything"));
    }

    #[test]
    fn rules_fire_on_the_configured_occurrences() {
        let mut faults = Faults::default();
        faults.set(FaultConfig {
            seed: 3,
            replication_lag_ms: 0,
            rules: vec![
                rule(serde_json::json!({ "route": "GET /users", "every": 3, "action": { "type": "throttle", "retryAfterSeconds": 2 } })),
                rule(serde_json::json!({ "route": "POST *", "first": 2, "action": { "type": "status", "status": 503 } })),
                rule(serde_json::json!({ "route": "DELETE *", "nth": [2], "action": { "type": "drop" } })),
            ],
            throttling: None,
        });
        let outcomes: Vec<Option<Outcome>> = (0..6).map(|_| faults.decide("GET /users").outcome).collect();
        assert_eq!(outcomes, [None, None, Some(Outcome::Throttle(2)), None, None, Some(Outcome::Throttle(2))]);
        let posts: Vec<Option<Outcome>> = (0..3).map(|_| faults.decide("POST /x").outcome).collect();
        assert_eq!(posts, [Some(Outcome::Status(503)), Some(Outcome::Status(503)), None]);
        let deletes: Vec<Option<Outcome>> = (0..3).map(|_| faults.decide("DELETE /x").outcome).collect();
        assert_eq!(deletes, [None, Some(Outcome::Drop), None]);
    }

    #[test]
    fn quotas_throttle_writes_past_3000_per_window_and_refill() {
        let mut faults = Faults::default();
        faults.set(FaultConfig { throttling: Some(Throttling { time_scale: 1.0 }), ..FaultConfig::default() });
        let over = (0..3001).filter(|_| faults.over_quota("app", "POST", 10).is_some()).count();
        assert_eq!(over, 1, "the 3,001st write in a burst is throttled");
        assert_eq!(faults.over_quota("app", "DELETE", 10), Some(1), "Retry-After is at least a second");
        assert_eq!(faults.over_quota("other", "POST", 10), None, "quotas are per client");
        assert_eq!(faults.over_quota("app", "GET", 10), None, "reads have their own quota");
        // At 100× time the quota refills at 2,000 writes a second.
        faults.set(FaultConfig { throttling: Some(Throttling { time_scale: 100.0 }), ..FaultConfig::default() });
        let drained = (0..10_000).find(|_| faults.over_quota("app", "POST", 10).is_some());
        assert!(drained.is_some_and(|count| count >= 3000), "{drained:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(faults.over_quota("app", "POST", 10), None, "refilled");
        let mut off = Faults::default();
        off.set(FaultConfig::default());
        assert!((0..5000).all(|_| off.over_quota("app", "POST", 10).is_none()), "no model, no throttling");
    }

    #[test]
    fn probability_and_jitter_are_deterministic_under_a_seed() {
        let config = FaultConfig {
            seed: 42,
            replication_lag_ms: 0,
            rules: vec![
                rule(serde_json::json!({ "probability": 0.3, "action": { "type": "status", "status": 500 } })),
                rule(serde_json::json!({ "action": { "type": "latency", "ms": 10, "jitterMs": 40 } })),
            ],
            throttling: None,
        };
        let run = || {
            let mut faults = Faults::default();
            faults.set(config.clone());
            (0..50).map(|_| faults.decide("GET /users")).collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let fired = first.iter().filter(|decision| decision.outcome.is_some()).count();
        assert!((5..=25).contains(&fired), "{fired} of 50 fired at p=0.3");
        assert!(first.iter().all(|decision| (10..=50).contains(&decision.delay_ms)));
    }

    #[test]
    fn probability_draws_do_not_depend_on_other_routes_interleaved() {
        let config = FaultConfig {
            seed: 11,
            replication_lag_ms: 0,
            rules: vec![rule(serde_json::json!({ "probability": 0.5, "action": { "type": "status", "status": 503 } }))],
            throttling: None,
        };
        let fired_on_users = |other_between: usize| {
            let mut faults = Faults::default();
            faults.set(config.clone());
            (0..40)
                .map(|_| {
                    for _ in 0..other_between {
                        faults.decide("POST /$batch");
                    }
                    faults.decide("GET /users").outcome.is_some()
                })
                .collect::<Vec<_>>()
        };
        let alone = fired_on_users(0);
        assert_eq!(alone, fired_on_users(1));
        assert_eq!(alone, fired_on_users(3));
        assert!(alone.iter().any(|fired| *fired) && alone.iter().any(|fired| !*fired));
    }
}
