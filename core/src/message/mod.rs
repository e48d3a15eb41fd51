//! The message formats (initial and ratchet messages) and what anyone can read from them.
//!
//! Spec: `docs/PROTOCOL.md`, sections 3.4 ("Message classification"), 5.5 and 6.1. The
//! decoders here are strict and know no key: [`message_kind`] and [`describe_message`] are
//! what a server, a router or a UI may inspect. Nothing they return is secret or
//! authenticated.

pub(crate) mod initial;
pub(crate) mod ratchet;

pub use initial::KemPrekeyUsed;

use crate::consts::MAX_HANDSHAKE_PREFIX_LEN;
use crate::error::DecodeError;
use crate::keys::X25519PublicKey;
use crate::labels::object;
use crate::wire::Reader;

use initial::InitialMessage;
use ratchet::MessageView;
pub use ratchet::PqChunkKind;

/// Largest message of either kind: a ratchet message after the largest handshake prefix.
pub const MAX_INITIAL_MESSAGE_LEN: usize = ratchet::MAX_MESSAGE_LEN + MAX_HANDSHAKE_PREFIX_LEN;

/// What kind of message some bytes are (see [`message_kind`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    /// An initial message: give it to `Session::accept` if no session with its sender
    /// exists yet, otherwise to that session's `Session::decrypt`.
    Initial,
    /// A ratchet message for an existing session.
    Ratchet,
}

/// Reads only the three header bytes to tell an initial message from a ratchet message.
///
/// # Errors
/// A [`DecodeError`] if the bytes are neither.
pub fn message_kind(bytes: &[u8]) -> Result<MessageKind, DecodeError> {
    // The type byte decides which object the header check expects (both are wire version 2).
    let (kind, object_type) = match bytes.get(1) {
        Some(&object::INITIAL_MESSAGE) => (MessageKind::Initial, object::INITIAL_MESSAGE),
        _ => (MessageKind::Ratchet, object::MESSAGE),
    };
    Reader::new(bytes).header(object_type)?;
    Ok(kind)
}

/// The handshake fields of an initial message, as a server sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HandshakeDescription {
    /// The initiator's X25519 identity key, as the message states it.
    pub initiator_key: X25519PublicKey,
    /// The fingerprint of the initiator's identity, as the message states it: what the
    /// responder looks up in its directory before `accept` (unauthenticated until then).
    pub initiator_fingerprint: [u8; 32],
    /// The message carries the initiator's whole identity (self-contained form).
    pub self_contained: bool,
    /// Id of the signed prekey used.
    pub signed_prekey_id: u32,
    /// Id of the one-time X25519 prekey used, if any.
    pub one_time_prekey_id: Option<u32>,
    /// The ML-KEM prekey used.
    pub kem_prekey: KemPrekeyUsed,
}

/// What anyone who sees a message can read from it (nothing here is secret or
/// authenticated): for servers, diagnostics and UIs. See [`describe_message`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MessageDescription {
    /// Initial or ratchet message.
    pub kind: MessageKind,
    /// The handshake fields, for an initial message.
    pub handshake: Option<HandshakeDescription>,
    /// The sender's ratchet public key (one per sending chain).
    pub ratchet_key: X25519PublicKey,
    /// The message's index in its chain.
    pub index: u32,
    /// The length of the sender's previous chain.
    pub previous_chain_len: u32,
    /// The PQ chunk the message carries, if any.
    pub pq_chunk: Option<PqChunkDescription>,
    /// The message's chain mixed a PQ epoch secret (`MIX`).
    pub pq_mix: bool,
    /// Length of the SIV body (plaintext length + 16).
    pub ciphertext_len: usize,
}

/// The public fields of a PQ chunk (its 34 bytes are not described).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PqChunkDescription {
    /// The object it belongs to.
    pub kind: PqChunkKind,
    /// The object's epoch.
    pub epoch: u32,
    /// The chunk's index.
    pub index: u16,
}

/// Decodes the public parts of a message strictly, without any key.
///
/// # Errors
/// A [`DecodeError`] for anything that is not a well-formed message.
pub fn describe_message(bytes: &[u8]) -> Result<MessageDescription, DecodeError> {
    let kind = message_kind(bytes)?;
    let (handshake, inner) = match kind {
        MessageKind::Ratchet => (None, bytes),
        MessageKind::Initial => {
            let initial = InitialMessage::decode(bytes)?;
            let f = &initial.fields;
            let (initiator_key, initiator_fingerprint) = f.initiator_key();
            let h = HandshakeDescription {
                initiator_key,
                initiator_fingerprint,
                self_contained: matches!(f.initiator, initial::Initiator::SelfContained(_)),
                signed_prekey_id: f.signed_prekey_id,
                one_time_prekey_id: f.one_time_prekey_id,
                kem_prekey: f.kem_prekey,
            };
            (Some(h), initial.ratchet_message)
        }
    };
    let view = MessageView::decode(inner)?;
    let h = &view.header;
    Ok(MessageDescription {
        kind,
        handshake,
        ratchet_key: h.ratchet_key,
        index: h.index,
        previous_chain_len: h.previous_chain_len,
        pq_chunk: h.chunk.as_ref().map(|c| PqChunkDescription {
            kind: c.kind,
            epoch: c.epoch,
            index: c.index,
        }),
        pq_mix: h.mix,
        ciphertext_len: view.ciphertext.len(),
    })
}
