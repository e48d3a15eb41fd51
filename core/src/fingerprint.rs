//! Verification: safety numbers (and their QR payload) over both hybrid identities, and the
//! short authentication string (SAS) of a handshake.
//!
//! Spec: `docs/PROTOCOL.md`, section 8 ("Verification").
//!
//! A safety number commits to both halves of both identities (X25519 and ML-DSA keys), so a
//! server that substitutes either half of either party's identity changes it. Comparisons are
//! constant-time.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use subtle::ConstantTimeEq;

use crate::identity::PublicIdentity;
use crate::labels;

/// Decimal digits shown per identity.
pub(crate) const SAFETY_DIGITS_PER_IDENTITY: usize = 30;
/// Length of an identity's fingerprint (SHA-256, section 8.1).
pub const FINGERPRINT_LEN: usize = 32;

/// Length of the QR payload: version byte and both 32-byte fingerprints.
pub const SAFETY_QR_LEN: usize = 1 + FINGERPRINT_LEN + FINGERPRINT_LEN;

/// The safety number of a pair of identities. The same on both sides: fingerprints are
/// ordered by value, not by who is local.
#[derive(Clone, PartialEq, Eq)]
pub struct SafetyNumber {
    low: [u8; 32],
    high: [u8; 32],
}

/// 30 decimal digits from a fingerprint: six 40-bit big-endian chunks, each reduced modulo
/// 100,000 to five digits (bias below 2^-23 per chunk).
#[allow(clippy::integer_division_remainder_used)] // public data: timing reveals nothing
fn digits(fingerprint: &[u8; 32], out: &mut String) {
    for chunk in fingerprint.chunks_exact(5).take(6) {
        let mut v: u64 = 0;
        for b in chunk {
            v = (v << 8) | u64::from(*b);
        }
        let mut v = v % 100_000;
        let mut five = [b'0'; 5];
        for d in five.iter_mut().rev() {
            // `v % 10 < 10`: the cast cannot truncate.
            *d = b'0'.saturating_add(u8::try_from(v % 10).unwrap_or(0));
            v /= 10;
        }
        out.extend(five.iter().map(|b| char::from(*b)));
    }
}

impl SafetyNumber {
    /// Computes the safety number of two identities (in either order).
    #[must_use]
    pub fn new(a: &PublicIdentity, b: &PublicIdentity) -> Self {
        Self::from_fingerprints(a.fingerprint(), b.fingerprint())
    }

    pub(crate) fn from_fingerprints(a: [u8; 32], b: [u8; 32]) -> Self {
        if a <= b {
            Self { low: a, high: b }
        } else {
            Self { low: b, high: a }
        }
    }

    /// The 60 digits as 12 groups of five separated by spaces.
    #[must_use]
    pub fn to_digits(&self) -> String {
        let mut raw = String::with_capacity(2 * SAFETY_DIGITS_PER_IDENTITY);
        digits(&self.low, &mut raw);
        digits(&self.high, &mut raw);
        let mut out = String::with_capacity(72);
        for (i, c) in raw.chars().enumerate() {
            if i > 0 && i.is_multiple_of(5) {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }

    /// The QR payload: `version || low fingerprint || high fingerprint` (65 bytes).
    #[must_use]
    pub fn qr_payload(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(SAFETY_QR_LEN);
        out.push(labels::SAFETY_QR_VERSION);
        out.extend_from_slice(&self.low);
        out.extend_from_slice(&self.high);
        out
    }

    /// Constant-time comparison with a scanned QR payload. A payload of the wrong length or
    /// version never matches.
    #[must_use]
    pub fn matches_qr(&self, scanned: &[u8]) -> bool {
        let ours = self.qr_payload();
        if scanned.len() != ours.len() {
            return false;
        }
        bool::from(ours.as_slice().ct_eq(scanned))
    }

    /// Constant-time comparison with digits typed or read by the user (spaces ignored).
    #[must_use]
    pub fn matches_digits(&self, typed: &str) -> bool {
        let ours: Vec<u8> = self.to_digits().bytes().filter(|b| *b != b' ').collect();
        let theirs: Vec<u8> = typed.bytes().filter(|b| *b != b' ').collect();
        if ours.len() != theirs.len() {
            return false;
        }
        bool::from(ours.as_slice().ct_eq(theirs.as_slice()))
    }
}

impl fmt::Debug for SafetyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SafetyNumber({})", self.to_digits())
    }
}

/// The 64 SAS emoji with their names; index = 6-bit value.
pub const SAS_EMOJI: [(&str, &str); 64] = [
    ("🐶", "dog"),
    ("🐱", "cat"),
    ("🦊", "fox"),
    ("🐻", "bear"),
    ("🐼", "panda"),
    ("🐨", "koala"),
    ("🐯", "tiger"),
    ("🦁", "lion"),
    ("🐮", "cow"),
    ("🐷", "pig"),
    ("🐸", "frog"),
    ("🐵", "monkey"),
    ("🐔", "chicken"),
    ("🐧", "penguin"),
    ("🦉", "owl"),
    ("🐴", "horse"),
    ("🦄", "unicorn"),
    ("🐝", "bee"),
    ("🐞", "ladybug"),
    ("🦋", "butterfly"),
    ("🐢", "turtle"),
    ("🐍", "snake"),
    ("🐙", "octopus"),
    ("🐳", "whale"),
    ("🐬", "dolphin"),
    ("🐟", "fish"),
    ("🦀", "crab"),
    ("🐘", "elephant"),
    ("🦒", "giraffe"),
    ("🐪", "camel"),
    ("🌵", "cactus"),
    ("🌲", "tree"),
    ("🌻", "sunflower"),
    ("🍄", "mushroom"),
    ("🌙", "moon"),
    ("⭐", "star"),
    ("🌈", "rainbow"),
    ("⚡", "lightning"),
    ("❄️", "snowflake"),
    ("🔥", "fire"),
    ("🍎", "apple"),
    ("🍋", "lemon"),
    ("🍌", "banana"),
    ("🍇", "grapes"),
    ("🍓", "strawberry"),
    ("🥕", "carrot"),
    ("🌽", "corn"),
    ("🍕", "pizza"),
    ("🍩", "doughnut"),
    ("🎂", "cake"),
    ("☕", "coffee"),
    ("🎈", "balloon"),
    ("🎁", "gift"),
    ("🔑", "key"),
    ("🔒", "lock"),
    ("🔔", "bell"),
    ("⚓", "anchor"),
    ("🚲", "bicycle"),
    ("🚀", "rocket"),
    ("⛵", "sailboat"),
    ("🎸", "guitar"),
    ("🎲", "die"),
    ("📚", "books"),
    ("⏰", "alarm clock"),
];

/// Short authentication string of a handshake: 8 bytes from the key schedule, shown as seven
/// emoji (42 bits) or three four-digit numbers (39 bits). Equality is constant-time.
#[derive(Clone, Copy)]
pub struct Sas([u8; 8]);

impl PartialEq for Sas {
    fn eq(&self, other: &Self) -> bool {
        self.ct_matches(other)
    }
}

impl Eq for Sas {}

impl Sas {
    pub(crate) fn new(bytes: [u8; 8]) -> Self {
        Self(bytes)
    }

    fn bits(&self) -> u64 {
        u64::from_be_bytes(self.0)
    }

    /// Seven emoji: the first 42 bits, six bits each, most significant first.
    #[must_use]
    pub fn emoji(&self) -> [(&'static str, &'static str); 7] {
        let bits = self.bits();
        let mut out = [("", ""); 7];
        for (i, slot) in (0u32..).zip(out.iter_mut()) {
            let shift = 58u32.saturating_sub(i.saturating_mul(6));
            let index = usize::try_from((bits >> shift) & 0x3F).unwrap_or(0);
            *slot = SAS_EMOJI.get(index).copied().unwrap_or(("", ""));
        }
        out
    }

    /// Three numbers from 1000 to 9191: the first 39 bits, 13 bits each, plus 1000.
    #[must_use]
    pub fn decimal(&self) -> [u16; 3] {
        let bits = self.bits();
        let mut out = [0u16; 3];
        for (i, slot) in (0u32..).zip(out.iter_mut()) {
            let shift = 51u32.saturating_sub(i.saturating_mul(13));
            let v = u16::try_from((bits >> shift) & 0x1FFF).unwrap_or(0);
            *slot = v.saturating_add(1000);
        }
        out
    }

    /// The raw eight bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }

    /// Constant-time equality.
    #[must_use]
    pub fn ct_matches(&self, other: &Sas) -> bool {
        bool::from(self.0.ct_eq(&other.0))
    }
}

impl fmt::Debug for Sas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c] = self.decimal();
        write!(f, "Sas({a}-{b}-{c})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sas_renderings_take_the_top_bits() {
        let sas = Sas::new([0xFF; 8]);
        assert_eq!(sas.decimal(), [1000 + 8191; 3]);
        assert!(sas.emoji().iter().all(|e| e.1 == "alarm clock"));
        let sas = Sas::new([0; 8]);
        assert_eq!(sas.decimal(), [1000; 3]);
        assert!(sas.emoji().iter().all(|e| e.1 == "dog"));
        // 0b000001 in the second six-bit group.
        let sas = Sas::new([0x00, 0x10, 0, 0, 0, 0, 0, 0]);
        assert_eq!(sas.emoji()[1].1, "cat");
    }

    #[test]
    fn emoji_table_is_distinct() {
        for (i, a) in SAS_EMOJI.iter().enumerate() {
            for b in SAS_EMOJI.iter().skip(i + 1) {
                assert_ne!(a.0, b.0);
                assert_ne!(a.1, b.1);
            }
        }
    }

    #[test]
    fn safety_number_is_symmetric_and_sixty_digits() {
        let a = SafetyNumber::from_fingerprints([1; 32], [2; 32]);
        let b = SafetyNumber::from_fingerprints([2; 32], [1; 32]);
        assert_eq!(a, b);
        let d = a.to_digits();
        assert_eq!(d.chars().filter(char::is_ascii_digit).count(), 60);
        assert_eq!(d.split(' ').count(), 12);
        assert!(a.matches_qr(&b.qr_payload()));
        assert!(a.matches_digits(&b.to_digits()));
        let c = SafetyNumber::from_fingerprints([1; 32], [3; 32]);
        assert!(!a.matches_qr(&c.qr_payload()));
        assert!(!a.matches_qr(&a.qr_payload()[1..]));
    }
}
