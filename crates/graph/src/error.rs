//! Errors from Graph and from getting there, with what a person needs to act on them.
//!
//! No variant holds a token, a client secret or a request body: errors end up in logs and
//! CI output.

use std::time::Duration;

/// Whether a failed request may have taken effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The request never reached Graph (connection refused, DNS): nothing happened.
    NotSent,
    /// The request may have been processed (timeout, reset after sending): a create must be
    /// re-checked by reading, not repeated blindly.
    Unknown,
}

/// A Graph client error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Graph answered with an error.
    #[error("{method} {route} failed: {status} {code}: {message} (request-id {request_id}){}", hint.as_ref().map(|hint| format!("; {hint}")).unwrap_or_default())]
    Api {
        /// HTTP method.
        method: String,
        /// Route template (`/servicePrincipals/{id}/synchronization/jobs`).
        route: String,
        /// HTTP status.
        status: u16,
        /// Graph's error code (`Request_ResourceNotFound`), possibly empty.
        code: String,
        /// Graph's message.
        message: String,
        /// The `request-id` Graph assigned, for support cases.
        request_id: String,
        /// How long Graph asked us to wait.
        retry_after: Option<Duration>,
        /// What to do about it (the permission likely missing, for 401/403).
        hint: Option<String>,
    },
    /// Graph could not be reached, or the connection broke.
    #[error("{method} {route}: could not reach Microsoft Graph")]
    Transport {
        /// HTTP method.
        method: String,
        /// Route template.
        route: String,
        /// Whether it may have taken effect.
        delivery: Delivery,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// Retrying did not help within the bounds.
    #[error(
        "{method} {route}: gave up after {attempts} attempts in {:.1} s ({:.1} s of it waiting between them)",
        elapsed.as_secs_f64(),
        waited.as_secs_f64()
    )]
    RetriesExhausted {
        /// HTTP method.
        method: String,
        /// Route template.
        route: String,
        /// Attempts made.
        attempts: u32,
        /// Time spent waiting between them.
        waited: Duration,
        /// Time from the first attempt to giving up, attempts included.
        elapsed: Duration,
        /// The last failure.
        #[source]
        last: Box<Error>,
    },
    /// The run's time limit (`--timeout`) was reached: the request was not sent, or its
    /// attempt was cut short, or the wait Graph asked for would end after the limit.
    #[error(
        "{method} {route}: stopped at the run's time limit ({limit:.0?} after the run began); raise --timeout, or run again later"
    )]
    Deadline {
        /// HTTP method.
        method: String,
        /// Route template.
        route: String,
        /// The time limit, from the run's start.
        limit: Duration,
    },
    /// A body Graph sent does not have the shape we expect.
    #[error("{method} {route}: unexpected response body")]
    Decode {
        /// HTTP method.
        method: String,
        /// Route template.
        route: String,
        /// Why it does not fit.
        #[source]
        source: serde_json::Error,
    },
    /// Signing in failed.
    #[error("cannot get an access token for Microsoft Graph")]
    Auth(#[source] crate::auth::AuthError),
    /// Graph's next link pointed at another host; the token is never sent there.
    #[error("{route}: Graph returned a next link to another host; refusing to send the token there")]
    ForeignNextLink {
        /// Route template of the list being paged.
        route: String,
    },
    /// The `$batch` carrying this request failed as a whole.
    #[error("{method} {route}: the $batch carrying this request failed")]
    Batch {
        /// HTTP method of the item.
        method: String,
        /// Route template of the item.
        route: String,
        /// Why the batch failed.
        #[source]
        source: std::sync::Arc<Error>,
    },
    /// Graph's `$batch` answer has no response for this request.
    #[error("{method} {route}: Graph's $batch answer has no response for this request")]
    MissingBatchResponse {
        /// HTTP method of the item.
        method: String,
        /// Route template of the item.
        route: String,
    },
}

/// What an operation is, which decides what its failures mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// A read.
    Read,
    /// A write that sets a value or runs an idempotent action: doing it twice is doing it once.
    Update,
    /// A create, or an action that must not be repeated blindly (`start`).
    Create,
    /// A delete.
    Delete,
}

/// What a failure means for the operation that met it: scimform's failure policy, in one
/// place. The client's own retries and apply's idempotence helper both act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Try again after a wait (`after`, when Graph said how long): Graph did not act
    /// (429, no connection), or acting twice is acting once (a read or update after a 5xx,
    /// a timeout or a reset).
    Retry {
        /// Graph's `Retry-After`.
        after: Option<Duration>,
    },
    /// What was asked is already so: a 404 on a delete.
    AlreadyDone,
    /// It may or may not have happened: a create whose answer was lost (5xx, timeout,
    /// reset), or that Graph refused as a possible duplicate (400, 409). Confirm by
    /// reading; Graph tells duplicates apart only in message text, which is not a contract.
    Unknown,
    /// The object is not there (or not yet: replication lag after a create).
    NotFound,
    /// Sign-in failed, or a permission or ownership is missing: fail at once.
    Permission,
    /// Anything else (a bad request, a body that cannot be read): fail at once.
    Fatal,
}

impl Error {
    /// The HTTP status, when Graph answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::RetriesExhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// Graph's error code, when Graph answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => Some(code),
            Error::RetriesExhausted { last, .. } => last.code(),
            _ => None,
        }
    }

    /// What this failure means for an operation of `intent` (see [`Failure`]).
    pub fn failure(&self, intent: Intent) -> Failure {
        match self {
            Error::Api { status, retry_after, .. } => match (*status, intent) {
                (401 | 403, _) => Failure::Permission,
                (404, Intent::Delete) => Failure::AlreadyDone,
                (404, _) => Failure::NotFound,
                (429, _) => Failure::Retry { after: *retry_after },
                (500 | 502 | 503 | 504 | 400 | 409, Intent::Create) => Failure::Unknown,
                (500 | 502 | 503 | 504, _) => Failure::Retry { after: *retry_after },
                _ => Failure::Fatal,
            },
            Error::Transport { delivery: Delivery::NotSent, .. } => Failure::Retry { after: None },
            Error::Transport { delivery: Delivery::Unknown, .. } if intent == Intent::Create => Failure::Unknown,
            Error::Transport { .. } => Failure::Retry { after: None },
            Error::RetriesExhausted { last, .. } => last.failure(intent),
            Error::Batch { source, .. } => source.failure(intent),
            Error::Auth(_) => Failure::Permission,
            Error::Decode { .. }
            | Error::ForeignNextLink { .. }
            | Error::MissingBatchResponse { .. }
            | Error::Deadline { .. } => Failure::Fatal,
        }
    }

    /// Whether the client already retried this failure as far as its bounds allow (or
    /// the time limit stopped it): the caller must not retry it again, or retries nest
    /// (8 attempts, each repeated for minutes, under an error that names only 8).
    pub fn retries_spent(&self) -> bool {
        match self {
            Error::RetriesExhausted { .. } | Error::Deadline { .. } => true,
            Error::Batch { source, .. } => source.retries_spent(),
            _ => false,
        }
    }

    /// Whether the object addressed does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

/// The Graph permission a route most likely lacks when Graph answers 401 or 403, in the
/// least-privilege set documented in README.md.
pub(crate) fn permission_hint(method: &str, route: &str) -> Option<String> {
    let read = method == "GET";
    let needed = if route.starts_with("/auditLogs") {
        "AuditLog.Read.All"
    } else if route.starts_with("/users") {
        "User.Read.All"
    } else if route.starts_with("/groups") {
        "Group.Read.All"
    } else if route.contains("/synchronization") {
        if read {
            "Synchronization.Read.All (or Synchronization.ReadWrite.All)"
        } else {
            "Synchronization.ReadWrite.All"
        }
    } else if route.contains("/appRoleAssignedTo") {
        match method {
            "POST" => "AppRoleAssignment.ReadWrite.All together with Application.Read.All",
            "DELETE" => "AppRoleAssignment.ReadWrite.All",
            _ => "Application.Read.All",
        }
    } else if route.contains("/instantiate") {
        "Application.ReadWrite.OwnedBy (or Application.ReadWrite.All)"
    } else if route.starts_with("/applications") || route.starts_with("/servicePrincipals") {
        if read { "Application.Read.All" } else { "Application.ReadWrite.OwnedBy (or Application.ReadWrite.All)" }
    } else {
        return None;
    };
    Some(format!(
        "the signed-in application probably lacks the Microsoft Graph application permission {needed} \
         (grant it with admin consent; with Application.ReadWrite.OwnedBy, the application must also own the app)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_the_least_privileged_permission() {
        assert!(
            permission_hint("POST", "/servicePrincipals/{id}/appRoleAssignedTo")
                .unwrap()
                .contains("AppRoleAssignment.ReadWrite.All together with Application.Read.All")
        );
        assert!(
            permission_hint("POST", "/servicePrincipals/{id}/synchronization/jobs/{id}/start")
                .unwrap()
                .contains("Synchronization.ReadWrite.All")
        );
        assert!(permission_hint("GET", "/groups").unwrap().contains("Group.Read.All"));
        assert!(permission_hint("PATCH", "/servicePrincipals/{id}").unwrap().contains("Application.ReadWrite.OwnedBy"));
    }
}
