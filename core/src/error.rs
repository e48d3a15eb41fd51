//! Errors: one enum per operation, each variant with a stable [`ErrorCode`].
//!
//! Spec: `docs/PROTOCOL.md`, section 9 ("Errors"). Messages carry only non-secret numbers
//! (lengths, ids, type bytes); no error ever contains key material or plaintext. Every
//! failed authentication, whatever its cause (wrong key, tampered ciphertext, forged header,
//! KEM ciphertext for an unknown key), is the single variant `AuthFailed`: the receiver does
//! not tell an attacker which check failed.
//!
//! On failure, every operation leaves its inputs unchanged (see each function's doc).

use core::fmt;

/// The stable, closed set of error codes shared by the Rust, wasm and JavaScript layers.
///
/// The string form ([`ErrorCode::as_str`]) is what JavaScript sees as `TwofoldError.code`;
/// it never changes meaning once released.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The encoding's version byte is not one this library reads.
    UnsupportedVersion,
    /// The encoding is a different kind of object than the one expected.
    WrongObjectType,
    /// The encoding names a cipher suite this library does not implement.
    UnsupportedSuite,
    /// The input ended before the encoding was complete.
    Truncated,
    /// The input continues after a complete encoding.
    TrailingBytes,
    /// A field has a value the format does not allow (flag bits, reserved values).
    InvalidEncoding,
    /// A public key failed validation (FIPS 203 encapsulation-key check).
    InvalidKey,
    /// The input or plaintext exceeds a documented maximum size.
    TooLarge,
    /// An ML-DSA signature did not verify.
    BadSignature,
    /// A Diffie-Hellman output was all zeros (a low-order public key).
    NonContributory,
    /// An initial message names a prekey id this store does not have.
    UnknownPrekey,
    /// An initial message names a one-time prekey that was already consumed.
    PrekeyAlreadyUsed,
    /// This initial message was already accepted.
    ReplayedHandshake,
    /// Authentication failed: the message (or state blob) is forged, tampered with, or for
    /// another session or key.
    AuthFailed,
    /// The message was already decrypted, or its key was discarded under the skipped-key
    /// limits.
    DuplicateMessage,
    /// The message number is further ahead than `MAX_FORWARD_JUMP` allows.
    TooFarAhead,
    /// The initial message belongs to a different handshake than this session's.
    WrongSession,
    /// A counter reached its maximum; start a new session.
    CounterExhausted,
    /// The random number generator failed.
    RngFailed,
    /// The store is full (one-time prekeys) or the request exceeds a limit.
    LimitExceeded,
    /// The identity passed does not own this prekey store.
    IdentityMismatch,
}

impl ErrorCode {
    /// Every code, in declaration order (for documentation and exhaustive tests).
    pub const ALL: [ErrorCode; 21] = [
        ErrorCode::UnsupportedVersion,
        ErrorCode::WrongObjectType,
        ErrorCode::UnsupportedSuite,
        ErrorCode::Truncated,
        ErrorCode::TrailingBytes,
        ErrorCode::InvalidEncoding,
        ErrorCode::InvalidKey,
        ErrorCode::TooLarge,
        ErrorCode::BadSignature,
        ErrorCode::NonContributory,
        ErrorCode::UnknownPrekey,
        ErrorCode::PrekeyAlreadyUsed,
        ErrorCode::ReplayedHandshake,
        ErrorCode::AuthFailed,
        ErrorCode::DuplicateMessage,
        ErrorCode::TooFarAhead,
        ErrorCode::WrongSession,
        ErrorCode::CounterExhausted,
        ErrorCode::RngFailed,
        ErrorCode::LimitExceeded,
        ErrorCode::IdentityMismatch,
    ];

    /// The stable string form, `SCREAMING_SNAKE_CASE`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UnsupportedVersion => "UNSUPPORTED_VERSION",
            ErrorCode::WrongObjectType => "WRONG_OBJECT_TYPE",
            ErrorCode::UnsupportedSuite => "UNSUPPORTED_SUITE",
            ErrorCode::Truncated => "TRUNCATED",
            ErrorCode::TrailingBytes => "TRAILING_BYTES",
            ErrorCode::InvalidEncoding => "INVALID_ENCODING",
            ErrorCode::InvalidKey => "INVALID_KEY",
            ErrorCode::TooLarge => "TOO_LARGE",
            ErrorCode::BadSignature => "BAD_SIGNATURE",
            ErrorCode::NonContributory => "NON_CONTRIBUTORY",
            ErrorCode::UnknownPrekey => "UNKNOWN_PREKEY",
            ErrorCode::PrekeyAlreadyUsed => "PREKEY_ALREADY_USED",
            ErrorCode::ReplayedHandshake => "REPLAYED_HANDSHAKE",
            ErrorCode::AuthFailed => "AUTH_FAILED",
            ErrorCode::DuplicateMessage => "DUPLICATE_MESSAGE",
            ErrorCode::TooFarAhead => "TOO_FAR_AHEAD",
            ErrorCode::WrongSession => "WRONG_SESSION",
            ErrorCode::CounterExhausted => "COUNTER_EXHAUSTED",
            ErrorCode::RngFailed => "RNG_FAILED",
            ErrorCode::LimitExceeded => "LIMIT_EXCEEDED",
            ErrorCode::IdentityMismatch => "IDENTITY_MISMATCH",
        }
    }
}

impl ErrorCode {
    /// A fixed one-line description of the code (no runtime details), for bindings that do not
    /// format the detailed `Display` of each error.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            ErrorCode::UnsupportedVersion => "unsupported format version",
            ErrorCode::WrongObjectType => "this is a different kind of object",
            ErrorCode::UnsupportedSuite => "unsupported cipher suite",
            ErrorCode::Truncated => "input truncated",
            ErrorCode::TrailingBytes => "unexpected bytes after the end of the encoding",
            ErrorCode::InvalidEncoding => "a field has a value the format does not allow",
            ErrorCode::InvalidKey => "a public key failed validation",
            ErrorCode::TooLarge => "input larger than the documented maximum",
            ErrorCode::BadSignature => "a signature does not verify",
            ErrorCode::NonContributory => "a Diffie-Hellman output was all zeros",
            ErrorCode::UnknownPrekey => "the message names a prekey this store does not have",
            ErrorCode::PrekeyAlreadyUsed => "the message names a one-time prekey already used",
            ErrorCode::ReplayedHandshake => "this initial message was already accepted",
            ErrorCode::AuthFailed => "authentication failed",
            ErrorCode::DuplicateMessage => "message already decrypted, or its key was discarded",
            ErrorCode::TooFarAhead => "message number too far ahead",
            ErrorCode::WrongSession => "initial message of a different session",
            ErrorCode::CounterExhausted => "message counter exhausted: start a new session",
            ErrorCode::RngFailed => "the random number generator failed",
            ErrorCode::LimitExceeded => "limit exceeded",
            ErrorCode::IdentityMismatch => "identity does not own this prekey store",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Implemented by every error type of this crate.
pub trait HasErrorCode {
    /// The stable code of this error.
    fn code(&self) -> ErrorCode;
}

/// A strict decoder rejected its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The version byte is not [`crate::WIRE_VERSION`].
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
    },
    /// The object-type byte is not the one expected.
    WrongObjectType {
        /// The type expected by the decoder.
        expected: u8,
        /// The type found.
        found: u8,
    },
    /// The suite byte is not a suite this library implements.
    UnsupportedSuite {
        /// The suite byte found.
        found: u8,
    },
    /// The input ended early.
    Truncated,
    /// Bytes remain after a complete encoding.
    TrailingBytes {
        /// How many bytes remain.
        extra: usize,
    },
    /// A field holds a value the format forbids.
    InvalidField {
        /// The field's name in the spec.
        field: &'static str,
    },
    /// An ML-KEM-768 encapsulation key failed the FIPS 203 (section 7.2) modulus check.
    InvalidKemKey,
    /// The input is longer than the documented maximum.
    TooLarge {
        /// Length of the input.
        len: usize,
        /// Maximum allowed.
        max: usize,
    },
}

impl HasErrorCode for DecodeError {
    fn code(&self) -> ErrorCode {
        match self {
            DecodeError::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            DecodeError::WrongObjectType { .. } => ErrorCode::WrongObjectType,
            DecodeError::UnsupportedSuite { .. } => ErrorCode::UnsupportedSuite,
            DecodeError::Truncated => ErrorCode::Truncated,
            DecodeError::TrailingBytes { .. } => ErrorCode::TrailingBytes,
            DecodeError::InvalidField { .. } => ErrorCode::InvalidEncoding,
            DecodeError::InvalidKemKey => ErrorCode::InvalidKey,
            DecodeError::TooLarge { .. } => ErrorCode::TooLarge,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::UnsupportedVersion { found } => {
                write!(f, "unsupported format version {found}")
            }
            DecodeError::WrongObjectType { expected, found } => {
                write!(
                    f,
                    "expected object type {expected:#04x}, found {found:#04x}"
                )
            }
            DecodeError::UnsupportedSuite { found } => {
                write!(f, "unsupported cipher suite {found}")
            }
            DecodeError::Truncated => f.write_str("input truncated"),
            DecodeError::TrailingBytes { extra } => write!(f, "{extra} trailing bytes"),
            DecodeError::InvalidField { field } => write!(f, "invalid value in field `{field}`"),
            DecodeError::InvalidKemKey => {
                f.write_str("ML-KEM-768 encapsulation key failed the FIPS 203 check")
            }
            DecodeError::TooLarge { len, max } => {
                write!(f, "input of {len} bytes exceeds the maximum of {max}")
            }
        }
    }
}

impl core::error::Error for DecodeError {}

/// The random number generator failed. Nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RngError;

impl fmt::Display for RngError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("random number generator failed")
    }
}

impl core::error::Error for RngError {}

impl HasErrorCode for RngError {
    fn code(&self) -> ErrorCode {
        ErrorCode::RngFailed
    }
}

/// A Diffie-Hellman computation produced the all-zero output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NonContributory;

/// Decoding or verifying a published object (identity, prekey bundle) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The bundle is malformed.
    Decode(DecodeError),
    /// A signature in the bundle did not verify.
    BadSignature {
        /// Which signature: `"identity"`, `"signed prekeys"` or `"one-time KEM prekey"`.
        which: &'static str,
    },
}

impl HasErrorCode for VerifyError {
    fn code(&self) -> ErrorCode {
        match self {
            VerifyError::Decode(e) => e.code(),
            VerifyError::BadSignature { .. } => ErrorCode::BadSignature,
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Decode(e) => write!(f, "malformed: {e}"),
            VerifyError::BadSignature { which } => {
                write!(f, "{which} signature does not verify")
            }
        }
    }
}

impl core::error::Error for VerifyError {}

impl From<DecodeError> for VerifyError {
    fn from(e: DecodeError) -> Self {
        VerifyError::Decode(e)
    }
}

/// Starting a session from a verified bundle failed. Nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InitiateError {
    /// A DH output with a bundle key was all zeros.
    NonContributory,
    /// The first plaintext exceeds [`crate::consts::MAX_PLAINTEXT_LEN`].
    TooLarge,
    /// The random number generator failed.
    Rng,
}

impl HasErrorCode for InitiateError {
    fn code(&self) -> ErrorCode {
        match self {
            InitiateError::NonContributory => ErrorCode::NonContributory,
            InitiateError::TooLarge => ErrorCode::TooLarge,
            InitiateError::Rng => ErrorCode::RngFailed,
        }
    }
}

impl fmt::Display for InitiateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitiateError::NonContributory => {
                f.write_str("a bundle key gives an all-zero Diffie-Hellman output")
            }
            InitiateError::TooLarge => f.write_str("plaintext too large"),
            InitiateError::Rng => RngError.fmt(f),
        }
    }
}

impl core::error::Error for InitiateError {}

impl From<RngError> for InitiateError {
    fn from(_: RngError) -> Self {
        InitiateError::Rng
    }
}

impl From<NonContributory> for InitiateError {
    fn from(_: NonContributory) -> Self {
        InitiateError::NonContributory
    }
}

/// Accepting an initial message failed. The prekey store is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AcceptError {
    /// The message is malformed.
    Decode(DecodeError),
    /// The initiator's identity binding signature does not verify.
    BadSignature,
    /// The message names a prekey this store does not hold.
    UnknownPrekey {
        /// `"signed prekey"`, `"one-time prekey"`, `"last-resort KEM prekey"` or
        /// `"one-time KEM prekey"`.
        kind: &'static str,
        /// The id named by the message.
        id: u32,
    },
    /// The message names a one-time prekey that was already consumed.
    PrekeyAlreadyUsed {
        /// `"one-time prekey"` or `"one-time KEM prekey"`.
        kind: &'static str,
        /// The id named by the message.
        id: u32,
    },
    /// This exact handshake was already accepted.
    Replay,
    /// A DH output was all zeros.
    NonContributory,
    /// The first message did not authenticate.
    AuthFailed,
    /// The first message exceeds a limit (forward jump).
    TooFarAhead,
    /// The identity passed is not the one that owns the prekey store.
    IdentityMismatch,
}

impl HasErrorCode for AcceptError {
    fn code(&self) -> ErrorCode {
        match self {
            AcceptError::Decode(e) => e.code(),
            AcceptError::BadSignature => ErrorCode::BadSignature,
            AcceptError::UnknownPrekey { .. } => ErrorCode::UnknownPrekey,
            AcceptError::PrekeyAlreadyUsed { .. } => ErrorCode::PrekeyAlreadyUsed,
            AcceptError::Replay => ErrorCode::ReplayedHandshake,
            AcceptError::NonContributory => ErrorCode::NonContributory,
            AcceptError::AuthFailed => ErrorCode::AuthFailed,
            AcceptError::TooFarAhead => ErrorCode::TooFarAhead,
            AcceptError::IdentityMismatch => ErrorCode::IdentityMismatch,
        }
    }
}

impl fmt::Display for AcceptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcceptError::Decode(e) => write!(f, "malformed initial message: {e}"),
            AcceptError::BadSignature => {
                f.write_str("initiator identity binding signature does not verify")
            }
            AcceptError::UnknownPrekey { kind, id } => write!(f, "unknown {kind} id {id}"),
            AcceptError::PrekeyAlreadyUsed { kind, id } => {
                write!(f, "{kind} id {id} was already used")
            }
            AcceptError::Replay => f.write_str("initial message was already accepted"),
            AcceptError::NonContributory => {
                f.write_str("an all-zero Diffie-Hellman output was rejected")
            }
            AcceptError::AuthFailed => f.write_str("authentication failed"),
            AcceptError::TooFarAhead => f.write_str("message number too far ahead"),
            AcceptError::IdentityMismatch => f.write_str("identity does not own this prekey store"),
        }
    }
}

impl core::error::Error for AcceptError {}

impl From<DecodeError> for AcceptError {
    fn from(e: DecodeError) -> Self {
        AcceptError::Decode(e)
    }
}

impl From<NonContributory> for AcceptError {
    fn from(_: NonContributory) -> Self {
        AcceptError::NonContributory
    }
}

/// Encrypting failed. The session is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncryptError {
    /// The plaintext exceeds [`crate::consts::MAX_PLAINTEXT_LEN`].
    TooLarge {
        /// Length of the plaintext.
        len: usize,
    },
    /// The sending counter is exhausted; start a new session.
    CounterExhausted,
    /// The peer's ratchet key gives an all-zero DH output.
    NonContributory,
    /// The random number generator failed.
    Rng,
}

impl HasErrorCode for EncryptError {
    fn code(&self) -> ErrorCode {
        match self {
            EncryptError::TooLarge { .. } => ErrorCode::TooLarge,
            EncryptError::CounterExhausted => ErrorCode::CounterExhausted,
            EncryptError::NonContributory => ErrorCode::NonContributory,
            EncryptError::Rng => ErrorCode::RngFailed,
        }
    }
}

impl fmt::Display for EncryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncryptError::TooLarge { len } => write!(
                f,
                "plaintext of {len} bytes exceeds the maximum of {}",
                crate::consts::MAX_PLAINTEXT_LEN
            ),
            EncryptError::CounterExhausted => f.write_str("message counter exhausted"),
            EncryptError::NonContributory => {
                f.write_str("peer ratchet key gives an all-zero Diffie-Hellman output")
            }
            EncryptError::Rng => RngError.fmt(f),
        }
    }
}

impl core::error::Error for EncryptError {}

impl From<RngError> for EncryptError {
    fn from(_: RngError) -> Self {
        EncryptError::Rng
    }
}

impl From<NonContributory> for EncryptError {
    fn from(_: NonContributory) -> Self {
        EncryptError::NonContributory
    }
}

/// Decrypting failed. The session is byte-for-byte unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecryptError {
    /// The message is malformed.
    Decode(DecodeError),
    /// The message did not authenticate (forged, tampered, or for another session).
    AuthFailed,
    /// The message was already decrypted, or its key was discarded under the limits.
    Duplicate,
    /// The message number is too far ahead of what was received.
    TooFarAhead {
        /// How many message keys would have to be skipped.
        jump: u64,
    },
    /// The message carries a ratchet key giving an all-zero DH output.
    NonContributory,
    /// The initial message belongs to another handshake than this session's.
    WrongSession,
}

impl HasErrorCode for DecryptError {
    fn code(&self) -> ErrorCode {
        match self {
            DecryptError::Decode(e) => e.code(),
            DecryptError::AuthFailed => ErrorCode::AuthFailed,
            DecryptError::Duplicate => ErrorCode::DuplicateMessage,
            DecryptError::TooFarAhead { .. } => ErrorCode::TooFarAhead,
            DecryptError::NonContributory => ErrorCode::NonContributory,
            DecryptError::WrongSession => ErrorCode::WrongSession,
        }
    }
}

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecryptError::Decode(e) => write!(f, "malformed message: {e}"),
            DecryptError::AuthFailed => f.write_str("authentication failed"),
            DecryptError::Duplicate => {
                f.write_str("message already decrypted (or its key was discarded)")
            }
            DecryptError::TooFarAhead { jump } => write!(
                f,
                "message would skip {jump} keys; the limit is {}",
                crate::consts::MAX_FORWARD_JUMP
            ),
            DecryptError::NonContributory => {
                f.write_str("message ratchet key gives an all-zero Diffie-Hellman output")
            }
            DecryptError::WrongSession => {
                f.write_str("initial message belongs to a different session")
            }
        }
    }
}

impl core::error::Error for DecryptError {}

impl From<DecodeError> for DecryptError {
    fn from(e: DecodeError) -> Self {
        DecryptError::Decode(e)
    }
}

impl From<NonContributory> for DecryptError {
    fn from(_: NonContributory) -> Self {
        DecryptError::NonContributory
    }
}

/// Sealing or opening a state blob failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateError {
    /// The blob or its plaintext is malformed.
    Decode(DecodeError),
    /// Wrong application key, or the blob was tampered with.
    AuthFailed,
    /// The random number generator failed (sealing).
    Rng,
}

impl HasErrorCode for StateError {
    fn code(&self) -> ErrorCode {
        match self {
            StateError::Decode(e) => e.code(),
            StateError::AuthFailed => ErrorCode::AuthFailed,
            StateError::Rng => ErrorCode::RngFailed,
        }
    }
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Decode(e) => write!(f, "malformed state: {e}"),
            StateError::AuthFailed => {
                f.write_str("state blob does not authenticate (wrong key or tampered)")
            }
            StateError::Rng => RngError.fmt(f),
        }
    }
}

impl core::error::Error for StateError {}

impl From<DecodeError> for StateError {
    fn from(e: DecodeError) -> Self {
        StateError::Decode(e)
    }
}

impl From<RngError> for StateError {
    fn from(_: RngError) -> Self {
        StateError::Rng
    }
}

/// Generating or publishing prekeys failed. The store is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrekeyError {
    /// The request would exceed [`crate::consts::MAX_ONE_TIME_PREKEYS`] or an id space.
    LimitExceeded,
    /// Signing failed (this happens only when the RNG fails).
    Rng,
    /// The identity passed is not the one that owns the prekey store.
    IdentityMismatch,
}

impl HasErrorCode for PrekeyError {
    fn code(&self) -> ErrorCode {
        match self {
            PrekeyError::LimitExceeded => ErrorCode::LimitExceeded,
            PrekeyError::Rng => ErrorCode::RngFailed,
            PrekeyError::IdentityMismatch => ErrorCode::IdentityMismatch,
        }
    }
}

impl fmt::Display for PrekeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrekeyError::LimitExceeded => write!(
                f,
                "prekey store limit exceeded (at most {} one-time prekeys)",
                crate::consts::MAX_ONE_TIME_PREKEYS
            ),
            PrekeyError::Rng => RngError.fmt(f),
            PrekeyError::IdentityMismatch => f.write_str("identity does not own this prekey store"),
        }
    }
}

impl core::error::Error for PrekeyError {}

impl From<RngError> for PrekeyError {
    fn from(_: RngError) -> Self {
        PrekeyError::Rng
    }
}
