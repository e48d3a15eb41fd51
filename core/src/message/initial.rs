//! The initial message format: the handshake fields followed by the first ratchet message.
//!
//! Spec: `docs/PROTOCOL.md`, section 5.5:
//!
//! ```text
//! 0x02 || 0x03 || suite || flags
//! || compact: IK_A (32) || fingerprint_A (32)  |  self-contained: identity body of A (5,293)
//! || spk id (u32) || KEM prekey id (u32) || [opk id (u32)] || EK (32) || CT (1,088)
//! || ratchet message
//! ```

use alloc::vec::Vec;

use crate::error::DecodeError;
use crate::identity::{IDENTITY_BODY_LEN, PublicIdentity, UnverifiedIdentity};
use crate::keys::{KEM_CIPHERTEXT_LEN, KemCiphertext, X25519PublicKey};
use crate::labels::object;
use crate::wire::{Reader, Writer};

/// Flag bit: a one-time X25519 prekey was used (its id follows the KEM prekey id).
const FLAG_ONE_TIME: u8 = 0x01;
/// Flag bit: the ML-KEM prekey named is a one-time prekey (else the last-resort prekey).
const FLAG_ONE_TIME_KEM: u8 = 0x02;
/// Flag bit: the initiator's whole identity body travels in the message (self-contained
/// form); without it the message carries her X25519 key and fingerprint only (compact form).
const FLAG_SELF_CONTAINED: u8 = 0x04;

/// Which KEM prekey an initial message names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KemPrekeyUsed {
    /// The last-resort ML-KEM prekey with this id.
    LastResort(u32),
    /// The one-time ML-KEM prekey with this id.
    OneTime(u32),
}

/// How an initial message names its initiator. `I` is her identity in the self-contained
/// form: a [`PublicIdentity`] when she writes it, an [`UnverifiedIdentity`] when it is decoded.
#[derive(Debug)]
pub(crate) enum Initiator<I> {
    /// Her X25519 identity key and the fingerprint of her whole identity.
    Compact {
        dh: X25519PublicKey,
        fingerprint: [u8; 32],
    },
    /// Her whole identity body.
    SelfContained(I),
}

/// The handshake fields of an initial message.
#[derive(Debug)]
pub(crate) struct Fields<I> {
    pub(crate) initiator: Initiator<I>,
    pub(crate) signed_prekey_id: u32,
    pub(crate) kem_prekey: KemPrekeyUsed,
    pub(crate) one_time_prekey_id: Option<u32>,
    pub(crate) ephemeral: X25519PublicKey,
    pub(crate) ciphertext: KemCiphertext,
}

/// The fields as the initiator writes them.
pub(crate) type InitialFields = Fields<PublicIdentity>;
/// The fields as the responder decodes them.
pub(crate) type UnverifiedFields = Fields<UnverifiedIdentity>;

impl UnverifiedFields {
    /// The initiator's X25519 identity key and fingerprint, as the message states them
    /// (computed from the body in the self-contained form).
    pub(crate) fn initiator_key(&self) -> (X25519PublicKey, [u8; 32]) {
        match &self.initiator {
            Initiator::Compact { dh, fingerprint } => (*dh, *fingerprint),
            Initiator::SelfContained(id) => {
                let id = id.unchecked();
                (*id.dh_key(), id.fingerprint())
            }
        }
    }
}

/// A decoded initial message: the handshake fields, their exact bytes, and the embedded
/// ratchet message.
#[derive(Debug)]
pub(crate) struct InitialMessage<'a> {
    pub(crate) prefix: &'a [u8],
    pub(crate) fields: UnverifiedFields,
    pub(crate) ratchet_message: &'a [u8],
}

impl<'a> InitialMessage<'a> {
    pub(crate) fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        r.header(object::INITIAL_MESSAGE)?;
        let flags = r.flags(
            FLAG_ONE_TIME | FLAG_ONE_TIME_KEM | FLAG_SELF_CONTAINED,
            "initial message flags",
        )?;
        let initiator = if flags & FLAG_SELF_CONTAINED != 0 {
            Initiator::SelfContained(PublicIdentity::decode_body(&mut r)?)
        } else {
            Initiator::Compact {
                dh: X25519PublicKey::from_bytes(r.array()?),
                fingerprint: r.array()?,
            }
        };
        let signed_prekey_id = r.u32()?;
        let kem_id = r.u32()?;
        let kem_prekey = if flags & FLAG_ONE_TIME_KEM != 0 {
            KemPrekeyUsed::OneTime(kem_id)
        } else {
            KemPrekeyUsed::LastResort(kem_id)
        };
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
            fields: Fields {
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
pub(crate) fn encode_prefix(fields: &InitialFields) -> Vec<u8> {
    let mut w = Writer::with_capacity(IDENTITY_BODY_LEN.saturating_add(1200));
    w.header(object::INITIAL_MESSAGE);
    let mut flags = 0;
    if fields.one_time_prekey_id.is_some() {
        flags |= FLAG_ONE_TIME;
    }
    let kem_id = match fields.kem_prekey {
        KemPrekeyUsed::LastResort(id) => id,
        KemPrekeyUsed::OneTime(id) => {
            flags |= FLAG_ONE_TIME_KEM;
            id
        }
    };
    match &fields.initiator {
        Initiator::Compact { dh, fingerprint } => {
            w.u8(flags);
            w.bytes(dh.as_bytes());
            w.bytes(fingerprint);
        }
        Initiator::SelfContained(id) => {
            w.u8(flags | FLAG_SELF_CONTAINED);
            id.encode_body(&mut w);
        }
    }
    w.u32(fields.signed_prekey_id);
    w.u32(kem_id);
    if let Some(id) = fields.one_time_prekey_id {
        w.u32(id);
    }
    w.bytes(fields.ephemeral.as_bytes());
    w.bytes(fields.ciphertext.as_bytes());
    w.into_vec()
}
