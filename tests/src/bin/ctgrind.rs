//! The constant-time check (issue 13 item 4; `make ctgrind`, docs/design/hardening.md): the protocol
//! operations under Valgrind Memcheck with every random draw marked undefined (the `ctgrind`
//! technique). Memcheck then reports each branch, and each memory address, computed from a
//! secret (or from anything derived from one): "Conditional jump or move depends on
//! uninitialised value(s)" and "Use of uninitialised value". Outputs that are public by design
//! (identities, uploads, bundles, messages, sealed blobs) are marked defined again before they
//! are used, so the warnings that remain are about secrets, or about public values the library
//! derives from secrets inside one operation (an ML-DSA public matrix seed, a public key).
//!
//! Run it under Valgrind: `scripts/ctgrind` builds it and summarises the warnings by function.
//! Each phase prints a marker line (`== phase: …`) to stderr, where Memcheck writes too, so every
//! warning can be attributed to its operation.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::io::Write;

use chacha20::ChaCha20Rng;
use rand_core::{Rng, TryCryptoRng, TryRng};
use twofold_core::{
    IdentityKeyPair, PrekeyStore, Session, SessionConfig, VerifiedBundle, compose_bundle,
};
use twofold_test_hooks::valgrind::{classify, declassify, running};

/// The seeded test RNG whose every output is marked undefined: a secret.
struct SecretRng(ChaCha20Rng);

impl TryRng for SecretRng {
    type Error = core::convert::Infallible;

    twofold_tests::next_from_fill!();

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.0.fill_bytes(dst);
        classify(dst);
        Ok(())
    }
}

impl TryCryptoRng for SecretRng {}

fn phase(name: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "== phase: {name}");
    let _ = err.flush();
}

/// A public output: defined from here on.
fn public(bytes: Vec<u8>) -> Vec<u8> {
    declassify(&bytes);
    bytes
}

const NOW: u64 = 1_795_000_000;

/// A secret input of the caller's: marked undefined.
fn secret<const N: usize>(bytes: [u8; N]) -> [u8; N] {
    classify(&bytes);
    bytes
}

fn main() {
    if !running() {
        // Outside Valgrind (or off x86-64 Linux) nothing would be checked: refuse to pass.
        eprintln!("not under Valgrind on x86-64 Linux: run scripts/ctgrind");
        std::process::exit(2);
    }
    let config = SessionConfig::default();
    let mut rng = SecretRng(twofold_tests::rng("ctgrind"));

    phase("identity generate");
    let bob = IdentityKeyPair::generate(&mut rng).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let alice_public = public(alice.public().to_bytes());

    phase("prekey store generate");
    let mut store = PrekeyStore::generate(&mut rng, &bob, NOW).unwrap();
    phase("upload (ML-DSA sign)");
    let upload = public(store.upload(&mut rng, &bob, 2, 2).unwrap());

    phase("compose bundle, verify bundle");
    let bundle = public(compose_bundle(&upload, Some(0)).unwrap());
    let bundle = VerifiedBundle::from_bytes(&bundle).unwrap();

    phase("initiate");
    let (mut a, first) = Session::initiate(
        &mut rng,
        &alice,
        &bundle,
        &secret(*b"hello"),
        b"",
        NOW,
        &config,
    )
    .unwrap();
    let first = public(first);

    phase("accept");
    let (mut b, _) = Session::accept(
        &bob,
        &mut store,
        &first,
        Some(&alice_public),
        b"",
        NOW,
        &config,
    )
    .unwrap();

    phase("ratchet: 150 round trips (PQ epochs)");
    for i in 0..150u32 {
        let m = public(
            b.encrypt(&mut rng, NOW, &secret(i.to_be_bytes()), b"")
                .unwrap(),
        );
        a.decrypt(&m, b"").unwrap();
        let r = public(
            a.encrypt(&mut rng, NOW, &secret(i.to_be_bytes()), b"")
                .unwrap(),
        );
        b.decrypt(&r, b"").unwrap();
    }

    phase("ratchet: out of order (skipped keys)");
    let held = public(b.encrypt(&mut rng, NOW, b"held", b"").unwrap());
    let next = public(b.encrypt(&mut rng, NOW, b"next", b"").unwrap());
    a.decrypt(&next, b"").unwrap();
    a.decrypt(&held, b"").unwrap();

    phase("seal and open (the application key secret)");
    let key = secret([0x33; 32]);
    let blob = public(a.seal(&mut rng, &key, b"slot").unwrap());
    let mut a2 = Session::open(&blob, &key, b"slot", None).unwrap();
    let blob = public(store.seal(&mut rng, &key, b"slot").unwrap());
    let _store2 = PrekeyStore::open(&blob, &key, b"slot", None).unwrap();
    let blob = public(alice.seal(&mut rng, &key, b"slot").unwrap());
    let _alice2 = IdentityKeyPair::open(&blob, &key, b"slot").unwrap();

    phase("ratchet after open");
    let m = public(
        a2.encrypt(&mut rng, NOW, &secret(*b"reopened"), b"")
            .unwrap(),
    );
    b.decrypt(&m, b"").unwrap();
    let r = public(b.encrypt(&mut rng, NOW, &secret(*b"answer"), b"").unwrap());
    a2.decrypt(&r, b"").unwrap();

    phase("rotate signed prekeys, drop");
    store.rotate_signed_prekeys(&mut rng, &bob, NOW).unwrap();
    drop(a2);
    phase("done");
}
