//! The traced variants of the session operations (only with `--cfg twofold_trace`): each
//! records the key schedule into the caller's [`Trace`], and only when it succeeds.

use alloc::vec::Vec;

use rand_core::TryCryptoRng;

use super::{Session, SessionConfig};
use crate::bundle::VerifiedBundle;
use crate::error::{AcceptError, DecryptError, EncryptError, InitiateError};
use crate::identity::IdentityKeyPair;
use crate::identity_cache::IdentityCache;
use crate::prekeys::PrekeyStore;
use crate::trace::Trace;
use crate::wire::Writer;

/// Runs `op` with a fresh trace and appends its events to `trace` only if it succeeds, so a
/// failed operation records nothing (as it changes nothing).
fn committed<T, E>(trace: &mut Trace, op: impl FnOnce(&mut Trace) -> Result<T, E>) -> Result<T, E> {
    let mut local = Trace::default();
    let out = op(&mut local)?;
    trace.append(local);
    Ok(out)
}

impl Session {
    /// [`Session::initiate`], recording the key schedule into `trace` on success.
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
        committed(trace, |local| {
            Self::initiate_with(
                rng,
                identity,
                bundle,
                plaintext,
                associated_data,
                now,
                config,
                local,
            )
        })
    }

    /// [`Session::accept`], recording the key schedule into `trace` on success.
    #[allow(clippy::missing_errors_doc, clippy::too_many_arguments)]
    pub fn accept_traced(
        identity: &IdentityKeyPair,
        store: &mut PrekeyStore,
        message: &[u8],
        initiator: Option<&[u8]>,
        associated_data: &[u8],
        now: u64,
        config: &SessionConfig,
        trace: &mut Trace,
    ) -> Result<(Self, Vec<u8>), AcceptError> {
        committed(trace, |local| {
            Self::accept_with(
                identity,
                store,
                message,
                initiator,
                associated_data,
                now,
                config,
                None,
                local,
            )
        })
    }

    /// [`Session::accept`] (or [`Session::accept_cached`] with a cache), recording every event
    /// into `trace`, those of a failed call too (to count the work a rejected message cost).
    #[allow(clippy::missing_errors_doc, clippy::too_many_arguments)]
    pub fn accept_observed(
        identity: &IdentityKeyPair,
        store: &mut PrekeyStore,
        message: &[u8],
        initiator: Option<&[u8]>,
        associated_data: &[u8],
        now: u64,
        config: &SessionConfig,
        cache: Option<&mut IdentityCache>,
        trace: &mut Trace,
    ) -> Result<(Self, Vec<u8>), AcceptError> {
        Self::accept_with(
            identity,
            store,
            message,
            initiator,
            associated_data,
            now,
            config,
            cache,
            trace,
        )
    }

    /// [`Session::encrypt`], recording the key schedule into `trace` on success.
    #[allow(clippy::missing_errors_doc)]
    pub fn encrypt_traced<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        now: u64,
        plaintext: &[u8],
        associated_data: &[u8],
        trace: &mut Trace,
    ) -> Result<Vec<u8>, EncryptError> {
        committed(trace, |local| {
            self.encrypt_with(rng, now, plaintext, associated_data, local)
        })
    }

    /// [`Session::decrypt`], recording the key schedule into `trace` on success.
    #[allow(clippy::missing_errors_doc)]
    pub fn decrypt_traced(
        &mut self,
        message: &[u8],
        associated_data: &[u8],
        trace: &mut Trace,
    ) -> Result<Vec<u8>, DecryptError> {
        committed(trace, |local| {
            self.decrypt_with(message, associated_data, local)
        })
    }

    /// The current root key (for the post-compromise tests).
    #[must_use]
    pub fn root_key(&self) -> [u8; 32] {
        self.ratchet.root_key()
    }

    /// The plain (unsealed) state encoding, for byte-for-byte comparisons in tests.
    #[must_use]
    pub fn state_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        self.encode_state(&mut w);
        w.into_vec()
    }
}
