//! One pool type for both kinds of one-time prekey (X25519 and ML-KEM): ids, consumption,
//! eviction of the oldest keys when the pool is full, and the state encoding.
//!
//! The store does not know which keys a server has handed out (it composes bundles from the
//! upload without the owner), so a full pool makes room by dropping its oldest keys: those
//! of the oldest upload, which a server hands out first.
//!
//! Spec: `docs/PROTOCOL.md`, section 5.3 ("Prekey store").

use alloc::vec::Vec;

use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

use crate::consts::MAX_ONE_TIME_PREKEYS;
use crate::error::{AcceptError, DecodeError, PrekeyError, PrekeyKind, RngError};
use crate::keys::{
    KEM_SEED_LEN, KemPublicKey, KemSecretKey, SecretBox, X25519PublicKey, X25519SecretKey,
    random_bytes,
};
use crate::wire::{Reader, Writer};

/// A kind of one-time prekey secret.
pub(crate) trait OneTimeSecret: Sized {
    /// The kind named in errors.
    const KIND: PrekeyKind;
    /// What a bundle publishes.
    type Public;
    fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, RngError>;
    fn public(&self) -> Self::Public;
    fn encode(&self, w: &mut Writer);
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

impl OneTimeSecret for X25519SecretKey {
    const KIND: PrekeyKind = PrekeyKind::OneTimePrekey;
    type Public = X25519PublicKey;

    fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, RngError> {
        X25519SecretKey::generate(rng)
    }

    fn public(&self) -> X25519PublicKey {
        self.public_key()
    }

    fn encode(&self, w: &mut Writer) {
        w.bytes(self.to_bytes().as_slice());
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(X25519SecretKey::from_bytes(&Zeroizing::new(r.array()?)))
    }
}

/// A one-time ML-KEM prekey, kept as its 64-byte seed and expanded only when uploaded or
/// used (an expanded key is about 2.4 KB; a thousand of them would be 2.4 MB).
pub(crate) struct KemSeed(SecretBox<KEM_SEED_LEN>);

impl KemSeed {
    pub(crate) fn expand(&self) -> KemSecretKey {
        KemSecretKey::from_seed(self.0.as_bytes())
    }

    #[cfg(twofold_trace)]
    pub(crate) fn as_bytes(&self) -> &[u8; KEM_SEED_LEN] {
        self.0.as_bytes()
    }
}

impl OneTimeSecret for KemSeed {
    const KIND: PrekeyKind = PrekeyKind::OneTimeKemPrekey;
    type Public = KemPublicKey;

    fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, RngError> {
        Ok(Self(SecretBox::from_ref(
            &*random_bytes::<KEM_SEED_LEN, R>(rng)?,
        )))
    }

    fn public(&self) -> KemPublicKey {
        self.expand().public_key().clone()
    }

    fn encode(&self, w: &mut Writer) {
        w.bytes(self.0.as_bytes());
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self(SecretBox::from_ref(&Zeroizing::new(r.array()?))))
    }
}

struct Entry<S> {
    id: u32,
    secret: S,
}

/// One-time prekeys of one kind, oldest first.
pub(crate) struct Pool<S> {
    entries: Vec<Entry<S>>,
    next_id: u32,
}

/// How an addition fits: how many of the oldest keys it evicts, and the id after.
pub(crate) struct AddPlan {
    count: u32,
    evict: usize,
    next_id: u32,
}

/// Keys generated for an addition, applied by [`Pool::commit_add`].
pub(crate) struct StagedAdd<S> {
    plan: AddPlan,
    fresh: Vec<Entry<S>>,
}

impl<S: OneTimeSecret> StagedAdd<S> {
    /// `(id, public key)` of each new key, in id order (the leaves of an upload).
    pub(crate) fn publics(&self) -> impl Iterator<Item = (u32, S::Public)> + '_ {
        self.fresh.iter().map(|k| (k.id, k.secret.public()))
    }
}

impl<S: OneTimeSecret> Pool<S> {
    pub(crate) fn new() -> Self {
        Self {
            entries: Vec::new(),
            next_id: 1,
        }
    }

    /// Checks that `more` keys fit (at most [`MAX_ONE_TIME_PREKEYS`], evicting the oldest)
    /// and that the ids do not run out; changes nothing.
    pub(crate) fn plan_add(&self, more: usize) -> Result<AddPlan, PrekeyError> {
        if more > MAX_ONE_TIME_PREKEYS {
            return Err(PrekeyError::LimitExceeded);
        }
        let evict = self
            .entries
            .len()
            .saturating_add(more)
            .saturating_sub(MAX_ONE_TIME_PREKEYS);
        let count = u32::try_from(more).map_err(|_| PrekeyError::LimitExceeded)?;
        let next_id = self
            .next_id
            .checked_add(count)
            .ok_or(PrekeyError::LimitExceeded)?;
        Ok(AddPlan {
            count,
            evict,
            next_id,
        })
    }

    /// Generates the keys of a plan; changes nothing.
    pub(crate) fn generate<R: TryCryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        plan: AddPlan,
    ) -> Result<StagedAdd<S>, PrekeyError> {
        let mut fresh = Vec::with_capacity(usize::try_from(plan.count).unwrap_or(0));
        for i in 0..plan.count {
            fresh.push(Entry {
                id: self.next_id.saturating_add(i),
                secret: S::generate(rng)?,
            });
        }
        Ok(StagedAdd { plan, fresh })
    }

    /// Drops the oldest keys that make room, then adds the new ones.
    pub(crate) fn commit_add(&mut self, staged: StagedAdd<S>) {
        let evict = staged.plan.evict.min(self.entries.len());
        self.entries.drain(..evict);
        self.entries.extend(staged.fresh);
        self.next_id = staged.plan.next_id;
    }

    /// The key with this id; an id that existed once is `PREKEY_ALREADY_USED`.
    pub(crate) fn find(&self, id: u32) -> Result<&S, AcceptError> {
        match self.entries.iter().find(|k| k.id == id) {
            Some(k) => Ok(&k.secret),
            None if id != 0 && id < self.next_id => {
                Err(AcceptError::PrekeyAlreadyUsed { kind: S::KIND, id })
            }
            None => Err(AcceptError::UnknownPrekey { kind: S::KIND, id }),
        }
    }

    /// Removes the key with this id (after a handshake that used it authenticated).
    pub(crate) fn consume(&mut self, id: u32) {
        self.entries.retain(|k| k.id != id);
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn next_id(&self) -> u32 {
        self.next_id
    }

    /// Writes the entries (`count || (id || secret)*`, ascending ids); the next id is written
    /// by the store, before both pools.
    pub(crate) fn encode_entries(&self, w: &mut Writer) {
        w.count(self.entries.len());
        for k in &self.entries {
            w.u32(k.id);
            k.secret.encode(w);
        }
    }

    pub(crate) fn decode_entries(
        r: &mut Reader<'_>,
        next_id: u32,
        field: &'static str,
    ) -> Result<Self, DecodeError> {
        let n = r.count(MAX_ONE_TIME_PREKEYS, field)?;
        let mut entries: Vec<Entry<S>> = Vec::with_capacity(n);
        for _ in 0..n {
            let id = r.u32()?;
            // Ids ascend, are never 0 and are below the next id: the order eviction relies on.
            let after_last = entries.last().is_none_or(|last| id > last.id);
            if id == 0 || id >= next_id || !after_last {
                return Err(DecodeError::InvalidEncoding { field });
            }
            entries.push(Entry {
                id,
                secret: S::decode(r)?,
            });
        }
        Ok(Self { entries, next_id })
    }

    /// `(id, secret)` of every key, for the vector generator.
    #[cfg(twofold_trace)]
    pub(crate) fn entries(&self) -> impl Iterator<Item = (u32, &S)> {
        self.entries.iter().map(|k| (k.id, &k.secret))
    }
}
