//! Native benchmarks of twofold-core: `cargo run --profile bench -p twofold-bench` (or
//! `make bench`, which also runs the JS/wasm benchmarks with the peers). Prints medians of
//! repeated samples and the wire and state sizes. Timings are measurements, never test
//! assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::integer_division_remainder_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Instant;

use chacha20::ChaCha20Rng;
use rand_core::SeedableRng;
use twofold_core::{
    BundleComposer, IdentityCache, IdentityKeyPair, PrekeyStore, Session, SessionConfig,
    VerifiedBundle, compose_bundle,
};

mod patterns;

const SAMPLES: usize = 9;

/// Median over `SAMPLES` samples of the mean time per call (microseconds) of `f`, run `iters`
/// times per sample after one warm-up sample.
fn time<F: FnMut()>(iters: u32, mut f: F) -> f64 {
    for _ in 0..iters {
        f();
    }
    let mut samples: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed().as_secs_f64() * 1e6 / f64::from(iters)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[SAMPLES / 2]
}

fn report(name: &str, micros: f64) {
    if micros >= 1000.0 {
        println!("{name:<58} {:>10.2} ms", micros / 1000.0);
    } else {
        println!("{name:<58} {micros:>10.1} µs");
    }
}

fn seeded() -> ChaCha20Rng {
    ChaCha20Rng::from_seed([7; 32])
}

/// Two sessions after a handshake and one reply (both directions ready).
fn pair() -> (Session, Session, ChaCha20Rng) {
    let mut rng = seeded();
    let config = SessionConfig::default();
    let bob = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &bob, 0).unwrap();
    let upload = store.upload(&mut rng, &bob, 1, 1).unwrap();
    let bundle = VerifiedBundle::from_bytes(&compose_bundle(&upload, Some(0)).unwrap()).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let (mut a, m) = Session::initiate(&mut rng, &alice, &bundle, b"hi", b"", 0, &config).unwrap();
    let id = alice.public().to_bytes();
    let (mut b, _) = Session::accept(&bob, &mut store, &m, Some(&id), b"", 0, &config).unwrap();
    let r = b.encrypt(&mut rng, 0, b"r", b"").unwrap();
    a.decrypt(&r, b"").unwrap();
    (a, b, rng)
}

fn main() {
    println!("twofold-core native benchmarks (median of {SAMPLES} samples)");
    let config = SessionConfig::default();
    let mut rng = seeded();

    report(
        "identity generation (X25519 + ML-DSA-65 + binding sig)",
        time(20, || {
            black_box(IdentityKeyPair::generate(&mut rng).unwrap());
        }),
    );
    let bob = IdentityKeyPair::generate(&mut rng).unwrap();
    report(
        "prekey store + upload of 100 one-time prekeys of each kind (1 signature)",
        time(3, || {
            let mut store = PrekeyStore::generate(&mut rng, &bob, 0).unwrap();
            black_box(store.upload(&mut rng, &bob, 100, 100).unwrap());
        }),
    );
    let mut store = PrekeyStore::generate(&mut rng, &bob, 0).unwrap();
    let upload = store.upload(&mut rng, &bob, 500, 500).unwrap();
    report(
        "server: compose a bundle from a 500-leaf upload (parse + tree + copy)",
        time(10, || {
            black_box(compose_bundle(&upload, Some(5)).unwrap());
        }),
    );
    let composer = BundleComposer::new(&upload).unwrap();
    report(
        "server: compose a bundle with a BundleComposer kept (copy only)",
        time(50, || {
            black_box(composer.bundle(Some(5)).unwrap());
        }),
    );
    let bundles: Vec<Vec<u8>> = (0..500)
        .map(|i| composer.bundle(Some(i)).unwrap())
        .collect();
    report(
        "bundle decode + verify, unknown identity (2 ML-DSA verifications)",
        time(50, || {
            black_box(VerifiedBundle::from_bytes(&bundles[0]).unwrap());
        }),
    );
    let mut cache = IdentityCache::new(1);
    VerifiedBundle::from_bytes_with(&bundles[0], &mut cache).unwrap();
    report(
        "bundle decode + verify, cached identity (1 ML-DSA verification)",
        time(50, || {
            black_box(VerifiedBundle::from_bytes_with(&bundles[1], &mut cache).unwrap());
        }),
    );
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let verified: Vec<VerifiedBundle> = bundles
        .iter()
        .map(|b| VerifiedBundle::from_bytes(b).unwrap())
        .collect();
    let mut next = 0;
    let mut initials = Vec::new();
    report(
        "initiate (handshake + first 100 B message)",
        time(50, || {
            let (_, m) = Session::initiate(
                &mut rng,
                &alice,
                &verified[next % verified.len()],
                &[0; 100],
                b"",
                0,
                &config,
            )
            .unwrap();
            if initials.len() < 550 {
                initials.push(m);
            }
            next += 1;
        }),
    );
    let mut i = 0;
    let alice_id = alice.public().to_bytes();
    report(
        "accept (verify identity, handshake, decrypt first message)",
        time(50, || {
            black_box(
                Session::accept(
                    &bob,
                    &mut store,
                    &initials[i % initials.len()],
                    Some(&alice_id),
                    b"",
                    0,
                    &config,
                )
                .unwrap(),
            );
            i += 1;
        }),
    );
    report(
        "full setup: identity+upload+bundle, initiate, accept, reply",
        time(10, || {
            let bob = IdentityKeyPair::generate(&mut rng).unwrap();
            let mut store = PrekeyStore::generate(&mut rng, &bob, 0).unwrap();
            let upload = store.upload(&mut rng, &bob, 1, 1).unwrap();
            let bundle =
                VerifiedBundle::from_bytes(&compose_bundle(&upload, Some(0)).unwrap()).unwrap();
            let alice = IdentityKeyPair::generate(&mut rng).unwrap();
            let (mut a, m) =
                Session::initiate(&mut rng, &alice, &bundle, b"hi", b"", 0, &config).unwrap();
            let id = alice.public().to_bytes();
            let (mut b, _) =
                Session::accept(&bob, &mut store, &m, Some(&id), b"", 0, &config).unwrap();
            let r = b.encrypt(&mut rng, 0, b"hello", b"").unwrap();
            black_box(a.decrypt(&r, b"").unwrap());
        }),
    );

    {
        // 2,000 messages per sample: every PQ operation of about 15 epochs (key generation,
        // chunking, decoding, encapsulation, decapsulation) is in the mean.
        let (mut a, mut b, mut rng) = pair();
        let mut t = 0;
        report(
            "100 B ping-pong, ratchet turns each time (PQ epochs included)",
            time(2000, || {
                t += 1;
                let m = a.encrypt(&mut rng, t, &[1; 100], b"").unwrap();
                black_box(b.decrypt(&m, b"").unwrap());
                std::mem::swap(&mut a, &mut b);
            }),
        );
    }
    let (mut a, mut b, mut rng) = pair();
    report(
        "100 B one direction (encrypt + decrypt)",
        time(2000, || {
            let m = a.encrypt(&mut rng, 0, &[1; 100], b"").unwrap();
            black_box(b.decrypt(&m, b"").unwrap());
        }),
    );
    let big = vec![7u8; 64 * 1024];
    report(
        "64 KiB one direction (encrypt + decrypt)",
        time(200, || {
            let m = a.encrypt(&mut rng, 0, &big, b"").unwrap();
            black_box(b.decrypt(&m, b"").unwrap());
        }),
    );
    // Forged messages at the maximum forward jump: what an unauthenticated message costs the
    // receiver before its tag is checked (each is rejected and changes nothing, so it repeats).
    let (mut a, mut b, mut rng) = pair();
    let honest = a.encrypt(&mut rng, 0, &[1; 100], b"").unwrap();
    b.decrypt(&honest, b"").unwrap();
    let next = a.encrypt(&mut rng, 0, &[1; 100], b"").unwrap();
    let jump = twofold_core::consts::MAX_FORWARD_JUMP;
    let at = |m: &[u8], field: std::ops::Range<usize>, v: u32| {
        let mut m = m.to_vec();
        m[field].copy_from_slice(&v.to_be_bytes());
        m
    };
    // Header: version, type, suite, flags, ratchet key (4..36), previous length (36..40),
    // index (40..44).
    let same_chain = at(&next, 40..44, 1 + jump);
    let mut new_chain = at(&at(&next, 36..40, 1 + jump), 40..44, jump);
    let fresh = IdentityKeyPair::generate(&mut rng).unwrap();
    new_chain[4..36].copy_from_slice(fresh.public().dh_key().as_bytes());
    let forged_current = time(20, || {
        black_box(b.decrypt(&same_chain, b"").unwrap_err());
    });
    let forged_new = time(20, || {
        black_box(b.decrypt(&new_chain, b"").unwrap_err());
    });
    // The honest reference: encrypt + decrypt of one 100 B message in the same chain (with a
    // second pair, so the forged messages above keep their receiver's state).
    let (mut c, mut d, mut rng2) = pair();
    let honest_decrypt = time(2000, || {
        let m = c.encrypt(&mut rng2, 0, &[1; 100], b"").unwrap();
        black_box(d.decrypt(&m, b"").unwrap());
    });
    report(
        "forged message, current chain, index +MAX_FORWARD_JUMP",
        forged_current,
    );
    report(
        "forged message, new chain, previous length and index +MAX_FORWARD_JUMP",
        forged_new,
    );
    println!(
        "  (ratio to one honest 100 B encrypt + decrypt: {:.0}x and {:.0}x)",
        forged_current / honest_decrypt,
        forged_new / honest_decrypt
    );

    // PQ bytes, overhead and healing latency in three traffic patterns.
    println!();
    println!("chunked PQ ratchet, 100 B messages: bytes per message and healing latency");
    println!(
        "  {:<38} {:>9} {:>7} {:>9} {:>7}   {:>17} {:>17}",
        "pattern", "PQ avg", "PQ max", "overh avg", "max", "heal A mean/max", "heal B mean/max"
    );
    for p in [patterns::ping_pong(), patterns::bursts(), patterns::lossy()] {
        let (pq, pq_max, over, over_max) = p.bytes();
        let [ha, hb] = p.healing();
        println!(
            "  {:<38} {:>9.1} {:>7} {:>9.1} {:>7}   {:>11.1} / {:<4} {:>11.1} / {:<4}",
            p.name, pq, pq_max, over, over_max, ha.0, ha.1, hb.0, hb.1
        );
    }
    println!(
        "  (healing: messages each side sends after a compromise until its first message under"
    );
    println!("   a root that mixes an epoch keyed after the compromise; A initiator, B responder)");

    // Sizes.
    let mut rng = seeded();
    let bob = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut full = PrekeyStore::generate(&mut rng, &bob, 0).unwrap();
    let upload = full.upload(&mut rng, &bob, 100, 100).unwrap();
    let bundle_max = compose_bundle(&upload, Some(0)).unwrap();
    let bundle_min = compose_bundle(&upload, None).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let (_, initial) = Session::initiate(
        &mut rng,
        &alice,
        &VerifiedBundle::from_bytes(&bundle_max).unwrap(),
        &[0; 100],
        b"",
        0,
        &config,
    )
    .unwrap();
    let (mut a, mut b, mut rng) = pair();
    let normal = a.encrypt(&mut rng, 0, &[0; 100], b"").unwrap();
    b.decrypt(&normal, b"").unwrap();
    let reply = b.encrypt(&mut rng, 0, &[0; 100], b"").unwrap();
    a.decrypt(&reply, b"").unwrap();
    let key = [1; 32];
    println!();
    println!("sizes (bytes)");
    println!(
        "  identity                               {}",
        alice.public().to_bytes().len()
    );
    println!("  upload, 100 leaves (both kinds)        {}", upload.len());
    println!(
        "  bundle, no one-time prekeys            {}",
        bundle_min.len()
    );
    println!(
        "  bundle, both one-time prekeys (of 100) {}",
        bundle_max.len()
    );
    println!("  initial message, 100 B, compact        {}", initial.len());
    let (_, self_contained) = Session::initiate(
        &mut rng,
        &alice,
        &VerifiedBundle::from_bytes(&bundle_max).unwrap(),
        &[0; 100],
        b"",
        0,
        &SessionConfig::default().with_self_contained(true),
    )
    .unwrap();
    println!(
        "  initial message, 100 B, self-contained {}",
        self_contained.len()
    );
    println!(
        "  per-message overhead, with a PQ chunk  {}",
        normal.len() - 100
    );
    println!(
        "  per-message overhead, without a chunk  {}",
        reply.len() - 100
    );
    println!(
        "  sealed session after a few messages    {}",
        a.seal(&mut rng, &key, b"").unwrap().len()
    );
    // The largest either side's sealed session gets over 400 turns of 100 B ping-pong (PQ
    // objects in flight at every stage, about 8 epochs): the chunked ratchet's state is what
    // varies.
    let (mut a, mut b, mut rng) = pair();
    let (mut max_a, mut max_b) = (0, 0);
    for _ in 0..400 {
        let m = a.encrypt(&mut rng, 0, &[0; 100], b"").unwrap();
        b.decrypt(&m, b"").unwrap();
        let r = b.encrypt(&mut rng, 0, &[0; 100], b"").unwrap();
        a.decrypt(&r, b"").unwrap();
        max_a = max_a.max(a.seal(&mut rng, &key, b"").unwrap().len());
        max_b = max_b.max(b.seal(&mut rng, &key, b"").unwrap().len());
    }
    println!("  sealed session, ping-pong maximum      {max_a} (initiator) / {max_b} (responder)");
    println!(
        "  sealed identity                        {}",
        alice.seal(&mut rng, &key, b"").unwrap().len()
    );
    println!(
        "  sealed prekey store, 100 one-time each {}",
        full.seal(&mut rng, &key, b"").unwrap().len()
    );
}
