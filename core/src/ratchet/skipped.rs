//! Bounded store of skipped message keys, for out-of-order delivery.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.4 ("Out-of-order messages and limits"). Three bounds
//! hold after every insertion, each evicting the oldest entries first:
//! [`MAX_SKIPPED_KEYS_PER_CHAIN`] keys of one chain, [`MAX_RECEIVING_CHAINS`] distinct chains,
//! and [`MAX_SKIPPED_KEYS`] keys in total.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::consts::{MAX_RECEIVING_CHAINS, MAX_SKIPPED_KEYS, MAX_SKIPPED_KEYS_PER_CHAIN};
use crate::error::DecodeError;
use crate::keys::{Secret32, X25519PublicKey};
use crate::wire::{Reader, Writer};

#[derive(Clone)]
struct Entry {
    ratchet_key: X25519PublicKey,
    index: u32,
    key: Secret32,
}

/// Skipped message keys in insertion order (oldest first).
#[derive(Clone, Default)]
pub(crate) struct SkippedKeys {
    entries: VecDeque<Entry>,
}

impl SkippedKeys {
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn position(&self, ratchet_key: &X25519PublicKey, index: u32) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.index == index && e.ratchet_key == *ratchet_key)
    }

    pub(crate) fn key(&self, position: usize) -> Option<&Secret32> {
        self.entries.get(position).map(|e| &e.key)
    }

    pub(crate) fn remove(&mut self, position: usize) {
        self.entries.remove(position);
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
    pub(crate) fn insert(&mut self, ratchet_key: X25519PublicKey, keys: Vec<(u32, Secret32)>) {
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
        while self.entries.len() > MAX_SKIPPED_KEYS {
            self.entries.pop_front();
        }
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
        let mut entries = VecDeque::with_capacity(n);
        for _ in 0..n {
            entries.push_back(Entry {
                ratchet_key: X25519PublicKey::from_bytes(r.array()?),
                index: r.u32()?,
                key: Secret32::new(r.array()?),
            });
        }
        Ok(Self { entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(range: core::ops::Range<u32>) -> Vec<(u32, Secret32)> {
        range.map(|i| (i, Secret32::new([0; 32]))).collect()
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
        assert!(s.position(&rk(1), 0).is_none());
        assert!(s.position(&rk(1), 2).is_none());
        assert!(s.position(&rk(1), 3).is_some());
        assert!(s.position(&rk(1), n + 2).is_some());
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
        assert!(s.position(&rk(3), 0).is_some());
        assert!(!s.has_chain(&rk(0)));
    }
}
