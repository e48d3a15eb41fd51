//! wasm-bindgen facade of `twofold-core`. It converts types and errors and supplies the RNG
//! (`getrandom`, i.e. `crypto.getRandomValues`); it contains no protocol logic.
//!
//! Conventions:
//! - bytes in and out are `Uint8Array`;
//! - every failure is thrown as an `Error` whose `name` is `"TwofoldError"` and whose `code`
//!   is one of the stable strings of `twofold_core::ErrorCode`, or one of [`INVALID_ARGUMENT`]
//!   and [`DISPOSED`], which only this layer produces;
//! - objects hold their core value in an `Option`; `dispose()` takes and drops it, which
//!   zeroizes the secrets in wasm memory; any later use throws `DISPOSED`;
//! - secret inputs (plaintexts, application keys) are taken as owned buffers and wiped after
//!   use; plaintext outputs are copied into a JS-owned `Uint8Array` and the wasm copy wiped.
//!
//! Nothing here can panic on any input: the core has no reachable panics (its lints forbid
//! them) and this layer checks every numeric conversion.

use js_sys::{Array, Object, Reflect, Uint8Array};
use twofold_core::{self as core_, HasErrorCode, PqPolicy, SessionConfig};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

// The core's `trace` feature records every key: a wasm module must never be built with it (a
// workspace-wide build would unify it in from the test crate).
#[cfg(target_arch = "wasm32")]
const _: () = assert!(
    !twofold_core::TRACE_ENABLED,
    "twofold-core's `trace` feature must not be enabled in a wasm build: build -p twofold-wasm"
);

/// Error code for arguments of the wrong size or range (this layer only).
pub const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";
/// Error code for use of a disposed object (this layer only).
pub const DISPOSED: &str = "DISPOSED";

fn error(code: &str, message: &str) -> JsValue {
    let e = js_sys::Error::new(message);
    e.set_name("TwofoldError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&e, &JsValue::from_str("code"), &JsValue::from_str(code));
    e.into()
}

/// A core error as a JS error: its stable code and the code's fixed description. (The core's
/// detailed `Display` is not used here: formatting machinery would cost several KB of wasm.)
fn core_error<E: HasErrorCode>(e: E) -> JsValue {
    let code = e.code();
    error(code.as_str(), code.description())
}

fn disposed(what: &'static str) -> JsValue {
    let message = match what {
        "Identity" => "Identity was disposed and can no longer be used",
        "PrekeyStore" => "PrekeyStore was disposed and can no longer be used",
        _ => "Session was disposed and can no longer be used",
    };
    error(DISPOSED, message)
}

fn rng() -> getrandom::SysRng {
    getrandom::SysRng
}

/// Seconds from a JS number: finite and non-negative, fractions dropped.
fn seconds(now: f64) -> Result<u64, JsValue> {
    if (0.0..1.8e19).contains(&now) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        // In range and non-negative: the cast only drops the fraction.
        Ok(now.floor() as u64)
    } else {
        Err(error(
            INVALID_ARGUMENT,
            "time must be a finite, non-negative number of seconds",
        ))
    }
}

fn app_key(key: &[u8]) -> Result<Zeroizing<[u8; 32]>, JsValue> {
    <[u8; 32]>::try_from(key)
        .map(Zeroizing::new)
        .map_err(|_| error(INVALID_ARGUMENT, "application key must be 32 bytes"))
}

fn policy(pq_messages: u32, pq_seconds: f64) -> Result<SessionConfig, JsValue> {
    let seconds = if pq_seconds.is_infinite() && pq_seconds > 0.0 {
        u64::MAX
    } else {
        seconds(pq_seconds)?
    };
    Ok(SessionConfig::with_pq_policy(if pq_messages == 0 {
        PqPolicy::EveryStep
    } else {
        PqPolicy::Interval {
            messages: pq_messages,
            seconds,
        }
    }))
}

/// Copies secret bytes into a JS-owned array and wipes the wasm copy.
fn secret_out(bytes: Vec<u8>) -> Uint8Array {
    let bytes = Zeroizing::new(bytes);
    Uint8Array::from(bytes.as_slice())
}

fn object(entries: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in entries {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

fn usize_js(n: usize) -> JsValue {
    // Counts are bounded by the core's limits (< 2^32): exact as f64.
    JsValue::from_f64(u32::try_from(n).map_or(f64::from(u32::MAX), f64::from))
}

fn u64_js(n: u64) -> JsValue {
    // f64 is exact up to 2^53; larger counters are clamped there (not reachable in practice).
    let clamped = n.min(1 << 53);
    JsValue::from_f64(
        u32::try_from(clamped >> 32).map_or(0.0, f64::from) * 4_294_967_296.0
            + u32::try_from(clamped & 0xFFFF_FFFF).map_or(0.0, f64::from),
    )
}

/// The library version.
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    String::from(env!("CARGO_PKG_VERSION"))
}

/// `"initial"` or `"ratchet"`: where a received message should go.
#[wasm_bindgen(js_name = messageKind)]
pub fn message_kind(message: &[u8]) -> Result<String, JsValue> {
    match core_::message_kind(message).map_err(core_error)? {
        core_::MessageKind::Initial => Ok("initial".into()),
        core_::MessageKind::Ratchet => Ok("ratchet".into()),
    }
}

/// The public facts of a message (what a server sees): kind, handshake prekey ids, ratchet
/// key, index, previous chain length, PQ data carried, ciphertext length.
#[wasm_bindgen(js_name = describeMessage)]
pub fn describe_message(message: &[u8]) -> Result<Object, JsValue> {
    let d = core_::describe_message(message).map_err(core_error)?;
    let opt = |v: Option<u32>| v.map_or(JsValue::NULL, JsValue::from);
    let handshake = match d.handshake {
        Some(h) => {
            let (kind, id) = match h.kem_prekey {
                core_::KemPrekeyUsed::LastResort(id) => ("last-resort", id),
                core_::KemPrekeyUsed::OneTime(id) => ("one-time", id),
            };
            object(&[
                ("signedPrekeyId", h.signed_prekey_id.into()),
                ("oneTimePrekeyId", opt(h.one_time_prekey_id)),
                ("kemPrekeyKind", JsValue::from_str(kind)),
                ("kemPrekeyId", id.into()),
            ])
            .into()
        }
        None => JsValue::NULL,
    };
    Ok(object(&[
        (
            "kind",
            JsValue::from_str(match d.kind {
                core_::MessageKind::Initial => "initial",
                _ => "ratchet",
            }),
        ),
        ("handshake", handshake),
        (
            "ratchetKey",
            Uint8Array::from(&d.ratchet_key.as_bytes()[..]).into(),
        ),
        ("index", d.index.into()),
        ("previousChainLength", d.previous_chain_len.into()),
        ("kemCiphertextFor", opt(d.kem_ciphertext_for)),
        ("kemOffer", opt(d.kem_offer)),
        ("ciphertextLength", usize_js(d.ciphertext_len)),
    ]))
}

/// The safety number (60 digits) of two encoded public identities.
#[wasm_bindgen(js_name = safetyNumberOf)]
pub fn safety_number_of(a: &[u8], b: &[u8]) -> Result<String, JsValue> {
    let a = core_::PublicIdentity::from_bytes(a).map_err(core_error)?;
    let b = core_::PublicIdentity::from_bytes(b).map_err(core_error)?;
    Ok(core_::SafetyNumber::new(&a, &b).to_digits())
}

/// Decodes and verifies a bundle; returns its public facts (ids, identity bytes).
#[wasm_bindgen(js_name = inspectBundle)]
pub fn inspect_bundle(bundle: &[u8]) -> Result<Object, JsValue> {
    let b = core_::VerifiedBundle::from_bytes(bundle).map_err(core_error)?;
    let opt = |v: Option<u32>| v.map_or(JsValue::NULL, JsValue::from);
    Ok(object(&[
        (
            "identity",
            Uint8Array::from(b.identity().to_bytes().as_slice()).into(),
        ),
        ("signedPrekeyId", b.signed_prekey_id().into()),
        ("oneTimePrekeyId", opt(b.one_time_prekey_id())),
        ("oneTimeKemPrekeyId", opt(b.one_time_kem_prekey_id())),
    ]))
}

/// A long-term hybrid identity key pair.
#[wasm_bindgen(js_name = Identity)]
#[derive(Debug)]
pub struct Identity {
    inner: Option<core_::IdentityKeyPair>,
}

impl Identity {
    fn get(&self) -> Result<&core_::IdentityKeyPair, JsValue> {
        self.inner.as_ref().ok_or_else(|| disposed("Identity"))
    }
}

#[wasm_bindgen(js_class = Identity)]
impl Identity {
    /// Generates a new identity.
    pub fn generate() -> Result<Identity, JsValue> {
        let inner = core_::IdentityKeyPair::generate(&mut rng()).map_err(core_error)?;
        Ok(Identity { inner: Some(inner) })
    }

    /// The encoded public identity (5,296 bytes).
    #[wasm_bindgen(js_name = publicBytes)]
    pub fn public_bytes(&self) -> Result<Uint8Array, JsValue> {
        Ok(Uint8Array::from(self.get()?.public().to_bytes().as_slice()))
    }

    /// Seals the key pair with a 32-byte application key.
    pub fn seal(&self, app_key_bytes: Vec<u8>) -> Result<Uint8Array, JsValue> {
        let key = app_key(&Zeroizing::new(app_key_bytes))?;
        let blob = self.get()?.seal(&mut rng(), &key).map_err(core_error)?;
        Ok(Uint8Array::from(blob.as_slice()))
    }

    /// Opens a sealed key pair.
    pub fn open(blob: &[u8], app_key_bytes: Vec<u8>) -> Result<Identity, JsValue> {
        let key = app_key(&Zeroizing::new(app_key_bytes))?;
        let inner = core_::IdentityKeyPair::open(blob, &key).map_err(core_error)?;
        Ok(Identity { inner: Some(inner) })
    }

    /// Wipes the secrets; any later use throws `DISPOSED`.
    pub fn dispose(&mut self) {
        self.inner = None;
    }

    /// Whether `dispose()` was called.
    #[wasm_bindgen(getter, js_name = isDisposed)]
    pub fn is_disposed(&self) -> bool {
        self.inner.is_none()
    }
}

/// The responder's prekeys.
#[wasm_bindgen(js_name = PrekeyStore)]
#[derive(Debug)]
pub struct PrekeyStore {
    inner: Option<core_::PrekeyStore>,
}

impl PrekeyStore {
    fn get(&self) -> Result<&core_::PrekeyStore, JsValue> {
        self.inner.as_ref().ok_or_else(|| disposed("PrekeyStore"))
    }

    fn get_mut(&mut self) -> Result<&mut core_::PrekeyStore, JsValue> {
        self.inner.as_mut().ok_or_else(|| disposed("PrekeyStore"))
    }
}

#[wasm_bindgen(js_class = PrekeyStore)]
impl PrekeyStore {
    /// Creates a store with `one_time` one-time prekeys of each kind.
    pub fn generate(identity: &Identity, one_time: u32, now: f64) -> Result<PrekeyStore, JsValue> {
        let count = usize::try_from(one_time)
            .map_err(|_| error(INVALID_ARGUMENT, "one-time prekey count out of range"))?;
        let inner = core_::PrekeyStore::generate(&mut rng(), identity.get()?, count, seconds(now)?)
            .map_err(core_error)?;
        Ok(PrekeyStore { inner: Some(inner) })
    }

    /// The next bundle to publish (hands out the next one-time prekeys).
    pub fn bundle(&mut self, identity: &Identity) -> Result<Uint8Array, JsValue> {
        let id = identity.get()?;
        let bytes = self.get_mut()?.bundle(&mut rng(), id).map_err(core_error)?;
        Ok(Uint8Array::from(bytes.as_slice()))
    }

    /// Adds `count` one-time prekeys of each kind.
    #[wasm_bindgen(js_name = addOneTimePrekeys)]
    pub fn add_one_time_prekeys(&mut self, count: u32) -> Result<(), JsValue> {
        let count = usize::try_from(count)
            .map_err(|_| error(INVALID_ARGUMENT, "one-time prekey count out of range"))?;
        self.get_mut()?
            .add_one_time_prekeys(&mut rng(), count, count)
            .map_err(core_error)
    }

    /// Replaces the signed prekeys; the old ones stay usable for the grace period.
    #[wasm_bindgen(js_name = rotateSignedPrekeys)]
    pub fn rotate_signed_prekeys(&mut self, identity: &Identity, now: f64) -> Result<(), JsValue> {
        let id = identity.get()?;
        let now = seconds(now)?;
        self.get_mut()?
            .rotate_signed_prekeys(&mut rng(), id, now)
            .map_err(core_error)
    }

    /// Drops signed prekeys whose grace period has passed.
    pub fn prune(&mut self, now: f64) -> Result<(), JsValue> {
        let now = seconds(now)?;
        self.get_mut()?.prune(now);
        Ok(())
    }

    /// Counts of available and issued prekeys.
    pub fn info(&self) -> Result<Object, JsValue> {
        let i = self.get()?.info();
        Ok(object(&[
            ("signedPrekeyId", i.signed_prekey_id.into()),
            (
                "hasPreviousSignedPrekey",
                i.has_previous_signed_prekey.into(),
            ),
            ("oneTimeAvailable", usize_js(i.one_time_available)),
            ("oneTimeIssued", usize_js(i.one_time_issued)),
            ("oneTimeKemAvailable", usize_js(i.one_time_kem_available)),
            ("oneTimeKemIssued", usize_js(i.one_time_kem_issued)),
            ("replayCacheLength", usize_js(i.replay_cache_len)),
        ]))
    }

    /// Seals the store with a 32-byte application key.
    pub fn seal(&self, app_key_bytes: Vec<u8>) -> Result<Uint8Array, JsValue> {
        let key = app_key(&Zeroizing::new(app_key_bytes))?;
        let blob = self.get()?.seal(&mut rng(), &key).map_err(core_error)?;
        Ok(Uint8Array::from(blob.as_slice()))
    }

    /// Opens a sealed store.
    pub fn open(blob: &[u8], app_key_bytes: Vec<u8>) -> Result<PrekeyStore, JsValue> {
        let key = app_key(&Zeroizing::new(app_key_bytes))?;
        let inner = core_::PrekeyStore::open(blob, &key).map_err(core_error)?;
        Ok(PrekeyStore { inner: Some(inner) })
    }

    /// Wipes the secrets; any later use throws `DISPOSED`.
    pub fn dispose(&mut self) {
        self.inner = None;
    }

    /// Whether `dispose()` was called.
    #[wasm_bindgen(getter, js_name = isDisposed)]
    pub fn is_disposed(&self) -> bool {
        self.inner.is_none()
    }
}

/// An end-to-end encrypted session.
#[wasm_bindgen(js_name = Session)]
#[derive(Debug)]
pub struct Session {
    inner: Option<core_::Session>,
}

impl Session {
    fn get(&self) -> Result<&core_::Session, JsValue> {
        self.inner.as_ref().ok_or_else(|| disposed("Session"))
    }

    fn get_mut(&mut self) -> Result<&mut core_::Session, JsValue> {
        self.inner.as_mut().ok_or_else(|| disposed("Session"))
    }
}

#[wasm_bindgen(js_class = Session)]
impl Session {
    /// Starts a session from a bundle; returns `{ session, message }`.
    /// `pq_messages = 0` selects the every-step PQ policy.
    #[allow(clippy::too_many_arguments)]
    pub fn initiate(
        identity: &Identity,
        bundle: &[u8],
        plaintext: Vec<u8>,
        associated_data: &[u8],
        now: f64,
        pq_messages: u32,
        pq_seconds: f64,
    ) -> Result<Object, JsValue> {
        let plaintext = Zeroizing::new(plaintext);
        let config = policy(pq_messages, pq_seconds)?;
        let now = seconds(now)?;
        let bundle = core_::VerifiedBundle::from_bytes(bundle).map_err(core_error)?;
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
        Ok(object(&[
            (
                "session",
                Session {
                    inner: Some(session),
                }
                .into(),
            ),
            ("message", Uint8Array::from(message.as_slice()).into()),
        ]))
    }

    /// Accepts an initial message; returns `{ session, plaintext }`.
    #[allow(clippy::too_many_arguments)]
    pub fn accept(
        identity: &Identity,
        store: &mut PrekeyStore,
        message: &[u8],
        associated_data: &[u8],
        now: f64,
        pq_messages: u32,
        pq_seconds: f64,
    ) -> Result<Object, JsValue> {
        let config = policy(pq_messages, pq_seconds)?;
        let now = seconds(now)?;
        let id = identity.get()?;
        let (session, plaintext) =
            core_::Session::accept(id, store.get_mut()?, message, associated_data, now, &config)
                .map_err(core_error)?;
        Ok(object(&[
            (
                "session",
                Session {
                    inner: Some(session),
                }
                .into(),
            ),
            ("plaintext", secret_out(plaintext).into()),
        ]))
    }

    /// Encrypts a message.
    pub fn encrypt(
        &mut self,
        plaintext: Vec<u8>,
        associated_data: &[u8],
        now: f64,
    ) -> Result<Uint8Array, JsValue> {
        let plaintext = Zeroizing::new(plaintext);
        let now = seconds(now)?;
        let out = self
            .get_mut()?
            .encrypt(&mut rng(), now, &plaintext, associated_data)
            .map_err(core_error)?;
        Ok(Uint8Array::from(out.as_slice()))
    }

    /// Decrypts a message; on failure the session is unchanged.
    pub fn decrypt(
        &mut self,
        message: &[u8],
        associated_data: &[u8],
    ) -> Result<Uint8Array, JsValue> {
        let out = self
            .get_mut()?
            .decrypt(message, associated_data)
            .map_err(core_error)?;
        Ok(secret_out(out))
    }

    /// Non-secret state for UIs.
    pub fn info(&self, now: f64) -> Result<Object, JsValue> {
        let s = self.get()?;
        let now = seconds(now)?;
        let i = s.info();
        let (policy_name, messages, secs) = match i.pq_policy {
            PqPolicy::Interval { messages, seconds } => ("interval", messages, seconds),
            _ => ("every-step", 0, 0),
        };
        Ok(object(&[
            (
                "role",
                JsValue::from_str(match i.role {
                    core_::Role::Initiator => "initiator",
                    core_::Role::Responder => "responder",
                }),
            ),
            ("dhEpoch", i.dh_epoch.into()),
            ("pqEpoch", i.pq_epoch.into()),
            ("pqOfferPending", i.pq_offer_pending.into()),
            ("pqStepDue", s.pq_step_due(now).into()),
            ("messagesSincePqStep", i.messages_since_pq_step.into()),
            ("lastPqStepAt", u64_js(i.last_pq_step_at)),
            (
                "pqPolicy",
                object(&[
                    ("kind", JsValue::from_str(policy_name)),
                    ("messages", messages.into()),
                    ("seconds", u64_js(secs)),
                ])
                .into(),
            ),
            ("sendingIndex", i.sending_index.into()),
            ("receivingIndex", i.receiving_index.into()),
            ("skippedKeys", usize_js(i.skipped_keys)),
            ("skippedChains", usize_js(i.skipped_chains)),
            ("sent", u64_js(i.sent)),
            ("received", u64_js(i.received)),
            ("awaitingReply", i.awaiting_reply.into()),
            ("newChainNext", i.new_chain_next.into()),
        ]))
    }

    /// The 60-digit safety number.
    #[wasm_bindgen(js_name = safetyNumber)]
    pub fn safety_number(&self) -> Result<String, JsValue> {
        Ok(self.get()?.safety_number().to_digits())
    }

    /// The 65-byte QR payload of the safety number.
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

    /// The short authentication string: `{ emoji: [{emoji, name}], decimal: [n, n, n] }`.
    pub fn sas(&self) -> Result<Object, JsValue> {
        let sas = self.get()?.sas();
        let emoji = Array::new();
        for (e, name) in sas.emoji() {
            emoji.push(&object(&[("emoji", e.into()), ("name", name.into())]).into());
        }
        let decimal = Array::new();
        for n in sas.decimal() {
            decimal.push(&JsValue::from(n));
        }
        Ok(object(&[
            ("emoji", emoji.into()),
            ("decimal", decimal.into()),
        ]))
    }

    /// The peer's encoded public identity.
    #[wasm_bindgen(js_name = peerIdentity)]
    pub fn peer_identity(&self) -> Result<Uint8Array, JsValue> {
        Ok(Uint8Array::from(
            self.get()?.peer_identity().to_bytes().as_slice(),
        ))
    }

    /// SHA-256 of the handshake fields; equal on both sides.
    #[wasm_bindgen(js_name = handshakeId)]
    pub fn handshake_id(&self) -> Result<Uint8Array, JsValue> {
        Ok(Uint8Array::from(&self.get()?.handshake_id()[..]))
    }

    /// Seals the session with a 32-byte application key.
    pub fn seal(&self, app_key_bytes: Vec<u8>) -> Result<Uint8Array, JsValue> {
        let key = app_key(&Zeroizing::new(app_key_bytes))?;
        let blob = self.get()?.seal(&mut rng(), &key).map_err(core_error)?;
        Ok(Uint8Array::from(blob.as_slice()))
    }

    /// Opens a sealed session.
    pub fn open(blob: &[u8], app_key_bytes: Vec<u8>) -> Result<Session, JsValue> {
        let key = app_key(&Zeroizing::new(app_key_bytes))?;
        let inner = core_::Session::open(blob, &key).map_err(core_error)?;
        Ok(Session { inner: Some(inner) })
    }

    /// Wipes the secrets; any later use throws `DISPOSED`.
    pub fn dispose(&mut self) {
        self.inner = None;
    }

    /// Whether `dispose()` was called.
    #[wasm_bindgen(getter, js_name = isDisposed)]
    pub fn is_disposed(&self) -> bool {
        self.inner.is_none()
    }
}

/// The documented maximum sizes, so the JS layer can refuse larger inputs before copying them
/// into wasm memory: `{ maxMessageLength, maxBundleLength, maxPlaintextLength }`.
#[wasm_bindgen(js_name = limits)]
pub fn limits() -> Object {
    let n = |v: usize| usize_js(v);
    object(&[
        (
            "maxMessageLength",
            n(core_::MAX_MESSAGE_LEN.saturating_add(core_::consts::MAX_HANDSHAKE_PREFIX_LEN)),
        ),
        ("maxBundleLength", n(core_::BUNDLE_MAX_LEN)),
        ("maxPlaintextLength", n(core_::consts::MAX_PLAINTEXT_LEN)),
    ])
}

/// Every error code a call can throw: the core's and this layer's.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Array {
    let out = Array::new();
    for c in core_::ErrorCode::ALL {
        out.push(&JsValue::from_str(c.as_str()));
    }
    out.push(&JsValue::from_str(INVALID_ARGUMENT));
    out.push(&JsValue::from_str(DISPOSED));
    out
}
