//! Apply's one retry and idempotence helper, acting on the Graph error's [`Failure`]
//! classification (the failure policy lives there, not here).
//!
//! [`Retrier::run`] repeats an operation while its failure says "try again" (within one
//! time budget, with capped exponential pauses, honouring `Retry-After`), and turns the
//! failures that mean "already so" into success:
//!
//! | failure | read / update | create | delete |
//! | --- | --- | --- | --- |
//! | retry after a wait | again | again | again |
//! | not found | again while the object may be replicating, else fail | fail | done |
//! | outcome unknown | (never) | [`Outcome::Unconfirmed`]: the caller confirms by reading | (never) |
//! | permission, fatal | fail at once | fail at once | fail at once |
//!
//! Sign-in and decode errors are "permission" and "fatal": they fail at once with their
//! cause, never spend the budget. **One retry layer**: what the Graph client already
//! retried to its bounds, or stopped at the run's time limit ([`Error::retries_spent`]),
//! is not retried again here (nested, 8 attempts became 120 under an error naming 8); this
//! layer retries what the client may not (a throttled create, which only the failure
//! policy knows was not processed) and waits out replication. Its pauses are jittered.

use std::future::Future;
use std::time::Duration;

// tokio's clock: the same instants as std's in a run, and a clock tests can pause.
use tokio::time::Instant;

use scimform_graph::{Error, Failure, Intent};

/// What came of an operation that did not fail.
#[derive(Debug)]
pub(crate) enum Outcome<T> {
    /// It succeeded and answered this.
    Done(T),
    /// It was already so (a delete of what is gone).
    AlreadyDone,
    /// A create may or may not have happened (its answer was lost, or Graph refused it as a
    /// possible duplicate): the caller must confirm by reading. Holds the failure, for when
    /// the reading shows it did not happen.
    Unconfirmed(Error),
}

/// Repeats operations within a time budget.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retrier {
    /// The longest one operation may take, waits included.
    pub(crate) budget: Duration,
    /// The run's time limit (`--timeout`), past which no wait may end.
    pub(crate) limit: Option<Instant>,
}

/// How an operation treats "not found".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Object {
    /// The object exists for certain: a 404 is an answer.
    Settled,
    /// The object was just created and may not have replicated: a 404 means "not yet".
    Fresh,
}

impl Retrier {
    /// Runs `operation` of `intent` until it succeeds, is already done, needs confirming,
    /// or fails for good. `on_wait` is called before the first pause, with the failure.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        intent: Intent,
        object: Object,
        mut on_wait: impl FnMut(&Error),
        operation: F,
    ) -> Result<Outcome<T>, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let deadline = self.limit.map_or(Instant::now() + self.budget, |limit| limit.min(Instant::now() + self.budget));
        let mut pause = Duration::from_millis(100);
        let mut waited = false;
        loop {
            let error = match operation().await {
                Ok(value) => return Ok(Outcome::Done(value)),
                Err(error) if error.retries_spent() => return Err(error),
                Err(error) => error,
            };
            let after = match error.failure(intent) {
                Failure::AlreadyDone => return Ok(Outcome::AlreadyDone),
                Failure::Unknown if intent == Intent::Create => return Ok(Outcome::Unconfirmed(error)),
                Failure::Retry { after } => after,
                Failure::NotFound if object == Object::Fresh => None,
                Failure::Unknown => None,
                Failure::NotFound | Failure::Permission | Failure::Fatal => return Err(error),
            };
            let wait = after.unwrap_or_else(|| scimform_graph::jittered(pause));
            if Instant::now() + wait > deadline {
                return Err(error);
            }
            if !waited {
                on_wait(&error);
                waited = true;
            }
            tokio::time::sleep(wait).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn api(status: u16) -> Error {
        Error::Api {
            method: "POST".to_owned(),
            route: "/servicePrincipals/{id}/appRoleAssignedTo".to_owned(),
            status,
            code: String::new(),
            message: String::new(),
            request_id: String::new(),
            retry_after: Some(Duration::from_millis(1)),
            hint: None,
        }
    }

    fn decode_error() -> Error {
        let source = serde_json::from_str::<u8>("not a number").unwrap_err();
        Error::Decode { method: "GET".to_owned(), route: "/users".to_owned(), source }
    }

    /// Runs an operation that fails with `errors` in turn, then succeeds; returns the
    /// outcome and how many attempts it took.
    async fn attempt(intent: Intent, object: Object, errors: Vec<Error>) -> (Result<Outcome<()>, Error>, u32) {
        let attempts = AtomicU32::new(0);
        let errors = std::sync::Mutex::new(errors.into_iter());
        let retrier = Retrier { budget: Duration::from_secs(2), limit: None };
        let outcome = retrier
            .run(
                intent,
                object,
                |_| {},
                || {
                    attempts.fetch_add(1, Ordering::SeqCst);
                    let next = errors.lock().unwrap().next();
                    async move { next.map_or(Ok(()), Err) }
                },
            )
            .await;
        (outcome, attempts.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn transient_failures_are_retried() {
        let (outcome, attempts) = attempt(Intent::Update, Object::Settled, vec![api(503), api(429), api(500)]).await;
        assert!(matches!(outcome, Ok(Outcome::Done(()))));
        assert_eq!(attempts, 4);
    }

    #[tokio::test]
    async fn decode_and_permission_failures_fail_at_once() {
        let (outcome, attempts) = attempt(Intent::Read, Object::Fresh, vec![decode_error()]).await;
        assert!(matches!(outcome, Err(Error::Decode { .. })));
        assert_eq!(attempts, 1);
        let (outcome, attempts) = attempt(Intent::Update, Object::Settled, vec![api(403)]).await;
        assert!(matches!(outcome, Err(Error::Api { status: 403, .. })));
        assert_eq!(attempts, 1);
    }

    #[tokio::test]
    async fn a_missing_object_is_done_for_a_delete_awaited_when_fresh_and_an_error_otherwise() {
        let (outcome, attempts) = attempt(Intent::Delete, Object::Settled, vec![api(404)]).await;
        assert!(matches!(outcome, Ok(Outcome::AlreadyDone)));
        assert_eq!(attempts, 1);
        let (outcome, attempts) = attempt(Intent::Update, Object::Fresh, vec![api(404), api(404)]).await;
        assert!(matches!(outcome, Ok(Outcome::Done(()))));
        assert_eq!(attempts, 3);
        let (outcome, _) = attempt(Intent::Update, Object::Settled, vec![api(404)]).await;
        assert!(matches!(outcome, Err(error) if error.is_not_found()));
    }

    #[tokio::test]
    async fn a_create_that_may_have_happened_is_left_to_confirm_never_repeated() {
        for error in [api(503), api(400), api(409)] {
            let (outcome, attempts) = attempt(Intent::Create, Object::Settled, vec![error]).await;
            assert!(matches!(outcome, Ok(Outcome::Unconfirmed(_))));
            assert_eq!(attempts, 1);
        }
        let (outcome, attempts) = attempt(Intent::Create, Object::Settled, vec![api(429)]).await;
        assert!(matches!(outcome, Ok(Outcome::Done(()))), "a throttled create was not processed: sent again");
        assert_eq!(attempts, 2);
    }

    #[tokio::test]
    async fn what_the_client_retried_to_its_bounds_is_not_retried_again() {
        let spent = Error::RetriesExhausted {
            method: "GET".to_owned(),
            route: "/users".to_owned(),
            attempts: 8,
            waited: Duration::from_secs(7),
            elapsed: Duration::from_secs(9),
            last: Box::new(api(503)),
        };
        let (outcome, attempts) = attempt(Intent::Read, Object::Settled, vec![spent]).await;
        assert!(matches!(outcome, Err(Error::RetriesExhausted { attempts: 8, .. })));
        assert_eq!(attempts, 1, "one retry layer");
    }

    #[tokio::test(start_paused = true)]
    async fn no_wait_ends_past_the_time_limit() {
        let retrier =
            Retrier { budget: Duration::from_secs(60), limit: Some(Instant::now() + Duration::from_millis(200)) };
        let started = Instant::now();
        let outcome: Result<Outcome<()>, Error> =
            retrier.run(Intent::Read, Object::Fresh, |_| {}, || async { Err(api(404)) }).await;
        assert!(matches!(outcome, Err(error) if error.is_not_found()));
        // The paused clock advances only by the retrier's own waits.
        assert!(started.elapsed() <= Duration::from_millis(200), "{:?}", started.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_bounds_the_waiting() {
        let retrier = Retrier { budget: Duration::from_millis(300), limit: None };
        let started = Instant::now();
        let outcome: Result<Outcome<()>, Error> =
            retrier.run(Intent::Read, Object::Fresh, |_| {}, || async { Err(api(404)) }).await;
        assert!(matches!(outcome, Err(error) if error.is_not_found()));
        assert!(started.elapsed() <= Duration::from_millis(300), "{:?}", started.elapsed());
    }
}
