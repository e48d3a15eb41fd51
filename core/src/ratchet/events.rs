//! The ratchet's key-schedule events, reported to the caller's [`TraceSink`] (which records
//! nothing unless the crate is built with `--cfg twofold_trace`).

use crate::keys::{DhOutput, X25519PublicKey};
use crate::trace::{Direction, TraceEvent, TraceSink};

use super::chain_key::ChainKey;
use super::message_key::MessageKey;
use super::pq::EpochSecret;
use super::root_key::RootKey;
use super::sender_chain::OurRatchetKey;

pub(super) fn record_ratchet_key<T: TraceSink>(trace: &mut T, key: &OurRatchetKey) {
    trace.record(|| TraceEvent::RatchetKeyGenerated {
        secret: *key.secret.to_bytes(),
        public: *key.public.as_bytes(),
    });
}

/// The event of one message key (built only by a recording sink).
fn message_key_event(
    direction: Direction,
    ratchet_key: &X25519PublicKey,
    index: u32,
    chain_key: &ChainKey,
    message_key: &MessageKey,
) -> TraceEvent {
    let (enc_key, mac_key) = message_key.siv_keys();
    TraceEvent::MessageKey {
        direction,
        ratchet_key: *ratchet_key.as_bytes(),
        index,
        chain_key: *chain_key.as_bytes(),
        message_key: *message_key.as_bytes(),
        enc_key,
        mac_key,
    }
}

pub(super) fn record_message_key<T: TraceSink>(
    trace: &mut T,
    direction: Direction,
    ratchet_key: &X25519PublicKey,
    index: u32,
    chain_key: &ChainKey,
    message_key: &MessageKey,
) {
    trace.record(|| message_key_event(direction, ratchet_key, index, chain_key, message_key));
}

/// Reports the message key at `index` of a chain whose chain key there is `chain_key` (the
/// key itself was consumed by opening the message; the trace derives it again).
pub(super) fn record_message_key_at<T: TraceSink>(
    trace: &mut T,
    direction: Direction,
    ratchet_key: &X25519PublicKey,
    index: u32,
    chain_key: &ChainKey,
) {
    trace.record(|| {
        message_key_event(
            direction,
            ratchet_key,
            index,
            chain_key,
            &chain_key.message_key(),
        )
    });
}

pub(super) fn record_root_step<T: TraceSink>(
    trace: &mut T,
    direction: Direction,
    root_in: &RootKey,
    dh: &DhOutput,
    pq_secret: Option<&EpochSecret>,
    root_out: &RootKey,
    chain_key: &ChainKey,
) {
    trace.record(|| TraceEvent::RootStep {
        direction,
        root_in: *root_in.as_bytes(),
        dh: *dh.as_bytes(),
        pq_secret: pq_secret.map(|s| *s.as_bytes()),
        root_out: *root_out.as_bytes(),
        chain_key: *chain_key.as_bytes(),
    });
}
