//! Bounded store of skipped message keys, for out-of-order delivery.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.4 ("Out-of-order messages and limits"). Three bounds
//! hold after every insertion, each evicting the oldest entries first:
//! [`MAX_SKIPPED_KEYS_PER_CHAIN`] keys of one chain, [`MAX_RECEIVING_CHAINS`] distinct chains,
//! and [`MAX_SKIPPED_KEYS`] keys in total.

use alloc::vec::Vec;

use crate::consts::{MAX_RECEIVING_CHAINS, MAX_SKIPPED_KEYS, MAX_SKIPPED_KEYS_PER_CHAIN};
use crate::error::DecodeError;
use crate::keys::X25519PublicKey;

use super::message_key::MessageKey;
use crate::wire::{Reader, Writer};

struct Entry {
    ratchet_key: X25519PublicKey,
    index: u32,
    key: MessageKey,
}

/// A skipped key taken out of the store to open one message; [`SkippedKeys::restore`] puts
/// it back in its place if the message does not authenticate.
pub(crate) struct Taken {
    position: usize,
    ratchet_key: X25519PublicKey,
    index: u32,
}

/// Skipped message keys in insertion order (oldest first).
#[derive(Default)]
pub(crate) struct SkippedKeys {
    entries: Vec<Entry>,
}

impl SkippedKeys {
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    fn position(&self, ratchet_key: &X25519PublicKey, index: u32) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.index == index && e.ratchet_key == *ratchet_key)
    }

    /// Takes the key of message `index` of the chain `ratchet_key` out of the store.
    pub(crate) fn take(
        &mut self,
        ratchet_key: &X25519PublicKey,
        index: u32,
    ) -> Option<(MessageKey, Taken)> {
        let position = self.position(ratchet_key, index)?;
        // `position` is below the length: it was just found.
        let e = self.entries.drain(position..=position).next()?;
        Some((
            e.key,
            Taken {
                position,
                ratchet_key: e.ratchet_key,
                index: e.index,
            },
        ))
    }

    /// Puts a taken key back where it was: the store is as before [`SkippedKeys::take`].
    pub(crate) fn restore(&mut self, key: MessageKey, taken: Taken) {
        let position = taken.position.min(self.entries.len());
        self.entries.insert(
            position,
            Entry {
                ratchet_key: taken.ratchet_key,
                index: taken.index,
                key,
            },
        );
    }

    #[cfg(test)]
    fn contains(&self, ratchet_key: &X25519PublicKey, index: u32) -> bool {
        self.position(ratchet_key, index).is_some()
    }

    pub(crate) fn has_chain(&self, ratchet_key: &X25519PublicKey) -> bool {
        self.entries.iter().any(|e| e.ratchet_key == *ratchet_key)
    }

    /// Number of distinct chains with keys in the store.
    pub(crate) fn chains(&self) -> usize {
        self.distinct_chains().len()
    }

    fn distinct_chains(&self) -> Vec<X25519PublicKey> {
        let mut seen: Vec<X25519PublicKey> = Vec::new();
        for e in &self.entries {
            if !seen.contains(&e.ratchet_key) {
                seen.push(e.ratchet_key);
            }
        }
        seen
    }

    /// Appends keys of one chain, then restores the three bounds.
    pub(crate) fn insert(&mut self, ratchet_key: X25519PublicKey, keys: Vec<(u32, MessageKey)>) {
        if keys.is_empty() {
            return;
        }
        self.entries
            .extend(keys.into_iter().map(|(index, key)| Entry {
                ratchet_key,
                index,
                key,
            }));
        let in_chain = self
            .entries
            .iter()
            .filter(|e| e.ratchet_key == ratchet_key)
            .count();
        let mut excess = in_chain.saturating_sub(MAX_SKIPPED_KEYS_PER_CHAIN);
        if excess > 0 {
            self.entries.retain(|e| {
                if excess > 0 && e.ratchet_key == ratchet_key {
                    excess = excess.saturating_sub(1);
                    false
                } else {
                    true
                }
            });
        }
        let chains = self.distinct_chains();
        let evict = chains.len().saturating_sub(MAX_RECEIVING_CHAINS);
        for old in chains.iter().take(evict) {
            self.entries.retain(|e| e.ratchet_key != *old);
        }
        let excess = self.entries.len().saturating_sub(MAX_SKIPPED_KEYS);
        self.entries.drain(..excess);
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.count(self.entries.len());
        for e in &self.entries {
            w.bytes(e.ratchet_key.as_bytes());
            w.u32(e.index);
            w.bytes(e.key.as_bytes());
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.count(MAX_SKIPPED_KEYS, "skipped key count")?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            entries.push(Entry {
                ratchet_key: X25519PublicKey::from_bytes(r.array()?),
                index: r.u32()?,
                key: MessageKey::from_ref(&zeroize::Zeroizing::new(r.array()?)),
            });
        }
        Ok(Self { entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(range: core::ops::Range<u32>) -> Vec<(u32, MessageKey)> {
        range.map(|i| (i, MessageKey::take(&mut [0; 32]))).collect()
    }

    fn rk(b: u8) -> X25519PublicKey {
        X25519PublicKey::from_bytes([b; 32])
    }

    #[test]
    fn per_chain_bound_evicts_oldest_of_that_chain() {
        let mut s = SkippedKeys::default();
        let n = u32::try_from(MAX_SKIPPED_KEYS_PER_CHAIN).unwrap();
        s.insert(rk(1), keys(0..n));
        assert_eq!(s.len(), MAX_SKIPPED_KEYS_PER_CHAIN);
        s.insert(rk(1), keys(n..n + 3));
        assert_eq!(s.len(), MAX_SKIPPED_KEYS_PER_CHAIN);
        assert!(!s.contains(&rk(1), 0));
        assert!(!s.contains(&rk(1), 2));
        assert!(s.contains(&rk(1), 3));
        assert!(s.contains(&rk(1), n + 2));
    }

    #[test]
    fn chain_bound_evicts_whole_oldest_chain() {
        let mut s = SkippedKeys::default();
        let chains = u8::try_from(MAX_RECEIVING_CHAINS).unwrap();
        for c in 0..chains {
            s.insert(rk(c), keys(0..2));
        }
        assert_eq!(s.chains(), MAX_RECEIVING_CHAINS);
        s.insert(rk(chains), keys(0..1));
        assert_eq!(s.chains(), MAX_RECEIVING_CHAINS);
        assert!(!s.has_chain(&rk(0)));
        assert!(s.has_chain(&rk(1)));
    }

    #[test]
    fn total_bound_holds() {
        let mut s = SkippedKeys::default();
        let per = u32::try_from(MAX_SKIPPED_KEYS_PER_CHAIN).unwrap();
        for c in 0..4u8 {
            s.insert(rk(c), keys(0..per));
            assert!(s.len() <= MAX_SKIPPED_KEYS);
        }
        assert_eq!(s.len(), MAX_SKIPPED_KEYS);
        // The newest chain is complete; the oldest keys went first.
        assert!(s.contains(&rk(3), 0));
        assert!(!s.has_chain(&rk(0)));
    }
}
