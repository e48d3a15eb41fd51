//! A cache of verified identities, owned by the caller: an initiator who has checked an
//! identity once keeps its expanded ML-DSA key, and a later bundle of the same identity costs
//! no identity-binding verification and no key expansion.
//!
//! Spec: `docs/PROTOCOL.md`, section 5.2 ("Verification"). A hit requires the bundle's whole
//! identity (X25519 key, ML-DSA key and binding signature) to equal the cached one byte for
//! byte; anything else is verified as if the cache were empty. The cache is bounded (the
//! oldest entry goes first), holds no secret and is not persisted: an expanded ML-DSA-65 key
//! is about 43 KB, so the caller chooses the capacity.

use alloc::collections::VecDeque;
use core::fmt;

use crate::identity::{PublicIdentity, UnverifiedIdentity};
use crate::keys::SigVerifier;

struct Entry {
    fingerprint: [u8; 32],
    identity: PublicIdentity,
    key: SigVerifier,
}

/// Identities whose binding signature verified, with their expanded ML-DSA keys.
pub struct IdentityCache {
    capacity: usize,
    entries: VecDeque<Entry>,
}

impl IdentityCache {
    /// An empty cache of at most `capacity` identities (each about 43 KB while cached).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: VecDeque::new(),
        }
    }

    /// Identities cached.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no identity is cached.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the identity with this fingerprint is cached.
    #[must_use]
    pub fn contains(&self, fingerprint: &[u8; 32]) -> bool {
        self.entries.iter().any(|e| e.fingerprint == *fingerprint)
    }

    /// Forgets every identity.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The cached identity equal to `id` byte for byte, with its expanded key.
    pub(crate) fn find(&self, id: &UnverifiedIdentity) -> Option<(&PublicIdentity, &SigVerifier)> {
        let candidate = id.unchecked();
        let fingerprint = candidate.fingerprint();
        self.entries
            .iter()
            .find(|e| e.fingerprint == fingerprint && e.identity == *candidate)
            .map(|e| (&e.identity, &e.key))
    }

    /// Remembers a verified identity, evicting the oldest beyond the capacity.
    pub(crate) fn insert(&mut self, identity: PublicIdentity, key: SigVerifier) {
        if self.capacity == 0 {
            return;
        }
        let fingerprint = identity.fingerprint();
        self.entries.retain(|e| e.fingerprint != fingerprint);
        while self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(Entry {
            fingerprint,
            identity,
            key,
        });
    }
}

impl fmt::Debug for IdentityCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityCache")
            .field("len", &self.entries.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}
