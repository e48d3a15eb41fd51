//! The error of each operation, each variant named for its [`ErrorCode`].
//!
//! Spec: `docs/PROTOCOL.md`, section 9. Messages carry only non-secret numbers.

use super::{ErrorCode, HasErrorCode, PrekeyKind, SignatureKind};

/// A strict decoder rejected its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The version byte is not one this library reads.
    #[error("unsupported format version {found}")]
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
    },
    /// The object-type byte is not the one expected.
    #[error("expected object type {expected:#04x}, found {found:#04x}")]
    WrongObjectType {
        /// The type expected by the decoder.
        expected: u8,
        /// The type found.
        found: u8,
    },
    /// The suite byte is not a suite this library implements.
    #[error("unsupported cipher suite {found}")]
    UnsupportedSuite {
        /// The suite byte found.
        found: u8,
    },
    /// The input ended early.
    #[error("input truncated")]
    Truncated,
    /// Bytes remain after a complete encoding.
    #[error("{extra} trailing bytes")]
    TrailingBytes {
        /// How many bytes remain.
        extra: usize,
    },
    /// A field holds a value the format forbids.
    #[error("invalid value in field `{field}`")]
    InvalidEncoding {
        /// The field's name in the spec.
        field: &'static str,
    },
    /// An ML-KEM-768 encapsulation key failed the FIPS 203 (section 7.2) modulus check.
    #[error("ML-KEM-768 encapsulation key failed the FIPS 203 check")]
    InvalidKey,
    /// The input is longer than the documented maximum.
    #[error("input of {len} bytes exceeds the maximum of {max}")]
    TooLarge {
        /// Length of the input.
        len: usize,
        /// Maximum allowed.
        max: usize,
    },
}

codes!(DecodeError {
    UnsupportedVersion { found },
    WrongObjectType { expected, found },
    UnsupportedSuite { found },
    Truncated,
    TrailingBytes { extra },
    InvalidEncoding { field },
    InvalidKey,
    TooLarge { len, max },
});

/// The random number generator failed. Nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("random number generator failed")]
pub struct RngError;

impl HasErrorCode for RngError {
    fn code(&self) -> ErrorCode {
        ErrorCode::RngFailed
    }
}

/// A Diffie-Hellman computation produced the all-zero output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NonContributory;

/// Decoding or verifying a published object (identity, prekey bundle) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The object is malformed.
    #[error("malformed: {0}")]
    Decode(#[from] DecodeError),
    /// A signature did not verify.
    #[error("{which} signature does not verify")]
    BadSignature {
        /// Which signature.
        which: SignatureKind,
    },
}

codes!(VerifyError { Decode(e), BadSignature { which } });

/// Reading, verifying or composing from a prekey upload failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// The upload is malformed.
    #[error("malformed upload: {0}")]
    Decode(#[from] DecodeError),
    /// A signature did not verify.
    #[error("{which} signature does not verify")]
    BadSignature {
        /// Which signature.
        which: SignatureKind,
    },
    /// The bundle index is not below the batch's leaf count.
    #[error("bundle index beyond the batch")]
    LimitExceeded,
}

codes!(UploadError { Decode(e), BadSignature { which }, LimitExceeded });

impl From<VerifyError> for UploadError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::Decode(d) => UploadError::Decode(d),
            VerifyError::BadSignature { which } => UploadError::BadSignature { which },
        }
    }
}

/// Starting a session from a verified bundle failed. Nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InitiateError {
    /// The bundle's signed prekeys are older than `SessionConfig::max_prekey_age`: the server
    /// may be serving an old upload. Fetch another bundle.
    #[error("signed prekeys created at {created_at}, older than the maximum age at {now}")]
    StalePrekey {
        /// The bundle's `created_at` (the responder's clock, Unix seconds).
        created_at: u64,
        /// The initiator's clock.
        now: u64,
    },
    /// A DH output with a bundle key was all zeros.
    #[error("a bundle key gives an all-zero Diffie-Hellman output")]
    NonContributory,
    /// The first plaintext exceeds [`crate::consts::MAX_PLAINTEXT_LEN`], or the associated
    /// data [`crate::consts::MAX_ASSOCIATED_DATA_LEN`].
    #[error("plaintext or associated data too large")]
    TooLarge,
    /// A counter of the new session is exhausted (not reachable with a fresh session; kept so
    /// that no encryption error is reported as another).
    #[error("message counter exhausted")]
    CounterExhausted,
    /// The random number generator failed.
    #[error("random number generator failed")]
    RngFailed,
}

codes!(InitiateError {
    StalePrekey { created_at, now },
    NonContributory,
    TooLarge,
    CounterExhausted,
    RngFailed
});

impl From<RngError> for InitiateError {
    fn from(_: RngError) -> Self {
        InitiateError::RngFailed
    }
}

impl From<NonContributory> for InitiateError {
    fn from(_: NonContributory) -> Self {
        InitiateError::NonContributory
    }
}

impl From<EncryptError> for InitiateError {
    fn from(e: EncryptError) -> Self {
        match e {
            EncryptError::TooLarge { .. } => InitiateError::TooLarge,
            EncryptError::CounterExhausted => InitiateError::CounterExhausted,
            EncryptError::NonContributory => InitiateError::NonContributory,
            EncryptError::RngFailed => InitiateError::RngFailed,
        }
    }
}

/// Accepting an initial message failed. The prekey store is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AcceptError {
    /// The message is malformed.
    #[error("malformed initial message: {0}")]
    Decode(#[from] DecodeError),
    /// The initiator's identity binding signature does not verify (checked after the first
    /// message authenticated).
    #[error("initiator identity binding signature does not verify")]
    BadSignature,
    /// The message names a prekey this store does not hold.
    #[error("unknown {kind} id {id}")]
    UnknownPrekey {
        /// Which kind of prekey.
        kind: PrekeyKind,
        /// The id named by the message.
        id: u32,
    },
    /// The message names a one-time prekey that was already consumed.
    #[error("{kind} id {id} was already used")]
    PrekeyAlreadyUsed {
        /// Which kind of prekey.
        kind: PrekeyKind,
        /// The id named by the message.
        id: u32,
    },
    /// This exact handshake was already accepted.
    #[error("initial message was already accepted")]
    ReplayedHandshake,
    /// A DH output was all zeros.
    #[error("an all-zero Diffie-Hellman output was rejected")]
    NonContributory,
    /// The first message did not authenticate.
    #[error("authentication failed")]
    AuthFailed,
    /// The first message exceeds a limit (forward jump).
    #[error("message number too far ahead")]
    TooFarAhead,
    /// The identity passed is not the one that owns the prekey store.
    #[error("identity does not own this prekey store")]
    IdentityMismatch,
    /// A compact initial message names its initiator by X25519 key and fingerprint only,
    /// and no identity for her was supplied: look it up (`describe_message` gives the
    /// fingerprint) and call again. Decided from public bytes before authentication.
    #[error("compact initial message: the initiator's identity must be supplied")]
    IdentityRequired,
    /// The initiator identity supplied does not have the message's X25519 key and
    /// fingerprint, or a self-contained message carries another identity. Decided from public
    /// bytes before authentication: no evidence about who sent the message.
    #[error("the initiator identity supplied does not match the initial message")]
    InitiatorMismatch,
    /// The replay cache of the named signed prekey is full: it accepts no more handshakes
    /// without a one-time prekey until the signed prekeys are rotated.
    #[error("replay cache of this signed prekey is full: rotate the signed prekeys")]
    LimitExceeded,
    /// The first message carries a PQ chunk of an epoch other than 1.
    #[error("PQ chunk of epoch {epoch} in an initial message")]
    UnknownEpoch {
        /// The chunk's epoch.
        epoch: u32,
    },
}

codes!(AcceptError {
    UnknownEpoch { epoch },
    Decode(e),
    BadSignature,
    UnknownPrekey { kind, id },
    PrekeyAlreadyUsed { kind, id },
    ReplayedHandshake,
    NonContributory,
    AuthFailed,
    TooFarAhead,
    IdentityMismatch,
    IdentityRequired,
    InitiatorMismatch,
    LimitExceeded,
});

impl From<NonContributory> for AcceptError {
    fn from(_: NonContributory) -> Self {
        AcceptError::NonContributory
    }
}

/// Encrypting failed. The session is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncryptError {
    /// The plaintext exceeds [`crate::consts::MAX_PLAINTEXT_LEN`], or the associated data
    /// [`crate::consts::MAX_ASSOCIATED_DATA_LEN`].
    #[error("plaintext or associated data of {len} bytes exceeds its maximum")]
    TooLarge {
        /// Length of the plaintext or the associated data.
        len: usize,
    },
    /// The sending counter is exhausted; start a new session.
    #[error("message counter exhausted")]
    CounterExhausted,
    /// The peer's ratchet key gives an all-zero DH output.
    #[error("peer ratchet key gives an all-zero Diffie-Hellman output")]
    NonContributory,
    /// The random number generator failed.
    #[error("random number generator failed")]
    RngFailed,
}

codes!(EncryptError { TooLarge { len }, CounterExhausted, NonContributory, RngFailed });

impl From<RngError> for EncryptError {
    fn from(_: RngError) -> Self {
        EncryptError::RngFailed
    }
}

impl From<NonContributory> for EncryptError {
    fn from(_: NonContributory) -> Self {
        EncryptError::NonContributory
    }
}

/// Decrypting failed. The session is byte-for-byte unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptError {
    /// The message is malformed.
    #[error("malformed message: {0}")]
    Decode(#[from] DecodeError),
    /// The message did not authenticate (forged, tampered, or for another session).
    #[error("authentication failed")]
    AuthFailed,
    /// The message was already decrypted, or its key was discarded under the limits.
    #[error("message already decrypted (or its key was discarded)")]
    DuplicateMessage,
    /// A different message at an index already used: on an honest network the peer encrypted
    /// twice at one position (it restored an older state or runs a forked copy). Decided
    /// before any authentication, like `DuplicateMessage`: anyone can produce it by altering
    /// a delivered message, so it is no evidence of a fork.
    #[error("a different message was already received at this index")]
    ConflictingMessage,
    /// The message number is too far ahead of what was received.
    #[error("message would skip {jump} keys; the limit is {max}", max = crate::consts::MAX_FORWARD_JUMP)]
    TooFarAhead {
        /// How many message keys would have to be skipped.
        jump: u64,
    },
    /// The message carries a ratchet key giving an all-zero DH output.
    #[error("message ratchet key gives an all-zero Diffie-Hellman output")]
    NonContributory,
    /// The initial message belongs to another handshake than this session's.
    #[error("initial message belongs to a different session")]
    WrongSession,
}

codes!(DecryptError {
    Decode(e),
    AuthFailed,
    DuplicateMessage,
    ConflictingMessage,
    TooFarAhead { jump },
    NonContributory,
    WrongSession,
});

impl From<NonContributory> for DecryptError {
    fn from(_: NonContributory) -> Self {
        DecryptError::NonContributory
    }
}

/// Sealing or opening a state blob failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The blob or its plaintext is malformed.
    #[error("malformed state: {0}")]
    Decode(#[from] DecodeError),
    /// Wrong application key, wrong context, or the blob was tampered with.
    #[error("state blob does not authenticate (wrong key, wrong context or tampered)")]
    AuthFailed,
    /// The blob is of an older generation than the caller's minimum: an earlier copy of the
    /// state (a rollback), or another copy that fell behind.
    #[error("state of generation {generation}, older than the minimum {minimum}")]
    RolledBack {
        /// The blob's generation.
        generation: u64,
        /// The minimum the caller asked for.
        minimum: u64,
    },
    /// The random number generator failed (sealing).
    #[error("random number generator failed")]
    RngFailed,
}

codes!(StateError {
    Decode(e),
    AuthFailed,
    RolledBack { generation, minimum },
    RngFailed
});

impl From<RngError> for StateError {
    fn from(_: RngError) -> Self {
        StateError::RngFailed
    }
}

/// Generating or publishing prekeys failed. The store is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrekeyError {
    /// The request would exceed [`crate::consts::MAX_ONE_TIME_PREKEYS`] or an id space.
    #[error("prekey store limit exceeded (at most {max} one-time prekeys)", max = crate::consts::MAX_ONE_TIME_PREKEYS)]
    LimitExceeded,
    /// Signing failed (this happens only when the RNG fails).
    #[error("random number generator failed")]
    RngFailed,
    /// The identity passed is not the one that owns the prekey store.
    #[error("identity does not own this prekey store")]
    IdentityMismatch,
}

codes!(PrekeyError {
    LimitExceeded,
    RngFailed,
    IdentityMismatch
});

impl From<RngError> for PrekeyError {
    fn from(_: RngError) -> Self {
        PrekeyError::RngFailed
    }
}

/// Sealing a box failed. Nothing was changed (`TOO_LARGE`, `STALE_PREKEY` and
/// `INITIATOR_MISMATCH` come before any draw from the RNG).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealBoxError {
    /// The plaintext exceeds [`crate::consts::MAX_PLAINTEXT_LEN`], or the associated data
    /// [`crate::consts::MAX_ASSOCIATED_DATA_LEN`].
    #[error("plaintext or associated data too large")]
    TooLarge,
    /// The recipient's signed prekeys are older than the maximum age: fetch a fresh bundle.
    #[error("signed prekeys created at {created_at}, older than the maximum age at {now}")]
    StalePrekey {
        /// The bundle's `created_at` (the recipient's clock, Unix seconds).
        created_at: u64,
        /// The sender's clock.
        now: u64,
    },
    /// The bundle is of another identity than the recipient expected (`BoxConfig::recipient`).
    #[error("the bundle is not of the expected recipient")]
    InitiatorMismatch,
    /// A DH output with the recipient's signed prekey was all zeros.
    #[error("the recipient's signed prekey gives an all-zero Diffie-Hellman output")]
    NonContributory,
    /// The random number generator failed.
    #[error("random number generator failed")]
    RngFailed,
}

codes!(SealBoxError {
    TooLarge,
    StalePrekey { created_at, now },
    InitiatorMismatch,
    NonContributory,
    RngFailed
});

impl From<RngError> for SealBoxError {
    fn from(_: RngError) -> Self {
        SealBoxError::RngFailed
    }
}

impl From<NonContributory> for SealBoxError {
    fn from(_: NonContributory) -> Self {
        SealBoxError::NonContributory
    }
}

/// Opening a sealed box failed. The prekey store is unchanged (opening never changes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenBoxError {
    /// The box is malformed.
    #[error("malformed sealed box: {0}")]
    Decode(#[from] DecodeError),
    /// The associated data exceeds [`crate::consts::MAX_ASSOCIATED_DATA_LEN`].
    #[error("associated data too large")]
    TooLarge,
    /// The identity passed is not the one that owns the prekey store.
    #[error("identity does not own this prekey store")]
    IdentityMismatch,
    /// The box names a signed prekey this store no longer (or never) held.
    #[error("unknown {kind} id {id}")]
    UnknownPrekey {
        /// Which kind of prekey.
        kind: PrekeyKind,
        /// The id named by the box.
        id: u32,
    },
    /// A DH output was all zeros.
    #[error("an all-zero Diffie-Hellman output was rejected")]
    NonContributory,
    /// The box (or its sender block) does not authenticate: forged, altered, for another
    /// recipient, or opened with other associated data.
    #[error("authentication failed")]
    AuthFailed,
    /// The box is sender-authenticated and no identity was supplied for its sender: read the
    /// sender's fingerprint with `box_sender`, look the identity up and call again.
    #[error("sender-authenticated box: the sender's identity must be supplied")]
    IdentityRequired,
    /// The sender identity supplied is not the box's sender, or the box is anonymous (or,
    /// for `open_box_cached`, the encoding supplied is not an identity).
    #[error("the sender identity supplied does not match the box")]
    InitiatorMismatch,
    /// The supplied sender identity's binding signature does not verify (checked after the box
    /// authenticated, `open_box_cached`).
    #[error("sender identity binding signature does not verify")]
    BadSignature,
}

codes!(OpenBoxError {
    Decode(e),
    TooLarge,
    IdentityMismatch,
    UnknownPrekey { kind, id },
    NonContributory,
    AuthFailed,
    IdentityRequired,
    InitiatorMismatch,
    BadSignature,
});

impl From<NonContributory> for OpenBoxError {
    fn from(_: NonContributory) -> Self {
        OpenBoxError::NonContributory
    }
}
