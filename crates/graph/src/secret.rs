//! Secrets as a type: a value that cannot be printed, logged or serialized by accident.

use std::fmt;

/// A secret string: a client secret, an access token, a SCIM bearer token.
///
/// `Debug` and `Display` print `(secret)`; there is no `Serialize`. The only way to the
/// value is [`Secret::expose`], which reads as a warning at every call site.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Secret(..)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("(secret)")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Overwrite the value before its memory is freed, so it does not linger there.
        // (Copies made by the HTTP stack are out of our hands.)
        let zeros = "\0".repeat(self.0.len());
        self.0.replace_range(.., &zeros);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_its_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?} {secret}"), "Secret(..) (secret)");
        assert_eq!(secret.expose(), "hunter2");
    }
}
