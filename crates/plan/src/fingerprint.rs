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

fn hasher() -> Argon2<'static> {
    // OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, Some(32)).expect("constant parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The fingerprint of `token` with `salt` (16 random bytes from the caller), as stored:
/// `v1$<salt>$<hash>`, base64url without padding.
pub fn fingerprint(token: &str, salt: &[u8; 16]) -> String {
    let mut hash = [0u8; 32];
    hasher()
        .hash_password_into(token.as_bytes(), salt, &mut hash)
        .expect("a 16-byte salt and 32-byte output are valid");
    let encode = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    format!("{VERSION}${}${}", encode(salt), encode(&hash))
}

/// Whether `token` is the token behind `stored`. A malformed or foreign fingerprint never
/// matches (the token is then treated as changed, which re-saves it: the safe side).
pub fn matches(token: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some(VERSION), Some(salt), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(salt) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(salt) else { return false };
    let Ok(salt) = <[u8; 16]>::try_from(salt.as_slice()) else { return false };
    // Constant-time enough: the comparison is of public hashes, not of the secret.
    fingerprint(token, &salt) == stored
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
    }
}
