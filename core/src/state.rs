//! Persistence: versioned state encodings sealed with an application key.
//!
//! Spec: `docs/PROTOCOL.md`, section 10 ("Sealed state").
//!
//! ```text
//! blob = version || 0x20 || suite || object type || format || salt (32) || AEAD ciphertext
//! key  = HKDF-SHA-256(salt = salt, IKM = application key, info = label || object type)
//! AEAD = ChaCha20-Poly1305(key, nonce = 0^12, aad = the first five bytes)
//! ```
//!
//! Each blob has its own random salt and so its own key: the zero nonce is never reused
//! under one key. A wrong key or any changed byte fails authentication; a blob of another
//! object type is rejected before decryption with `WRONG_OBJECT_TYPE`.

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

/// Length of a sealed blob's header (five bytes) and salt.
pub const SEALED_OVERHEAD: usize = 5 + 32 + kdf::AEAD_TAG_LEN;

fn seal<R: TryCryptoRng + ?Sized>(
    rng: &mut R,
    app_key: &[u8; APP_KEY_LEN],
    object_type: u8,
    encode: impl FnOnce(&mut Writer),
) -> Result<Vec<u8>, StateError> {
    let salt = random_bytes::<32, R>(rng)?;
    let mut plain = Writer::default();
    encode(&mut plain);
    seal_plaintext(app_key, object_type, &salt, plain)
}

/// The part of `seal` that does not depend on the state type (one copy for all three).
#[inline(never)]
fn seal_plaintext(
    app_key: &[u8; APP_KEY_LEN],
    object_type: u8,
    salt: &[u8; 32],
    mut plain: Writer,
) -> Result<Vec<u8>, StateError> {
    let header = [
        VERSION,
        object::SEALED,
        SUITE,
        object_type,
        state_format(object_type),
    ];
    let key = kdf::state_key(app_key, salt, object_type);
    let mut out = Vec::with_capacity(plain.len().saturating_add(SEALED_OVERHEAD));
    out.extend_from_slice(&header);
    out.extend_from_slice(salt.as_slice());
    let len = plain.len();
    let sealed = kdf::seal_with(&key, &[0; 12], &header, plain.as_slice(), &mut out);
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
    decode: impl FnOnce(&mut Reader<'_>) -> Result<T, DecodeError>,
) -> Result<T, StateError> {
    let plain = open_plaintext(blob, app_key, object_type)?;
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
) -> Result<Zeroizing<Vec<u8>>, StateError> {
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
    if format != state_format(object_type) {
        return Err(DecodeError::UnsupportedVersion { found: format }.into());
    }
    let salt: [u8; 32] = r.array()?;
    let body = r.rest();
    if body.len() < kdf::AEAD_TAG_LEN {
        return Err(DecodeError::Truncated.into());
    }
    let header = [VERSION, object::SEALED, SUITE, object_type, format];
    let key = kdf::state_key(app_key, &salt, object_type);
    Ok(Zeroizing::new(
        kdf::open_with(&key, &[0; 12], &header, body).ok_or(StateError::AuthFailed)?,
    ))
}

/// Gives a state type its `seal` and `open`, written once for every sealed object type.
macro_rules! sealed_state {
    ($ty:ident, $object:expr, $what:literal) => {
        impl $ty {
            #[doc = concat!("Seals the ", $what, " with a 32-byte application key.")]
            ///
            /// # Errors
            /// [`StateError::RngFailed`] if the RNG fails.
            pub fn seal<R: TryCryptoRng + ?Sized>(
                &self,
                rng: &mut R,
                app_key: &[u8; APP_KEY_LEN],
            ) -> Result<Vec<u8>, StateError> {
                seal(rng, app_key, $object, |w| self.encode_state(w))
            }

            #[doc = concat!("Opens a sealed ", $what, ".")]
            ///
            /// # Errors
            /// [`StateError::AuthFailed`] for a wrong key or a tampered blob; a decode error
            /// for a blob of another type or format, or a malformed plaintext.
            pub fn open(blob: &[u8], app_key: &[u8; APP_KEY_LEN]) -> Result<Self, StateError> {
                open(blob, app_key, $object, $ty::decode_state)
            }
        }
    };
}

sealed_state!(Session, object::SESSION_STATE, "session");
sealed_state!(IdentityKeyPair, object::IDENTITY_STATE, "identity key pair");
sealed_state!(PrekeyStore, object::PREKEY_STORE_STATE, "prekey store");
