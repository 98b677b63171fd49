//! A typed Microsoft Graph client for SCIM provisioning apps.
//!
//! - [`GraphClient::send`] is the one place every request goes through: bearer token,
//!   `client-request-id`, timeout, bounded concurrency, request counting, and retries of
//!   what is safe to retry (see `client.rs` for the rules).
//! - Lists ask for 999 items a page and follow `@odata.nextLink`; reads name their
//!   properties with `$select`; [`GraphClient::batch`] groups independent requests 20 to
//!   a `$batch` and retries throttled items.
//! - [`Credential`] signs in as Azure's SDKs do (client secret, certificate, federated
//!   token file, GitHub Actions OIDC, Azure CLI), chosen from the environment.
//! - Errors carry status, Graph's code and message, and the request-id; 401 and 403 name
//!   the permission likely missing. No token, client secret or request body appears in any
//!   `Debug`, `Display`, log line or error.
//!
//! Architecture invariant: this crate knows Graph, not scimform. It has no notion of specs
//! or plans; `apply` is the one crate that translates between its models and ours.

// Graph errors carry what a person needs (status, code, message, request-id, hint); they
// are built on the cold path only, so their size is not worth an allocation per field.
#![allow(clippy::result_large_err)]

mod api;
mod auth;
mod client;
mod cloud;
mod error;
pub mod models;
mod secret;

pub use api::{
    APPLICATION_SELECT, ASSIGNMENT_SELECT, EXPANDED_OWNERS, GROUP_SELECT, MEMBER_SELECT, Owned,
    SERVICE_PRINCIPAL_SELECT, USER_SELECT, literal, parse, query, segment,
};
pub use api::{reads, writes};
pub use auth::{AuthError, Credential, Environment, Identity};
pub use client::{BatchItem, Config, GraphClient, MAX_BATCH, MAX_PAGE, Request, Response, Retry, jittered};
pub use cloud::{Cloud, EndpointError, Endpoints, checked_url};
pub use error::{Delivery, Error, Failure, Intent};
pub use secret::Secret;
