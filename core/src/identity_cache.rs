//! A cache of verified identities, owned by the caller: a party who has checked an identity
//! once keeps its expanded ML-DSA key, and a later bundle or initial message of the same
//! identity costs no identity-binding verification and no key expansion. For each identity the
//! cache also remembers the last upload verified under it, so a further bundle of that same
//! upload (another leaf of the batch) costs no ML-DSA verification at all.
//!
//! Spec: `docs/PROTOCOL.md`, sections 5.2 ("Verification") and 5.5 (`accept`, step 15). A hit
//! requires the whole identity (X25519 key, ML-DSA key and binding signature) to equal the
//! cached one byte for byte, and an upload hit requires the signed message and the signature
//! to equal the verified ones byte for byte; anything else is verified as if the cache were
//! empty. The cache is bounded (the oldest entry goes first), holds no secret and is not
//! persisted: an expanded ML-DSA-65 key is about 43 KB, so the caller chooses the capacity.

use alloc::vec::Vec;
use core::fmt;

use crate::error::VerifyError;
use crate::identity::{PublicIdentity, UnverifiedIdentity};
use crate::keys::SigVerifier;
use crate::trace::TraceSink;

struct Entry {
    identity: PublicIdentity,
    key: SigVerifier,
    /// SHA-256 of the last upload message and signature verified under `key` (5.2).
    upload: Option<[u8; 32]>,
}

/// A cached identity, as a verification uses it: the identity, its expanded key, and the
/// digest of the last upload verified under it (which the verification may replace).
pub(crate) struct Cached<'a> {
    pub(crate) identity: &'a PublicIdentity,
    pub(crate) key: &'a SigVerifier,
    pub(crate) upload: &'a mut Option<[u8; 32]>,
}

/// Identities whose binding signature verified, with their expanded ML-DSA keys.
pub struct IdentityCache {
    capacity: usize,
    entries: Vec<Entry>,
}

impl IdentityCache {
    /// An empty cache of at most `capacity` identities (each about 43 KB while cached).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Vec::new(),
        }
    }

    /// The most identities this cache keeps.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
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
        self.entries
            .iter()
            .any(|e| e.identity.fingerprint() == *fingerprint)
    }

    /// Forgets the identities with this fingerprint; whether one was cached.
    pub fn remove(&mut self, fingerprint: &[u8; 32]) -> bool {
        let before = self.entries.len();
        self.entries
            .retain(|e| e.identity.fingerprint() != *fingerprint);
        self.entries.len() != before
    }

    /// Forgets every identity.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The cached identity equal to `id` byte for byte, with its expanded key and upload.
    pub(crate) fn find(&mut self, id: &UnverifiedIdentity) -> Option<Cached<'_>> {
        let candidate = id.unchecked();
        self.entries
            .iter_mut()
            .find(|e| e.identity == *candidate)
            .map(|e| Cached {
                identity: &e.identity,
                key: &e.key,
                upload: &mut e.upload,
            })
    }

    /// `id` verified: the cached identity if `id` equals it byte for byte (no verification),
    /// else `id` with its binding verified, then cached.
    pub(crate) fn verified<T: TraceSink>(
        &mut self,
        id: UnverifiedIdentity,
        trace: &mut T,
    ) -> Result<PublicIdentity, VerifyError> {
        if let Some(hit) = self.find(&id) {
            return Ok(hit.identity.clone());
        }
        let (identity, key) = id.verified_with_key(trace)?;
        self.insert(identity.clone(), key, None);
        Ok(identity)
    }

    /// Remembers a verified identity (and the digest of an upload verified under it),
    /// evicting the oldest beyond the capacity.
    pub(crate) fn insert(
        &mut self,
        identity: PublicIdentity,
        key: SigVerifier,
        upload: Option<[u8; 32]>,
    ) {
        if self.capacity == 0 {
            return;
        }
        // Oldest first. Every insertion follows a miss, so the cache never holds `identity`
        // already, and never more than `capacity` entries.
        if self.entries.len() >= self.capacity {
            self.entries.remove(0);
        }
        self.entries.push(Entry {
            identity,
            key,
            upload,
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
