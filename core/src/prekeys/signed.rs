//! A signed X25519 prekey and a signed last-resort ML-KEM prekey, rotated together under one
//! ML-DSA signature.
//!
//! Spec: `docs/PROTOCOL.md`, sections 5.2 and 5.3.

use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

use crate::bundle::{WithId, signed_prekeys_message};
use crate::error::{DecodeError, PrekeyError};
use crate::identity::IdentityKeyPair;
use crate::keys::{KemSecretKey, Signature, X25519SecretKey};
use crate::labels;
use crate::wire::{Reader, Writer};

pub(crate) struct SignedPrekeys {
    pub(crate) spk_id: u32,
    pub(crate) spk: X25519SecretKey,
    pub(crate) kem_id: u32,
    pub(crate) kem: KemSecretKey,
    pub(crate) signature: Signature,
    pub(crate) created_at: u64,
}

impl SignedPrekeys {
    pub(crate) fn generate<R: TryCryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        spk_id: u32,
        kem_id: u32,
        now: u64,
    ) -> Result<Self, PrekeyError> {
        let spk = X25519SecretKey::generate(rng)?;
        let kem = KemSecretKey::generate(rng)?;
        let message = signed_prekeys_message(
            &WithId {
                id: spk_id,
                key: spk.public_key(),
            },
            &WithId {
                id: kem_id,
                key: kem.public_key().clone(),
            },
        );
        let signature = identity.sign(rng, labels::SIG_CTX_SIGNED_PREKEYS, &message)?;
        Ok(Self {
            spk_id,
            spk,
            kem_id,
            kem,
            signature,
            created_at: now,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u32(self.spk_id);
        w.bytes(self.spk.to_bytes().as_slice());
        w.u32(self.kem_id);
        w.bytes(self.kem.seed());
        w.bytes(self.signature.as_bytes());
        w.u64(self.created_at);
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            spk_id: r.u32()?,
            spk: X25519SecretKey::from_bytes(&Zeroizing::new(r.array()?)),
            kem_id: r.u32()?,
            kem: KemSecretKey::from_seed(&Zeroizing::new(r.array()?)),
            signature: Signature::from_bytes(&r.array()?),
            created_at: r.u64()?,
        })
    }
}
