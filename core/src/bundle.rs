//! Prekey bundles: what a server hands an initiator so she can start a session with a
//! responder who is offline.
//!
//! Spec: `docs/PROTOCOL.md`, section 5.2 ("Upload and bundle"). A server composes a bundle
//! from the responder's upload ([`crate::compose_bundle`]); it is the upload's identity,
//! signed record and signature followed by one leaf and its Merkle inclusion proof.
//! [`PrekeyBundle::decode`] only parses; [`PrekeyBundle::verify`] checks the identity binding
//! and the one upload signature and returns a [`VerifiedBundle`], the only type
//! `Session::initiate` takes, so an unverified bundle cannot be used.

use alloc::vec::Vec;

use crate::consts::MAX_BATCH_LEAVES;
use crate::error::{DecodeError, SignatureKind, VerifyError};
use crate::identity::{PublicIdentity, UnverifiedIdentity};
use crate::identity_cache::IdentityCache;
use crate::keys::{KemPublicKey, Signature, X25519PublicKey};
use crate::labels::object;
use crate::trace::{NoTrace, TraceSink};
use crate::upload::merkle::{self, Hash};
use crate::upload::{self, FIXED_PART_LEN, MAX_LEAF_LEN, SignedRecord};
use crate::wire::{Reader, Writer};

/// Flag bit: the leaf holds a one-time X25519 prekey.
const FLAG_ONE_TIME: u8 = 0x01;
/// Flag bit: the leaf holds a one-time ML-KEM prekey.
const FLAG_ONE_TIME_KEM: u8 = 0x02;

/// Size of a bundle without one-time prekeys (it carries the batch's root instead).
pub const BUNDLE_MIN_LEN: usize = 3 + FIXED_PART_LEN + 1 + 32;
/// Size of the largest bundle: both one-time prekeys and the proof of a full batch.
pub const BUNDLE_MAX_LEN: usize =
    3 + FIXED_PART_LEN + MAX_LEAF_LEN + 2 + 32 * merkle::depth(MAX_BATCH_LEAVES);

/// The one-time prekeys of one leaf of an upload batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct OneTimeKeys {
    pub(crate) prekey: Option<WithId<X25519PublicKey>>,
    pub(crate) kem: Option<WithId<KemPublicKey>>,
}

impl OneTimeKeys {
    fn flags(&self) -> u8 {
        let mut flags = 0;
        if self.prekey.is_some() {
            flags |= FLAG_ONE_TIME;
        }
        if self.kem.is_some() {
            flags |= FLAG_ONE_TIME_KEM;
        }
        flags
    }

    /// The leaf encoding: `flags || [opk_id || OPK] || [kem_id || kem_ek]`.
    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u8(self.flags());
        if let Some(k) = &self.prekey {
            w.u32(k.id);
            w.bytes(k.key.as_bytes());
        }
        if let Some(k) = &self.kem {
            w.u32(k.id);
            w.bytes(k.key.as_bytes());
        }
    }

    pub(crate) fn to_leaf(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(MAX_LEAF_LEN);
        self.encode(&mut w);
        w.into_vec()
    }

    pub(crate) fn read_flags(r: &mut Reader<'_>) -> Result<u8, DecodeError> {
        r.flags(FLAG_ONE_TIME | FLAG_ONE_TIME_KEM, "leaf flags")
    }

    /// The keys a leaf's `flags` announce (each ML-KEM key validated, FIPS 203 section 7.2).
    pub(crate) fn decode_after_flags(r: &mut Reader<'_>, flags: u8) -> Result<Self, DecodeError> {
        let prekey = if flags & FLAG_ONE_TIME != 0 {
            Some(WithId {
                id: r.u32()?,
                key: X25519PublicKey::from_bytes(r.array()?),
            })
        } else {
            None
        };
        let kem = if flags & FLAG_ONE_TIME_KEM != 0 {
            Some(WithId {
                id: r.u32()?,
                key: KemPublicKey::from_bytes(&r.array()?)?,
            })
        } else {
            None
        };
        Ok(Self { prekey, kem })
    }
}

/// A prekey together with its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WithId<K> {
    pub(crate) id: u32,
    pub(crate) key: K,
}

/// How a bundle ties its one-time prekeys (or their absence) to the signed root.
#[derive(Debug)]
enum Proof {
    /// No one-time prekeys: the batch's root as it is (`0^32` for an empty batch).
    Root(Hash),
    /// A leaf: its index and the siblings on its path, leaves first.
    Path { index: u16, siblings: Vec<Hash> },
}

/// A decoded bundle whose signatures have not been checked.
#[derive(Debug)]
pub struct PrekeyBundle {
    identity: UnverifiedIdentity,
    record: SignedRecord,
    batch_id: u32,
    leaf_count: u16,
    signature: Signature,
    one_time: OneTimeKeys,
    proof: Proof,
}

impl PrekeyBundle {
    /// Parses a bundle strictly. Every ML-KEM key is validated (FIPS 203, section 7.2) here.
    ///
    /// # Errors
    /// A [`DecodeError`] naming the first problem found.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::top_level(bytes, object::BUNDLE, BUNDLE_MAX_LEN)?;
        let identity = PublicIdentity::decode_body(&mut r)?;
        let record = SignedRecord::decode(&mut r)?;
        let batch_id = r.u32()?;
        let count = r.count_u16(MAX_BATCH_LEAVES, "leaf_count")?;
        let leaf_count = u16::try_from(count).map_err(|_| DecodeError::InvalidEncoding {
            field: "leaf_count",
        })?;
        let signature = Signature::from_bytes(&r.array()?);
        let flags = OneTimeKeys::read_flags(&mut r)?;
        let invalid = |field| DecodeError::InvalidEncoding { field };
        let (one_time, proof) = if flags == 0 {
            let root: Hash = r.array()?;
            if leaf_count == 0 && root != [0u8; 32] {
                return Err(invalid("root"));
            }
            (OneTimeKeys::default(), Proof::Root(root))
        } else {
            if leaf_count == 0 {
                return Err(invalid("leaf flags"));
            }
            let keys = OneTimeKeys::decode_after_flags(&mut r, flags)?;
            let index = r.u16()?;
            if index >= leaf_count {
                return Err(invalid("leaf index"));
            }
            let siblings = (0..merkle::depth(count))
                .map(|_| r.array())
                .collect::<Result<Vec<Hash>, _>>()?;
            (keys, Proof::Path { index, siblings })
        };
        r.finish()?;
        Ok(Self {
            identity,
            record,
            batch_id,
            leaf_count,
            signature,
            one_time,
            proof,
        })
    }

    /// Checks the identity binding and the upload signature over the root that the leaf and
    /// its proof lead to, both under the bundle's ML-DSA identity key. Every byte of a bundle
    /// is covered: a tampered leaf, index or sibling, or a leaf of another batch, leads to
    /// another root and fails as the upload signature.
    ///
    /// Whether that identity is the peer the user means is a separate question, answered by
    /// comparing safety numbers.
    ///
    /// # Errors
    /// [`VerifyError::BadSignature`] naming the signature that failed.
    pub fn verify(self) -> Result<VerifiedBundle, VerifyError> {
        self.verify_with_sink(None, &mut NoTrace)
    }

    /// As [`PrekeyBundle::verify`], with the caller's cache of verified identities: for an
    /// identity cached byte for byte, the binding is not verified again and the expanded key
    /// is reused (one ML-DSA verification instead of two, and no key expansion); a newly
    /// verified identity is added to the cache.
    ///
    /// # Errors
    /// As [`PrekeyBundle::verify`].
    pub fn verify_with(self, cache: &mut IdentityCache) -> Result<VerifiedBundle, VerifyError> {
        self.verify_with_sink(Some(cache), &mut NoTrace)
    }

    /// As [`PrekeyBundle::verify_with`] (or `verify` without a cache), reporting each ML-DSA
    /// verification to `trace`, so tests can count them.
    #[cfg(twofold_trace)]
    #[allow(clippy::missing_errors_doc)]
    pub fn verify_traced(
        self,
        cache: Option<&mut IdentityCache>,
        trace: &mut crate::trace::Trace,
    ) -> Result<VerifiedBundle, VerifyError> {
        self.verify_with_sink(cache, trace)
    }

    fn verify_with_sink<T: TraceSink>(
        self,
        cache: Option<&mut IdentityCache>,
        trace: &mut T,
    ) -> Result<VerifiedBundle, VerifyError> {
        let fingerprint = self.identity.unchecked().fingerprint();
        let tree = merkle::tree_id(&fingerprint, self.batch_id);
        let root = match &self.proof {
            Proof::Root(root) => *root,
            Proof::Path { index, siblings } => {
                merkle::root_from_path(&tree, *index, &self.one_time.to_leaf(), siblings)
            }
        };
        let message = upload::upload_message(
            &fingerprint,
            &self.record,
            self.batch_id,
            self.leaf_count,
            &root,
        );
        let bad_upload = VerifyError::BadSignature {
            which: SignatureKind::Upload,
        };
        // What a cache remembers of a verified upload: the signed message and the signature.
        let digest = upload::verified_digest(&message, &self.signature);
        let Self {
            identity: unverified,
            record,
            batch_id,
            signature,
            one_time,
            ..
        } = self;
        let verified = move |identity| VerifiedBundle {
            identity,
            signed_prekey: record.spk,
            last_resort_kem: record.kem,
            created_at: record.created_at,
            batch_id,
            one_time_prekey: one_time.prekey,
            one_time_kem: one_time.kem,
        };
        // Without a cache, an empty one that keeps nothing: one path for both.
        let mut none = IdentityCache::new(0);
        let cache = cache.unwrap_or(&mut none);
        if let Some(hit) = cache.find(&unverified) {
            // An upload already verified under this key, byte for byte, is not verified again;
            // any other is, and becomes the one remembered.
            if *hit.upload != Some(digest) {
                if !upload::verify_signature(hit.key, &message, &signature, trace) {
                    return Err(bad_upload);
                }
                *hit.upload = Some(digest);
            }
            return Ok(verified(hit.identity.clone()));
        }
        let (identity, key) = unverified.verified_with_key(trace)?;
        if !upload::verify_signature(&key, &message, &signature, trace) {
            return Err(bad_upload);
        }
        cache.insert(identity.clone(), key, Some(digest));
        Ok(verified(identity))
    }
}

/// A bundle whose every signature verified. Only [`PrekeyBundle::verify`] makes one.
#[derive(Clone, Debug)]
pub struct VerifiedBundle {
    pub(crate) identity: PublicIdentity,
    pub(crate) signed_prekey: WithId<X25519PublicKey>,
    pub(crate) last_resort_kem: WithId<KemPublicKey>,
    pub(crate) created_at: u64,
    pub(crate) batch_id: u32,
    pub(crate) one_time_prekey: Option<WithId<X25519PublicKey>>,
    pub(crate) one_time_kem: Option<WithId<KemPublicKey>>,
}

impl VerifiedBundle {
    /// Decodes and verifies in one step.
    ///
    /// # Errors
    /// As [`PrekeyBundle::decode`] and [`PrekeyBundle::verify`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        PrekeyBundle::decode(bytes)?.verify()
    }

    /// Decodes and verifies in one step, with the caller's identity cache
    /// ([`PrekeyBundle::verify_with`]).
    ///
    /// # Errors
    /// As [`PrekeyBundle::decode`] and [`PrekeyBundle::verify`].
    pub fn from_bytes_with(bytes: &[u8], cache: &mut IdentityCache) -> Result<Self, VerifyError> {
        PrekeyBundle::decode(bytes)?.verify_with(cache)
    }

    /// The responder's identity.
    #[must_use]
    pub fn identity(&self) -> &PublicIdentity {
        &self.identity
    }

    /// Id of the signed X25519 prekey.
    #[must_use]
    pub fn signed_prekey_id(&self) -> u32 {
        self.signed_prekey.id
    }

    /// Id of the last-resort ML-KEM prekey.
    #[must_use]
    pub fn last_resort_kem_id(&self) -> u32 {
        self.last_resort_kem.id
    }

    /// When the responder generated the signed prekeys (its clock, Unix seconds; under the
    /// upload signature). `Session::initiate` refuses bundles older than
    /// `SessionConfig::max_prekey_age`.
    #[must_use]
    pub fn signed_prekeys_created_at(&self) -> u64 {
        self.created_at
    }

    /// The responder's batch counter of the upload this bundle was composed from.
    #[must_use]
    pub fn batch_id(&self) -> u32 {
        self.batch_id
    }

    /// Id of the one-time X25519 prekey, if the bundle has one.
    #[must_use]
    pub fn one_time_prekey_id(&self) -> Option<u32> {
        self.one_time_prekey.as_ref().map(|k| k.id)
    }

    /// Id of the one-time ML-KEM prekey, if the bundle has one (otherwise the last-resort
    /// KEM prekey is used).
    #[must_use]
    pub fn one_time_kem_prekey_id(&self) -> Option<u32> {
        self.one_time_kem.as_ref().map(|k| k.id)
    }
}
