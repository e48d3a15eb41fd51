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
//!
//! Every change goes through a transition: [`KemRatchet::stage_send`] /
//! [`KemRatchet::commit_send`] when a sending chain starts, [`KemRatchet::stage_receive`] /
//! [`KemRatchet::commit_receive`] when a receiving chain starts. A staged value changes
//! nothing until it is committed.

use alloc::collections::VecDeque;

use rand_core::TryCryptoRng;

use crate::consts::{DEFAULT_PQ_INTERVAL_MESSAGES, DEFAULT_PQ_INTERVAL_SECS, MAX_PENDING_KEM_KEYS};
use crate::error::{DecodeError, DecryptError, EncryptError};
use crate::keys::{KemPublicKey, KemSecretKey, KemSharedSecret, random_bytes};
use crate::message::ratchet::PqData;
use crate::trace::{TraceEvent, TraceSink};
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
    /// `Interval { messages: 50, seconds: 86400 }` (`consts::DEFAULT_PQ_INTERVAL_*`).
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
            _ => Err(DecodeError::InvalidEncoding { field: "PQ policy" }),
        }
    }
}

/// KEM ratchet state.
pub(crate) struct KemRatchet {
    policy: PqPolicy,
    /// Our offered key pairs not yet answered, oldest first.
    ours: VecDeque<(u32, KemSecretKey)>,
    /// The peer's latest offered key not yet answered.
    peer: Option<(u32, KemPublicKey)>,
    /// Id of our next offered key.
    next_id: u32,
    /// KEM secrets mixed into the root key so far (both directions, handshake excluded).
    epoch: u32,
    /// Messages we sent since our last PQ step.
    sent_since_step: u32,
    /// Caller's clock at our last PQ step (or the handshake).
    last_step_at: u64,
}

/// What a new sending chain changes in the KEM ratchet once its message is sealed.
pub(crate) struct StagedSend {
    encapsulated: bool,
    offer: Option<(u32, KemSecretKey)>,
}

/// The PQ part of a new sending chain: what its messages carry, the secret for the root step,
/// and the transition to commit.
pub(crate) struct SendStep {
    pub(crate) data: PqData,
    pub(crate) secret: Option<KemSharedSecret>,
    pub(crate) staged: StagedSend,
}

/// What a new receiving chain changes in the KEM ratchet once its message authenticated.
pub(crate) struct StagedReceive {
    answered: Option<u32>,
    offer: Option<(u32, KemPublicKey)>,
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

    /// The initiator's first chain: when a PQ step is due at once (`EveryStep`, or an
    /// interval of zero), it already offers a KEM key, so the responder's first reply can
    /// complete a PQ step.
    pub(crate) fn new_initiator<R: TryCryptoRng + ?Sized, T: TraceSink>(
        policy: PqPolicy,
        now: u64,
        rng: &mut R,
        trace: &mut T,
    ) -> Result<(Self, PqData), EncryptError> {
        let mut kem = Self::new(policy, now);
        let mut data = PqData::default();
        if kem.due(now) {
            let (id, key) = kem.fresh_offer(rng, trace)?;
            data.offer = Some((id, key.public_key().clone()));
            kem.push_offer(id, key);
            kem.next_id = id.saturating_add(1);
        }
        Ok((kem, data))
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

    fn fresh_offer<R: TryCryptoRng + ?Sized, T: TraceSink>(
        &self,
        rng: &mut R,
        trace: &mut T,
    ) -> Result<(u32, KemSecretKey), EncryptError> {
        let id = self.next_id;
        if id == u32::MAX {
            return Err(EncryptError::CounterExhausted);
        }
        let key = KemSecretKey::generate(rng)?;
        trace.record(|| TraceEvent::KemKeyGenerated {
            id,
            seed: key.seed().to_vec(),
        });
        Ok((id, key))
    }

    /// The PQ part of a sending chain created at `now`: nothing if no step is due; otherwise
    /// an encapsulation to the peer's offered key (if any) and a fresh offer. Changes nothing.
    pub(crate) fn stage_send<R: TryCryptoRng + ?Sized, T: TraceSink>(
        &self,
        rng: &mut R,
        now: u64,
        trace: &mut T,
    ) -> Result<SendStep, EncryptError> {
        let mut data = PqData::default();
        let mut secret = None;
        let mut offer = None;
        if self.due(now) {
            if let Some((id, key)) = &self.peer {
                let m = random_bytes::<32, R>(rng)?;
                let (ct, ss) = key.encapsulate_with(&m);
                trace.record(|| TraceEvent::KemEncapsulated {
                    key_id: *id,
                    randomness: *m,
                    ciphertext: ct.as_bytes().to_vec(),
                    secret: *ss.as_bytes(),
                });
                data.ciphertext = Some((*id, ct));
                secret = Some(ss);
            }
            let (id, key) = self.fresh_offer(rng, trace)?;
            data.offer = Some((id, key.public_key().clone()));
            offer = Some((id, key));
        }
        let encapsulated = secret.is_some();
        Ok(SendStep {
            data,
            secret,
            staged: StagedSend {
                encapsulated,
                offer,
            },
        })
    }

    /// Applies a staged sending step.
    pub(crate) fn commit_send(&mut self, staged: StagedSend, now: u64) {
        if staged.encapsulated {
            self.peer = None;
            self.epoch = self.epoch.saturating_add(1);
        }
        if let Some((id, key)) = staged.offer {
            self.push_offer(id, key);
            self.next_id = id.saturating_add(1);
            self.sent_since_step = 0;
            self.last_step_at = now;
        }
    }

    /// Counts one message sent.
    pub(crate) fn note_sent(&mut self) {
        self.sent_since_step = self.sent_since_step.saturating_add(1);
    }

    /// The KEM secret of a new receiving chain: the decapsulation of its ciphertext, if it
    /// carries one. A ciphertext for a key we do not hold is an authentication failure.
    /// Changes nothing (and records nothing: the caller reports the decapsulation with
    /// [`KemRatchet::record_receive`] once the message authenticated).
    pub(crate) fn stage_receive(
        &self,
        pq: &PqData,
    ) -> Result<(Option<KemSharedSecret>, StagedReceive), DecryptError> {
        let (secret, answered) = match &pq.ciphertext {
            Some((id, ct)) => {
                let key = self.find_ours(*id).ok_or(DecryptError::AuthFailed)?;
                (Some(key.decapsulate(ct)), Some(*id))
            }
            None => (None, None),
        };
        Ok((
            secret,
            StagedReceive {
                answered,
                offer: pq.offer.clone(),
            },
        ))
    }

    /// Applies nothing; reports the decapsulation of a staged receiving step to `trace`.
    pub(crate) fn record_receive<T: TraceSink>(
        staged: &StagedReceive,
        secret: Option<&KemSharedSecret>,
        trace: &mut T,
    ) {
        if let (Some(id), Some(ss)) = (staged.answered, secret) {
            trace.record(|| TraceEvent::KemDecapsulated {
                key_id: id,
                secret: *ss.as_bytes(),
            });
        }
    }

    /// The PQ transition of the responder's first (handshake) chain: it may carry an offer,
    /// never a ciphertext (nothing was offered to the initiator yet).
    pub(crate) fn stage_initial(pq: &PqData) -> Result<StagedReceive, DecryptError> {
        if pq.ciphertext.is_some() {
            return Err(DecryptError::AuthFailed);
        }
        Ok(StagedReceive {
            answered: None,
            offer: pq.offer.clone(),
        })
    }

    /// Applies a staged receiving step: an answered offer retires it and every older one; a
    /// new offer from the peer replaces an older one we hold.
    pub(crate) fn commit_receive(&mut self, staged: StagedReceive) {
        if let Some(id) = staged.answered {
            self.ours.retain(|(k, _)| *k > id);
            self.epoch = self.epoch.saturating_add(1);
        }
        if let Some((id, key)) = staged.offer {
            let newer = self.peer.as_ref().is_none_or(|(held, _)| id > *held);
            if newer {
                self.peer = Some((id, key));
            }
        }
    }

    fn find_ours(&self, id: u32) -> Option<&KemSecretKey> {
        self.ours.iter().find(|(k, _)| *k == id).map(|(_, sk)| sk)
    }

    /// Records a new offered key pair, evicting the oldest beyond the bound.
    fn push_offer(&mut self, id: u32, key: KemSecretKey) {
        self.ours.push_back((id, key));
        while self.ours.len() > MAX_PENDING_KEM_KEYS {
            self.ours.pop_front();
        }
    }

    pub(crate) fn policy(&self) -> PqPolicy {
        self.policy
    }

    pub(crate) fn epoch(&self) -> u32 {
        self.epoch
    }

    pub(crate) fn offer_pending(&self) -> bool {
        !self.ours.is_empty()
    }

    pub(crate) fn sent_since_step(&self) -> u32 {
        self.sent_since_step
    }

    pub(crate) fn last_step_at(&self) -> u64 {
        self.last_step_at
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
