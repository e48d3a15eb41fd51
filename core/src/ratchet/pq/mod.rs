//! The chunked ML-KEM-768 ratchet of wire version 2.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.3 ("Chunked PQ ratchet"); design and reasoning in
//! `docs/design/chunked-pq-ratchet.md`.
//!
//! Roles are fixed for the life of a session. The initiator generates one ML-KEM key per
//! *epoch* and sends its key object (`ek || c_ek`) one erasure-coded chunk per message; the
//! responder, once any 36 distinct chunks arrived, encapsulates and sends the ciphertext object
//! (`ct || conf`) the same way; once any 33 of those arrived and the confirmation matched, the
//! initiator mixes the epoch secret into the root step of her next sending chain, whose
//! messages all say so (`MIX`), and the responder mixes it when he opens that chain. The
//! initiator starts the next key as soon as the responder's first ciphertext chunk of the
//! current one arrives.
//!
//! Nothing here runs before a message authenticated, except [`PqRatchet::check`] (public
//! header fields against public state) and looking up the secret a `MIX` chain needs. Decoding,
//! decapsulation and encapsulation happen after the tag verified (`decrypt`) or inside
//! `encrypt`. Every change is staged and committed: [`PqRatchet::stage_send`] /
//! [`PqRatchet::commit_send`] with the message that carries the chunk,
//! [`PqRatchet::commit_receive`] once a message authenticated (it cannot fail: an inconsistent
//! object is a counted fault, never an error, so the authentic plaintext is not lost).

mod codec;
pub(crate) mod collect;
mod initiator;
pub(crate) mod objects;
mod responder;

use rand_core::TryCryptoRng;

use crate::consts::{PQ_CIPHERTEXT_OBJECT_CHUNKS, PQ_KEY_OBJECT_CHUNKS};
use crate::error::{AcceptError, DecodeError, DecryptError, EncryptError};
use crate::message::ratchet::{Chunk, Header, PqChunkKind};
use crate::trace::{TraceEvent, TraceSink};

use initiator::{KeySender, NewKey};
pub(crate) use objects::EpochSecret;
use objects::Inconsistency;
use responder::{CiphertextSender, PendingCiphertext};

/// Which half of the exchange this side runs.
pub(crate) enum Side {
    /// Sends keys, receives ciphertexts.
    Initiator(KeySender),
    /// Receives keys, sends ciphertexts.
    Responder(CiphertextSender),
}

/// PQ ratchet state of one session.
pub(crate) struct PqRatchet {
    side: Side,
    /// The last epoch mixed into the root key (0: only the handshake's KEM secret).
    root_epoch: u32,
    /// The epoch `last_epoch_at` refers to.
    stamped_epoch: u32,
    /// Caller's clock at the first `encrypt` after `root_epoch` last increased (or the
    /// handshake).
    last_epoch_at: u64,
    sent_since: u32,
    received_since: u32,
    faults: u32,
}

/// What one chunk did, for the trace and the fault counter.
pub(crate) enum Outcome {
    Collected,
    Repeated,
    Ignored,
    Decoded,
    Fault(u32, Inconsistency),
}

/// The PQ change of one `encrypt`, committed with its message.
pub(crate) enum StagedSend {
    Initiator(Option<NewKey>),
    Responder(Option<PendingCiphertext>),
}

/// Non-secret PQ state, for `Session::info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PqCounters {
    pub(crate) epoch: u32,
    pub(crate) sending_epoch: u32,
    pub(crate) chunks_sent: u32,
    pub(crate) receiving_epoch: u32,
    pub(crate) chunks_received: u32,
    pub(crate) chunks_needed: u32,
    pub(crate) sent_since: u32,
    pub(crate) received_since: u32,
    pub(crate) last_epoch_at: u64,
    pub(crate) faults: u32,
}

fn kind_name(kind: PqChunkKind) -> &'static str {
    match kind {
        PqChunkKind::Key => "key",
        PqChunkKind::Ciphertext => "ciphertext",
    }
}

/// The chunk index of the `sent`-th chunk of an object: `sent mod 65536`.
pub(super) fn chunk_index(sent: u32) -> u16 {
    let [_, _, hi, lo] = sent.to_be_bytes();
    u16::from_be_bytes([hi, lo])
}

pub(super) fn record_chunk_sent<T: TraceSink>(trace: &mut T, chunk: &Chunk) {
    trace.record(|| TraceEvent::PqChunkSent {
        kind: kind_name(chunk.kind),
        epoch: chunk.epoch,
        index: chunk.index,
        bytes: chunk.bytes,
    });
}

impl PqRatchet {
    fn with_side(side: Side, now: u64) -> Self {
        Self {
            side,
            root_epoch: 0,
            stamped_epoch: 0,
            last_epoch_at: now,
            sent_since: 0,
            received_since: 0,
            faults: 0,
        }
    }

    /// The initiator's state: the key of epoch 1 is drawn now (after the first ratchet key).
    pub(crate) fn new_initiator<R: TryCryptoRng + ?Sized, T: TraceSink>(
        rng: &mut R,
        now: u64,
        trace: &mut T,
    ) -> Result<Self, EncryptError> {
        Ok(Self::with_side(
            Side::Initiator(KeySender::new(rng, trace)?),
            now,
        ))
    }

    pub(crate) fn new_responder(now: u64) -> Self {
        Self::with_side(Side::Responder(CiphertextSender::new()), now)
    }

    /// The epoch secret a new sending chain mixes: the initiator's verified, unmixed epoch.
    pub(crate) fn send_mix(&self) -> Option<&EpochSecret> {
        match &self.side {
            Side::Initiator(ks) => ks.staged.as_ref().map(|(_, s)| s),
            Side::Responder(_) => None,
        }
    }

    /// The chunk of the next message and the PQ change it commits. Draws the next epoch's
    /// 64-byte key seed (initiator, once the current key was acknowledged) or the 32-byte
    /// encapsulation randomness (responder, once a key was decoded). Changes nothing.
    pub(crate) fn stage_send<R: TryCryptoRng + ?Sized, T: TraceSink>(
        &self,
        rng: &mut R,
        session_ad: &[u8; 32],
        trace: &mut T,
    ) -> Result<(Option<Chunk>, StagedSend), EncryptError> {
        match &self.side {
            Side::Initiator(ks) => {
                let (chunk, new) = ks.stage(rng, trace)?;
                Ok((Some(chunk), StagedSend::Initiator(new)))
            }
            Side::Responder(cs) => {
                let (chunk, new) = cs.stage(rng, session_ad, trace)?;
                Ok((chunk, StagedSend::Responder(new)))
            }
        }
    }

    /// Commits one `encrypt`. `mixed`: the message's new chain mixed [`PqRatchet::send_mix`].
    pub(crate) fn commit_send(&mut self, staged: StagedSend, mixed: bool, now: u64) {
        match (&mut self.side, staged) {
            (Side::Initiator(ks), StagedSend::Initiator(new)) => {
                if mixed && let Some((epoch, _)) = ks.staged.take() {
                    self.root_epoch = epoch;
                    self.sent_since = 0;
                    self.received_since = 0;
                }
                ks.commit(new);
            }
            (Side::Responder(cs), StagedSend::Responder(new)) => cs.commit(new),
            // Staged by this state's own `stage_send`: the sides always match.
            _ => {}
        }
        if self.stamped_epoch != self.root_epoch {
            self.stamped_epoch = self.root_epoch;
            self.last_epoch_at = now;
        }
        self.sent_since = self.sent_since.saturating_add(1);
    }

    /// The pre-authentication checks of a message's PQ fields, from public header fields only:
    /// the peer's role (`INVALID_ENCODING`). A chunk of an epoch this side cannot accept yet
    /// is not refused here: a peer restored from an older state can send one in an authentic
    /// message, which must still decrypt; it is ignored after authentication and counted as
    /// a fault (`commit_receive`).
    pub(crate) fn check(&self, header: &Header) -> Result<(), DecryptError> {
        let role = |field| DecryptError::Decode(DecodeError::InvalidEncoding { field });
        match (&self.side, header.chunk.as_ref().map(|c| c.kind)) {
            (Side::Initiator(_), _) if header.mix => Err(role("PQ fields of the wrong role")),
            (Side::Initiator(_), None | Some(PqChunkKind::Ciphertext)) => Ok(()),
            (Side::Initiator(_), Some(PqChunkKind::Key)) => {
                Err(role("PQ fields of the wrong role"))
            }
            (Side::Responder(_), Some(PqChunkKind::Key)) => Ok(()),
            (Side::Responder(_), _) => Err(role("PQ fields of the wrong role")),
        }
    }

    /// The checks of the initial message, before any handshake work: the initiator's role
    /// (a key chunk) and no `MIX` (`INVALID_ENCODING`); the chunk of epoch 1, since the
    /// responder's state is fresh and no honest initiator can be further (`UNKNOWN_EPOCH`).
    pub(crate) fn check_initial(header: &Header) -> Result<(), AcceptError> {
        if header.mix {
            return Err(DecodeError::InvalidEncoding {
                field: "PQ fields of the wrong role",
            }
            .into());
        }
        let fresh = Self::new_responder(0);
        fresh.check(header).map_err(|e| match e {
            DecryptError::Decode(d) => AcceptError::Decode(d),
            _ => AcceptError::AuthFailed,
        })?;
        match &header.chunk {
            Some(c) if c.epoch != 1 => Err(AcceptError::UnknownEpoch { epoch: c.epoch }),
            _ => Ok(()),
        }
    }

    /// The epoch secret a received chain with `MIX` mixed (responder: the oldest pending
    /// ciphertext's). `None` means such a chain cannot be opened (`AUTH_FAILED`).
    pub(crate) fn receive_mix(&self) -> Option<&EpochSecret> {
        match &self.side {
            Side::Initiator(_) => None,
            Side::Responder(cs) => cs.mix_secret(),
        }
    }

    /// Commits the PQ part of an authenticated message: `opened_mix` if it opened a new
    /// receiving chain with `MIX` (its secret was [`PqRatchet::receive_mix`]), then its chunk.
    /// Cannot fail; an inconsistent object is a counted fault.
    pub(crate) fn commit_receive<T: TraceSink>(
        &mut self,
        header: &Header,
        opened_mix: bool,
        session_ad: &[u8; 32],
        trace: &mut T,
    ) {
        if opened_mix
            && let Side::Responder(cs) = &mut self.side
            && let Some(epoch) = cs.mixed()
        {
            self.root_epoch = epoch;
            self.sent_since = 0;
            self.received_since = 0;
        }
        self.received_since = self.received_since.saturating_add(1);
        let Some(chunk) = &header.chunk else {
            return;
        };
        // A chunk of an epoch this side does not expect because one of the two restored an
        // older state. Count a fault and catch up where that is possible: a responder with
        // nothing in flight collects the key the initiator sends, the initiator gives up the
        // older keys still waiting; otherwise a later epoch is ignored (an earlier one is
        // simply stale, as reordering produces).
        let ahead = match &mut self.side {
            Side::Initiator(ks) if chunk.epoch > ks.acceptable_epoch() => {
                Some(ks.skip_to(chunk.epoch))
            }
            Side::Responder(cs) if chunk.epoch != cs.next_epoch => {
                cs.skip_to(chunk.epoch, self.root_epoch)
            }
            _ => None,
        };
        let outcome = match (ahead, &mut self.side) {
            (Some(false), _) => Outcome::Fault(chunk.epoch, Inconsistency::UnknownEpoch),
            (skipped, side) => {
                if skipped.is_some() {
                    self.faults = self.faults.saturating_add(1);
                    trace.record(|| TraceEvent::PqFault {
                        epoch: chunk.epoch,
                        reason: Inconsistency::UnknownEpoch.as_str(),
                    });
                }
                match side {
                    Side::Initiator(ks) => ks.receive(chunk, session_ad, trace),
                    Side::Responder(cs) => cs.receive(chunk, trace),
                }
            }
        };
        if let Outcome::Fault(epoch, why) = outcome {
            self.faults = self.faults.saturating_add(1);
            trace.record(|| TraceEvent::PqFault {
                epoch,
                reason: why.as_str(),
            });
        }
        // The names are built inside the closure: an ordinary build (which never calls it)
        // carries none of these strings.
        trace.record(|| TraceEvent::PqChunkReceived {
            kind: kind_name(chunk.kind),
            epoch: chunk.epoch,
            index: chunk.index,
            outcome: match outcome {
                Outcome::Collected => "collected",
                Outcome::Repeated => "repeated",
                Outcome::Ignored => "ignored",
                Outcome::Decoded => "decoded",
                Outcome::Fault(..) => "conflict",
            },
        });
    }

    pub(crate) fn is_initiator(&self) -> bool {
        matches!(self.side, Side::Initiator(_))
    }

    pub(crate) fn counters(&self) -> PqCounters {
        let (sending_epoch, chunks_sent, receiving_epoch, chunks_received, chunks_needed) =
            match &self.side {
                Side::Initiator(ks) => (
                    ks.epoch,
                    ks.sent,
                    ks.acceptable_epoch(),
                    ks.collected.len(),
                    PQ_CIPHERTEXT_OBJECT_CHUNKS,
                ),
                Side::Responder(cs) => {
                    let (e, s) = cs.pending.first().map_or((0, 0), |p| (p.epoch, p.sent));
                    (
                        e,
                        s,
                        cs.next_epoch,
                        cs.collected.len(),
                        PQ_KEY_OBJECT_CHUNKS,
                    )
                }
            };
        PqCounters {
            epoch: self.root_epoch,
            sending_epoch,
            chunks_sent,
            receiving_epoch,
            chunks_received: u32::try_from(chunks_received).unwrap_or(u32::MAX),
            chunks_needed: u32::try_from(chunks_needed).unwrap_or(u32::MAX),
            sent_since: self.sent_since,
            received_since: self.received_since,
            last_epoch_at: self.last_epoch_at,
            faults: self.faults,
        }
    }
}
