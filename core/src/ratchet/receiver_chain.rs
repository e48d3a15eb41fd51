//! The peer's side of the DH ratchet: the chain of the peer's latest ratchet key, and the
//! ratchet keys of chains we moved past.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.4. Skipped message keys of every receiving chain are
//! kept in the bounded store of [`super::skipped`].

use alloc::vec::Vec;

use crate::consts::MAX_RETIRED_RATCHET_KEYS;
use crate::keys::X25519PublicKey;

use super::chain_key::ChainKey;

/// The chain of the peer's latest ratchet key.
pub(crate) struct ReceivingChain {
    pub(crate) ratchet_key: X25519PublicKey,
    pub(crate) chain_key: ChainKey,
    /// Index of the next message expected.
    pub(crate) next: u32,
}

/// Peer ratchet keys of receiving chains we have moved past (bounded, oldest evicted), so
/// that a late or replayed message of such a chain is reported as a duplicate.
#[derive(Default)]
pub(crate) struct RetiredKeys(Vec<X25519PublicKey>);

impl RetiredKeys {
    pub(crate) fn contains(&self, key: &X25519PublicKey) -> bool {
        self.0.contains(key)
    }

    pub(crate) fn push(&mut self, key: X25519PublicKey) {
        self.0.push(key);
        let excess = self.0.len().saturating_sub(MAX_RETIRED_RATCHET_KEYS);
        self.0.drain(..excess);
    }

    /// The keys of a decoded state (at most [`MAX_RETIRED_RATCHET_KEYS`], checked there).
    pub(crate) fn from_keys(keys: Vec<X25519PublicKey>) -> Self {
        Self(keys)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &X25519PublicKey> {
        self.0.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}
