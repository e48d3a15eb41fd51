//! The prekey store's sealed-state plaintext (inner type `0x13`).
//!
//! Spec: `docs/PROTOCOL.md`, section 10.5. Both one-time pools write their next id first, then
//! their entries, in the order the format fixes.

#[cfg(any(test, twofold_trace))]
use alloc::vec::Vec;

use super::PrekeyStore;
use super::pool::Pool;
use super::replay::ReplayCache;
use super::signed::SignedPrekeys;
use crate::error::DecodeError;
use crate::wire::{Reader, Writer};

impl PrekeyStore {
    pub(crate) fn encode_state(&self, w: &mut Writer) {
        w.u64(self.generation);
        w.bytes(&self.owner);
        self.current.encode(w);
        match &self.previous {
            Some((p, retired_at)) => {
                w.bool(true);
                p.encode(w);
                w.u64(*retired_at);
            }
            None => w.bool(false),
        }
        w.u32(self.next_signed_id);
        w.u32(self.one_time.next_id());
        w.u32(self.one_time_kem.next_id());
        w.u32(self.next_batch_id);
        self.one_time.encode_entries(w);
        self.one_time_kem.encode_entries(w);
        self.replay.encode(w);
    }

    pub(crate) fn decode_state(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let generation = r.u64()?;
        let owner = r.array()?;
        let current = SignedPrekeys::decode(r)?;
        let previous = if r.bool("previous signed prekeys")? {
            let p = SignedPrekeys::decode(r)?;
            Some((p, r.u64()?))
        } else {
            None
        };
        let next_signed_id = r.u32()?;
        let next_one_time_id = r.u32()?;
        let next_one_time_kem_id = r.u32()?;
        let next_batch_id = r.u32()?;
        let one_time = Pool::decode_entries(r, next_one_time_id, "one-time prekey count")?;
        let one_time_kem =
            Pool::decode_entries(r, next_one_time_kem_id, "one-time KEM prekey count")?;
        let replay = ReplayCache::decode(r)?;
        // Only what an honest store can reach: signed ids below the counter, the previous
        // pair older than the current one, a batch counter from 1, and replay entries only for
        // the live signed prekeys, within the bound.
        let invalid = |field| Err(DecodeError::InvalidEncoding { field });
        let signed_ok = |s: &SignedPrekeys| {
            s.spk_id != 0 && s.spk_id < next_signed_id && s.kem_id != 0 && s.kem_id < next_signed_id
        };
        if !signed_ok(&current)
            || previous.as_ref().is_some_and(|(p, _)| {
                !signed_ok(p) || p.spk_id >= current.spk_id || p.kem_id >= current.kem_id
            })
        {
            return invalid("signed prekey ids");
        }
        if next_batch_id == 0 {
            return invalid("next batch id");
        }
        let mut live = alloc::vec![current.spk_id];
        live.extend(previous.as_ref().map(|(p, _)| p.spk_id));
        if !replay.is_consistent(&live) {
            return invalid("replay cache");
        }
        Ok(Self {
            generation,
            owner,
            current,
            previous,
            one_time,
            one_time_kem,
            next_signed_id,
            next_batch_id,
            replay,
        })
    }

    /// Every secret of the store as `(kind, id, secret bytes)` (for the vector generator).
    #[cfg(twofold_trace)]
    #[must_use]
    pub fn secrets_for_vectors(&self) -> Vec<(&'static str, u32, Vec<u8>)> {
        let mut out = Vec::new();
        for s in core::iter::once(&self.current).chain(self.previous.iter().map(|(p, _)| p)) {
            out.push(("signed_prekey", s.spk_id, s.spk.to_bytes().to_vec()));
            out.push(("last_resort_kem", s.kem_id, s.kem.seed().to_vec()));
        }
        for (id, k) in self.one_time.entries() {
            out.push(("one_time_prekey", id, k.to_bytes().to_vec()));
        }
        for (id, k) in self.one_time_kem.entries() {
            out.push(("one_time_kem", id, k.as_bytes().to_vec()));
        }
        out
    }

    /// The plain (unsealed) state encoding, for byte-for-byte comparisons in tests.
    #[cfg(any(test, twofold_trace))]
    #[must_use]
    pub fn state_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        self.encode_state(&mut w);
        w.into_vec()
    }
}
