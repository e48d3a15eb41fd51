//! The sparse ML-KEM-768 ratchet: which DH steps also mix in a KEM secret, and the KEM key
//! pairs in flight.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.3 ("Sparse PQ ratchet").
//!
//! A *PQ step* happens when a party starts a new sending chain and its [`PqPolicy`] says one
//! is due. The new chain then carries, in every message, (a) a ciphertext encapsulated to the
//! peer's latest offered KEM key, if there is one, whose secret is mixed into the root KDF of
//! that chain, and (b) a fresh KEM public key offered for the peer's next PQ step. A PQ round
//! trip (our offer, the peer's encapsulation to it) heals the session against an attacker who
//! knows every X25519 secret.

use alloc::collections::VecDeque;

use crate::consts::{DEFAULT_PQ_INTERVAL_MESSAGES, DEFAULT_PQ_INTERVAL_SECS, MAX_PENDING_KEM_KEYS};
use crate::error::DecodeError;
use crate::keys::{KemPublicKey, KemSecretKey};
use crate::wire::{Reader, Writer};

/// When a new sending chain performs a PQ (ML-KEM) step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PqPolicy {
    /// Every new sending chain: the strongest setting; in a ping-pong conversation every
    /// message carries about 2.3 KB of PQ data.
    EveryStep,
    /// A new sending chain performs a PQ step once `messages` messages were sent since the
    /// last PQ step, or `seconds` passed since it by the caller's clock, whichever comes
    /// first. `messages = 0` is the same as [`PqPolicy::EveryStep`].
    Interval {
        /// Messages sent since the last PQ step.
        messages: u32,
        /// Seconds since the last PQ step.
        seconds: u64,
    },
}

impl Default for PqPolicy {
    /// `Interval { messages: 50, seconds: 86400 }`: see `docs/PROTOCOL.md` for its cost.
    fn default() -> Self {
        PqPolicy::Interval {
            messages: DEFAULT_PQ_INTERVAL_MESSAGES,
            seconds: DEFAULT_PQ_INTERVAL_SECS,
        }
    }
}

impl PqPolicy {
    pub(crate) fn encode(&self, w: &mut Writer) {
        match self {
            PqPolicy::EveryStep => w.u8(1),
            PqPolicy::Interval { messages, seconds } => {
                w.u8(2);
                w.u32(*messages);
                w.u64(*seconds);
            }
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.u8()? {
            1 => Ok(PqPolicy::EveryStep),
            2 => Ok(PqPolicy::Interval {
                messages: r.u32()?,
                seconds: r.u64()?,
            }),
            _ => Err(DecodeError::InvalidField { field: "PQ policy" }),
        }
    }
}

/// KEM ratchet state.
#[derive(Clone)]
pub(crate) struct KemRatchet {
    pub(crate) policy: PqPolicy,
    /// Our offered key pairs not yet answered, oldest first.
    pub(crate) ours: VecDeque<(u32, KemSecretKey)>,
    /// The peer's latest offered key not yet answered.
    pub(crate) peer: Option<(u32, KemPublicKey)>,
    /// Id of our next offered key.
    pub(crate) next_id: u32,
    /// KEM secrets mixed into the root key so far (both directions, handshake excluded).
    pub(crate) epoch: u32,
    /// Messages we sent since our last PQ step.
    pub(crate) sent_since_step: u32,
    /// Caller's clock at our last PQ step (or the handshake).
    pub(crate) last_step_at: u64,
}

impl KemRatchet {
    pub(crate) fn new(policy: PqPolicy, now: u64) -> Self {
        Self {
            policy,
            ours: VecDeque::new(),
            peer: None,
            next_id: 1,
            epoch: 0,
            sent_since_step: 0,
            last_step_at: now,
        }
    }

    /// Whether a sending chain created now performs a PQ step.
    pub(crate) fn due(&self, now: u64) -> bool {
        match self.policy {
            PqPolicy::EveryStep => true,
            PqPolicy::Interval { messages, seconds } => {
                self.sent_since_step >= messages || now.saturating_sub(self.last_step_at) >= seconds
            }
        }
    }

    pub(crate) fn find_ours(&self, id: u32) -> Option<&KemSecretKey> {
        self.ours.iter().find(|(k, _)| *k == id).map(|(_, sk)| sk)
    }

    /// Records a new offered key pair, evicting the oldest beyond the bound.
    pub(crate) fn push_offer(&mut self, id: u32, key: KemSecretKey) {
        self.ours.push_back((id, key));
        while self.ours.len() > MAX_PENDING_KEM_KEYS {
            self.ours.pop_front();
        }
    }

    /// The peer answered our key `id`: it and every older offer are no longer needed.
    pub(crate) fn answered(&mut self, id: u32) {
        self.ours.retain(|(k, _)| *k > id);
        self.epoch = self.epoch.saturating_add(1);
    }

    /// The peer offered a key: keep it if newer than the one we hold.
    pub(crate) fn peer_offered(&mut self, id: u32, key: &KemPublicKey) {
        let newer = match &self.peer {
            Some((held, _)) => id > *held,
            None => true,
        };
        if newer {
            self.peer = Some((id, key.clone()));
        }
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        self.policy.encode(w);
        w.count(self.ours.len());
        for (id, key) in &self.ours {
            w.u32(*id);
            w.bytes(key.seed());
        }
        match &self.peer {
            Some((id, key)) => {
                w.bool(true);
                w.u32(*id);
                w.bytes(key.as_bytes());
            }
            None => w.bool(false),
        }
        w.u32(self.next_id);
        w.u32(self.epoch);
        w.u32(self.sent_since_step);
        w.u64(self.last_step_at);
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let policy = PqPolicy::decode(r)?;
        let n = r.count(MAX_PENDING_KEM_KEYS, "pending KEM key count")?;
        let mut ours = VecDeque::with_capacity(n);
        for _ in 0..n {
            let id = r.u32()?;
            let seed = zeroize::Zeroizing::new(r.array()?);
            ours.push_back((id, KemSecretKey::from_seed(&seed)));
        }
        let peer = if r.bool("peer KEM key")? {
            Some((r.u32()?, KemPublicKey::from_bytes(&r.array()?)?))
        } else {
            None
        };
        Ok(Self {
            policy,
            ours,
            peer,
            next_id: r.u32()?,
            epoch: r.u32()?,
            sent_since_step: r.u32()?,
            last_step_at: r.u64()?,
        })
    }
}
