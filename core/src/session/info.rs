//! The public data types of a session: its options, its role, and what `Session::info`
//! reports.

use crate::ratchet::pq::PqPolicy;

/// Session options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionConfig {
    /// When the sparse ML-KEM ratchet performs a step.
    pub pq_policy: PqPolicy,
}

impl SessionConfig {
    /// A configuration with the given PQ policy.
    #[must_use]
    pub fn with_pq_policy(pq_policy: PqPolicy) -> Self {
        Self { pq_policy }
    }
}

/// Which side of the handshake this session was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Started the session from a bundle.
    Initiator,
    /// Accepted an initial message.
    Responder,
}

/// Non-secret session state, for UIs and diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionInfo {
    /// Which side of the handshake we were.
    pub role: Role,
    /// DH ratchet steps so far (both directions).
    pub dh_epoch: u32,
    /// ML-KEM secrets mixed into the root key so far (both directions, handshake excluded).
    pub pq_epoch: u32,
    /// We offered a KEM key that the peer has not answered yet (a PQ round trip is under way).
    pub pq_offer_pending: bool,
    /// Messages we sent since our last PQ step.
    pub messages_since_pq_step: u32,
    /// Caller's clock at our last PQ step (or the handshake).
    pub last_pq_step_at: u64,
    /// The PQ policy in force.
    pub pq_policy: PqPolicy,
    /// Index of our next message in the current sending chain (0 if a new chain is due).
    pub sending_index: u32,
    /// Index of the next expected message in the current receiving chain.
    pub receiving_index: u32,
    /// Skipped message keys held for out-of-order messages.
    pub skipped_keys: usize,
    /// Distinct chains those keys belong to.
    pub skipped_chains: usize,
    /// Messages encrypted.
    pub sent: u64,
    /// Messages decrypted.
    pub received: u64,
    /// Initiator only: no reply received yet, so messages still carry the handshake.
    pub awaiting_reply: bool,
    /// The peer answered our ratchet key: for the initiator, the first reply arrived; for the
    /// responder, the initiator started a chain against the responder's first reply. Before
    /// that, a first message could be a replay of a recorded initial message (its handshake
    /// used no one-time prekey and a store restored from an old blob has no record of it), so
    /// an application can hold back side effects of messages received until then.
    pub peer_confirmed: bool,
    /// Our next message starts a new sending chain (a DH ratchet step, and a PQ step if
    /// [`Session::pq_step_due`]).
    pub new_chain_next: bool,
}
