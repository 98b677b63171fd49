//! Reading SCIM tokens from their references, and fingerprinting them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use scimform_graph::Secret;
use scimform_plan::fingerprint;
use scimform_plan::state::{MIN_TOKEN_CHARS, TokenCheck, TokenSource, TokenState};

/// The largest token file read; SCIM tokens are a few hundred bytes.
pub const MAX_TOKEN_FILE_BYTES: u64 = 16 * 1024;

/// Where a run may read tokens from: a snapshot of the environment variables, and the
/// directories token files must really be in (after following symlinks). Validation has
/// already refused references a spec may not use; this checks what only reading can.
#[derive(Debug, Clone, Default)]
pub struct TokenEnvironment {
    variables: BTreeMap<String, String>,
    /// Empty: no confinement (tests that read their own files).
    file_roots: Vec<PathBuf>,
}

impl TokenEnvironment {
    /// The process environment.
    pub fn from_process() -> TokenEnvironment {
        TokenEnvironment { variables: std::env::vars().collect(), file_roots: Vec::new() }
    }

    /// Given variables.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> TokenEnvironment {
        TokenEnvironment {
            variables: pairs.into_iter().map(|(name, value)| (name.to_owned(), value.to_owned())).collect(),
            file_roots: Vec::new(),
        }
    }

    /// Token files must be inside one of these directories once symlinks are followed.
    pub fn confined_to(mut self, roots: Vec<PathBuf>) -> TokenEnvironment {
        self.file_roots = roots;
        self
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
    /// The file is a symlink (or in a directory) that leads outside the spec tree.
    #[error("the token file `{path}` leads outside the spec tree (through a symlink); keep token files inside it")]
    OutsideTree {
        /// The path.
        path: String,
    },
    /// Not a regular file (a pipe, a device, a directory).
    #[error("the token file `{path}` is not a regular file")]
    NotRegular {
        /// The path.
        path: String,
    },
    /// Larger than a token could be.
    #[error("the token file `{path}` is larger than {MAX_TOKEN_FILE_BYTES} bytes; a SCIM token is one short line")]
    TooLarge {
        /// The path.
        path: String,
    },
    /// A token with more than one line, or a control character.
    #[error(
        "the token from {source_name} contains a line break or control character; a SCIM token is one line of printable text"
    )]
    Malformed {
        /// Where it came from, in words.
        source_name: String,
    },
}

impl TokenError {
    /// Why the token is absent where the command runs (its variable unset, its file
    /// missing): what a plan made without secrets may note instead of failing. `None` for
    /// a token that is there but wrong (empty file, outside the tree, malformed), which no
    /// plan passes.
    pub fn absence(&self) -> Option<String> {
        match self {
            TokenError::MissingVariable { variable } => Some(format!("{variable} is not set")),
            TokenError::File { path, source } if source.kind() == std::io::ErrorKind::NotFound => {
                Some(format!("the file {path} does not exist"))
            }
            _ => None,
        }
    }
}

/// Reads a token. Surrounding white space (a trailing newline in a file) is dropped; what
/// is left must be one line of printable text.
pub fn read_token(reference: &TokenSource, environment: &TokenEnvironment) -> Result<Secret, TokenError> {
    let (token, source_name) = match reference {
        TokenSource::Env { variable } => {
            let value = environment
                .variables
                .get(variable)
                .map(|value| Secret::new(value.trim()))
                .filter(|value| !value.expose().is_empty())
                .ok_or_else(|| TokenError::MissingVariable { variable: variable.clone() })?;
            (value, format!("environment variable `{variable}`"))
        }
        TokenSource::File { path } => (read_token_file(path, &environment.file_roots)?, format!("file `{path}`")),
    };
    if token.expose().chars().any(char::is_control) {
        return Err(TokenError::Malformed { source_name });
    }
    Ok(token)
}

fn read_token_file(path: &str, roots: &[PathBuf]) -> Result<Secret, TokenError> {
    use std::io::Read;
    let io = |source| TokenError::File { path: path.to_owned(), source };
    let real = std::fs::canonicalize(path).map_err(io)?;
    if !roots.is_empty()
        && !roots.iter().filter_map(|root| std::fs::canonicalize(root).ok()).any(|root| real.starts_with(root))
    {
        return Err(TokenError::OutsideTree { path: path.to_owned() });
    }
    if !std::fs::metadata(&real).map_err(io)?.is_file() {
        return Err(TokenError::NotRegular { path: path.to_owned() });
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&real)
        .and_then(|file| file.take(MAX_TOKEN_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() as u64 > MAX_TOKEN_FILE_BYTES {
        return Err(TokenError::TooLarge { path: path.to_owned() });
    }
    let text = Secret::new(
        String::from_utf8(bytes).map_err(|_| TokenError::Malformed { source_name: format!("file `{path}`") })?,
    );
    let token = text.expose().trim();
    if token.is_empty() {
        return Err(TokenError::EmptyFile { path: path.to_owned() });
    }
    Ok(Secret::new(token))
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

/// The fingerprint tag's value among service principal tags.
pub(crate) fn stored_fingerprint(tags: &[String]) -> Option<String> {
    tags.iter().find_map(|tag| tag.strip_prefix(fingerprint::TAG_PREFIX)).map(str::to_owned)
}

/// Fingerprint checks on the blocking pool, at most one per core at a time, each in one of
/// a core's worth of reused argon2 buffers (so memory stays at cores × 7 MiB however many
/// apps there are).
pub(crate) struct FingerprintChecks {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    buffers: std::sync::Arc<std::sync::Mutex<Vec<fingerprint::Scratch>>>,
}

impl FingerprintChecks {
    pub(crate) fn new() -> FingerprintChecks {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        FingerprintChecks {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(cores)),
            buffers: std::sync::Arc::default(),
        }
    }

    /// Whether `token` is the one behind `stored`, and whether it is short.
    pub(crate) fn start(
        &self,
        token: scimform_graph::Secret,
        stored: Option<String>,
    ) -> tokio::task::JoinHandle<TokenCheck> {
        let (permits, buffers) = (self.permits.clone(), self.buffers.clone());
        let short = token.expose().chars().count() < MIN_TOKEN_CHARS;
        tokio::spawn(async move {
            let Some(stored) = stored else { return TokenCheck { state: TokenState::Changed, short } };
            let _permit = permits.acquire_owned().await.expect("the semaphore is never closed");
            tokio::task::spawn_blocking(move || {
                // A permit holder finds a buffer, or makes one: never more than the permits.
                let mut scratch = buffers.lock().expect("no check panics").pop().unwrap_or_default();
                let state = if fingerprint::matches_in(&mut scratch, token.expose(), &stored) {
                    TokenState::Unchanged
                } else {
                    TokenState::Changed
                };
                buffers.lock().expect("no check panics").push(scratch);
                TokenCheck { state, short }
            })
            .await
            .expect("fingerprinting does not panic")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_source(path: &std::path::Path) -> TokenSource {
        TokenSource::File { path: path.to_string_lossy().into_owned() }
    }

    #[test]
    fn token_files_must_be_one_short_line_in_a_regular_file() {
        let directory = std::env::temp_dir().join(format!("scimform-tokens-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let environment = TokenEnvironment::default().confined_to(vec![directory.clone()]);
        let write = |name: &str, text: &str| {
            let path = directory.join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let good = write("good.token", "s3cret-token\n");
        assert_eq!(read_token(&file_source(&good), &environment).unwrap().expose(), "s3cret-token");
        let big = write("big.token", &"x".repeat(MAX_TOKEN_FILE_BYTES as usize + 1));
        assert!(matches!(read_token(&file_source(&big), &environment), Err(TokenError::TooLarge { .. })));
        let lines = write("lines.token", "first\nsecond\n");
        assert!(matches!(read_token(&file_source(&lines), &environment), Err(TokenError::Malformed { .. })));
        let pipe = directory.join("pipe.token");
        let _ = std::fs::remove_file(&pipe);
        assert!(std::process::Command::new("mkfifo").arg(&pipe).status().unwrap().success(), "mkfifo is needed");
        assert!(matches!(read_token(&file_source(&pipe), &environment), Err(TokenError::NotRegular { .. })));
        let outside = std::env::temp_dir().join(format!("scimform-outside-{}.token", std::process::id()));
        std::fs::write(&outside, "stolen").unwrap();
        assert!(matches!(read_token(&file_source(&outside), &environment), Err(TokenError::OutsideTree { .. })));
        std::fs::remove_file(&outside).unwrap();
        std::fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn tokens_with_control_characters_are_refused_wherever_they_come_from() {
        let environment = TokenEnvironment::from_pairs([("GOOD", " token \n"), ("BAD", "tok\u{7}en"), ("TWO", "a\nb")]);
        let variable = |name: &str| TokenSource::Env { variable: name.to_owned() };
        assert_eq!(read_token(&variable("GOOD"), &environment).unwrap().expose(), "token");
        assert!(matches!(read_token(&variable("BAD"), &environment), Err(TokenError::Malformed { .. })));
        assert!(matches!(read_token(&variable("TWO"), &environment), Err(TokenError::Malformed { .. })));
    }
}
