//! The responder's prekey store: signed prekeys with rotation, one-time prekeys consumed
//! exactly once, and the replay cache of accepted handshakes.
//!
//! Spec: `docs/PROTOCOL.md`, section 5.3 ("Prekey store"). Every method that changes the store
//! either completes or leaves it exactly as it was.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt;

use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

use crate::bundle::{self, OneTimeKeys, WithId, one_time_message, signed_prekeys_message};
use crate::consts::{MAX_ONE_TIME_PREKEYS, MAX_REPLAY_CACHE, SIGNED_PREKEY_GRACE_SECS};
use crate::error::{AcceptError, DecodeError, PrekeyError};
use crate::identity::IdentityKeyPair;
use crate::keys::{KEM_SEED_LEN, KemSecretKey, SecretBox, Signature, X25519SecretKey};
use crate::labels;
use crate::wire::{Reader, Writer};

/// A signed X25519 prekey and a signed last-resort ML-KEM prekey, rotated together under one
/// ML-DSA signature.
#[derive(Clone)]
struct SignedPrekeys {
    spk_id: u32,
    spk: X25519SecretKey,
    kem_id: u32,
    kem: KemSecretKey,
    signature: Signature,
    created_at: u64,
}

impl SignedPrekeys {
    fn generate<R: TryCryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        spk_id: u32,
        kem_id: u32,
        now: u64,
    ) -> Result<Self, PrekeyError> {
        let spk = X25519SecretKey::generate(rng)?;
        let kem = KemSecretKey::generate(rng)?;
        let message = signed_prekeys_message(
            &WithId {
                id: spk_id,
                key: spk.public_key(),
            },
            &WithId {
                id: kem_id,
                key: kem.public_key().clone(),
            },
        );
        let signature = identity.sign(rng, labels::SIG_CTX_SIGNED_PREKEYS, &message)?;
        Ok(Self {
            spk_id,
            spk,
            kem_id,
            kem,
            signature,
            created_at: now,
        })
    }

    fn encode(&self, w: &mut Writer) {
        w.u32(self.spk_id);
        w.bytes(self.spk.to_bytes().as_slice());
        w.u32(self.kem_id);
        w.bytes(self.kem.seed());
        w.bytes(self.signature.as_bytes());
        w.u64(self.created_at);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            spk_id: r.u32()?,
            spk: X25519SecretKey::from_bytes(&Zeroizing::new(r.array()?)),
            kem_id: r.u32()?,
            kem: KemSecretKey::from_seed(&Zeroizing::new(r.array()?)),
            signature: Signature::from_bytes(&r.array()?),
            created_at: r.u64()?,
        })
    }
}

#[derive(Clone)]
struct OneTimePrekey {
    id: u32,
    secret: X25519SecretKey,
    issued: bool,
}

/// One-time KEM prekeys are kept as seeds and expanded only when issued or used.
#[derive(Clone)]
struct OneTimeKemPrekey {
    id: u32,
    seed: SecretBox<KEM_SEED_LEN>,
    issued: bool,
}

/// A record of an accepted handshake: the signed prekey id it used and 16 bytes of
/// `SHA-256(ephemeral key || KEM ciphertext)`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReplayTag {
    spk_id: u32,
    tag: [u8; 16],
}

/// Counts of what the store holds, for UIs and for deciding when to replenish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PrekeyStoreInfo {
    /// Id of the current signed prekey.
    pub signed_prekey_id: u32,
    /// Whether a previous signed prekey is still accepted (grace period).
    pub has_previous_signed_prekey: bool,
    /// One-time X25519 prekeys not yet handed out in a bundle.
    pub one_time_available: usize,
    /// One-time X25519 prekeys handed out and not yet used.
    pub one_time_issued: usize,
    /// One-time ML-KEM prekeys not yet handed out.
    pub one_time_kem_available: usize,
    /// One-time ML-KEM prekeys handed out and not yet used.
    pub one_time_kem_issued: usize,
    /// Handshakes remembered for replay detection.
    pub replay_cache_len: usize,
}

/// The responder's prekeys. Create with [`PrekeyStore::generate`], publish with
/// [`PrekeyStore::bundle`], persist with `seal`/`open` from [`crate::state`].
#[derive(Clone)]
pub struct PrekeyStore {
    owner: [u8; 32],
    current: SignedPrekeys,
    previous: Option<(SignedPrekeys, u64)>,
    one_time: Vec<OneTimePrekey>,
    one_time_kem: Vec<OneTimeKemPrekey>,
    next_signed_id: u32,
    next_one_time_id: u32,
    next_one_time_kem_id: u32,
    replay: VecDeque<ReplayTag>,
}

impl PrekeyStore {
    /// Creates a store for `identity` with fresh signed prekeys and `one_time` prekeys of each
    /// kind (X25519 and ML-KEM). `now` is the caller's clock in seconds (any monotonic count
    /// works; it only measures the grace period of rotated prekeys).
    ///
    /// # Errors
    /// [`PrekeyError::LimitExceeded`] if `one_time` exceeds [`MAX_ONE_TIME_PREKEYS`];
    /// [`PrekeyError::Rng`] if the RNG fails.
    pub fn generate<R: TryCryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        one_time: usize,
        now: u64,
    ) -> Result<Self, PrekeyError> {
        let current = SignedPrekeys::generate(rng, identity, 1, 1, now)?;
        let mut store = Self {
            owner: identity.public().fingerprint(),
            current,
            previous: None,
            one_time: Vec::new(),
            one_time_kem: Vec::new(),
            next_signed_id: 2,
            next_one_time_id: 1,
            next_one_time_kem_id: 1,
            replay: VecDeque::new(),
        };
        store.add_one_time_prekeys(rng, one_time, one_time)?;
        Ok(store)
    }

    fn check_owner(&self, identity: &IdentityKeyPair) -> bool {
        self.owner == identity.public().fingerprint()
    }

    /// Adds `x25519` one-time X25519 prekeys and `kem` one-time ML-KEM prekeys. When a kind
    /// would exceed [`MAX_ONE_TIME_PREKEYS`], the oldest prekeys that were handed out in a
    /// bundle but never used are dropped to make room (a late initial message naming one is
    /// then `PREKEY_ALREADY_USED`), so a store whose bundles were fetched and abandoned does not
    /// stay full. On error the store is unchanged.
    ///
    /// # Errors
    /// [`PrekeyError::LimitExceeded`] if even without the issued prekeys a kind would exceed
    /// [`MAX_ONE_TIME_PREKEYS`], or an id would overflow; [`PrekeyError::Rng`].
    pub fn add_one_time_prekeys<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        x25519: usize,
        kem: usize,
    ) -> Result<(), PrekeyError> {
        // How many issued prekeys of a kind must go; `None` if that cannot make room.
        let to_evict = |held: usize, issued: usize, more: usize| {
            let excess = held.checked_add(more)?.saturating_sub(MAX_ONE_TIME_PREKEYS);
            (excess <= issued).then_some(excess)
        };
        let issued_x = self.one_time.iter().filter(|k| k.issued).count();
        let issued_k = self.one_time_kem.iter().filter(|k| k.issued).count();
        let evict_x =
            to_evict(self.one_time.len(), issued_x, x25519).ok_or(PrekeyError::LimitExceeded)?;
        let evict_k =
            to_evict(self.one_time_kem.len(), issued_k, kem).ok_or(PrekeyError::LimitExceeded)?;
        let x25519_32 = u32::try_from(x25519).map_err(|_| PrekeyError::LimitExceeded)?;
        let kem_32 = u32::try_from(kem).map_err(|_| PrekeyError::LimitExceeded)?;
        let next_x = self
            .next_one_time_id
            .checked_add(x25519_32)
            .ok_or(PrekeyError::LimitExceeded)?;
        let next_k = self
            .next_one_time_kem_id
            .checked_add(kem_32)
            .ok_or(PrekeyError::LimitExceeded)?;
        let mut new_x = Vec::with_capacity(x25519);
        for i in 0..x25519_32 {
            new_x.push(OneTimePrekey {
                id: self.next_one_time_id.saturating_add(i),
                secret: X25519SecretKey::generate(rng)?,
                issued: false,
            });
        }
        let mut new_k = Vec::with_capacity(kem);
        for i in 0..kem_32 {
            new_k.push(OneTimeKemPrekey {
                id: self.next_one_time_kem_id.saturating_add(i),
                seed: SecretBox::new(*crate::keys::random_bytes::<KEM_SEED_LEN, R>(rng)?),
                issued: false,
            });
        }
        // Commit: drop the oldest issued prekeys that make room, then add the new ones.
        let mut left = evict_x;
        self.one_time.retain(|k| {
            let evict = k.issued && left > 0;
            left = left.saturating_sub(usize::from(evict));
            !evict
        });
        let mut left = evict_k;
        self.one_time_kem.retain(|k| {
            let evict = k.issued && left > 0;
            left = left.saturating_sub(usize::from(evict));
            !evict
        });
        self.one_time.extend(new_x);
        self.one_time_kem.extend(new_k);
        self.next_one_time_id = next_x;
        self.next_one_time_kem_id = next_k;
        Ok(())
    }

    /// Replaces the signed prekey pair. The previous pair stays usable until
    /// [`PrekeyStore::prune`] is called [`SIGNED_PREKEY_GRACE_SECS`] after `now`; a pair
    /// that was already in its grace period is dropped now.
    ///
    /// # Errors
    /// [`PrekeyError::IdentityMismatch`], [`PrekeyError::LimitExceeded`] (id space
    /// exhausted), [`PrekeyError::Rng`]. On error the store is unchanged.
    pub fn rotate_signed_prekeys<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        identity: &IdentityKeyPair,
        now: u64,
    ) -> Result<(), PrekeyError> {
        if !self.check_owner(identity) {
            return Err(PrekeyError::IdentityMismatch);
        }
        let id = self.next_signed_id;
        let next = id.checked_add(1).ok_or(PrekeyError::LimitExceeded)?;
        let fresh = SignedPrekeys::generate(rng, identity, id, id, now)?;
        let old = core::mem::replace(&mut self.current, fresh);
        if let Some((dropped, _)) = self.previous.replace((old, now)) {
            self.drop_replay_entries(dropped.spk_id);
        }
        self.next_signed_id = next;
        Ok(())
    }

    /// Drops the previous signed prekey pair once its grace period has passed.
    pub fn prune(&mut self, now: u64) {
        let expired = match &self.previous {
            Some((_, retired_at)) => now >= retired_at.saturating_add(SIGNED_PREKEY_GRACE_SECS),
            None => false,
        };
        if expired && let Some((dropped, _)) = self.previous.take() {
            self.drop_replay_entries(dropped.spk_id);
        }
    }

    fn drop_replay_entries(&mut self, spk_id: u32) {
        self.replay.retain(|t| t.spk_id != spk_id);
    }

    /// Produces a bundle to publish: the signed prekeys, plus the next one-time prekey of each
    /// kind not yet handed out (each is handed out once; when none are left the bundle falls
    /// back to the last-resort KEM prekey and omits the one-time X25519 prekey). The one-time
    /// prekeys of the bundle are signed now, together, by one ML-DSA signature.
    ///
    /// # Errors
    /// [`PrekeyError::IdentityMismatch`], [`PrekeyError::Rng`]. On error the store is
    /// unchanged.
    pub fn bundle<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        identity: &IdentityKeyPair,
    ) -> Result<Vec<u8>, PrekeyError> {
        if !self.check_owner(identity) {
            return Err(PrekeyError::IdentityMismatch);
        }
        let otk_index = self.one_time.iter().position(|k| !k.issued);
        let kem_index = self.one_time_kem.iter().position(|k| !k.issued);
        let one_time = OneTimeKeys {
            prekey: otk_index
                .and_then(|i| self.one_time.get(i))
                .map(|k| WithId {
                    id: k.id,
                    key: k.secret.public_key(),
                }),
            kem: kem_index
                .and_then(|i| self.one_time_kem.get(i))
                .map(|k| WithId {
                    id: k.id,
                    key: KemSecretKey::from_seed(k.seed.as_bytes())
                        .public_key()
                        .clone(),
                }),
        };
        let one_time_signature = if one_time.is_empty() {
            None
        } else {
            Some(identity.sign(rng, labels::SIG_CTX_ONE_TIME, &one_time_message(&one_time))?)
        };
        let bytes = bundle::encode(
            identity.public(),
            &WithId {
                id: self.current.spk_id,
                key: self.current.spk.public_key(),
            },
            &WithId {
                id: self.current.kem_id,
                key: self.current.kem.public_key().clone(),
            },
            &self.current.signature,
            &one_time,
            one_time_signature.as_ref(),
        );
        // Commit: mark what was handed out.
        if let Some(k) = otk_index.and_then(|i| self.one_time.get_mut(i)) {
            k.issued = true;
        }
        if let Some(k) = kem_index.and_then(|i| self.one_time_kem.get_mut(i)) {
            k.issued = true;
        }
        Ok(bytes)
    }

    /// Counts for UIs.
    #[must_use]
    pub fn info(&self) -> PrekeyStoreInfo {
        PrekeyStoreInfo {
            signed_prekey_id: self.current.spk_id,
            has_previous_signed_prekey: self.previous.is_some(),
            one_time_available: self.one_time.iter().filter(|k| !k.issued).count(),
            one_time_issued: self.one_time.iter().filter(|k| k.issued).count(),
            one_time_kem_available: self.one_time_kem.iter().filter(|k| !k.issued).count(),
            one_time_kem_issued: self.one_time_kem.iter().filter(|k| k.issued).count(),
            replay_cache_len: self.replay.len(),
        }
    }

    // ----- used by the handshake (responder side) -----

    pub(crate) fn owned_by(&self, identity: &IdentityKeyPair) -> Result<(), AcceptError> {
        if self.check_owner(identity) {
            Ok(())
        } else {
            Err(AcceptError::IdentityMismatch)
        }
    }

    fn signed(&self, spk_id: u32) -> Option<&SignedPrekeys> {
        if self.current.spk_id == spk_id {
            Some(&self.current)
        } else {
            self.previous
                .as_ref()
                .map(|(p, _)| p)
                .filter(|p| p.spk_id == spk_id)
        }
    }

    pub(crate) fn signed_prekey(&self, id: u32) -> Result<&X25519SecretKey, AcceptError> {
        self.signed(id)
            .map(|s| &s.spk)
            .ok_or(AcceptError::UnknownPrekey {
                kind: "signed prekey",
                id,
            })
    }

    pub(crate) fn last_resort_kem(&self, id: u32) -> Result<&KemSecretKey, AcceptError> {
        let found = if self.current.kem_id == id {
            Some(&self.current.kem)
        } else {
            self.previous
                .as_ref()
                .map(|(p, _)| p)
                .filter(|p| p.kem_id == id)
                .map(|p| &p.kem)
        };
        found.ok_or(AcceptError::UnknownPrekey {
            kind: "last-resort KEM prekey",
            id,
        })
    }

    pub(crate) fn one_time_prekey(&self, id: u32) -> Result<&X25519SecretKey, AcceptError> {
        match self.one_time.iter().find(|k| k.id == id) {
            Some(k) => Ok(&k.secret),
            None if id != 0 && id < self.next_one_time_id => Err(AcceptError::PrekeyAlreadyUsed {
                kind: "one-time prekey",
                id,
            }),
            None => Err(AcceptError::UnknownPrekey {
                kind: "one-time prekey",
                id,
            }),
        }
    }

    pub(crate) fn one_time_kem(&self, id: u32) -> Result<KemSecretKey, AcceptError> {
        match self.one_time_kem.iter().find(|k| k.id == id) {
            Some(k) => Ok(KemSecretKey::from_seed(k.seed.as_bytes())),
            None if id != 0 && id < self.next_one_time_kem_id => {
                Err(AcceptError::PrekeyAlreadyUsed {
                    kind: "one-time KEM prekey",
                    id,
                })
            }
            None => Err(AcceptError::UnknownPrekey {
                kind: "one-time KEM prekey",
                id,
            }),
        }
    }

    pub(crate) fn replay_tag(spk_id: u32, digest: &[u8; 32]) -> ReplayTag {
        let mut tag = [0u8; 16];
        tag.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
        ReplayTag { spk_id, tag }
    }

    pub(crate) fn seen(&self, tag: &ReplayTag) -> bool {
        self.replay.contains(tag)
    }

    /// Commits an accepted handshake: consumes the one-time prekeys it used and remembers it.
    /// Called only after the first message authenticated.
    pub(crate) fn commit_accept(
        &mut self,
        one_time: Option<u32>,
        one_time_kem: Option<u32>,
        tag: ReplayTag,
    ) {
        if let Some(id) = one_time {
            self.one_time.retain(|k| k.id != id);
        }
        if let Some(id) = one_time_kem {
            self.one_time_kem.retain(|k| k.id != id);
        }
        if self.replay.len() >= MAX_REPLAY_CACHE {
            self.replay.pop_front();
        }
        self.replay.push_back(tag);
    }

    // ----- state encoding -----

    pub(crate) fn encode_state(&self, w: &mut Writer) {
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
        w.u32(self.next_one_time_id);
        w.u32(self.next_one_time_kem_id);
        w.count(self.one_time.len());
        for k in &self.one_time {
            w.u32(k.id);
            w.bytes(k.secret.to_bytes().as_slice());
            w.bool(k.issued);
        }
        w.count(self.one_time_kem.len());
        for k in &self.one_time_kem {
            w.u32(k.id);
            w.bytes(k.seed.as_bytes());
            w.bool(k.issued);
        }
        w.count(self.replay.len());
        for t in &self.replay {
            w.u32(t.spk_id);
            w.bytes(&t.tag);
        }
    }

    pub(crate) fn decode_state(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
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
        let n = r.count(MAX_ONE_TIME_PREKEYS, "one-time prekey count")?;
        let mut one_time = Vec::with_capacity(n);
        for _ in 0..n {
            one_time.push(OneTimePrekey {
                id: r.u32()?,
                secret: X25519SecretKey::from_bytes(&Zeroizing::new(r.array()?)),
                issued: r.bool("issued")?,
            });
        }
        let n = r.count(MAX_ONE_TIME_PREKEYS, "one-time KEM prekey count")?;
        let mut one_time_kem = Vec::with_capacity(n);
        for _ in 0..n {
            one_time_kem.push(OneTimeKemPrekey {
                id: r.u32()?,
                seed: SecretBox::new(r.array()?),
                issued: r.bool("issued")?,
            });
        }
        let n = r.count(MAX_REPLAY_CACHE, "replay cache length")?;
        let mut replay = VecDeque::with_capacity(n);
        for _ in 0..n {
            replay.push_back(ReplayTag {
                spk_id: r.u32()?,
                tag: r.array()?,
            });
        }
        Ok(Self {
            owner,
            current,
            previous,
            one_time,
            one_time_kem,
            next_signed_id,
            next_one_time_id,
            next_one_time_kem_id,
            replay,
        })
    }

    /// Every secret of the store as `(kind, id, secret bytes)` (feature `trace`, for vectors).
    #[cfg(feature = "trace")]
    #[must_use]
    pub fn secrets_for_vectors(&self) -> Vec<(&'static str, u32, Vec<u8>)> {
        let mut out = Vec::new();
        for (s, _) in
            core::iter::once((&self.current, 0)).chain(self.previous.iter().map(|(p, t)| (p, *t)))
        {
            out.push(("signed_prekey", s.spk_id, s.spk.to_bytes().to_vec()));
            out.push(("last_resort_kem", s.kem_id, s.kem.seed().to_vec()));
        }
        for k in &self.one_time {
            out.push(("one_time_prekey", k.id, k.secret.to_bytes().to_vec()));
        }
        for k in &self.one_time_kem {
            out.push(("one_time_kem", k.id, k.seed.as_bytes().to_vec()));
        }
        out
    }

    /// The plain (unsealed) state encoding, for byte-for-byte comparisons in tests.
    #[cfg(any(test, feature = "trace"))]
    #[must_use]
    pub fn state_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        self.encode_state(&mut w);
        w.into_vec()
    }
}

// Every secret field (X25519 secret keys, KEM secret keys and seeds) wipes itself on drop.
impl zeroize::ZeroizeOnDrop for PrekeyStore {}

impl fmt::Debug for PrekeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrekeyStore")
            .field("info", &self.info())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn replay_cache_is_bounded_and_evicts_oldest() {
        let mut rng = ChaCha20Rng::from_seed([8; 32]);
        let id = IdentityKeyPair::generate(&mut rng).unwrap();
        let mut store = PrekeyStore::generate(&mut rng, &id, 0, 0).unwrap();
        let tag = |i: u32| {
            PrekeyStore::replay_tag(
                1,
                &[&i.to_be_bytes()[..], &[0; 28]]
                    .concat()
                    .try_into()
                    .unwrap(),
            )
        };
        let n = u32::try_from(MAX_REPLAY_CACHE).unwrap();
        for i in 0..=n {
            store.commit_accept(None, None, tag(i));
        }
        assert_eq!(store.info().replay_cache_len, MAX_REPLAY_CACHE);
        assert!(!store.seen(&tag(0)));
        assert!(store.seen(&tag(1)));
        assert!(store.seen(&tag(n)));
    }

    #[test]
    fn abandoned_issued_prekeys_make_room_for_new_ones() {
        let mut rng = ChaCha20Rng::from_seed([10; 32]);
        let id = IdentityKeyPair::generate(&mut rng).unwrap();
        let mut store = PrekeyStore::generate(&mut rng, &id, 0, 0).unwrap();
        store
            .add_one_time_prekeys(&mut rng, MAX_ONE_TIME_PREKEYS, 2)
            .unwrap();
        for _ in 0..3 {
            store.bundle(&mut rng, &id).unwrap();
        }
        // Full of X25519 prekeys, three of them issued and abandoned: room for three more.
        store.add_one_time_prekeys(&mut rng, 3, 0).unwrap();
        let info = store.info();
        assert_eq!(
            info.one_time_available + info.one_time_issued,
            MAX_ONE_TIME_PREKEYS
        );
        assert_eq!(info.one_time_issued, 0);
        assert_eq!(
            store.one_time_prekey(1).err(),
            Some(AcceptError::PrekeyAlreadyUsed {
                kind: "one-time prekey",
                id: 1
            })
        );
        // No issued prekey left to drop: a fourth does not fit.
        let before = store.state_bytes();
        assert_eq!(
            store.add_one_time_prekeys(&mut rng, 1, 0),
            Err(PrekeyError::LimitExceeded)
        );
        assert_eq!(before, store.state_bytes());
    }

    #[test]
    fn one_time_prekey_limit_is_enforced_without_change() {
        let mut rng = ChaCha20Rng::from_seed([9; 32]);
        let id = IdentityKeyPair::generate(&mut rng).unwrap();
        let mut store = PrekeyStore::generate(&mut rng, &id, 2, 0).unwrap();
        let before = store.state_bytes();
        assert_eq!(
            store.add_one_time_prekeys(&mut rng, MAX_ONE_TIME_PREKEYS - 1, 0),
            Err(PrekeyError::LimitExceeded)
        );
        assert_eq!(before, store.state_bytes());
        assert!(PrekeyStore::generate(&mut rng, &id, MAX_ONE_TIME_PREKEYS + 1, 0).is_err());
    }
}
