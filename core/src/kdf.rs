//! The key schedule: transcript hash, handshake KDF, root and chain KDFs, message keys, AEAD.
//!
//! Spec: `docs/PROTOCOL.md`, sections 5.4 ("Key derivation") and 6.2 ("Chains"). Every label
//! comes from [`crate::labels`].

use alloc::vec::Vec;

use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::{AeadInOut as _, KeyInit as _};
use hkdf::Hkdf;
use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::keys::Secret32;
use crate::labels;

/// Length of the AEAD tag appended to every ciphertext.
pub const AEAD_TAG_LEN: usize = 16;

/// Builds the handshake transcript `prefix || protocol id || version || suite || items`, each
/// item encoded as `tag || u16 length || bytes`; `TH` is its SHA-256. The preimage is kept (about
/// 11 KB, all public) so the test vectors can publish it.
#[derive(Clone)]
pub(crate) struct Transcript(Vec<u8>);

impl Transcript {
    pub(crate) fn new() -> Self {
        let mut t = Vec::with_capacity(12 * 1024);
        t.extend_from_slice(labels::TRANSCRIPT_PREFIX);
        t.extend_from_slice(labels::PROTOCOL_ID);
        t.extend_from_slice(&[labels::VERSION, labels::SUITE]);
        Self(t)
    }

    /// Appends one type-tagged item. Lengths are below 64 KiB by construction (the longest
    /// item is a 1188-byte id-and-KEM-key pair).
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

/// Output of the handshake KDF.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct HandshakeSecrets {
    pub(crate) root_key: Secret32,
    pub(crate) chain_key: Secret32,
    pub(crate) sas: [u8; 8],
}

/// `PRK = HKDF-Extract(salt = TH, IKM = DH1 || DH2 || DH3 [|| DH4] || SS)`, then one
/// HKDF-Expand per output with its own label.
pub(crate) fn handshake(transcript_hash: &[u8; 32], ikm: &[u8]) -> HandshakeSecrets {
    let hk = Hkdf::<Sha256>::new(Some(transcript_hash), ikm);
    HandshakeSecrets {
        root_key: expand32(&hk, labels::KDF_HANDSHAKE_ROOT),
        chain_key: expand32(&hk, labels::KDF_HANDSHAKE_CHAIN),
        sas: {
            let mut sas = [0u8; 8];
            expand_into(&hk, labels::KDF_SAS, &mut sas);
            sas
        },
    }
}

fn expand_into(hk: &Hkdf<Sha256>, info: &[u8], out: &mut [u8]) {
    // HKDF-SHA-256 can expand up to 8160 bytes; every caller asks for at most 64.
    if hk.expand(info, out).is_err() {
        out.zeroize();
    }
}

fn expand32(hk: &Hkdf<Sha256>, info: &[u8]) -> Secret32 {
    let mut out = [0u8; 32];
    expand_into(hk, info, &mut out);
    let s = Secret32::new(out);
    out.zeroize();
    s
}

/// Root step: `HKDF(salt = RK, IKM = DH [|| SS_kem], info = label || flag)` into
/// `RK' || CK`. The flag byte is 1 when a KEM secret is mixed in, 0 otherwise.
pub(crate) fn root_step(
    root_key: &Secret32,
    dh: &Secret32,
    kem: Option<&Secret32>,
) -> (Secret32, Secret32) {
    let mut ikm = Zeroizing::new(Vec::with_capacity(64));
    ikm.extend_from_slice(dh.as_bytes());
    let flag = match kem {
        Some(ss) => {
            ikm.extend_from_slice(ss.as_bytes());
            1u8
        }
        None => 0u8,
    };
    let hk = Hkdf::<Sha256>::new(Some(root_key.as_bytes()), &ikm);
    let mut info = Vec::with_capacity(labels::KDF_ROOT.len().saturating_add(1));
    info.extend_from_slice(labels::KDF_ROOT);
    info.push(flag);
    let mut okm = Zeroizing::new([0u8; 64]);
    expand_into(&hk, &info, okm.as_mut_slice());
    let (rk, ck) = okm.split_at(32);
    let (mut rk, mut ck) = (to32(rk), to32(ck));
    let out = (Secret32::new(rk), Secret32::new(ck));
    rk.zeroize();
    ck.zeroize();
    out
}

fn to32(s: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Some(src) = s.get(..32) {
        out.copy_from_slice(src);
    }
    out
}

pub(crate) fn hmac(key: &[u8], input: &[u8]) -> Secret32 {
    // HMAC accepts keys of any length: this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return Secret32::new([0; 32]),
    };
    mac.update(input);
    let mut out: [u8; 32] = mac.finalize().into_bytes().into();
    let s = Secret32::new(out);
    out.zeroize();
    s
}

/// Chain step: `MK = HMAC(CK, 0x01)`, `CK' = HMAC(CK, 0x02)`.
pub(crate) fn chain_step(chain_key: &Secret32) -> (Secret32, Secret32) {
    let mk = hmac(chain_key.as_bytes(), &[labels::KDF_CHAIN_MESSAGE]);
    let next = hmac(chain_key.as_bytes(), &[labels::KDF_CHAIN_NEXT]);
    (next, mk)
}

/// AEAD key and nonce expanded from a message key seed:
/// `HKDF-Expand(PRK = MK, info = label, L = 44)` split as `key(32) || nonce(12)`.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct MessageKeys {
    key: [u8; 32],
    nonce: [u8; 12],
}

impl MessageKeys {
    pub(crate) fn derive(message_key: &Secret32) -> Self {
        let mut okm = Zeroizing::new([0u8; 44]);
        if let Ok(hk) = Hkdf::<Sha256>::from_prk(message_key.as_bytes()) {
            expand_into(&hk, labels::KDF_MESSAGE_KEY, okm.as_mut_slice());
        }
        let mut key = [0u8; 32];
        let mut nonce = [0u8; 12];
        key.copy_from_slice(okm.get(..32).unwrap_or(&[0; 32]));
        nonce.copy_from_slice(okm.get(32..44).unwrap_or(&[0; 12]));
        Self { key, nonce }
    }

    #[cfg(feature = "trace")]
    pub(crate) fn key_and_nonce(&self) -> ([u8; 32], [u8; 12]) {
        (self.key, self.nonce)
    }

    /// ChaCha20-Poly1305 seal; appends `ciphertext || tag` to `out`. `false` (and `out`
    /// unchanged) only for plaintexts beyond the cipher's 256 GiB limit.
    #[must_use]
    pub(crate) fn seal(&self, aad: &[u8], plaintext: &[u8], out: &mut Vec<u8>) -> bool {
        seal_with(&self.key, &self.nonce, aad, plaintext, out)
    }

    /// ChaCha20-Poly1305 open. `None` on any authentication failure.
    pub(crate) fn open(&self, aad: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        open_with(&self.key, &self.nonce, aad, ciphertext)
    }
}

#[must_use]
pub(crate) fn seal_with(
    key: &[u8; 32],
    nonce: &[u8; 12],
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

pub(crate) fn open_with(
    key: &[u8; 32],
    nonce: &[u8; 12],
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

/// Derives the one-use key of a sealed state blob:
/// `HKDF(salt = blob salt, IKM = application key, info = label || object type)`.
pub(crate) fn state_key(app_key: &[u8; 32], salt: &[u8; 32], object: u8) -> Secret32 {
    let hk = Hkdf::<Sha256>::new(Some(salt), app_key);
    let mut info = Vec::with_capacity(labels::KDF_STATE_KEY.len().saturating_add(1));
    info.extend_from_slice(labels::KDF_STATE_KEY);
    info.push(object);
    expand32(&hk, &info)
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
    fn chain_step_outputs_differ_and_are_deterministic() {
        let ck = Secret32::new([9; 32]);
        let (next1, mk1) = chain_step(&ck);
        let (next2, mk2) = chain_step(&ck);
        assert_eq!(next1.as_bytes(), next2.as_bytes());
        assert_eq!(mk1.as_bytes(), mk2.as_bytes());
        assert_ne!(next1.as_bytes(), mk1.as_bytes());
    }

    #[test]
    fn root_step_depends_on_kem_secret_and_flag() {
        let rk = Secret32::new([1; 32]);
        let dh = Secret32::new([2; 32]);
        let ss = Secret32::new([3; 32]);
        let (a, _) = root_step(&rk, &dh, None);
        let (b, _) = root_step(&rk, &dh, Some(&ss));
        let (c, _) = root_step(&rk, &dh, Some(&Secret32::new([4; 32])));
        assert_ne!(a.as_bytes(), b.as_bytes());
        assert_ne!(b.as_bytes(), c.as_bytes());
    }

    #[test]
    fn aead_round_trip_and_tamper() {
        let mk = MessageKeys::derive(&Secret32::new([7; 32]));
        let mut out = Vec::new();
        assert!(mk.seal(b"ad", b"hello", &mut out));
        assert_eq!(out.len(), 5 + AEAD_TAG_LEN);
        assert_eq!(mk.open(b"ad", &out).as_deref(), Some(&b"hello"[..]));
        assert!(mk.open(b"aD", &out).is_none());
        out[0] ^= 1;
        assert!(mk.open(b"ad", &out).is_none());
        assert!(mk.open(b"ad", &out[..10]).is_none());
    }
}
