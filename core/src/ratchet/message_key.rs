//! Message keys: each seals or opens exactly one message, with a deterministic (SIV) AEAD.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.2:
//!
//! ```text
//! K_enc || K_mac = HKDF-Expand(PRK = MK, info = "Twofold v2 message key", L = 64)
//! T = HMAC-SHA-256(K_mac, u64(|AD|) || AD || plaintext)[0..16]
//! C = plaintext XOR ChaCha20(K_enc, nonce = T[0..12], counter 0);   body = C || T
//! ```
//!
//! The tag is the nonce, so a message key used twice (a restored or copied session) gives the
//! same bytes for the same message and unrelated key streams for different ones: a rollback
//! never reuses a key stream. [`MessageKey::seal`] and [`MessageKey::open`] consume the key; a
//! failed `open` hands it back, so a skipped key that a forged message named stays available
//! for the real one.

use alloc::vec::Vec;

use subtle::ConstantTimeEq as _;
use zeroize::{Zeroize as _, Zeroizing};

use crate::kdf::{self, SIV_TAG_LEN};
use crate::keys::role_secret;
use crate::labels;

role_secret!(
    /// The key of one message (the HMAC output of its chain key).
    MessageKey
);

/// The two keys a message key expands to, each wiped on drop.
type SivKeys = (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>);

impl MessageKey {
    /// `(K_enc, K_mac)`. Never inlined: `seal` and `open` share one copy.
    #[inline(never)]
    fn expand(&self) -> SivKeys {
        let okm = kdf::expand::<64>(&kdf::from_prk(self.as_bytes()), &[labels::KDF_MESSAGE_KEY]);
        kdf::split::<32, 32, 64>(&okm)
    }

    /// The expanded encryption and MAC keys, for the key-schedule trace (called only by a
    /// recording sink, which exists only with `--cfg twofold_trace`) and hazmat.
    pub(crate) fn siv_keys(&self) -> ([u8; 32], [u8; 32]) {
        let (k, m) = self.expand();
        (*k, *m)
    }

    /// SIV seal; appends `ciphertext || tag` to `out`. `false` (and `out` unchanged) only
    /// beyond the cipher's 256 GiB limit.
    #[must_use]
    pub(crate) fn seal(self, aad: &[u8], plaintext: &[u8], out: &mut Vec<u8>) -> bool {
        let (enc, mac) = self.expand();
        let tag = kdf::siv_tag(&mac, aad, plaintext);
        let start = out.len();
        out.extend_from_slice(plaintext);
        let ok = match out.get_mut(start..) {
            Some(buf) => kdf::siv_xor(&enc, &tag, buf),
            None => false,
        };
        if !ok {
            if let Some(buf) = out.get_mut(start..) {
                buf.zeroize();
            }
            out.truncate(start);
            return false;
        }
        out.extend_from_slice(&tag);
        true
    }

    /// SIV open of `ciphertext || tag`. On an authentication failure the recovered bytes are
    /// wiped and the unused key is handed back.
    pub(crate) fn open(self, aad: &[u8], body: &[u8]) -> Result<Vec<u8>, MessageKey> {
        let Some(split) = body.len().checked_sub(SIV_TAG_LEN) else {
            return Err(self);
        };
        let Some((ciphertext, tag)) = body.split_at_checked(split) else {
            return Err(self);
        };
        let Ok(tag) = <[u8; SIV_TAG_LEN]>::try_from(tag) else {
            return Err(self);
        };
        let (enc, mac) = self.expand();
        let mut plaintext = ciphertext.to_vec();
        if !kdf::siv_xor(&enc, &tag, &mut plaintext) {
            return Err(self);
        }
        let expected = kdf::siv_tag(&mac, aad, &plaintext);
        if bool::from(expected.ct_eq(&tag)) {
            Ok(plaintext)
        } else {
            plaintext.zeroize();
            Err(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_and_failure_returns_the_key() {
        let mut out = Vec::new();
        assert!(MessageKey::take(&mut [7; 32]).seal(b"ad", b"hello", &mut out));
        let back = MessageKey::take(&mut [7; 32])
            .open(b"aD", &out)
            .unwrap_err();
        assert_eq!(back.as_bytes(), &[7; 32]);
        assert_eq!(back.open(b"ad", &out).ok().as_deref(), Some(&b"hello"[..]));
        let mut flipped = out.clone();
        flipped[0] ^= 1;
        assert!(
            MessageKey::take(&mut [7; 32])
                .open(b"ad", &flipped)
                .is_err()
        );
        assert!(
            MessageKey::take(&mut [7; 32])
                .open(b"ad", &out[..15])
                .is_err()
        );
    }

    /// The rollback property: one key, two different plaintexts, unrelated key streams; the
    /// same plaintext twice, the same bytes.
    #[test]
    fn a_reused_key_never_reuses_a_key_stream() {
        let seal = |p: &[u8]| {
            let mut out = Vec::new();
            assert!(MessageKey::take(&mut [9; 32]).seal(b"ad", p, &mut out));
            out
        };
        let (p1, p2) = (b"attack at dawn!!", b"attack at dusk!!");
        let (c1, c2) = (seal(p1), seal(p2));
        assert_ne!(c1[16..], c2[16..], "tags differ");
        let xor_c: Vec<u8> = c1[..16].iter().zip(&c2[..16]).map(|(a, b)| a ^ b).collect();
        let xor_p: Vec<u8> = p1.iter().zip(p2).map(|(a, b)| a ^ b).collect();
        assert_ne!(xor_c, xor_p);
        assert_eq!(seal(p1), c1);
    }
}
