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
//! A `Session` is not `Clone`: a copy that encrypts would reuse message keys. SIV encryption
//! keeps that from reusing a key stream, but the peer accepts only one message per position
//! (the other is `CONFLICTING_MESSAGE`, lost) and a PQ key started by the copy costs a fault.
//! A snapshot is `seal`, and `open` makes a new session from it.
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
use crate::consts::MAX_ASSOCIATED_DATA_LEN;
use crate::error::{AcceptError, DecodeError, DecryptError, EncryptError, InitiateError};
use crate::fingerprint::{SafetyNumber, Sas};
use crate::handshake::{self, Initiated, Responded};
use crate::identity::IdentityKeyPair;
use crate::identity_cache::IdentityCache;
use crate::kdf;
use crate::message::initial::InitialMessage;
use crate::message::ratchet::MessageView;
use crate::message::{MessageKind, message_kind};
use crate::prekeys::PrekeyStore;
use crate::ratchet::Ratchet;
use crate::trace::{NoTrace, TraceSink};
mod codec;
mod info;
#[cfg(twofold_trace)]
mod traced;

pub use info::{Role, SessionConfig, SessionInfo};

/// An end-to-end encrypted session with one peer. Not `Clone` (see the module docs).
pub struct Session {
    /// Successful state changes so far (`encrypt`, `decrypt`): sealed with the state, so
    /// `open` can refuse an older copy.
    generation: u64,
    role: Role,
    our_fingerprint: [u8; 32],
    /// The peer's identity, by fingerprint: verified during the handshake, kept as the 32
    /// bytes the safety number needs (the identity itself is the directory's business).
    peer_fingerprint: [u8; 32],
    session_ad: [u8; 32],
    sas: Zeroizing<[u8; 8]>,
    handshake_id: [u8; 32],
    pending_prefix: Option<Vec<u8>>,
    ratchet: Ratchet,
}

impl Session {
    /// Starts a session with the owner of `bundle` and encrypts the first message.
    ///
    /// `now` is the caller's clock, Unix seconds: compared with the bundle's signed
    /// `created_at` (`STALE_PREKEY` beyond `config.max_prekey_age`) and recorded for
    /// `SessionInfo::last_pq_epoch_at`. A caller without a clock passes 0, which makes every
    /// bundle look fresh: it should then set `max_prekey_age` to `None` to say so. Returns the
    /// session and the initial message to send.
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
        if plaintext.len() > crate::consts::MAX_PLAINTEXT_LEN
            || associated_data.len() > MAX_ASSOCIATED_DATA_LEN
        {
            return Err(InitiateError::TooLarge);
        }
        let SessionConfig {
            max_prekey_age,
            self_contained,
        } = *config;
        let created_at = bundle.signed_prekeys_created_at();
        if let Some(max) = max_prekey_age
            && now.saturating_sub(created_at) > max
        {
            return Err(InitiateError::StalePrekey { created_at, now });
        }
        let Initiated { agreement, prefix } =
            handshake::initiate(rng, identity, bundle, self_contained, trace)?;
        let (transcript_hash, root_key, chain_key, sas) = agreement.into_parts();
        let ratchet = Ratchet::new_initiator(rng, root_key, chain_key, now, trace)?;
        let mut session = Self {
            generation: 0,
            role: Role::Initiator,
            our_fingerprint: identity.public().fingerprint(),
            peer_fingerprint: bundle.identity().fingerprint(),
            session_ad: transcript_hash,
            sas,
            handshake_id: kdf::sha256(&[&prefix]),
            pending_prefix: Some(prefix),
            ratchet,
        };
        let message = session.encrypt_with(rng, now, plaintext, associated_data, trace)?;
        Ok((session, message))
    }

    /// Accepts an initial message: finds the initiator's identity and the prekeys it names,
    /// computes the handshake, decrypts the embedded first message and, once that
    /// authenticated, verifies the initiator's identity binding (a forged message costs no
    /// signature verification).
    ///
    /// `initiator` is the initiator's identity encoding as the application's directory
    /// returned it for the message's fingerprint (`describe_message`): required for a compact
    /// initial message (else `IDENTITY_REQUIRED`), optional for a self-contained one (which
    /// carries it). It is decoded, checked against the message's X25519 key and fingerprint
    /// (`INITIATOR_MISMATCH`) and verified only after authentication, like a carried one.
    ///
    /// Only then is the store changed: the one-time prekeys used are consumed, or, for a
    /// handshake that used none, it is remembered in the replay cache, so a replay is refused.
    /// On error the store is unchanged.
    ///
    /// # Errors
    /// [`AcceptError`].
    pub fn accept(
        identity: &IdentityKeyPair,
        store: &mut PrekeyStore,
        message: &[u8],
        initiator: Option<&[u8]>,
        associated_data: &[u8],
        now: u64,
        config: &SessionConfig,
    ) -> Result<(Self, Vec<u8>), AcceptError> {
        Self::accept_with(
            identity,
            store,
            message,
            initiator,
            associated_data,
            now,
            config,
            None,
            &mut NoTrace,
        )
    }

    /// As [`Session::accept`], with the caller's cache of verified identities: an initiator
    /// whose identity is cached byte for byte costs no ML-DSA verification, and one verified
    /// now is added to the cache (spec 5.5, step 15). The same cache serves
    /// [`crate::PrekeyBundle::verify_with`].
    ///
    /// # Errors
    /// As [`Session::accept`].
    #[allow(clippy::too_many_arguments)]
    pub fn accept_cached(
        identity: &IdentityKeyPair,
        store: &mut PrekeyStore,
        message: &[u8],
        initiator: Option<&[u8]>,
        associated_data: &[u8],
        now: u64,
        config: &SessionConfig,
        cache: &mut IdentityCache,
    ) -> Result<(Self, Vec<u8>), AcceptError> {
        Self::accept_with(
            identity,
            store,
            message,
            initiator,
            associated_data,
            now,
            config,
            Some(cache),
            &mut NoTrace,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn accept_with<T: TraceSink>(
        identity: &IdentityKeyPair,
        store: &mut PrekeyStore,
        message: &[u8],
        initiator: Option<&[u8]>,
        associated_data: &[u8],
        now: u64,
        config: &SessionConfig,
        cache: Option<&mut IdentityCache>,
        trace: &mut T,
    ) -> Result<(Self, Vec<u8>), AcceptError> {
        // No option applies to the responder's side yet.
        let SessionConfig {
            max_prekey_age: _,
            self_contained: _,
        } = *config;
        check_associated_data(associated_data)?;
        let initial = InitialMessage::decode(message)?;
        let view = MessageView::decode(initial.ratchet_message)?;
        Ratchet::check_initial(&view.header)?;
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
        } = handshake::respond(identity, store, initial.fields, initiator, trace)?;
        let (transcript_hash, root_key, chain_key, sas) = agreement.into_parts();
        let mut ratchet = Ratchet::new_responder(root_key, chain_key, view.header.ratchet_key, now);
        let (plaintext, proof) = ratchet
            .decrypt(&view, associated_data, &transcript_hash, trace)
            .map_err(|e| match e {
                DecryptError::TooFarAhead { .. } => AcceptError::TooFarAhead,
                DecryptError::Decode(d) => AcceptError::Decode(d),
                DecryptError::NonContributory => AcceptError::NonContributory,
                _ => AcceptError::AuthFailed,
            })?;
        // Wiped if the binding does not verify.
        let mut plaintext = Zeroizing::new(plaintext);
        // Authenticated: only now is the initiator's ML-DSA binding checked (a forged
        // message never costs a signature verification), and only then is anything consumed.
        // Without a cache, an empty one that keeps nothing.
        let initiator = cache
            .unwrap_or(&mut IdentityCache::new(0))
            .verified(initiator, trace)
            .map_err(|_| AcceptError::BadSignature)?;
        store.commit_accept(staged, &proof);
        let session = Self {
            generation: 0,
            role: Role::Responder,
            our_fingerprint: identity.public().fingerprint(),
            peer_fingerprint: initiator.fingerprint(),
            session_ad: transcript_hash,
            sas,
            handshake_id,
            pending_prefix: None,
            ratchet,
        };
        Ok((session, core::mem::take(&mut *plaintext)))
    }

    /// Encrypts `plaintext`, authenticating `associated_data` too (the receiver must pass
    /// the same bytes). `now` is the caller's clock in seconds, only recorded (for
    /// `SessionInfo::last_pq_epoch_at`).
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
        if associated_data.len() > MAX_ASSOCIATED_DATA_LEN {
            return Err(EncryptError::TooLarge {
                len: associated_data.len(),
            });
        }
        let message = self.ratchet.encrypt(
            rng,
            now,
            plaintext,
            associated_data,
            &self.session_ad,
            trace,
        )?;
        self.generation = self.generation.saturating_add(1);
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
        check_associated_data(associated_data)?;
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
        self.generation = self.generation.saturating_add(1);
        Ok(plaintext)
    }

    /// How many times this session's state changed (each successful `encrypt` and
    /// `decrypt`; 0 after `accept`, 1 after `initiate`, which encrypts the first message).
    /// Sealed with it: an app that records the generation it stored last can pass it to `open`
    /// as the minimum, so an older copy is refused.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Non-secret state for UIs.
    #[must_use]
    pub fn info(&self) -> SessionInfo {
        let c = self.ratchet.counters();
        SessionInfo {
            role: self.role,
            dh_epoch: c.dh_epoch,
            pq_epoch: c.pq.epoch,
            pq_sending_epoch: c.pq.sending_epoch,
            pq_chunks_sent: c.pq.chunks_sent,
            pq_receiving_epoch: c.pq.receiving_epoch,
            pq_chunks_received: c.pq.chunks_received,
            pq_chunks_needed: c.pq.chunks_needed,
            messages_sent_since_pq_epoch: c.pq.sent_since,
            messages_received_since_pq_epoch: c.pq.received_since,
            last_pq_epoch_at: c.pq.last_epoch_at,
            pq_faults: c.pq.faults,
            sending_index: c.sending_index,
            receiving_index: c.receiving_index,
            skipped_keys: c.skipped_keys,
            skipped_chains: c.skipped_chains,
            sent: c.sent,
            received: c.received,
            awaiting_reply: self.pending_prefix.is_some(),
            // Each received DH step answers our latest ratchet key. The initiator's first one
            // is the reply (dh_epoch 1); the responder's epochs go accept 0, its reply 1, the
            // initiator's answering chain 2.
            peer_confirmed: c.dh_epoch
                >= match self.role {
                    Role::Initiator => 1,
                    Role::Responder => 2,
                },
            new_chain_next: c.new_chain_next,
            generation: self.generation,
        }
    }

    /// The fingerprint of the peer's identity (verified during the handshake). Compare it
    /// with `PublicIdentity::fingerprint` of a directory's identity to know whose it is.
    #[must_use]
    pub fn peer_fingerprint(&self) -> [u8; 32] {
        self.peer_fingerprint
    }

    /// The safety number of our identity and the peer's.
    #[must_use]
    pub fn safety_number(&self) -> SafetyNumber {
        SafetyNumber::from_fingerprints(self.our_fingerprint, self.peer_fingerprint)
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
}

/// Refuses associated data above [`MAX_ASSOCIATED_DATA_LEN`] (`TOO_LARGE`), before any work.
fn check_associated_data(associated_data: &[u8]) -> Result<(), DecodeError> {
    if associated_data.len() > MAX_ASSOCIATED_DATA_LEN {
        return Err(DecodeError::TooLarge {
            len: associated_data.len(),
            max: MAX_ASSOCIATED_DATA_LEN,
        });
    }
    Ok(())
}

// Every secret field (root, chain and skipped message keys, ratchet and KEM secret keys) is a
// type that wipes itself on drop.
impl zeroize::ZeroizeOnDrop for Session {}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("info", &self.info())
            .finish_non_exhaustive()
    }
}
