//! The server module of `twofold-pq` (`npm/pkg-server`, `twofold-pq/server`): the `server`
//! functions of `twofold-wasm` (bundle composition, upload checks), linked into a wasm module
//! of their own. This crate has no code: it exists so that the client and server modules are
//! two artifacts with two names, built from one facade. With `panic-trap` (scripts/build-wasm),
//! `no_std` on wasm32 with `twofold-wasm`'s panic handler, as the client module.

#![cfg_attr(all(target_arch = "wasm32", feature = "panic-trap"), no_std)]

// As in wasm-client: this list only links the dependency; every `#[wasm_bindgen]` item of
// twofold-wasm's `server` feature is exported (`describeBox` too).
pub use twofold_wasm::{
    BundleComposer, compose_bundle, fingerprint_of, inspect_upload, verify_upload,
};
