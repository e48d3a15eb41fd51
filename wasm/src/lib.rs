//! wasm-bindgen facade of `twofold-core`. It converts types and errors and supplies the RNG
//! (`getrandom`, i.e. `crypto.getRandomValues`); it contains no protocol logic, no policy and
//! no protocol number of its own.
//!
//! Conventions:
//! - bytes in and out are `Uint8Array`; data crosses as plain objects declared once in
//!   [`records`], whose TypeScript declarations are generated into the `.d.ts`;
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
//!
//! With the `panic-trap` feature (the published modules, scripts/build-wasm) the wasm32 build is
//! `no_std` and brings its own panic handler, which traps at once: std's handler would pull in
//! the formatting machinery and every panic message and source path, about 2.9 KB gzip of a
//! module that never panics. Other builds (native, the wasm-bindgen-test suites) link `std`.

#![cfg_attr(all(target_arch = "wasm32", feature = "panic-trap"), no_std)]

extern crate alloc;

#[cfg(feature = "client")]
mod boxes;
#[cfg(feature = "client")]
mod objects;
mod records;
#[cfg(feature = "server")]
mod server;

#[cfg(feature = "client")]
use alloc::string::String;
#[cfg(feature = "client")]
use alloc::vec::Vec;
#[cfg(feature = "client")]
use js_sys::Array;
use js_sys::Reflect;
use twofold_core::HasErrorCode;
#[cfg(feature = "client")]
use twofold_core::{self as core_};
use wasm_bindgen::prelude::*;
#[cfg(feature = "client")]
use zeroize::Zeroizing;

#[cfg(feature = "client")]
pub use boxes::{describe_box, seal_box};
#[cfg(feature = "client")]
pub use objects::{Identity, IdentityCache, PrekeyStore, Session};
#[cfg(feature = "client")]
use records::ToJs;
#[cfg(feature = "server")]
#[cfg(all(feature = "server", not(feature = "client")))]
pub use server::describe_box as describe_box_server;
#[cfg(feature = "server")]
pub use server::{BundleComposer, compose_bundle, fingerprint_of, inspect_upload, verify_upload};

// A build with `--cfg twofold_trace` records every key: a wasm module must never have it.
#[cfg(target_arch = "wasm32")]
const _: () = assert!(
    !twofold_core::TRACE_ENABLED,
    "twofold-core must not be built with --cfg twofold_trace for wasm"
);

// The allocator of both modules: Talc instead of std's dlmalloc, about 1.6 KB gzip smaller and
// faster at the allocation pattern of the protocol (docs/BENCHMARKS.md, issue 12's levers).
// Secrets are wiped by their owners before their memory is freed, whatever the allocator.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

// A panic traps (`unreachable`), as std's handler does after `panic = "abort"`, but without
// formatting a message no one reads (wasm32-unknown-unknown has no stderr).
#[cfg(all(target_arch = "wasm32", feature = "panic-trap"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

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

#[cfg(feature = "client")]
fn rng() -> getrandom::SysRng {
    getrandom::SysRng
}

#[cfg(feature = "client")]
/// Seconds from a JS number: finite and non-negative, fractions dropped.
fn seconds(now: f64) -> Result<u64, JsValue> {
    if (0.0..1.8e19).contains(&now) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        // In range and non-negative: the cast only drops the fraction (rounds down).
        Ok(now as u64)
    } else {
        Err(error(
            INVALID_ARGUMENT,
            "time must be a finite, non-negative number of seconds",
        ))
    }
}

#[cfg(feature = "client")]
fn app_key(key: &[u8]) -> Result<Zeroizing<[u8; core_::APP_KEY_LEN]>, JsValue> {
    <[u8; core_::APP_KEY_LEN]>::try_from(key)
        .map(Zeroizing::new)
        .map_err(|_| error(INVALID_ARGUMENT, "application key has the wrong length"))
}

#[cfg(feature = "client")]
/// Dead stack below an encrypt, decrypt, dispose or prune: the deepest measured is about 32 KiB
/// (a ratchet step with ML-KEM), an ordinary message 5 KiB.
const SCRUB_MESSAGE: usize = 40 * 1024;

#[cfg(feature = "client")]
/// Dead stack below a handshake, an identity or store operation, a seal or an open: ML-DSA
/// keeps its matrices on the stack; the deepest measured, opening an identity, is 121,439 bytes.
const SCRUB_KEYS: usize = 160 * 1024;

#[cfg(feature = "client")]
/// Runs `f`, then overwrites the `N` bytes of stack below this frame, where the frames of
/// `f`'s callees were, with zeros. The secrets those frames held (copies left behind by moves,
/// hash and cipher states, decoded plaintext) would otherwise stay in linear memory, which is
/// one `ArrayBuffer` the page can read, until later calls happened to overwrite them. Every
/// export that touches secrets runs its body through this; the memory scan of the npm tests
/// checks the result.
#[inline(always)]
fn scrubbed<T, const N: usize>(f: impl FnOnce() -> T) -> T {
    let out = f();
    scrub_stack::<N>();
    out
}

#[cfg(feature = "client")]
/// Writes `N` zero bytes in a fresh frame directly below the caller's.
#[inline(never)]
fn scrub_stack<const N: usize>() {
    let zeros = [0u8; N];
    core::hint::black_box(&zeros);
}

#[cfg(feature = "client")]
/// Copies secret bytes into a JS-owned array and wipes the wasm copy.
fn secret_out(bytes: Vec<u8>) -> js_sys::Uint8Array {
    let bytes = Zeroizing::new(bytes);
    js_sys::Uint8Array::from(bytes.as_slice())
}

#[cfg(feature = "client")]
/// The library version.
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    String::from(env!("CARGO_PKG_VERSION"))
}

#[cfg(feature = "client")]
/// The protocol's sizes, limits and defaults.
#[wasm_bindgen(js_name = constants, unchecked_return_type = "Constants")]
pub fn constants() -> JsValue {
    records::constants()
}

#[cfg(feature = "client")]
/// Where a received message should go.
#[wasm_bindgen(js_name = messageKind, unchecked_return_type = "MessageKind")]
pub fn message_kind(message: &[u8]) -> Result<JsValue, JsValue> {
    Ok(records::message_kind(core_::message_kind(message).map_err(core_error)?).to_js())
}

#[cfg(feature = "client")]
/// The public facts of a message (what a server sees).
#[wasm_bindgen(js_name = describeMessage, unchecked_return_type = "MessageDescription")]
pub fn describe_message(message: &[u8]) -> Result<JsValue, JsValue> {
    Ok(records::message_description(
        core_::describe_message(message).map_err(core_error)?,
    ))
}

#[cfg(feature = "client")]
/// The safety number (60 digits) of two encoded public identities.
#[wasm_bindgen(js_name = safetyNumberOf)]
pub fn safety_number_of(a: &[u8], b: &[u8]) -> Result<String, JsValue> {
    let a = core_::PublicIdentity::from_bytes(a).map_err(core_error)?;
    let b = core_::PublicIdentity::from_bytes(b).map_err(core_error)?;
    Ok(core_::SafetyNumber::new(&a, &b).to_digits())
}

#[cfg(feature = "client")]
/// Decodes and verifies a bundle; returns its public facts.
#[wasm_bindgen(js_name = inspectBundle, unchecked_return_type = "BundleInfo")]
pub fn inspect_bundle(bundle: &[u8]) -> Result<JsValue, JsValue> {
    let b = core_::VerifiedBundle::from_bytes(bundle).map_err(core_error)?;
    Ok(records::bundle_info(&b))
}

#[cfg(feature = "client")]
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
