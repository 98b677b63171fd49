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
//! cause, never spend the budget.

use std::future::Future;
use std::time::{Duration, Instant};

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
        let deadline = Instant::now() + self.budget;
        let mut pause = Duration::from_millis(100);
        let mut waited = false;
        loop {
            let error = match operation().await {
                Ok(value) => return Ok(Outcome::Done(value)),
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
            let wait = after.unwrap_or(pause);
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
