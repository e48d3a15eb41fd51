//! The responder's prekey store: signed prekeys with rotation, one-time prekeys consumed
//! exactly once, and the replay cache of accepted handshakes.
//!
//! Spec: `docs/PROTOCOL.md`, section 5.3 ("Prekey store"). Every method that changes the store
//! either completes or leaves it exactly as it was. Accepting a handshake is two steps:
//! [`PrekeyStore::stage_accept`] describes what the handshake would consume, and only
//! [`PrekeyStore::commit_accept`] — which requires the ratchet's proof that the first message
//! authenticated — applies it.

mod codec;
mod pool;
mod replay;
mod signed;

use alloc::vec::Vec;
use core::fmt;

use rand_core::TryCryptoRng;

use crate::bundle::{OneTimeKeys, WithId};
use crate::consts::{MAX_BATCH_LEAVES, SIGNED_PREKEY_GRACE_SECS};
use crate::error::{AcceptError, OpenBoxError, PrekeyError, PrekeyKind};
use crate::identity::IdentityKeyPair;
use crate::keys::{
    KemCiphertext, KemPublicKey, KemSecretKey, KemSharedSecret, X25519PublicKey, X25519SecretKey,
};
use crate::labels;
use crate::message::initial::KemPrekeyUsed;
use crate::ratchet::Authenticated;
use crate::upload::{self, merkle};

use pool::{KemSeed, Pool};
use replay::ReplayCache;
pub(crate) use replay::ReplayTag;
use signed::SignedPrekeys;

/// Counts of what the store holds, for UIs and for deciding when to replenish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PrekeyStoreInfo {
    /// Id of the current signed prekey.
    pub signed_prekey_id: u32,
    /// When the current signed prekeys were generated (the `now` passed then). Initiators
    /// refuse bundles older than their maximum age (30 days by default): rotate well inside
    /// it, and upload after rotating.
    pub signed_prekey_created_at: u64,
    /// Whether a previous signed prekey is still accepted (grace period).
    pub has_previous_signed_prekey: bool,
    /// One-time X25519 prekeys held (uploaded and not yet used). The store does not know
    /// which of them a server has handed out; the server does.
    pub one_time_held: usize,
    /// One-time ML-KEM prekeys held.
    pub one_time_kem_held: usize,
    /// The batch id the next upload gets.
    pub next_batch_id: u32,
    /// Handshakes remembered for replay detection.
    pub replay_cache_len: usize,
    /// Further handshakes without a one-time prekey the current signed prekey accepts before
    /// it must be rotated (`LIMIT_EXCEEDED` after that).
    pub replay_cache_remaining: usize,
    /// How many times the state changed ([`PrekeyStore::generation`]); sealed with it.
    pub generation: u64,
}

/// The responder's prekeys. Create with [`PrekeyStore::generate`], publish with
/// [`PrekeyStore::upload`] (a server composes bundles from the upload with
/// [`crate::compose_bundle`]), persist with `seal`/`open`. Not `Clone`: two copies would
/// consume one-time prekeys independently.
///
/// ```compile_fail
/// fn fork(store: &twofold_core::PrekeyStore) -> twofold_core::PrekeyStore {
///     store.clone()
/// }
/// ```
pub struct PrekeyStore {
    /// Successful state changes so far (uploads, rotations, prunes that dropped keys,
    /// accepted handshakes): sealed with the state, so `open` can refuse an older copy.
    generation: u64,
    owner: [u8; 32],
    current: SignedPrekeys,
    previous: Option<(SignedPrekeys, u64)>,
    one_time: Pool<X25519SecretKey>,
    one_time_kem: Pool<KemSeed>,
    next_signed_id: u32,
    next_batch_id: u32,
    replay: ReplayCache,
}

/// The ML-KEM prekey a handshake names: the last-resort key (held expanded) or a one-time key
/// (expanded from its seed for this handshake).
pub(crate) enum KemPrekey<'a> {
    LastResort(&'a KemSecretKey),
    OneTime(KemSecretKey),
}

impl KemPrekey<'_> {
    pub(crate) fn decapsulate(&self, ct: &KemCiphertext) -> KemSharedSecret {
        match self {
            KemPrekey::LastResort(k) => k.decapsulate(ct),
            KemPrekey::OneTime(k) => k.decapsulate(ct),
        }
    }

    pub(crate) fn public_key(&self) -> &KemPublicKey {
        match self {
            KemPrekey::LastResort(k) => k.public_key(),
            KemPrekey::OneTime(k) => k.public_key(),
        }
    }
}

/// The secret keys an initial message names.
pub(crate) struct HandshakeKeys<'a> {
    pub(crate) signed_prekey: &'a X25519SecretKey,
    pub(crate) one_time_prekey: Option<&'a X25519SecretKey>,
    pub(crate) kem_prekey: KemPrekey<'a>,
}

/// What accepting a handshake changes in the store: the one-time prekeys it used are
/// consumed, or, when it used none, the handshake is remembered in the replay cache. Applied
/// only by [`PrekeyStore::commit_accept`].
#[must_use = "a staged accept changes nothing until it is committed"]
pub(crate) struct StagedAccept {
    one_time_prekey: Option<u32>,
    one_time_kem: Option<u32>,
    replay: Option<ReplayTag>,
}

impl PrekeyStore {
    /// Creates a store for `identity` with fresh signed prekeys (no one-time prekeys: they
    /// come with each [`PrekeyStore::upload`]). `now` is the caller's clock in Unix seconds:
    /// it becomes the signed prekeys' published creation time, which initiators compare with
    /// their own clock, and measures the grace period of rotated prekeys. Signs nothing.
    ///
    /// # Errors
    /// [`PrekeyError::RngFailed`] if the RNG fails.
    pub fn generate<R: TryCryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        now: u64,
    ) -> Result<Self, PrekeyError> {
        Ok(Self {
            generation: 0,
            owner: identity.public().fingerprint(),
            current: SignedPrekeys::generate(rng, 1, 1, now)?,
            previous: None,
            one_time: Pool::new(),
            one_time_kem: Pool::new(),
            next_signed_id: 2,
            next_batch_id: 1,
            replay: ReplayCache::default(),
        })
    }

    fn check_owner(&self, identity: &IdentityKeyPair) -> Result<(), PrekeyError> {
        if self.owner == identity.public().fingerprint() {
            Ok(())
        } else {
            Err(PrekeyError::IdentityMismatch)
        }
    }

    /// Makes an upload: the identity, the current signed prekey record and a new batch of
    /// `max(x25519, kem)` one-time leaves (leaf `i` holds a new one-time X25519 prekey if
    /// `i < x25519` and a new one-time ML-KEM prekey if `i < kem`), under one ML-DSA
    /// signature over the batch's Merkle root. Give it to the server, which composes bundles
    /// from it with [`crate::compose_bundle`] without the owner; upload again after
    /// [`PrekeyStore::rotate_signed_prekeys`] (an empty batch is enough) and when the server
    /// runs low.
    ///
    /// A kind that would exceed [`crate::consts::MAX_ONE_TIME_PREKEYS`] drops its oldest keys
    /// to make room (a late initial message naming one gets `PREKEY_ALREADY_USED`); a batch
    /// holds at most [`MAX_BATCH_LEAVES`], half the store, so the two newest batches are always
    /// whole. Persist the store, then deliver the bytes; if they do not reach the server, send
    /// **the same bytes** again rather than calling `upload` again: each call makes new keys,
    /// and two calls whose uploads are lost push out the keys of the batch the server is still
    /// handing out. Random draws: the X25519 secrets (32 bytes each), the ML-KEM seeds (64
    /// each), the signature's 32 bytes. On error the store is unchanged.
    ///
    /// # Errors
    /// [`PrekeyError::IdentityMismatch`]; [`PrekeyError::LimitExceeded`] for a batch above
    /// [`MAX_BATCH_LEAVES`] or an id space exhausted; [`PrekeyError::RngFailed`].
    pub fn upload<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        identity: &IdentityKeyPair,
        x25519: usize,
        kem: usize,
    ) -> Result<Vec<u8>, PrekeyError> {
        self.check_owner(identity)?;
        let count = x25519.max(kem);
        let leaf_count = u16::try_from(count)
            .ok()
            .filter(|_| count <= MAX_BATCH_LEAVES)
            .ok_or(PrekeyError::LimitExceeded)?;
        let batch_id = self.next_batch_id;
        let next_batch_id = batch_id.checked_add(1).ok_or(PrekeyError::LimitExceeded)?;
        let plan_x = self.one_time.plan_add(x25519)?;
        let plan_k = self.one_time_kem.plan_add(kem)?;
        let new_x = self.one_time.generate(rng, plan_x)?;
        let new_k = self.one_time_kem.generate(rng, plan_k)?;
        let leaves: Vec<Vec<u8>> = {
            let (mut xs, mut ks) = (new_x.publics(), new_k.publics());
            (0..count)
                .map(|_| {
                    OneTimeKeys {
                        prekey: xs.next().map(|(id, key)| WithId { id, key }),
                        kem: ks.next().map(|(id, key)| WithId { id, key }),
                    }
                    .to_leaf()
                })
                .collect()
        };
        let record = self.current.record();
        let tree = merkle::tree_id(&self.owner, batch_id);
        let root = upload::root_of(&tree, leaves.iter().map(Vec::as_slice));
        let message = upload::upload_message(&self.owner, &record, batch_id, leaf_count, &root);
        let signature = identity.sign(rng, labels::SIG_CTX_UPLOAD, &message)?;
        let bytes = upload::encode(identity.public(), &record, batch_id, &signature, &leaves);
        // Commit.
        self.one_time.commit_add(new_x);
        self.one_time_kem.commit_add(new_k);
        self.next_batch_id = next_batch_id;
        self.bump();
        Ok(bytes)
    }

    /// Replaces the signed prekey pair (created at `now`, Unix seconds). The previous pair
    /// stays usable until [`PrekeyStore::prune`] is called [`SIGNED_PREKEY_GRACE_SECS`] after
    /// `now`; a pair that was already in its grace period is dropped now. Signs nothing: the
    /// next [`PrekeyStore::upload`] publishes the new pair.
    ///
    /// # Errors
    /// [`PrekeyError::IdentityMismatch`], [`PrekeyError::LimitExceeded`] (id space
    /// exhausted), [`PrekeyError::RngFailed`]. On error the store is unchanged.
    pub fn rotate_signed_prekeys<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        identity: &IdentityKeyPair,
        now: u64,
    ) -> Result<(), PrekeyError> {
        self.check_owner(identity)?;
        let id = self.next_signed_id;
        let next = id.checked_add(1).ok_or(PrekeyError::LimitExceeded)?;
        let fresh = SignedPrekeys::generate(rng, id, id, now)?;
        let old = core::mem::replace(&mut self.current, fresh);
        if let Some((dropped, _)) = self.previous.replace((old, now)) {
            self.replay.forget_signed_prekey(dropped.spk_id);
        }
        self.next_signed_id = next;
        self.bump();
        Ok(())
    }

    /// Drops the previous signed prekey pair once its grace period has passed.
    pub fn prune(&mut self, now: u64) {
        let expired = self.previous.as_ref().is_some_and(|(_, retired_at)| {
            now >= retired_at.saturating_add(SIGNED_PREKEY_GRACE_SECS)
        });
        if expired && let Some((dropped, _)) = self.previous.take() {
            self.replay.forget_signed_prekey(dropped.spk_id);
            self.bump();
        }
    }

    /// How many times this store's state changed (each upload, rotation, prune that dropped
    /// keys and accepted handshake; 0 when generated). Sealed with it: an app that records
    /// the generation it stored last can pass it to `open` as the minimum, so an older copy
    /// (one that would accept a used one-time prekey again) is refused.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    fn bump(&mut self) {
        self.generation = self.generation.saturating_add(1);
    }

    /// Counts for UIs.
    #[must_use]
    pub fn info(&self) -> PrekeyStoreInfo {
        PrekeyStoreInfo {
            signed_prekey_id: self.current.spk_id,
            signed_prekey_created_at: self.current.created_at,
            has_previous_signed_prekey: self.previous.is_some(),
            one_time_held: self.one_time.len(),
            one_time_kem_held: self.one_time_kem.len(),
            next_batch_id: self.next_batch_id,
            replay_cache_len: self.replay.len(),
            replay_cache_remaining: self.replay.remaining_for(self.current.spk_id),
            generation: self.generation,
        }
    }

    // ----- the responder side of the handshake -----

    pub(crate) fn owned_by(&self, identity: &IdentityKeyPair) -> Result<(), AcceptError> {
        self.check_owner(identity)
            .map_err(|_| AcceptError::IdentityMismatch)
    }

    fn signed(&self, matches: impl Fn(&SignedPrekeys) -> bool) -> Option<&SignedPrekeys> {
        core::iter::once(&self.current)
            .chain(self.previous.as_ref().map(|(p, _)| p))
            .find(|s| matches(s))
    }

    /// The secret keys an initial message names; an error names the first one missing.
    pub(crate) fn lookup(
        &self,
        signed_prekey_id: u32,
        one_time_prekey_id: Option<u32>,
        kem: KemPrekeyUsed,
    ) -> Result<HandshakeKeys<'_>, AcceptError> {
        let signed_prekey = self
            .signed(|s| s.spk_id == signed_prekey_id)
            .map(|s| &s.spk)
            .ok_or(AcceptError::UnknownPrekey {
                kind: PrekeyKind::SignedPrekey,
                id: signed_prekey_id,
            })?;
        let one_time_prekey = match one_time_prekey_id {
            Some(id) => Some(self.one_time.find(id)?),
            None => None,
        };
        let kem_prekey = match kem {
            KemPrekeyUsed::LastResort(id) => {
                KemPrekey::LastResort(self.signed(|s| s.kem_id == id).map(|s| &s.kem).ok_or(
                    AcceptError::UnknownPrekey {
                        kind: PrekeyKind::LastResortKemPrekey,
                        id,
                    },
                )?)
            }
            KemPrekeyUsed::OneTime(id) => KemPrekey::OneTime(self.one_time_kem.find(id)?.expand()),
        };
        Ok(HandshakeKeys {
            signed_prekey,
            one_time_prekey,
            kem_prekey,
        })
    }

    /// The signed X25519 prekey `spk_id` (secret and public) and the last-resort ML-KEM prekey
    /// `kem_id` a sealed box names, each looked up in `current`, then `previous`, independently
    /// (as `accept` looks them up).
    pub(crate) fn signed_prekeys_for_box(
        &self,
        spk_id: u32,
        kem_id: u32,
    ) -> Result<(&X25519SecretKey, X25519PublicKey, &KemSecretKey), OpenBoxError> {
        let spk = self
            .signed(|s| s.spk_id == spk_id)
            .ok_or(OpenBoxError::UnknownPrekey {
                kind: PrekeyKind::SignedPrekey,
                id: spk_id,
            })?;
        let kem = self
            .signed(|s| s.kem_id == kem_id)
            .ok_or(OpenBoxError::UnknownPrekey {
                kind: PrekeyKind::LastResortKemPrekey,
                id: kem_id,
            })?;
        Ok((&spk.spk, spk.spk_public, &kem.kem))
    }

    pub(crate) fn seen(&self, tag: &ReplayTag) -> bool {
        self.replay.contains(tag)
    }

    /// What accepting this handshake will change; changes nothing now.
    ///
    /// A handshake that consumes a one-time prekey of either kind cannot be replayed (the
    /// replay would name a consumed prekey). One that uses only the signed prekey and the
    /// last-resort KEM prekey is remembered instead; the cache never forgets an entry while
    /// its signed prekey is live, so when the entries of that signed prekey reach
    /// [`crate::consts::MAX_REPLAY_CACHE`] such handshakes are refused with
    /// `LIMIT_EXCEEDED` until the owner rotates the signed prekeys.
    pub(crate) fn stage_accept(
        &self,
        one_time_prekey: Option<u32>,
        kem: KemPrekeyUsed,
        replay: ReplayTag,
    ) -> Result<StagedAccept, AcceptError> {
        let one_time_kem = match kem {
            KemPrekeyUsed::OneTime(id) => Some(id),
            KemPrekeyUsed::LastResort(_) => None,
        };
        let replay = if one_time_prekey.is_none() && one_time_kem.is_none() {
            if self.replay.is_full_for(&replay) {
                return Err(AcceptError::LimitExceeded);
            }
            Some(replay)
        } else {
            None
        };
        Ok(StagedAccept {
            one_time_prekey,
            one_time_kem,
            replay,
        })
    }

    /// Applies an accepted handshake: consumes the one-time prekeys it used and remembers it.
    /// Requires the proof that its first message authenticated.
    pub(crate) fn commit_accept(&mut self, staged: StagedAccept, _proof: &Authenticated) {
        if let Some(id) = staged.one_time_prekey {
            self.one_time.consume(id);
        }
        if let Some(id) = staged.one_time_kem {
            self.one_time_kem.consume(id);
        }
        if let Some(tag) = staged.replay {
            self.replay.insert(tag);
        }
        self.bump();
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
mod tests;
