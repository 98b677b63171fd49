//! Token fingerprints: how scimform knows whether the SCIM token in the spec changed
//! without ever storing the token.
//!
//! Graph never returns a saved token (reads show `*`), and scimform keeps no state file,
//! so the service principal carries a tag `scimform:token=v2$<salt>$<hash>`: an argon2id
//! hash of the token with a random salt. Comparing the spec's token with it needs the
//! token and the work of one slow hash; learning the token from it needs a brute force
//! against argon2id. The threat model is in ARCHITECTURE.md.

use argon2_rust::params::Memory;
use argon2_rust::{Algorithm, Argon2, Hasher, Params, Version};
use base64::Engine;

/// The tag prefix of a fingerprint.
pub const TAG_PREFIX: &str = "scimform:token=";

/// A fingerprint format: the version its tags start with and argon2id's cost (1 lane,
/// a 32-byte hash).
struct Format {
    version: &'static str,
    memory_mib: u64,
    passes: u32,
}

/// The format new fingerprints are written in: OWASP's least-memory configuration of
/// argon2id (7 MiB, 5 passes, 1 lane), which the cheat sheet lists as giving the same
/// defence as its 19 MiB, 2-pass one, for less of a runner's CPU and memory.
/// ARCHITECTURE.md has the decision.
const CURRENT: Format = Format { version: "v2", memory_mib: 7, passes: 5 };

/// Every format still read: `v1` (19 MiB, 2 passes) was written before `v2`; its tags keep
/// matching until the next token save rewrites them.
const FORMATS: [Format; 2] = [CURRENT, Format { version: "v1", memory_mib: 19, passes: 2 }];

impl Format {
    fn of(version: &str) -> Option<&'static Format> {
        FORMATS.iter().find(|format| format.version == version)
    }

    fn hasher(&self) -> Hasher {
        let params = Params::builder()
            .memory(Memory::mib(self.memory_mib))
            .passes(self.passes)
            .lanes(1)
            .build()
            .expect("constant parameters are valid");
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hasher()
    }
}

/// The memory fingerprints are worked out in: one argon2id arena per format used, kept
/// between checks (mapped and resident, wiped after each). Checking many fingerprints
/// with a few of these (one per core) keeps memory bounded and skips an arena's setup
/// per check.
#[derive(Default)]
pub struct Scratch {
    hashers: Vec<(&'static str, Hasher)>,
}

impl Scratch {
    /// A buffer for one fingerprint at a time (its arena is made on first use).
    pub fn new() -> Scratch {
        Scratch::default()
    }

    fn hash(&mut self, format: &'static Format, token: &str, salt: &[u8; 16]) -> String {
        let index = match self.hashers.iter().position(|(version, _)| *version == format.version) {
            Some(index) => index,
            None => {
                self.hashers.push((format.version, format.hasher()));
                self.hashers.len() - 1
            }
        };
        let mut hash = [0u8; 32];
        self.hashers[index]
            .1
            .hash_into(token.as_bytes(), salt, &mut hash)
            .expect("a 16-byte salt and a 32-byte output are valid for argon2id");
        let encode = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        format!("{}${}${}", format.version, encode(salt), encode(&hash))
    }
}

/// The fingerprint of `token` with `salt` (16 random bytes from the caller), as stored:
/// `v2$<salt>$<hash>`, base64url without padding.
pub fn fingerprint(token: &str, salt: &[u8; 16]) -> String {
    fingerprint_in(&mut Scratch::new(), token, salt)
}

/// [`fingerprint`], working in `scratch`.
pub fn fingerprint_in(scratch: &mut Scratch, token: &str, salt: &[u8; 16]) -> String {
    scratch.hash(&CURRENT, token, salt)
}

/// Whether `token` is the token behind `stored` (of any format still read). A malformed
/// or foreign fingerprint never matches (the token is then treated as changed, which
/// re-saves it: the safe side).
pub fn matches(token: &str, stored: &str) -> bool {
    matches_in(&mut Scratch::new(), token, stored)
}

/// [`matches`], working in `scratch`.
pub fn matches_in(scratch: &mut Scratch, token: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some(version), Some(salt), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Some(format) = Format::of(version) else { return false };
    let Ok(salt) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(salt) else { return false };
    let Ok(salt) = <[u8; 16]>::try_from(salt.as_slice()) else { return false };
    // Constant-time enough: the comparison is of public hashes, not of the secret.
    scratch.hash(format, token, &salt) == stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_only_its_token() {
        let stored = fingerprint("netskope-token", &[7; 16]);
        assert!(stored.starts_with("v2$"));
        assert!(!stored.contains("netskope-token"));
        assert!(matches("netskope-token", &stored));
        assert!(!matches("other-token", &stored));
        assert!(!matches("netskope-token", "v0$garbage"));
        assert_ne!(stored, fingerprint("netskope-token", &[8; 16]), "the salt makes equal tokens differ");
        let mut scratch = Scratch::new();
        assert!(matches_in(&mut scratch, "netskope-token", &stored), "a reused buffer gives the same hash");
        assert_eq!(fingerprint_in(&mut scratch, "netskope-token", &[7; 16]), stored);
    }

    /// Known answers pin both formats: a change of parameters, encoding or implementation
    /// would make every managed app's token look changed. (The answers were computed with
    /// RustCrypto's `argon2`, an implementation independent of the one used here.)
    #[test]
    fn formats_are_stable() {
        let salt = [7; 16];
        let v2 = fingerprint("netskope-token", &salt);
        assert_eq!(v2, "v2$BwcHBwcHBwcHBwcHBwcHBw$L-NNxq9znH-zluwdxrUWtV7AEWH868S7-NE_qCMTmUI");
        let v1 = "v1$BwcHBwcHBwcHBwcHBwcHBw$gaJTNs0JtPQFpBnjYKXjt_vSNkYQKng6WvLGTn7P0fQ";
        let mut scratch = Scratch::new();
        assert!(matches_in(&mut scratch, "netskope-token", v1), "a tag written before v2 still matches");
        assert!(!matches_in(&mut scratch, "other-token", v1));
        assert!(matches_in(&mut scratch, "netskope-token", &v2), "a buffer grown for v1 still checks v2");
    }
}
