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
    /// The bundle's signed prekeys are older than the initiator's maximum prekey age.
    StalePrekey = "STALE_PREKEY", "the bundle's signed prekeys are older than the maximum age";
    /// A compact initial message (or a sender-authenticated sealed box), and the caller
    /// supplied no identity for its initiator (sender).
    IdentityRequired = "IDENTITY_REQUIRED", "the initiator's identity is needed: look it up by the message's fingerprint";
    /// The initiator identity supplied does not have the initial message's X25519 key and
    /// fingerprint (or differs from the one a self-contained message carries); or the sender
    /// identity supplied to open a sealed box is not the box's sender; or the bundle a box is
    /// sealed to is not of the recipient the sender named.
    InitiatorMismatch = "INITIATOR_MISMATCH", "an identity does not match the one expected or named";
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
    /// A different message at an index already used (a resend of the same bytes is
    /// `DuplicateMessage`). Decided before authentication from public bytes, so anyone on the
    /// path can produce it by altering a delivered message: a hint that the peer may run a
    /// restored or forked copy, never evidence of it.
    ConflictingMessage = "CONFLICTING_MESSAGE", "a different message was already received at this index (unauthenticated)";
    /// A PQ ratchet chunk of an epoch the peer cannot have reached.
    UnknownEpoch = "UNKNOWN_EPOCH", "PQ ratchet chunk of an epoch the peer cannot have reached";
    /// Not an error of any operation: the fault a successful `decrypt` counts when the peer's
    /// PQ chunks decode to an object that fails its checks (`SessionInfo::pq_faults`).
    PqInconsistent = "PQ_INCONSISTENT", "the peer's PQ ratchet chunks were inconsistent";
    /// The message number is further ahead than `MAX_FORWARD_JUMP` allows.
    TooFarAhead = "TOO_FAR_AHEAD", "message number too far ahead";
    /// The initial message belongs to a different handshake than this session's.
    WrongSession = "WRONG_SESSION", "initial message of a different session";
    /// A counter reached its maximum; start a new session.
    CounterExhausted = "COUNTER_EXHAUSTED", "message counter exhausted: start a new session";
    /// A sealed state blob is older than the generation the caller expected (a rollback).
    RolledBack = "ROLLED_BACK", "sealed state older than the minimum generation (rolled back)";
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
    /// The upload signature: the signed prekey record and the Merkle root of the batch of
    /// one-time prekeys (a bundle's leaf or proof that does not lead to the signed root fails
    /// as this signature).
    Upload,
}

impl fmt::Display for SignatureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignatureKind::Identity => "identity",
            SignatureKind::Upload => "prekey upload",
        })
    }
}

mod operations;

pub(crate) use operations::NonContributory;
pub use operations::{
    AcceptError, DecodeError, DecryptError, EncryptError, InitiateError, OpenBoxError, PrekeyError,
    RngError, SealBoxError, StateError, UploadError, VerifyError,
};

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
