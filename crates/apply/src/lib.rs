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
//! - `verify`: provisioning on demand of the specs' `verify` subjects.
//! - `execute`: [`apply`] runs a plan's steps in order, idempotently.

// Errors carry the Graph error they wrap (see scimform-graph); they are cold-path values.
#![allow(clippy::result_large_err)]

mod execute;
pub mod inventory;
mod refresh;
mod retry;
mod schema_wire;
mod tokens;
pub mod verify;
mod wire;

use std::collections::BTreeMap;

use scimform_graph::GraphClient;
use scimform_plan::health::JobHealth;
use scimform_plan::state::TokenState;
use scimform_plan::{Desired, Directory, Live, ResolveError, fingerprint};
use scimform_spec::model::{Origin, Spec};

pub use execute::{Applied, ApplyError, ApplyOptions, Event, apply};
pub use refresh::{RefreshError, Refreshed, refresh};
pub use tokens::{MAX_TOKEN_FILE_BYTES, TokenEnvironment, TokenError, new_salt, read_token};

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

/// Refreshes, reads and fingerprints tokens, and resolves names for `stack`.
pub async fn prepare(
    client: &GraphClient,
    spec: &Spec,
    environment: &TokenEnvironment,
    stack: &str,
) -> Result<Prepared, PrepareError> {
    let Refreshed { live, directory, health } = refresh(client, spec).await?;
    let mut tokens = BTreeMap::new();
    let mut token_errors = Vec::new();
    for app in &spec.apps {
        let Some(provisioning) = &app.provisioning else { continue };
        let token = match read_token(&provisioning.credentials.token, environment) {
            Ok(token) => token,
            Err(error) => {
                token_errors.push((app.name.clone(), app.origin.clone(), error));
                continue;
            }
        };
        let stored = live
            .app_for(&app.name)
            .and_then(|live| live.tags.iter().find_map(|tag| tag.strip_prefix(fingerprint::TAG_PREFIX)))
            .map(str::to_owned);
        // argon2id is slow by design; run it off the async threads.
        let state = tokio::task::spawn_blocking(move || match stored {
            Some(stored) if fingerprint::matches(token.expose(), &stored) => TokenState::Unchanged,
            _ => TokenState::Changed { fingerprint: fingerprint::fingerprint(token.expose(), &new_salt()) },
        })
        .await
        .expect("fingerprinting does not panic");
        tokens.insert(app.name.clone(), state);
    }
    if !token_errors.is_empty() {
        return Err(PrepareError::Tokens(token_errors));
    }
    let desired = scimform_plan::resolve(spec, &directory, &live, &tokens, stack).map_err(PrepareError::Resolve)?;
    Ok(Prepared { desired, live, directory, health })
}
