//! Key-schedule traces for test vectors.
//!
//! Every protocol step takes a [`TraceSink`]. Ordinary builds only ever pass [`NoTrace`], whose
//! `record` does nothing: the closures given to it are never called and the optimiser removes
//! them. The sink that records — [`Trace`], which copies every intermediate secret of the
//! handshake and the ratchet, as `vectors/` publishes them — exists only when the crate is
//! compiled with `--cfg twofold_trace` (a rustc flag, not a Cargo feature, so no dependent
//! crate can switch it on). Sessions never store a trace.
#![cfg_attr(not(twofold_trace), allow(dead_code, unreachable_pub))]

use alloc::vec::Vec;

/// Which way a chain runs, seen from the session that recorded the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// A chain this session encrypts with.
    Sending,
    /// A chain this session decrypts with.
    Receiving,
}

/// One step of the key schedule, with every input and output.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceEvent {
    /// Randomness the initiator drew for the handshake.
    InitiatorRandomness {
        /// Ephemeral X25519 secret key `EK_A`.
        ephemeral_secret: [u8; 32],
        /// The 32 bytes `m` of the ML-KEM encapsulation.
        kem_randomness: [u8; 32],
    },
    /// The handshake key agreement.
    Handshake {
        /// DH1, DH2, DH3 and, if a one-time prekey was used, DH4.
        dh: Vec<[u8; 32]>,
        /// The ML-KEM shared secret.
        kem_secret: [u8; 32],
        /// The transcript hash `TH` (HKDF salt).
        transcript_hash: [u8; 32],
        /// The transcript (preimage of `TH`).
        transcript: Vec<u8>,
        /// The HKDF input keying material.
        ikm: Vec<u8>,
        /// The first root key.
        root_key: [u8; 32],
        /// The initiator's first sending chain key.
        chain_key: [u8; 32],
        /// The eight SAS bytes.
        sas: [u8; 8],
    },
    /// A new X25519 ratchet key pair was generated.
    RatchetKeyGenerated {
        /// Its secret key.
        secret: [u8; 32],
        /// Its public key.
        public: [u8; 32],
    },
    /// The initiator generated the ML-KEM key pair of a PQ epoch.
    PqKeyGenerated {
        /// The epoch.
        epoch: u32,
        /// Its 64-byte seed `d || z` (drawn from the RNG).
        seed: Vec<u8>,
        /// The encapsulation key `ek`.
        public: Vec<u8>,
        /// `c_ek`.
        commitment: [u8; 32],
    },
    /// The responder encapsulated to a decoded key of a PQ epoch.
    PqEncapsulated {
        /// The epoch.
        epoch: u32,
        /// The 32 bytes `m` of the encapsulation (drawn from the RNG).
        randomness: [u8; 32],
        /// The ciphertext.
        ciphertext: Vec<u8>,
        /// The ML-KEM shared secret.
        shared_secret: [u8; 32],
        /// `th_e`.
        transcript: [u8; 32],
        /// `conf_e`.
        confirm: [u8; 32],
        /// `s_e`.
        secret: [u8; 32],
    },
    /// The initiator decapsulated a decoded ciphertext object of a PQ epoch.
    PqDecapsulated {
        /// The epoch.
        epoch: u32,
        /// The ML-KEM shared secret.
        shared_secret: [u8; 32],
        /// `th_e`.
        transcript: [u8; 32],
        /// `conf_e` as recomputed (compared with the object's).
        confirm: [u8; 32],
        /// `s_e` (kept only if the confirmation matched).
        secret: [u8; 32],
    },
    /// A chunk placed in an outgoing message.
    PqChunkSent {
        /// `"key"` or `"ciphertext"`.
        kind: &'static str,
        /// The object's epoch.
        epoch: u32,
        /// The chunk index.
        index: u16,
        /// The chunk.
        bytes: [u8; 34],
    },
    /// What an authenticated message's chunk did.
    PqChunkReceived {
        /// `"key"` or `"ciphertext"`.
        kind: &'static str,
        /// The object's epoch.
        epoch: u32,
        /// The chunk index.
        index: u16,
        /// `"collected"`, `"repeated"`, `"ignored"`, `"conflict"` or `"decoded"`.
        outcome: &'static str,
    },
    /// An incoming object was decoded from these chunk indices.
    PqObjectDecoded {
        /// `"key"` or `"ciphertext"`.
        kind: &'static str,
        /// The object's epoch.
        epoch: u32,
        /// The indices used, ascending.
        indices: Vec<u16>,
        /// The decoded object (padding included).
        object: Vec<u8>,
    },
    /// A `PQ_INCONSISTENT` fault: the collection was dropped, nothing mixed.
    PqFault {
        /// The object's epoch.
        epoch: u32,
        /// What did not match.
        reason: &'static str,
    },
    /// A root KDF step.
    RootStep {
        /// The chain this step starts.
        direction: Direction,
        /// Root key before the step.
        root_in: [u8; 32],
        /// The DH output.
        dh: [u8; 32],
        /// The PQ epoch secret mixed in, if any.
        pq_secret: Option<[u8; 32]>,
        /// Root key after the step.
        root_out: [u8; 32],
        /// The new chain key.
        chain_key: [u8; 32],
    },
    /// An ML-DSA signature was verified (recorded by `accept` for the initiator's identity
    /// binding, so tests can count the verifications a message cost).
    SignatureVerified,
    /// A message key used to encrypt or decrypt.
    MessageKey {
        /// Sending or receiving.
        direction: Direction,
        /// Sender's ratchet public key of the chain.
        ratchet_key: [u8; 32],
        /// Message number in the chain.
        index: u32,
        /// The chain key the message key was derived from.
        chain_key: [u8; 32],
        /// `HMAC(CK, 0x01)`.
        message_key: [u8; 32],
        /// SIV encryption key `K_enc` expanded from it.
        enc_key: [u8; 32],
        /// SIV MAC key `K_mac` expanded from it.
        mac_key: [u8; 32],
    },
}

/// Where a protocol step reports its key-schedule events.
pub(crate) trait TraceSink {
    /// Records the event built by `event` (a no-op for [`NoTrace`]).
    fn record(&mut self, event: impl FnOnce() -> TraceEvent);
}

/// The sink of every ordinary call: records nothing.
#[derive(Debug, Default)]
pub(crate) struct NoTrace;

impl TraceSink for NoTrace {
    #[inline(always)]
    fn record(&mut self, event: impl FnOnce() -> TraceEvent) {
        let _ = event;
    }
}

/// Collected events (only with `--cfg twofold_trace`).
#[cfg(twofold_trace)]
#[derive(Debug, Default)]
pub struct Trace {
    events: Vec<TraceEvent>,
}

#[cfg(twofold_trace)]
impl TraceSink for Trace {
    fn record(&mut self, event: impl FnOnce() -> TraceEvent) {
        self.events.push(event());
    }
}

#[cfg(twofold_trace)]
impl Trace {
    /// Takes the recorded events.
    pub fn take(&mut self) -> Vec<TraceEvent> {
        core::mem::take(&mut self.events)
    }

    /// Moves the events of a committed operation into this trace.
    pub(crate) fn append(&mut self, mut other: Trace) {
        self.events.append(&mut other.events);
    }
}
