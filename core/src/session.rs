//! Sessions: the public face of the handshake and the ratchet.
//!
//! Spec: `docs/PROTOCOL.md`, sections 5.5 ("Initial message") and 6 ("Ratchet").
//!
//! - [`Session::initiate`] (initiator) takes a [`VerifiedBundle`] and returns the session and
//!   the initial message. Until the initiator has received a reply, every message she
//!   encrypts is again an initial message (handshake fields followed by a ratchet message), so
//!   the responder can start the session from whichever arrives first.
//! - [`Session::accept`] (responder) takes an initial message and the prekey store.
//! - [`Session::encrypt`] / [`Session::decrypt`]: transactional; on error the session is
//!   unchanged.
//!
//! A `Session` is not `Clone`: a copy that encrypts would reuse a message key and nonce (two
//! plaintexts under one key stream). A snapshot is `seal`, and `open` makes a new session
//! from it.
//!
//! ```compile_fail
//! fn fork(session: &twofold_core::Session) -> twofold_core::Session {
//!     session.clone()
//! }
//! ```

use alloc::vec::Vec;
use core::fmt;

use rand_core::TryCryptoRng;
use zeroize::Zeroizing;

use crate::bundle::VerifiedBundle;
use crate::error::{AcceptError, DecodeError, DecryptError, EncryptError, InitiateError};
use crate::fingerprint::{SafetyNumber, Sas};
use crate::handshake::{self, HandshakeSecrets, Initiated, KeyAgreement, Responded};
use crate::identity::{IdentityKeyPair, PublicIdentity};
use crate::kdf;
use crate::message::initial::InitialMessage;
use crate::message::ratchet::MessageView;
use crate::message::{MessageKind, message_kind};
use crate::prekeys::PrekeyStore;
use crate::ratchet::Ratchet;
use crate::ratchet::pq::PqPolicy;
#[cfg(twofold_trace)]
use crate::trace::Trace;
use crate::trace::{NoTrace, TraceSink};
use crate::wire::{Reader, Writer};

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
    /// Our next message starts a new sending chain (a DH ratchet step, and a PQ step if
    /// [`Session::pq_step_due`]).
    pub new_chain_next: bool,
}

/// An end-to-end encrypted session with one peer. Not `Clone` (see the module docs).
pub struct Session {
    role: Role,
    our_fingerprint: [u8; 32],
    peer: PublicIdentity,
    session_ad: [u8; 32],
    sas: Zeroizing<[u8; 8]>,
    handshake_id: [u8; 32],
    pending_prefix: Option<Vec<u8>>,
    ratchet: Ratchet,
}

impl Session {
    /// Starts a session with the owner of `bundle` and encrypts the first message.
    ///
    /// `now` is the caller's clock in seconds (used only by the PQ policy; pass 0 without a
    /// clock). Returns the session and the initial message to send.
    ///
    /// # Errors
    /// [`InitiateError`]; nothing was sent and nothing needs undoing.
    pub fn initiate<R: TryCryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        bundle: &VerifiedBundle,
        plaintext: &[u8],
        associated_data: &[u8],
        now: u64,
        config: &SessionConfig,
    ) -> Result<(Self, Vec<u8>), InitiateError> {
        Self::initiate_with(
            rng,
            identity,
            bundle,
            plaintext,
            associated_data,
            now,
            config,
            &mut NoTrace,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn initiate_with<R: TryCryptoRng + ?Sized, T: TraceSink>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        bundle: &VerifiedBundle,
        plaintext: &[u8],
        associated_data: &[u8],
        now: u64,
        config: &SessionConfig,
        trace: &mut T,
    ) -> Result<(Self, Vec<u8>), InitiateError> {
        if plaintext.len() > crate::consts::MAX_PLAINTEXT_LEN {
            return Err(InitiateError::TooLarge);
        }
        let Initiated { agreement, prefix } = handshake::initiate(rng, identity, bundle, trace)?;
        let KeyAgreement {
            transcript_hash,
            secrets:
                HandshakeSecrets {
                    root_key,
                    chain_key,
                    sas,
                },
        } = agreement;
        let ratchet =
            Ratchet::new_initiator(rng, root_key, chain_key, config.pq_policy, now, trace)?;
        let mut session = Self {
            role: Role::Initiator,
            our_fingerprint: identity.public().fingerprint(),
            peer: bundle.identity().clone(),
            session_ad: transcript_hash,
            sas,
            handshake_id: kdf::sha256(&[&prefix]),
            pending_prefix: Some(prefix),
            ratchet,
        };
        let message = session.encrypt_with(rng, now, plaintext, associated_data, trace)?;
        Ok((session, message))
    }

    /// Accepts an initial message: verifies the initiator's identity, finds the prekeys it
    /// names, computes the handshake and decrypts the embedded first message.
    ///
    /// Only once the first message authenticates is the store changed: the one-time prekeys
    /// used are consumed and the handshake is remembered, so a replay is refused. On error
    /// the store is unchanged.
    ///
    /// # Errors
    /// [`AcceptError`].
    pub fn accept(
        identity: &IdentityKeyPair,
        store: &mut PrekeyStore,
        message: &[u8],
        associated_data: &[u8],
        now: u64,
        config: &SessionConfig,
    ) -> Result<(Self, Vec<u8>), AcceptError> {
        Self::accept_with(
            identity,
            store,
            message,
            associated_data,
            now,
            config,
            &mut NoTrace,
        )
    }

    fn accept_with<T: TraceSink>(
        identity: &IdentityKeyPair,
        store: &mut PrekeyStore,
        message: &[u8],
        associated_data: &[u8],
        now: u64,
        config: &SessionConfig,
        trace: &mut T,
    ) -> Result<(Self, Vec<u8>), AcceptError> {
        let initial = InitialMessage::decode(message)?;
        let view = MessageView::decode(initial.ratchet_message)?;
        let first_pq = Ratchet::stage_initial(&view).map_err(|_| AcceptError::AuthFailed)?;
        // The initiator's first ratchet key is used only by our first reply: check it now so a
        // session that could never answer is not created (and no one-time prekey consumed).
        if view.header.ratchet_key.is_low_order() {
            return Err(AcceptError::NonContributory);
        }
        let handshake_id = kdf::sha256(&[initial.prefix]);
        let Responded {
            agreement,
            initiator,
            staged,
        } = handshake::respond(identity, store, initial.fields, trace)?;
        let KeyAgreement {
            transcript_hash,
            secrets:
                HandshakeSecrets {
                    root_key,
                    chain_key,
                    sas,
                },
        } = agreement;
        let mut ratchet = Ratchet::new_responder(
            root_key,
            chain_key,
            view.header.ratchet_key,
            config.pq_policy,
            now,
        );
        let (plaintext, proof) = ratchet
            .decrypt(&view, associated_data, &transcript_hash, trace)
            .map_err(|e| match e {
                DecryptError::TooFarAhead { .. } => AcceptError::TooFarAhead,
                DecryptError::Decode(d) => AcceptError::Decode(d),
                DecryptError::NonContributory => AcceptError::NonContributory,
                _ => AcceptError::AuthFailed,
            })?;
        // Authenticated: only now is anything consumed.
        ratchet.commit_initial(first_pq, &proof);
        store.commit_accept(staged, &proof);
        let session = Self {
            role: Role::Responder,
            our_fingerprint: identity.public().fingerprint(),
            peer: initiator,
            session_ad: transcript_hash,
            sas,
            handshake_id,
            pending_prefix: None,
            ratchet,
        };
        Ok((session, plaintext))
    }

    /// Encrypts `plaintext`, authenticating `associated_data` too (the receiver must pass
    /// the same bytes). `now` is the caller's clock in seconds, for the PQ policy.
    ///
    /// Never reuses a message key: every call advances the sending chain. On error the
    /// session is unchanged.
    ///
    /// # Errors
    /// [`EncryptError`].
    pub fn encrypt<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        now: u64,
        plaintext: &[u8],
        associated_data: &[u8],
    ) -> Result<Vec<u8>, EncryptError> {
        self.encrypt_with(rng, now, plaintext, associated_data, &mut NoTrace)
    }

    fn encrypt_with<R: TryCryptoRng + ?Sized, T: TraceSink>(
        &mut self,
        rng: &mut R,
        now: u64,
        plaintext: &[u8],
        associated_data: &[u8],
        trace: &mut T,
    ) -> Result<Vec<u8>, EncryptError> {
        let message = self.ratchet.encrypt(
            rng,
            now,
            plaintext,
            associated_data,
            &self.session_ad,
            trace,
        )?;
        Ok(match &self.pending_prefix {
            Some(prefix) => {
                let mut out = Vec::with_capacity(prefix.len().saturating_add(message.len()));
                out.extend_from_slice(prefix);
                out.extend_from_slice(&message);
                out
            }
            None => message,
        })
    }

    /// Decrypts a message from the peer (a ratchet message, or a repeated initial message of
    /// this session's handshake).
    ///
    /// On any error the session is unchanged, byte for byte: a forged or corrupted message
    /// can be dropped and the next genuine one still decrypts.
    ///
    /// # Errors
    /// [`DecryptError`]; every authentication failure is [`DecryptError::AuthFailed`].
    pub fn decrypt(
        &mut self,
        message: &[u8],
        associated_data: &[u8],
    ) -> Result<Vec<u8>, DecryptError> {
        self.decrypt_with(message, associated_data, &mut NoTrace)
    }

    fn decrypt_with<T: TraceSink>(
        &mut self,
        message: &[u8],
        associated_data: &[u8],
        trace: &mut T,
    ) -> Result<Vec<u8>, DecryptError> {
        let inner = match message_kind(message)? {
            MessageKind::Ratchet => message,
            MessageKind::Initial => {
                let initial = InitialMessage::decode(message)?;
                if self.role != Role::Responder
                    || kdf::sha256(&[initial.prefix]) != self.handshake_id
                {
                    return Err(DecryptError::WrongSession);
                }
                initial.ratchet_message
            }
        };
        let view = MessageView::decode(inner)?;
        let (plaintext, _) =
            self.ratchet
                .decrypt(&view, associated_data, &self.session_ad, trace)?;
        self.pending_prefix = None;
        Ok(plaintext)
    }

    /// Non-secret state for UIs.
    #[must_use]
    pub fn info(&self) -> SessionInfo {
        let c = self.ratchet.counters();
        SessionInfo {
            role: self.role,
            dh_epoch: c.dh_epoch,
            pq_epoch: c.pq_epoch,
            pq_offer_pending: c.pq_offer_pending,
            messages_since_pq_step: c.messages_since_pq_step,
            last_pq_step_at: c.last_pq_step_at,
            pq_policy: self.ratchet.policy(),
            sending_index: c.sending_index,
            receiving_index: c.receiving_index,
            skipped_keys: c.skipped_keys,
            skipped_chains: c.skipped_chains,
            sent: c.sent,
            received: c.received,
            awaiting_reply: self.pending_prefix.is_some(),
            new_chain_next: c.new_chain_next,
        }
    }

    /// Whether our next new sending chain would perform a PQ step at time `now`.
    #[must_use]
    pub fn pq_step_due(&self, now: u64) -> bool {
        self.ratchet.pq_step_due(now)
    }

    /// The peer's identity (verified during the handshake).
    #[must_use]
    pub fn peer_identity(&self) -> &PublicIdentity {
        &self.peer
    }

    /// The safety number of our identity and the peer's.
    #[must_use]
    pub fn safety_number(&self) -> SafetyNumber {
        SafetyNumber::from_fingerprints(self.our_fingerprint, self.peer.fingerprint())
    }

    /// The short authentication string of this session's handshake.
    #[must_use]
    pub fn sas(&self) -> Sas {
        Sas::new(*self.sas)
    }

    /// Identifies the handshake (SHA-256 of the initial message's handshake fields); equal on
    /// both sides.
    #[must_use]
    pub fn handshake_id(&self) -> [u8; 32] {
        self.handshake_id
    }

    /// [`Session::initiate`], recording the key schedule into `trace` on success.
    #[cfg(twofold_trace)]
    #[allow(clippy::too_many_arguments, clippy::missing_errors_doc)]
    pub fn initiate_traced<R: TryCryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        bundle: &VerifiedBundle,
        plaintext: &[u8],
        associated_data: &[u8],
        now: u64,
        config: &SessionConfig,
        trace: &mut Trace,
    ) -> Result<(Self, Vec<u8>), InitiateError> {
        let mut local = Trace::default();
        let out = Self::initiate_with(
            rng,
            identity,
            bundle,
            plaintext,
            associated_data,
            now,
            config,
            &mut local,
        )?;
        trace.append(local);
        Ok(out)
    }

    /// [`Session::accept`], recording the key schedule into `trace` on success.
    #[cfg(twofold_trace)]
    #[allow(clippy::missing_errors_doc)]
    pub fn accept_traced(
        identity: &IdentityKeyPair,
        store: &mut PrekeyStore,
        message: &[u8],
        associated_data: &[u8],
        now: u64,
        config: &SessionConfig,
        trace: &mut Trace,
    ) -> Result<(Self, Vec<u8>), AcceptError> {
        let mut local = Trace::default();
        let out = Self::accept_with(
            identity,
            store,
            message,
            associated_data,
            now,
            config,
            &mut local,
        )?;
        trace.append(local);
        Ok(out)
    }

    /// [`Session::encrypt`], recording the key schedule into `trace` on success.
    #[cfg(twofold_trace)]
    #[allow(clippy::missing_errors_doc)]
    pub fn encrypt_traced<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        now: u64,
        plaintext: &[u8],
        associated_data: &[u8],
        trace: &mut Trace,
    ) -> Result<Vec<u8>, EncryptError> {
        let mut local = Trace::default();
        let out = self.encrypt_with(rng, now, plaintext, associated_data, &mut local)?;
        trace.append(local);
        Ok(out)
    }

    /// [`Session::decrypt`], recording the key schedule into `trace` on success.
    #[cfg(twofold_trace)]
    #[allow(clippy::missing_errors_doc)]
    pub fn decrypt_traced(
        &mut self,
        message: &[u8],
        associated_data: &[u8],
        trace: &mut Trace,
    ) -> Result<Vec<u8>, DecryptError> {
        let mut local = Trace::default();
        let out = self.decrypt_with(message, associated_data, &mut local)?;
        trace.append(local);
        Ok(out)
    }

    /// The current root key (for the post-compromise tests).
    #[cfg(twofold_trace)]
    #[must_use]
    pub fn root_key(&self) -> [u8; 32] {
        self.ratchet.root_key()
    }

    /// The plain (unsealed) state encoding, for byte-for-byte comparisons in tests.
    #[cfg(twofold_trace)]
    #[must_use]
    pub fn state_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        self.encode_state(&mut w);
        w.into_vec()
    }

    pub(crate) fn encode_state(&self, w: &mut Writer) {
        w.u8(match self.role {
            Role::Initiator => 1,
            Role::Responder => 2,
        });
        w.bytes(&self.our_fingerprint);
        self.peer.encode_body(w);
        w.bytes(&self.session_ad);
        w.bytes(self.sas.as_slice());
        w.bytes(&self.handshake_id);
        match &self.pending_prefix {
            Some(p) => {
                w.bool(true);
                w.var_bytes(p);
            }
            None => w.bool(false),
        }
        self.ratchet.encode(w);
    }

    pub(crate) fn decode_state(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let role = match r.u8()? {
            1 => Role::Initiator,
            2 => Role::Responder,
            _ => return Err(DecodeError::InvalidEncoding { field: "role" }),
        };
        let our_fingerprint = r.array()?;
        let peer = PublicIdentity::decode_body(r)?.verified().map_err(|_| {
            DecodeError::InvalidEncoding {
                field: "peer identity",
            }
        })?;
        let session_ad = r.array()?;
        let sas = Zeroizing::new(r.array()?);
        let handshake_id = r.array()?;
        let pending_prefix = if r.bool("pending prefix")? {
            Some(
                r.var_bytes(crate::consts::MAX_HANDSHAKE_PREFIX_LEN)?
                    .to_vec(),
            )
        } else {
            None
        };
        let ratchet = Ratchet::decode(r)?;
        Ok(Self {
            role,
            our_fingerprint,
            peer,
            session_ad,
            sas,
            handshake_id,
            pending_prefix,
            ratchet,
        })
    }
}

// Every secret field (root, chain and skipped message keys, ratchet and KEM secret keys) is a
// type that wipes itself on drop.
impl zeroize::ZeroizeOnDrop for Session {}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("info", &self.info())
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}
