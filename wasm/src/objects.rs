//! The objects JavaScript holds: identities, prekey stores and sessions, each wrapping its
//! core value in an `Option` (taken by `dispose`), with the shared handling — access, `seal`,
//! `open`, `dispose` — written once, in [`handle_class!`]; and identity caches, which hold
//! public data only.

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::Uint8Array;
use twofold_core::{self as core_, SessionConfig};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::records::{self, Accepted, Initiated, ToJs};
use crate::{
    DISPOSED, INVALID_ARGUMENT, SCRUB_KEYS, SCRUB_MESSAGE, app_key, core_error, error, rng,
    scrubbed, seconds, secret_out,
};

/// Declares a JS class over a core type: the `Option` handle, `get`/`get_mut` that throw
/// `DISPOSED`, `seal` and `dispose` (whether an object was disposed is the npm layer's
/// bookkeeping).
macro_rules! handle_class {
    ($(#[$doc:meta])* $name:ident($inner:ty), $disposed:literal) => {
        $(#[$doc])*
        #[wasm_bindgen]
        #[derive(Debug)]
        pub struct $name {
            inner: Option<$inner>,
        }

        impl $name {
            fn wrap(inner: $inner) -> Self {
                Self { inner: Some(inner) }
            }

            #[allow(dead_code)]
            pub(crate) fn get(&self) -> Result<&$inner, JsValue> {
                self.inner.as_ref().ok_or_else(|| error(DISPOSED, $disposed))
            }

            #[allow(dead_code)]
            pub(crate) fn get_mut(&mut self) -> Result<&mut $inner, JsValue> {
                self.inner.as_mut().ok_or_else(|| error(DISPOSED, $disposed))
            }
        }

        #[wasm_bindgen]
        impl $name {
            /// Seals the object with an application key (for storage), bound to `context`
            /// (absent: empty).
            pub fn seal(
                &self,
                app_key_bytes: Vec<u8>,
                context: Option<Vec<u8>>,
            ) -> Result<Uint8Array, JsValue> {
                scrubbed::<_, SCRUB_KEYS>(|| {
                    let key = app_key(&Zeroizing::new(app_key_bytes))?;
                    let blob = self
                        .get()?
                        .seal(&mut rng(), &key, context.as_deref().unwrap_or_default())
                        .map_err(core_error)?;
                    Ok(Uint8Array::from(blob.as_slice()))
                })
            }

            /// Wipes the secrets; any later use throws `DISPOSED`.
            pub fn dispose(&mut self) {
                scrubbed::<_, SCRUB_MESSAGE>(|| {
                    self.inner = None;
                })
            }
        }
    };
}

handle_class!(
    /// A long-term hybrid identity key pair.
    Identity(core_::IdentityKeyPair),
    "Identity was disposed and can no longer be used"
);

handle_class!(
    /// The responder's prekeys.
    PrekeyStore(core_::PrekeyStore),
    "PrekeyStore was disposed and can no longer be used"
);

handle_class!(
    /// An end-to-end encrypted session.
    Session(core_::Session),
    "Session was disposed and can no longer be used"
);

/// `open` of the objects with a generation (sessions and prekey stores).
macro_rules! generational {
    ($name:ident($inner:ty)) => {
        #[wasm_bindgen]
        impl $name {
            /// Opens a sealed object bound to `context` (absent: empty), refusing one older
            /// than `min_generation` (`ROLLED_BACK`).
            pub fn open(
                blob: &[u8],
                app_key_bytes: Vec<u8>,
                context: Option<Vec<u8>>,
                min_generation: Option<f64>,
            ) -> Result<$name, JsValue> {
                scrubbed::<_, SCRUB_KEYS>(|| {
                    let key = app_key(&Zeroizing::new(app_key_bytes))?;
                    let min = min_generation.map(generation_in).transpose()?;
                    let context = context.as_deref().unwrap_or_default();
                    Ok(Self::wrap(
                        <$inner>::open(blob, &key, context, min).map_err(core_error)?,
                    ))
                })
            }
        }
    };
}

generational!(Session(core_::Session));
generational!(PrekeyStore(core_::PrekeyStore));

/// A generation from JavaScript: an integer in `0..=2^53`.
fn generation_in(n: f64) -> Result<u64, JsValue> {
    // `as` drops any fraction (and saturates); in range, the value converts back to `n` exactly
    // if and only if `n` is an integer (every integer up to 2^53 is exact in an f64).
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let (whole, back) = (n as u64, (n as u64) as f64);
    #[allow(clippy::float_cmp)]
    let integer = back == n;
    if integer && (0.0..=MAX_SAFE).contains(&n) {
        Ok(whole)
    } else {
        Err(error(
            INVALID_ARGUMENT,
            "minGeneration must be an integer from 0 to 2^53",
        ))
    }
}

/// 2^53: the largest integer below which every integer is exact in a JavaScript number.
const MAX_SAFE: f64 = 9_007_199_254_740_992.0;

fn count(n: u32) -> Result<usize, JsValue> {
    usize::try_from(n).map_err(|_| error(INVALID_ARGUMENT, "count out of range"))
}

#[wasm_bindgen]
impl Identity {
    /// Generates a new identity.
    pub fn generate() -> Result<Identity, JsValue> {
        scrubbed::<_, SCRUB_KEYS>(|| {
            Ok(Self::wrap(
                core_::IdentityKeyPair::generate(&mut rng()).map_err(core_error)?,
            ))
        })
    }

    /// Opens a sealed identity bound to `context` (absent: empty; a format-1 blob opens with
    /// an empty context only).
    pub fn open(
        blob: &[u8],
        app_key_bytes: Vec<u8>,
        context: Option<Vec<u8>>,
    ) -> Result<Identity, JsValue> {
        scrubbed::<_, SCRUB_KEYS>(|| {
            let key = app_key(&Zeroizing::new(app_key_bytes))?;
            let context = context.as_deref().unwrap_or_default();
            Ok(Self::wrap(
                core_::IdentityKeyPair::open(blob, &key, context).map_err(core_error)?,
            ))
        })
    }

    /// The encoded public identity.
    #[wasm_bindgen(js_name = publicBytes)]
    pub fn public_bytes(&self) -> Result<Uint8Array, JsValue> {
        Ok(Uint8Array::from(self.get()?.public().to_bytes().as_slice()))
    }
}

#[wasm_bindgen]
impl PrekeyStore {
    /// Creates a store with fresh signed prekeys created at `now` (Unix seconds).
    pub fn generate(identity: &Identity, now: f64) -> Result<PrekeyStore, JsValue> {
        scrubbed::<_, SCRUB_KEYS>(|| {
            let inner = core_::PrekeyStore::generate(&mut rng(), identity.get()?, seconds(now)?)
                .map_err(core_error)?;
            Ok(Self::wrap(inner))
        })
    }

    /// An upload with a new batch of one-time prekeys, under one signature.
    pub fn upload(
        &mut self,
        identity: &Identity,
        x25519: u32,
        kem: u32,
    ) -> Result<Uint8Array, JsValue> {
        scrubbed::<_, SCRUB_KEYS>(|| {
            let id = identity.get()?;
            let bytes = self
                .get_mut()?
                .upload(&mut rng(), id, count(x25519)?, count(kem)?)
                .map_err(core_error)?;
            Ok(Uint8Array::from(bytes.as_slice()))
        })
    }

    /// Replaces the signed prekeys; the old ones stay usable for the grace period.
    #[wasm_bindgen(js_name = rotateSignedPrekeys)]
    pub fn rotate_signed_prekeys(&mut self, identity: &Identity, now: f64) -> Result<(), JsValue> {
        scrubbed::<_, SCRUB_KEYS>(|| {
            let id = identity.get()?;
            let now = seconds(now)?;
            self.get_mut()?
                .rotate_signed_prekeys(&mut rng(), id, now)
                .map_err(core_error)
        })
    }

    /// Drops signed prekeys whose grace period has passed.
    pub fn prune(&mut self, now: f64) -> Result<(), JsValue> {
        scrubbed::<_, SCRUB_MESSAGE>(|| {
            let now = seconds(now)?;
            self.get_mut()?.prune(now);
            Ok(())
        })
    }

    /// Counts of available and issued prekeys.
    #[wasm_bindgen(unchecked_return_type = "PrekeyStoreInfo")]
    pub fn info(&self) -> Result<JsValue, JsValue> {
        Ok(records::prekey_store_info(self.get()?.info()))
    }
}

/// A maximum prekey age in seconds from JavaScript; `Infinity` for none.
pub(crate) fn max_age(seconds_or_infinity: f64) -> Result<Option<u64>, JsValue> {
    if seconds_or_infinity == f64::INFINITY {
        Ok(None)
    } else {
        seconds(seconds_or_infinity).map(Some)
    }
}

/// Identities whose binding verified, with their expanded ML-DSA keys (public data only).
#[wasm_bindgen]
#[derive(Debug)]
pub struct IdentityCache {
    pub(crate) inner: core_::IdentityCache,
}

#[wasm_bindgen]
impl IdentityCache {
    /// An empty cache of at most `capacity` identities.
    #[wasm_bindgen(constructor)]
    pub fn new(capacity: u32) -> Result<IdentityCache, JsValue> {
        Ok(Self {
            inner: core_::IdentityCache::new(count(capacity)?),
        })
    }

    /// Identities cached.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.inner.len()
    }

    /// Forgets every identity.
    pub fn clear(&mut self) {
        self.inner.clear();
    }
}

#[wasm_bindgen]
impl Session {
    /// Starts a session from a bundle. `max_prekey_age` in seconds; `Infinity` disables the
    /// age check. `self_contained`: send the initial message with the whole identity.
    /// `cache`: verified identities (capacity 0 for none).
    // Positional, as wasm-bindgen passes them; the npm layer takes an options object.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(unchecked_return_type = "Initiated")]
    pub fn initiate(
        identity: &Identity,
        bundle: &[u8],
        plaintext: Vec<u8>,
        associated_data: &[u8],
        now: f64,
        max_prekey_age: f64,
        self_contained: bool,
        cache: &mut IdentityCache,
    ) -> Result<JsValue, JsValue> {
        scrubbed::<_, SCRUB_KEYS>(|| {
            let plaintext = Zeroizing::new(plaintext);
            let max_prekey_age = max_age(max_prekey_age)?;
            let config = SessionConfig::default()
                .with_max_prekey_age(max_prekey_age)
                .with_self_contained(self_contained);
            let now = seconds(now)?;
            let bundle = core_::VerifiedBundle::from_bytes_with(bundle, &mut cache.inner)
                .map_err(core_error)?;
            let (session, message) = core_::Session::initiate(
                &mut rng(),
                identity.get()?,
                &bundle,
                &plaintext,
                associated_data,
                now,
                &config,
            )
            .map_err(core_error)?;
            Ok(Initiated {
                session: JsValue::from(Self::wrap(session)),
                message: message.as_slice(),
            }
            .to_js())
        })
    }

    /// Accepts an initial message; `initiator` is the initiator's identity encoding (required
    /// for a compact message). `cache`: verified identities (capacity 0 for none).
    #[wasm_bindgen(unchecked_return_type = "Accepted")]
    pub fn accept(
        identity: &Identity,
        store: &mut PrekeyStore,
        message: &[u8],
        initiator: Option<Vec<u8>>,
        associated_data: &[u8],
        now: f64,
        cache: &mut IdentityCache,
    ) -> Result<JsValue, JsValue> {
        scrubbed::<_, SCRUB_KEYS>(|| {
            let config = SessionConfig::default();
            let now = seconds(now)?;
            let id = identity.get()?;
            let (session, plaintext) = core_::Session::accept_cached(
                id,
                store.get_mut()?,
                message,
                initiator.as_deref(),
                associated_data,
                now,
                &config,
                &mut cache.inner,
            )
            .map_err(core_error)?;
            Ok(Accepted {
                session: JsValue::from(Self::wrap(session)),
                plaintext: JsValue::from(secret_out(plaintext)),
            }
            .to_js())
        })
    }

    /// Encrypts a message.
    pub fn encrypt(
        &mut self,
        plaintext: Vec<u8>,
        associated_data: &[u8],
        now: f64,
    ) -> Result<Uint8Array, JsValue> {
        scrubbed::<_, SCRUB_MESSAGE>(|| {
            let plaintext = Zeroizing::new(plaintext);
            let now = seconds(now)?;
            let out = self
                .get_mut()?
                .encrypt(&mut rng(), now, &plaintext, associated_data)
                .map_err(core_error)?;
            Ok(Uint8Array::from(out.as_slice()))
        })
    }

    /// Decrypts a message; on failure the session is unchanged.
    pub fn decrypt(
        &mut self,
        message: &[u8],
        associated_data: &[u8],
    ) -> Result<Uint8Array, JsValue> {
        scrubbed::<_, SCRUB_MESSAGE>(|| {
            let out = self
                .get_mut()?
                .decrypt(message, associated_data)
                .map_err(core_error)?;
            Ok(secret_out(out))
        })
    }

    /// Non-secret state for UIs.
    #[wasm_bindgen(unchecked_return_type = "SessionInfo")]
    pub fn info(&self) -> Result<JsValue, JsValue> {
        Ok(records::session_info(self.get()?.info()))
    }

    /// The 60-digit safety number.
    #[wasm_bindgen(js_name = safetyNumber)]
    pub fn safety_number(&self) -> Result<String, JsValue> {
        Ok(self.get()?.safety_number().to_digits())
    }

    /// The QR payload of the safety number.
    #[wasm_bindgen(js_name = safetyQr)]
    pub fn safety_qr(&self) -> Result<Uint8Array, JsValue> {
        Ok(Uint8Array::from(
            self.get()?.safety_number().qr_payload().as_slice(),
        ))
    }

    /// Constant-time comparison with a scanned QR payload.
    #[wasm_bindgen(js_name = matchesSafetyQr)]
    pub fn matches_safety_qr(&self, scanned: &[u8]) -> Result<bool, JsValue> {
        Ok(self.get()?.safety_number().matches_qr(scanned))
    }

    /// The short authentication string.
    #[wasm_bindgen(unchecked_return_type = "Sas")]
    pub fn sas(&self) -> Result<JsValue, JsValue> {
        Ok(records::sas(self.get()?.sas()))
    }

    /// The fingerprint of the peer's identity.
    #[wasm_bindgen(js_name = peerFingerprint)]
    pub fn peer_fingerprint(&self) -> Result<Uint8Array, JsValue> {
        Ok(Uint8Array::from(&self.get()?.peer_fingerprint()[..]))
    }

    /// SHA-256 of the handshake fields; equal on both sides.
    #[wasm_bindgen(js_name = handshakeId)]
    pub fn handshake_id(&self) -> Result<Uint8Array, JsValue> {
        Ok(Uint8Array::from(&self.get()?.handshake_id()[..]))
    }
}
