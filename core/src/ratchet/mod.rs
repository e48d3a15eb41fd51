//! The hybrid ratchet: Double Ratchet (X25519 DH ratchet, HMAC-SHA-256 chains, SIV message
//! encryption) with the chunked ML-KEM-768 ratchet of [`pq`].
//!
//! Spec: `docs/PROTOCOL.md`, section 6 ("Ratchet"). One file per concept: [`root_key`],
//! [`chain_key`], [`message_key`], [`sender_chain`], [`receiver_chain`], [`skipped`] (the
//! bounded store of skipped keys), [`digests`] (conflicting-message detection), [`pq`] and the
//! state codec in [`codec`].
//!
//! Both operations are transactional. `encrypt` and `decrypt` compute everything into local
//! values first (new root, chain and KEM state, skipped keys) and write them into `self` only
//! after the last fallible step: the RNG for `encrypt`, the SIV tag check for `decrypt`. On
//! failure the state is unchanged.
//!
//! The DH ratchet is lazy: receiving a new ratchet key derives the receiving chain at once,
//! but the matching sending chain (with a fresh key pair, mixing a verified PQ epoch secret if
//! one waits) is created by the next `encrypt`. So `decrypt` needs no RNG and no clock.

pub(crate) mod chain_key;
mod codec;
mod counters;
mod digests;
mod events;
pub(crate) mod message_key;
pub(crate) mod pq;
mod receiver_chain;
pub(crate) mod root_key;
mod sender_chain;
mod skipped;

use alloc::vec::Vec;

use zeroize::Zeroizing;

use rand_core::TryCryptoRng;

use crate::consts::{MAX_FORWARD_JUMP, MAX_PLAINTEXT_LEN};
use crate::error::{DecryptError, EncryptError};
use crate::keys::{X25519PublicKey, X25519SecretKey};
use crate::message::ratchet::{Header, MessageView, associated_data};
use crate::trace::{Direction, TraceSink};

use chain_key::ChainKey;
use digests::MessageDigests;
use events::{record_message_key, record_message_key_at, record_ratchet_key, record_root_step};
use pq::PqRatchet;
use receiver_chain::{ReceivingChain, RetiredKeys};
use root_key::RootKey;
use sender_chain::{OurRatchetKey, SendState, SendingChain, seal_in_chain};
use skipped::SkippedKeys;

/// Proof that a message authenticated under the ratchet: only a successful [`Ratchet::decrypt`]
/// makes one. The responder's prekey store consumes one-time prekeys only against it.
pub(crate) struct Authenticated(());

/// The ratchet state of one session. Not `Clone`: a copy that encrypts would reuse keys.
pub(crate) struct Ratchet {
    root: RootKey,
    send: SendState,
    receiving: Option<ReceivingChain>,
    skipped: SkippedKeys,
    retired: RetiredKeys,
    digests: MessageDigests,
    pq: PqRatchet,
    dh_epoch: u32,
    sent: u64,
    received: u64,
}

/// A new sending chain computed by `encrypt`, not yet committed.
struct StagedStep {
    ours: OurRatchetKey,
    root: RootKey,
    chain: SendingChain,
}

impl Ratchet {
    /// Initiator: the first sending chain comes from the handshake; its ratchet key is fresh.
    pub(crate) fn new_initiator<R: TryCryptoRng + ?Sized, T: TraceSink>(
        rng: &mut R,
        root: RootKey,
        chain_key: ChainKey,
        now: u64,
        trace: &mut T,
    ) -> Result<Self, EncryptError> {
        let ours = OurRatchetKey::new(X25519SecretKey::generate(rng)?);
        record_ratchet_key(trace, &ours);
        let pq = PqRatchet::new_initiator(rng, now, trace)?;
        Ok(Self {
            root,
            send: SendState::Active {
                ours,
                chain: SendingChain {
                    chain_key,
                    index: 0,
                    previous_chain_len: 0,
                    mix: false,
                },
            },
            receiving: None,
            skipped: SkippedKeys::default(),
            retired: RetiredKeys::default(),
            digests: MessageDigests::default(),
            pq,
            dh_epoch: 0,
            sent: 0,
            received: 0,
        })
    }

    /// Responder: the initiator's first chain comes from the handshake; we have no ratchet
    /// key until our first message.
    pub(crate) fn new_responder(
        root: RootKey,
        chain_key: ChainKey,
        initiator_ratchet_key: X25519PublicKey,
        now: u64,
    ) -> Self {
        Self {
            root,
            send: SendState::NeedsStep {
                ours: None,
                peer: initiator_ratchet_key,
                previous_chain_len: 0,
            },
            receiving: Some(ReceivingChain {
                ratchet_key: initiator_ratchet_key,
                chain_key,
                next: 0,
            }),
            skipped: SkippedKeys::default(),
            retired: RetiredKeys::default(),
            digests: MessageDigests::default(),
            pq: PqRatchet::new_responder(now),
            dh_epoch: 0,
            sent: 0,
            received: 0,
        }
    }

    /// Computes a new sending chain: fresh ratchet key, DH with the peer's key, and the root
    /// step, mixing the verified PQ epoch secret if one waits. Changes nothing.
    fn stage_step<R: TryCryptoRng + ?Sized, T: TraceSink>(
        &self,
        rng: &mut R,
        peer: &X25519PublicKey,
        previous_chain_len: u32,
        trace: &mut T,
    ) -> Result<StagedStep, EncryptError> {
        let ours = OurRatchetKey::new(X25519SecretKey::generate(rng)?);
        record_ratchet_key(trace, &ours);
        let dh = ours.secret.diffie_hellman(peer)?;
        let mix = self.pq.send_mix();
        let (root, chain_key) = self.root.advance(&dh, mix);
        record_root_step(
            trace,
            Direction::Sending,
            &self.root,
            &dh,
            mix,
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
                mix: mix.is_some(),
            },
        })
    }

    /// Encrypts one message. On error the state is unchanged.
    pub(crate) fn encrypt<R: TryCryptoRng + ?Sized, T: TraceSink>(
        &mut self,
        rng: &mut R,
        now: u64,
        plaintext: &[u8],
        ad: &[u8],
        session_ad: &[u8; 32],
        trace: &mut T,
    ) -> Result<Vec<u8>, EncryptError> {
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(EncryptError::TooLarge {
                len: plaintext.len(),
            });
        }
        // Draws, in order: the ratchet secret of a DH step, then the PQ draw (6.3).
        let (sealed, step, pq) = match &self.send {
            SendState::Active { ours, chain } => {
                let (chunk, pq) = self.pq.stage_send(rng, session_ad, trace)?;
                let sealed =
                    seal_in_chain(ours.public, chain, chunk, plaintext, ad, session_ad, trace)?;
                (sealed, None, pq)
            }
            SendState::NeedsStep {
                peer,
                previous_chain_len,
                ..
            } => {
                let step = self.stage_step(rng, peer, *previous_chain_len, trace)?;
                let (chunk, pq) = self.pq.stage_send(rng, session_ad, trace)?;
                let sealed = seal_in_chain(
                    step.ours.public,
                    &step.chain,
                    chunk,
                    plaintext,
                    ad,
                    session_ad,
                    trace,
                )?;
                (sealed, Some(step), pq)
            }
        };

        // Commit.
        let mixed = step.as_ref().is_some_and(|s| s.chain.mix);
        if let Some(step) = step {
            self.root = step.root;
            self.send = SendState::Active {
                ours: step.ours,
                chain: step.chain,
            };
            self.dh_epoch = self.dh_epoch.saturating_add(1);
        }
        if let SendState::Active { chain, .. } = &mut self.send {
            chain.chain_key = sealed.next_chain_key;
            chain.index = sealed.next_index;
        }
        self.pq.commit_send(pq, mixed, now);
        self.sent = self.sent.saturating_add(1);
        Ok(sealed.message)
    }

    /// Commits what every authenticated message changes besides its chain: the digest, the
    /// PQ part, the counter.
    fn commit_received<T: TraceSink>(
        &mut self,
        message: &MessageView<'_>,
        opened_mix: bool,
        session_ad: &[u8; 32],
        trace: &mut T,
    ) -> Authenticated {
        let h = &message.header;
        self.digests.record(&h.ratchet_key, h.index, &message.tag);
        self.pq.commit_receive(h, opened_mix, session_ad, trace);
        self.received = self.received.saturating_add(1);
        Authenticated(())
    }

    /// Decrypts one message. On any error the state is unchanged (byte for byte).
    pub(crate) fn decrypt<T: TraceSink>(
        &mut self,
        message: &MessageView<'_>,
        ad: &[u8],
        session_ad: &[u8; 32],
        trace: &mut T,
    ) -> Result<(Vec<u8>, Authenticated), DecryptError> {
        let h = &message.header;
        let aad = associated_data(session_ad, message.header_bytes, ad);
        let tag = &message.tag;

        // 0. The PQ fields against the peer's role.
        self.pq.check(h)?;

        // 1. A key skipped earlier: taken out, and put back in its place if the tag fails.
        if let Some((key, taken)) = self.skipped.take(&h.ratchet_key, h.index) {
            return match key.open(&aad, message.ciphertext) {
                Ok(plaintext) => {
                    let proof = self.commit_received(message, false, session_ad, trace);
                    Ok((plaintext, proof))
                }
                Err(key) => {
                    self.skipped.restore(key, taken);
                    Err(DecryptError::AuthFailed)
                }
            };
        }

        // 2. The current receiving chain. Before the tag check only the chain steps to the
        //    message's own key are derived; the skipped keys only once it authenticated.
        if let Some(rc) = &self.receiving
            && rc.ratchet_key == h.ratchet_key
        {
            if h.index < rc.next {
                return Err(self.digests.verdict(&h.ratchet_key, h.index, tag));
            }
            check_jump(rc.next, h.index)?;
            let (at, message_key) = chain_key::key_at(&rc.chain_key, rc.next, h.index);
            // Wiped if a later check fails.
            let mut plaintext = Zeroizing::new(
                message_key
                    .open(&aad, message.ciphertext)
                    .map_err(|_| DecryptError::AuthFailed)?,
            );
            let next = h.index.checked_add(1).ok_or(DecryptError::AuthFailed)?;
            let skipped = chain_key::skip(&rc.chain_key, rc.next, h.index, |i, ck, mk| {
                record_message_key(trace, Direction::Receiving, &h.ratchet_key, i, ck, mk);
            });
            let at = at.as_ref().unwrap_or(&rc.chain_key);
            record_message_key_at(trace, Direction::Receiving, &h.ratchet_key, h.index, at);
            let next_chain_key = at.next();
            if let Some(rc) = &mut self.receiving {
                rc.chain_key = next_chain_key;
                rc.next = next;
            }
            self.skipped.insert(h.ratchet_key, skipped);
            let proof = self.commit_received(message, false, session_ad, trace);
            return Ok((core::mem::take(&mut *plaintext), proof));
        }

        // 3. A chain we already left: the message was delivered before or its key is gone.
        if self.retired.contains(&h.ratchet_key) || self.skipped.has_chain(&h.ratchet_key) {
            return Err(self.digests.verdict(&h.ratchet_key, h.index, tag));
        }

        // 4. A new ratchet key: DH step, mixing the oldest pending PQ epoch secret if the
        //    chain says so. Before the tag check: the DH, the root step and the new chain's
        //    steps to the message's key; the skipped keys of both chains only after it.
        let ours = self.send.ours().ok_or(DecryptError::AuthFailed)?;
        let pn = match &self.receiving {
            Some(rc) => {
                let pn = h.previous_chain_len.max(rc.next);
                check_jump(rc.next, pn)?;
                pn
            }
            None => 0,
        };
        check_jump(0, h.index)?;
        let dh = ours.secret.diffie_hellman(&h.ratchet_key)?;
        let mix = if h.mix {
            Some(self.pq.receive_mix().ok_or(DecryptError::AuthFailed)?)
        } else {
            None
        };
        let (root, chain_key) = self.root.advance(&dh, mix);
        let (at, message_key) = chain_key::key_at(&chain_key, 0, h.index);
        // Wiped if a later check fails.
        let mut plaintext = Zeroizing::new(
            message_key
                .open(&aad, message.ciphertext)
                .map_err(|_| DecryptError::AuthFailed)?,
        );
        let next = h.index.checked_add(1).ok_or(DecryptError::AuthFailed)?;

        // Authenticated: the skipped keys, reported in the order they are derived.
        let old = self.receiving.as_ref().map(|rc| {
            let keys = chain_key::skip(&rc.chain_key, rc.next, pn, |i, ck, mk| {
                record_message_key(trace, Direction::Receiving, &rc.ratchet_key, i, ck, mk);
            });
            (rc.ratchet_key, keys)
        });
        record_root_step(
            trace,
            Direction::Receiving,
            &self.root,
            &dh,
            mix,
            &root,
            &chain_key,
        );
        let skipped = chain_key::skip(&chain_key, 0, h.index, |i, ck, mk| {
            record_message_key(trace, Direction::Receiving, &h.ratchet_key, i, ck, mk);
        });
        let at = at.as_ref().unwrap_or(&chain_key);
        record_message_key_at(trace, Direction::Receiving, &h.ratchet_key, h.index, at);
        let next_chain_key = at.next();

        // Commit.
        self.root = root;
        if let Some((old_key, keys)) = old {
            self.skipped.insert(old_key, keys);
            self.retired.push(old_key);
        }
        self.receiving = Some(ReceivingChain {
            ratchet_key: h.ratchet_key,
            chain_key: next_chain_key,
            next,
        });
        self.skipped.insert(h.ratchet_key, skipped);
        let placeholder = SendState::NeedsStep {
            ours: None,
            peer: h.ratchet_key,
            previous_chain_len: 0,
        };
        self.send = core::mem::replace(&mut self.send, placeholder).after_peer_step(h.ratchet_key);
        self.dh_epoch = self.dh_epoch.saturating_add(1);
        let proof = self.commit_received(message, h.mix, session_ad, trace);
        Ok((core::mem::take(&mut *plaintext), proof))
    }

    /// Responder only, before any handshake work: the PQ fields of the initiator's first
    /// message (`PqRatchet::check_initial`).
    pub(crate) fn check_initial(header: &Header) -> Result<(), crate::error::AcceptError> {
        PqRatchet::check_initial(header)
    }

    pub(crate) fn is_initiator(&self) -> bool {
        self.pq.is_initiator()
    }

    #[cfg(twofold_trace)]
    pub(crate) fn root_key(&self) -> [u8; 32] {
        *self.root.as_bytes()
    }
}

/// Bounds the keys an unauthenticated message can make the receiver derive.
fn check_jump(from: u32, to: u32) -> Result<(), DecryptError> {
    let jump = to.saturating_sub(from);
    if jump > MAX_FORWARD_JUMP {
        return Err(DecryptError::TooFarAhead {
            jump: u64::from(jump),
        });
    }
    Ok(())
}
