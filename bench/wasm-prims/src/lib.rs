//! Benchmark-only: each export runs one primitive `n` times inside wasm, exactly as
//! twofold-core calls it (same crates, versions, features and release profile), so
//! `bench/js/primitives.mjs` can time it side by side with JavaScript and other wasm
//! implementations. Never part of the npm package. Inputs are fixed; outputs are folded into a
//! returned byte so the optimiser cannot drop the work.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use chacha20::ChaCha20Rng;
use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::{AeadInOut as _, KeyInit as _};
use hmac::{Hmac, Mac as _};
use ml_dsa::{KeyExport as _, MlDsa65};
use ml_kem::{Decapsulate as _, MlKem768};
use rand_core::SeedableRng;
use sha2::Sha256;
use wasm_bindgen::prelude::*;

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::from_seed([7; 32])
}

fn fold(acc: u8, bytes: &[u8]) -> u8 {
    acc ^ bytes.first().copied().unwrap_or(0)
}

#[wasm_bindgen]
pub fn x25519_dh(n: u32) -> u8 {
    let a = x25519_dalek::StaticSecret::from([1; 32]);
    let b = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from([2; 32]));
    let mut acc = 0;
    for _ in 0..n {
        acc = fold(acc, a.diffie_hellman(&b).as_bytes());
    }
    acc
}

#[wasm_bindgen]
pub fn x25519_keygen(n: u32) -> u8 {
    let mut acc = 0;
    for i in 0..n {
        let s = x25519_dalek::StaticSecret::from([u8::try_from(i & 0xff).unwrap(); 32]);
        acc = fold(acc, x25519_dalek::PublicKey::from(&s).as_bytes());
    }
    acc
}

fn kem_key() -> ml_kem::DecapsulationKey<MlKem768> {
    ml_kem::DecapsulationKey::<MlKem768>::from_seed(ml_kem::Seed::from([3; 64]))
}

#[wasm_bindgen]
pub fn mlkem_keygen(n: u32) -> u8 {
    let mut acc = 0;
    for _ in 0..n {
        let dk = kem_key();
        acc = fold(acc, dk.encapsulation_key().to_bytes().as_slice());
    }
    acc
}

/// Decode + FIPS 203 check of the encapsulation key, then encapsulate (what `initiate` does
/// with a bundle's key).
#[wasm_bindgen]
pub fn mlkem_encaps(n: u32) -> u8 {
    let ek_bytes = kem_key().encapsulation_key().to_bytes();
    let m = ml_kem::B32::from([5; 32]);
    let mut acc = 0;
    for _ in 0..n {
        let ek = ml_kem::EncapsulationKey::<MlKem768>::new(&ek_bytes).unwrap();
        let (ct, _) = ek.encapsulate_deterministic(&m);
        acc = fold(acc, ct.as_slice());
    }
    acc
}

/// Encapsulate with an already expanded key (the ratchet's cached peer key).
#[wasm_bindgen]
pub fn mlkem_encaps_expanded(n: u32) -> u8 {
    let ek = kem_key().encapsulation_key().clone();
    let m = ml_kem::B32::from([5; 32]);
    let mut acc = 0;
    for _ in 0..n {
        let (ct, _) = ek.encapsulate_deterministic(&m);
        acc = fold(acc, ct.as_slice());
    }
    acc
}

#[wasm_bindgen]
pub fn mlkem_decaps(n: u32) -> u8 {
    let dk = kem_key();
    let (ct, _) = dk
        .encapsulation_key()
        .encapsulate_deterministic(&ml_kem::B32::from([5; 32]));
    let mut acc = 0;
    for _ in 0..n {
        acc = fold(acc, dk.decapsulate(&ct).as_slice());
    }
    acc
}

fn dsa_key() -> ml_dsa::SigningKey<MlDsa65> {
    ml_dsa::SigningKey::<MlDsa65>::from_seed(&ml_dsa::Seed::from([4; 32]))
}

#[wasm_bindgen]
pub fn mldsa_keygen(n: u32) -> u8 {
    let mut acc = 0;
    for _ in 0..n {
        let sk = dsa_key();
        let vk: &ml_dsa::VerifyingKey<MlDsa65> = sk.as_ref();
        acc = fold(acc, vk.to_bytes().as_slice());
    }
    acc
}

/// Hedged signing with a context string (what identities and prekeys do).
#[wasm_bindgen]
pub fn mldsa_sign(n: u32) -> u8 {
    let sk = dsa_key();
    let mut r = rng();
    let mut acc = 0;
    for _ in 0..n {
        let sig = sk
            .expanded_key()
            .sign_randomized(b"message", b"ctx", &mut r)
            .unwrap();
        acc = fold(acc, sig.encode().as_slice());
    }
    acc
}

fn signed() -> (
    ml_dsa::EncodedVerifyingKey<MlDsa65>,
    ml_dsa::Signature<MlDsa65>,
) {
    let sk = dsa_key();
    let vk: &ml_dsa::VerifyingKey<MlDsa65> = sk.as_ref();
    let sig = sk
        .expanded_key()
        .sign_randomized(b"message", b"ctx", &mut rng())
        .unwrap();
    (vk.to_bytes(), sig)
}

/// Decode the verifying key (expanding A_hat) and verify: what one check costs when the key is
/// kept as bytes.
#[wasm_bindgen]
pub fn mldsa_verify(n: u32) -> u8 {
    let (vk_bytes, sig) = signed();
    let mut acc = 0;
    for _ in 0..n {
        let vk = ml_dsa::VerifyingKey::<MlDsa65>::decode(&vk_bytes);
        acc ^= u8::from(vk.verify_with_context(b"message", b"ctx", &sig));
    }
    acc
}

/// Verify with an already expanded key (a cached, known identity).
#[wasm_bindgen]
pub fn mldsa_verify_expanded(n: u32) -> u8 {
    let (vk_bytes, sig) = signed();
    let vk = ml_dsa::VerifyingKey::<MlDsa65>::decode(&vk_bytes);
    let mut acc = 0;
    for _ in 0..n {
        acc ^= u8::from(vk.verify_with_context(b"message", b"ctx", &sig));
    }
    acc
}

/// ChaCha20-Poly1305 seal + open of 100 bytes.
#[wasm_bindgen]
pub fn aead_100(n: u32) -> u8 {
    let cipher = ChaCha20Poly1305::new(&[9; 32].into());
    let nonce = [1; 12].into();
    let mut buf = [0u8; 100];
    let mut acc = 0;
    for _ in 0..n {
        let tag = cipher
            .encrypt_inout_detached(&nonce, b"ad", (&mut buf[..]).into())
            .unwrap();
        cipher
            .decrypt_inout_detached(&nonce, b"ad", (&mut buf[..]).into(), &tag)
            .unwrap();
        acc = fold(acc, &buf);
    }
    acc
}

/// HMAC-SHA-256 of one byte under a 32-byte key (one chain step).
#[wasm_bindgen]
pub fn hmac_step(n: u32) -> u8 {
    let mut key = [3u8; 32];
    for _ in 0..n {
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(&[2]);
        key.copy_from_slice(&mac.finalize().into_bytes());
    }
    key[0]
}
