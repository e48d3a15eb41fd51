//! The initial message format: the handshake fields followed by the first ratchet message.
//!
//! Spec: `docs/PROTOCOL.md`, section 5.5:
//!
//! ```text
//! version || 0x03 || suite || initiator identity body || spk id (u32)
//! || KEM prekey kind (u8) || KEM prekey id (u32) || flags || [opk id (u32)]
//! || EK (32) || KEM ciphertext (1088) || ratchet message
//! ```

use alloc::vec::Vec;

use crate::error::DecodeError;
use crate::identity::{IDENTITY_LEN, PublicIdentity, UnverifiedIdentity};
use crate::keys::{KEM_CIPHERTEXT_LEN, KemCiphertext, X25519PublicKey};
use crate::labels::{kem_prekey, object};
use crate::wire::{Reader, Writer};

/// Flag bit in the initial message: a one-time X25519 prekey was used.
const FLAG_ONE_TIME: u8 = 0x01;

/// Which KEM prekey an initial message names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KemPrekeyUsed {
    /// The last-resort ML-KEM prekey with this id.
    LastResort(u32),
    /// The one-time ML-KEM prekey with this id.
    OneTime(u32),
}

/// The handshake fields of an initial message. `I` is the initiator's identity: a
/// [`PublicIdentity`] when the initiator writes them, an [`UnverifiedIdentity`] when they are
/// decoded (its binding is checked only once the first message authenticated).
#[derive(Debug)]
pub(crate) struct Fields<I> {
    pub(crate) initiator: I,
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
        let initiator = PublicIdentity::decode_body(&mut r)?;
        let signed_prekey_id = r.u32()?;
        let kem_prekey = match r.u8()? {
            kem_prekey::LAST_RESORT => KemPrekeyUsed::LastResort(r.u32()?),
            kem_prekey::ONE_TIME => KemPrekeyUsed::OneTime(r.u32()?),
            _ => {
                return Err(DecodeError::InvalidEncoding {
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
    let mut w = Writer::with_capacity(IDENTITY_LEN.saturating_add(1200));
    w.header(object::INITIAL_MESSAGE);
    fields.initiator.encode_body(&mut w);
    w.u32(fields.signed_prekey_id);
    match fields.kem_prekey {
        KemPrekeyUsed::LastResort(id) => {
            w.u8(kem_prekey::LAST_RESORT);
            w.u32(id);
        }
        KemPrekeyUsed::OneTime(id) => {
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
