//! The PQXDH-style handshake: key agreement from a verified bundle (initiator) and from an
//! initial message against the prekey store (responder).
//!
//! Spec: `docs/PROTOCOL.md`, section 5.4 ("Key agreement") and 5.5 ("Initial message").
//!
//! ```text
//! DH1 = DH(IK_A, SPK_B)   DH2 = DH(EK_A, IK_B)   DH3 = DH(EK_A, SPK_B)   [DH4 = DH(EK_A, OPK_B)]
//! (CT, SS) = ML-KEM-768.Encaps(PQPK_B)
//! TH  = SHA-256(transcript: protocol, version, suite, IK_A, IK_B, SPK_B, [OPK_B], PQPK_B, EK_A, CT)
//! PRK = HKDF-Extract(TH, DH1 || DH2 || DH3 || [DH4] || SS)
//! RK, CK, SAS = HKDF-Expand(PRK, label) for each label
//! ```
//!
//! Each side computes the same [`KeyAgreement`] through [`agree`]; only the source of the
//! secrets differs. The initiator signs nothing.

use alloc::vec::Vec;

use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

use crate::bundle::{VerifiedBundle, WithId};
use crate::error::{AcceptError, DecodeError, InitiateError};
use crate::identity::{IdentityKeyPair, PublicIdentity, UnverifiedIdentity};
use crate::kdf::{self, HandshakeSecrets, Transcript};
use crate::keys::{
    KEM_CIPHERTEXT_LEN, KemCiphertext, KemPublicKey, Secret32, X25519PublicKey, X25519SecretKey,
    random_bytes,
};
use crate::labels::{kem_prekey, object, transcript as tag};
use crate::prekeys::{PrekeyStore, ReplayTag};
use crate::trace::{Trace, TraceEvent};
use crate::wire::{Reader, Writer};

/// Flag bit in the initial message: a one-time X25519 prekey was used.
const FLAG_ONE_TIME: u8 = 0x01;

/// Which KEM prekey the initiator encapsulated to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KemPrekeyRef {
    LastResort(u32),
    OneTime(u32),
}

/// The handshake fields of an initial message (everything before the embedded ratchet
/// message).
#[derive(Debug)]
pub(crate) struct InitialFields {
    pub(crate) initiator: PublicIdentity,
    pub(crate) signed_prekey_id: u32,
    pub(crate) kem_prekey: KemPrekeyRef,
    pub(crate) one_time_prekey_id: Option<u32>,
    pub(crate) ephemeral: X25519PublicKey,
    pub(crate) ciphertext: KemCiphertext,
}

/// A decoded initial message: the handshake fields, their exact bytes, and the embedded
/// ratchet message.
#[derive(Debug)]
pub(crate) struct InitialMessage<'a> {
    pub(crate) prefix: &'a [u8],
    pub(crate) fields: UnverifiedFields,
    pub(crate) ratchet_message: &'a [u8],
}

/// Handshake fields whose initiator identity is not verified yet.
#[derive(Debug)]
pub(crate) struct UnverifiedFields {
    initiator: UnverifiedIdentity,
    signed_prekey_id: u32,
    kem_prekey: KemPrekeyRef,
    one_time_prekey_id: Option<u32>,
    ephemeral: X25519PublicKey,
    ciphertext: KemCiphertext,
}

impl UnverifiedFields {
    /// The prekey ids the message names (public, unverified).
    pub(crate) fn prekey_ids(&self) -> (u32, Option<u32>, KemPrekeyRef) {
        (
            self.signed_prekey_id,
            self.one_time_prekey_id,
            self.kem_prekey,
        )
    }

    /// The replay-cache entry of this handshake: signed prekey id and the first 16 bytes of
    /// `SHA-256(EK || CT)`.
    fn replay_tag(&self) -> ReplayTag {
        let digest = kdf::sha256(&[self.ephemeral.as_bytes(), self.ciphertext.as_bytes()]);
        PrekeyStore::replay_tag(self.signed_prekey_id, &digest)
    }

    fn verified(self) -> Result<InitialFields, AcceptError> {
        let initiator = self
            .initiator
            .verified()
            .map_err(|_| AcceptError::BadSignature)?;
        Ok(InitialFields {
            initiator,
            signed_prekey_id: self.signed_prekey_id,
            kem_prekey: self.kem_prekey,
            one_time_prekey_id: self.one_time_prekey_id,
            ephemeral: self.ephemeral,
            ciphertext: self.ciphertext,
        })
    }
}

impl<'a> InitialMessage<'a> {
    /// Parses `header || identity || spk_id || kem kind || kem id || flags || [opk id] ||
    /// EK || CT || ratchet message`.
    pub(crate) fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        r.header(object::INITIAL_MESSAGE)?;
        let initiator = PublicIdentity::decode_body(&mut r)?;
        let signed_prekey_id = r.u32()?;
        let kem_prekey = match r.u8()? {
            kem_prekey::LAST_RESORT => KemPrekeyRef::LastResort(r.u32()?),
            kem_prekey::ONE_TIME => KemPrekeyRef::OneTime(r.u32()?),
            _ => {
                return Err(DecodeError::InvalidField {
                    field: "KEM prekey kind",
                });
            }
        };
        let flags = r.flags(FLAG_ONE_TIME, "initial message flags")?;
        let one_time_prekey_id = if flags & FLAG_ONE_TIME != 0 {
            Some(r.u32()?)
        } else {
            None
        };
        let ephemeral = X25519PublicKey::from_bytes(r.array()?);
        let ciphertext = KemCiphertext::from_bytes(&r.array::<KEM_CIPHERTEXT_LEN>()?);
        let prefix_len = bytes.len().saturating_sub(r.remaining());
        let prefix = bytes.get(..prefix_len).ok_or(DecodeError::Truncated)?;
        let ratchet_message = r.rest();
        Ok(Self {
            prefix,
            fields: UnverifiedFields {
                initiator,
                signed_prekey_id,
                kem_prekey,
                one_time_prekey_id,
                ephemeral,
                ciphertext,
            },
            ratchet_message,
        })
    }
}

/// Writes the handshake prefix of an initial message.
fn encode_prefix(fields: &InitialFields) -> Vec<u8> {
    let mut w = Writer::with_capacity(crate::identity::IDENTITY_LEN + 1200);
    w.header(object::INITIAL_MESSAGE);
    fields.initiator.encode_body(&mut w);
    w.u32(fields.signed_prekey_id);
    match fields.kem_prekey {
        KemPrekeyRef::LastResort(id) => {
            w.u8(kem_prekey::LAST_RESORT);
            w.u32(id);
        }
        KemPrekeyRef::OneTime(id) => {
            w.u8(kem_prekey::ONE_TIME);
            w.u32(id);
        }
    }
    match fields.one_time_prekey_id {
        Some(id) => {
            w.u8(FLAG_ONE_TIME);
            w.u32(id);
        }
        None => w.u8(0),
    }
    w.bytes(fields.ephemeral.as_bytes());
    w.bytes(fields.ciphertext.as_bytes());
    w.into_vec()
}

/// The public values both sides bind into the transcript.
struct TranscriptInputs<'a> {
    initiator: &'a PublicIdentity,
    responder: &'a PublicIdentity,
    signed_prekey: WithId<X25519PublicKey>,
    one_time_prekey: Option<WithId<X25519PublicKey>>,
    kem_prekey: (KemPrekeyRef, &'a KemPublicKey),
    ephemeral: X25519PublicKey,
    ciphertext: &'a KemCiphertext,
}

fn transcript_hash(t: &TranscriptInputs<'_>) -> ([u8; 32], Vec<u8>) {
    let mut h = Transcript::new();
    h.item(tag::INITIATOR_IDENTITY, &t.initiator.transcript_parts());
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
        KemPrekeyRef::LastResort(id) => (tag::LAST_RESORT_KEM_PREKEY, id),
        KemPrekeyRef::OneTime(id) => (tag::ONE_TIME_KEM_PREKEY, id),
    };
    h.item(kem_tag, &[&kem_id.to_be_bytes(), kem_key.as_bytes()]);
    h.item(tag::EPHEMERAL, &[t.ephemeral.as_bytes()]);
    h.item(tag::KEM_CIPHERTEXT, &[t.ciphertext.as_bytes()]);
    h.finish()
}

/// The result of the key agreement, identical on both sides.
pub(crate) struct KeyAgreement {
    pub(crate) transcript_hash: [u8; 32],
    pub(crate) secrets: HandshakeSecrets,
}

/// Combines the DH outputs and the KEM secret under the transcript hash.
fn agree(
    inputs: &TranscriptInputs<'_>,
    dh: &[&Secret32],
    kem_secret: &Secret32,
    trace: &mut Trace,
) -> KeyAgreement {
    let (transcript_hash, transcript) = transcript_hash(inputs);
    let mut ikm = Zeroizing::new(Vec::with_capacity(32 * 5));
    for d in dh {
        ikm.extend_from_slice(d.as_bytes());
    }
    ikm.extend_from_slice(kem_secret.as_bytes());
    let secrets = kdf::handshake(&transcript_hash, &ikm);
    trace.record(|| TraceEvent::Handshake {
        dh: dh.iter().map(|d| *d.as_bytes()).collect(),
        kem_secret: *kem_secret.as_bytes(),
        transcript_hash,
        transcript: transcript.clone(),
        ikm: ikm.to_vec(),
        root_key: *secrets.root_key.as_bytes(),
        chain_key: *secrets.chain_key.as_bytes(),
        sas: secrets.sas,
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
/// encapsulation.
pub(crate) fn initiate<R: TryCryptoRng + ?Sized>(
    rng: &mut R,
    identity: &IdentityKeyPair,
    bundle: &VerifiedBundle,
    trace: &mut Trace,
) -> Result<Initiated, InitiateError> {
    let ephemeral = X25519SecretKey::generate(rng)?;
    let (kem_ref, kem_key) = match &bundle.one_time_kem {
        Some(k) => (KemPrekeyRef::OneTime(k.id), &k.key),
        None => (
            KemPrekeyRef::LastResort(bundle.last_resort_kem.id),
            &bundle.last_resort_kem.key,
        ),
    };
    let dh1 = identity
        .dh_secret()
        .diffie_hellman(&bundle.signed_prekey.key)?;
    let dh2 = ephemeral.diffie_hellman(bundle.identity.dh_key())?;
    let dh3 = ephemeral.diffie_hellman(&bundle.signed_prekey.key)?;
    let dh4 = match &bundle.one_time_prekey {
        Some(k) => Some(ephemeral.diffie_hellman(&k.key)?),
        None => None,
    };
    let m = random_bytes::<32, R>(rng)?;
    let (ciphertext, kem_secret) = kem_key.encapsulate_with(&m);
    trace.record(|| TraceEvent::InitiatorRandomness {
        ephemeral_secret: *ephemeral.to_bytes(),
        kem_randomness: *m,
    });

    let fields = InitialFields {
        initiator: identity.public().clone(),
        signed_prekey_id: bundle.signed_prekey.id,
        kem_prekey: kem_ref,
        one_time_prekey_id: bundle.one_time_prekey.as_ref().map(|k| k.id),
        ephemeral: ephemeral.public_key(),
        ciphertext,
    };
    let inputs = TranscriptInputs {
        initiator: identity.public(),
        responder: &bundle.identity,
        signed_prekey: bundle.signed_prekey.clone(),
        one_time_prekey: bundle.one_time_prekey.clone(),
        kem_prekey: (kem_ref, kem_key),
        ephemeral: fields.ephemeral,
        ciphertext: &fields.ciphertext,
    };
    let mut dh = alloc::vec![&dh1, &dh2, &dh3];
    if let Some(d) = &dh4 {
        dh.push(d);
    }
    let agreement = agree(&inputs, &dh, &kem_secret, trace);
    Ok(Initiated {
        agreement,
        prefix: encode_prefix(&fields),
    })
}

/// What the responder learns from a valid initial message, before the first ratchet message
/// is authenticated. Nothing in the store has changed yet.
pub(crate) struct Responded {
    pub(crate) agreement: KeyAgreement,
    pub(crate) initiator: PublicIdentity,
    pub(crate) one_time_prekey_id: Option<u32>,
    pub(crate) one_time_kem_id: Option<u32>,
    pub(crate) replay_tag: ReplayTag,
}

/// Responder side: refuse replays, verify the initiator's identity, find the prekeys, and
/// compute the same key agreement. Does not modify the store.
pub(crate) fn respond(
    identity: &IdentityKeyPair,
    store: &PrekeyStore,
    fields: UnverifiedFields,
    trace: &mut Trace,
) -> Result<Responded, AcceptError> {
    store.owned_by(identity)?;
    let replay_tag = fields.replay_tag();
    if store.seen(&replay_tag) {
        return Err(AcceptError::Replay);
    }
    let fields = fields.verified()?;
    let spk = store.signed_prekey(fields.signed_prekey_id)?;
    let one_time = match fields.one_time_prekey_id {
        Some(id) => Some(store.one_time_prekey(id)?),
        None => None,
    };
    let one_time_kem;
    let (kem_secret_key, one_time_kem_id) = match fields.kem_prekey {
        KemPrekeyRef::LastResort(id) => (store.last_resort_kem(id)?, None),
        KemPrekeyRef::OneTime(id) => {
            one_time_kem = store.one_time_kem(id)?;
            (&one_time_kem, Some(id))
        }
    };

    let dh1 = spk.diffie_hellman(fields.initiator.dh_key())?;
    let dh2 = identity.dh_secret().diffie_hellman(&fields.ephemeral)?;
    let dh3 = spk.diffie_hellman(&fields.ephemeral)?;
    let dh4 = match one_time {
        Some(k) => Some(k.diffie_hellman(&fields.ephemeral)?),
        None => None,
    };
    let kem_secret = kem_secret_key.decapsulate(&fields.ciphertext);

    let inputs = TranscriptInputs {
        initiator: &fields.initiator,
        responder: identity.public(),
        signed_prekey: WithId {
            id: fields.signed_prekey_id,
            key: spk.public_key(),
        },
        one_time_prekey: match (fields.one_time_prekey_id, one_time) {
            (Some(id), Some(k)) => Some(WithId {
                id,
                key: k.public_key(),
            }),
            _ => None,
        },
        kem_prekey: (fields.kem_prekey, kem_secret_key.public_key()),
        ephemeral: fields.ephemeral,
        ciphertext: &fields.ciphertext,
    };
    let mut dh = alloc::vec![&dh1, &dh2, &dh3];
    if let Some(d) = &dh4 {
        dh.push(d);
    }
    let agreement = agree(&inputs, &dh, &kem_secret, trace);
    Ok(Responded {
        agreement,
        initiator: fields.initiator,
        one_time_prekey_id: fields.one_time_prekey_id,
        one_time_kem_id,
        replay_tag,
    })
}
