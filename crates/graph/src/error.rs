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
    #[error("{method} {route}: gave up after {attempts} attempts and {waited:?} of waiting")]
    RetriesExhausted {
        /// HTTP method.
        method: String,
        /// Route template.
        route: String,
        /// Attempts made.
        attempts: u32,
        /// Time spent waiting between them.
        waited: Duration,
        /// The last failure.
        #[source]
        last: Box<Error>,
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

    /// Whether trying again later may succeed: throttling (429), service unavailable (503),
    /// gateway timeout (504), and transport failures.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } => matches!(status, 429 | 503 | 504),
            Error::Transport { .. } => true,
            _ => false,
        }
    }

    /// Whether the object addressed does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Graph's answer to assigning what is already assigned.
    pub fn is_duplicate_assignment(&self) -> bool {
        matches!(self, Error::Api { status: 400, message, .. } if message.contains("already exists"))
    }

    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The Graph permission a route most likely lacks when Graph answers 401 or 403, in the
/// least-privilege set documented in README.md.
pub(crate) fn permission_hint(method: &str, route: &str) -> Option<String> {
    let read = method == "GET";
    let needed = if route.starts_with("/users") {
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
