//! The HTTP side of a check: Entra's requests sent to the SCIM app with the bearer token,
//! paced (at most one request per interval, so a production app is not flooded), each
//! under a timeout and all under the run's time limit. Answers keep status and body;
//! nothing here shows the token, and errors carry no headers.

use std::time::Duration;

use scimform_graph::Secret;
use scimform_scim_dialect::Request;
use serde_json::Value;
use tokio::time::Instant;

/// One request's own limit (the run's time limit may cut it shorter).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The most of an answer kept for the report.
const ANSWER_CHARS: usize = 2_000;

/// The app's answer.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    /// The body as text, cut for the report.
    pub(crate) text: String,
}

impl Answer {
    pub(crate) fn succeeded(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why no answer came.
pub(crate) enum NoAnswer {
    /// The run's time limit passed.
    TimeLimit,
    /// Connecting, sending or reading failed.
    Transport(String),
}

pub(crate) struct Client {
    http: reqwest::Client,
    root: String,
    token: Secret,
    pace: Duration,
    last: Option<Instant>,
    pub(crate) deadline: Instant,
}

impl Client {
    pub(crate) fn new(root: &str, token: Secret, pace: Duration, deadline: Instant) -> Client {
        let http = reqwest::Client::builder()
            .user_agent(concat!("scimform-scim-check/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Client { http, root: root.trim_end_matches('/').to_owned(), token, pace, last: None, deadline }
    }

    pub(crate) async fn send(&mut self, request: &Request) -> Result<Answer, NoAnswer> {
        if let Some(last) = self.last {
            tokio::time::sleep_until(last + self.pace).await;
        }
        let now = Instant::now();
        if now >= self.deadline {
            return Err(NoAnswer::TimeLimit);
        }
        self.last = Some(now);
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut builder = self
            .http
            .request(method, format!("{}{}", self.root, request.path))
            .bearer_auth(self.token.expose())
            .header("accept", "application/scim+json, application/json")
            .timeout(REQUEST_TIMEOUT.min(self.deadline - now));
        if let Some(body) = &request.body {
            builder = builder
                .header("content-type", "application/scim+json")
                .body(serde_json::to_vec(body).unwrap_or_default());
        }
        let response = builder.send().await.map_err(|error| transport(&error))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|error| transport(&error))?;
        let body = serde_json::from_slice(&bytes).ok();
        let text: String = String::from_utf8_lossy(&bytes).chars().take(ANSWER_CHARS).collect();
        Ok(Answer { status, body, text })
    }
}

/// A transport error as the report shows it: what failed, without the URL's query.
fn transport(error: &reqwest::Error) -> NoAnswer {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut message = format!("the request {kind}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    NoAnswer::Transport(message)
}
