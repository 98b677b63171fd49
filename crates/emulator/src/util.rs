//! Small helpers: a deterministic id generator, Graph's timestamp format, and secret
//! digests (a restarted emulator knows only the digests of the secrets it was given).

use std::time::{SystemTime, UNIX_EPOCH};

use sha2::Digest;

/// A seeded pseudo-random generator (splitmix64). Every id the emulator makes comes from
/// here, so a run with the same seed and the same requests makes the same ids: snapshots
/// and fault schedules are reproducible.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (bound > 0).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }

    /// A random (version 4) GUID, lower case, as Graph writes object ids.
    pub(crate) fn guid(&mut self) -> String {
        let high = self.next_u64();
        let low = self.next_u64();
        let bytes: Vec<u8> = high.to_be_bytes().into_iter().chain(low.to_be_bytes()).collect();
        let mut bytes: [u8; 16] = bytes.try_into().expect("16 bytes");
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
    }

    /// `len` random hex digits.
    pub(crate) fn hex(&mut self, len: usize) -> String {
        let mut text = String::new();
        while text.len() < len {
            text.push_str(&format!("{:016x}", self.next_u64()));
        }
        text.truncate(len);
        text
    }
}

/// Now, in Graph's `DateTimeOffset` format (`2026-11-30T10:24:19Z`).
pub(crate) fn now_timestamp() -> String {
    format_timestamp(now_seconds())
}

/// Now, in seconds since the Unix epoch.
pub(crate) fn now_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

/// Seconds since the Unix epoch in Graph's `DateTimeOffset` format.
pub(crate) fn format_timestamp(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days as i64);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Percent-decoding for URL path segments and query values (`+` is a space in queries).
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).ok();
                match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        index += 3;
                    }
                    None => {
                        out.push(b'%');
                        index += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                index += 1;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encoding for query values in links we hand out: the SCIM dialect's, one
/// definition.
pub(crate) use scimform_scim_dialect::percent_encode;

/// `sha256:<hex>` of a secret; a value that is a digest already stays as it is.
pub(crate) fn digest(text: &str) -> String {
    if text.starts_with(DIGEST_PREFIX) {
        return text.to_owned();
    }
    let hex: String = sha2::Sha256::digest(text.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect();
    format!("{DIGEST_PREFIX}{hex}")
}

pub(crate) const DIGEST_PREFIX: &str = "sha256:";

/// Whether a secret someone presents is the one stored (as it is, or as its digest).
pub(crate) fn secret_matches(stored: &str, presented: &str) -> bool {
    stored == presented || stored == digest(presented)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_timestamp(1_795_998_259), "2026-11-30T00:24:19Z");
        assert_eq!(format_timestamp(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn guids_are_well_formed_and_deterministic() {
        let mut first = Rng::new(7);
        let mut second = Rng::new(7);
        let guid = first.guid();
        assert_eq!(guid, second.guid());
        assert_eq!(guid.len(), 36);
        assert_eq!(&guid[14..15], "4");
    }

    #[test]
    fn percent_coding_round_trips() {
        let text = "displayName eq 'Netskope Users' & more/€";
        assert_eq!(percent_decode(&percent_encode(text), false), text);
        assert_eq!(percent_decode("a+b%20c", true), "a b c");
        assert_eq!(percent_decode("100%", false), "100%");
    }
}
