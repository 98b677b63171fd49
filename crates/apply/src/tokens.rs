//! Reading SCIM tokens from their references, and fingerprinting them.

use std::collections::BTreeMap;

use scimform_graph::Secret;
use scimform_plan::state::TokenSource;

/// The environment variables a run may read tokens from (a snapshot, for testability).
#[derive(Debug, Clone, Default)]
pub struct TokenEnvironment {
    variables: BTreeMap<String, String>,
}

impl TokenEnvironment {
    /// The process environment.
    pub fn from_process() -> TokenEnvironment {
        TokenEnvironment { variables: std::env::vars().collect() }
    }

    /// Given variables.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> TokenEnvironment {
        TokenEnvironment {
            variables: pairs.into_iter().map(|(name, value)| (name.to_owned(), value.to_owned())).collect(),
        }
    }
}

/// A token that cannot be read. Never holds the token.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The variable is not set or empty.
    #[error("environment variable `{variable}` is not set (or empty); set it to the SCIM token")]
    MissingVariable {
        /// Its name.
        variable: String,
    },
    /// The file cannot be read.
    #[error("cannot read the token file `{path}`")]
    File {
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("the token file `{path}` is empty")]
    EmptyFile {
        /// The path.
        path: String,
    },
}

/// Reads a token. Surrounding white space (a trailing newline in a file) is dropped.
pub fn read_token(reference: &TokenSource, environment: &TokenEnvironment) -> Result<Secret, TokenError> {
    match reference {
        TokenSource::Env { variable } => environment
            .variables
            .get(variable)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
            .map(Secret::new)
            .ok_or_else(|| TokenError::MissingVariable { variable: variable.clone() }),
        TokenSource::File { path } => {
            let text = Secret::new(
                std::fs::read_to_string(path).map_err(|source| TokenError::File { path: path.clone(), source })?,
            );
            let token = text.expose().trim();
            if token.is_empty() {
                return Err(TokenError::EmptyFile { path: path.clone() });
            }
            Ok(Secret::new(token))
        }
    }
}

/// 16 bytes for a fingerprint salt. Salts must be unique, not secret: the process's
/// randomly keyed hasher is enough, and spares a dependency.
pub fn new_salt() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    let mut salt = [0u8; 16];
    for (index, chunk) in salt.chunks_mut(8).enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(index);
        hasher.write_u128(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_nanos()),
        );
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    salt
}
