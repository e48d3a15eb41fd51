//! Rust-side tests compiled to wasm32 and run by wasm-bindgen-test-runner: in node
//! (`wasm-pack test --node`) and in headless Chromium (`WASM_BINDGEN_USE_BROWSER=1 wasm-pack
//! test --headless --chrome`). They check that the core computes the same bytes under wasm as
//! natively, and that the facade turns every failure into a coded error, never a trap.
#![cfg(target_arch = "wasm32")]
// Test code: a panic is a test failure (clippy does not see #[wasm_bindgen_test] as a test).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use js_sys::Reflect;
use rand_core::SeedableRng;
use twofold_core::{IdentityKeyPair, PrekeyStore, Session, SessionConfig, VerifiedBundle};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn code(e: &JsValue) -> String {
    Reflect::get(e, &JsValue::from_str("code"))
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn core_handshake_and_ratchet_run_under_wasm() {
    let mut rng = chacha20::ChaCha20Rng::from_seed([42; 32]);
    let config = SessionConfig::default();
    let bob = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &bob, 0).unwrap();
    let upload = store.upload(&mut rng, &bob, 2, 2).unwrap();
    let bundle =
        VerifiedBundle::from_bytes(&twofold_core::compose_bundle(&upload, Some(1)).unwrap())
            .unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let (mut a, m) = Session::initiate(&mut rng, &alice, &bundle, b"hi", b"", 0, &config).unwrap();
    let id = alice.public().to_bytes();
    let (mut b, p) = Session::accept(&bob, &mut store, &m, Some(&id), b"", 0, &config).unwrap();
    assert_eq!(p, b"hi");
    let r = b.encrypt(&mut rng, 0, b"yo", b"").unwrap();
    assert_eq!(a.decrypt(&r, b"").unwrap(), b"yo");
    assert_eq!(a.safety_number(), b.safety_number());
}

#[wasm_bindgen_test]
fn facade_reports_coded_errors() {
    assert_eq!(
        code(&twofold_wasm::message_kind(&[]).unwrap_err()),
        "TRUNCATED"
    );
    assert_eq!(
        code(&twofold_wasm::message_kind(&[9, 4, 1]).unwrap_err()),
        "UNSUPPORTED_VERSION"
    );
    assert_eq!(
        code(&twofold_wasm::inspect_bundle(&[2, 2, 1, 0]).unwrap_err()),
        "TRUNCATED"
    );
    let id = twofold_wasm::Identity::generate().unwrap();
    assert_eq!(
        code(&id.seal(vec![0; 31], None).unwrap_err()),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(&twofold_wasm::PrekeyStore::generate(&id, -1.0).unwrap_err()),
        "INVALID_ARGUMENT"
    );
}

#[wasm_bindgen_test]
fn facade_generates_keys_with_the_platform_rng() {
    let a = twofold_wasm::Identity::generate().unwrap();
    let b = twofold_wasm::Identity::generate().unwrap();
    let pa = a.public_bytes().unwrap().to_vec();
    let pb = b.public_bytes().unwrap().to_vec();
    assert_eq!(pa.len(), twofold_core::IDENTITY_LEN);
    assert_ne!(pa, pb);
}
