//! The PQ ratchet's part of the sealed session (state format 2).
//!
//! Spec: `docs/PROTOCOL.md`, section 10.3. Every count, order and epoch relation is checked on
//! decoding; a state an honest run cannot reach is `INVALID_ENCODING`.

use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::consts::{
    MAX_PENDING_EPOCHS, PQ_CHUNK_LEN, PQ_CIPHERTEXT_OBJECT_CHUNKS, PQ_KEY_OBJECT_CHUNKS,
};
use crate::error::DecodeError;
use crate::keys::{KemCiphertext, KemPublicKey};
use crate::wire::{Reader, Writer};

use super::collect::Collector;
use super::initiator::{EpochKey, KeySender};
use super::objects::EpochSecret;
use super::responder::{CiphertextSender, PendingCiphertext};
use super::{PqRatchet, Side};

const SIDE_INITIATOR: u8 = 1;
const SIDE_RESPONDER: u8 = 2;

fn invalid(field: &'static str) -> DecodeError {
    DecodeError::InvalidEncoding { field }
}

fn small_count(r: &mut Reader<'_>, max: usize, field: &'static str) -> Result<usize, DecodeError> {
    let n = usize::from(r.u8()?);
    if n > max {
        return Err(invalid(field));
    }
    Ok(n)
}

fn write_small_count(w: &mut Writer, n: usize) {
    w.u8(u8::try_from(n).unwrap_or(u8::MAX));
}

fn encode_chunks(w: &mut Writer, c: &Collector) {
    write_small_count(w, c.len());
    for (i, bytes) in c.chunks() {
        w.u16(*i);
        w.bytes(bytes);
    }
}

/// Fewer than `k` chunks, strictly ascending indices.
fn decode_chunks(r: &mut Reader<'_>, k: usize) -> Result<Collector, DecodeError> {
    let n = small_count(r, k.saturating_sub(1), "PQ state")?;
    let mut chunks: Vec<(u16, [u8; PQ_CHUNK_LEN])> = Vec::with_capacity(n);
    for _ in 0..n {
        let index = r.u16()?;
        if chunks.last().is_some_and(|(prev, _)| *prev >= index) {
            return Err(invalid("PQ state"));
        }
        chunks.push((index, r.array()?));
    }
    Ok(Collector::from_chunks(chunks))
}

/// `epochs` strictly consecutive.
fn consecutive(epochs: impl Iterator<Item = u32>) -> bool {
    let mut prev: Option<u32> = None;
    for e in epochs {
        if prev.is_some_and(|p| p.checked_add(1) != Some(e)) {
            return false;
        }
        prev = Some(e);
    }
    true
}

impl PqRatchet {
    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u32(self.root_epoch);
        w.u32(self.stamped_epoch);
        w.u64(self.last_epoch_at);
        w.u32(self.sent_since);
        w.u32(self.received_since);
        w.u32(self.faults);
        match &self.side {
            Side::Initiator(ks) => {
                w.u8(SIDE_INITIATOR);
                w.u32(ks.epoch);
                w.u32(ks.sent);
                w.bool(ks.acked);
                write_small_count(w, ks.awaiting.len());
                for (e, key) in &ks.awaiting {
                    w.u32(*e);
                    w.bytes(key.seed());
                }
                encode_chunks(w, &ks.collected);
                match &ks.staged {
                    Some((e, s)) => {
                        w.bool(true);
                        w.u32(*e);
                        w.bytes(s.as_bytes());
                    }
                    None => w.bool(false),
                }
            }
            Side::Responder(cs) => {
                w.u8(SIDE_RESPONDER);
                w.u32(cs.next_epoch);
                encode_chunks(w, &cs.collected);
                match &cs.decoded {
                    Some((e, ek)) => {
                        w.bool(true);
                        w.u32(*e);
                        w.bytes(ek.as_bytes());
                    }
                    None => w.bool(false),
                }
                write_small_count(w, cs.pending.len());
                for p in &cs.pending {
                    w.u32(p.epoch);
                    w.bytes(p.secret.as_bytes());
                    w.bytes(p.ct.as_bytes());
                    w.bytes(&p.confirm);
                    w.u32(p.sent);
                }
            }
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let root_epoch = r.u32()?;
        let stamped_epoch = r.u32()?;
        let last_epoch_at = r.u64()?;
        let sent_since = r.u32()?;
        let received_since = r.u32()?;
        let faults = r.u32()?;
        let side = match r.u8()? {
            SIDE_INITIATOR => Side::Initiator(decode_initiator(r, root_epoch)?),
            SIDE_RESPONDER => Side::Responder(decode_responder(r, root_epoch)?),
            _ => return Err(invalid("PQ state")),
        };
        if stamped_epoch > root_epoch {
            return Err(invalid("PQ state"));
        }
        Ok(Self {
            side,
            root_epoch,
            stamped_epoch,
            last_epoch_at,
            sent_since,
            received_since,
            faults,
        })
    }
}

fn decode_initiator(r: &mut Reader<'_>, root_epoch: u32) -> Result<KeySender, DecodeError> {
    let epoch = r.u32()?;
    let sent = r.u32()?;
    let acked = r.bool("PQ state")?;
    let n = small_count(r, MAX_PENDING_EPOCHS, "PQ state")?;
    let mut awaiting = Vec::with_capacity(n);
    for _ in 0..n {
        let e = r.u32()?;
        let seed = Zeroizing::new(r.array()?);
        awaiting.push((e, EpochKey::from_seed(&seed)));
    }
    let collected = decode_chunks(r, PQ_CIPHERTEXT_OBJECT_CHUNKS)?;
    let staged = if r.bool("PQ state")? {
        let e = r.u32()?;
        Some((e, EpochSecret::from_ref(&Zeroizing::new(r.array()?))))
    } else {
        None
    };
    // The relations an honest run keeps (design note, section 3.8).
    let first = awaiting.first().map(|(e, _)| *e);
    let last = awaiting.last().map(|(e, _)| *e);
    let ok = epoch >= 1
        && consecutive(awaiting.iter().map(|(e, _)| *e))
        && last.is_none_or(|l| l == epoch)
        && (last.is_some() || acked)
        && staged
            .as_ref()
            .is_none_or(|(s, _)| *s > root_epoch && *s <= epoch && first.is_none_or(|f| *s < f))
        && first.is_none_or(|f| f > root_epoch)
        && (collected.len() == 0 || first.is_some());
    if !ok {
        return Err(invalid("PQ state"));
    }
    Ok(KeySender {
        epoch,
        sent,
        acked,
        awaiting,
        collected,
        staged,
    })
}

fn decode_responder(r: &mut Reader<'_>, root_epoch: u32) -> Result<CiphertextSender, DecodeError> {
    let next_epoch = r.u32()?;
    let collected = decode_chunks(r, PQ_KEY_OBJECT_CHUNKS)?;
    let decoded = if r.bool("PQ state")? {
        let e = r.u32()?;
        Some((e, KemPublicKey::from_bytes(&r.array()?)?))
    } else {
        None
    };
    let held = usize::from(decoded.is_some());
    let n = small_count(r, MAX_PENDING_EPOCHS.saturating_sub(held), "PQ state")?;
    let mut pending = Vec::with_capacity(n);
    for _ in 0..n {
        let epoch = r.u32()?;
        let secret = EpochSecret::from_ref(&Zeroizing::new(r.array()?));
        let ct = KemCiphertext::from_bytes(&r.array()?);
        let confirm: [u8; 32] = r.array()?;
        pending.push(PendingCiphertext {
            epoch,
            secret,
            ct,
            confirm,
            sent: r.u32()?,
        });
    }
    let ok = next_epoch >= 1
        && decoded
            .as_ref()
            .is_none_or(|(e, _)| e.checked_add(1) == Some(next_epoch))
        && consecutive(
            pending
                .iter()
                .map(|p| p.epoch)
                .chain(decoded.as_ref().map(|(e, _)| *e)),
        )
        && pending.first().is_none_or(|p| p.epoch > root_epoch)
        && pending.last().is_none_or(|p| p.epoch < next_epoch);
    if !ok {
        return Err(invalid("PQ state"));
    }
    Ok(CiphertextSender {
        next_epoch,
        collected,
        decoded,
        pending,
    })
}
