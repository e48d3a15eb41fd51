//! Our side of the DH ratchet: our ratchet key and the chain we encrypt with.
//!
//! Spec: `docs/PROTOCOL.md`, sections 6.0 and 6.4 (the lazy DH step). An active sending chain
//! always has our ratchet key: the two live together in [`SendState::Active`], so a chain
//! without a key cannot be represented.

use alloc::vec::Vec;

use crate::error::EncryptError;
use crate::kdf;
use crate::keys::{X25519PublicKey, X25519SecretKey};
use crate::message::ratchet::{Chunk, HEADER_CHUNK_LEN, HEADER_LEN, Header, associated_data};
use crate::trace::{Direction, TraceSink};
use crate::wire::Writer;

use super::chain_key::ChainKey;
use super::events::record_message_key;

/// Our current ratchet key pair (the public half cached: it goes into every header).
pub(crate) struct OurRatchetKey {
    pub(crate) secret: X25519SecretKey,
    pub(crate) public: X25519PublicKey,
}

impl OurRatchetKey {
    pub(crate) fn new(secret: X25519SecretKey) -> Self {
        let public = secret.public_key();
        Self { secret, public }
    }
}

/// A chain we encrypt with.
pub(crate) struct SendingChain {
    pub(crate) chain_key: ChainKey,
    pub(crate) index: u32,
    pub(crate) previous_chain_len: u32,
    /// The chain's root step mixed a PQ epoch secret: every message of it says so (`MIX`).
    pub(crate) mix: bool,
}

/// Whether the next message continues the current sending chain or starts a new one.
pub(crate) enum SendState {
    /// Our next message continues this chain, under this ratchet key.
    Active {
        ours: OurRatchetKey,
        chain: SendingChain,
    },
    /// The peer sent a new ratchet key; our next message performs a DH step against it with
    /// a fresh key pair. `ours` is the key the peer last saw (none yet for a responder that
    /// has not sent).
    NeedsStep {
        ours: Option<OurRatchetKey>,
        peer: X25519PublicKey,
        previous_chain_len: u32,
    },
}

impl SendState {
    /// Our current ratchet key, if we have one.
    pub(crate) fn ours(&self) -> Option<&OurRatchetKey> {
        match self {
            SendState::Active { ours, .. } => Some(ours),
            SendState::NeedsStep { ours, .. } => ours.as_ref(),
        }
    }

    /// The state after the peer started a new chain under `peer`: our next message starts a
    /// new chain, and announces how long our current one was.
    pub(crate) fn after_peer_step(self, peer: X25519PublicKey) -> SendState {
        match self {
            SendState::Active { ours, chain } => SendState::NeedsStep {
                ours: Some(ours),
                peer,
                previous_chain_len: chain.index,
            },
            SendState::NeedsStep {
                ours,
                previous_chain_len,
                ..
            } => SendState::NeedsStep {
                ours,
                peer,
                previous_chain_len,
            },
        }
    }
}

/// A message sealed in a sending chain, and where that chain goes next.
pub(crate) struct Sealed {
    pub(crate) message: Vec<u8>,
    pub(crate) next_chain_key: ChainKey,
    pub(crate) next_index: u32,
}

/// Encrypts one message at the current position of `chain` (sent under `ratchet_key`),
/// carrying `chunk`.
pub(crate) fn seal_in_chain<T: TraceSink>(
    ratchet_key: X25519PublicKey,
    chain: &SendingChain,
    chunk: Option<Chunk>,
    plaintext: &[u8],
    ad: &[u8],
    session_ad: &[u8; 32],
    trace: &mut T,
) -> Result<Sealed, EncryptError> {
    let next_index = chain
        .index
        .checked_add(1)
        .ok_or(EncryptError::CounterExhausted)?;
    let message_key = chain.chain_key.message_key();
    record_message_key(
        trace,
        Direction::Sending,
        &ratchet_key,
        chain.index,
        &chain.chain_key,
        &message_key,
    );
    let header = Header {
        ratchet_key,
        previous_chain_len: chain.previous_chain_len,
        index: chain.index,
        mix: chain.mix,
        chunk,
    };
    let mut w = Writer::with_capacity(
        (HEADER_LEN + HEADER_CHUNK_LEN + kdf::SIV_TAG_LEN).saturating_add(plaintext.len()),
    );
    header.encode(&mut w);
    let aad = associated_data(session_ad, w.as_slice(), ad);
    let mut message = w.into_vec();
    if !message_key.seal(&aad, plaintext, &mut message) {
        return Err(EncryptError::TooLarge {
            len: plaintext.len(),
        });
    }
    Ok(Sealed {
        message,
        next_chain_key: chain.chain_key.next(),
        next_index,
    })
}
