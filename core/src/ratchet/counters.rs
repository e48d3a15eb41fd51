//! Non-secret counters of the ratchet, for `Session::info`.

use super::Ratchet;
use super::pq::PqCounters;
use super::sender_chain::SendState;

/// Non-secret counters for UIs (see `Session::info`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RatchetCounters {
    pub(crate) dh_epoch: u32,
    pub(crate) pq: PqCounters,
    pub(crate) sending_index: u32,
    pub(crate) receiving_index: u32,
    pub(crate) skipped_keys: usize,
    pub(crate) skipped_chains: usize,
    pub(crate) sent: u64,
    pub(crate) received: u64,
    pub(crate) new_chain_next: bool,
}

impl Ratchet {
    pub(crate) fn counters(&self) -> RatchetCounters {
        RatchetCounters {
            dh_epoch: self.dh_epoch,
            pq: self.pq.counters(),
            sending_index: match &self.send {
                SendState::Active { chain, .. } => chain.index,
                SendState::NeedsStep { .. } => 0,
            },
            receiving_index: self.receiving.as_ref().map_or(0, |r| r.next),
            skipped_keys: self.skipped.len(),
            skipped_chains: self.skipped.chains(),
            sent: self.sent,
            received: self.received,
            new_chain_next: matches!(self.send, SendState::NeedsStep { .. }),
        }
    }
}
