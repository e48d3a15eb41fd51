//! ML-KEM-768 (FIPS 203) through the `ml-kem` crate.
//!
//! Spec: `docs/PROTOCOL.md`, section 4.2. Encapsulation keys are only constructed through the
//! FIPS 203 section 7.2 modulus check; decapsulation keys are kept as their 64-byte seed
//! `d || z` and expanded on load. The shared secret is a [`KemSharedSecret`].

use alloc::boxed::Box;
use core::fmt;

use ml_kem::{Decapsulate as _, KeyExport as _, MlKem768};
use rand_core::TryCryptoRng;
use zeroize::{Zeroize, Zeroizing};

use super::{
    KEM_CIPHERTEXT_LEN, KEM_PUBLIC_KEY_LEN, KEM_SEED_LEN, SecretBox, debug_prefix, random_bytes,
    role_secret,
};
use crate::error::{DecodeError, RngError};

role_secret!(
    /// An ML-KEM-768 shared secret (from an encapsulation or a decapsulation).
    KemSharedSecret
);

/// Copies the 32-byte shared secret out of `ml-kem`'s array and wipes the original.
fn shared_secret(ss: &mut ml_kem::SharedKey) -> KemSharedSecret {
    let mut out = [0u8; 32];
    for (o, s) in out.iter_mut().zip(ss.iter()) {
        *o = *s;
    }
    ss.as_mut_slice().zeroize();
    KemSharedSecret::take(&mut out)
}

/// An ML-KEM-768 encapsulation key that passed the FIPS 203 section 7.2 check.
#[derive(Clone)]
pub struct KemPublicKey {
    bytes: Box<[u8; KEM_PUBLIC_KEY_LEN]>,
    key: Box<ml_kem::EncapsulationKey<MlKem768>>,
}

impl KemPublicKey {
    /// Decodes and validates an encapsulation key (FIPS 203, section 7.2: every coefficient
    /// must already be reduced modulo q, i.e. `ByteEncode(ByteDecode(ek)) == ek`).
    ///
    /// # Errors
    /// [`DecodeError::InvalidKey`] if the check fails.
    #[inline(never)]
    pub fn from_bytes(bytes: &[u8; KEM_PUBLIC_KEY_LEN]) -> Result<Self, DecodeError> {
        let array = ml_kem::array::Array::from(*bytes);
        let key = ml_kem::EncapsulationKey::<MlKem768>::new(&array)
            .map_err(|_| DecodeError::InvalidKey)?;
        Ok(Self {
            bytes: Box::new(*bytes),
            key: Box::new(key),
        })
    }

    /// The 1184-byte encoding.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; KEM_PUBLIC_KEY_LEN] {
        &self.bytes
    }

    /// `ML-KEM.Encaps_internal(ek, m)` (FIPS 203, algorithm 17). `m` must be 32 bytes fresh
    /// from a cryptographic RNG: callers draw it with [`random_bytes`]. Never inlined: the
    /// handshake, the PQ ratchet and sealed boxes share one copy.
    #[inline(never)]
    pub(crate) fn encapsulate_with(&self, m: &[u8; 32]) -> (KemCiphertext, KemSharedSecret) {
        let m = Zeroizing::new(ml_kem::B32::from(*m));
        let (ct, mut ss) = self.key.encapsulate_deterministic(&m);
        let mut ct_bytes = [0u8; KEM_CIPHERTEXT_LEN];
        for (o, c) in ct_bytes.iter_mut().zip(ct.iter()) {
            *o = *c;
        }
        (KemCiphertext(Box::new(ct_bytes)), shared_secret(&mut ss))
    }

    /// Encapsulates with 32 fresh bytes from `rng`.
    #[cfg(test)]
    pub(crate) fn encapsulate<R: TryCryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<(KemCiphertext, KemSharedSecret), RngError> {
        let m = random_bytes::<32, R>(rng)?;
        Ok(self.encapsulate_with(&m))
    }
}

impl PartialEq for KemPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for KemPublicKey {}

impl fmt::Debug for KemPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_prefix(f, "KemPublicKey", &self.bytes[..])
    }
}

/// An ML-KEM-768 ciphertext.
#[derive(Clone, PartialEq, Eq)]
pub struct KemCiphertext(Box<[u8; KEM_CIPHERTEXT_LEN]>);

impl KemCiphertext {
    /// Wraps 1088 bytes. Any value is a valid ciphertext (ML-KEM decapsulation rejects
    /// implicitly: a wrong ciphertext yields an unrelated secret).
    #[must_use]
    pub fn from_bytes(bytes: &[u8; KEM_CIPHERTEXT_LEN]) -> Self {
        Self(Box::new(*bytes))
    }

    /// The 1088-byte encoding.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; KEM_CIPHERTEXT_LEN] {
        &self.0
    }
}

impl fmt::Debug for KemCiphertext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_prefix(f, "KemCiphertext", &self.0[..])
    }
}

/// An ML-KEM-768 decapsulation key, stored as its seed. Not `Clone`.
pub(crate) struct KemSecretKey {
    seed: SecretBox<KEM_SEED_LEN>,
    key: Box<ml_kem::DecapsulationKey<MlKem768>>,
    public: KemPublicKey,
}

impl KemSecretKey {
    pub(crate) fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, RngError> {
        let seed = random_bytes::<KEM_SEED_LEN, R>(rng)?;
        Ok(Self::from_seed(&seed))
    }

    /// Expands a seed `d || z` (FIPS 203, `ML-KEM.KeyGen_internal`). Never inlined: several
    /// decoders call it, and one copy keeps the wasm package small.
    #[inline(never)]
    pub(crate) fn from_seed(seed: &[u8; KEM_SEED_LEN]) -> Self {
        let key = ml_kem::DecapsulationKey::<MlKem768>::from_seed(ml_kem::Seed::from(*seed));
        let ek = key.encapsulation_key();
        let mut public = [0u8; KEM_PUBLIC_KEY_LEN];
        for (o, b) in public.iter_mut().zip(ek.to_bytes().iter()) {
            *o = *b;
        }
        let public = KemPublicKey {
            bytes: Box::new(public),
            key: Box::new(ek.clone()),
        };
        Self {
            seed: SecretBox::from_ref(seed),
            key: Box::new(key),
            public,
        }
    }

    pub(crate) fn seed(&self) -> &[u8; KEM_SEED_LEN] {
        self.seed.as_bytes()
    }

    pub(crate) fn public_key(&self) -> &KemPublicKey {
        &self.public
    }

    /// Never inlined: its callers (handshake, PQ ratchet, sealed boxes) share one copy.
    #[inline(never)]
    pub(crate) fn decapsulate(&self, ct: &KemCiphertext) -> KemSharedSecret {
        let ct = ml_kem::Ciphertext::<MlKem768>::from(*ct.0);
        let mut ss = self.key.decapsulate(&ct);
        shared_secret(&mut ss)
    }
}

impl fmt::Debug for KemSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KemSecretKey([redacted])")
    }
}

impl zeroize::ZeroizeOnDrop for KemSecretKey {}
