//! The ratchet message format (wire version 2): header, at most one chunk of PQ ratchet
//! material, SIV ciphertext.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.1 ("Message format").
//!
//! ```text
//! 0x02 || 0x04 || suite || flags
//! || ratchet key (32) || previous chain length (u32) || index (u32)
//! || [chunk epoch (u32) || chunk index (u16) || chunk (34)]   if flags & 0x03 != 0
//! || SIV ciphertext (plaintext length) || tag (16)
//! ```

use alloc::vec::Vec;

use crate::consts::{MAX_PLAINTEXT_LEN, PQ_CHUNK_LEN};
use crate::error::DecodeError;
use crate::kdf::SIV_TAG_LEN;
use crate::keys::X25519PublicKey;
use crate::labels::object;
use crate::wire::{Reader, Writer};

const FLAGS_CHUNK_KIND: u8 = 0x03;
const KIND_KEY: u8 = 0x01;
const KIND_CIPHERTEXT: u8 = 0x02;
const FLAG_MIX: u8 = 0x04;

/// Bytes of a header without a chunk: 3 + flags + key + two counters.
pub const HEADER_LEN: usize = 3 + 1 + 32 + 4 + 4;
/// Bytes a chunk adds to a header: epoch, index and the chunk.
pub const HEADER_CHUNK_LEN: usize = 4 + 2 + PQ_CHUNK_LEN;
/// Largest ratchet message.
pub const MAX_MESSAGE_LEN: usize = HEADER_LEN + HEADER_CHUNK_LEN + MAX_PLAINTEXT_LEN + SIV_TAG_LEN;

/// Which PQ object a chunk belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PqChunkKind {
    /// The initiator's key object `ek || c_ek` of an epoch.
    Key,
    /// The responder's ciphertext object `ct || conf` of an epoch.
    Ciphertext,
}

/// One chunk of a PQ object: public bytes, authenticated with the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub(crate) kind: PqChunkKind,
    /// Epoch of the object (never 0).
    pub(crate) epoch: u32,
    /// Evaluation point of the erasure code.
    pub(crate) index: u16,
    pub(crate) bytes: [u8; PQ_CHUNK_LEN],
}

/// The decoded header of a ratchet message.
#[derive(Debug)]
pub(crate) struct Header {
    pub(crate) ratchet_key: X25519PublicKey,
    pub(crate) previous_chain_len: u32,
    pub(crate) index: u32,
    /// The chain's root step mixed the next PQ epoch secret (initiator only).
    pub(crate) mix: bool,
    pub(crate) chunk: Option<Chunk>,
}

impl Header {
    pub(crate) fn encode(&self, w: &mut Writer) {
        w.header(object::MESSAGE);
        let mut flags = match self.chunk.as_ref().map(|c| c.kind) {
            None => 0,
            Some(PqChunkKind::Key) => KIND_KEY,
            Some(PqChunkKind::Ciphertext) => KIND_CIPHERTEXT,
        };
        if self.mix {
            flags |= FLAG_MIX;
        }
        w.u8(flags);
        w.bytes(self.ratchet_key.as_bytes());
        w.u32(self.previous_chain_len);
        w.u32(self.index);
        if let Some(c) = &self.chunk {
            w.u32(c.epoch);
            w.u16(c.index);
            w.bytes(&c.bytes);
        }
    }
}

/// A decoded message: the header, its exact bytes (bound as associated data) and the SIV
/// body.
#[derive(Debug)]
pub(crate) struct MessageView<'a> {
    pub(crate) header: Header,
    pub(crate) header_bytes: &'a [u8],
    /// The SIV body `ciphertext || tag`.
    pub(crate) ciphertext: &'a [u8],
    /// The body's tag (its last 16 bytes), for the digests of `CONFLICTING_MESSAGE`.
    pub(crate) tag: [u8; SIV_TAG_LEN],
}

impl<'a> MessageView<'a> {
    pub(crate) fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::top_level(bytes, object::MESSAGE, MAX_MESSAGE_LEN)?;
        let flags = r.flags(FLAGS_CHUNK_KIND | FLAG_MIX, "message flags")?;
        let kind = match flags & FLAGS_CHUNK_KIND {
            0 => None,
            KIND_KEY => Some(PqChunkKind::Key),
            KIND_CIPHERTEXT => Some(PqChunkKind::Ciphertext),
            _ => {
                return Err(DecodeError::InvalidEncoding {
                    field: "chunk kind",
                });
            }
        };
        let ratchet_key = X25519PublicKey::from_bytes(r.array()?);
        let previous_chain_len = r.u32()?;
        let index = r.u32()?;
        let chunk = match kind {
            Some(kind) => {
                let epoch = r.u32()?;
                if epoch == 0 {
                    return Err(DecodeError::InvalidEncoding {
                        field: "chunk epoch",
                    });
                }
                Some(Chunk {
                    kind,
                    epoch,
                    index: r.u16()?,
                    bytes: r.array()?,
                })
            }
            None => None,
        };
        let header_len = bytes.len().saturating_sub(r.remaining());
        let header_bytes = bytes.get(..header_len).ok_or(DecodeError::Truncated)?;
        let body = r.rest();
        let tag = body
            .last_chunk::<SIV_TAG_LEN>()
            .copied()
            .ok_or(DecodeError::Truncated)?;
        let max_body = MAX_PLAINTEXT_LEN.saturating_add(SIV_TAG_LEN);
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
                mix: flags & FLAG_MIX != 0,
                chunk,
            },
            header_bytes,
            ciphertext: body,
            tag,
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
