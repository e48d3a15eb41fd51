//! The session's sealed-state plaintext (inner type `0x11`).
//!
//! Spec: `docs/PROTOCOL.md`, section 10.3.

use zeroize::Zeroizing;

use super::{Role, Session};
use crate::error::DecodeError;
use crate::ratchet::Ratchet;
use crate::wire::{Reader, Writer};

impl Session {
    pub(crate) fn encode_state(&self, w: &mut Writer) {
        w.u64(self.generation);
        w.u8(match self.role {
            Role::Initiator => 1,
            Role::Responder => 2,
        });
        w.bytes(&self.our_fingerprint);
        w.bytes(&self.peer_fingerprint);
        w.bytes(&self.session_ad);
        w.bytes(self.sas.as_slice());
        w.bytes(&self.handshake_id);
        match &self.pending_prefix {
            Some(p) => {
                w.bool(true);
                w.var_bytes(p);
            }
            None => w.bool(false),
        }
        self.ratchet.encode(w);
    }

    pub(crate) fn decode_state(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let generation = r.u64()?;
        let role = match r.u8()? {
            1 => Role::Initiator,
            2 => Role::Responder,
            _ => return Err(DecodeError::InvalidEncoding { field: "role" }),
        };
        let our_fingerprint = r.array()?;
        let peer_fingerprint = r.array()?;
        let session_ad = r.array()?;
        let sas = Zeroizing::new(r.array()?);
        let handshake_id = r.array()?;
        let pending_prefix = if r.bool("pending prefix")? {
            Some(
                r.var_bytes(crate::consts::MAX_HANDSHAKE_PREFIX_LEN)?
                    .to_vec(),
            )
        } else {
            None
        };
        let ratchet = Ratchet::decode(r)?;
        if ratchet.is_initiator() != (role == Role::Initiator) {
            return Err(DecodeError::InvalidEncoding { field: "PQ state" });
        }
        Ok(Self {
            generation,
            role,
            our_fingerprint,
            peer_fingerprint,
            session_ad,
            sas,
            handshake_id,
            pending_prefix,
            ratchet,
        })
    }
}
