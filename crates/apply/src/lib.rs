//! Refresh and apply: the one crate that translates between Microsoft Graph and scimform.
//!
//! - `refresh`: Graph → [`scimform_plan::Live`] and a [`scimform_plan::Directory`], in a
//!   few batched round trips.
//! - `wire`, `schema_wire`: Graph's provisioning settings, job states and schema in
//!   scimform's vocabulary, and back.
//! - `tokens`: SCIM tokens from their references, and fingerprint salts.
//! - [`prepare`]: refresh, read tokens, fingerprint them, resolve names: everything that
//!   needs I/O before the pure planner runs.
//! - `inventory`: the tenant's enterprise applications, for `import`.
//! - `health`: the health reads of `status` and `drift` beside refresh (Test Connection
//!   with the saved credentials, provisioning logs), batched.
//! - `ownership`: whether the identity running scimform owns the managed apps a plan
//!   changes (marker tags alone can be copied by hand).
//! - `verify`: provisioning on demand of the specs' `verify` subjects.
//! - `writes`: runs of assignment changes in paced `$batch`es.
//! - `lanes`: a plan's changes split by app, so that new apps' chains run at once.
//! - `execute`: [`apply`] runs a plan's steps in order, idempotently.
//! - `retry`: the retry policy of a step; `verified`: what on-demand provisioning did.
//!
//! The modules stand in floors, lowest first (checked by the tidy test
//! `modules_stand_in_floors_without_circles`):
//!
//! Floors: lanes, retry, tokens, verified, writes → wire, schema_wire → refresh → inventory, health, verify, execute → ownership

// Errors carry the Graph error they wrap (see scimform-graph); they are cold-path values.
#![allow(clippy::result_large_err)]

mod execute;
pub mod health;
pub mod inventory;
mod lanes;
pub mod ownership;
mod refresh;
mod retry;
mod schema_wire;
mod tokens;
mod verified;
pub mod verify;
mod wire;
mod writes;

use std::collections::BTreeMap;

use scimform_graph::GraphClient;
use scimform_plan::health::JobHealth;
use scimform_plan::state::TokenCheck;
use scimform_plan::{Desired, Directory, Live, ResolveError};
use scimform_spec::model::{Origin, Spec};

pub use execute::{Applied, ApplyError, ApplyOptions, Event, apply};
pub use refresh::{RefreshError, Refreshed, refresh};
pub use tokens::{MAX_TOKEN_FILE_BYTES, TokenEnvironment, TokenError, new_salt, read_token};
pub use writes::{GRAPH_WRITE_BURST, GRAPH_WRITE_RATE};

/// An error and its sources, joined with `: ` (for errors listed inside another).
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What planning needs, read and resolved.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The specs, resolved.
    pub desired: Desired,
    /// The live state.
    pub live: Live,
    /// The name lookups made.
    pub directory: Directory,
    /// The health of each managed app's job, by app name.
    pub health: BTreeMap<String, JobHealth>,
}

/// Why preparing failed.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// Reading Graph failed.
    #[error(transparent)]
    Refresh(#[from] RefreshError),
    /// Tokens could not be read.
    #[error("{} SCIM token(s) cannot be read", .0.len())]
    Tokens(Vec<(String, Origin, TokenError)>),
    /// Names did not resolve.
    #[error("{} name(s) in the specs do not resolve in the tenant", .0.len())]
    Resolve(Vec<ResolveError>),
}

/// What to do with a SCIM token absent where the command runs (see
/// [`TokenError::absence`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbsentTokens {
    /// Fail: apply, and `plan --require-tokens`.
    Refuse,
    /// Plan without it: the token is `Unchecked`, and the plan says why.
    Allow,
}

/// [`prepare_with`], refusing absent tokens.
pub async fn prepare(
    client: &GraphClient,
    spec: &Spec,
    environment: &TokenEnvironment,
    stack: &str,
) -> Result<Prepared, PrepareError> {
    prepare_with(client, spec, environment, stack, AbsentTokens::Refuse).await
}

/// Refreshes, reads and fingerprints tokens, and resolves names for `stack`.
///
/// Tokens are read first. Each managed app's fingerprint check (argon2id, slow by design)
/// starts as soon as refresh's first phase has the app's tags, and runs on the blocking
/// pool, at most one per core (so at most that many argon2 buffers at once), while the
/// other reads go on.
pub async fn prepare_with(
    client: &GraphClient,
    spec: &Spec,
    environment: &TokenEnvironment,
    stack: &str,
    absent: AbsentTokens,
) -> Result<Prepared, PrepareError> {
    let mut read = BTreeMap::new();
    let mut token_errors = Vec::new();
    let mut gaps = BTreeMap::new();
    for app in &spec.apps {
        let Some(provisioning) = &app.provisioning else { continue };
        match read_token(&provisioning.credentials.token, environment) {
            Ok(token) => {
                read.insert(app.name.clone(), token);
            }
            Err(error) => match error.absence().filter(|_| absent == AbsentTokens::Allow) {
                Some(reason) => {
                    gaps.insert(app.name.clone(), reason);
                }
                None => token_errors.push((app.name.clone(), app.origin.clone(), error)),
            },
        }
    }
    let checks = tokens::FingerprintChecks::new();
    let mut started: BTreeMap<String, tokio::task::JoinHandle<TokenCheck>> = BTreeMap::new();
    let Refreshed { live, directory, health } = refresh::refresh_with(client, spec, |managed| {
        for (name, tags) in managed {
            if let Some(token) = read.get(name) {
                started.insert(name.to_owned(), checks.start(token.clone(), tokens::stored_fingerprint(tags)));
            }
        }
    })
    .await?;
    let mut tokens = BTreeMap::new();
    for (name, token) in read {
        let task = match started.remove(&name) {
            Some(task) => task,
            // Not a managed app yet: an app to adopt (its tags came later) or a new one.
            None => checks.start(token, live.app_for(&name).and_then(|app| tokens::stored_fingerprint(&app.tags))),
        };
        tokens.insert(name, task.await.expect("fingerprinting does not panic"));
    }
    if !token_errors.is_empty() {
        return Err(PrepareError::Tokens(token_errors));
    }
    for name in gaps.keys() {
        tokens.insert(name.clone(), TokenCheck { state: scimform_plan::state::TokenState::Unchecked, short: false });
    }
    let mut desired = scimform_plan::resolve(spec, &directory, &live, &tokens, stack).map_err(PrepareError::Resolve)?;
    for (name, reason) in gaps {
        if let Some(provisioning) = desired.apps.get_mut(&name).and_then(|app| app.provisioning.as_mut()) {
            provisioning.token_gap = Some(reason);
        }
    }
    Ok(Prepared { desired, live, directory, health })
}
