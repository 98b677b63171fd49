//! The planner: `plan(desired, live) -> Plan`, pure, deterministic and total.
//!
//! - `state`: the inputs in scimform's vocabulary: [`Live`] (what refresh found) and
//!   [`Desired`] (the specs with names resolved to ids).
//! - `diff`: [`plan`] itself.
//! - `model`: the [`Plan`]: changes in execution order with attribute diffs (sensitive
//!   values masked), reasons, dependencies and the steps apply executes.
//! - `schema`: the part of [`plan`] that compares attribute mappings and scoping filters.
//! - `health`: judging a job's health from what the provisioning service reports (kept
//!   apart from plans: health is not drift).
//! - `fingerprint`: argon2id token fingerprints, the only way scimform knows whether a
//!   token changed.
//! - `markers`: the tags that mark a managed app, and the display name of one being made.
//!
//! The modules stand in floors, lowest first (checked by the tidy test
//! `modules_stand_in_floors_without_circles`):
//!
//! Floors: markers, fingerprint → state → model → schema, health, resolve → diff
//!
//! Architecture invariant: no I/O, no async, no clock, no randomness here (the salt of a
//! new fingerprint is made by the caller). Rendering is the CLI's job.

mod diff;
pub mod fingerprint;
pub mod health;
mod markers;
pub mod model;
mod resolve;
mod schema;
pub mod state;

pub use diff::{Options, ReplacePart, Replacement, SCOPE_RESTART, live_fingerprint, parse_app_address, plan};
pub use markers::{
    MANAGED_TAG, NAME_TAG_PREFIX, PENDING_PREFIX, STACK_TAG_PREFIX, marker_tags, name_tag, pending_app_name,
    pending_display_name, stack_tag,
};
pub use model::{
    Action, Attribute, Change, PLAN_FORMAT, Plan, ResetPart, SchemaPart, SpecLocation, Step, UncheckedToken, Warning,
};
pub use resolve::{Directory, NON_GALLERY_ROLES, ResolveError, resolve};
pub use schema::SCHEMA_RESTART;
pub use state::{DEFAULT_ACCESS, DEFAULT_STACK, Desired, Live};
