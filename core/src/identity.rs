//! Hybrid identities: an X25519 key pair bound to an ML-DSA-65 key pair.
//!
//! Spec: `docs/PROTOCOL.md`, section 5.1 ("Identity"). The ML-DSA key signs the X25519
//! identity key under the context [`labels::SIG_CTX_IDENTITY`]: an ML-DSA key's owner cannot be
//! paired with an X25519 key he did not sign. (Anyone can sign someone else's X25519 public key
//! with his own ML-DSA key; that is a different identity, with its own fingerprint, which cannot
//! run a handshake without the X25519 secret.) A [`PublicIdentity`] can only be obtained from a
//! key pair or by decoding bytes whose binding signature verifies: holding one is proof of the
//! check.

use alloc::vec::Vec;
use core::fmt;

use rand_core::TryCryptoRng;

use crate::error::{DecodeError, RngError, SignatureKind, VerifyError};
use crate::kdf;
use crate::keys::{
    SIG_PUBLIC_KEY_LEN, SIGNATURE_LEN, SigPublicKey, SigSecretKey, SigVerifier, Signature,
    X25519_LEN, X25519PublicKey, X25519SecretKey,
};
use crate::labels::{self, object};
use crate::trace::{NoTrace, TraceSink};
use crate::wire::{Reader, Writer};

/// Length of an identity body (without the three-byte header): X25519 key, ML-DSA key,
/// binding signature.
pub(crate) const IDENTITY_BODY_LEN: usize = X25519_LEN + SIG_PUBLIC_KEY_LEN + SIGNATURE_LEN;

/// Length of an encoded [`PublicIdentity`]: header and body.
pub const IDENTITY_LEN: usize = 3 + IDENTITY_BODY_LEN;

/// The message signed by the binding signature: `suite || X25519 identity key`.
fn binding_message(dh: &X25519PublicKey) -> [u8; 1 + X25519_LEN] {
    let mut m = [0u8; 1 + X25519_LEN];
    let (suite, key) = m.split_at_mut(1);
    suite.copy_from_slice(&[labels::SUITE]);
    key.copy_from_slice(dh.as_bytes());
    m
}

/// A party's public hybrid identity, with its verified binding signature.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicIdentity {
    dh: X25519PublicKey,
    sig: SigPublicKey,
    binding: Signature,
}

impl PublicIdentity {
    /// Decodes an identity and verifies its binding signature.
    ///
    /// # Errors
    /// A [`VerifyError::Decode`] for malformed input, [`VerifyError::BadSignature`] if the
    /// ML-DSA key did not sign the X25519 key.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        Self::decode_unverified(bytes)?.verified()
    }

    /// Decodes an identity encoding strictly without verifying its binding (the caller
    /// must, before using it as an identity).
    pub(crate) fn decode_unverified(bytes: &[u8]) -> Result<UnverifiedIdentity, DecodeError> {
        let mut r = Reader::new(bytes);
        r.header(object::IDENTITY)?;
        let id = Self::decode_body(&mut r)?;
        r.finish()?;
        Ok(id)
    }

    /// The encoding: `version || 0x01 || suite || body`.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(IDENTITY_LEN);
        w.header(object::IDENTITY);
        self.encode_body(&mut w);
        w.into_vec()
    }

    /// The X25519 identity public key.
    #[must_use]
    pub fn dh_key(&self) -> &X25519PublicKey {
        &self.dh
    }

    /// The ML-DSA-65 identity verifying key.
    #[must_use]
    pub fn signing_key(&self) -> &SigPublicKey {
        &self.sig
    }

    /// SHA-256 fingerprint over both public keys, used by safety numbers.
    #[must_use]
    pub fn fingerprint(&self) -> [u8; 32] {
        kdf::sha256(&[
            labels::SAFETY_NUMBER_PREFIX,
            &[labels::VERSION, labels::SUITE],
            self.dh.as_bytes(),
            self.sig.as_bytes(),
        ])
    }

    pub(crate) fn encode_body(&self, w: &mut Writer) {
        w.bytes(self.dh.as_bytes());
        w.bytes(self.sig.as_bytes());
        w.bytes(self.binding.as_bytes());
    }

    /// Decodes a body without verifying it; callers must call [`Self::verified`].
    pub(crate) fn decode_body(r: &mut Reader<'_>) -> Result<UnverifiedIdentity, DecodeError> {
        let dh = X25519PublicKey::from_bytes(r.array()?);
        let sig = SigPublicKey::from_bytes(&r.array()?);
        let binding = Signature::from_bytes(&r.array()?);
        Ok(UnverifiedIdentity(Self { dh, sig, binding }))
    }

    /// The binding signature (a transcript item of the self-contained initial message).
    pub(crate) fn binding(&self) -> &Signature {
        &self.binding
    }

    /// The whole body as one transcript item (keys and binding signature).
    pub(crate) fn transcript_parts(&self) -> [&[u8]; 3] {
        [
            self.dh.as_bytes(),
            self.sig.as_bytes(),
            self.binding.as_bytes(),
        ]
    }
}

impl fmt::Debug for PublicIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicIdentity")
            .field("dh", &self.dh)
            .field("sig", &self.sig)
            .finish_non_exhaustive()
    }
}

/// A decoded identity whose binding signature has not been checked yet.
#[derive(Debug)]
pub(crate) struct UnverifiedIdentity(PublicIdentity);

impl UnverifiedIdentity {
    /// The identity as it was decoded, for computing with its public keys before its binding
    /// is checked (the handshake binds every byte of it into the transcript, and the
    /// responder checks the binding once the first message authenticated).
    pub(crate) fn unchecked(&self) -> &PublicIdentity {
        &self.0
    }

    pub(crate) fn verified(self) -> Result<PublicIdentity, VerifyError> {
        self.verified_with_key(&mut NoTrace).map(|(id, _)| id)
    }

    /// Verifies the binding and hands back the expanded ML-DSA key too, for checking more
    /// signatures of the same identity without expanding it again.
    pub(crate) fn verified_with_key<T: TraceSink>(
        self,
        trace: &mut T,
    ) -> Result<(PublicIdentity, SigVerifier), VerifyError> {
        let id = self.0;
        let verifier = id.sig.verifier();
        if verifier.verify(
            labels::SIG_CTX_IDENTITY,
            &binding_message(&id.dh),
            &id.binding,
            trace,
        ) {
            Ok((id, verifier))
        } else {
            Err(VerifyError::BadSignature {
                which: SignatureKind::Identity,
            })
        }
    }
}

/// A party's long-term identity key pair. Secrets are wiped on drop; `Debug` shows only the
/// public half. Not `Clone`: keep one live copy and persist it with `seal`.
///
/// ```compile_fail
/// fn fork(id: &twofold_core::IdentityKeyPair) -> twofold_core::IdentityKeyPair {
///     id.clone()
/// }
/// ```
pub struct IdentityKeyPair {
    dh: X25519SecretKey,
    sig: SigSecretKey,
    public: PublicIdentity,
}

impl IdentityKeyPair {
    /// Generates a new identity: 32 bytes of X25519 secret, a 32-byte ML-DSA seed, and the
    /// binding signature (hedged, so it also draws 32 bytes).
    ///
    /// # Errors
    /// [`RngError`] if the RNG fails.
    pub fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, RngError> {
        let dh = X25519SecretKey::generate(rng)?;
        let sig = SigSecretKey::generate(rng)?;
        let dh_pub = dh.public_key();
        let binding = sig.sign(rng, labels::SIG_CTX_IDENTITY, &binding_message(&dh_pub))?;
        let public = PublicIdentity {
            dh: dh_pub,
            sig: sig.public_key().clone(),
            binding,
        };
        Ok(Self { dh, sig, public })
    }

    /// The public identity to publish.
    #[must_use]
    pub fn public(&self) -> &PublicIdentity {
        &self.public
    }

    pub(crate) fn dh_secret(&self) -> &X25519SecretKey {
        &self.dh
    }

    pub(crate) fn sign<R: TryCryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        ctx: &[u8],
        message: &[u8],
    ) -> Result<Signature, RngError> {
        self.sig.sign(rng, ctx, message)
    }

    /// State encoding: `X25519 secret (32) || ML-DSA seed (32) || binding signature (3309)`.
    pub(crate) fn encode_state(&self, w: &mut Writer) {
        w.bytes(self.dh.to_bytes().as_slice());
        w.bytes(self.sig.seed());
        w.bytes(self.public.binding.as_bytes());
    }

    pub(crate) fn decode_state(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let dh = X25519SecretKey::from_bytes(&zeroize::Zeroizing::new(r.array()?));
        let sig = SigSecretKey::from_seed(&zeroize::Zeroizing::new(r.array()?));
        let binding = Signature::from_bytes(&r.array()?);
        let public = PublicIdentity {
            dh: dh.public_key(),
            sig: sig.public_key().clone(),
            binding,
        };
        // The blob is authenticated, but a key pair whose binding does not verify would
        // produce bundles nobody accepts: refuse it here.
        UnverifiedIdentity(public.clone()).verified().map_err(|_| {
            DecodeError::InvalidEncoding {
                field: "identity binding",
            }
        })?;
        Ok(Self { dh, sig, public })
    }

    /// A copy of this key pair whose public identity carries `binding` instead of its own
    /// binding signature (hazmat, for testing that a responder refuses it).
    #[cfg(twofold_trace)]
    pub(crate) fn with_binding(&self, binding: Signature) -> Self {
        let dh = X25519SecretKey::from_bytes(&self.dh.to_bytes());
        let sig = SigSecretKey::from_seed(self.sig.seed());
        let public = PublicIdentity {
            dh: dh.public_key(),
            sig: sig.public_key().clone(),
            binding,
        };
        Self { dh, sig, public }
    }

    /// The X25519 secret key and the ML-DSA seed (for the vector generator).
    #[cfg(twofold_trace)]
    #[must_use]
    pub fn secret_seeds(&self) -> ([u8; 32], [u8; 32]) {
        (*self.dh.to_bytes(), *self.sig.seed())
    }
}

impl fmt::Debug for IdentityKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityKeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl zeroize::ZeroizeOnDrop for IdentityKeyPair {}
