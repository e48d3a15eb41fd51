//! ML-DSA-65 (FIPS 204) through the `ml-dsa` crate.
//!
//! Spec: `docs/PROTOCOL.md`, section 4.3. Signing keys are kept as their 32-byte seed; every
//! signature uses a context string from [`crate::labels`] and the hedged (randomized) variant;
//! verification decodes the signature strictly (hint and norm checks) first.

use alloc::boxed::Box;
use core::fmt;

use ml_dsa::{KeyExport as _, MlDsa65};
use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

use super::{
    SIG_PUBLIC_KEY_LEN, SIG_SEED_LEN, SIGNATURE_LEN, SecretBox, debug_prefix, random_bytes,
};
use crate::error::RngError;
use crate::trace::{TraceEvent, TraceSink};

/// An ML-DSA-65 verifying key, held as its 1952-byte encoding. The expanded form (the
/// matrix `A_hat` and `t1` in the NTT domain, about 43 KB) exists only while signatures are
/// being checked ([`SigPublicKey::verifier`]): a session that keeps its peer's identity keeps
/// only the bytes.
#[derive(Clone)]
pub struct SigPublicKey {
    bytes: Box<[u8; SIG_PUBLIC_KEY_LEN]>,
}

impl SigPublicKey {
    /// Wraps a verifying key's encoding (FIPS 204 `pkDecode` accepts every 1952-byte string;
    /// it runs when a signature is checked).
    #[must_use]
    pub fn from_bytes(bytes: &[u8; SIG_PUBLIC_KEY_LEN]) -> Self {
        Self {
            bytes: Box::new(*bytes),
        }
    }

    /// The 1952-byte encoding.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; SIG_PUBLIC_KEY_LEN] {
        &self.bytes
    }

    /// The expanded key, for checking one or more signatures.
    pub(crate) fn verifier(&self) -> SigVerifier {
        let array = ml_dsa::EncodedVerifyingKey::<MlDsa65>::from(*self.bytes);
        SigVerifier(Box::new(ml_dsa::VerifyingKey::<MlDsa65>::decode(&array)))
    }

    /// Checks one signature (expanding the key for it).
    #[cfg(any(test, twofold_trace))]
    pub(crate) fn verify(&self, ctx: &[u8], message: &[u8], signature: &Signature) -> bool {
        self.verifier()
            .verify(ctx, message, signature, &mut crate::trace::NoTrace)
    }
}

/// An expanded ML-DSA-65 verifying key: built for a batch of checks and dropped after.
pub(crate) struct SigVerifier(Box<ml_dsa::VerifyingKey<MlDsa65>>);

impl SigVerifier {
    /// FIPS 204 `ML-DSA.Verify(pk, M, sigma, ctx)`. The signature is decoded strictly
    /// (`sigDecode` with the hint-encoding and `||z||_inf` checks); any failure is `false`.
    /// Every verification of the crate goes through here and is reported to `trace`
    /// ([`TraceEvent::SignatureVerified`]), so tests count the verifications themselves.
    pub(crate) fn verify<T: TraceSink>(
        &self,
        ctx: &[u8],
        message: &[u8],
        signature: &Signature,
        trace: &mut T,
    ) -> bool {
        trace.record(|| TraceEvent::SignatureVerified);
        match ml_dsa::Signature::<MlDsa65>::try_from(&signature.0[..]) {
            Ok(sig) => self.0.verify_with_context(message, ctx, &sig),
            Err(_) => false,
        }
    }
}

impl PartialEq for SigPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for SigPublicKey {}

impl fmt::Debug for SigPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_prefix(f, "SigPublicKey", &self.bytes[..])
    }
}

/// An ML-DSA-65 signature (3309 bytes, not yet decoded).
#[derive(Clone, PartialEq, Eq)]
pub struct Signature(Box<[u8; SIGNATURE_LEN]>);

impl Signature {
    /// Wraps 3309 bytes; they are decoded strictly when verified.
    #[must_use]
    pub fn from_bytes(bytes: &[u8; SIGNATURE_LEN]) -> Self {
        Self(Box::new(*bytes))
    }

    /// The 3309-byte encoding.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; SIGNATURE_LEN] {
        &self.0
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_prefix(f, "Signature", &self.0[..])
    }
}

/// An ML-DSA-65 signing key, stored as its seed. Not `Clone`.
pub(crate) struct SigSecretKey {
    seed: SecretBox<SIG_SEED_LEN>,
    /// Key generation computes the verifying key along with the expanded signing key (the
    /// `alloc` feature of `ml-dsa`), so neither is computed twice.
    key: Box<ml_dsa::SigningKey<MlDsa65>>,
    public: SigPublicKey,
}

impl SigSecretKey {
    pub(crate) fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, RngError> {
        let seed = random_bytes::<SIG_SEED_LEN, R>(rng)?;
        Ok(Self::from_seed(&seed))
    }

    /// FIPS 204 `ML-DSA.KeyGen_internal(xi)`.
    pub(crate) fn from_seed(seed: &[u8; SIG_SEED_LEN]) -> Self {
        let xi = Zeroizing::new(ml_dsa::Seed::from(*seed));
        let key = ml_dsa::SigningKey::<MlDsa65>::from_seed(&xi);
        let vk: &ml_dsa::VerifyingKey<MlDsa65> = key.as_ref();
        let mut public = [0u8; SIG_PUBLIC_KEY_LEN];
        for (o, b) in public.iter_mut().zip(vk.to_bytes().iter()) {
            *o = *b;
        }
        Self {
            seed: SecretBox::from_ref(seed),
            key: Box::new(key),
            public: SigPublicKey::from_bytes(&public),
        }
    }

    pub(crate) fn seed(&self) -> &[u8; SIG_SEED_LEN] {
        self.seed.as_bytes()
    }

    pub(crate) fn public_key(&self) -> &SigPublicKey {
        &self.public
    }

    /// Hedged FIPS 204 `ML-DSA.Sign(sk, M, ctx)` with 32 bytes `rnd` from `rng`.
    pub(crate) fn sign<R: TryCryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        ctx: &[u8],
        message: &[u8],
    ) -> Result<Signature, RngError> {
        // `expanded_key()` is public but hidden from the docs; it is the only way to sign with a
        // context string and the hedged variant without expanding the key again.
        let sig = self
            .key
            .expanded_key()
            .sign_randomized(message, ctx, rng)
            .map_err(|_| RngError)?;
        let mut out = [0u8; SIGNATURE_LEN];
        for (o, b) in out.iter_mut().zip(sig.encode().iter()) {
            *o = *b;
        }
        Ok(Signature(Box::new(out)))
    }
}

impl fmt::Debug for SigSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigSecretKey([redacted])")
    }
}

impl zeroize::ZeroizeOnDrop for SigSecretKey {}
