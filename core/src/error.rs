//! Errors: one enum per operation, each variant with a stable [`ErrorCode`].
//!
//! Spec: `docs/PROTOCOL.md`, section 9 ("Errors"). The closed set of codes, their strings and
//! their descriptions come from one table ([`error_codes!`] below); variant names of the
//! operation errors are the codes' names. Messages carry only non-secret numbers (lengths, ids,
//! type bytes); no error ever contains key material or plaintext. Every failed
//! authentication, whatever its cause (wrong key, tampered ciphertext, forged header, KEM
//! ciphertext for an unknown key), is the single variant `AuthFailed`: the receiver does not
//! tell an attacker which check failed.
//!
//! On failure, every operation leaves its inputs unchanged (see each function's doc).

use core::fmt;

/// The one table of error codes: variant, stable string, fixed description.
macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $string:literal, $description:literal; )*) => {
        /// The stable, closed set of error codes shared by the Rust, wasm and JavaScript
        /// layers.
        ///
        /// The string form ([`ErrorCode::as_str`]) is what JavaScript sees as
        /// `TwofoldError.code`; it never changes meaning once released.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The stable string form, `SCREAMING_SNAKE_CASE` of the variant name.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $string,)* }
            }

            /// A fixed one-line description (no runtime details), for bindings that do not
            /// format the detailed `Display` of each error.
            #[must_use]
            pub const fn description(self) -> &'static str {
                match self { $(ErrorCode::$variant => $description,)* }
            }
        }
    };
}

error_codes! {
    /// The encoding's version byte is not one this library reads.
    UnsupportedVersion = "UNSUPPORTED_VERSION", "unsupported format version";
    /// The encoding is a different kind of object than the one expected.
    WrongObjectType = "WRONG_OBJECT_TYPE", "this is a different kind of object";
    /// The encoding names a cipher suite this library does not implement.
    UnsupportedSuite = "UNSUPPORTED_SUITE", "unsupported cipher suite";
    /// The input ended before the encoding was complete.
    Truncated = "TRUNCATED", "input truncated";
    /// The input continues after a complete encoding.
    TrailingBytes = "TRAILING_BYTES", "unexpected bytes after the end of the encoding";
    /// A field has a value the format does not allow (flag bits, reserved values).
    InvalidEncoding = "INVALID_ENCODING", "a field has a value the format does not allow";
    /// A public key failed validation (FIPS 203 encapsulation-key check).
    InvalidKey = "INVALID_KEY", "a public key failed validation";
    /// The input or plaintext exceeds a documented maximum size.
    TooLarge = "TOO_LARGE", "input larger than the documented maximum";
    /// An ML-DSA signature did not verify.
    BadSignature = "BAD_SIGNATURE", "a signature does not verify";
    /// A Diffie-Hellman output was all zeros (a low-order public key).
    NonContributory = "NON_CONTRIBUTORY", "a Diffie-Hellman output was all zeros";
    /// An initial message names a prekey id this store does not have.
    UnknownPrekey = "UNKNOWN_PREKEY", "the message names a prekey this store does not have";
    /// An initial message names a one-time prekey that was already consumed.
    PrekeyAlreadyUsed = "PREKEY_ALREADY_USED", "the message names a one-time prekey already used";
    /// This initial message was already accepted.
    ReplayedHandshake = "REPLAYED_HANDSHAKE", "this initial message was already accepted";
    /// Authentication failed: the message (or state blob) is forged, tampered with, or for
    /// another session or key.
    AuthFailed = "AUTH_FAILED", "authentication failed";
    /// The message was already decrypted, or its key was discarded under the skipped-key
    /// limits.
    DuplicateMessage = "DUPLICATE_MESSAGE", "message already decrypted, or its key was discarded";
    /// The message number is further ahead than `MAX_FORWARD_JUMP` allows.
    TooFarAhead = "TOO_FAR_AHEAD", "message number too far ahead";
    /// The initial message belongs to a different handshake than this session's.
    WrongSession = "WRONG_SESSION", "initial message of a different session";
    /// A counter reached its maximum; start a new session.
    CounterExhausted = "COUNTER_EXHAUSTED", "message counter exhausted: start a new session";
    /// The random number generator failed.
    RngFailed = "RNG_FAILED", "the random number generator failed";
    /// The store is full (one-time prekeys) or the request exceeds a limit.
    LimitExceeded = "LIMIT_EXCEEDED", "limit exceeded";
    /// The identity passed does not own this prekey store.
    IdentityMismatch = "IDENTITY_MISMATCH", "identity does not own this prekey store";
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

/// Maps each variant of an operation error to its code: a variant named like a code maps to
/// that code, a wrapped error to its own code.
macro_rules! codes {
    ($ty:ident { $($variant:ident $( ( $inner:ident ) )? $( { $($field:ident),* } )?),* $(,)? }) => {
        impl HasErrorCode for $ty {
            fn code(&self) -> ErrorCode {
                match self {
                    $( codes!(@pat $ty $variant $( ( $inner ) )? $( { $($field),* } )?) =>
                        codes!(@code $variant $( ( $inner ) )?), )*
                }
            }
        }
    };
    (@pat $ty:ident $variant:ident ( $inner:ident )) => { $ty::$variant($inner) };
    (@pat $ty:ident $variant:ident { $($field:ident),* }) => { $ty::$variant { .. } };
    (@pat $ty:ident $variant:ident) => { $ty::$variant };
    (@code $variant:ident ( $inner:ident )) => { $inner.code() };
    (@code $variant:ident) => { ErrorCode::$variant };
}

/// The kinds of prekey an initial message can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrekeyKind {
    /// The signed X25519 prekey.
    SignedPrekey,
    /// A one-time X25519 prekey.
    OneTimePrekey,
    /// The signed last-resort ML-KEM prekey.
    LastResortKemPrekey,
    /// A signed one-time ML-KEM prekey.
    OneTimeKemPrekey,
}

impl fmt::Display for PrekeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PrekeyKind::SignedPrekey => "signed prekey",
            PrekeyKind::OneTimePrekey => "one-time prekey",
            PrekeyKind::LastResortKemPrekey => "last-resort KEM prekey",
            PrekeyKind::OneTimeKemPrekey => "one-time KEM prekey",
        })
    }
}

/// The signatures of a published object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureKind {
    /// The identity binding signature (ML-DSA key over the X25519 identity key).
    Identity,
    /// The signature over the signed prekey and the last-resort KEM prekey.
    SignedPrekeys,
    /// The signature over a bundle's one-time prekeys.
    OneTimePrekeys,
}

impl fmt::Display for SignatureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignatureKind::Identity => "identity",
            SignatureKind::SignedPrekeys => "signed prekeys",
            SignatureKind::OneTimePrekeys => "one-time prekeys",
        })
    }
}

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

/// Starting a session from a verified bundle failed. Nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InitiateError {
    /// A DH output with a bundle key was all zeros.
    #[error("a bundle key gives an all-zero Diffie-Hellman output")]
    NonContributory,
    /// The first plaintext exceeds [`crate::consts::MAX_PLAINTEXT_LEN`].
    #[error("plaintext too large")]
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
    /// The initiator's identity binding signature does not verify.
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
}

codes!(AcceptError {
    Decode(e),
    BadSignature,
    UnknownPrekey { kind, id },
    PrekeyAlreadyUsed { kind, id },
    ReplayedHandshake,
    NonContributory,
    AuthFailed,
    TooFarAhead,
    IdentityMismatch,
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
    /// The plaintext exceeds [`crate::consts::MAX_PLAINTEXT_LEN`].
    #[error("plaintext of {len} bytes exceeds the maximum of {max}", max = crate::consts::MAX_PLAINTEXT_LEN)]
    TooLarge {
        /// Length of the plaintext.
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
    /// Wrong application key, or the blob was tampered with.
    #[error("state blob does not authenticate (wrong key or tampered)")]
    AuthFailed,
    /// The random number generator failed (sealing).
    #[error("random number generator failed")]
    RngFailed,
}

codes!(StateError { Decode(e), AuthFailed, RngFailed });

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

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::String;

    /// `SCREAMING_SNAKE_CASE` of a `CamelCase` name.
    fn screaming(name: &str) -> String {
        let mut out = String::new();
        for (i, c) in name.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_uppercase());
        }
        out
    }

    #[test]
    fn code_strings_are_the_variant_names() {
        for code in ErrorCode::ALL {
            assert_eq!(code.as_str(), screaming(&format!("{code:?}")));
        }
    }

    #[test]
    fn operation_variants_carry_their_own_code() {
        assert_eq!(
            AcceptError::ReplayedHandshake.code(),
            ErrorCode::ReplayedHandshake
        );
        assert_eq!(
            DecryptError::DuplicateMessage.code(),
            ErrorCode::DuplicateMessage
        );
        assert_eq!(
            AcceptError::Decode(DecodeError::InvalidKey).code(),
            ErrorCode::InvalidKey
        );
        assert_eq!(
            InitiateError::from(EncryptError::CounterExhausted).code(),
            ErrorCode::CounterExhausted
        );
        assert_eq!(
            format!(
                "{}",
                AcceptError::UnknownPrekey {
                    kind: PrekeyKind::OneTimeKemPrekey,
                    id: 3
                }
            ),
            "unknown one-time KEM prekey id 3"
        );
    }
}
