//! X25519 (RFC 7748) through `x25519-dalek`, with the contributory check on every output.
//!
//! Spec: `docs/PROTOCOL.md`, section 4.1. A Diffie-Hellman output is a [`DhOutput`]; an
//! all-zero output (a peer key of small order) is an error, detected in constant time by
//! `x25519-dalek`.

use alloc::boxed::Box;
use core::fmt;

use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

use super::{X25519_LEN, debug_prefix, random_bytes, role_secret};
use crate::error::{NonContributory, RngError};

role_secret!(
    /// The output of one X25519 Diffie-Hellman computation, checked to be contributory.
    DhOutput
);

/// An X25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct X25519PublicKey([u8; X25519_LEN]);

impl X25519PublicKey {
    /// Wraps 32 bytes. Every 32-byte string is accepted here (RFC 7748); low-order keys are
    /// caught when a DH output with them turns out all-zero.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; X25519_LEN]) -> Self {
        Self(bytes)
    }

    /// The 32-byte encoding.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; X25519_LEN] {
        &self.0
    }

    /// Whether the key is of small order (any X25519 output with it is all zeros). Checked
    /// with a fixed clamped scalar: the result is zero exactly for the low-order points.
    pub(crate) fn is_low_order(&self) -> bool {
        X25519SecretKey::from_bytes(&[0x48; X25519_LEN])
            .diffie_hellman(self)
            .is_err()
    }
}

impl fmt::Debug for X25519PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_prefix(f, "X25519PublicKey", &self.0)
    }
}

/// Computes X25519 and applies the contributory check. Never inlined: one copy for every DH.
#[inline(never)]
fn agree(
    secret: &x25519_dalek::StaticSecret,
    peer: &X25519PublicKey,
) -> Result<DhOutput, NonContributory> {
    let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(peer.0));
    if shared.was_contributory() {
        let mut bytes = shared.to_bytes();
        Ok(DhOutput::take(&mut bytes))
    } else {
        Err(NonContributory)
    }
}

/// An X25519 secret key usable any number of times (identity, prekey, ratchet key). Boxed, so
/// moves copy only the pointer; not `Clone`.
pub(crate) struct X25519SecretKey(Box<x25519_dalek::StaticSecret>);

impl X25519SecretKey {
    pub(crate) fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, RngError> {
        let bytes = random_bytes::<X25519_LEN, R>(rng)?;
        Ok(Self::from_bytes(&bytes))
    }

    pub(crate) fn from_bytes(bytes: &[u8; X25519_LEN]) -> Self {
        Self(Box::new(x25519_dalek::StaticSecret::from(*bytes)))
    }

    pub(crate) fn to_bytes(&self) -> Zeroizing<[u8; X25519_LEN]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// `X25519(k, 9)`. Without the `precomputed-tables` feature (the wasm package), with the
    /// Montgomery ladder every DH uses (RFC 7748 section 6.1) rather than `x25519-dalek`'s
    /// Edwards base-point multiplication: that would be a second scalar multiplication in the
    /// module (1.8 KiB gzip) for no speed (in wasm, 95.6 µs against 92.8 µs,
    /// `scripts/bench-primitives`). With the tables, the Edwards path is several times faster.
    pub(crate) fn public_key(&self) -> X25519PublicKey {
        #[cfg(feature = "precomputed-tables")]
        let public = x25519_dalek::PublicKey::from(self.0.as_ref());
        #[cfg(not(feature = "precomputed-tables"))]
        let public = self.0.diffie_hellman(&x25519_dalek::PublicKey::from(
            x25519_dalek::X25519_BASEPOINT_BYTES,
        ));
        X25519PublicKey(public.to_bytes())
    }

    /// X25519 with the contributory check: the all-zero output is [`NonContributory`].
    pub(crate) fn diffie_hellman(
        &self,
        peer: &X25519PublicKey,
    ) -> Result<DhOutput, NonContributory> {
        agree(&self.0, peer)
    }
}

impl fmt::Debug for X25519SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("X25519SecretKey([redacted])")
    }
}

impl zeroize::ZeroizeOnDrop for X25519SecretKey {}

/// The initiator's handshake ephemeral `EK_A`. Its only use is [`HandshakeEphemeral::agree`],
/// which consumes it: the secret is wiped as soon as DH2, DH3 and DH4 are computed.
pub(crate) struct HandshakeEphemeral {
    secret: X25519SecretKey,
    public: X25519PublicKey,
}

/// The three (or two) DH outputs of the ephemeral key.
pub(crate) struct EphemeralOutputs {
    /// `DH2 = DH(EK_A, IK_B)`.
    pub(crate) dh2: DhOutput,
    /// `DH3 = DH(EK_A, SPK_B)`.
    pub(crate) dh3: DhOutput,
    /// `DH4 = DH(EK_A, OPK_B)`, when a one-time prekey is used.
    pub(crate) dh4: Option<DhOutput>,
}

impl HandshakeEphemeral {
    pub(crate) fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, RngError> {
        let secret = X25519SecretKey::generate(rng)?;
        let public = secret.public_key();
        Ok(Self { secret, public })
    }

    pub(crate) fn public_key(&self) -> X25519PublicKey {
        self.public
    }

    /// The secret bytes, for the key-schedule trace only (called only by a recording sink).
    pub(crate) fn to_bytes(&self) -> Zeroizing<[u8; X25519_LEN]> {
        self.secret.to_bytes()
    }

    /// DH2, DH3 and (with a one-time prekey) DH4; consumes the ephemeral key.
    pub(crate) fn agree(
        self,
        identity: &X25519PublicKey,
        signed_prekey: &X25519PublicKey,
        one_time_prekey: Option<&X25519PublicKey>,
    ) -> Result<EphemeralOutputs, NonContributory> {
        let dh2 = self.secret.diffie_hellman(identity)?;
        let dh3 = self.secret.diffie_hellman(signed_prekey)?;
        let dh4 = match one_time_prekey {
            Some(k) => Some(self.secret.diffie_hellman(k)?),
            None => None,
        };
        Ok(EphemeralOutputs { dh2, dh3, dh4 })
    }
}
