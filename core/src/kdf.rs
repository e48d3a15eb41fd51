//! The primitives of the key schedule: transcript hash, HKDF-SHA-256, HMAC-SHA-256,
//! ChaCha20-Poly1305 (sealed state), the SIV construction of ratchet messages
//! (HMAC-SHA-256 tag as the ChaCha20 nonce), and the sealed-state key.
//!
//! Spec: `docs/PROTOCOL.md`, sections 5.4 ("Key agreement and key derivation"), 6.2 ("Chains")
//! and 10.2. Every label comes from [`crate::labels`]; the role-typed keys built from these
//! functions live with their users (`ratchet::{root_key, chain_key, message_key}`,
//! `handshake`).
//!
//! Every function here has fixed-size outputs far below the primitives' limits, so none of
//! them can fail: where a primitive's API returns a `Result` for sizes we never use, the
//! `expect` says why it cannot fire. No path returns a substitute (zero) key.

use alloc::vec::Vec;

use chacha20::ChaCha20;
use chacha20::cipher::{KeyIvInit as _, StreamCipher as _};
use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::{AeadInOut as _, KeyInit as _};
use hkdf::Hkdf;
use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::labels;

/// Length of the AEAD tag appended to every ciphertext.
pub const AEAD_TAG_LEN: usize = 16;
/// Length of an AEAD key.
pub(crate) const AEAD_KEY_LEN: usize = 32;
/// Length of an AEAD nonce.
pub(crate) const AEAD_NONCE_LEN: usize = 12;

/// Builds the handshake transcript `prefix || protocol id || version || suite || items`, each
/// item encoded as `tag || u16 length || bytes`; `TH` is its SHA-256. The preimage is kept (about
/// 11 KB, all public) so the test vectors can publish it.
pub(crate) struct Transcript(Vec<u8>);

impl Transcript {
    pub(crate) fn new() -> Self {
        let mut t = Vec::with_capacity(12 * 1024);
        t.extend_from_slice(labels::TRANSCRIPT_PREFIX);
        t.extend_from_slice(labels::PROTOCOL_ID);
        t.extend_from_slice(&[labels::WIRE_VERSION, labels::SUITE]);
        Self(t)
    }

    /// Appends one type-tagged item. Lengths are below 64 KiB by construction (the longest
    /// item is the 5,293-byte identity body), so the saturation never applies.
    pub(crate) fn item(&mut self, tag: u8, parts: &[&[u8]]) {
        let len: usize = parts.iter().map(|p| p.len()).fold(0, usize::saturating_add);
        let len = u16::try_from(len).unwrap_or(u16::MAX);
        self.0.push(tag);
        self.0.extend_from_slice(&len.to_be_bytes());
        for p in parts {
            self.0.extend_from_slice(p);
        }
    }

    /// Returns `(TH, preimage)`.
    pub(crate) fn finish(self) -> ([u8; 32], Vec<u8>) {
        (sha256(&[&self.0]), self.0)
    }
}

/// `HKDF-Extract(salt, ikm)`.
pub(crate) fn extract(salt: &[u8], ikm: &[u8]) -> Hkdf<Sha256> {
    Hkdf::<Sha256>::new(Some(salt), ikm)
}

/// `HKDF-Expand` from a 32-byte PRK used directly (a message key).
pub(crate) fn from_prk(prk: &[u8; 32]) -> Hkdf<Sha256> {
    #[allow(clippy::expect_used)] // a 32-byte PRK is exactly SHA-256's output length
    Hkdf::<Sha256>::from_prk(prk).expect("a 32-byte PRK is accepted by HKDF-SHA-256")
}

/// `HKDF-Expand(prk, info, N)` for a fixed `N`.
pub(crate) fn expand<const N: usize>(hk: &Hkdf<Sha256>, info: &[&[u8]]) -> Zeroizing<[u8; N]> {
    // HKDF-SHA-256 outputs at most 255 blocks of 32 bytes: checked at compile time.
    const { assert!(N <= 255 * 32) };
    let mut out = Zeroizing::new([0u8; N]);
    #[allow(clippy::expect_used)] // N <= 8,160 is asserted above at compile time
    hk.expand_multi_info(info, out.as_mut_slice())
        .expect("HKDF-SHA-256 output within its 8,160-byte limit");
    out
}

/// Splits an `N`-byte buffer into its first `A` bytes and the `B` bytes after them; `A + B`
/// must be `N` (checked at compile time), so no byte is left over or made up.
pub(crate) fn split<const A: usize, const B: usize, const N: usize>(
    bytes: &[u8; N],
) -> (Zeroizing<[u8; A]>, Zeroizing<[u8; B]>) {
    const { assert!(A + B == N) };
    let mut a = Zeroizing::new([0u8; A]);
    let mut b = Zeroizing::new([0u8; B]);
    let mut it = bytes.iter();
    for (o, i) in a.iter_mut().zip(&mut it) {
        *o = *i;
    }
    for (o, i) in b.iter_mut().zip(&mut it) {
        *o = *i;
    }
    (a, b)
}

/// `HMAC-SHA-256(key, input)`.
pub(crate) fn hmac(key: &[u8], input: &[u8]) -> Zeroizing<[u8; 32]> {
    hmac_parts(key, &[input])
}

/// `HMAC-SHA-256(key, parts[0] || parts[1] || ...)`. Never inlined: the chain KDF and the SIV
/// tag share one copy.
#[inline(never)]
fn hmac_parts(key: &[u8], parts: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    #[allow(clippy::expect_used)] // HMAC takes keys of any length
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    for p in parts {
        mac.update(p);
    }
    let mut tag = mac.finalize().into_bytes();
    let mut out = Zeroizing::new([0u8; 32]);
    for (o, t) in out.iter_mut().zip(tag.iter()) {
        *o = *t;
    }
    tag.as_mut_slice().zeroize();
    out
}

/// ChaCha20-Poly1305 seal; appends `ciphertext || tag` to `out`. `false` (and `out`
/// unchanged) only for plaintexts beyond the cipher's 256 GiB limit.
#[must_use]
pub(crate) fn seal_with(
    key: &[u8; AEAD_KEY_LEN],
    nonce: &[u8; AEAD_NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) -> bool {
    let cipher = ChaCha20Poly1305::new(key.into());
    let start = out.len();
    out.extend_from_slice(plaintext);
    let tag = match out.get_mut(start..) {
        Some(buf) => cipher.encrypt_inout_detached(nonce.into(), aad, buf.into()),
        None => return false,
    };
    match tag {
        Ok(tag) => {
            out.extend_from_slice(tag.as_slice());
            true
        }
        // Only possible for plaintexts beyond 256 GiB, excluded by MAX_PLAINTEXT_LEN: wipe the
        // partial output rather than emit unauthenticated bytes.
        Err(_) => {
            if let Some(buf) = out.get_mut(start..) {
                buf.zeroize();
            }
            out.truncate(start);
            false
        }
    }
}

/// ChaCha20-Poly1305 open of `ciphertext || tag`. `None` on any authentication failure.
pub(crate) fn open_with(
    key: &[u8; AEAD_KEY_LEN],
    nonce: &[u8; AEAD_NONCE_LEN],
    aad: &[u8],
    ciphertext: &[u8],
) -> Option<Vec<u8>> {
    let body_len = ciphertext.len().checked_sub(AEAD_TAG_LEN)?;
    let (body, tag) = ciphertext.split_at_checked(body_len)?;
    let tag = chacha20poly1305::Tag::try_from(tag).ok()?;
    let cipher = ChaCha20Poly1305::new(key.into());
    let mut buf = body.to_vec();
    match cipher.decrypt_inout_detached(nonce.into(), aad, buf.as_mut_slice().into(), &tag) {
        Ok(()) => Some(buf),
        Err(_) => {
            buf.zeroize();
            None
        }
    }
}

/// Length of the SIV tag of a ratchet message (its first 12 bytes are the ChaCha20 nonce).
pub(crate) const SIV_TAG_LEN: usize = 16;

/// The SIV tag `HMAC-SHA-256(K_mac, u64(|AD|) || AD || plaintext)[0..16]`.
pub(crate) fn siv_tag(mac_key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> [u8; SIV_TAG_LEN] {
    let len = u64::try_from(aad.len()).unwrap_or(u64::MAX).to_be_bytes();
    let full = hmac_parts(mac_key, &[&len, aad, plaintext]);
    let mut tag = [0u8; SIV_TAG_LEN];
    for (o, t) in tag.iter_mut().zip(full.iter()) {
        *o = *t;
    }
    tag
}

/// XORs `buf` with the ChaCha20 key stream (RFC 8439: 96-bit nonce `tag[0..12]`, block
/// counter from 0). `false` (and `buf` unchanged) only beyond the cipher's 256 GiB limit.
#[must_use]
pub(crate) fn siv_xor(enc_key: &[u8; 32], tag: &[u8; SIV_TAG_LEN], buf: &mut [u8]) -> bool {
    let mut nonce = [0u8; AEAD_NONCE_LEN];
    for (o, t) in nonce.iter_mut().zip(tag.iter()) {
        *o = *t;
    }
    let mut cipher = ChaCha20::new(enc_key.into(), (&nonce).into());
    cipher.try_apply_keystream(buf).is_ok()
}

/// Derives the one-use key of a sealed state blob:
/// `HKDF(salt = blob salt, IKM = application key, info = label || object type)`.
pub(crate) fn state_key(app_key: &[u8; 32], salt: &[u8; 32], object: u8) -> Zeroizing<[u8; 32]> {
    expand::<32>(&extract(salt, app_key), &[labels::KDF_STATE_KEY, &[object]])
}

/// SHA-256 of the concatenation of `parts`.
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_takes_prefix_and_rest() {
        let bytes: [u8; 44] = core::array::from_fn(|i| u8::try_from(i).unwrap());
        let (a, b) = split::<32, 12, 44>(&bytes);
        assert_eq!(a[31], 31);
        assert_eq!(b[0], 32);
        assert_eq!(b[11], 43);
    }

    #[test]
    fn aead_round_trip_and_tamper() {
        let (key, nonce) = ([7; 32], [1; 12]);
        let mut out = Vec::new();
        assert!(seal_with(&key, &nonce, b"ad", b"hello", &mut out));
        assert_eq!(out.len(), 5 + AEAD_TAG_LEN);
        assert_eq!(
            open_with(&key, &nonce, b"ad", &out).as_deref(),
            Some(&b"hello"[..])
        );
        assert!(open_with(&key, &nonce, b"aD", &out).is_none());
        out[0] ^= 1;
        assert!(open_with(&key, &nonce, b"ad", &out).is_none());
        assert!(open_with(&key, &nonce, b"ad", &out[..10]).is_none());
    }
}
