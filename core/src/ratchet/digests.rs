//! Digests of the last messages decrypted, to tell a resend from a conflicting message.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.4: after each successful decrypt the receiver records
//! `(DHs[0..8], N, T[0..8])`, keeping the last [`MAX_MESSAGE_DIGESTS`]. Where a message is a
//! duplicate by its position (an index already passed, or a chain already left), an entry for
//! its `(DHs, N)` with a different tag means the peer encrypted a *different* message at that
//! index (it restored an older state or runs a forked copy): `CONFLICTING_MESSAGE`. Both
//! verdicts come from public data before any tag check, so neither is evidence of anything.

use alloc::vec::Vec;

use crate::consts::MAX_MESSAGE_DIGESTS;
use crate::error::{DecodeError, DecryptError};
use crate::keys::X25519PublicKey;
use crate::wire::{Reader, Writer};

#[derive(Clone, Copy, PartialEq, Eq)]
struct Digest {
    key: [u8; 8],
    index: u32,
    tag: [u8; 8],
}

fn prefix(bytes: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = *b;
    }
    out
}

/// The bounded FIFO of message digests.
#[derive(Default)]
pub(crate) struct MessageDigests(Vec<Digest>);

impl MessageDigests {
    /// Records a message just decrypted (`tag` = the last 16 bytes of its body).
    pub(crate) fn record(&mut self, ratchet_key: &X25519PublicKey, index: u32, tag: &[u8]) {
        self.0.push(Digest {
            key: prefix(ratchet_key.as_bytes()),
            index,
            tag: prefix(tag),
        });
        if self.0.len() > MAX_MESSAGE_DIGESTS {
            self.0.remove(0);
        }
    }

    /// The verdict for a message that is a duplicate by its position.
    pub(crate) fn verdict(
        &self,
        ratchet_key: &X25519PublicKey,
        index: u32,
        tag: &[u8],
    ) -> DecryptError {
        let key = prefix(ratchet_key.as_bytes());
        let tag = prefix(tag);
        match self.0.iter().find(|d| d.key == key && d.index == index) {
            Some(d) if d.tag != tag => DecryptError::ConflictingMessage,
            _ => DecryptError::DuplicateMessage,
        }
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u8(u8::try_from(self.0.len()).unwrap_or(u8::MAX));
        for d in &self.0 {
            w.bytes(&d.key);
            w.u32(d.index);
            w.bytes(&d.tag);
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = usize::from(r.u8()?);
        if n > MAX_MESSAGE_DIGESTS {
            return Err(DecodeError::InvalidEncoding {
                field: "message digest count",
            });
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(Digest {
                key: r.array()?,
                index: r.u32()?,
                tag: r.array()?,
            });
        }
        Ok(Self(out))
    }
}
