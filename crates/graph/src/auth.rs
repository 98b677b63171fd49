//! Signing in to Microsoft Graph, in the conventions of Azure's own SDKs.
//!
//! [`Credential::from_environment`] picks, in this order:
//!
//! 1. `AZURE_TENANT_ID` + `AZURE_CLIENT_ID` + `AZURE_CLIENT_SECRET`: client secret.
//! 2. … + `AZURE_CLIENT_CERTIFICATE_PATH`: a PEM file with the private key and certificate;
//!    we sign a client assertion (PS256, `x5t#S256` header).
//! 3. … + `AZURE_FEDERATED_TOKEN_FILE`: workload identity; the file is read at every token
//!    request because the platform rotates it.
//! 4. … + `ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN`: GitHub Actions
//!    OIDC; the GitHub token for audience `api://AzureADTokenExchange` is exchanged.
//! 5. Otherwise the Azure CLI (`az account get-access-token`), when `az` is on PATH.
//!
//! Tokens are cached and refreshed five minutes before they expire. Nothing here logs or
//! displays a secret; errors name environment variables, never their values.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde::Deserialize;
use sha2::Digest;

use crate::cloud::Endpoints;
use crate::secret::Secret;

const AUDIENCE_TOKEN_EXCHANGE: &str = "api://AzureADTokenExchange";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Refresh a token this long before it expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// How long a signed client assertion is valid.
const ASSERTION_LIFETIME: u64 = 600;

/// A snapshot of the environment variables that matter, so that credential selection is a
/// pure function (and tests do not touch the process environment).
#[derive(Debug, Clone, Default)]
pub struct Environment {
    variables: BTreeMap<String, String>,
}

impl Environment {
    /// The process environment.
    pub fn from_process() -> Environment {
        Environment { variables: std::env::vars().collect() }
    }

    /// An environment from pairs (for tests and embedding).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Environment {
        Environment { variables: pairs.into_iter().map(|(name, value)| (name.to_owned(), value.to_owned())).collect() }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.variables.get(name).map(String::as_str).filter(|value| !value.is_empty())
    }
}

/// How to sign in.
#[derive(Debug, Clone)]
pub enum Credential {
    /// An application with a client secret.
    ClientSecret {
        /// Directory (tenant) id.
        tenant_id: String,
        /// Application (client) id.
        client_id: String,
        /// The secret.
        secret: Secret,
    },
    /// An application with a certificate: we sign client assertions with its key.
    ClientCertificate {
        /// Directory (tenant) id.
        tenant_id: String,
        /// Application (client) id.
        client_id: String,
        /// The PEM file with the private key and the certificate.
        path: PathBuf,
    },
    /// Workload identity: a federated token in a file.
    FederatedTokenFile {
        /// Directory (tenant) id.
        tenant_id: String,
        /// Application (client) id.
        client_id: String,
        /// The token file.
        path: PathBuf,
    },
    /// GitHub Actions OIDC.
    GitHubActions {
        /// Directory (tenant) id.
        tenant_id: String,
        /// Application (client) id.
        client_id: String,
        /// `ACTIONS_ID_TOKEN_REQUEST_URL`.
        request_url: String,
        /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
        request_token: Secret,
    },
    /// The Azure CLI's signed-in account.
    AzureCli {
        /// The `az` program.
        program: PathBuf,
    },
    /// A bearer token given as is (tests, short scripts).
    Static(Secret),
}

/// Why signing in failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The environment names no usable credential.
    #[error(
        "no Microsoft Graph credentials found: {found}; set AZURE_TENANT_ID and AZURE_CLIENT_ID with one of \
         AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE or GitHub Actions OIDC \
         (permissions: id-token: write), or sign in with `az login`"
    )]
    NoCredentials {
        /// What was found, by variable name.
        found: String,
    },
    /// A file could not be read.
    #[error("cannot read {what} `{}`", path.display())]
    ReadFile {
        /// What the file is for.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The certificate file is not usable.
    #[error("the certificate file `{}` is not usable: {reason}", path.display())]
    Certificate {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The token endpoint refused.
    #[error("the sign-in service refused the token request ({status}): {error}: {description}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// OAuth error (`invalid_client`).
        error: String,
        /// The AADSTS description.
        description: String,
    },
    /// GitHub's ID-token endpoint refused.
    #[error(
        "GitHub Actions did not issue an ID token ({status}); does the workflow have `permissions: id-token: write`?"
    )]
    GitHub {
        /// HTTP status.
        status: u16,
    },
    /// The Azure CLI failed.
    #[error("the Azure CLI could not get a token: {reason}; run `az login` (or `az login --service-principal`)")]
    AzureCli {
        /// Why, from the CLI's own message.
        reason: String,
    },
    /// The sign-in service could not be reached.
    #[error("cannot reach the sign-in service")]
    Transport(#[source] reqwest::Error),
    /// A response did not have the expected shape.
    #[error("unexpected response from {what}")]
    Decode {
        /// Which service.
        what: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The access token's claims cannot be read.
    #[error("{0}")]
    Unreadable(String),
}

impl Credential {
    /// Picks a credential from the environment (see the module documentation for the order).
    pub fn from_environment(environment: &Environment) -> Result<Credential, AuthError> {
        let tenant = environment.get("AZURE_TENANT_ID");
        let client = environment.get("AZURE_CLIENT_ID");
        if let (Some(tenant_id), Some(client_id)) = (tenant, client) {
            let (tenant_id, client_id) = (tenant_id.to_owned(), client_id.to_owned());
            if let Some(secret) = environment.get("AZURE_CLIENT_SECRET") {
                return Ok(Credential::ClientSecret { tenant_id, client_id, secret: Secret::new(secret) });
            }
            if let Some(path) = environment.get("AZURE_CLIENT_CERTIFICATE_PATH") {
                return Ok(Credential::ClientCertificate { tenant_id, client_id, path: PathBuf::from(path) });
            }
            if let Some(path) = environment.get("AZURE_FEDERATED_TOKEN_FILE") {
                return Ok(Credential::FederatedTokenFile { tenant_id, client_id, path: PathBuf::from(path) });
            }
            if let (Some(url), Some(token)) =
                (environment.get("ACTIONS_ID_TOKEN_REQUEST_URL"), environment.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"))
            {
                return Ok(Credential::GitHubActions {
                    tenant_id,
                    client_id,
                    request_url: url.to_owned(),
                    request_token: Secret::new(token),
                });
            }
        }
        if let Some(program) = find_program(environment, "az") {
            return Ok(Credential::AzureCli { program });
        }
        let mut found: Vec<&str> = [
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET",
            "AZURE_CLIENT_CERTIFICATE_PATH",
            "AZURE_FEDERATED_TOKEN_FILE",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        ]
        .into_iter()
        .filter(|name| environment.get(name).is_some())
        .collect();
        if found.is_empty() {
            found.push("none of the AZURE_* variables");
        }
        let found = format!("found {}, and no `az` on PATH", found.join(", "));
        Err(AuthError::NoCredentials { found })
    }

    /// What kind of credential this is, for logs (no values).
    pub fn describe(&self) -> String {
        match self {
            Credential::ClientSecret { client_id, .. } => format!("client secret of application {client_id}"),
            Credential::ClientCertificate { client_id, path, .. } => {
                format!("certificate `{}` of application {client_id}", path.display())
            }
            Credential::FederatedTokenFile { client_id, .. } => {
                format!("federated token file for application {client_id}")
            }
            Credential::GitHubActions { client_id, .. } => format!("GitHub Actions OIDC for application {client_id}"),
            Credential::AzureCli { .. } => "Azure CLI account".to_owned(),
            Credential::Static(_) => "a static bearer token".to_owned(),
        }
    }
}

fn find_program(environment: &Environment, name: &str) -> Option<PathBuf> {
    let path = environment.get("PATH")?;
    std::env::split_paths(path).map(|directory| directory.join(name)).find(|candidate| candidate.is_file())
}

/// A token and when to stop using it.
struct Cached {
    token: Secret,
    refresh_at: Instant,
}

/// Gets tokens for a credential, caching them.
pub(crate) struct TokenSource {
    credential: Credential,
    endpoints: Endpoints,
    http: reqwest::Client,
    cache: tokio::sync::Mutex<Option<Cached>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

/// What an access token says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The tenant (`tid`).
    pub tenant_id: Option<String>,
    /// The application (client) id (`appid`, or `azp`).
    pub app_id: Option<String>,
    /// The application's service principal in the tenant (`oid`).
    pub object_id: Option<String>,
    /// The application permissions granted with admin consent (`roles`).
    pub roles: Vec<String>,
}

impl Identity {
    /// Reads the claims of a JWT access token (without checking its signature).
    pub fn of_token(token: &str) -> Result<Identity, AuthError> {
        use base64::Engine;
        let unreadable = || AuthError::Unreadable("the access token is not a JWT with readable claims".to_owned());
        let payload = token.split('.').nth(1).ok_or_else(unreadable)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|_| unreadable())?;
        let claims: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| unreadable())?;
        let text = |name: &str| claims.get(name).and_then(serde_json::Value::as_str).map(str::to_owned);
        Ok(Identity {
            tenant_id: text("tid"),
            app_id: text("appid").or_else(|| text("azp")),
            object_id: text("oid"),
            roles: claims
                .get("roles")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|role| role.as_str().map(str::to_owned))
                .collect(),
        })
    }
}

impl TokenSource {
    pub(crate) fn new(credential: Credential, endpoints: Endpoints, http: reqwest::Client) -> TokenSource {
        TokenSource { credential, endpoints, http, cache: tokio::sync::Mutex::new(None) }
    }

    /// A valid token: the cached one, or a new one. Concurrent callers wait for one sign-in.
    pub(crate) async fn token(&self) -> Result<Secret, AuthError> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && Instant::now() < cached.refresh_at
        {
            return Ok(cached.token.clone());
        }
        tracing::debug!(credential = %self.credential.describe(), "signing in");
        let (token, lifetime) = self.fetch().await?;
        tracing::debug!(lifetime = ?lifetime, "signed in");
        let refresh_in = lifetime.saturating_sub(REFRESH_MARGIN).max(lifetime / 2);
        *cache = Some(Cached { token: token.clone(), refresh_at: Instant::now() + refresh_in });
        Ok(token)
    }

    /// Forgets the cached token (after Graph said it is invalid).
    pub(crate) async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }

    async fn fetch(&self) -> Result<(Secret, Duration), AuthError> {
        match &self.credential {
            Credential::Static(token) => Ok((token.clone(), Duration::from_secs(3600))),
            Credential::ClientSecret { tenant_id, client_id, secret } => {
                self.exchange(tenant_id, client_id, &[("client_secret", secret.expose())]).await
            }
            Credential::ClientCertificate { tenant_id, client_id, path } => {
                let assertion = sign_assertion(path, client_id, &self.endpoints.token_url(tenant_id))?;
                self.exchange(
                    tenant_id,
                    client_id,
                    &[("client_assertion_type", JWT_BEARER), ("client_assertion", assertion.expose())],
                )
                .await
            }
            Credential::FederatedTokenFile { tenant_id, client_id, path } => {
                let assertion = std::fs::read_to_string(path).map_err(|source| AuthError::ReadFile {
                    what: "federated token file",
                    path: path.clone(),
                    source,
                })?;
                let assertion = Secret::new(assertion.trim());
                self.exchange(
                    tenant_id,
                    client_id,
                    &[("client_assertion_type", JWT_BEARER), ("client_assertion", assertion.expose())],
                )
                .await
            }
            Credential::GitHubActions { tenant_id, client_id, request_url, request_token } => {
                let assertion = self.github_id_token(request_url, request_token).await?;
                self.exchange(
                    tenant_id,
                    client_id,
                    &[("client_assertion_type", JWT_BEARER), ("client_assertion", assertion.expose())],
                )
                .await
            }
            Credential::AzureCli { program } => {
                azure_cli_token(program, self.endpoints.scope.trim_end_matches("/.default")).await
            }
        }
    }

    /// The client-credentials grant against the tenant's token endpoint.
    async fn exchange(
        &self,
        tenant_id: &str,
        client_id: &str,
        proof: &[(&str, &str)],
    ) -> Result<(Secret, Duration), AuthError> {
        let mut form: Vec<(&str, &str)> =
            vec![("grant_type", "client_credentials"), ("client_id", client_id), ("scope", &self.endpoints.scope)];
        form.extend_from_slice(proof);
        let url = self.endpoints.token_url(tenant_id);
        // A few quick retries for a sign-in service that is briefly away; token requests
        // are idempotent.
        let mut attempt = 0;
        let response = loop {
            attempt += 1;
            match self.http.post(&url).form(&form).timeout(Duration::from_secs(30)).send().await {
                Ok(response) if response.status().is_server_error() && attempt < 3 => {}
                Ok(response) => break response,
                Err(error) if attempt < 3 && (error.is_connect() || error.is_timeout()) => {}
                Err(error) => return Err(AuthError::Transport(error.without_url())),
            }
            tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
        };
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(AuthError::Transport)?;
        if status != 200 {
            let body: OAuthErrorBody = serde_json::from_slice(&bytes)
                .unwrap_or(OAuthErrorBody { error: "error".to_owned(), error_description: String::new() });
            return Err(AuthError::Refused { status, error: body.error, description: body.error_description });
        }
        let token: TokenResponse = serde_json::from_slice(&bytes)
            .map_err(|source| AuthError::Decode { what: "the token endpoint", source })?;
        Ok((Secret::new(token.access_token), Duration::from_secs(token.expires_in.unwrap_or(3600))))
    }

    async fn github_id_token(&self, request_url: &str, request_token: &Secret) -> Result<Secret, AuthError> {
        let separator = if request_url.contains('?') { '&' } else { '?' };
        let url = format!("{request_url}{separator}audience={AUDIENCE_TOKEN_EXCHANGE}");
        let response = self
            .http
            .get(url)
            .header("Authorization", format!("bearer {}", request_token.expose()))
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|error| AuthError::Transport(error.without_url()))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(AuthError::GitHub { status });
        }
        #[derive(Deserialize)]
        struct IdToken {
            value: String,
        }
        let bytes = response.bytes().await.map_err(AuthError::Transport)?;
        let token: IdToken = serde_json::from_slice(&bytes)
            .map_err(|source| AuthError::Decode { what: "GitHub's ID-token endpoint", source })?;
        Ok(Secret::new(token.value))
    }
}

fn now_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

/// A client assertion signed with the certificate's key: PS256 with the certificate's
/// SHA-256 thumbprint in `x5t#S256`, as Entra ID documents for certificate credentials.
fn sign_assertion(path: &PathBuf, client_id: &str, audience: &str) -> Result<Secret, AuthError> {
    let pem = Secret::new(std::fs::read_to_string(path).map_err(|source| AuthError::ReadFile {
        what: "certificate file",
        path: path.clone(),
        source,
    })?);
    let invalid = |reason: &str| AuthError::Certificate { path: path.clone(), reason: reason.to_owned() };
    let certificate = pem_block(pem.expose(), "CERTIFICATE").ok_or_else(|| {
        invalid("it has no CERTIFICATE block (a PEM file with the key and the certificate is expected)")
    })?;
    let der = base64::engine::general_purpose::STANDARD
        .decode(certificate.replace(['\n', '\r'], ""))
        .map_err(|_| invalid("its CERTIFICATE block is not base64"))?;
    let key = ["PRIVATE KEY", "RSA PRIVATE KEY"]
        .iter()
        .find_map(|label| {
            pem_block(pem.expose(), label)
                .map(|body| format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"))
        })
        .map(Secret::new)
        .ok_or_else(|| invalid("it has no unencrypted PRIVATE KEY block"))?;
    let encoding_key = jsonwebtoken::EncodingKey::from_rsa_pem(key.expose().as_bytes())
        .map_err(|_| invalid("its private key is not an RSA key"))?;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::PS256);
    header.x5t_s256 = Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&der)));
    let now = now_seconds();
    let unique: String = sha2::Sha256::digest(format!("{client_id}{now}{:?}", Instant::now()).as_bytes())
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let claims = serde_json::json!({
        "aud": audience,
        "iss": client_id,
        "sub": client_id,
        "jti": unique,
        "nbf": now,
        "iat": now,
        "exp": now + ASSERTION_LIFETIME,
    });
    jsonwebtoken::encode(&header, &claims, &encoding_key)
        .map(Secret::new)
        .map_err(|_| invalid("signing the client assertion failed"))
}

/// The base64 body of the first `-----BEGIN {label}-----` block.
fn pem_block(text: &str, label: &str) -> Option<String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = text[start..].find(&end)? + start;
    Some(text[start..stop].trim().to_owned())
}

/// `az account get-access-token --resource …`.
async fn azure_cli_token(program: &PathBuf, resource: &str) -> Result<(Secret, Duration), AuthError> {
    let output = tokio::process::Command::new(program)
        .args(["account", "get-access-token", "--resource", resource, "--output", "json"])
        .output()
        .await
        .map_err(|error| AuthError::AzureCli { reason: format!("cannot run `{}`: {error}", program.display()) })?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr);
        let reason = message
            .lines()
            .find(|line| !line.trim().is_empty())
            .unwrap_or("it failed without a message")
            .trim()
            .to_owned();
        return Err(AuthError::AzureCli { reason });
    }
    #[derive(Deserialize)]
    struct CliToken {
        #[serde(rename = "accessToken")]
        access_token: String,
        #[serde(default)]
        expires_on: Option<u64>,
    }
    let token: CliToken =
        serde_json::from_slice(&output.stdout).map_err(|source| AuthError::Decode { what: "the Azure CLI", source })?;
    let lifetime = token
        .expires_on
        .map_or(Duration::from_secs(600), |expires| Duration::from_secs(expires.saturating_sub(now_seconds())));
    Ok((Secret::new(token.access_token), lifetime))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_follows_the_azure_sdk_order() {
        let base = [("AZURE_TENANT_ID", "t"), ("AZURE_CLIENT_ID", "c")];
        let pick = |extra: &[(&'static str, &'static str)]| {
            Credential::from_environment(&Environment::from_pairs(base.iter().chain(extra).copied()))
        };
        assert!(matches!(
            pick(&[("AZURE_CLIENT_SECRET", "s"), ("AZURE_FEDERATED_TOKEN_FILE", "f")]),
            Ok(Credential::ClientSecret { .. })
        ));
        assert!(matches!(pick(&[("AZURE_CLIENT_CERTIFICATE_PATH", "p")]), Ok(Credential::ClientCertificate { .. })));
        assert!(matches!(pick(&[("AZURE_FEDERATED_TOKEN_FILE", "f")]), Ok(Credential::FederatedTokenFile { .. })));
        assert!(matches!(
            pick(&[("ACTIONS_ID_TOKEN_REQUEST_URL", "u"), ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "r")]),
            Ok(Credential::GitHubActions { .. })
        ));
        let error = pick(&[]).unwrap_err().to_string();
        assert!(error.contains("found AZURE_TENANT_ID, AZURE_CLIENT_ID, and no `az` on PATH"), "{error}");
    }

    #[test]
    fn errors_name_variables_never_values() {
        let environment = Environment::from_pairs([("AZURE_CLIENT_SECRET", "super-secret-value")]);
        let error = Credential::from_environment(&environment).unwrap_err().to_string();
        assert!(error.contains("AZURE_CLIENT_SECRET"));
        assert!(!error.contains("super-secret-value"));
        let credential = Credential::ClientSecret {
            tenant_id: "t".into(),
            client_id: "c".into(),
            secret: Secret::new("super-secret-value"),
        };
        assert!(!format!("{credential:?} {}", credential.describe()).contains("super-secret-value"));
    }
}

#[cfg(test)]
mod identity_tests {
    use base64::Engine;

    use super::Identity;

    #[test]
    fn an_app_only_token_names_its_application_and_roles() {
        let claims =
            serde_json::json!({ "tid": "t", "appid": "a", "oid": "o", "roles": ["User.Read.All", "Group.Read.All"] });
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
        let identity = Identity::of_token(&format!("header.{payload}.signature")).unwrap();
        assert_eq!(identity.app_id.as_deref(), Some("a"));
        assert_eq!(identity.object_id.as_deref(), Some("o"));
        assert_eq!(identity.roles, ["User.Read.All", "Group.Read.All"]);
        assert!(Identity::of_token("opaque").is_err());
    }
}
