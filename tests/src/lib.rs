//! Test support for Twofold: deterministic RNGs, party set-up, hex and JSON helpers, the vector
//! generator ([`vectors`]) and the conversation model shared by the property tests
//! ([`scenario`]).
//!
//! This crate is test code: a panic here is a test failure, so the workspace's no-panic lints
//! are relaxed for it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::print_stdout,
    clippy::integer_division_remainder_used,
    missing_docs,
    missing_debug_implementations
)]

pub mod fuzz;
pub mod scenario;
pub mod sealed_box;
pub mod simulate;
pub mod vectors;

#[cfg(not(twofold_trace))]
compile_error!(
    "twofold-tests needs the key-schedule trace: build it with RUSTFLAGS='--cfg twofold_trace' \
     (`make check` and scripts/test do)"
);

use std::ops::{Deref, DerefMut};

use chacha20::ChaCha20Rng;
use rand_core::{SeedableRng, TryCryptoRng};
use twofold_core::trace::{Trace, TraceEvent};
use twofold_core::{
    AcceptError, DecryptError, EncryptError, IdentityKeyPair, InitiateError, PrekeyStore, Session,
    SessionConfig, VerifiedBundle, hazmat,
};

/// A deterministic RNG named by a label (the seed is HKDF of the label).
pub fn rng(label: &str) -> ChaCha20Rng {
    let seed = hazmat::hkdf_sha256(b"twofold test rng", label.as_bytes(), b"", 32).unwrap();
    ChaCha20Rng::from_seed(seed.try_into().unwrap())
}

/// A deterministic RNG from raw seed bytes.
pub fn rng_from(seed: [u8; 32]) -> ChaCha20Rng {
    ChaCha20Rng::from_seed(seed)
}

pub fn hx(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

pub fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// Which optional prekeys a bundle carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// One-time X25519 prekey and one-time ML-KEM prekey.
    Full,
    /// One-time ML-KEM prekey only.
    NoOneTimePrekey,
    /// One-time X25519 prekey only (the last-resort ML-KEM prekey is used).
    NoOneTimeKem,
    /// Neither: signed prekey and last-resort ML-KEM prekey only.
    LastResortOnly,
}

impl Variant {
    pub const ALL: [Variant; 4] = [
        Variant::Full,
        Variant::NoOneTimePrekey,
        Variant::NoOneTimeKem,
        Variant::LastResortOnly,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variant::Full => "full",
            Variant::NoOneTimePrekey => "no_one_time_prekey",
            Variant::NoOneTimeKem => "no_one_time_kem",
            Variant::LastResortOnly => "last_resort_only",
        }
    }

    /// One-time prekeys to create: (X25519, ML-KEM).
    pub fn one_time(self) -> (usize, usize) {
        match self {
            Variant::Full => (1, 1),
            Variant::NoOneTimePrekey => (0, 1),
            Variant::NoOneTimeKem => (1, 0),
            Variant::LastResortOnly => (0, 0),
        }
    }
}

/// Bob's identity, a prekey store holding exactly the one-time prekeys of `variant` (one
/// upload of at most one leaf) and the bundle a server composes from that upload.
pub fn responder(
    rng: &mut ChaCha20Rng,
    variant: Variant,
) -> (IdentityKeyPair, PrekeyStore, Vec<u8>) {
    let (bob, store, upload) = responder_upload(rng, variant);
    let (x, k) = variant.one_time();
    let index = (x.max(k) > 0).then_some(0);
    let bundle = twofold_core::compose_bundle(&upload, index).unwrap();
    (bob, store, bundle)
}

/// As [`responder`], returning the upload instead of a bundle. The signed prekeys are created
/// at [`vectors::NOW`] (an initiator whose clock is earlier sees age 0).
pub fn responder_upload(
    rng: &mut ChaCha20Rng,
    variant: Variant,
) -> (IdentityKeyPair, PrekeyStore, Vec<u8>) {
    let bob = IdentityKeyPair::generate(rng).unwrap();
    let mut store = PrekeyStore::generate(rng, &bob, vectors::NOW).unwrap();
    let (x, k) = variant.one_time();
    let upload = store.upload(rng, &bob, x, k).unwrap();
    (bob, store, upload)
}

/// A session that records its key schedule: `encrypt` and `decrypt` are the traced variants,
/// everything else is the session's own (through `Deref`).
pub struct Traced {
    pub session: Session,
    trace: Trace,
}

impl Traced {
    pub fn new(session: Session) -> Self {
        Self {
            session,
            trace: Trace::default(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn initiate<R: TryCryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        bundle: &VerifiedBundle,
        plaintext: &[u8],
        associated_data: &[u8],
        now: u64,
        config: &SessionConfig,
    ) -> Result<(Self, Vec<u8>), InitiateError> {
        let mut trace = Trace::default();
        let (session, m) = Session::initiate_traced(
            rng,
            identity,
            bundle,
            plaintext,
            associated_data,
            now,
            config,
            &mut trace,
        )?;
        Ok((Self { session, trace }, m))
    }

    pub fn accept(
        identity: &IdentityKeyPair,
        store: &mut PrekeyStore,
        message: &[u8],
        initiator: Option<&[u8]>,
        associated_data: &[u8],
        now: u64,
        config: &SessionConfig,
    ) -> Result<(Self, Vec<u8>), AcceptError> {
        let mut trace = Trace::default();
        let (session, p) = Session::accept_traced(
            identity,
            store,
            message,
            initiator,
            associated_data,
            now,
            config,
            &mut trace,
        )?;
        Ok((Self { session, trace }, p))
    }

    pub fn encrypt<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        now: u64,
        plaintext: &[u8],
        associated_data: &[u8],
    ) -> Result<Vec<u8>, EncryptError> {
        self.session
            .encrypt_traced(rng, now, plaintext, associated_data, &mut self.trace)
    }

    pub fn decrypt(
        &mut self,
        message: &[u8],
        associated_data: &[u8],
    ) -> Result<Vec<u8>, DecryptError> {
        self.session
            .decrypt_traced(message, associated_data, &mut self.trace)
    }

    /// Events recorded since the last call.
    pub fn take_trace(&mut self) -> Vec<TraceEvent> {
        self.trace.take()
    }
}

impl Deref for Traced {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.session
    }
}

impl DerefMut for Traced {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}

/// A snapshot of live state for tests, through `seal` and `open` (the only way: no state type
/// is `Clone`).
pub trait Fork: Sized {
    fn fork(&self) -> Self;
}

const FORK_KEY: [u8; 32] = [0xF0; 32];

impl Fork for Session {
    fn fork(&self) -> Self {
        Session::open(
            &self.seal(&mut rng("fork"), &FORK_KEY, b"").unwrap(),
            &FORK_KEY,
            b"",
            None,
        )
        .unwrap()
    }
}

impl Fork for Traced {
    fn fork(&self) -> Self {
        Traced::new(self.session.fork())
    }
}

impl Fork for PrekeyStore {
    fn fork(&self) -> Self {
        PrekeyStore::open(
            &self.seal(&mut rng("fork"), &FORK_KEY, b"").unwrap(),
            &FORK_KEY,
            b"",
            None,
        )
        .unwrap()
    }
}

impl Fork for IdentityKeyPair {
    fn fork(&self) -> Self {
        IdentityKeyPair::open(
            &self.seal(&mut rng("fork"), &FORK_KEY, b"").unwrap(),
            &FORK_KEY,
            b"",
        )
        .unwrap()
    }
}

/// A complete handshake: returns (alice, bob, alice session, bob session, initial message).
pub struct Pair {
    pub alice: IdentityKeyPair,
    pub bob: IdentityKeyPair,
    pub store: PrekeyStore,
    pub a: Traced,
    pub b: Traced,
    pub initial: Vec<u8>,
    pub rng: ChaCha20Rng,
}

pub fn pair(label: &str, variant: Variant, config: &SessionConfig) -> Pair {
    let mut rng = rng(label);
    let (bob, mut store, bundle) = responder(&mut rng, variant);
    let bundle = VerifiedBundle::from_bytes(&bundle).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let (a, initial) =
        Traced::initiate(&mut rng, &alice, &bundle, b"first", b"", 0, config).unwrap();
    let (b, plaintext) = Traced::accept(
        &bob,
        &mut store,
        &initial,
        Some(&alice.public().to_bytes()),
        b"",
        0,
        config,
    )
    .unwrap();
    assert_eq!(plaintext, b"first");
    Pair {
        alice,
        bob,
        store,
        a,
        b,
        initial,
        rng,
    }
}

/// Splits a message into (handshake prefix, ratchet message); the prefix is empty for a
/// ratchet message. Follows docs/PROTOCOL.md section 5.5 (either form).
pub fn split_initial(message: &[u8]) -> (&[u8], &[u8]) {
    if message[1] != 0x03 {
        return (&[], message);
    }
    let flags = message[3];
    let initiator = if flags & 0x04 != 0 { 5293 } else { 64 };
    let len = 4
        + initiator
        + 8
        + if flags & 1 == 1 { 4 } else { 0 }
        + 32
        + twofold_core::KEM_CIPHERTEXT_LEN;
    message.split_at(len)
}

/// Offset of `EK` in an initial message (then `CT`, then the ratchet message).
pub fn ephemeral_at(message: &[u8]) -> usize {
    split_initial(message).0.len() - 32 - twofold_core::KEM_CIPHERTEXT_LEN
}

/// Flips bit `bit` (0..8*len) of a copy of `bytes`.
pub fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

/// Bit positions for an exhaustive-enough sweep of an encoding: every byte of the first and
/// last 64 bytes, then every `stride`-th byte elsewhere; the bit within a byte rotates so that
/// every bit position is exercised.
pub fn sweep_bits(len: usize, stride: usize) -> Vec<usize> {
    (0..len)
        .filter(|i| *i < 64 || *i + 64 >= len || i % stride == 0)
        .map(|i| i * 8 + (i % 8))
        .collect()
}

/// `try_next_u32` and `try_next_u64` from the type's `try_fill_bytes` (little-endian), for the
/// test RNGs below and the constant-time harness (`src/bin/ctgrind.rs`).
#[macro_export]
macro_rules! next_from_fill {
    () => {
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            let mut b = [0; 4];
            self.try_fill_bytes(&mut b)?;
            Ok(u32::from_le_bytes(b))
        }

        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            let mut b = [0; 8];
            self.try_fill_bytes(&mut b)?;
            Ok(u64::from_le_bytes(b))
        }
    };
}

/// An RNG that yields `budget` bytes from a seeded generator, then fails: for checking that an
/// RNG failure is an error that changes nothing.
pub struct FailingRng {
    inner: ChaCha20Rng,
    budget: usize,
}

impl FailingRng {
    pub fn new(label: &str, budget: usize) -> Self {
        Self {
            inner: rng(label),
            budget,
        }
    }
}

impl rand_core::TryRng for FailingRng {
    type Error = core::fmt::Error;

    next_from_fill!();

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        if dst.len() > self.budget {
            return Err(core::fmt::Error);
        }
        self.budget -= dst.len();
        rand_core::Rng::fill_bytes(&mut self.inner, dst);
        Ok(())
    }
}

impl TryCryptoRng for FailingRng {}

/// An RNG that yields its first `switch_after` bytes from one seeded generator and the rest
/// from another: two runs that share the first draws (a ratchet key) and differ afterwards
/// (a PQ seed), as a restored state with a copied RNG would.
pub struct SplicedRng {
    first: ChaCha20Rng,
    second: ChaCha20Rng,
    left: usize,
}

impl SplicedRng {
    pub fn new(first: &str, second: &str, switch_after: usize) -> Self {
        Self {
            first: rng(first),
            second: rng(second),
            left: switch_after,
        }
    }
}

impl rand_core::TryRng for SplicedRng {
    type Error = core::convert::Infallible;

    next_from_fill!();

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for b in dst {
            let mut one = [0u8];
            if self.left > 0 {
                self.left -= 1;
                rand_core::Rng::fill_bytes(&mut self.first, &mut one);
            } else {
                rand_core::Rng::fill_bytes(&mut self.second, &mut one);
            }
            *b = one[0];
        }
        Ok(())
    }
}

impl TryCryptoRng for SplicedRng {}

/// An RNG that passes every draw of a seeded generator through and keeps a copy of each
/// draw, for vectors that list every random value (the last 32 bytes of an upload are its
/// ML-DSA signing randomness `rnd`).
pub struct RecordingRng<'a> {
    inner: &'a mut ChaCha20Rng,
    pub draws: Vec<Vec<u8>>,
}

impl<'a> RecordingRng<'a> {
    pub fn new(inner: &'a mut ChaCha20Rng) -> Self {
        Self {
            inner,
            draws: Vec::new(),
        }
    }
}

impl rand_core::TryRng for RecordingRng<'_> {
    type Error = core::convert::Infallible;

    next_from_fill!();

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        rand_core::Rng::fill_bytes(self.inner, dst);
        self.draws.push(dst.to_vec());
        Ok(())
    }
}

impl TryCryptoRng for RecordingRng<'_> {}

/// An RNG that hands out recorded draws, one per request and in order (a vector's
/// `draws`), so that the library's own code path reproduces a vector; a request of another
/// length, or beyond the last draw, panics (a test failure: the order of draws changed).
pub struct ReplayRng {
    draws: std::collections::VecDeque<Vec<u8>>,
}

impl ReplayRng {
    pub fn new(draws: Vec<Vec<u8>>) -> Self {
        Self {
            draws: draws.into(),
        }
    }

    /// Whether every recorded draw was used.
    pub fn is_spent(&self) -> bool {
        self.draws.is_empty()
    }
}

impl rand_core::TryRng for ReplayRng {
    type Error = core::convert::Infallible;

    next_from_fill!();

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let draw = self
            .draws
            .pop_front()
            .expect("a draw the vector did not record");
        dst.copy_from_slice(&draw);
        Ok(())
    }
}

impl TryCryptoRng for ReplayRng {}
