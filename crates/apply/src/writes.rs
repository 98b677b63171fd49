//! Runs of independent assignment writes, sent 20 to a `$batch` and paced to Graph's
//! write quota.
//!
//! A plan that assigns thousands of users is thousands of changes of one `Assign` (or
//! `Unassign`) step each, independent of one another. Apply sends a run of them in
//! `$batch`es of 20, one batch after the other, each waiting for a token bucket that
//! refills at the write rate (by default Graph's quota per app and tenant, 3,000 writes
//! per 150 s), so that a large apply uses the quota without being throttled. Graph answers
//! each item on its own: the client retries items it throttled after their `Retry-After`;
//! an item that still fails, for whatever reason, is done again through the single-write
//! path, which has the whole failure policy (confirming a create whose outcome is
//! unknown, a delete already done). Nothing is decided here: the same steps run, in the
//! plan's order, batched.

use std::time::{Duration, Instant};

use scimform_graph::{GraphClient, MAX_BATCH, Request};
use scimform_plan::{Change, Step};

/// Graph's write quota per app and tenant: 3,000 writes per 150 s.
pub const GRAPH_WRITE_RATE: f64 = 3000.0 / 150.0;

/// The changes at the start of `changes` that are one assignment write each.
pub(crate) fn batchable_run(changes: &[Change]) -> &[Change] {
    let end = changes
        .iter()
        .position(|change| !matches!(change.steps.as_slice(), [Step::Assign { .. } | Step::Unassign { .. }]))
        .unwrap_or(changes.len());
    &changes[..end]
}

/// A token bucket of one batch: writes go out at `rate` a second, at most a batch at once.
pub(crate) struct Pacer {
    rate: f64,
    tokens: f64,
    counted: Instant,
}

impl Pacer {
    pub(crate) fn new(rate: f64) -> Pacer {
        Pacer { rate: rate.max(0.001), tokens: MAX_BATCH as f64, counted: Instant::now() }
    }

    /// Takes `writes` at `now`: how long to wait before sending them (the bucket may go
    /// into debt, which later writes wait off).
    fn reserve(&mut self, writes: usize, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.counted).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(MAX_BATCH as f64) - writes as f64;
        self.counted = now;
        Duration::from_secs_f64((-self.tokens).max(0.0) / self.rate)
    }

    /// Waits until `writes` may go out, and takes them.
    pub(crate) async fn take(&mut self, writes: usize) {
        let wait = self.reserve(writes, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Sends the buildable writes of a chunk as one `$batch` and says, per change, whether
/// Graph did it (an assignment created, or one to delete already gone). A change whose
/// request could not be built, or whose item failed, is not done: the caller takes it
/// through the single-write path.
pub(crate) async fn send_chunk(client: &GraphClient, chunk: &[Change], requests: &[Option<Request>]) -> Vec<bool> {
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
    fn the_pacer_holds_the_rate_after_one_batch() {
        let start = Instant::now();
        let mut pacer = Pacer { rate: 20.0, tokens: 20.0, counted: start };
        // The first batch goes at once; each next one waits a second's worth of writes.
        assert_eq!(pacer.reserve(20, start), Duration::ZERO);
        assert_eq!(pacer.reserve(20, start), Duration::from_secs(1));
        assert_eq!(pacer.reserve(20, start), Duration::from_secs(2));
        // Time that passed pays the debt off; idle time never saves more than a batch.
        let later = start + Duration::from_secs(60);
        assert_eq!(pacer.reserve(20, later), Duration::ZERO);
        assert_eq!(pacer.reserve(10, later), Duration::from_millis(500));
    }
}
