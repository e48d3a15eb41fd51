//! The public data types of a session: its options, its role, and what `Session::info`
//! reports.

/// Session options. Start from `SessionConfig::default()`; fields can be added without
/// changing every signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionConfig {
    /// `initiate` refuses a bundle whose signed prekeys were created more than this many
    /// seconds before its `now` (`STALE_PREKEY`): a server serving an old upload cannot
    /// make the initiator use prekeys the responder should have rotated long ago. `None`
    /// disables the check (only for callers without a clock). Default
    /// [`crate::consts::DEFAULT_MAX_PREKEY_AGE_SECS`] (30 days). A `created_at` in the
    /// future counts as age 0, so a skewed clock never makes a fresh bundle stale.
    pub max_prekey_age: Option<u64>,
    /// `initiate` writes the self-contained initial message, which carries the initiator's
    /// whole identity (5,293 bytes more in each of her messages until the first reply), for
    /// responders without a directory. Default `false`: the compact form names her by X25519
    /// key and fingerprint, and the responder supplies her identity to `accept`.
    pub self_contained: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            max_prekey_age: Some(crate::consts::DEFAULT_MAX_PREKEY_AGE_SECS),
            self_contained: false,
        }
    }
}

impl SessionConfig {
    /// This configuration with `max_prekey_age` set (`None`: no age check).
    #[must_use]
    pub fn with_max_prekey_age(mut self, max_prekey_age: Option<u64>) -> Self {
        self.max_prekey_age = max_prekey_age;
        self
    }

    /// This configuration with `self_contained` set.
    #[must_use]
    pub fn with_self_contained(mut self, self_contained: bool) -> Self {
        self.self_contained = self_contained;
        self
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
    /// PQ epochs mixed into the root key so far (0: only the handshake's ML-KEM secret). An
    /// epoch completes when the initiator's key (36 chunks) and the responder's ciphertext (33
    /// chunks) have both arrived and the initiator's next chain mixed the secret.
    pub pq_epoch: u32,
    /// Epoch of the PQ object we send chunks of (initiator: our key; responder: our oldest
    /// unmixed ciphertext; 0 if none).
    pub pq_sending_epoch: u32,
    /// Chunks of that object sent so far.
    pub pq_chunks_sent: u32,
    /// Epoch of the PQ object we collect chunks of (the peer's ciphertext or key).
    pub pq_receiving_epoch: u32,
    /// Distinct chunks of it held.
    pub pq_chunks_received: u32,
    /// Distinct chunks that object needs (33 for a ciphertext, 36 for a key).
    pub pq_chunks_needed: u32,
    /// Messages we sent since the last PQ epoch was mixed (or the handshake).
    pub messages_sent_since_pq_epoch: u32,
    /// Messages we received since then.
    pub messages_received_since_pq_epoch: u32,
    /// Caller's clock (`now` of `encrypt`) at our first message after the last PQ epoch was
    /// mixed, or at the handshake. An application can warn when this grows old: a peer that
    /// never completes PQ epochs keeps the session from healing against a quantum attacker.
    pub last_pq_epoch_at: u64,
    /// `PQ_INCONSISTENT` faults: PQ objects from the peer that failed their checks after
    /// decoding (a forked or broken peer). The messages that carried them were delivered.
    pub pq_faults: u32,
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
    /// Our next message starts a new sending chain (a DH ratchet step).
    pub new_chain_next: bool,
    /// How many times the state changed ([`crate::Session::generation`]); sealed with it.
    pub generation: u64,
}
