//! The one send path: every Graph request goes through [`GraphClient::send`].
//!
//! It adds the bearer token, a `client-request-id`, the timeout; bounds concurrency;
//! counts the request; retries what is safe to retry with capped, jittered exponential
//! backoff that honours `Retry-After`, within a bounded total wait; and turns failures
//! into [`Error`]s that carry status, code, message and request-id (never a token).
//!
//! What is safe to retry ([`Retry`]):
//! - Everything may be retried after 429 (Graph did not process a throttled request) and
//!   after a connection that was never made.
//! - Reads, PUTs of a whole value, PATCHes with the desired value, DELETEs and idempotent
//!   actions (pause, restart, validateCredentials) may also be retried after 503, 504, a
//!   timeout or a reset: doing them twice is doing them once.
//! - Creates (instantiate, new job, new assignment, new owner) and `start` are not retried
//!   after a failure that may have been processed: the caller re-checks by reading (apply
//!   does), because repeating could make a duplicate or restart a running job.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use backon::{ExponentialBuilder, Retryable};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::auth::{Credential, TokenSource};
use crate::cloud::Endpoints;
use crate::error::{Delivery, Error, Failure, Intent, permission_hint};
use crate::models::Page;

/// Most requests in one `$batch`.
pub const MAX_BATCH: usize = 20;
/// Largest page Graph serves.
pub const MAX_PAGE: usize = 999;

/// Tuning of the client.
#[derive(Debug, Clone)]
pub struct Config {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Timeout of one attempt.
    pub timeout: Duration,
    /// Attempts per request, first included.
    pub max_attempts: u32,
    /// Total time one request may spend waiting between attempts.
    pub max_total_wait: Duration,
    /// First backoff.
    pub min_backoff: Duration,
    /// Longest backoff (a longer `Retry-After` is honoured within `max_total_wait`).
    pub max_backoff: Duration,
}

impl Config {
    /// The defaults: 4 in flight, 60 s per attempt, 8 attempts, 2 minutes of waiting.
    pub fn standard() -> Config {
        Config {
            concurrency: 4,
            timeout: Duration::from_secs(60),
            max_attempts: 8,
            max_total_wait: Duration::from_secs(120),
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// How a request may be retried (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Doing it twice is doing it once.
    Idempotent,
    /// Only when Graph certainly did not process it (429, no connection).
    IfNotProcessed,
}

/// A request, before sending. Its `Debug` leaves the body out: bodies may carry secrets
/// (a SCIM token on its way to `…/synchronization/secrets`).
#[derive(Clone)]
pub struct Request {
    /// HTTP method.
    pub method: &'static str,
    /// Path below the Graph root with its query (`/users?$select=id`), or an absolute
    /// `@odata.nextLink`.
    pub path: String,
    /// JSON body.
    pub body: Option<Value>,
    /// Retry class.
    pub retry: Retry,
    /// Send `ConsistencyLevel: eventual` (advanced queries).
    pub eventual: bool,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Request")
            .field("method", &self.method)
            .field("route", &route_template(&self.path))
            .field("body", &self.body.as_ref().map(|_| "(not shown)"))
            .field("retry", &self.retry)
            .finish()
    }
}

impl Request {
    /// A GET.
    pub fn get(path: impl Into<String>) -> Request {
        Request { method: "GET", path: path.into(), body: None, retry: Retry::Idempotent, eventual: false }
    }

    /// A request with a method, body and retry class.
    pub fn new(method: &'static str, path: impl Into<String>, body: Option<Value>, retry: Retry) -> Request {
        Request { method, path: path.into(), body, retry, eventual: false }
    }
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// JSON body, when there is one (and it is not `raw`).
    pub body: Option<Value>,
    /// The body as JSON text, not parsed yet: how `$batch` items come, so that a batch of
    /// list reads is decoded straight into its models.
    pub raw: Option<Box<serde_json::value::RawValue>>,
}

impl Response {
    /// A response with a parsed body.
    pub fn json(status: u16, body: Option<Value>) -> Response {
        Response { status, body, raw: None }
    }

    /// The body as a value, whichever form it came in.
    pub fn into_value(self) -> Option<Value> {
        match self.raw {
            Some(raw) => serde_json::from_str(raw.get()).ok(),
            None => self.body,
        }
    }
}

/// One item's outcome in a batch.
pub type BatchItem = Result<Response, Error>;

/// A Microsoft Graph client. Cheap to clone; clones share the token cache, the
/// concurrency limit and the request counter.
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoints: Endpoints,
    tokens: TokenSource,
    limit: tokio::sync::Semaphore,
    config: Config,
    requests: AtomicU64,
    ids: AtomicU64,
    /// `$batch` items Graph throttled (429), every attempt counted.
    throttled: AtomicU64,
    /// The run's time limit: when it ends, and how long it is (for messages).
    deadline: std::sync::Mutex<Option<Deadline>>,
}

/// A time limit: no attempt starts or waits past `at`.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: Instant,
    limit: Duration,
}

impl GraphClient {
    /// A client for `endpoints`, signing in with `credential`.
    pub fn new(endpoints: Endpoints, credential: Credential, config: Config) -> GraphClient {
        let http = reqwest::Client::builder()
            .user_agent(concat!("scimform/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        let tokens = TokenSource::new(credential, endpoints.clone(), http.clone());
        GraphClient {
            inner: Arc::new(Inner {
                limit: tokio::sync::Semaphore::new(config.concurrency.max(1)),
                http,
                endpoints,
                tokens,
                config,
                requests: AtomicU64::new(0),
                ids: AtomicU64::new(0),
                throttled: AtomicU64::new(0),
                deadline: std::sync::Mutex::new(None),
            }),
        }
    }

    /// Sets the run's time limit, `limit` from now (`None`: none). Past it no request is
    /// sent, no attempt runs on, and no wait (a backoff, a `Retry-After`) is begun that
    /// would end after it: the request fails with [`Error::Deadline`]. Within it, a
    /// `Retry-After` is honoured however long (not only within `max_total_wait`).
    pub fn set_time_limit(&self, limit: Option<Duration>) {
        let deadline = limit.map(|limit| Deadline { at: Instant::now() + limit, limit });
        *self.inner.deadline.lock().expect("no holder panics") = deadline;
    }

    /// Moves the time limit `extra` further on (for the clean-up of a run that reached
    /// it: removing an app it half made must not be cut short by the limit that stopped
    /// it). No effect without a limit.
    pub fn extend_time_limit(&self, extra: Duration) {
        if let Some(deadline) = self.inner.deadline.lock().expect("no holder panics").as_mut() {
            deadline.at = deadline.at.max(Instant::now()) + extra;
        }
    }

    /// When the time limit ends, if there is one.
    pub fn time_limit(&self) -> Option<Instant> {
        self.deadline().map(|deadline| deadline.at)
    }

    fn deadline(&self) -> Option<Deadline> {
        *self.inner.deadline.lock().expect("no holder panics")
    }

    fn past_deadline(&self, request: &Request, route: &str, wait: Duration) -> Option<Error> {
        let deadline = self.deadline()?;
        (Instant::now() + wait >= deadline.at).then(|| Error::Deadline {
            method: request.method.to_owned(),
            route: route.to_owned(),
            limit: deadline.limit,
        })
    }

    /// Who the client is signed in as, read from the access token's claims (an app-only
    /// Entra token is a JWT; its signature is Graph's business, so it is not checked).
    pub async fn identity(&self) -> Result<crate::auth::Identity, Error> {
        let token = self.inner.tokens.token().await.map_err(Error::Auth)?;
        crate::auth::Identity::of_token(token.expose()).map_err(Error::Auth)
    }

    /// HTTP requests sent to Graph so far (every attempt counts; token requests do not).
    pub fn request_count(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// `$batch` items Graph has throttled (429) so far, retried ones included: the signal
    /// a writer slows down on.
    pub fn throttled_count(&self) -> u64 {
        self.inner.throttled.load(Ordering::Relaxed)
    }

    /// The endpoints in use.
    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// Sends a request, retrying as its [`Retry`] class allows.
    pub async fn send(&self, request: &Request) -> Result<Response, Error> {
        let config = &self.inner.config;
        let route = route_template(&request.path);
        let waited = AtomicU64::new(0);
        let attempts = AtomicU64::new(0);
        let started = Instant::now();
        let limited = self.deadline().is_some();
        let backoff = ExponentialBuilder::default()
            .with_min_delay(config.min_backoff)
            .with_max_delay(config.max_backoff)
            .with_max_times(config.max_attempts.saturating_sub(1) as usize)
            .with_jitter();
        let outcome = (|| async {
            attempts.fetch_add(1, Ordering::Relaxed);
            self.attempt(request, &route).await
        })
        .retry(backoff)
        .when(|error: &Error| retryable(request.retry, error))
        .adjust(|error: &Error, delay: Option<Duration>| {
            let delay = delay.map(|backoff| retry_after(request.retry, error).unwrap_or(backoff))?;
            // Under a time limit, waits are bounded by it (a long `Retry-After` is
            // honoured when it ends in time); without one, by `max_total_wait`.
            if self.past_deadline(request, &route, delay).is_some() {
                return None;
            }
            let total = waited.load(Ordering::Relaxed) + delay.as_millis() as u64;
            if !limited && total > config.max_total_wait.as_millis() as u64 {
                return None;
            }
            waited.store(total, Ordering::Relaxed);
            Some(delay)
        })
        .notify(|error: &Error, delay: Duration| {
            tracing::debug!(method = request.method, route = %route, ?delay, %error, "retrying");
        })
        .await;
        let attempts = attempts.load(Ordering::Relaxed) as u32;
        outcome.map_err(|error| {
            if matches!(error, Error::Deadline { .. }) {
                return error;
            }
            let next_wait = retry_after(request.retry, &error).unwrap_or(config.min_backoff);
            if retryable(request.retry, &error)
                && let Some(deadline) = self.past_deadline(request, &route, next_wait)
            {
                tracing::debug!(attempts, %error, "stopped at the time limit");
                return deadline;
            }
            if attempts > 1 && retryable(request.retry, &error) {
                Error::RetriesExhausted {
                    method: request.method.to_owned(),
                    route: route.clone(),
                    attempts,
                    waited: Duration::from_millis(waited.load(Ordering::Relaxed)),
                    elapsed: started.elapsed(),
                    last: Box::new(error),
                }
            } else {
                error
            }
        })
    }

    async fn attempt(&self, request: &Request, route: &str) -> Result<Response, Error> {
        let inner = &self.inner;
        let _permit = inner.limit.acquire().await.expect("the semaphore is never closed");
        if let Some(error) = self.past_deadline(request, route, Duration::ZERO) {
            return Err(error);
        }
        // An attempt ends by the time limit at the latest.
        let timeout = self.deadline().map_or(inner.config.timeout, |deadline| {
            inner.config.timeout.min(deadline.at.saturating_duration_since(Instant::now()))
        });
        let token = inner.tokens.token().await.map_err(Error::Auth)?;
        let url = self.url(&request.path)?;
        let client_request_id = self.new_request_id();
        let mut builder = inner
            .http
            .request(request.method.parse().expect("methods are constants"), url)
            .bearer_auth(token.expose())
            .header("client-request-id", &client_request_id)
            .header("return-client-request-id", "true")
            .timeout(timeout);
        if request.eventual {
            builder = builder.header("ConsistencyLevel", "eventual");
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        inner.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let response = builder.send().await.map_err(|source| Error::Transport {
            method: request.method.to_owned(),
            route: route.to_owned(),
            delivery: if source.is_connect() { Delivery::NotSent } else { Delivery::Unknown },
            source: source.without_url(),
        })?;
        let status = response.status().as_u16();
        let retry_after =
            response.headers().get("retry-after").and_then(|value| value.to_str().ok()).and_then(parse_retry_after);
        let request_id = response
            .headers()
            .get("request-id")
            .and_then(|value| value.to_str().ok())
            .unwrap_or(&client_request_id)
            .to_owned();
        let bytes = response.bytes().await.map_err(|source| Error::Transport {
            method: request.method.to_owned(),
            route: route.to_owned(),
            delivery: Delivery::Unknown,
            source: source.without_url(),
        })?;
        tracing::debug!(method = request.method, route, status, request_id = %request_id, elapsed = ?started.elapsed(), "graph");
        if (200..300).contains(&status) {
            // Kept as text: the reader decodes it into its models in one pass.
            let raw = if bytes.is_empty() { None } else { serde_json::from_slice(&bytes).ok() };
            return Ok(Response { status, body: None, raw });
        }
        let body: Option<Value> = if bytes.is_empty() { None } else { serde_json::from_slice(&bytes).ok() };
        if status == 401
            && body.as_ref().and_then(|body| body["error"]["code"].as_str()) == Some("InvalidAuthenticationToken")
        {
            inner.tokens.invalidate().await;
        }
        let error = body.as_ref().map(|body| &body["error"]);
        let text = |key: &str| error.and_then(|error| error[key].as_str()).unwrap_or_default().to_owned();
        Err(Error::Api {
            method: request.method.to_owned(),
            route: route.to_owned(),
            status,
            code: text("code"),
            message: text("message"),
            request_id,
            retry_after,
            hint: matches!(status, 401 | 403).then(|| permission_hint(request.method, route)).flatten(),
        })
    }

    /// The absolute URL of a path, or of a next link (only on Graph's own host: the token
    /// must never travel elsewhere).
    fn url(&self, path: &str) -> Result<String, Error> {
        let root = self.inner.endpoints.graph.as_str().trim_end_matches('/');
        if path.starts_with("http://") || path.starts_with("https://") {
            if !path.starts_with(root) {
                return Err(Error::ForeignNextLink { route: route_template(path) });
            }
            return Ok(path.to_owned());
        }
        Ok(format!("{root}{path}"))
    }

    fn new_request_id(&self) -> String {
        use std::hash::{BuildHasher, Hasher};
        let counter = self.inner.ids.fetch_add(1, Ordering::Relaxed);
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(counter);
        let high = hasher.finish();
        hasher.write_u64(high);
        let low = hasher.finish();
        let hex = format!("{high:016x}{low:016x}");
        format!("{}-{}-4{}-8{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
    }

    /// GET and decode.
    pub async fn get<T: DeserializeOwned>(&self, path: impl Into<String>) -> Result<T, Error> {
        let request = Request::get(path);
        let response = self.send(&request).await?;
        decode_response(&request, response)
    }

    /// Every item of a collection, following `@odata.nextLink` until the end.
    pub async fn list<T: DeserializeOwned>(&self, path: impl Into<String>) -> Result<Vec<T>, Error> {
        self.list_with(Request::get(path)).await
    }

    /// Like [`GraphClient::list`], for a prepared request (for example with
    /// `ConsistencyLevel: eventual`).
    pub async fn list_with<T: DeserializeOwned>(&self, mut request: Request) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        loop {
            let response = self.send(&request).await?;
            let page: Page<T> = decode_response(&request, response)?;
            items.extend(page.value);
            match page.next_link {
                Some(next) => request.path = next,
                None => return Ok(items),
            }
        }
    }

    /// Sends independent requests in `$batch`es of up to 20, in parallel within the
    /// concurrency limit. Items Graph throttled (429), or answered 503/504 when they are
    /// idempotent, are sent again in a later batch after the longest `Retry-After` asked
    /// for. Results come back in the order of `requests`.
    pub async fn batch(&self, requests: &[Request]) -> Vec<BatchItem> {
        let config = &self.inner.config;
        let mut results: Vec<Option<BatchItem>> = (0..requests.len()).map(|_| None).collect();
        let mut pending: Vec<usize> = (0..requests.len()).collect();
        let mut waited = Duration::ZERO;
        let mut round = 0;
        while !pending.is_empty() {
            round += 1;
            let chunks: Vec<Vec<usize>> = pending.chunks(MAX_BATCH).map(<[usize]>::to_vec).collect();
            let outcomes = futures::future::join_all(chunks.iter().map(|chunk| self.send_batch(requests, chunk))).await;
            let mut again = Vec::new();
            let mut wait = Duration::ZERO;
            for (chunk, outcome) in chunks.iter().zip(outcomes) {
                match outcome {
                    Err(error) => {
                        let shared = Arc::new(error);
                        for index in chunk {
                            results[*index] = Some(Err(Error::Batch {
                                method: requests[*index].method.to_owned(),
                                route: route_template(&requests[*index].path),
                                source: shared.clone(),
                            }));
                        }
                    }
                    Ok(items) => {
                        for (index, item) in chunk.iter().zip(items) {
                            let status = match &item {
                                Ok(response) => Some(response.status),
                                Err(error) => error.status(),
                            };
                            let route = route_template(&requests[*index].path);
                            tracing::trace!(method = requests[*index].method, route = %route, ?status, "batch item");
                            if item.as_ref().err().is_some_and(|error| error.status() == Some(429)) {
                                self.inner.throttled.fetch_add(1, Ordering::Relaxed);
                            }
                            let retry_now =
                                item.as_ref().err().is_some_and(|error| retryable(requests[*index].retry, error));
                            if retry_now && round < config.max_attempts {
                                let error = item.as_ref().expect_err("checked above");
                                wait = wait.max(
                                    retry_after(requests[*index].retry, error)
                                        .unwrap_or(config.min_backoff * 2u32.pow(round.min(6))),
                                );
                                again.push(*index);
                            }
                            results[*index] = Some(item);
                        }
                    }
                }
            }
            if again.is_empty() {
                break;
            }
            // Jittered, so that runs throttled together do not come back together.
            let wait = jittered(wait.min(config.max_backoff.max(Duration::from_secs(1)) * 4));
            let over_limit = self.deadline().is_some_and(|deadline| Instant::now() + wait >= deadline.at);
            if over_limit || (self.deadline().is_none() && waited + wait > config.max_total_wait) {
                break;
            }
            waited += wait;
            tracing::debug!(items = again.len(), ?wait, "retrying throttled batch items");
            tokio::time::sleep(wait).await;
            pending = again;
        }
        results.into_iter().map(|result| result.expect("every item has a result")).collect()
    }

    async fn send_batch(&self, requests: &[Request], chunk: &[usize]) -> Result<Vec<BatchItem>, Error> {
        let items: Vec<Value> = chunk
            .iter()
            .enumerate()
            .map(|(position, index)| {
                let request = &requests[*index];
                let mut item = json!({ "id": position.to_string(), "method": request.method, "url": request.path });
                let mut headers = serde_json::Map::new();
                if let Some(body) = &request.body {
                    item["body"] = body.clone();
                    headers.insert("Content-Type".to_owned(), json!("application/json"));
                }
                if request.eventual {
                    headers.insert("ConsistencyLevel".to_owned(), json!("eventual"));
                }
                if !headers.is_empty() {
                    item["headers"] = Value::Object(headers);
                }
                item
            })
            .collect();
        // The batch as a whole may be retried only if every item may.
        let retry = if chunk.iter().all(|index| requests[*index].retry == Retry::Idempotent) {
            Retry::Idempotent
        } else {
            Retry::IfNotProcessed
        };
        let outer = Request::new("POST", "/$batch", Some(json!({ "requests": items })), retry);
        // Item bodies stay JSON text until their reader decodes them into its models: a
        // batch of list reads can carry thousands of objects.
        let raw = self.send(&outer).await?.raw;
        let text = raw.as_ref().map_or("{}", |raw| raw.get());
        let answer: BatchAnswer<'_> = serde_json::from_str(text).unwrap_or_default();
        let mut by_id: std::collections::HashMap<String, BatchAnswerItem<'_>> =
            answer.responses.into_iter().map(|item| (item.id.clone(), item)).collect();
        Ok(chunk
            .iter()
            .enumerate()
            .map(|(position, index)| {
                let request = &requests[*index];
                let route = route_template(&request.path);
                let Some(item) = by_id.remove(&position.to_string()) else {
                    return Err(Error::MissingBatchResponse { method: request.method.to_owned(), route });
                };
                let status = item.status;
                let raw_body = item.body.filter(|body| body.get() != "null");
                if (200..300).contains(&status) {
                    let raw = raw_body.map(serde_json::value::RawValue::to_owned);
                    return Ok(Response { status, body: None, raw });
                }
                let body: Option<Value> = raw_body.and_then(|body| serde_json::from_str(body.get()).ok());
                let retry_after = item
                    .headers
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case("retry-after"))
                    .and_then(|(_, value)| value.as_str())
                    .and_then(parse_retry_after);
                let error = body.as_ref().map(|body| &body["error"]);
                let text = |key: &str| error.and_then(|error| error[key].as_str()).unwrap_or_default().to_owned();
                Err(Error::Api {
                    method: request.method.to_owned(),
                    status,
                    code: text("code"),
                    message: text("message"),
                    request_id: error
                        .and_then(|error| error["innerError"]["request-id"].as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    retry_after,
                    hint: matches!(status, 401 | 403).then(|| permission_hint(request.method, &route)).flatten(),
                    route,
                })
            })
            .collect())
    }
}

/// A `$batch` answer, its item bodies kept as JSON text.
#[derive(Default, serde::Deserialize)]
struct BatchAnswer<'a> {
    #[serde(borrow, default)]
    responses: Vec<BatchAnswerItem<'a>>,
}

/// One item of a `$batch` answer.
#[derive(serde::Deserialize)]
struct BatchAnswerItem<'a> {
    id: String,
    #[serde(default)]
    status: u16,
    #[serde(default)]
    headers: serde_json::Map<String, Value>,
    #[serde(borrow, default)]
    body: Option<&'a serde_json::value::RawValue>,
}

/// Decodes a response's body, whichever form it is in, into a wire model.
pub(crate) fn decode_response<T: DeserializeOwned>(request: &Request, response: Response) -> Result<T, Error> {
    match response.raw {
        Some(raw) => serde_json::from_str(raw.get()).map_err(|source| Error::Decode {
            method: request.method.to_owned(),
            route: route_template(&request.path),
            source,
        }),
        None => decode(request, response.body.unwrap_or(Value::Null)),
    }
}

/// Decodes a body into a wire model.
pub(crate) fn decode<T: DeserializeOwned>(request: &Request, body: Value) -> Result<T, Error> {
    serde_json::from_value(body).map_err(|source| Error::Decode {
        method: request.method.to_owned(),
        route: route_template(&request.path),
        source,
    })
}

/// The failure policy's intent for a retry class.
fn intent(class: Retry) -> Intent {
    match class {
        Retry::Idempotent => Intent::Update,
        Retry::IfNotProcessed => Intent::Create,
    }
}

fn retryable(class: Retry, error: &Error) -> bool {
    matches!(error.failure(intent(class)), Failure::Retry { .. })
}

fn retry_after(class: Retry, error: &Error) -> Option<Duration> {
    match error.failure(intent(class)) {
        Failure::Retry { after } => after,
        _ => None,
    }
}

/// `Retry-After` in seconds or as an HTTP date.
pub(crate) fn parse_retry_after(text: &str) -> Option<Duration> {
    if let Ok(seconds) = text.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = parse_http_date(text.trim())?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(at.saturating_sub(now)))
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to seconds since the epoch.
fn parse_http_date(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = months.iter().position(|name| name == month)? as i64 + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let clock: Vec<u64> = time.split(':').map(|part| part.parse().ok()).collect::<Option<_>>()?;
    let [hours, minutes, seconds] = clock.as_slice() else { return None };
    // Days from civil (Howard Hinnant's algorithm).
    let (y, m) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    u64::try_from(days).ok().map(|days| days * 86_400 + hours * 3600 + minutes * 60 + seconds)
}

/// `/servicePrincipals/{id}/synchronization/jobs` for messages: ids replaced, query and
/// host dropped. The templates come from the Graph reference, as the emulator's do.
pub(crate) fn route_template(path: &str) -> String {
    scimform_graph_reference::route_template(path)
}

/// `wait` stretched by a random 0–50 %: the spread that keeps clients throttled at the
/// same moment from retrying at the same moment. The process's randomly keyed hasher is
/// randomness enough for this.
pub fn jittered(wait: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    // Each `RandomState` is keyed anew (std keys them randomly per thread and steps the
    // key on every `new`), so hashing the clock gives a fresh value each call.
    hasher.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_nanos()));
    let fraction = (hasher.finish() % 1000) as f64 / 2000.0;
    wait.mul_f64(1.0 + fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_both_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
