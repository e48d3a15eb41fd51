//! The replay cache: handshakes a prekey store has accepted, so an initial message is
//! accepted at most once even when it used only the (never consumed) last-resort KEM prekey.
//!
//! Spec: `docs/PROTOCOL.md`, section 5.3. At most [`MAX_REPLAY_CACHE`] entries per signed
//! prekey, none ever evicted while that prekey is live: a full cache refuses (the store
//! reports `LIMIT_EXCEEDED`) instead of forgetting, so it cannot be flushed. Entries go with
//! their signed prekey when it is pruned.

use alloc::vec::Vec;

use crate::consts::MAX_REPLAY_CACHE;
use crate::error::DecodeError;
use crate::wire::{Reader, Writer};

/// A record of an accepted handshake: the signed prekey id it used and 16 bytes of
/// `SHA-256(ephemeral key || KEM ciphertext)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReplayTag {
    spk_id: u32,
    tag: [u8; 16],
}

impl ReplayTag {
    /// The tag of a handshake from its signed prekey id and 32-byte digest (its first half).
    pub(crate) fn new(spk_id: u32, digest: &[u8; 32]) -> Self {
        let mut tag = [0u8; 16];
        for (t, d) in tag.iter_mut().zip(digest.iter()) {
            *t = *d;
        }
        Self { spk_id, tag }
    }
}

/// Accepted handshakes, oldest first.
#[derive(Default)]
pub(crate) struct ReplayCache(Vec<ReplayTag>);

impl ReplayCache {
    pub(crate) fn contains(&self, tag: &ReplayTag) -> bool {
        self.0.contains(tag)
    }

    fn count_for(&self, spk_id: u32) -> usize {
        self.0.iter().filter(|t| t.spk_id == spk_id).count()
    }

    /// Whether the entries of this tag's signed prekey have reached the bound.
    pub(crate) fn is_full_for(&self, tag: &ReplayTag) -> bool {
        self.count_for(tag.spk_id) >= MAX_REPLAY_CACHE
    }

    /// Entries left for a signed prekey.
    pub(crate) fn remaining_for(&self, spk_id: u32) -> usize {
        MAX_REPLAY_CACHE.saturating_sub(self.count_for(spk_id))
    }

    /// Remembers a handshake (callers check [`ReplayCache::is_full_for`] first; a full entry
    /// set is never trimmed, the cache only refuses).
    pub(crate) fn insert(&mut self, tag: ReplayTag) {
        debug_assert!(
            !self.is_full_for(&tag),
            "stage_accept refuses before the cache is full"
        );
        if !self.is_full_for(&tag) {
            self.0.push(tag);
        }
    }

    /// Forgets the handshakes of a signed prekey that is gone (they can no longer be replayed).
    pub(crate) fn forget_signed_prekey(&mut self, spk_id: u32) {
        self.0.retain(|t| t.spk_id != spk_id);
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether a decoded cache is one an honest store can hold: entries only for the live
    /// signed prekeys `live`, at most [`MAX_REPLAY_CACHE`] for each. (A tag twice is not
    /// looked for: it would only waste an entry, and finding it costs a sort on every load.)
    pub(crate) fn is_consistent(&self, live: &[u32]) -> bool {
        live.iter()
            .all(|id| self.count_for(*id) <= MAX_REPLAY_CACHE)
            && self.0.iter().all(|t| live.contains(&t.spk_id))
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.count(self.0.len());
        for t in &self.0 {
            w.u32(t.spk_id);
            w.bytes(&t.tag);
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        // Two signed prekeys are live at most (current and previous).
        let n = r.count(MAX_REPLAY_CACHE.saturating_mul(2), "replay cache length")?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            entries.push(ReplayTag {
                spk_id: r.u32()?,
                tag: r.array()?,
            });
        }
        Ok(Self(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_per_signed_prekey_and_never_evicts() {
        let mut cache = ReplayCache::default();
        let tag = |spk: u32, i: u32| {
            let mut d = [0u8; 32];
            d[..4].copy_from_slice(&i.to_be_bytes());
            ReplayTag::new(spk, &d)
        };
        let n = u32::try_from(MAX_REPLAY_CACHE).unwrap();
        for i in 0..n {
            assert!(!cache.is_full_for(&tag(1, i)));
            cache.insert(tag(1, i));
        }
        assert!(cache.is_full_for(&tag(1, n)));
        assert_eq!(cache.len(), MAX_REPLAY_CACHE);
        assert!(cache.contains(&tag(1, 0)), "the oldest entry is kept");
        assert!(!cache.contains(&tag(1, n)));
        assert_eq!(cache.remaining_for(1), 0);
        assert!(!cache.is_full_for(&tag(2, 0)));
        cache.forget_signed_prekey(1);
        assert_eq!(cache.len(), 0);
    }
}
