//! The responder's half of the chunked PQ ratchet: it collects the initiator's key of each
//! epoch, encapsulates to it, and sends the ciphertext in chunks until the initiator's chain
//! that mixes the epoch arrives.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.3 ("Responder").

use alloc::vec::Vec;

use rand_core::TryCryptoRng;

use crate::consts::{MAX_PENDING_EPOCHS, PQ_KEY_OBJECT_CHUNKS};
use crate::erasure;
use crate::error::EncryptError;
use crate::keys::{KemCiphertext, KemPublicKey, random_bytes};
use crate::message::ratchet::{Chunk, PqChunkKind};
use crate::trace::{TraceEvent, TraceSink};

use super::collect::{Added, Collector};
use super::objects::{self, EpochSecret};
use super::{Outcome, chunk_index, record_chunk_sent};

/// A ciphertext made for an epoch the initiator has not mixed yet.
pub(crate) struct PendingCiphertext {
    pub(super) epoch: u32,
    pub(super) secret: EpochSecret,
    pub(super) ct: KemCiphertext,
    /// `conf_e`; the object sent is `ct || conf || 0^2`.
    pub(super) confirm: [u8; 32],
    /// Chunks of it sent so far.
    pub(super) sent: u32,
}

/// Responder state.
pub(crate) struct CiphertextSender {
    /// Epoch of the key object being collected.
    pub(super) next_epoch: u32,
    pub(super) collected: Collector,
    /// A decoded, checked key to encapsulate to at the next `encrypt`.
    pub(super) decoded: Option<(u32, KemPublicKey)>,
    /// Ciphertexts whose epoch the initiator has not mixed, oldest first.
    pub(super) pending: Vec<PendingCiphertext>,
}

impl CiphertextSender {
    pub(super) fn new() -> Self {
        Self {
            next_epoch: 1,
            collected: Collector::default(),
            decoded: None,
            pending: Vec::new(),
        }
    }

    /// The encapsulation to a decoded key, if one waits, and the chunk of the next message
    /// (of the oldest pending ciphertext). Changes nothing.
    pub(super) fn stage<R: TryCryptoRng + ?Sized, T: TraceSink>(
        &self,
        rng: &mut R,
        session_ad: &[u8; 32],
        trace: &mut T,
    ) -> Result<(Option<Chunk>, Option<PendingCiphertext>), EncryptError> {
        let new = match &self.decoded {
            Some((epoch, ek)) => Some(encapsulate(rng, session_ad, *epoch, ek, trace)?),
            None => None,
        };
        let head = self.pending.first().or(new.as_ref());
        let chunk = head.map(|p| {
            let index = chunk_index(p.sent);
            let chunk = Chunk {
                kind: PqChunkKind::Ciphertext,
                epoch: p.epoch,
                index,
                bytes: erasure::chunk_fixed(
                    &objects::ciphertext_object(&p.ct, &p.confirm),
                    &objects::CIPHERTEXT_OBJECT_WEIGHTS,
                    index,
                ),
            };
            record_chunk_sent(trace, &chunk);
            chunk
        });
        Ok((chunk, new))
    }

    pub(super) fn commit(&mut self, new: Option<PendingCiphertext>) {
        if let Some(new) = new {
            self.pending.push(new);
            self.decoded = None;
        }
        if let Some(head) = self.pending.first_mut() {
            head.sent = head.sent.wrapping_add(1);
        }
    }

    /// The secret the initiator's next chain with `MIX` mixed: the oldest pending one.
    pub(super) fn mix_secret(&self) -> Option<&EpochSecret> {
        self.pending.first().map(|p| &p.secret)
    }

    /// The initiator opened a chain that mixed the oldest pending epoch: returns it.
    pub(super) fn mixed(&mut self) -> Option<u32> {
        (!self.pending.is_empty()).then(|| self.pending.remove(0).epoch)
    }

    /// The initiator sends the key of `epoch`, not the one this side collects. With nothing in
    /// flight (no pending ciphertext, no decoded key) and `epoch` above the last one mixed,
    /// one of the two restored an older state: collect that key instead (`Some(true)`). A
    /// later epoch otherwise cannot be followed (`Some(false)`: a fault, ignored); an earlier
    /// one is a stale chunk (`None`). An honest pair never meets the first two cases.
    pub(super) fn skip_to(&mut self, epoch: u32, root_epoch: u32) -> Option<bool> {
        let idle = self.pending.is_empty() && self.decoded.is_none();
        if idle && epoch > root_epoch {
            self.next_epoch = epoch;
            self.collected = Collector::default();
            Some(true)
        } else if epoch > self.next_epoch {
            Some(false)
        } else {
            None
        }
    }

    /// Processes the key chunk of an authenticated message.
    pub(super) fn receive<T: TraceSink>(&mut self, chunk: &Chunk, trace: &mut T) -> Outcome {
        let held = self
            .pending
            .len()
            .saturating_add(usize::from(self.decoded.is_some()));
        if chunk.epoch != self.next_epoch || held >= MAX_PENDING_EPOCHS {
            return Outcome::Ignored;
        }
        let epoch = self.next_epoch;
        match self
            .collected
            .add(PQ_KEY_OBJECT_CHUNKS, chunk.index, &chunk.bytes)
        {
            Added::Repeated => Outcome::Repeated,
            Added::Held => Outcome::Collected,
            Added::Conflict => Outcome::Fault(epoch, objects::Inconsistency::ChunkMismatch),
            Added::Complete(object, indices) => {
                trace.record(|| TraceEvent::PqObjectDecoded {
                    kind: "key",
                    epoch,
                    indices,
                    object: object.clone(),
                });
                match objects::parse_key_object(epoch, &object) {
                    Ok(ek) => match epoch.checked_add(1) {
                        Some(next) => {
                            self.decoded = Some((epoch, ek));
                            self.next_epoch = next;
                            Outcome::Decoded
                        }
                        None => Outcome::Fault(epoch, objects::Inconsistency::EpochExhausted),
                    },
                    Err(why) => Outcome::Fault(epoch, why),
                }
            }
        }
    }
}

/// `m` ← 32 random bytes; `(ct, ss) = ML-KEM.Encaps_internal(ek, m)`; the epoch keys.
fn encapsulate<R: TryCryptoRng + ?Sized, T: TraceSink>(
    rng: &mut R,
    session_ad: &[u8; 32],
    epoch: u32,
    ek: &KemPublicKey,
    trace: &mut T,
) -> Result<PendingCiphertext, EncryptError> {
    let m = random_bytes::<32, R>(rng)?;
    let (ct, ss) = ek.encapsulate_with(&m);
    let commitment = objects::key_commitment(epoch, ek.as_bytes());
    let keys = objects::epoch_keys(session_ad, epoch, &commitment, &ct, &ss);
    trace.record(|| TraceEvent::PqEncapsulated {
        epoch,
        randomness: *m,
        ciphertext: ct.as_bytes().to_vec(),
        shared_secret: *ss.as_bytes(),
        transcript: keys.transcript,
        confirm: keys.confirm,
        secret: *keys.secret.as_bytes(),
    });
    Ok(PendingCiphertext {
        epoch,
        ct,
        confirm: keys.confirm,
        secret: keys.secret,
        sent: 0,
    })
}
