//! The emulator, driven over real HTTP on loopback, checked against the Graph reference.
//!
//! Every response a test receives through the [`support::Harness`] is validated against
//! the component schemas of the Graph v1.0 subset (`reference/graph/`), and its success
//! status against the documented one: a test cannot pass on a body Graph would never send.

mod admin;
mod auth;
mod batch;
mod conformance;
mod directory;
mod faults;
mod portal_walk;
mod provisioning;
mod scim_conformance;
mod support;
mod synchronization;
mod tour;
