//! The ratchet's part of the sealed session state.
//!
//! Spec: `docs/PROTOCOL.md`, section 10.3. The layout is fixed by the state format; every
//! field is checked on decoding and an impossible combination (an active sending chain
//! without our ratchet key, a `MIX` chain of the responder) is `INVALID_ENCODING`.

use alloc::vec::Vec;
use zeroize::Zeroizing;

use crate::consts::MAX_RETIRED_RATCHET_KEYS;
use crate::error::DecodeError;
use crate::keys::{X25519PublicKey, X25519SecretKey};
use crate::wire::{Reader, Writer};

use super::Ratchet;
use super::chain_key::ChainKey;
use super::digests::MessageDigests;
use super::pq::PqRatchet;
use super::receiver_chain::{ReceivingChain, RetiredKeys};
use super::root_key::RootKey;
use super::sender_chain::{OurRatchetKey, SendState, SendingChain};
use super::skipped::SkippedKeys;

const SEND_ACTIVE: u8 = 1;
const SEND_NEEDS_STEP: u8 = 2;

impl Ratchet {
    pub(crate) fn encode(&self, w: &mut Writer) {
        w.bytes(self.root.as_bytes());
        match self.send.ours() {
            Some(k) => {
                w.bool(true);
                w.bytes(k.secret.to_bytes().as_slice());
            }
            None => w.bool(false),
        }
        match &self.send {
            SendState::Active { chain, .. } => {
                w.u8(SEND_ACTIVE);
                w.bytes(chain.chain_key.as_bytes());
                w.u32(chain.index);
                w.u32(chain.previous_chain_len);
                w.bool(chain.mix);
            }
            SendState::NeedsStep {
                peer,
                previous_chain_len,
                ..
            } => {
                w.u8(SEND_NEEDS_STEP);
                w.bytes(peer.as_bytes());
                w.u32(*previous_chain_len);
            }
        }
        match &self.receiving {
            Some(rc) => {
                w.bool(true);
                w.bytes(rc.ratchet_key.as_bytes());
                w.bytes(rc.chain_key.as_bytes());
                w.u32(rc.next);
            }
            None => w.bool(false),
        }
        self.skipped.encode(w);
        w.count(self.retired.len());
        for k in self.retired.iter() {
            w.bytes(k.as_bytes());
        }
        self.digests.encode(w);
        self.pq.encode(w);
        w.u32(self.dh_epoch);
        w.u64(self.sent);
        w.u64(self.received);
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let root = RootKey::from_ref(&Zeroizing::new(r.array()?));
        let ours = if r.bool("ratchet key")? {
            Some(OurRatchetKey::new(X25519SecretKey::from_bytes(
                &Zeroizing::new(r.array()?),
            )))
        } else {
            None
        };
        let send = match (r.u8()?, ours) {
            (SEND_ACTIVE, Some(ours)) => SendState::Active {
                ours,
                chain: decode_sending_chain(r)?,
            },
            (SEND_NEEDS_STEP, ours) => SendState::NeedsStep {
                ours,
                peer: X25519PublicKey::from_bytes(r.array()?),
                previous_chain_len: r.u32()?,
            },
            _ => {
                return Err(DecodeError::InvalidEncoding {
                    field: "send state",
                });
            }
        };
        let receiving = if r.bool("receiving chain")? {
            Some(ReceivingChain {
                ratchet_key: X25519PublicKey::from_bytes(r.array()?),
                chain_key: ChainKey::from_ref(&Zeroizing::new(r.array()?)),
                next: r.u32()?,
            })
        } else {
            None
        };
        let skipped = SkippedKeys::decode(r)?;
        let n = r.count(MAX_RETIRED_RATCHET_KEYS, "retired key count")?;
        let mut retired = Vec::with_capacity(n);
        for _ in 0..n {
            retired.push(X25519PublicKey::from_bytes(r.array()?));
        }
        let digests = MessageDigests::decode(r)?;
        let pq = PqRatchet::decode(r)?;
        if !pq.is_initiator() && matches!(&send, SendState::Active { chain, .. } if chain.mix) {
            return Err(DecodeError::InvalidEncoding { field: "PQ state" });
        }
        Ok(Self {
            root,
            send,
            receiving,
            skipped,
            retired: RetiredKeys::from_keys(retired),
            digests,
            pq,
            dh_epoch: r.u32()?,
            sent: r.u64()?,
            received: r.u64()?,
        })
    }
}

fn decode_sending_chain(r: &mut Reader<'_>) -> Result<SendingChain, DecodeError> {
    let chain_key = ChainKey::from_ref(&Zeroizing::new(r.array()?));
    let index = r.u32()?;
    let previous_chain_len = r.u32()?;
    let mix = r.bool("MIX")?;
    Ok(SendingChain {
        chain_key,
        index,
        previous_chain_len,
        mix,
    })
}
