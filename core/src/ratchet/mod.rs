//! The hybrid ratchet: Double Ratchet (X25519 DH ratchet, HMAC-SHA-256 chains) with the sparse
//! ML-KEM-768 ratchet of [`pq`].
//!
//! Spec: `docs/PROTOCOL.md`, section 6 ("Ratchet").
//!
//! Both operations are transactional. `encrypt` and `decrypt` compute everything into local
//! values first (new root, chain and KEM state, skipped keys) and write them into `self` only
//! after the last fallible step: the RNG for `encrypt`, the AEAD tag check for `decrypt`. On
//! failure the state is unchanged.
//!
//! The DH ratchet is lazy: receiving a new ratchet key derives the receiving chain at once,
//! but the matching sending chain (with a fresh key pair, and the PQ step if one is due) is
//! created by the next `encrypt`. So `decrypt` needs no RNG, and the PQ decision uses the
//! caller's clock at sending time.

pub(crate) mod header;
pub(crate) mod pq;
pub(crate) mod skipped;

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use rand_core::TryCryptoRng;

use crate::consts::{MAX_FORWARD_JUMP, MAX_PLAINTEXT_LEN, MAX_RETIRED_RATCHET_KEYS};
use crate::error::{DecodeError, DecryptError, EncryptError};
use crate::kdf::{self, MessageKeys};
use crate::keys::{KemSecretKey, Secret32, X25519PublicKey, X25519SecretKey, random_bytes};
use crate::trace::{Direction, Trace, TraceEvent};
use crate::wire::{Reader, Writer};

use header::{Header, MessageView, PqData};
use pq::{KemRatchet, PqPolicy};
use skipped::SkippedKeys;

/// A chain we encrypt with.
#[derive(Clone)]
struct SendingChain {
    chain_key: Secret32,
    index: u32,
    previous_chain_len: u32,
    pq: PqData,
}

/// Whether the next message continues the current sending chain or starts a new one.
#[derive(Clone)]
enum SendState {
    Active(SendingChain),
    /// The peer sent a new ratchet key; our next message performs a DH step against it.
    NeedsStep {
        peer: X25519PublicKey,
        previous_chain_len: u32,
    },
}

/// The chain of the peer's latest ratchet key.
#[derive(Clone)]
struct ReceivingChain {
    ratchet_key: X25519PublicKey,
    chain_key: Secret32,
    next: u32,
}

/// Non-secret counters for UIs (see `Session::info`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RatchetCounters {
    pub(crate) dh_epoch: u32,
    pub(crate) pq_epoch: u32,
    pub(crate) pq_offer_pending: bool,
    pub(crate) messages_since_pq_step: u32,
    pub(crate) last_pq_step_at: u64,
    pub(crate) sending_index: u32,
    pub(crate) receiving_index: u32,
    pub(crate) skipped_keys: usize,
    pub(crate) skipped_chains: usize,
    pub(crate) sent: u64,
    pub(crate) received: u64,
    pub(crate) new_chain_next: bool,
}

/// Our current ratchet key pair (the public half cached: it goes into every header).
#[derive(Clone)]
struct OurRatchetKey {
    secret: X25519SecretKey,
    public: X25519PublicKey,
}

impl OurRatchetKey {
    fn new(secret: X25519SecretKey) -> Self {
        let public = secret.public_key();
        Self { secret, public }
    }
}

/// The ratchet state of one session.
#[derive(Clone)]
pub(crate) struct Ratchet {
    root: Secret32,
    ours: Option<OurRatchetKey>,
    send: SendState,
    receiving: Option<ReceivingChain>,
    skipped: SkippedKeys,
    retired: VecDeque<X25519PublicKey>,
    kem: KemRatchet,
    dh_epoch: u32,
    sent: u64,
    received: u64,
    trace: Trace,
}

/// Keys derived while walking a chain forward.
struct Walk {
    skipped: Vec<(u32, Secret32)>,
    message_key: Secret32,
    next_chain_key: Secret32,
}

/// Derives the message keys `from..to` (kept as skipped) and the key of message `to`.
fn walk(
    chain_key: &Secret32,
    from: u32,
    to: u32,
    ratchet_key: &X25519PublicKey,
    trace: &mut Trace,
) -> Result<Walk, DecryptError> {
    let jump = to.saturating_sub(from);
    if jump > MAX_FORWARD_JUMP {
        return Err(DecryptError::TooFarAhead {
            jump: u64::from(jump),
        });
    }
    let (mut ck, skipped) = skip(chain_key, from, to, ratchet_key, trace);
    let (next, mk) = kdf::chain_step(&ck);
    record_message_key(trace, Direction::Receiving, ratchet_key, to, &ck, &mk);
    ck = next;
    Ok(Walk {
        skipped,
        message_key: mk,
        next_chain_key: ck,
    })
}

/// Derives and returns the message keys `from..to`; the returned chain key is at `to`.
/// Callers bound `to - from` by [`MAX_FORWARD_JUMP`].
fn skip(
    chain_key: &Secret32,
    from: u32,
    to: u32,
    ratchet_key: &X25519PublicKey,
    trace: &mut Trace,
) -> (Secret32, Vec<(u32, Secret32)>) {
    let mut ck = chain_key.clone();
    let mut keys = Vec::with_capacity(usize::try_from(to.saturating_sub(from)).unwrap_or(0));
    for i in from..to {
        let (next, mk) = kdf::chain_step(&ck);
        record_message_key(trace, Direction::Receiving, ratchet_key, i, &ck, &mk);
        keys.push((i, mk));
        ck = next;
    }
    (ck, keys)
}

#[cfg_attr(not(feature = "trace"), allow(unused_variables))]
fn record_message_key(
    trace: &mut Trace,
    direction: Direction,
    ratchet_key: &X25519PublicKey,
    index: u32,
    chain_key: &Secret32,
    message_key: &Secret32,
) {
    trace.record(|| {
        #[cfg(feature = "trace")]
        let (aead_key, nonce) = MessageKeys::derive(message_key).key_and_nonce();
        #[cfg(not(feature = "trace"))]
        let (aead_key, nonce) = ([0; 32], [0; 12]);
        TraceEvent::MessageKey {
            direction,
            ratchet_key: *ratchet_key.as_bytes(),
            index,
            chain_key: *chain_key.as_bytes(),
            message_key: *message_key.as_bytes(),
            aead_key,
            nonce,
        }
    });
}

/// `session_ad || header || application associated data`.
fn associated_data(session_ad: &[u8; 32], header: &[u8], ad: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(
        32usize
            .saturating_add(header.len())
            .saturating_add(ad.len()),
    );
    aad.extend_from_slice(session_ad);
    aad.extend_from_slice(header);
    aad.extend_from_slice(ad);
    aad
}

/// A new sending chain computed by `encrypt`, not yet committed.
struct StagedStep {
    ours: OurRatchetKey,
    root: Secret32,
    chain: SendingChain,
    encapsulated: bool,
    offer: Option<(u32, KemSecretKey)>,
}

impl Ratchet {
    /// Initiator: the first sending chain comes from the handshake; its ratchet key is fresh.
    pub(crate) fn new_initiator<R: TryCryptoRng + ?Sized>(
        rng: &mut R,
        root: Secret32,
        chain_key: Secret32,
        policy: PqPolicy,
        now: u64,
        trace: &mut Trace,
    ) -> Result<Self, EncryptError> {
        let ours = X25519SecretKey::generate(rng)?;
        record_ratchet_key(trace, &ours);
        let mut kem = KemRatchet::new(policy, now);
        // When a PQ step is due at once (`EveryStep`, or an interval of zero), the first chain
        // already offers a KEM key, so the responder's first reply can complete a PQ step.
        let offer = if kem.due(now) {
            let key = KemSecretKey::generate(rng)?;
            record_kem_key(trace, kem.next_id, &key);
            Some((kem.next_id, key))
        } else {
            None
        };
        let pq = PqData {
            ciphertext: None,
            offer: offer.as_ref().map(|(id, k)| (*id, k.public_key().clone())),
        };
        if let Some((id, key)) = offer {
            kem.push_offer(id, key);
            kem.next_id = kem.next_id.saturating_add(1);
        }
        Ok(Self {
            root,
            ours: Some(OurRatchetKey::new(ours)),
            send: SendState::Active(SendingChain {
                chain_key,
                index: 0,
                previous_chain_len: 0,
                pq,
            }),
            receiving: None,
            skipped: SkippedKeys::default(),
            retired: VecDeque::new(),
            kem,
            dh_epoch: 0,
            sent: 0,
            received: 0,
            trace: Trace::default(),
        })
    }

    /// Responder: the initiator's first chain comes from the handshake; we have no ratchet
    /// key until our first message.
    pub(crate) fn new_responder(
        root: Secret32,
        chain_key: Secret32,
        initiator_ratchet_key: X25519PublicKey,
        policy: PqPolicy,
        now: u64,
    ) -> Self {
        Self {
            root,
            ours: None,
            send: SendState::NeedsStep {
                peer: initiator_ratchet_key,
                previous_chain_len: 0,
            },
            receiving: Some(ReceivingChain {
                ratchet_key: initiator_ratchet_key,
                chain_key,
                next: 0,
            }),
            skipped: SkippedKeys::default(),
            retired: VecDeque::new(),
            kem: KemRatchet::new(policy, now),
            dh_epoch: 0,
            sent: 0,
            received: 0,
            trace: Trace::default(),
        }
    }

    /// Computes a new sending chain: fresh ratchet key, DH with the peer's key, and the PQ step
    /// if due. Changes nothing.
    fn stage_step<R: TryCryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        now: u64,
        peer: &X25519PublicKey,
        previous_chain_len: u32,
        trace: &mut Trace,
    ) -> Result<StagedStep, EncryptError> {
        let ours = OurRatchetKey::new(X25519SecretKey::generate(rng)?);
        record_ratchet_key(trace, &ours.secret);
        let dh = ours.secret.diffie_hellman(peer)?;
        let mut pq = PqData::default();
        let mut kem_secret = None;
        let mut offer = None;
        if self.kem.due(now) {
            if let Some((id, key)) = &self.kem.peer {
                let m = random_bytes::<32, R>(rng)?;
                let (ct, ss) = key.encapsulate_with(&m);
                trace.record(|| TraceEvent::KemEncapsulated {
                    key_id: *id,
                    randomness: *m,
                    ciphertext: ct.as_bytes().to_vec(),
                    secret: *ss.as_bytes(),
                });
                pq.ciphertext = Some((*id, ct));
                kem_secret = Some(ss);
            }
            let id = self.kem.next_id;
            if id == u32::MAX {
                return Err(EncryptError::CounterExhausted);
            }
            let key = KemSecretKey::generate(rng)?;
            record_kem_key(trace, id, &key);
            pq.offer = Some((id, key.public_key().clone()));
            offer = Some((id, key));
        }
        let (root, chain_key) = kdf::root_step(&self.root, &dh, kem_secret.as_ref());
        record_root_step(
            trace,
            Direction::Sending,
            &self.root,
            &dh,
            kem_secret.as_ref(),
            &root,
            &chain_key,
        );
        Ok(StagedStep {
            ours,
            root,
            chain: SendingChain {
                chain_key,
                index: 0,
                previous_chain_len,
                pq,
            },
            encapsulated: kem_secret.is_some(),
            offer,
        })
    }

    /// Encrypts one message. On error the state is unchanged.
    pub(crate) fn encrypt<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        now: u64,
        plaintext: &[u8],
        ad: &[u8],
        session_ad: &[u8; 32],
    ) -> Result<Vec<u8>, EncryptError> {
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(EncryptError::TooLarge {
                len: plaintext.len(),
            });
        }
        let mut trace = Trace::default();
        let staged = match &self.send {
            SendState::Active(_) => None,
            SendState::NeedsStep {
                peer,
                previous_chain_len,
            } => Some(self.stage_step(rng, now, peer, *previous_chain_len, &mut trace)?),
        };
        let (chain, ratchet_key) = match (&staged, &self.send, &self.ours) {
            (Some(s), _, _) => (&s.chain, s.ours.public),
            (None, SendState::Active(c), Some(k)) => (c, k.public),
            // An active chain always has our ratchet key; anything else is a corrupt state.
            _ => return Err(EncryptError::CounterExhausted),
        };
        let next_index = chain
            .index
            .checked_add(1)
            .ok_or(EncryptError::CounterExhausted)?;
        let (next_chain_key, message_key) = kdf::chain_step(&chain.chain_key);
        record_message_key(
            &mut trace,
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
            pq: chain.pq.clone(),
        };
        let mut w = Writer::with_capacity(
            header::HEADER_LEN
                .saturating_add(plaintext.len())
                .saturating_add(kdf::AEAD_TAG_LEN),
        );
        header.encode(&mut w);
        let aad = associated_data(session_ad, w.as_slice(), ad);
        let mut out = w.into_vec();
        if !MessageKeys::derive(&message_key).seal(&aad, plaintext, &mut out) {
            return Err(EncryptError::TooLarge {
                len: plaintext.len(),
            });
        }

        // Commit.
        if let Some(step) = staged {
            self.ours = Some(step.ours);
            self.root = step.root;
            self.send = SendState::Active(step.chain);
            self.dh_epoch = self.dh_epoch.saturating_add(1);
            if step.encapsulated {
                self.kem.peer = None;
                self.kem.epoch = self.kem.epoch.saturating_add(1);
            }
            if let Some((id, key)) = step.offer {
                self.kem.push_offer(id, key);
                self.kem.next_id = id.saturating_add(1);
                self.kem.sent_since_step = 0;
                self.kem.last_step_at = now;
            }
        }
        if let SendState::Active(c) = &mut self.send {
            c.chain_key = next_chain_key;
            c.index = next_index;
        }
        self.kem.sent_since_step = self.kem.sent_since_step.saturating_add(1);
        self.sent = self.sent.saturating_add(1);
        self.trace.append(trace);
        Ok(out)
    }

    /// Decrypts one message. On any error the state is unchanged (byte for byte).
    pub(crate) fn decrypt(
        &mut self,
        message: &MessageView<'_>,
        ad: &[u8],
        session_ad: &[u8; 32],
    ) -> Result<Vec<u8>, DecryptError> {
        let h = &message.header;
        let aad = associated_data(session_ad, message.header_bytes, ad);
        let mut trace = Trace::default();

        // 1. A key skipped earlier.
        if let Some(pos) = self.skipped.position(&h.ratchet_key, h.index) {
            let key = self.skipped.key(pos).ok_or(DecryptError::AuthFailed)?;
            let plaintext = MessageKeys::derive(key)
                .open(&aad, message.ciphertext)
                .ok_or(DecryptError::AuthFailed)?;
            self.skipped.remove(pos);
            self.received = self.received.saturating_add(1);
            return Ok(plaintext);
        }

        // 2. The current receiving chain.
        if let Some(rc) = &self.receiving
            && rc.ratchet_key == h.ratchet_key
        {
            if h.index < rc.next {
                return Err(DecryptError::Duplicate);
            }
            let w = walk(&rc.chain_key, rc.next, h.index, &h.ratchet_key, &mut trace)?;
            let plaintext = MessageKeys::derive(&w.message_key)
                .open(&aad, message.ciphertext)
                .ok_or(DecryptError::AuthFailed)?;
            let next = h.index.checked_add(1).ok_or(DecryptError::AuthFailed)?;
            if let Some(rc) = &mut self.receiving {
                rc.chain_key = w.next_chain_key;
                rc.next = next;
            }
            self.skipped.insert(h.ratchet_key, w.skipped);
            self.received = self.received.saturating_add(1);
            self.trace.append(trace);
            return Ok(plaintext);
        }

        // 3. A chain we already left: the message was delivered before or its key is gone.
        if self.retired.contains(&h.ratchet_key) || self.skipped.has_chain(&h.ratchet_key) {
            return Err(DecryptError::Duplicate);
        }

        // 4. A new ratchet key: DH step (and KEM step if the header carries a ciphertext).
        let ours = self.ours.as_ref().ok_or(DecryptError::AuthFailed)?;
        let (old_skipped, old_chain) = match &self.receiving {
            Some(rc) => {
                let pn = h.previous_chain_len.max(rc.next);
                let jump = pn.saturating_sub(rc.next);
                if jump > MAX_FORWARD_JUMP {
                    return Err(DecryptError::TooFarAhead {
                        jump: u64::from(jump),
                    });
                }
                let (_, keys) = skip(&rc.chain_key, rc.next, pn, &rc.ratchet_key, &mut trace);
                (keys, Some(rc.ratchet_key))
            }
            None => (Vec::new(), None),
        };
        if h.index > MAX_FORWARD_JUMP {
            return Err(DecryptError::TooFarAhead {
                jump: u64::from(h.index),
            });
        }
        let dh = ours.secret.diffie_hellman(&h.ratchet_key)?;
        let kem_secret = match &h.pq.ciphertext {
            Some((id, ct)) => {
                let key = self.kem.find_ours(*id).ok_or(DecryptError::AuthFailed)?;
                let ss = key.decapsulate(ct);
                trace.record(|| TraceEvent::KemDecapsulated {
                    key_id: *id,
                    secret: *ss.as_bytes(),
                });
                Some((*id, ss))
            }
            None => None,
        };
        let (root, chain_key) =
            kdf::root_step(&self.root, &dh, kem_secret.as_ref().map(|(_, ss)| ss));
        record_root_step(
            &mut trace,
            Direction::Receiving,
            &self.root,
            &dh,
            kem_secret.as_ref().map(|(_, ss)| ss),
            &root,
            &chain_key,
        );
        let w = walk(&chain_key, 0, h.index, &h.ratchet_key, &mut trace)?;
        let plaintext = MessageKeys::derive(&w.message_key)
            .open(&aad, message.ciphertext)
            .ok_or(DecryptError::AuthFailed)?;
        let next = h.index.checked_add(1).ok_or(DecryptError::AuthFailed)?;

        // Commit.
        self.root = root;
        if let Some(old) = old_chain {
            self.skipped.insert(old, old_skipped);
            self.retired.push_back(old);
            while self.retired.len() > MAX_RETIRED_RATCHET_KEYS {
                self.retired.pop_front();
            }
        }
        self.receiving = Some(ReceivingChain {
            ratchet_key: h.ratchet_key,
            chain_key: w.next_chain_key,
            next,
        });
        self.skipped.insert(h.ratchet_key, w.skipped);
        let previous_chain_len = match &self.send {
            SendState::Active(c) => c.index,
            SendState::NeedsStep {
                previous_chain_len, ..
            } => *previous_chain_len,
        };
        self.send = SendState::NeedsStep {
            peer: h.ratchet_key,
            previous_chain_len,
        };
        self.dh_epoch = self.dh_epoch.saturating_add(1);
        if let Some((id, _)) = kem_secret {
            self.kem.answered(id);
        }
        if let Some((id, key)) = &h.pq.offer {
            self.kem.peer_offered(*id, key);
        }
        self.received = self.received.saturating_add(1);
        self.trace.append(trace);
        Ok(plaintext)
    }

    /// Responder only: the first message of the initiator's handshake chain may offer a KEM
    /// key (policy `EveryStep`); it may not carry a ciphertext, as we have offered no key yet.
    pub(crate) fn check_initial_header(message: &MessageView<'_>) -> Result<(), DecryptError> {
        if message.header.pq.ciphertext.is_some() {
            return Err(DecryptError::AuthFailed);
        }
        Ok(())
    }

    /// Responder only, after the first message authenticated: take the initiator's KEM offer.
    pub(crate) fn accept_initial_offer(&mut self, message: &MessageView<'_>) {
        if let Some((id, key)) = &message.header.pq.offer {
            self.kem.peer_offered(*id, key);
        }
    }

    /// Adds the handshake's trace events (feature `trace`).
    pub(crate) fn append_trace(&mut self, trace: Trace) {
        self.trace.append(trace);
    }

    pub(crate) fn counters(&self) -> RatchetCounters {
        RatchetCounters {
            dh_epoch: self.dh_epoch,
            pq_epoch: self.kem.epoch,
            pq_offer_pending: !self.kem.ours.is_empty(),
            messages_since_pq_step: self.kem.sent_since_step,
            last_pq_step_at: self.kem.last_step_at,
            sending_index: match &self.send {
                SendState::Active(c) => c.index,
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

    pub(crate) fn pq_step_due(&self, now: u64) -> bool {
        self.kem.due(now)
    }

    pub(crate) fn policy(&self) -> PqPolicy {
        self.kem.policy
    }

    #[cfg(feature = "trace")]
    pub(crate) fn take_trace(&mut self) -> Vec<TraceEvent> {
        self.trace.take()
    }

    #[cfg(feature = "trace")]
    pub(crate) fn root_key(&self) -> [u8; 32] {
        *self.root.as_bytes()
    }

    // ----- state encoding -----

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.bytes(self.root.as_bytes());
        match &self.ours {
            Some(k) => {
                w.bool(true);
                w.bytes(k.secret.to_bytes().as_slice());
            }
            None => w.bool(false),
        }
        match &self.send {
            SendState::Active(c) => {
                w.u8(1);
                w.bytes(c.chain_key.as_bytes());
                w.u32(c.index);
                w.u32(c.previous_chain_len);
                match &c.pq.ciphertext {
                    Some((id, ct)) => {
                        w.bool(true);
                        w.u32(*id);
                        w.bytes(ct.as_bytes());
                    }
                    None => w.bool(false),
                }
                match &c.pq.offer {
                    Some((id, pk)) => {
                        w.bool(true);
                        w.u32(*id);
                        w.bytes(pk.as_bytes());
                    }
                    None => w.bool(false),
                }
            }
            SendState::NeedsStep {
                peer,
                previous_chain_len,
            } => {
                w.u8(2);
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
        for k in &self.retired {
            w.bytes(k.as_bytes());
        }
        self.kem.encode(w);
        w.u32(self.dh_epoch);
        w.u64(self.sent);
        w.u64(self.received);
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let root = Secret32::new(r.array()?);
        let ours = if r.bool("ratchet key")? {
            Some(OurRatchetKey::new(X25519SecretKey::from_bytes(
                &zeroize::Zeroizing::new(r.array()?),
            )))
        } else {
            None
        };
        let send = match r.u8()? {
            1 => {
                let chain_key = Secret32::new(r.array()?);
                let index = r.u32()?;
                let previous_chain_len = r.u32()?;
                let ciphertext = if r.bool("PQ ciphertext")? {
                    Some((
                        r.u32()?,
                        crate::keys::KemCiphertext::from_bytes(&r.array()?),
                    ))
                } else {
                    None
                };
                let offer = if r.bool("PQ offer")? {
                    Some((
                        r.u32()?,
                        crate::keys::KemPublicKey::from_bytes(&r.array()?)?,
                    ))
                } else {
                    None
                };
                SendState::Active(SendingChain {
                    chain_key,
                    index,
                    previous_chain_len,
                    pq: PqData { ciphertext, offer },
                })
            }
            2 => SendState::NeedsStep {
                peer: X25519PublicKey::from_bytes(r.array()?),
                previous_chain_len: r.u32()?,
            },
            _ => {
                return Err(DecodeError::InvalidField {
                    field: "send state",
                });
            }
        };
        if matches!(send, SendState::Active(_)) && ours.is_none() {
            return Err(DecodeError::InvalidField {
                field: "send state",
            });
        }
        let receiving = if r.bool("receiving chain")? {
            Some(ReceivingChain {
                ratchet_key: X25519PublicKey::from_bytes(r.array()?),
                chain_key: Secret32::new(r.array()?),
                next: r.u32()?,
            })
        } else {
            None
        };
        let skipped = SkippedKeys::decode(r)?;
        let n = r.count(MAX_RETIRED_RATCHET_KEYS, "retired key count")?;
        let mut retired = VecDeque::with_capacity(n);
        for _ in 0..n {
            retired.push_back(X25519PublicKey::from_bytes(r.array()?));
        }
        let kem = KemRatchet::decode(r)?;
        Ok(Self {
            root,
            ours,
            send,
            receiving,
            skipped,
            retired,
            kem,
            dh_epoch: r.u32()?,
            sent: r.u64()?,
            received: r.u64()?,
            trace: Trace::default(),
        })
    }
}

#[cfg_attr(not(feature = "trace"), allow(unused_variables))]
fn record_ratchet_key(trace: &mut Trace, key: &X25519SecretKey) {
    trace.record(|| TraceEvent::RatchetKeyGenerated {
        secret: *key.to_bytes(),
        public: *key.public_key().as_bytes(),
    });
}

#[cfg_attr(not(feature = "trace"), allow(unused_variables))]
fn record_kem_key(trace: &mut Trace, id: u32, key: &KemSecretKey) {
    trace.record(|| TraceEvent::KemKeyGenerated {
        id,
        seed: key.seed().to_vec(),
    });
}

#[cfg_attr(not(feature = "trace"), allow(unused_variables))]
fn record_root_step(
    trace: &mut Trace,
    direction: Direction,
    root_in: &Secret32,
    dh: &Secret32,
    kem_secret: Option<&Secret32>,
    root_out: &Secret32,
    chain_key: &Secret32,
) {
    trace.record(|| TraceEvent::RootStep {
        direction,
        root_in: *root_in.as_bytes(),
        dh: *dh.as_bytes(),
        kem_secret: kem_secret.map(|s| *s.as_bytes()),
        root_out: *root_out.as_bytes(),
        chain_key: *chain_key.as_bytes(),
    });
}
