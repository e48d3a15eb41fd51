//! The signed X25519 prekey and the last-resort ML-KEM prekey, rotated together. They are
//! signed in each upload ([`crate::upload`]), together with their creation time; the store
//! keeps no signature.
//!
//! Spec: `docs/PROTOCOL.md`, sections 5.2 and 5.3.

use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

use crate::bundle::WithId;
use crate::error::{DecodeError, RngError};
use crate::keys::{KemSecretKey, X25519PublicKey, X25519SecretKey};
use crate::upload::SignedRecord;
use crate::wire::{Reader, Writer};

pub(crate) struct SignedPrekeys {
    pub(crate) spk_id: u32,
    pub(crate) spk: X25519SecretKey,
    /// `X25519_pub(spk)`, computed once (not stored: a sealed store holds the secret only).
    pub(crate) spk_public: X25519PublicKey,
    pub(crate) kem_id: u32,
    pub(crate) kem: KemSecretKey,
    /// The owner's clock (Unix seconds) at generation: published, signed, in every upload.
    pub(crate) created_at: u64,
}

impl SignedPrekeys {
    /// Draws the X25519 secret (32 bytes), then the ML-KEM seed (64 bytes).
    pub(crate) fn generate<R: TryCryptoRng + ?Sized>(
        rng: &mut R,
        spk_id: u32,
        kem_id: u32,
        now: u64,
    ) -> Result<Self, RngError> {
        let spk = X25519SecretKey::generate(rng)?;
        Ok(Self {
            spk_id,
            spk_public: spk.public_key(),
            spk,
            kem_id,
            kem: KemSecretKey::generate(rng)?,
            created_at: now,
        })
    }

    /// The public record an upload signs.
    pub(crate) fn record(&self) -> SignedRecord {
        SignedRecord {
            spk: WithId {
                id: self.spk_id,
                key: self.spk_public,
            },
            kem: WithId {
                id: self.kem_id,
                key: self.kem.public_key().clone(),
            },
            created_at: self.created_at,
        }
    }

    /// `u32(spk_id) || spk (32) || u32(kem_id) || ML-KEM seed (64) || u64(created_at)`.
    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u32(self.spk_id);
        w.bytes(self.spk.to_bytes().as_slice());
        w.u32(self.kem_id);
        w.bytes(self.kem.seed());
        w.u64(self.created_at);
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let spk_id = r.u32()?;
        let spk = X25519SecretKey::from_bytes(&Zeroizing::new(r.array()?));
        Ok(Self {
            spk_id,
            spk_public: spk.public_key(),
            spk,
            kem_id: r.u32()?,
            kem: KemSecretKey::from_seed(&Zeroizing::new(r.array()?)),
            created_at: r.u64()?,
        })
    }
}
