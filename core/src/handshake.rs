//! The PQXDH-style handshake: key agreement from a verified bundle (initiator) and from an
//! initial message against the prekey store (responder).
//!
//! Spec: `docs/PROTOCOL.md`, section 5.4 ("Key agreement and key derivation").
//!
//! ```text
//! DH1 = DH(IK_A, SPK_B)   DH2 = DH(EK_A, IK_B)   DH3 = DH(EK_A, SPK_B)   [DH4 = DH(EK_A, OPK_B)]
//! (CT, SS) = ML-KEM-768.Encaps(PQPK_B)
//! TH  = SHA-256(transcript: protocol, version, suite, IK_A || fingerprint_A, [binding_A],
//!                identity B, SPK_B, [OPK_B], PQPK_B, EK_A, CT)
//! PRK = HKDF-Extract(TH, DH1 || DH2 || DH3 || [DH4] || SS)
//! RK, CK, SAS = HKDF-Expand(PRK, label) for each label
//! ```
//!
//! Each side computes the same [`KeyAgreement`] through [`agree`]; only the source of the
//! secrets differs. The initiator signs nothing. The responder's side only *stages* the
//! changes to its prekey store: they are applied by `PrekeyStore::commit_accept` once the
//! first message authenticated.

use alloc::vec::Vec;

use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

use crate::bundle::{VerifiedBundle, WithId};
use crate::error::{AcceptError, InitiateError};
use crate::identity::{IdentityKeyPair, PublicIdentity, UnverifiedIdentity};
use crate::kdf::{self, Transcript};
use crate::keys::{
    DhOutput, HandshakeEphemeral, KemCiphertext, KemPublicKey, KemSharedSecret, Signature,
    X25519PublicKey, random_bytes,
};
use crate::labels::{self, transcript as tag};
use crate::message::initial::{
    InitialFields, Initiator, KemPrekeyUsed, UnverifiedFields, encode_prefix,
};
use crate::prekeys::{PrekeyStore, ReplayTag, StagedAccept};
use crate::ratchet::chain_key::ChainKey;
use crate::ratchet::root_key::RootKey;
use crate::trace::{TraceEvent, TraceSink};

/// Output of the handshake KDF: the first root key, the initiator's first chain key, and the
/// eight SAS bytes.
pub(crate) struct HandshakeSecrets {
    pub(crate) root_key: RootKey,
    pub(crate) chain_key: ChainKey,
    pub(crate) sas: Zeroizing<[u8; 8]>,
}

/// The result of the key agreement, identical on both sides.
pub(crate) struct KeyAgreement {
    pub(crate) transcript_hash: [u8; 32],
    pub(crate) secrets: HandshakeSecrets,
}

impl KeyAgreement {
    /// `(TH, first root key, first chain key, SAS bytes)`, moved out for the session.
    pub(crate) fn into_parts(self) -> ([u8; 32], RootKey, ChainKey, Zeroizing<[u8; 8]>) {
        let HandshakeSecrets {
            root_key,
            chain_key,
            sas,
        } = self.secrets;
        (self.transcript_hash, root_key, chain_key, sas)
    }
}

/// The public values both sides bind into the transcript.
struct TranscriptInputs<'a> {
    /// The initiator's X25519 identity key and fingerprint, as the initial message names them.
    initiator: (&'a X25519PublicKey, &'a [u8; 32]),
    /// Her binding signature, exactly when the initial message is self-contained.
    initiator_binding: Option<&'a Signature>,
    responder: &'a PublicIdentity,
    signed_prekey: WithId<X25519PublicKey>,
    one_time_prekey: Option<WithId<X25519PublicKey>>,
    kem_prekey: (KemPrekeyUsed, &'a KemPublicKey),
    ephemeral: X25519PublicKey,
    ciphertext: &'a KemCiphertext,
}

fn transcript_hash(t: &TranscriptInputs<'_>) -> ([u8; 32], Vec<u8>) {
    let mut h = Transcript::new();
    let (key, fingerprint) = t.initiator;
    h.item(tag::INITIATOR, &[key.as_bytes(), fingerprint]);
    if let Some(binding) = t.initiator_binding {
        h.item(tag::INITIATOR_BINDING, &[binding.as_bytes()]);
    }
    h.item(tag::RESPONDER_IDENTITY, &t.responder.transcript_parts());
    h.item(
        tag::SIGNED_PREKEY,
        &[
            &t.signed_prekey.id.to_be_bytes(),
            t.signed_prekey.key.as_bytes(),
        ],
    );
    if let Some(otk) = &t.one_time_prekey {
        h.item(
            tag::ONE_TIME_PREKEY,
            &[&otk.id.to_be_bytes(), otk.key.as_bytes()],
        );
    }
    let (kem_ref, kem_key) = t.kem_prekey;
    let (kem_tag, kem_id) = match kem_ref {
        KemPrekeyUsed::LastResort(id) => (tag::LAST_RESORT_KEM_PREKEY, id),
        KemPrekeyUsed::OneTime(id) => (tag::ONE_TIME_KEM_PREKEY, id),
    };
    h.item(kem_tag, &[&kem_id.to_be_bytes(), kem_key.as_bytes()]);
    h.item(tag::EPHEMERAL, &[t.ephemeral.as_bytes()]);
    h.item(tag::KEM_CIPHERTEXT, &[t.ciphertext.as_bytes()]);
    h.finish()
}

/// The DH outputs of a handshake, in transcript order.
struct DhOutputs {
    dh1: DhOutput,
    dh2: DhOutput,
    dh3: DhOutput,
    dh4: Option<DhOutput>,
}

impl DhOutputs {
    fn iter(&self) -> impl Iterator<Item = &DhOutput> {
        [&self.dh1, &self.dh2, &self.dh3]
            .into_iter()
            .chain(self.dh4.as_ref())
    }
}

/// Combines the DH outputs and the KEM secret under the transcript hash.
fn agree<T: TraceSink>(
    inputs: &TranscriptInputs<'_>,
    dh: &DhOutputs,
    kem_secret: &KemSharedSecret,
    trace: &mut T,
) -> KeyAgreement {
    let (transcript_hash, transcript) = transcript_hash(inputs);
    let mut ikm = Zeroizing::new(Vec::with_capacity(32 * 5));
    for d in dh.iter() {
        ikm.extend_from_slice(d.as_bytes());
    }
    ikm.extend_from_slice(kem_secret.as_bytes());
    let hk = kdf::extract(&transcript_hash, &ikm);
    let secrets = HandshakeSecrets {
        root_key: RootKey::take(&mut kdf::expand::<32>(&hk, &[labels::KDF_HANDSHAKE_ROOT])),
        chain_key: ChainKey::take(&mut kdf::expand::<32>(&hk, &[labels::KDF_HANDSHAKE_CHAIN])),
        sas: kdf::expand::<8>(&hk, &[labels::KDF_SAS]),
    };
    trace.record(|| TraceEvent::Handshake {
        dh: dh.iter().map(|d| *d.as_bytes()).collect(),
        kem_secret: *kem_secret.as_bytes(),
        transcript_hash,
        transcript: transcript.clone(),
        ikm: ikm.to_vec(),
        root_key: *secrets.root_key.as_bytes(),
        chain_key: *secrets.chain_key.as_bytes(),
        sas: *secrets.sas,
    });
    KeyAgreement {
        transcript_hash,
        secrets,
    }
}

/// What the initiator keeps after the handshake.
pub(crate) struct Initiated {
    pub(crate) agreement: KeyAgreement,
    pub(crate) prefix: Vec<u8>,
}

/// Initiator side: ephemeral key, four DH outputs (three without a one-time prekey), one
/// encapsulation. `self_contained` chooses the form of the initial message.
pub(crate) fn initiate<R: TryCryptoRng + ?Sized, T: TraceSink>(
    rng: &mut R,
    identity: &IdentityKeyPair,
    bundle: &VerifiedBundle,
    self_contained: bool,
    trace: &mut T,
) -> Result<Initiated, InitiateError> {
    let ephemeral = HandshakeEphemeral::generate(rng)?;
    let (kem_ref, kem_key) = match &bundle.one_time_kem {
        Some(k) => (KemPrekeyUsed::OneTime(k.id), &k.key),
        None => (
            KemPrekeyUsed::LastResort(bundle.last_resort_kem.id),
            &bundle.last_resort_kem.key,
        ),
    };
    let ephemeral_public = ephemeral.public_key();
    let dh1 = identity
        .dh_secret()
        .diffie_hellman(&bundle.signed_prekey.key)?;
    let m = random_bytes::<32, R>(rng)?;
    trace.record(|| TraceEvent::InitiatorRandomness {
        ephemeral_secret: *ephemeral.to_bytes(),
        kem_randomness: *m,
    });
    let e = ephemeral.agree(
        bundle.identity.dh_key(),
        &bundle.signed_prekey.key,
        bundle.one_time_prekey.as_ref().map(|k| &k.key),
    )?;
    let (ciphertext, kem_secret) = kem_key.encapsulate_with(&m);
    let own = identity.public();
    let fingerprint = own.fingerprint();
    let fields = InitialFields {
        initiator: if self_contained {
            Initiator::SelfContained(own.clone())
        } else {
            Initiator::Compact {
                dh: *own.dh_key(),
                fingerprint,
            }
        },
        signed_prekey_id: bundle.signed_prekey.id,
        kem_prekey: kem_ref,
        one_time_prekey_id: bundle.one_time_prekey.as_ref().map(|k| k.id),
        ephemeral: ephemeral_public,
        ciphertext,
    };
    let inputs = TranscriptInputs {
        initiator: (own.dh_key(), &fingerprint),
        initiator_binding: self_contained.then(|| own.binding()),
        responder: &bundle.identity,
        signed_prekey: bundle.signed_prekey.clone(),
        one_time_prekey: bundle.one_time_prekey.clone(),
        kem_prekey: (kem_ref, kem_key),
        ephemeral: fields.ephemeral,
        ciphertext: &fields.ciphertext,
    };
    let dh = DhOutputs {
        dh1,
        dh2: e.dh2,
        dh3: e.dh3,
        dh4: e.dh4,
    };
    let agreement = agree(&inputs, &dh, &kem_secret, trace);
    Ok(Initiated {
        agreement,
        prefix: encode_prefix(&fields),
    })
}

/// What the responder learns from an initial message before its first ratchet message is
/// authenticated: the key agreement, the initiator's identity (binding not yet checked) and
/// what the store will consume. Nothing has changed yet.
pub(crate) struct Responded {
    pub(crate) agreement: KeyAgreement,
    pub(crate) initiator: UnverifiedIdentity,
    pub(crate) staged: StagedAccept,
}

/// The replay-cache entry of a handshake: signed prekey id and the first 16 bytes of
/// `SHA-256(EK || CT)`.
fn replay_tag(fields: &UnverifiedFields) -> ReplayTag {
    let digest = kdf::sha256(&[fields.ephemeral.as_bytes(), fields.ciphertext.as_bytes()]);
    ReplayTag::new(fields.signed_prekey_id, &digest)
}

/// The initiator's identity for an initial message (5.5 step 5): the body a self-contained
/// message carries, or the one the caller supplies (its directory's answer) for a compact
/// message. Either way it must have the message's X25519 key and fingerprint; its binding is
/// not checked here (that waits until the first message authenticated).
fn resolve_initiator(
    named: Initiator<UnverifiedIdentity>,
    supplied: Option<&[u8]>,
) -> Result<UnverifiedIdentity, AcceptError> {
    // A malformed directory entry is the caller's identity not matching, not a malformed
    // message: the message may be perfectly good.
    let supplied = supplied
        .map(PublicIdentity::decode_unverified)
        .transpose()
        .map_err(|_| AcceptError::InitiatorMismatch)?;
    let matches = |id: &UnverifiedIdentity, key: &X25519PublicKey, fingerprint: &[u8; 32]| {
        id.unchecked().dh_key() == key && id.unchecked().fingerprint() == *fingerprint
    };
    match named {
        Initiator::SelfContained(body) => {
            let (key, fingerprint) = (*body.unchecked().dh_key(), body.unchecked().fingerprint());
            if supplied
                .as_ref()
                .is_some_and(|id| !matches(id, &key, &fingerprint))
            {
                return Err(AcceptError::InitiatorMismatch);
            }
            Ok(body)
        }
        Initiator::Compact { dh, fingerprint } => {
            let id = supplied.ok_or(AcceptError::IdentityRequired)?;
            if matches(&id, &dh, &fingerprint) {
                Ok(id)
            } else {
                Err(AcceptError::InitiatorMismatch)
            }
        }
    }
}

/// Responder side: find the initiator's identity, refuse replays, find the prekeys (cheap
/// lookups first), compute the same key agreement. No ML-DSA signature is checked here: the
/// initiator's identity binding is verified by `Session::accept` only once the first message
/// authenticated, so a forged initial message costs no signature verification. Does not
/// modify the store.
pub(crate) fn respond<T: TraceSink>(
    identity: &IdentityKeyPair,
    store: &PrekeyStore,
    fields: UnverifiedFields,
    supplied_initiator: Option<&[u8]>,
    trace: &mut T,
) -> Result<Responded, AcceptError> {
    store.owned_by(identity)?;
    let (key, fingerprint) = fields.initiator_key();
    let self_contained = matches!(fields.initiator, Initiator::SelfContained(_));
    let replay = replay_tag(&fields);
    let initiator = resolve_initiator(fields.initiator, supplied_initiator)?;
    if store.seen(&replay) {
        return Err(AcceptError::ReplayedHandshake);
    }
    let keys = store.lookup(
        fields.signed_prekey_id,
        fields.one_time_prekey_id,
        fields.kem_prekey,
    )?;
    let staged = store.stage_accept(fields.one_time_prekey_id, fields.kem_prekey, replay)?;
    let dh = DhOutputs {
        dh1: keys.signed_prekey.diffie_hellman(&key)?,
        dh2: identity.dh_secret().diffie_hellman(&fields.ephemeral)?,
        dh3: keys.signed_prekey.diffie_hellman(&fields.ephemeral)?,
        dh4: match keys.one_time_prekey {
            Some(k) => Some(k.diffie_hellman(&fields.ephemeral)?),
            None => None,
        },
    };
    let kem_secret = keys.kem_prekey.decapsulate(&fields.ciphertext);
    let inputs = TranscriptInputs {
        initiator: (&key, &fingerprint),
        initiator_binding: self_contained.then(|| initiator.unchecked().binding()),
        responder: identity.public(),
        signed_prekey: WithId {
            id: fields.signed_prekey_id,
            key: keys.signed_prekey.public_key(),
        },
        one_time_prekey: match (fields.one_time_prekey_id, keys.one_time_prekey) {
            (Some(id), Some(k)) => Some(WithId {
                id,
                key: k.public_key(),
            }),
            _ => None,
        },
        kem_prekey: (fields.kem_prekey, keys.kem_prekey.public_key()),
        ephemeral: fields.ephemeral,
        ciphertext: &fields.ciphertext,
    };
    let agreement = agree(&inputs, &dh, &kem_secret, trace);
    Ok(Responded {
        agreement,
        initiator,
        staged,
    })
}
