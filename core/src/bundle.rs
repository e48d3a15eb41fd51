//! Prekey bundles: what a server hands an initiator so she can start a session with a
//! responder who is offline.
//!
//! Spec: `docs/PROTOCOL.md`, section 5.2 ("Prekey bundle"). [`PrekeyBundle::decode`] only
//! parses; [`PrekeyBundle::verify`] checks every signature and returns a [`VerifiedBundle`],
//! the only type `Session::initiate` takes, so an unverified bundle cannot be used.

use alloc::vec::Vec;

use crate::error::{DecodeError, SignatureKind, VerifyError};
use crate::identity::{IDENTITY_BODY_LEN, PublicIdentity, UnverifiedIdentity};
use crate::identity_cache::IdentityCache;
use crate::keys::{
    KEM_PUBLIC_KEY_LEN, KemPublicKey, SIGNATURE_LEN, SigVerifier, Signature, X25519_LEN,
    X25519PublicKey,
};
use crate::labels::{self, object};
use crate::trace::{NoTrace, TraceSink};
use crate::wire::{Reader, Writer};

/// Flag bit: the bundle carries a one-time X25519 prekey.
const FLAG_ONE_TIME: u8 = 0x01;
/// Flag bit: the bundle carries a signed one-time ML-KEM prekey.
const FLAG_ONE_TIME_KEM: u8 = 0x02;

/// Size of a bundle with neither optional prekey (and so no one-time signature).
pub const BUNDLE_MIN_LEN: usize =
    3 + IDENTITY_BODY_LEN + 4 + X25519_LEN + 4 + KEM_PUBLIC_KEY_LEN + SIGNATURE_LEN + 1;
/// Size of a bundle with both optional prekeys (the maximum).
pub const BUNDLE_MAX_LEN: usize =
    BUNDLE_MIN_LEN + 4 + X25519_LEN + 4 + KEM_PUBLIC_KEY_LEN + SIGNATURE_LEN;

/// The one-time prekeys of a bundle, covered together by one signature.
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

    fn encode(&self, w: &mut Writer) {
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

    pub(crate) fn is_empty(&self) -> bool {
        self.prekey.is_none() && self.kem.is_none()
    }
}

/// The message signed over the one-time prekeys of a bundle:
/// `suite || flags || [opk_id || opk] || [kem_id || kem_key]`.
pub(crate) fn one_time_message(keys: &OneTimeKeys) -> Vec<u8> {
    let mut w = Writer::with_capacity(1 + 1 + 4 + X25519_LEN + 4 + KEM_PUBLIC_KEY_LEN);
    w.u8(labels::SUITE);
    keys.encode(&mut w);
    w.into_vec()
}

/// A prekey together with its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WithId<K> {
    pub(crate) id: u32,
    pub(crate) key: K,
}

/// The message signed over the signed X25519 prekey and the last-resort KEM prekey:
/// `suite || spk_id || spk || kem_id || kem_key`.
pub(crate) fn signed_prekeys_message(
    spk: &WithId<X25519PublicKey>,
    kem: &WithId<KemPublicKey>,
) -> Vec<u8> {
    let mut w = Writer::with_capacity(1 + 4 + X25519_LEN + 4 + KEM_PUBLIC_KEY_LEN);
    w.u8(labels::SUITE);
    w.u32(spk.id);
    w.bytes(spk.key.as_bytes());
    w.u32(kem.id);
    w.bytes(kem.key.as_bytes());
    w.into_vec()
}

/// A decoded bundle whose signatures have not been checked.
#[derive(Debug)]
pub struct PrekeyBundle {
    identity: UnverifiedIdentity,
    signed_prekey: WithId<X25519PublicKey>,
    last_resort_kem: WithId<KemPublicKey>,
    signature: Signature,
    one_time: OneTimeKeys,
    one_time_signature: Option<Signature>,
}

impl PrekeyBundle {
    /// Parses a bundle strictly. Every ML-KEM key is validated (FIPS 203, section 7.2) here.
    ///
    /// # Errors
    /// A [`DecodeError`] naming the first problem found.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() > BUNDLE_MAX_LEN {
            return Err(DecodeError::TooLarge {
                len: bytes.len(),
                max: BUNDLE_MAX_LEN,
            });
        }
        let mut r = Reader::new(bytes);
        r.header(object::BUNDLE)?;
        let identity = PublicIdentity::decode_body(&mut r)?;
        let signed_prekey = WithId {
            id: r.u32()?,
            key: X25519PublicKey::from_bytes(r.array()?),
        };
        let last_resort_kem = WithId {
            id: r.u32()?,
            key: KemPublicKey::from_bytes(&r.array()?)?,
        };
        let signature = Signature::from_bytes(&r.array()?);
        let flags = r.flags(FLAG_ONE_TIME | FLAG_ONE_TIME_KEM, "bundle flags")?;
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
        let one_time = OneTimeKeys { prekey, kem };
        let one_time_signature = if one_time.is_empty() {
            None
        } else {
            Some(Signature::from_bytes(&r.array()?))
        };
        r.finish()?;
        Ok(Self {
            identity,
            signed_prekey,
            last_resort_kem,
            signature,
            one_time,
            one_time_signature,
        })
    }

    /// Checks the identity binding, the signed-prekey signature and the one-time prekey
    /// signature (if the bundle has one-time prekeys), all under the bundle's ML-DSA identity
    /// key. Every byte of a bundle is covered by one of these three signatures.
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
    /// is reused (two ML-DSA verifications instead of three, and no key expansion); a newly
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
        let key = match cache.as_deref().and_then(|c| c.find(&self.identity)) {
            Some((identity, key)) => IdentityKey::Cached(identity, key),
            None => {
                let (identity, key) = self.identity.verified_with_key(trace)?;
                IdentityKey::Fresh(identity, key)
            }
        };
        let (identity, verifier) = key.parts();
        let identity = identity.clone();
        let check = |ctx: &[u8], message: &[u8], sig: &Signature, which, trace: &mut T| {
            if verifier.verify(ctx, message, sig, trace) {
                Ok(())
            } else {
                Err(VerifyError::BadSignature { which })
            }
        };
        check(
            labels::SIG_CTX_SIGNED_PREKEYS,
            &signed_prekeys_message(&self.signed_prekey, &self.last_resort_kem),
            &self.signature,
            SignatureKind::SignedPrekeys,
            trace,
        )?;
        if let Some(sig) = &self.one_time_signature {
            check(
                labels::SIG_CTX_ONE_TIME,
                &one_time_message(&self.one_time),
                sig,
                SignatureKind::OneTimePrekeys,
                trace,
            )?;
        }
        if let IdentityKey::Fresh(identity, key) = key
            && let Some(cache) = cache
        {
            cache.insert(identity, key);
        }
        Ok(VerifiedBundle {
            identity,
            signed_prekey: self.signed_prekey,
            last_resort_kem: self.last_resort_kem,
            one_time_prekey: self.one_time.prekey,
            one_time_kem: self.one_time.kem,
        })
    }
}

/// The bundle owner's verified identity and expanded ML-DSA key: from the caller's cache, or
/// just verified.
enum IdentityKey<'a> {
    Cached(&'a PublicIdentity, &'a SigVerifier),
    Fresh(PublicIdentity, SigVerifier),
}

impl IdentityKey<'_> {
    fn parts(&self) -> (&PublicIdentity, &SigVerifier) {
        match self {
            IdentityKey::Cached(identity, key) => (identity, key),
            IdentityKey::Fresh(identity, key) => (identity, key),
        }
    }
}

/// A bundle whose every signature verified. Only [`PrekeyBundle::verify`] makes one.
#[derive(Clone, Debug)]
pub struct VerifiedBundle {
    pub(crate) identity: PublicIdentity,
    pub(crate) signed_prekey: WithId<X25519PublicKey>,
    pub(crate) last_resort_kem: WithId<KemPublicKey>,
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

/// Writes a bundle. Used by the prekey store, which holds the secrets.
pub(crate) fn encode(
    identity: &PublicIdentity,
    signed_prekey: &WithId<X25519PublicKey>,
    last_resort_kem: &WithId<KemPublicKey>,
    signature: &Signature,
    one_time: &OneTimeKeys,
    one_time_signature: Option<&Signature>,
) -> Vec<u8> {
    let mut w = Writer::with_capacity(BUNDLE_MAX_LEN);
    w.header(object::BUNDLE);
    identity.encode_body(&mut w);
    w.u32(signed_prekey.id);
    w.bytes(signed_prekey.key.as_bytes());
    w.u32(last_resort_kem.id);
    w.bytes(last_resort_kem.key.as_bytes());
    w.bytes(signature.as_bytes());
    one_time.encode(&mut w);
    if let Some(sig) = one_time_signature {
        w.bytes(sig.as_bytes());
    }
    w.into_vec()
}
