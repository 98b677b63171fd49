//! What the apply tests share: a Graph client signed in to an emulator as its seeded API
//! client, and specs loaded from text.

// Each test binary uses what it needs of this.
#![allow(dead_code)]

use scimform_emulator::Running;
use scimform_graph::{Cloud, Config, Credential, Endpoints, GraphClient, Secret};

/// A client of `emulator`, signed in as `client` (a seeded API client with a secret).
pub(crate) fn client(emulator: &Running, client: &scimform_emulator::Client, config: Config) -> GraphClient {
    let endpoints = Endpoints::new(Cloud::Global, Some(&emulator.graph_url()), Some(emulator.authority_url())).unwrap();
    let credential = Credential::ClientSecret {
        tenant_id: emulator.tenant_id().to_owned(),
        client_id: client.client_id.clone(),
        secret: Secret::new(client.secret.clone().expect("a client with a secret")),
    };
    GraphClient::new(endpoints, credential, config)
}

/// Specs from one text, which must be valid.
pub(crate) fn spec(text: String) -> scimform_spec::Spec {
    let loaded = scimform_spec::load(&[scimform_spec::Source { name: "specs.yaml".to_owned(), text }]);
    loaded.spec.expect("valid specs")
}
