//! The handshake's promises (docs/PROTOCOL.md section 5): agreement for every bundle variant,
//! strict rejection of any changed bit with the store untouched, no silent success with a
//! swapped key, replay and reuse rejection, low-order keys, and secret hygiene.

use proptest::prelude::*;
use twofold_core::trace::TraceEvent;
use twofold_core::{
    AcceptError, DecodeError, ErrorCode, HasErrorCode, IDENTITY_LEN, IdentityKeyPair, PrekeyKind,
    PrekeyStore, PublicIdentity, SafetyNumber, Session, SessionConfig, VerifiedBundle, VerifyError,
};
use twofold_tests::{Fork, Traced, Variant, flip, hx, responder, rng, rng_from, sweep_bits};

fn handshake_event(trace: &[TraceEvent]) -> TraceEvent {
    trace
        .iter()
        .find(|e| matches!(e, TraceEvent::Handshake { .. }))
        .cloned()
        .unwrap()
}

/// A responder with a bundle and an initiator's first message, for tampering tests.
struct Setup {
    bob: IdentityKeyPair,
    store: PrekeyStore,
    bundle: Vec<u8>,
    initial: Vec<u8>,
    /// Alice's identity encoding, as Bob's directory would return it.
    alice: Vec<u8>,
}

fn setup(label: &str, variant: Variant) -> Setup {
    let mut rng = rng(label);
    let (bob, store, bundle) = responder(&mut rng, variant);
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let verified = VerifiedBundle::from_bytes(&bundle).unwrap();
    let (_, initial) = Session::initiate(
        &mut rng,
        &alice,
        &verified,
        b"hello",
        b"ad",
        0,
        &SessionConfig::default(),
    )
    .unwrap();
    Setup {
        bob,
        store,
        bundle,
        initial,
        alice: alice.public().to_bytes(),
    }
}

fn accept(s: &Setup, store: &mut PrekeyStore, bytes: &[u8]) -> Result<Vec<u8>, AcceptError> {
    let config = SessionConfig::default();
    Session::accept(&s.bob, store, bytes, Some(&s.alice), b"ad", 0, &config).map(|(_, p)| p)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// For arbitrary seeds and every bundle variant, both sides derive identical secrets and
    /// the first message decrypts.
    #[test]
    fn both_sides_agree_for_every_variant(seed in any::<[u8; 32]>(), v in 0usize..4, pt in proptest::collection::vec(any::<u8>(), 0..200)) {
        let variant = Variant::ALL[v];
        let mut rng = rng_from(seed);
        let (bob, mut store, bundle) = responder(&mut rng, variant);
        let bundle = VerifiedBundle::from_bytes(&bundle).unwrap();
        let alice = IdentityKeyPair::generate(&mut rng).unwrap();
        let config = SessionConfig::default();
        let (mut a, m) = Traced::initiate(&mut rng, &alice, &bundle, &pt, b"", 7, &config).unwrap();
        let alice_id = alice.public().to_bytes();
        let (mut b, p) = Traced::accept(&bob, &mut store, &m, Some(&alice_id), b"", 7, &config).unwrap();
        prop_assert_eq!(&p, &pt);
        prop_assert_eq!(handshake_event(&a.take_trace()), handshake_event(&b.take_trace()));
        prop_assert_eq!(a.sas(), b.sas());
        prop_assert_eq!(a.safety_number(), b.safety_number());
        prop_assert_eq!(a.handshake_id(), b.handshake_id());
        prop_assert_eq!(a.peer_fingerprint(), bob.public().fingerprint());
        prop_assert_eq!(b.peer_fingerprint(), alice.public().fingerprint());
        let r = b.encrypt(&mut rng, 8, b"reply", b"").unwrap();
        prop_assert_eq!(a.decrypt(&r, b"").unwrap(), b"reply".to_vec());
    }

    /// Random single-bit changes of a bundle are rejected with a typed error.
    #[test]
    fn random_bit_flips_in_bundles_are_rejected(bit in any::<usize>(), v in 0usize..4) {
        let s = setup(&format!("bundle flips {v}"), Variant::ALL[v]);
        let bad = flip(&s.bundle, bit % (s.bundle.len() * 8));
        prop_assert!(VerifiedBundle::from_bytes(&bad).is_err());
    }

    /// Random single-bit changes of an initial message are rejected and leave the store as it
    /// was (no one-time prekey consumed).
    #[test]
    fn random_bit_flips_in_initial_messages_are_rejected(bit in any::<usize>(), v in 0usize..4) {
        let s = setup(&format!("initial flips {v}"), Variant::ALL[v]);
        let mut store = s.store.fork();
        let before = store.state_bytes();
        let bad = flip(&s.initial, bit % (s.initial.len() * 8));
        prop_assert!(accept(&s, &mut store, &bad).is_err());
        prop_assert_eq!(before, store.state_bytes());
    }
}

/// A sweep over the whole bundle (every byte at the edges, every 7th byte elsewhere).
#[test]
fn bit_flips_across_the_bundle_are_rejected() {
    let s = setup("bundle sweep", Variant::Full);
    let mut codes = std::collections::BTreeMap::new();
    for bit in sweep_bits(s.bundle.len(), 7) {
        let err = VerifiedBundle::from_bytes(&flip(&s.bundle, bit))
            .expect_err(&format!("bit {bit} accepted"));
        *codes.entry(err.code().as_str()).or_insert(0) += 1;
    }
    // Header bits give decode errors; everything else breaks a signature (every byte, not a
    // sweep: upload::every_byte_of_a_bundle_is_signed).
    assert!(codes["BAD_SIGNATURE"] > 1600, "{codes:?}");
    assert!(codes.contains_key("UNSUPPORTED_VERSION"));
}

/// A sweep over the whole initial message; the store must be byte-identical after each.
#[test]
fn bit_flips_across_the_initial_message_are_rejected_and_change_nothing() {
    for variant in [Variant::Full, Variant::LastResortOnly] {
        let s = setup("initial sweep", variant);
        let mut store = s.store.fork();
        let before = store.state_bytes();
        for bit in sweep_bits(s.initial.len(), 11) {
            let r = accept(&s, &mut store, &flip(&s.initial, bit));
            assert!(r.is_err(), "bit {bit} accepted");
            assert_eq!(before, store.state_bytes(), "bit {bit} changed the store");
        }
        // The untouched message is still accepted afterwards.
        assert_eq!(accept(&s, &mut store, &s.initial).unwrap(), b"hello");
    }
}

/// Replacing any key of the initial message with another party's makes the handshake fail.
#[test]
fn swapped_keys_in_the_initial_message_fail() {
    let s = setup("swaps", Variant::Full);
    // Mallory's material: her own identity, ephemeral key and a KEM ciphertext to Bob's key.
    let mut rng = rng("mallory");
    let mallory = IdentityKeyPair::generate(&mut rng).unwrap();
    let (_, mallory_initial) = Session::initiate(
        &mut rng,
        &mallory,
        &VerifiedBundle::from_bytes(&s.bundle).unwrap(),
        b"x",
        b"ad",
        0,
        &SessionConfig::default(),
    )
    .unwrap();
    // Compact form: IK_A || fingerprint_A at 4..68.
    let id_end = 4 + 64;
    let ek_at = twofold_tests::ephemeral_at(&s.initial);
    let ct_at = ek_at + 32;
    let cases: [(&str, std::ops::Range<usize>, ErrorCode); 4] = [
        // Checked against the identity Bob's directory supplied, before authentication.
        (
            "initiator identity",
            4..id_end,
            ErrorCode::InitiatorMismatch,
        ),
        ("ephemeral key", ek_at..ek_at + 32, ErrorCode::AuthFailed),
        (
            "KEM ciphertext",
            ct_at..ct_at + twofold_core::KEM_CIPHERTEXT_LEN,
            ErrorCode::AuthFailed,
        ),
        (
            "ratchet message",
            ct_at + twofold_core::KEM_CIPHERTEXT_LEN..s.initial.len(),
            ErrorCode::AuthFailed,
        ),
    ];
    for (name, range, code) in cases {
        let mut m = s.initial.clone();
        if name == "ratchet message" {
            m.truncate(range.start);
            m.extend_from_slice(&mallory_initial[range.start..]);
        } else {
            m[range.clone()].copy_from_slice(&mallory_initial[range]);
        }
        let mut store = s.store.fork();
        let err = accept(&s, &mut store, &m).expect_err(name);
        assert_eq!(err.code(), code, "{name}");
    }
    // Mallory's name in Alice's message, and Bob's directory answering with Mallory's
    // identity: DH1 and the transcript then use Mallory's key, and the first message fails.
    let mut m = s.initial.clone();
    m[4..id_end].copy_from_slice(&mallory_initial[4..id_end]);
    let mut store = s.store.fork();
    let config = SessionConfig::default();
    let supplied = mallory.public().to_bytes();
    let err = Session::accept(&s.bob, &mut store, &m, Some(&supplied), b"ad", 0, &config);
    assert_eq!(err.err(), Some(AcceptError::AuthFailed));
}

/// Swapping any key of a bundle for another party's breaks a signature; swapping the whole
/// bundle for the attacker's own valid bundle "succeeds" only with the attacker, which the
/// safety number exposes.
#[test]
fn swapped_keys_in_the_bundle_fail_or_show_in_the_safety_number() {
    let s = setup("bundle swaps", Variant::Full);
    let mut rng = rng("mallory bundle");
    let (mallory, _, mb) = responder(&mut rng, Variant::Full);
    let id = 3..IDENTITY_LEN;
    let spk = IDENTITY_LEN + 4..IDENTITY_LEN + 36;
    let kem = IDENTITY_LEN + 40..IDENTITY_LEN + 40 + twofold_core::KEM_PUBLIC_KEY_LEN;
    let otk_at =
        IDENTITY_LEN + 40 + twofold_core::KEM_PUBLIC_KEY_LEN + twofold_core::SIGNATURE_LEN + 1;
    let otk = otk_at + 4..otk_at + 36;
    let otkem = otk_at + 40..otk_at + 40 + twofold_core::KEM_PUBLIC_KEY_LEN;
    for (name, range) in [
        ("identity", id),
        ("signed prekey", spk),
        ("last-resort KEM prekey", kem),
        ("one-time prekey", otk),
        ("one-time KEM prekey", otkem),
    ] {
        let mut b = s.bundle.clone();
        b[range.clone()].copy_from_slice(&mb[range]);
        let err = VerifiedBundle::from_bytes(&b).expect_err(name);
        assert!(
            matches!(err, VerifyError::BadSignature { .. }),
            "{name}: {err:?}"
        );
    }
    // The whole bundle replaced: Alice talks to Mallory, and the safety number says so.
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let (a, _) = Session::initiate(
        &mut rng,
        &alice,
        &VerifiedBundle::from_bytes(&mb).unwrap(),
        b"x",
        b"",
        0,
        &SessionConfig::default(),
    )
    .unwrap();
    assert_eq!(a.peer_fingerprint(), mallory.public().fingerprint());
    assert_ne!(
        a.safety_number(),
        SafetyNumber::new(alice.public(), s.bob.public())
    );
}

#[test]
fn replays_and_reused_one_time_prekeys_are_rejected() {
    for variant in Variant::ALL {
        let s = setup(&format!("replay {}", variant.name()), variant);
        let mut store = s.store.fork();
        accept(&s, &mut store, &s.initial).unwrap();
        let after = store.state_bytes();
        // A handshake that consumed a one-time prekey cannot be replayed: the prekey is gone.
        // One that used only the signed and last-resort prekeys is in the replay cache.
        let got = accept(&s, &mut store, &s.initial).unwrap_err();
        if variant == Variant::LastResortOnly {
            assert_eq!(got, AcceptError::ReplayedHandshake);
        } else {
            assert!(
                matches!(got, AcceptError::PrekeyAlreadyUsed { .. }),
                "{}: {got:?}",
                variant.name()
            );
        }
        assert_eq!(after, store.state_bytes());
    }
    // The same bundle handed to a second initiator: its one-time prekeys were consumed.
    let s = setup("reuse", Variant::Full);
    let mut store = s.store.fork();
    accept(&s, &mut store, &s.initial).unwrap();
    let mut rng = rng("carol");
    let carol = IdentityKeyPair::generate(&mut rng).unwrap();
    let (_, m) = Session::initiate(
        &mut rng,
        &carol,
        &VerifiedBundle::from_bytes(&s.bundle).unwrap(),
        b"c",
        b"ad",
        0,
        &SessionConfig::default(),
    )
    .unwrap();
    let config = SessionConfig::default();
    let carol_id = carol.public().to_bytes();
    assert!(matches!(
        Session::accept(&s.bob, &mut store, &m, Some(&carol_id), b"ad", 0, &config),
        Err(AcceptError::PrekeyAlreadyUsed { .. })
    ));
}

#[test]
fn rotation_keeps_the_previous_signed_prekey_for_the_grace_period_only() {
    let s = setup("rotation", Variant::LastResortOnly);
    let mut rng = rng("rotation 2");
    let mut store = s.store.fork();
    store.rotate_signed_prekeys(&mut rng, &s.bob, 1000).unwrap();
    // Built from the old bundle, still accepted during the grace period.
    let mut during = store.fork();
    during.prune(1000 + twofold_core::consts::SIGNED_PREKEY_GRACE_SECS - 1);
    assert_eq!(accept(&s, &mut during, &s.initial).unwrap(), b"hello");
    // After it, the old signed prekey is gone.
    store.prune(1000 + twofold_core::consts::SIGNED_PREKEY_GRACE_SECS);
    assert!(matches!(
        accept(&s, &mut store, &s.initial),
        Err(AcceptError::UnknownPrekey {
            kind: PrekeyKind::SignedPrekey,
            ..
        })
    ));
    // A second rotation drops the first pair at once.
    let mut store = s.store.fork();
    store.rotate_signed_prekeys(&mut rng, &s.bob, 1).unwrap();
    store.rotate_signed_prekeys(&mut rng, &s.bob, 2).unwrap();
    assert!(matches!(
        accept(&s, &mut store, &s.initial),
        Err(AcceptError::UnknownPrekey { .. })
    ));
    // A store refuses an identity that does not own it.
    let other = IdentityKeyPair::generate(&mut rng).unwrap();
    assert_eq!(
        store.upload(&mut rng, &other, 1, 1).unwrap_err().code(),
        ErrorCode::IdentityMismatch
    );
}

/// Low-order X25519 keys (Wycheproof's cases with an all-zero shared secret) as the
/// initiator's ephemeral key are rejected by the protocol, not just by the primitive.
#[test]
fn low_order_ephemeral_keys_are_rejected_at_the_protocol_level() {
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../vectors/wycheproof/x25519_test.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let s = setup("low order", Variant::Full);
    let ek_at = twofold_tests::ephemeral_at(&s.initial);
    let mut n = 0;
    for g in v["testGroups"].as_array().unwrap() {
        for t in g["tests"].as_array().unwrap() {
            if t["shared"].as_str().unwrap().chars().any(|c| c != '0') {
                continue;
            }
            let public = twofold_tests::unhex(t["public"].as_str().unwrap());
            let mut m = s.initial.clone();
            m[ek_at..ek_at + 32].copy_from_slice(&public);
            let mut store = s.store.fork();
            assert_eq!(
                accept(&s, &mut store, &m).unwrap_err(),
                AcceptError::NonContributory,
                "tc {}",
                t["tcId"]
            );
            n += 1;
        }
    }
    assert_eq!(n, 31);
}

#[test]
fn decoders_name_each_problem() {
    let s = setup("decoders", Variant::Full);
    let id = s.bob.public().to_bytes();
    let cases: Vec<(Vec<u8>, DecodeError)> = vec![
        (
            {
                let mut v = id.clone();
                v[0] = 7;
                v
            },
            DecodeError::UnsupportedVersion { found: 7 },
        ),
        (
            {
                let mut v = id.clone();
                v[1] = 4;
                v
            },
            DecodeError::WrongObjectType {
                expected: 1,
                found: 4,
            },
        ),
        (
            {
                let mut v = id.clone();
                v[2] = 9;
                v
            },
            DecodeError::UnsupportedSuite { found: 9 },
        ),
        (id[..100].to_vec(), DecodeError::Truncated),
        (
            {
                let mut v = id.clone();
                v.extend_from_slice(&[0, 0]);
                v
            },
            DecodeError::TrailingBytes { extra: 2 },
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(
            PublicIdentity::from_bytes(&bytes).unwrap_err(),
            VerifyError::Decode(expected)
        );
    }
    assert_eq!(
        twofold_core::message_kind(&[]).unwrap_err(),
        DecodeError::Truncated
    );
}

/// `Debug` of every type holding secrets shows none of them; errors carry no secret either.
#[test]
fn debug_output_contains_no_key_material() {
    let mut p = twofold_tests::pair("debug", Variant::Full, &SessionConfig::default());
    let trace = p.a.take_trace();
    let mut secrets: Vec<Vec<u8>> = Vec::new();
    let (x, s) = p.alice.secret_seeds();
    secrets.push(x.to_vec());
    secrets.push(s.to_vec());
    for (_, _, secret) in p.store.secrets_for_vectors() {
        secrets.push(secret);
    }
    for e in &trace {
        match e {
            TraceEvent::Handshake {
                root_key,
                chain_key,
                dh,
                kem_secret,
                ..
            } => {
                secrets.push(root_key.to_vec());
                secrets.push(chain_key.to_vec());
                secrets.push(kem_secret.to_vec());
                secrets.extend(dh.iter().map(|d| d.to_vec()));
            }
            TraceEvent::RatchetKeyGenerated { secret, .. } => secrets.push(secret.to_vec()),
            TraceEvent::MessageKey {
                message_key,
                enc_key,
                mac_key,
                ..
            } => {
                secrets.push(message_key.to_vec());
                secrets.push(enc_key.to_vec());
                secrets.push(mac_key.to_vec());
            }
            TraceEvent::PqKeyGenerated { seed, .. } => secrets.push(seed.clone()),
            _ => {}
        }
    }
    secrets.push(p.a.root_key().to_vec());
    let texts = [
        format!("{:?}", p.alice),
        format!("{:#?}", p.alice),
        format!("{:?}", p.store),
        format!("{:?}", p.a.session),
        format!("{:#?}", p.b.session),
        format!("{:?}", p.a.sas()),
        format!("{}", p.b.decrypt(&[1, 4, 1], b"").unwrap_err()),
    ];
    for t in &texts {
        for secret in &secrets {
            // Any 8 consecutive bytes of a secret, in hex, would be a leak.
            for w in secret.windows(8) {
                assert!(!t.contains(&hx(w)), "Debug leaks a secret: {t}");
            }
        }
    }
    assert!(texts[0].contains("IdentityKeyPair"));
    // That secrets are wiped on drop is checked by behaviour, not by a marker trait: see
    // npm/test/node/zeroize.test.mjs (the root key is in wasm memory while the sessions live
    // and nowhere in it after dispose).
    let _ = &mut p.rng;
}

/// A low-order ratchet key in the initiator's first message is refused at accept (the session
/// could never answer), and no one-time prekey is consumed.
#[test]
fn low_order_first_ratchet_key_is_refused_at_accept() {
    let s = setup("low order ratchet at accept", Variant::Full);
    let (prefix, _) = twofold_tests::split_initial(&s.initial);
    let mut m = s.initial.clone();
    let at = prefix.len() + 4;
    m[at..at + 32].fill(0);
    let mut store = s.store.fork();
    let before = store.state_bytes();
    assert_eq!(
        accept(&s, &mut store, &m).unwrap_err(),
        AcceptError::NonContributory
    );
    assert_eq!(before, store.state_bytes());
}

/// The replay cache cannot be flushed: after 4,096 other handshakes on the same signed
/// prekey, a replay of the first is still refused, and the signed prekey takes no further
/// handshake without a one-time prekey until it is rotated (docs/PROTOCOL.md 5.3).
#[test]
fn replay_after_a_cache_filling_run_is_refused() {
    let s = setup("replay flood", Variant::LastResortOnly);
    let mut store = s.store.fork();
    accept(&s, &mut store, &s.initial).unwrap();
    let bundle = VerifiedBundle::from_bytes(&s.bundle).unwrap();
    let mut rng = rng("replay flood attackers");
    let mallory = IdentityKeyPair::generate(&mut rng).unwrap();
    let config = SessionConfig::default();
    let mallory_id = mallory.public().to_bytes();
    let flood = |rng: &mut _, store: &mut PrekeyStore| {
        let (_, m) = Session::initiate(rng, &mallory, &bundle, b"x", b"ad", 0, &config).unwrap();
        Session::accept(&s.bob, store, &m, Some(&mallory_id), b"ad", 0, &config).map(|_| ())
    };
    let cap = twofold_core::consts::MAX_REPLAY_CACHE;
    for _ in 1..cap {
        flood(&mut rng, &mut store).unwrap();
    }
    assert_eq!(store.info().replay_cache_len, cap);
    assert_eq!(store.info().replay_cache_remaining, 0);
    // Full: the 4,097th is refused rather than an old entry forgotten...
    let before = store.state_bytes();
    assert_eq!(flood(&mut rng, &mut store), Err(AcceptError::LimitExceeded));
    assert_eq!(before, store.state_bytes());
    // ...so the victim's handshake is still known, after 4,096 others.
    assert_eq!(
        accept(&s, &mut store, &s.initial).unwrap_err(),
        AcceptError::ReplayedHandshake
    );
    // Rotation makes room on the new signed prekey; the old one's entries stay while it lives.
    let mut rng2 = twofold_tests::rng("replay flood rotation");
    store.rotate_signed_prekeys(&mut rng2, &s.bob, 10).unwrap();
    assert_eq!(store.info().replay_cache_remaining, cap);
    assert_eq!(
        accept(&s, &mut store, &s.initial).unwrap_err(),
        AcceptError::ReplayedHandshake
    );
    // Once the old signed prekey is pruned, its handshakes name a prekey that is gone.
    store.prune(10 + twofold_core::consts::SIGNED_PREKEY_GRACE_SECS);
    assert!(matches!(
        accept(&s, &mut store, &s.initial).unwrap_err(),
        AcceptError::UnknownPrekey { .. }
    ));
}

/// Bob checks no ML-DSA signature for a forged initial message: the initiator's identity
/// binding is verified only after the first message authenticated. Counted, not timed.
#[test]
fn a_forged_initial_message_costs_no_signature_verification() {
    use twofold_core::trace::Trace;
    let s = setup("forged initial", Variant::Full);
    let config = SessionConfig::default();
    let verifications = |trace: &mut Trace| {
        let events = trace.take();
        assert!(
            events
                .iter()
                .any(|e| matches!(e, TraceEvent::Handshake { .. })),
            "the observation sees the work done"
        );
        events
            .iter()
            .filter(|e| matches!(e, TraceEvent::SignatureVerified))
            .count()
    };
    let mut forged = s.initial.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let mut store = s.store.fork();
    let mut trace = Trace::default();
    let alice = Some(s.alice.as_slice());
    let r = Session::accept_observed(
        &s.bob, &mut store, &forged, alice, b"ad", 0, &config, None, &mut trace,
    );
    assert_eq!(r.err(), Some(AcceptError::AuthFailed));
    assert_eq!(verifications(&mut trace), 0);
    let r = Session::accept_observed(
        &s.bob, &mut store, &s.initial, alice, b"ad", 0, &config, None, &mut trace,
    );
    assert!(r.is_ok());
    assert_eq!(verifications(&mut trace), 1);
}

/// Bob's identity cache: the first handshake of an initiator verifies her binding once and
/// caches her; the next costs no ML-DSA verification; a forged message still costs none, and
/// an identity that differs from the cached one in any byte is verified in full.
#[test]
fn an_identity_cache_at_accept_saves_the_initiator_binding_verification() {
    use twofold_core::IdentityCache;
    use twofold_core::trace::Trace;
    let s = setup("accept cache", Variant::Full);
    let config = SessionConfig::default();
    let mut cache = IdentityCache::new(4);
    let accept = |message: &[u8], initiator: &[u8], cache: &mut IdentityCache| {
        let mut store = s.store.fork();
        let mut trace = Trace::default();
        let r = Session::accept_observed(
            &s.bob,
            &mut store,
            message,
            Some(initiator),
            b"ad",
            0,
            &config,
            Some(cache),
            &mut trace,
        );
        let n = trace
            .take()
            .iter()
            .filter(|e| matches!(e, TraceEvent::SignatureVerified))
            .count();
        (r.map(|(session, _)| session.peer_fingerprint()), n)
    };
    let mut forged = s.initial.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let (r, n) = accept(&forged, &s.alice, &mut cache);
    assert_eq!(r.err(), Some(AcceptError::AuthFailed));
    assert_eq!(n, 0, "forged: nothing verified");
    assert!(cache.is_empty(), "and nothing cached");
    let fingerprint = PublicIdentity::from_bytes(&s.alice).unwrap().fingerprint();
    let (r, n) = accept(&s.initial, &s.alice, &mut cache);
    assert_eq!(r.unwrap(), fingerprint);
    assert_eq!(n, 1, "first sight: the binding, then cached");
    assert!(cache.contains(&fingerprint));
    let (r, n) = accept(&s.initial, &s.alice, &mut cache);
    assert_eq!(r.unwrap(), fingerprint);
    assert_eq!(n, 0, "known initiator: no ML-DSA verification");
    // Her keys with another binding signature are not the cached identity: verified from
    // scratch, and refused.
    let mut other = s.alice.clone();
    other[3 + 32 + twofold_core::SIG_PUBLIC_KEY_LEN + 7] ^= 1;
    let (r, n) = accept(&s.initial, &other, &mut cache);
    assert_eq!(r.err(), Some(AcceptError::BadSignature));
    assert_eq!(n, 1);
    assert!(cache.remove(&fingerprint));
    let (_, n) = accept(&s.initial, &s.alice, &mut cache);
    assert_eq!(n, 1, "removed: verified again");
}

/// Alice's verifications of a bundle, counted: two for an identity she has not seen (binding,
/// upload signature), one for a new upload of an identity in her cache, none for another leaf
/// of the upload she verified last; a bundle whose identity differs from the cached one in any
/// byte is verified in full.
#[test]
fn an_identity_cache_saves_the_binding_verification_of_a_known_identity() {
    use twofold_core::trace::Trace;
    use twofold_core::{IdentityCache, PrekeyBundle};
    let mut rng = rng("identity cache");
    let (bob, mut store, _) = responder(&mut rng, Variant::Full);
    let upload = store.upload(&mut rng, &bob, 2, 2).unwrap();
    let count = |bundle: &[u8], cache: Option<&mut IdentityCache>| {
        let mut trace = Trace::default();
        let r = PrekeyBundle::decode(bundle)
            .unwrap()
            .verify_traced(cache, &mut trace);
        let n = trace
            .take()
            .iter()
            .filter(|e| matches!(e, TraceEvent::SignatureVerified))
            .count();
        (r, n)
    };
    let first = twofold_core::compose_bundle(&upload, Some(0)).unwrap();
    let second = twofold_core::compose_bundle(&upload, Some(1)).unwrap();
    let mut cache = IdentityCache::new(4);
    let (r, n) = count(&first, None);
    assert!(r.is_ok());
    assert_eq!(n, 2, "no cache: binding, upload signature");
    let (r, n) = count(&first, Some(&mut cache));
    assert!(r.is_ok());
    assert_eq!(n, 2, "first sight: verified in full, then cached");
    assert!(cache.contains(&bob.public().fingerprint()));
    let (r, n) = count(&second, Some(&mut cache));
    assert_eq!(r.unwrap().identity(), bob.public());
    assert_eq!(
        n, 0,
        "known identity, upload already verified: no ML-DSA verification"
    );
    // Another upload of the same identity: its signature only, then it is the one remembered.
    let next = store.upload(&mut rng, &bob, 1, 1).unwrap();
    let third = twofold_core::compose_bundle(&next, Some(0)).unwrap();
    let (r, n) = count(&third, Some(&mut cache));
    assert!(r.is_ok());
    assert_eq!(
        n, 1,
        "known identity, new upload: the upload signature only"
    );
    let (r, n) = count(&first, Some(&mut cache));
    assert!(r.is_ok());
    assert_eq!(n, 1, "the earlier upload is no longer the remembered one");
    // The remembered upload with a changed signature byte is not the verified one.
    let mut resigned = first.clone();
    // The header and identity, the signed record, batch id and leaf count, then the signature.
    let signature_at = IDENTITY_LEN + 4 + 32 + 4 + twofold_core::KEM_PUBLIC_KEY_LEN + 8 + 4 + 2;
    resigned[signature_at + 100] ^= 1;
    let (r, n) = count(&resigned, Some(&mut cache));
    assert!(matches!(r, Err(VerifyError::BadSignature { .. })), "{r:?}");
    assert_eq!(n, 1);
    // The same keys with a changed binding signature are not the cached identity.
    let mut forged = second.clone();
    forged[3 + 32 + twofold_core::SIG_PUBLIC_KEY_LEN + 7] ^= 1;
    let (r, n) = count(&forged, Some(&mut cache));
    assert!(matches!(r, Err(VerifyError::BadSignature { .. })));
    assert_eq!(n, 1, "verified from scratch, and rejected at the binding");
    // A bundle of a cached identity whose prekey signature is bad is still rejected.
    let mut bad = second.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(matches!(
        count(&bad, Some(&mut cache)).0,
        Err(VerifyError::BadSignature { .. })
    ));
    // Bounded: a zero-capacity cache keeps nothing.
    let mut none = IdentityCache::new(0);
    count(&first, Some(&mut none)).0.unwrap();
    assert!(none.is_empty());
}

/// An initiator holding the keys of an identity whose binding does not verify gets through the
/// authentication of the first message and is refused at the binding check, the last step
/// before the commit: BAD_SIGNATURE, and the store is unchanged.
#[test]
fn an_initiator_with_a_broken_binding_is_refused_after_authentication() {
    let s = setup("broken binding", Variant::Full);
    let mut rng = rng("broken binding alice");
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut binding = *alice.public().to_bytes()[3 + 32 + twofold_core::SIG_PUBLIC_KEY_LEN..]
        .first_chunk::<{ twofold_core::SIGNATURE_LEN }>()
        .unwrap();
    binding[100] ^= 1;
    let broken = twofold_core::hazmat::identity_with_binding(&alice, &binding);
    let bundle = VerifiedBundle::from_bytes(&s.bundle).unwrap();
    let (_, m) = Session::initiate(
        &mut rng,
        &broken,
        &bundle,
        b"hi",
        b"ad",
        0,
        &SessionConfig::default(),
    )
    .unwrap();
    let mut store = s.store.fork();
    let before = store.state_bytes();
    // Bob's directory returns the broken identity (its keys match the message).
    let config = SessionConfig::default();
    let supplied = broken.public().to_bytes();
    assert_eq!(
        Session::accept(&s.bob, &mut store, &m, Some(&supplied), b"ad", 0, &config).unwrap_err(),
        AcceptError::BadSignature
    );
    assert_eq!(before, store.state_bytes());
    // The same message with the honest identity's binding is a different transcript.
    assert_eq!(accept(&s, &mut store, &s.initial).unwrap(), b"hello");
}

/// The two forms of the initial message on the wire (docs/PROTOCOL.md 5.5): compact names
/// Alice by `IK_A || fingerprint_A` (64 bytes), self-contained carries her identity body
/// (5,293); with a 100-byte plaintext and a one-time X25519 prekey, 1,400 and 6,629 bytes.
/// Both are accepted, the compact one only with her identity supplied.
#[test]
fn compact_and_self_contained_initial_messages() {
    let mut rng = rng("two forms");
    let (bob, store, bundle) = responder(&mut rng, Variant::Full);
    let bundle = VerifiedBundle::from_bytes(&bundle).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let compact = SessionConfig::default();
    let full = SessionConfig::default().with_self_contained(true);
    let (_, c) = Session::initiate(&mut rng, &alice, &bundle, &[7; 100], b"", 0, &compact).unwrap();
    let (_, f) = Session::initiate(&mut rng, &alice, &bundle, &[7; 100], b"", 0, &full).unwrap();
    assert_eq!((c.len(), f.len()), (1_400, 6_629));
    let id = alice.public().to_bytes();
    for (m, supplied) in [
        (&c, Some(id.as_slice())),
        (&f, None),
        (&f, Some(id.as_slice())),
    ] {
        let mut store = store.fork();
        let (b, p) = Session::accept(&bob, &mut store, m, supplied, b"", 0, &compact).unwrap();
        assert_eq!(p, [7; 100]);
        assert_eq!(b.peer_fingerprint(), alice.public().fingerprint());
    }
    let d = twofold_core::describe_message(&c)
        .unwrap()
        .handshake
        .unwrap();
    assert_eq!(d.initiator_fingerprint, alice.public().fingerprint());
    assert_eq!(&d.initiator_key, alice.public().dh_key());
    assert!(!d.self_contained);
    let mut store = store.fork();
    assert_eq!(
        Session::accept(&bob, &mut store, &c, None, b"", 0, &compact).unwrap_err(),
        AcceptError::IdentityRequired
    );
}
