//! The ratchet message format: header and AEAD ciphertext.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.1 ("Message format").
//!
//! ```text
//! version || 0x04 || suite || flags
//! || ratchet key (32) || previous chain length (u32) || index (u32)
//! || [KEM key id (u32) || KEM ciphertext (1088)]   if flags & 0x01
//! || [KEM key id (u32) || KEM public key (1184)]   if flags & 0x02
//! || AEAD ciphertext (plaintext length + 16)
//! ```

use alloc::vec::Vec;

use crate::consts::MAX_PLAINTEXT_LEN;
use crate::error::DecodeError;
use crate::kdf::AEAD_TAG_LEN;
use crate::keys::{KemCiphertext, KemPublicKey, X25519PublicKey};
use crate::labels::object;
use crate::wire::{Reader, Writer};

const FLAG_KEM_CIPHERTEXT: u8 = 0x01;
const FLAG_KEM_PUBLIC: u8 = 0x02;

/// Bytes of a header without PQ data: 3 + flags + key + two counters.
pub const HEADER_LEN: usize = 3 + 1 + 32 + 4 + 4;
/// Bytes a KEM ciphertext adds to a header.
pub const HEADER_KEM_CIPHERTEXT_LEN: usize = 4 + crate::keys::KEM_CIPHERTEXT_LEN;
/// Bytes a KEM public key adds to a header.
pub const HEADER_KEM_PUBLIC_LEN: usize = 4 + crate::keys::KEM_PUBLIC_KEY_LEN;
/// Largest ratchet message.
pub const MAX_MESSAGE_LEN: usize = HEADER_LEN
    + HEADER_KEM_CIPHERTEXT_LEN
    + HEADER_KEM_PUBLIC_LEN
    + MAX_PLAINTEXT_LEN
    + AEAD_TAG_LEN;

/// The sparse-PQ data a sending chain carries in every one of its messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PqData {
    /// Encapsulation to the peer's KEM ratchet key with this id.
    pub(crate) ciphertext: Option<(u32, KemCiphertext)>,
    /// Our new KEM ratchet public key offered to the peer, with its id.
    pub(crate) offer: Option<(u32, KemPublicKey)>,
}

/// The decoded header of a ratchet message.
#[derive(Debug)]
pub(crate) struct Header {
    pub(crate) ratchet_key: X25519PublicKey,
    pub(crate) previous_chain_len: u32,
    pub(crate) index: u32,
    pub(crate) pq: PqData,
}

impl Header {
    pub(crate) fn encode(&self, w: &mut Writer) {
        w.header(object::MESSAGE);
        let mut flags = 0;
        if self.pq.ciphertext.is_some() {
            flags |= FLAG_KEM_CIPHERTEXT;
        }
        if self.pq.offer.is_some() {
            flags |= FLAG_KEM_PUBLIC;
        }
        w.u8(flags);
        w.bytes(self.ratchet_key.as_bytes());
        w.u32(self.previous_chain_len);
        w.u32(self.index);
        if let Some((id, ct)) = &self.pq.ciphertext {
            w.u32(*id);
            w.bytes(ct.as_bytes());
        }
        if let Some((id, pk)) = &self.pq.offer {
            w.u32(*id);
            w.bytes(pk.as_bytes());
        }
    }
}

/// A decoded message: the header, its exact bytes (bound as AEAD associated data) and the
/// ciphertext.
#[derive(Debug)]
pub(crate) struct MessageView<'a> {
    pub(crate) header: Header,
    pub(crate) header_bytes: &'a [u8],
    pub(crate) ciphertext: &'a [u8],
}

impl<'a> MessageView<'a> {
    pub(crate) fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        if bytes.len() > MAX_MESSAGE_LEN {
            return Err(DecodeError::TooLarge {
                len: bytes.len(),
                max: MAX_MESSAGE_LEN,
            });
        }
        let mut r = Reader::new(bytes);
        r.header(object::MESSAGE)?;
        let flags = r.flags(FLAG_KEM_CIPHERTEXT | FLAG_KEM_PUBLIC, "message flags")?;
        let ratchet_key = X25519PublicKey::from_bytes(r.array()?);
        let previous_chain_len = r.u32()?;
        let index = r.u32()?;
        let ciphertext = if flags & FLAG_KEM_CIPHERTEXT != 0 {
            Some((r.u32()?, KemCiphertext::from_bytes(&r.array()?)))
        } else {
            None
        };
        let offer = if flags & FLAG_KEM_PUBLIC != 0 {
            Some((r.u32()?, KemPublicKey::from_bytes(&r.array()?)?))
        } else {
            None
        };
        let header_len = bytes.len().saturating_sub(r.remaining());
        let header_bytes = bytes.get(..header_len).ok_or(DecodeError::Truncated)?;
        let body = r.rest();
        if body.len() < AEAD_TAG_LEN {
            return Err(DecodeError::Truncated);
        }
        let max_body = MAX_PLAINTEXT_LEN.saturating_add(AEAD_TAG_LEN);
        if body.len() > max_body {
            return Err(DecodeError::TooLarge {
                len: body.len(),
                max: max_body,
            });
        }
        Ok(Self {
            header: Header {
                ratchet_key,
                previous_chain_len,
                index,
                pq: PqData { ciphertext, offer },
            },
            header_bytes,
            ciphertext: body,
        })
    }
}

/// `session_ad || header || application associated data`.
pub(crate) fn associated_data(session_ad: &[u8; 32], header: &[u8], ad: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(
        32usize
            .saturating_add(header.len())
            .saturating_add(ad.len()),
    );
    aad.extend_from_slice(session_ad);
    aad.extend_from_slice(header);
    aad.extend_from_slice(ad);
    aad
}
