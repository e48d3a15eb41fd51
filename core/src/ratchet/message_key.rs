//! Message keys: each seals or opens exactly one message.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.2:
//! `key(32) || nonce(12) = HKDF-Expand(PRK = MK, info = "Twofold v1 message key", L = 44)`.
//! [`MessageKey::seal`] and [`MessageKey::open`] consume the key; a failed `open` hands it
//! back, so a skipped key that a forged message named stays available for the real one.

use alloc::vec::Vec;

use crate::kdf::{self, AEAD_KEY_LEN, AEAD_NONCE_LEN};
use crate::keys::role_secret;
use crate::labels;

role_secret!(
    /// The key of one message (the HMAC output of its chain key).
    MessageKey
);

impl MessageKey {
    /// The AEAD key and nonce, each wiped on drop.
    fn expand(
        &self,
    ) -> (
        zeroize::Zeroizing<[u8; AEAD_KEY_LEN]>,
        zeroize::Zeroizing<[u8; AEAD_NONCE_LEN]>,
    ) {
        let okm = kdf::expand::<{ AEAD_KEY_LEN + AEAD_NONCE_LEN }>(
            &kdf::from_prk(self.as_bytes()),
            &[labels::KDF_MESSAGE_KEY],
        );
        kdf::split::<AEAD_KEY_LEN, AEAD_NONCE_LEN, { AEAD_KEY_LEN + AEAD_NONCE_LEN }>(&okm)
    }

    /// The expanded AEAD key and nonce, for the key-schedule trace (called only by a
    /// recording sink, which exists only with `--cfg twofold_trace`) and hazmat.
    pub(crate) fn key_and_nonce(&self) -> ([u8; AEAD_KEY_LEN], [u8; AEAD_NONCE_LEN]) {
        let (k, n) = self.expand();
        (*k, *n)
    }

    /// ChaCha20-Poly1305 seal; appends `ciphertext || tag` to `out`. `false` (and `out`
    /// unchanged) only beyond the cipher's 256 GiB limit.
    #[must_use]
    pub(crate) fn seal(self, aad: &[u8], plaintext: &[u8], out: &mut Vec<u8>) -> bool {
        let (key, nonce) = self.expand();
        kdf::seal_with(&key, &nonce, aad, plaintext, out)
    }

    /// ChaCha20-Poly1305 open. On an authentication failure the unused key is handed back.
    pub(crate) fn open(self, aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, MessageKey> {
        let (key, nonce) = self.expand();
        kdf::open_with(&key, &nonce, aad, ciphertext).ok_or(self)
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
    }
}
