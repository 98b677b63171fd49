//! The Graph client against the emulator over loopback: every sign-in flow, retries under
//! injected faults, paging, batching with counted requests, error mapping, every
//! operation, and the wire models against the Graph reference.

mod auth;
mod batching;
mod errors;
mod models;
mod operations;
mod retries;
mod support;
