//! The token endpoint (`POST /{tenant}/oauth2/v2.0/token`) and bearer-token checks.
//!
//! Clients sign in with the client-credentials grant, proving themselves with a client
//! secret, or with a client assertion: a JWT they signed with a registered certificate
//! (matched by its `x5t#S256` thumbprint), or a token from a trusted external issuer
//! (federated credentials: workload identity, GitHub Actions OIDC). Tokens are opaque to
//! clients and carry the client's application permissions, so a missing permission gives
//! Graph's real error.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use sha2::Digest;

use crate::tenant::{Client, Tenant};
use crate::util::{Rng, now_timestamp};

/// How long issued tokens live (as Entra's: about an hour).
pub(crate) const TOKEN_LIFETIME: Duration = Duration::from_secs(3599);
const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A token the emulator issued.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub(crate) client_id: String,
    pub(crate) permissions: Vec<String>,
    pub(crate) expires: Instant,
}

/// Who is calling Graph.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) client_id: String,
    pub(crate) permissions: Vec<String>,
}

impl Caller {
    /// The tenant administrator, for admin-API pass-through requests.
    pub(crate) fn administrator() -> Caller {
        Caller { client_id: "emulator-admin".to_owned(), permissions: vec!["*".to_owned()] }
    }

    pub(crate) fn has_any(&self, permissions: &[&str]) -> bool {
        self.permissions.iter().any(|held| held == "*" || permissions.contains(&held.as_str()))
    }
}

/// An OAuth error response: status and the AADSTS-style body.
#[derive(Debug, Clone)]
pub(crate) struct OAuthError {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

fn oauth_error(status: u16, error: &str, code: u32, description: &str) -> OAuthError {
    OAuthError {
        status,
        body: json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description}"),
            "error_codes": [code],
            "timestamp": now_timestamp(),
            "trace_id": "00000000-0000-0000-0000-000000000000",
            "correlation_id": "00000000-0000-0000-0000-000000000000",
        }),
    }
}

/// The issued tokens.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    issued: HashMap<String, Issued>,
}

impl Tokens {
    /// Handles a token request. `token_url` is this endpoint's own URL (the audience a
    /// client assertion must name).
    pub(crate) fn request(
        &mut self,
        tenant: &Tenant,
        rng: &mut Rng,
        tenant_in_path: &str,
        token_url: &str,
        form: &HashMap<String, String>,
    ) -> Result<Value, OAuthError> {
        if tenant_in_path != tenant.tenant_id && tenant_in_path != tenant.domain {
            return Err(oauth_error(
                400,
                "invalid_request",
                90002,
                &format!("Tenant '{tenant_in_path}' not found. Check to make sure you have the correct tenant ID."),
            ));
        }
        if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
            return Err(oauth_error(
                400,
                "unsupported_grant_type",
                70003,
                "The app requested an unsupported grant type.",
            ));
        }
        let scope = form.get("scope").map(String::as_str).unwrap_or_default();
        if !scope.ends_with("/.default") {
            return Err(oauth_error(
                400,
                "invalid_scope",
                1002012,
                "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.",
            ));
        }
        let client_id = form.get("client_id").cloned().unwrap_or_default();
        let client = tenant.clients.iter().find(|client| client.client_id == client_id).ok_or_else(|| {
            oauth_error(
                400,
                "unauthorized_client",
                700016,
                &format!("Application with identifier '{client_id}' was not found in the directory."),
            )
        })?;
        match (form.get("client_secret"), form.get("client_assertion"), form.get("client_assertion_type")) {
            (Some(secret), None, _) => {
                if !client.secret.as_deref().is_some_and(|stored| crate::util::secret_matches(stored, secret)) {
                    return Err(oauth_error(
                        401,
                        "invalid_client",
                        7000215,
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
                    ));
                }
            }
            (None, Some(assertion), Some(kind)) if kind == CLIENT_ASSERTION_TYPE => {
                verify_assertion(client, assertion, token_url, tenant)?;
            }
            _ => {
                return Err(oauth_error(
                    401,
                    "invalid_client",
                    7000218,
                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                ));
            }
        }
        let token = access_token(tenant, client, rng);
        self.issued.insert(
            token.clone(),
            Issued {
                client_id: client.client_id.clone(),
                permissions: client.permissions.clone(),
                expires: Instant::now() + TOKEN_LIFETIME,
            },
        );
        Ok(json!({
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME.as_secs(),
            "ext_expires_in": TOKEN_LIFETIME.as_secs(),
            "access_token": token,
        }))
    }

    /// The caller behind an `Authorization` header, or Graph's 401 message.
    pub(crate) fn authenticate(&self, authorization: Option<&str>) -> Result<Caller, &'static str> {
        let Some(header) = authorization else { return Err("Access token is empty.") };
        let Some(token) = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer ")) else {
            return Err("Access token validation failure. Invalid audience.");
        };
        match self.issued.get(token.trim()) {
            Some(issued) if issued.expires > Instant::now() => {
                Ok(Caller { client_id: issued.client_id.clone(), permissions: issued.permissions.clone() })
            }
            Some(_) => Err("Lifetime validation failed, the token is expired."),
            None => Err("Access token validation failure."),
        }
    }
}

fn verify_assertion(client: &Client, assertion: &str, token_url: &str, tenant: &Tenant) -> Result<(), OAuthError> {
    let invalid = |code: u32, description: &str| oauth_error(401, "invalid_client", code, description);
    let header =
        jsonwebtoken::decode_header(assertion).map_err(|_| invalid(50027, "JWT token is invalid or malformed."))?;
    let unverified =
        unverified_claims(assertion).ok_or_else(|| invalid(50027, "JWT token is invalid or malformed."))?;
    let issuer = unverified.get("iss").and_then(Value::as_str).unwrap_or_default();
    if issuer == client.client_id {
        // A client assertion signed with one of the client's certificates.
        let thumbprint = header.x5t_s256.clone();
        let candidates: Vec<&String> = client
            .certificates
            .iter()
            .filter(|certificate| {
                thumbprint
                    .as_deref()
                    .is_none_or(|wanted| certificate_thumbprint(certificate).as_deref() == Some(wanted))
            })
            .collect();
        if candidates.is_empty() {
            return Err(invalid(
                700027,
                "The certificate with identifier used to sign the client assertion is not registered on application.",
            ));
        }
        let audiences =
            [token_url.to_owned(), format!("https://login.microsoftonline.com/{}/oauth2/v2.0/token", tenant.tenant_id)];
        for certificate in candidates {
            let Ok(key) = jsonwebtoken::DecodingKey::from_rsa_pem(certificate.as_bytes()) else { continue };
            let mut validation = jsonwebtoken::Validation::new(header.alg);
            validation.set_audience(&audiences);
            validation.set_issuer(&[client.client_id.as_str()]);
            validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
            if let Ok(data) = jsonwebtoken::decode::<Value>(assertion, &key, &validation)
                && data.claims.get("sub").and_then(Value::as_str) == Some(client.client_id.as_str())
            {
                return Ok(());
            }
        }
        return Err(invalid(700027, "Client assertion failed signature validation."));
    }
    // A token from an external issuer, trusted through a federated credential.
    let subject = unverified.get("sub").and_then(Value::as_str).unwrap_or_default();
    let Some(credential) = client
        .federated_credentials
        .iter()
        .find(|credential| credential.issuer == issuer && credential.subject == subject)
    else {
        return Err(oauth_error(
            400,
            "invalid_request",
            70021,
            &format!(
                "No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. Assertion Subject: '{subject}'."
            ),
        ));
    };
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(credential.public_key_pem.as_bytes())
        .map_err(|_| invalid(700024, "Client assertion is not within its valid time range."))?;
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&[credential.audience.as_str()]);
    validation.set_issuer(&[credential.issuer.as_str()]);
    jsonwebtoken::decode::<Value>(assertion, &key, &validation)
        .map(|_| ())
        .map_err(|error| invalid(700024, &format!("Client assertion failed validation: {error}.")))
}

/// An access token shaped as Entra issues them for app-only calls: a JWT whose claims
/// name the tenant, the client and its service principal, and the application
/// permissions (`roles`). Its signature is random: Graph here recognises the tokens it
/// issued by their whole text, as it keeps them.
fn access_token(tenant: &Tenant, client: &Client, rng: &mut Rng) -> String {
    use base64::Engine;
    let encode = |value: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs());
    let object_id = tenant.service_principal_by_app_id(&client.client_id).and_then(|sp| sp.get("id")).cloned();
    let header = json!({ "typ": "JWT", "alg": "RS256", "kid": "emulator" });
    let claims = json!({
        "aud": "https://graph.microsoft.com",
        "iss": format!("https://sts.windows.net/{}/", tenant.tenant_id),
        "iat": now,
        "nbf": now,
        "exp": now + TOKEN_LIFETIME.as_secs(),
        "tid": tenant.tenant_id,
        "appid": client.client_id,
        "app_displayname": client.display_name,
        "oid": object_id,
        "sub": object_id,
        "idtyp": "app",
        "roles": client.permissions,
    });
    format!("{}.{}.{}", encode(&header), encode(&claims), rng.hex(64))
}

/// The claims of a JWT, read without checking its signature (only to decide which key
/// checks it).
fn unverified_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The `x5t#S256` thumbprint of a PEM certificate: base64url(SHA-256(DER)).
pub fn certificate_thumbprint(pem: &str) -> Option<String> {
    let body: String = pem
        .lines()
        .skip_while(|line| !line.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|line| !line.starts_with("-----END"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body.trim()).ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&der)))
}
