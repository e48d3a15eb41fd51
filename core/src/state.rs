//! Persistence: versioned state encodings sealed with an application key, bound to a
//! caller-supplied context, with a monotonic generation.
//!
//! Spec: `docs/PROTOCOL.md`, section 10 ("Sealed state").
//!
//! ```text
//! blob = version || 0x20 || suite || object type || format || salt (32) || AEAD ciphertext
//! key  = HKDF-SHA-256(salt = salt, IKM = application key, info = label || object type)
//! AEAD = ChaCha20-Poly1305(key, nonce = 0^12,
//!                          aad = the first five bytes || u16 len(context) || context)
//! ```
//!
//! Each blob has its own random salt and so its own key: the zero nonce is never reused
//! under one key. A wrong key, a different context or any changed byte fails authentication
//! (`AUTH_FAILED`: the three cannot be told apart, by design); a blob of another object type
//! is rejected before decryption with `WRONG_OBJECT_TYPE`. Sessions and prekey stores begin
//! their plaintext with their generation, a counter every successful state change increments;
//! `open` refuses a blob below the caller's minimum generation with `ROLLED_BACK`.

use alloc::vec::Vec;

use rand_core::TryCryptoRng;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{DecodeError, StateError};
use crate::identity::IdentityKeyPair;
use crate::kdf;
use crate::keys::random_bytes;
use crate::labels::{SUITE, VERSION, object, state_format};
use crate::prekeys::PrekeyStore;
use crate::session::Session;
use crate::wire::{Reader, Writer};

/// Length of the application key that seals state.
pub const APP_KEY_LEN: usize = 32;

/// Length of a sealed blob's header (five bytes) and salt, and of the AEAD tag.
pub const SEALED_OVERHEAD: usize = 5 + 32 + kdf::AEAD_TAG_LEN;

/// Maximum length of the context a blob is sealed to (`TOO_LARGE` beyond it).
pub const MAX_SEAL_CONTEXT_LEN: usize = 1024;

/// Largest sealed blob `open` takes (`TOO_LARGE` beyond it, before any other check). Every
/// blob this revision writes is far below it: a prekey store at most 268,194 bytes (full
/// one-time lists and replay caches), a session at most 218,748 (full skipped keys and a
/// pending handshake prefix), an identity 3,426 (docs/PROTOCOL.md 10.1).
pub const MAX_SEALED_LEN: usize = 1024 * 1024;

/// The identity format before contexts (format 1): its AAD is the header alone. `open` still
/// reads it, with an empty expected context only (docs/PROTOCOL.md section 10.1).
const IDENTITY_FORMAT_WITHOUT_CONTEXT: u8 = 1;

/// The AEAD associated data: the header, then (`bound`: every current format) the context
/// with its length.
fn aad(header: &[u8; 5], context: &[u8], bound: bool) -> Result<Vec<u8>, StateError> {
    let len = u16::try_from(context.len())
        .ok()
        .filter(|_| context.len() <= MAX_SEAL_CONTEXT_LEN)
        .ok_or(DecodeError::TooLarge {
            len: context.len(),
            max: MAX_SEAL_CONTEXT_LEN,
        })?;
    let mut out = Vec::with_capacity(context.len().saturating_add(7));
    out.extend_from_slice(header);
    if bound {
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(context);
    }
    Ok(out)
}

fn seal<R: TryCryptoRng + ?Sized>(
    rng: &mut R,
    app_key: &[u8; APP_KEY_LEN],
    object_type: u8,
    context: &[u8],
    encode: impl FnOnce(&mut Writer),
) -> Result<Vec<u8>, StateError> {
    let header = [
        VERSION,
        object::SEALED,
        SUITE,
        object_type,
        state_format(object_type),
    ];
    let aad = aad(&header, context, true)?;
    let salt = random_bytes::<32, R>(rng)?;
    let mut plain = Writer::default();
    encode(&mut plain);
    seal_plaintext(app_key, &header, &aad, &salt, plain)
}

/// The part of `seal` that does not depend on the state type (one copy for all three).
#[inline(never)]
fn seal_plaintext(
    app_key: &[u8; APP_KEY_LEN],
    header: &[u8; 5],
    aad: &[u8],
    salt: &[u8; 32],
    mut plain: Writer,
) -> Result<Vec<u8>, StateError> {
    let key = kdf::state_key(app_key, salt, header[3]);
    let mut out = Vec::with_capacity(plain.len().saturating_add(SEALED_OVERHEAD));
    out.extend_from_slice(header);
    out.extend_from_slice(salt.as_slice());
    let len = plain.len();
    let sealed = kdf::seal_with(&key, &[0; 12], aad, plain.as_slice(), &mut out);
    plain.zeroize();
    if sealed {
        Ok(out)
    } else {
        // Beyond ChaCha20-Poly1305's 256 GiB limit: not reachable with the state limits.
        Err(DecodeError::TooLarge { len, max: len }.into())
    }
}

fn open<T>(
    blob: &[u8],
    app_key: &[u8; APP_KEY_LEN],
    object_type: u8,
    context: &[u8],
    decode: impl FnOnce(&mut Reader<'_>) -> Result<T, StateError>,
) -> Result<T, StateError> {
    let plain = open_plaintext(blob, app_key, object_type, context)?;
    let mut r = Reader::new(&plain);
    let value = decode(&mut r)?;
    r.finish()?;
    Ok(value)
}

/// The part of `open` that does not depend on the state type: header checks and decryption.
#[inline(never)]
fn open_plaintext(
    blob: &[u8],
    app_key: &[u8; APP_KEY_LEN],
    object_type: u8,
    context: &[u8],
) -> Result<Zeroizing<Vec<u8>>, StateError> {
    if blob.len() > MAX_SEALED_LEN {
        return Err(DecodeError::TooLarge {
            len: blob.len(),
            max: MAX_SEALED_LEN,
        }
        .into());
    }
    let mut r = Reader::new(blob);
    r.header(object::SEALED)?;
    let found = r.u8()?;
    if found != object_type {
        return Err(DecodeError::WrongObjectType {
            expected: object_type,
            found,
        }
        .into());
    }
    let format = r.u8()?;
    let legacy = object_type == object::IDENTITY_STATE && format == IDENTITY_FORMAT_WITHOUT_CONTEXT;
    if format != state_format(object_type) && !legacy {
        return Err(DecodeError::UnsupportedVersion { found: format }.into());
    }
    let salt: [u8; 32] = r.array()?;
    let body = r.rest();
    if body.len() < kdf::AEAD_TAG_LEN {
        return Err(DecodeError::Truncated.into());
    }
    let header = [VERSION, object::SEALED, SUITE, object_type, format];
    let aad = aad(&header, context, !legacy)?;
    if legacy && !context.is_empty() {
        // A format-1 identity is bound to no context: it cannot be the one expected here.
        return Err(StateError::AuthFailed);
    }
    let key = kdf::state_key(app_key, &salt, object_type);
    let plain = kdf::open_with(&key, &[0; 12], &aad, body).ok_or(StateError::AuthFailed)?;
    Ok(Zeroizing::new(plain))
}

/// Refuses a state of a generation below `min_generation`.
fn check_generation(generation: u64, min_generation: Option<u64>) -> Result<(), StateError> {
    match min_generation {
        Some(minimum) if generation < minimum => Err(StateError::RolledBack {
            generation,
            minimum,
        }),
        _ => Ok(()),
    }
}

/// Gives a state type with a generation its `seal` and `open`, written once for sessions and
/// prekey stores.
macro_rules! sealed_state {
    ($ty:ident, $object:expr, $what:literal) => {
        impl $ty {
            #[doc = concat!("Seals the ", $what, " with a 32-byte application key, bound to `context`.")]
            ///
            /// `context` names where the blob belongs (for example the storage slot, or the
            /// peer's fingerprint); `open` must be given the same bytes. At most
            /// [`MAX_SEAL_CONTEXT_LEN`] bytes; empty binds to nothing. The blob records
            /// [`Self::generation`].
            ///
            /// # Errors
            /// [`StateError::RngFailed`] if the RNG fails; `TOO_LARGE` for a context over
            /// the maximum.
            pub fn seal<R: TryCryptoRng + ?Sized>(
                &self,
                rng: &mut R,
                app_key: &[u8; APP_KEY_LEN],
                context: &[u8],
            ) -> Result<Vec<u8>, StateError> {
                seal(rng, app_key, $object, context, |w| self.encode_state(w))
            }

            #[doc = concat!("Opens a sealed ", $what, ".")]
            ///
            /// `context` must be the context the blob was sealed to. With `min_generation`
            /// (for example the generation the app recorded when it last stored this object),
            /// a blob of an older generation — a rollback to an earlier copy — is refused.
            ///
            /// # Errors
            /// [`StateError::AuthFailed`] for a wrong key, a wrong context or a tampered
            /// blob; [`StateError::RolledBack`] below `min_generation`; a decode error for a
            /// blob of another type or format, or a malformed plaintext.
            pub fn open(
                blob: &[u8],
                app_key: &[u8; APP_KEY_LEN],
                context: &[u8],
                min_generation: Option<u64>,
            ) -> Result<Self, StateError> {
                let value = open(blob, app_key, $object, context, |r| Ok($ty::decode_state(r)?))?;
                check_generation(value.generation(), min_generation)?;
                Ok(value)
            }
        }
    };
}

sealed_state!(Session, object::SESSION_STATE, "session");
sealed_state!(PrekeyStore, object::PREKEY_STORE_STATE, "prekey store");

impl IdentityKeyPair {
    /// Seals the identity key pair with a 32-byte application key, bound to `context` (as
    /// for sessions; an identity never changes, so it has no generation).
    ///
    /// # Errors
    /// [`StateError::RngFailed`] if the RNG fails; `TOO_LARGE` for a context over the
    /// maximum.
    pub fn seal<R: TryCryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        app_key: &[u8; APP_KEY_LEN],
        context: &[u8],
    ) -> Result<Vec<u8>, StateError> {
        seal(rng, app_key, object::IDENTITY_STATE, context, |w| {
            self.encode_state(w);
        })
    }

    /// Opens a sealed identity key pair. `context` must be the one it was sealed to. A blob
    /// of the earlier format 1 (no context) still opens, with an empty `context` only: reseal
    /// it to bind it.
    ///
    /// # Errors
    /// [`StateError::AuthFailed`] for a wrong key, a wrong context or a tampered blob; a
    /// decode error for a blob of another type or format, or a malformed plaintext.
    pub fn open(
        blob: &[u8],
        app_key: &[u8; APP_KEY_LEN],
        context: &[u8],
    ) -> Result<Self, StateError> {
        open(blob, app_key, object::IDENTITY_STATE, context, |r| {
            Ok(IdentityKeyPair::decode_state(r)?)
        })
    }
}
