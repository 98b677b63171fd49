//! Runs of independent assignment writes, sent 20 to a `$batch`, several batches at
//! once, paced to Graph's write quota.
//!
//! A plan that assigns thousands of users is thousands of changes of one `Assign` (or
//! `Unassign`) step each, independent of one another. Apply sends a run of them in groups
//! of [`BATCHES_IN_FLIGHT`] `$batch`es of 20, sent together, each group waiting for a token
//! bucket that models Graph's quota per app and tenant: 3,000 writes, refilled at the
//! write rate (by default 3,000 per 150 s). The bucket starts full, so a run of up to
//! 3,000 writes goes out at the speed of the round trips; past that it holds the refill
//! rate. When Graph throttles an item anyway (other writes of the same app used the
//! quota), the burst is given up: the bucket empties and writes go at the refill rate.
//! The client retries items Graph throttled after their `Retry-After`; an item that still
//! fails, for whatever reason, is done again through the single-write path, which has the
//! whole failure policy (confirming a create whose outcome is unknown, a delete already
//! done). Nothing is decided here: the same steps run, in the plan's order, batched.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use scimform_graph::{GraphClient, MAX_BATCH, Request};
use scimform_plan::{Change, Step};

/// Graph's write quota per app and tenant: 3,000 writes per 150 s.
pub const GRAPH_WRITE_RATE: f64 = 3000.0 / 150.0;
/// How many writes the quota allows at once (its window's worth).
pub const GRAPH_WRITE_BURST: f64 = 3000.0;
/// `$batch`es sent together: four round trips of 20 writes cover the quota's refill rate
/// even at 2 s per request (40 writes a second against 20), within the client's
/// concurrency limit.
pub(crate) const BATCHES_IN_FLIGHT: usize = 4;

/// The changes at the start of `changes` that are one assignment write each.
pub(crate) fn batchable_run<'c, 'p>(changes: &'c [&'p Change]) -> &'c [&'p Change] {
    let end = changes
        .iter()
        .position(|change| !matches!(change.steps.as_slice(), [Step::Assign { .. } | Step::Unassign { .. }]))
        .unwrap_or(changes.len());
    &changes[..end]
}

/// A token bucket modelling Graph's write quota: `capacity` writes at once, refilled at
/// `rate` a second; it starts full.
pub(crate) struct Pacer {
    rate: f64,
    capacity: f64,
    tokens: f64,
    counted: Instant,
}

impl Pacer {
    /// Graph's quota with the refill at `rate` writes a second (`--write-rate`).
    pub(crate) fn new(rate: f64) -> Pacer {
        Pacer::with_capacity(rate, GRAPH_WRITE_BURST)
    }

    fn with_capacity(rate: f64, capacity: f64) -> Pacer {
        let capacity = capacity.max(MAX_BATCH as f64);
        Pacer { rate: rate.max(0.001), capacity, tokens: capacity, counted: Instant::now() }
    }

    /// Takes `writes` at `now`: how long to wait before sending them (the bucket may go
    /// into debt, which later writes wait off).
    fn reserve(&mut self, writes: usize, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.counted).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity) - writes as f64;
        self.counted = now;
        Duration::from_secs_f64((-self.tokens).max(0.0) / self.rate)
    }

    /// Graph throttled writes: the quota is used up elsewhere, so the burst is gone and
    /// writes go at the refill rate from here.
    fn throttled(&mut self) {
        self.tokens = self.tokens.min(0.0);
    }
}

/// The one bucket of a run, shared by the lanes of new apps that write at once (the
/// quota is the pipeline identity's, not an app's).
pub(crate) struct SharedPacer(Mutex<Pacer>);

impl SharedPacer {
    /// Graph's quota with the refill at `rate` writes a second (`--write-rate`).
    pub(crate) fn new(rate: f64) -> SharedPacer {
        SharedPacer(Mutex::new(Pacer::new(rate)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pacer> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits until `writes` may go out, and takes them.
    pub(crate) async fn take(&self, writes: usize) {
        let wait = self.lock().reserve(writes, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// See [`Pacer::throttled`].
    pub(crate) fn throttled(&self) {
        self.lock().throttled();
    }
}

/// Sends the buildable writes of a chunk as one `$batch` and says, per change, whether
/// Graph did it (an assignment created, or one to delete already gone). A change whose
/// request could not be built, or whose item failed, is not done: the caller takes it
/// through the single-write path.
pub(crate) async fn send_chunk(client: &GraphClient, chunk: &[&Change], requests: &[Option<Request>]) -> Vec<bool> {
    let sendable: Vec<Request> = requests.iter().flatten().cloned().collect();
    let mut answers = client.batch(&sendable).await.into_iter();
    chunk
        .iter()
        .zip(requests)
        .map(|(change, request)| {
            let answer = request.as_ref().and_then(|_| answers.next());
            match (&change.steps[0], answer) {
                (_, Some(Ok(response))) => response.status < 300,
                (Step::Unassign { .. }, Some(Err(error))) => error.is_not_found(),
                _ => false,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_bursts_its_capacity_then_holds_the_rate() {
        let start = Instant::now();
        let mut pacer = Pacer { rate: 20.0, capacity: 3000.0, tokens: 3000.0, counted: start };
        // The quota's window goes out at once, 80 writes (four batches) at a time.
        for _ in 0..37 {
            assert_eq!(pacer.reserve(80, start), Duration::ZERO);
        }
        // 2,960 taken: the next 80 wait for the 40 beyond the capacity, 2 s at 20/s.
        assert_eq!(pacer.reserve(80, start), Duration::from_secs(2));
        // Time pays the debt off; idle time never saves more than the capacity.
        let later = start + Duration::from_secs(3600);
        assert_eq!(pacer.reserve(3000, later), Duration::ZERO);
        assert_eq!(pacer.reserve(20, later), Duration::from_secs(1));
    }

    #[test]
    fn throttling_gives_the_burst_up() {
        let start = Instant::now();
        let mut pacer = Pacer { rate: 20.0, capacity: 3000.0, tokens: 3000.0, counted: start };
        assert_eq!(pacer.reserve(80, start), Duration::ZERO);
        pacer.throttled();
        assert_eq!(pacer.reserve(80, start), Duration::from_secs(4), "at the refill rate from here");
    }

    #[test]
    fn a_rate_override_keeps_the_quota_and_changes_the_refill() {
        let pacer = Pacer::new(200.0);
        assert_eq!((pacer.rate, pacer.capacity, pacer.tokens), (200.0, GRAPH_WRITE_BURST, GRAPH_WRITE_BURST));
    }
}
