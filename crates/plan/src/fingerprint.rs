//! Token fingerprints: how scimform knows whether the SCIM token in the spec changed
//! without ever storing the token.
//!
//! Graph never returns a saved token (reads show `*`), and scimform keeps no state file,
//! so the service principal carries a tag `scimform:token=v1$<salt>$<hash>`: an argon2id
//! hash of the token with a random salt. Comparing the spec's token with it needs the
//! token and the work of one slow hash; learning the token from it needs a brute force
//! against argon2id. The threat model is in ARCHITECTURE.md.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;

/// The tag prefix of a fingerprint.
pub const TAG_PREFIX: &str = "scimform:token=";
const VERSION: &str = "v1";

/// argon2id's memory, in KiB blocks: OWASP's minimum, 19 MiB.
const MEMORY_BLOCKS: u32 = 19 * 1024;

fn hasher() -> Argon2<'static> {
    // OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(MEMORY_BLOCKS, 2, 1, Some(32)).expect("constant parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The 19 MiB a fingerprint works in. Checking many fingerprints with a few of these
/// (one per core) keeps memory bounded: allocating 19 MiB per check leaves each
/// allocator arena holding its last buffers.
pub struct Scratch(Vec<argon2::Block>);

impl Scratch {
    /// A buffer for one fingerprint at a time.
    pub fn new() -> Scratch {
        Scratch(vec![argon2::Block::default(); MEMORY_BLOCKS as usize])
    }
}

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch::new()
    }
}

/// The fingerprint of `token` with `salt` (16 random bytes from the caller), as stored:
/// `v1$<salt>$<hash>`, base64url without padding.
pub fn fingerprint(token: &str, salt: &[u8; 16]) -> String {
    fingerprint_in(&mut Scratch::new(), token, salt)
}

/// [`fingerprint`], working in `scratch`.
pub fn fingerprint_in(scratch: &mut Scratch, token: &str, salt: &[u8; 16]) -> String {
    let mut hash = [0u8; 32];
    hasher()
        .hash_password_into_with_memory(token.as_bytes(), salt, &mut hash, &mut scratch.0)
        .expect("a 16-byte salt, a 32-byte output and a buffer of the parameters' size are valid");
    let encode = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    format!("{VERSION}${}${}", encode(salt), encode(&hash))
}

/// Whether `token` is the token behind `stored`. A malformed or foreign fingerprint never
/// matches (the token is then treated as changed, which re-saves it: the safe side).
pub fn matches(token: &str, stored: &str) -> bool {
    matches_in(&mut Scratch::new(), token, stored)
}

/// [`matches`], working in `scratch`.
pub fn matches_in(scratch: &mut Scratch, token: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some(VERSION), Some(salt), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(salt) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(salt) else { return false };
    let Ok(salt) = <[u8; 16]>::try_from(salt.as_slice()) else { return false };
    // Constant-time enough: the comparison is of public hashes, not of the secret.
    fingerprint_in(scratch, token, &salt) == stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_only_its_token() {
        let stored = fingerprint("netskope-token", &[7; 16]);
        assert!(stored.starts_with("v1$"));
        assert!(!stored.contains("netskope-token"));
        assert!(matches("netskope-token", &stored));
        assert!(!matches("other-token", &stored));
        assert!(!matches("netskope-token", "v0$garbage"));
        assert_ne!(stored, fingerprint("netskope-token", &[8; 16]), "the salt makes equal tokens differ");
        let mut scratch = Scratch::new();
        assert!(matches_in(&mut scratch, "netskope-token", &stored), "a reused buffer gives the same hash");
        assert_eq!(fingerprint_in(&mut scratch, "netskope-token", &[7; 16]), stored);
    }
}
