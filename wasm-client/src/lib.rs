//! The standard client module of `twofold-pq` (`npm/pkg`, what browsers download: the size
//! budget): `twofold-wasm`'s `client` API. Like `twofold-wasm-server`, this crate has no code: each published module is an artifact of its own, linked from the
//! one facade. (Linked this way, as a dependency of a `cdylib` with no code, the module is
//! about 10 KiB gzip smaller than `twofold-wasm` built as the `cdylib` itself:
//! docs/BENCHMARKS.md.) With `panic-trap` (scripts/build-wasm), `no_std` on wasm32 with
//! `twofold-wasm`'s panic handler.

#![cfg_attr(all(target_arch = "wasm32", feature = "panic-trap"), no_std)]

// What the module exports is every `#[wasm_bindgen]` item compiled into twofold-wasm with its
// `client` feature, class methods included; this list only makes the dependency linked (an
// item left out of it would still be exported).

pub use twofold_wasm::{
    Identity, IdentityCache, PrekeyStore, Session, constants, describe_box, describe_message,
    error_codes, inspect_bundle, message_kind, safety_number_of, seal_box, version,
};
