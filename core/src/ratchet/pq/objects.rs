//! The two PQ objects of an epoch and the epoch secret.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.3:
//!
//! ```text
//! c_ek  = SHA-256("Twofold v2 ek commitment" || u32(e) || ek)
//! KO_e  = ek (1184) || c_ek (32) || 0^8                                  36 chunks
//! th_e  = SHA-256("Twofold v2 epoch transcript" || TH || u32(e) || c_ek || ct)
//! prk_e = HKDF-Extract(salt = th_e, IKM = ss)
//! conf  = HKDF-Expand(prk_e, "Twofold v2 epoch confirm", 32)
//! s_e   = HKDF-Expand(prk_e, "Twofold v2 epoch secret", 32)
//! CO_e  = ct (1088) || conf (32) || 0^2                                   33 chunks
//! ```

use crate::consts::{PQ_CHUNK_LEN, PQ_CIPHERTEXT_OBJECT_CHUNKS, PQ_KEY_OBJECT_CHUNKS};
use crate::kdf;
use crate::keys::{
    KEM_CIPHERTEXT_LEN, KEM_PUBLIC_KEY_LEN, KemCiphertext, KemPublicKey, KemSharedSecret,
    role_secret,
};
use crate::labels;

/// Bytes of a key object, padded to whole chunks.
pub(crate) const KEY_OBJECT_LEN: usize = PQ_KEY_OBJECT_CHUNKS * PQ_CHUNK_LEN;
/// Bytes of a ciphertext object, padded to whole chunks.
pub(crate) const CIPHERTEXT_OBJECT_LEN: usize = PQ_CIPHERTEXT_OBJECT_CHUNKS * PQ_CHUNK_LEN;
const _: () = assert!(KEM_PUBLIC_KEY_LEN + 32 <= KEY_OBJECT_LEN);
const _: () = assert!(KEM_PUBLIC_KEY_LEN + 32 + PQ_CHUNK_LEN > KEY_OBJECT_LEN);
const _: () = assert!(KEM_CIPHERTEXT_LEN + 32 <= CIPHERTEXT_OBJECT_LEN);
const _: () = assert!(KEM_CIPHERTEXT_LEN + 32 + PQ_CHUNK_LEN > CIPHERTEXT_OBJECT_LEN);

/// The erasure encoder's weights for a key object (computed at compile time).
pub(crate) const KEY_OBJECT_WEIGHTS: [u16; PQ_KEY_OBJECT_CHUNKS] =
    crate::erasure::data_weights::<PQ_KEY_OBJECT_CHUNKS>();
/// The erasure encoder's weights for a ciphertext object.
pub(crate) const CIPHERTEXT_OBJECT_WEIGHTS: [u16; PQ_CIPHERTEXT_OBJECT_CHUNKS] =
    crate::erasure::data_weights::<PQ_CIPHERTEXT_OBJECT_CHUNKS>();

role_secret!(
    /// The secret of one PQ epoch, mixed into exactly one root step.
    EpochSecret
);

/// `c_ek`: the commitment that lets the responder check a decoded key.
pub(crate) fn key_commitment(epoch: u32, ek: &[u8; KEM_PUBLIC_KEY_LEN]) -> [u8; 32] {
    kdf::sha256(&[labels::PQ_KEY_COMMITMENT, &epoch.to_be_bytes(), ek])
}

/// The key object of `epoch`.
pub(crate) fn key_object(epoch: u32, ek: &[u8; KEM_PUBLIC_KEY_LEN]) -> [u8; KEY_OBJECT_LEN] {
    let mut out = [0u8; KEY_OBJECT_LEN];
    let commitment = key_commitment(epoch, ek);
    for (o, b) in out.iter_mut().zip(ek.iter().chain(&commitment)) {
        *o = *b;
    }
    out
}

/// Why a decoded object was refused (the `PQ_INCONSISTENT` fault).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Inconsistency {
    /// The same chunk index arrived twice with different bytes.
    ChunkMismatch,
    /// The padding of the decoded object is not zero.
    Padding,
    /// The decoded key's commitment does not match.
    Commitment,
    /// The decoded key fails the FIPS 203 check.
    InvalidKey,
    /// The decoded ciphertext's confirmation value does not match.
    Confirmation,
    /// A key for epoch `0xFFFFFFFF`: the epoch counter cannot advance.
    EpochExhausted,
    /// A chunk of an epoch this side cannot accept yet (the peer is ahead: one of the two
    /// restored an older state).
    UnknownEpoch,
}

impl Inconsistency {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Inconsistency::ChunkMismatch => "chunk-mismatch",
            Inconsistency::Padding => "padding",
            Inconsistency::Commitment => "commitment",
            Inconsistency::InvalidKey => "invalid-key",
            Inconsistency::Confirmation => "confirmation",
            Inconsistency::EpochExhausted => "epoch-exhausted",
            Inconsistency::UnknownEpoch => "unknown-epoch",
        }
    }
}

/// Reads a decoded key object of `epoch`: padding, key check, commitment.
pub(crate) fn parse_key_object(epoch: u32, object: &[u8]) -> Result<KemPublicKey, Inconsistency> {
    let (ek, rest) = object
        .split_first_chunk::<KEM_PUBLIC_KEY_LEN>()
        .ok_or(Inconsistency::Padding)?;
    let (commitment, padding) = rest
        .split_first_chunk::<32>()
        .ok_or(Inconsistency::Padding)?;
    if padding.iter().any(|b| *b != 0) || object.len() != KEY_OBJECT_LEN {
        return Err(Inconsistency::Padding);
    }
    let ek = KemPublicKey::from_bytes(ek).map_err(|_| Inconsistency::InvalidKey)?;
    // Public values: no constant-time comparison needed.
    if key_commitment(epoch, ek.as_bytes()) != *commitment {
        return Err(Inconsistency::Commitment);
    }
    Ok(ek)
}

/// What both sides derive from one encapsulation.
pub(crate) struct EpochKeys {
    /// `th_e`, public.
    pub(crate) transcript: [u8; 32],
    /// `conf_e`, public (sent in the ciphertext object).
    pub(crate) confirm: [u8; 32],
    pub(crate) secret: EpochSecret,
}

/// `th_e`, `conf_e` and `s_e` from the shared secret of epoch `epoch`.
pub(crate) fn epoch_keys(
    session_ad: &[u8; 32],
    epoch: u32,
    commitment: &[u8; 32],
    ct: &KemCiphertext,
    ss: &KemSharedSecret,
) -> EpochKeys {
    let transcript = kdf::sha256(&[
        labels::PQ_EPOCH_TRANSCRIPT,
        session_ad,
        &epoch.to_be_bytes(),
        commitment,
        ct.as_bytes(),
    ]);
    let prk = kdf::extract(&transcript, ss.as_bytes());
    let confirm = *kdf::expand::<32>(&prk, &[labels::PQ_EPOCH_CONFIRM]);
    let mut secret = kdf::expand::<32>(&prk, &[labels::PQ_EPOCH_SECRET]);
    EpochKeys {
        transcript,
        confirm,
        secret: EpochSecret::take(&mut secret),
    }
}

/// The ciphertext object `ct || conf || 0^2`.
pub(crate) fn ciphertext_object(
    ct: &KemCiphertext,
    confirm: &[u8; 32],
) -> [u8; CIPHERTEXT_OBJECT_LEN] {
    let mut out = [0u8; CIPHERTEXT_OBJECT_LEN];
    for (o, b) in out.iter_mut().zip(ct.as_bytes().iter().chain(confirm)) {
        *o = *b;
    }
    out
}

/// Splits a decoded ciphertext object into the ciphertext and the claimed `conf`.
pub(crate) fn parse_ciphertext_object(
    object: &[u8],
) -> Result<(KemCiphertext, [u8; 32]), Inconsistency> {
    let (ct, rest) = object
        .split_first_chunk::<KEM_CIPHERTEXT_LEN>()
        .ok_or(Inconsistency::Padding)?;
    let (confirm, padding) = rest
        .split_first_chunk::<32>()
        .ok_or(Inconsistency::Padding)?;
    if padding.iter().any(|b| *b != 0) || object.len() != CIPHERTEXT_OBJECT_LEN {
        return Err(Inconsistency::Padding);
    }
    Ok((KemCiphertext::from_bytes(ct), *confirm))
}
