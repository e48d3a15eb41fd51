//! The initiator's half of the chunked PQ ratchet: it generates one ML-KEM key per epoch,
//! sends it in chunks, and collects the responder's ciphertext of each epoch in turn.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.3 ("Initiator").

use alloc::vec::Vec;

use rand_core::TryCryptoRng;
use subtle::ConstantTimeEq as _;

use crate::consts::{MAX_PENDING_EPOCHS, PQ_CIPHERTEXT_OBJECT_CHUNKS};
use crate::erasure;
use crate::error::EncryptError;
use alloc::boxed::Box;

use crate::keys::{
    KEM_PUBLIC_KEY_LEN, KEM_SEED_LEN, KemCiphertext, KemSecretKey, KemSharedSecret, SecretBox,
};
use crate::message::ratchet::{Chunk, PqChunkKind};
use crate::trace::{TraceEvent, TraceSink};

use super::collect::{Added, Collector};
use super::objects::{self, EpochSecret, Inconsistency};
use super::{Outcome, chunk_index, record_chunk_sent};

/// Initiator state.
pub(crate) struct KeySender {
    /// Epoch of the key being sent.
    pub(super) epoch: u32,
    /// Chunks of it sent so far (the next carries index `sent mod 65536`).
    pub(super) sent: u32,
    /// An authenticated ciphertext chunk of `epoch` arrived: the responder has the key.
    pub(super) acked: bool,
    /// Keys whose ciphertext is still missing, oldest first, at most two.
    pub(super) awaiting: Vec<(u32, EpochKey)>,
    /// Chunks of the ciphertext object of the head of `awaiting`.
    pub(super) collected: Collector,
    /// A verified epoch secret, to be mixed by the next new sending chain.
    pub(super) staged: Option<(u32, EpochSecret)>,
}

/// A key drawn by `encrypt`, committed with its message.
pub(crate) struct NewKey(u32, EpochKey);

/// An epoch's ML-KEM key pair as the session keeps it: the seed and the encapsulation key's
/// bytes. The expanded keys (several KB, per held epoch and session) are rebuilt from the seed
/// for the one decapsulation of the epoch.
pub(crate) struct EpochKey {
    seed: SecretBox<KEM_SEED_LEN>,
    ek: Box<[u8; KEM_PUBLIC_KEY_LEN]>,
}

impl EpochKey {
    fn from_key(key: &KemSecretKey) -> Self {
        Self {
            seed: SecretBox::from_ref(key.seed()),
            ek: Box::new(*key.public_key().as_bytes()),
        }
    }

    /// Expands `seed` once to compute the encapsulation key (state decoding).
    pub(super) fn from_seed(seed: &[u8; KEM_SEED_LEN]) -> Self {
        Self::from_key(&KemSecretKey::from_seed(seed))
    }

    pub(super) fn seed(&self) -> &[u8; KEM_SEED_LEN] {
        self.seed.as_bytes()
    }

    fn decapsulate(&self, ct: &KemCiphertext) -> KemSharedSecret {
        KemSecretKey::from_seed(self.seed.as_bytes()).decapsulate(ct)
    }
}

impl KeySender {
    /// Epoch 1 starts with the session: `initiate` draws its key.
    pub(super) fn new<R: TryCryptoRng + ?Sized, T: TraceSink>(
        rng: &mut R,
        trace: &mut T,
    ) -> Result<Self, EncryptError> {
        let NewKey(epoch, key) = generate(rng, 1, trace)?;
        Ok(Self {
            epoch,
            sent: 0,
            acked: false,
            awaiting: alloc::vec![(epoch, key)],
            collected: Collector::default(),
            staged: None,
        })
    }

    /// The chunk of the next message, and the key drawn for it if a new epoch starts (once
    /// the current key was acknowledged). Changes nothing.
    pub(super) fn stage<R: TryCryptoRng + ?Sized, T: TraceSink>(
        &self,
        rng: &mut R,
        trace: &mut T,
    ) -> Result<(Chunk, Option<NewKey>), EncryptError> {
        let current = self
            .awaiting
            .iter()
            .find(|(e, _)| *e == self.epoch)
            .map(|(_, k)| k);
        match current {
            Some(key) if !self.acked => Ok((chunk_of(key, self.epoch, self.sent, trace), None)),
            // Acknowledged (or, after a state restore, already verified): the next epoch.
            _ => {
                let epoch = self
                    .epoch
                    .checked_add(1)
                    .ok_or(EncryptError::CounterExhausted)?;
                let new = generate(rng, epoch, trace)?;
                let chunk = chunk_of(&new.1, epoch, 0, trace);
                Ok((chunk, Some(new)))
            }
        }
    }

    pub(super) fn commit(&mut self, new: Option<NewKey>) {
        if let Some(NewKey(epoch, key)) = new {
            self.awaiting.push((epoch, key));
            while self.awaiting.len() > MAX_PENDING_EPOCHS {
                self.awaiting.remove(0);
            }
            self.epoch = epoch;
            self.sent = 0;
            self.acked = false;
        }
        self.sent = self.sent.wrapping_add(1);
    }

    /// The highest ciphertext epoch an honest responder can send now: the oldest key still
    /// waiting, or the current one once all are done.
    pub(super) fn acceptable_epoch(&self) -> u32 {
        self.awaiting.first().map_or(self.epoch, |(e, _)| *e)
    }

    /// The responder sends the ciphertext of `epoch`, a later epoch than the oldest one this
    /// side waits for (it restored an older state and lost the earlier ciphertexts): give up
    /// the older keys if `epoch` is one of ours. `false` if it is not.
    pub(super) fn skip_to(&mut self, epoch: u32) -> bool {
        if !self.awaiting.iter().any(|(e, _)| *e == epoch) {
            return false;
        }
        self.awaiting.retain(|(e, _)| *e >= epoch);
        self.collected = Collector::default();
        true
    }

    /// Processes the ciphertext chunk of an authenticated message.
    pub(super) fn receive<T: TraceSink>(
        &mut self,
        chunk: &Chunk,
        session_ad: &[u8; 32],
        trace: &mut T,
    ) -> Outcome {
        if chunk.epoch == self.epoch {
            self.acked = true;
        }
        let head = match self.awaiting.first() {
            Some((e, _)) if *e == chunk.epoch && self.staged.is_none() => *e,
            _ => return Outcome::Ignored,
        };
        match self
            .collected
            .add(PQ_CIPHERTEXT_OBJECT_CHUNKS, chunk.index, &chunk.bytes)
        {
            Added::Repeated => Outcome::Repeated,
            Added::Held => Outcome::Collected,
            Added::Conflict => Outcome::Fault(head, Inconsistency::ChunkMismatch),
            Added::Complete(object, indices) => {
                trace.record(|| TraceEvent::PqObjectDecoded {
                    kind: "ciphertext",
                    epoch: head,
                    indices,
                    object: object.clone(),
                });
                match self.finish(head, &object, session_ad, trace) {
                    Ok(secret) => {
                        self.awaiting.remove(0);
                        self.staged = Some((head, secret));
                        Outcome::Decoded
                    }
                    Err(why) => Outcome::Fault(head, why),
                }
            }
        }
    }

    /// Decapsulates a decoded ciphertext object of `epoch` and checks its confirmation.
    fn finish<T: TraceSink>(
        &self,
        epoch: u32,
        object: &[u8],
        session_ad: &[u8; 32],
        trace: &mut T,
    ) -> Result<EpochSecret, Inconsistency> {
        let (ct, claimed) = objects::parse_ciphertext_object(object)?;
        let key = self
            .awaiting
            .first()
            .map(|(_, k)| k)
            .ok_or(Inconsistency::Confirmation)?;
        let ss = key.decapsulate(&ct);
        let commitment = objects::key_commitment(epoch, &key.ek);
        let keys = objects::epoch_keys(session_ad, epoch, &commitment, &ct, &ss);
        trace.record(|| TraceEvent::PqDecapsulated {
            epoch,
            shared_secret: *ss.as_bytes(),
            transcript: keys.transcript,
            confirm: keys.confirm,
            secret: *keys.secret.as_bytes(),
        });
        if bool::from(keys.confirm.ct_eq(&claimed)) {
            Ok(keys.secret)
        } else {
            Err(Inconsistency::Confirmation)
        }
    }
}

fn generate<R: TryCryptoRng + ?Sized, T: TraceSink>(
    rng: &mut R,
    epoch: u32,
    trace: &mut T,
) -> Result<NewKey, EncryptError> {
    let key = EpochKey::from_key(&KemSecretKey::generate(rng)?);
    trace.record(|| TraceEvent::PqKeyGenerated {
        epoch,
        seed: key.seed().to_vec(),
        public: key.ek.to_vec(),
        commitment: objects::key_commitment(epoch, &key.ek),
    });
    Ok(NewKey(epoch, key))
}

/// Chunk `sent mod 65536` of the key object of `epoch`.
fn chunk_of<T: TraceSink>(key: &EpochKey, epoch: u32, sent: u32, trace: &mut T) -> Chunk {
    let index = chunk_index(sent);
    let object = objects::key_object(epoch, &key.ek);
    let chunk = Chunk {
        kind: PqChunkKind::Key,
        epoch,
        index,
        bytes: erasure::chunk_fixed(&object, &objects::KEY_OBJECT_WEIGHTS, index),
    };
    record_chunk_sent(trace, &chunk);
    chunk
}
