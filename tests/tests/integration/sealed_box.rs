//! Sealed boxes (docs/PROTOCOL.md section 13): round trips in both modes, the library against
//! the spec computed from primitives, the X-Wing combiner against the draft's vectors, every
//! rejection with its code, forgeries of the sender, rotation, and a property test that no
//! altered box opens or changes the store.

use proptest::prelude::*;
use shake::{ExtendableOutput as _, Update as _, XofReader as _};
use twofold_core::{
    BoxConfig, ErrorCode, HasErrorCode, IdentityKeyPair, PrekeyStore, PublicIdentity,
    SEALED_BOX_AUTHENTICATED_OVERHEAD, SEALED_BOX_OVERHEAD, SEALED_BOX_PREFIX_LEN, VerifiedBundle,
    consts, describe_box, hazmat, seal_box,
};
use twofold_tests::sealed_box::{self as spec, Recipient, Sender};
use twofold_tests::{RecordingRng, Variant, responder, rng, unhex, vectors::NOW};

fn code<T, E: HasErrorCode>(r: Result<T, E>) -> ErrorCode {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.code(),
    }
}

struct Parties {
    rng: chacha20::ChaCha20Rng,
    bob: IdentityKeyPair,
    store: PrekeyStore,
    bundle: VerifiedBundle,
    alice: IdentityKeyPair,
}

/// Bob with a full upload (the box ignores its one-time prekeys) and Alice.
fn parties(label: &str) -> Parties {
    let mut rng = rng(label);
    let (bob, store, bundle) = responder(&mut rng, Variant::Full);
    let bundle = VerifiedBundle::from_bytes(&bundle).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    Parties {
        rng,
        bob,
        store,
        bundle,
        alice,
    }
}

/// The public keys of Bob's current signed pair, from his store's secrets.
fn recipient(p: &Parties) -> Recipient {
    let secrets = p.store.secrets_for_vectors();
    let spk = &secrets.iter().find(|s| s.0 == "signed_prekey").unwrap();
    let kem = &secrets.iter().find(|s| s.0 == "last_resort_kem").unwrap();
    Recipient {
        fingerprint: p.bob.public().fingerprint(),
        spk_id: spk.1,
        spk: hazmat::x25519_public(&spk.2.as_slice().try_into().unwrap()),
        kem_id: kem.1,
        kem_ek: hazmat::kem_public(&kem.2.as_slice().try_into().unwrap())
            .try_into()
            .unwrap(),
    }
}

#[test]
fn anonymous_and_authenticated_boxes_open_and_match_the_spec() {
    let mut p = parties("box round trip");
    let r = recipient(&p);
    let (x, _) = p.alice.secret_seeds();
    for authenticated in [false, true] {
        let sender = authenticated.then_some(&p.alice);
        let mut recording = RecordingRng::new(&mut p.rng);
        let sealed = seal_box(
            &mut recording,
            &p.bundle,
            sender,
            b"hello Bob",
            b"ad",
            NOW,
            &BoxConfig::default(),
        )
        .unwrap();
        let draws = recording.draws;
        assert_eq!(draws.len(), 2, "ephemeral secret, then m");
        let spec_sender = Sender {
            dh_secret: x,
            named_key: *p.alice.public().dh_key().as_bytes(),
            named_fingerprint: p.alice.public().fingerprint(),
        };
        let (expected, values) = spec::seal(
            &r,
            &draws[0].as_slice().try_into().unwrap(),
            &draws[1].as_slice().try_into().unwrap(),
            authenticated.then_some(&spec_sender),
            b"hello Bob",
            b"ad",
        );
        assert_eq!(sealed, expected, "library and spec agree byte for byte");
        let overhead = if authenticated {
            SEALED_BOX_AUTHENTICATED_OVERHEAD
        } else {
            SEALED_BOX_OVERHEAD
        };
        assert_eq!(sealed.len(), 9 + overhead);
        let d = describe_box(&sealed).unwrap();
        assert_eq!(d.authenticated, authenticated);
        assert_eq!((d.signed_prekey_id, d.kem_prekey_id), (r.spk_id, r.kem_id));
        assert_eq!(hex::encode(d.box_id), values["box_id"].as_str().unwrap());
        assert_eq!(d.payload_len, 9 + 16);

        let before = p.store.state_bytes();
        let fp = p.store.box_sender(&p.bob, &sealed).unwrap();
        assert_eq!(fp, authenticated.then(|| p.alice.public().fingerprint()));
        let opened = p
            .store
            .open_box(&p.bob, &sealed, b"ad", sender.map(|s| s.public()))
            .unwrap();
        assert_eq!(opened.plaintext.as_slice(), b"hello Bob");
        assert_eq!(opened.sender, fp);
        assert_eq!(opened.box_id, d.box_id);
        // Opening changes nothing: the same box opens again.
        assert_eq!(p.store.state_bytes(), before);
        p.store
            .open_box(&p.bob, &sealed, b"ad", sender.map(|s| s.public()))
            .unwrap();
    }
}

/// The library's X-Wing combiner reproduces the draft's three vectors (vectors/xwing/).
#[test]
fn xwing_combiner_matches_the_published_vectors() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/xwing/test-vectors.json"),
    )
    .unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let field = |k: &str| unhex(case[k].as_str().unwrap());
        let mut expanded = [0u8; 96];
        let mut xof = shake::Shake256::default();
        xof.update(&field("seed"));
        xof.finalize_xof().read(&mut expanded);
        let kem_seed: [u8; 64] = expanded[..64].try_into().unwrap();
        let x_secret: [u8; 32] = expanded[64..].try_into().unwrap();
        let pk_m = hazmat::kem_public(&kem_seed);
        let pk_x = hazmat::x25519_public(&x_secret);
        assert_eq!([&pk_m[..], &pk_x].concat(), field("pk"));
        let eseed = field("eseed");
        let m: [u8; 32] = eseed[..32].try_into().unwrap();
        let ek_x: [u8; 32] = eseed[32..].try_into().unwrap();
        let (ct_m, ss_m) = hazmat::kem_encapsulate(&pk_m.try_into().unwrap(), &m).unwrap();
        let ct_x = hazmat::x25519_public(&ek_x);
        assert_eq!([&ct_m[..], &ct_x].concat(), field("ct"));
        let ss_x = hazmat::x25519(&ek_x, &pk_x).unwrap();
        assert_eq!(
            hazmat::xwing_combine(&ss_m, &ss_x, &ct_x, &pk_x).to_vec(),
            field("ss")
        );
        // The decapsulating side gets the same secret.
        assert_eq!(
            hazmat::kem_decapsulate(&kem_seed, &ct_m.try_into().unwrap()),
            ss_m
        );
        assert_eq!(hazmat::x25519(&x_secret, &ct_x).unwrap(), ss_x);
    }
}

#[test]
fn every_rejection_has_its_code_and_leaves_the_store_unchanged() {
    let mut p = parties("box rejections");
    let max = &BoxConfig::default();
    // 100 bytes: longer than a sender block, so that setting the flag is an AEAD failure.
    let anon = seal_box(&mut p.rng, &p.bundle, None, &[7; 100], b"", NOW, max).unwrap();
    let auth = seal_box(&mut p.rng, &p.bundle, Some(&p.alice), b"hi", b"", NOW, max).unwrap();
    let carol = IdentityKeyPair::generate(&mut p.rng).unwrap();
    let before = p.store.state_bytes();
    let open = |store: &PrekeyStore, b: &[u8], ad: &[u8], s: Option<&PublicIdentity>| {
        code(store.open_box(&p.bob, b, ad, s))
    };
    let with = |b: &[u8], at: usize, v: u8| {
        let mut b = b.to_vec();
        b[at] = v;
        b
    };
    let a = Some(p.alice.public());
    // (name, box, associated data, sender supplied, expected code)
    type Case<'a> = (
        &'a str,
        Vec<u8>,
        Vec<u8>,
        Option<&'a PublicIdentity>,
        ErrorCode,
    );
    let cases: Vec<Case<'_>> = vec![
        ("empty", vec![], vec![], None, ErrorCode::Truncated),
        (
            "header only",
            anon[..3].to_vec(),
            vec![],
            None,
            ErrorCode::Truncated,
        ),
        (
            "a bundle's type byte",
            with(&anon, 1, 0x02),
            vec![],
            None,
            ErrorCode::WrongObjectType,
        ),
        (
            "version 1",
            with(&anon, 0, 0x01),
            vec![],
            None,
            ErrorCode::UnsupportedVersion,
        ),
        (
            "suite 2",
            with(&anon, 2, 0x02),
            vec![],
            None,
            ErrorCode::UnsupportedSuite,
        ),
        (
            "flag 0x02",
            with(&anon, 3, 0x02),
            vec![],
            None,
            ErrorCode::InvalidEncoding,
        ),
        (
            "payload shorter than the tag",
            anon[..SEALED_BOX_PREFIX_LEN + 15].to_vec(),
            vec![],
            None,
            ErrorCode::Truncated,
        ),
        (
            "authenticated, sender block cut",
            auth[..SEALED_BOX_PREFIX_LEN + 40].to_vec(),
            vec![],
            a,
            ErrorCode::Truncated,
        ),
        (
            "unknown signed prekey id",
            with(&anon, 7, 99),
            vec![],
            None,
            ErrorCode::UnknownPrekey,
        ),
        (
            "unknown ML-KEM prekey id",
            with(&anon, 11, 99),
            vec![],
            None,
            ErrorCode::UnknownPrekey,
        ),
        (
            "payload altered",
            {
                let mut b = anon.clone();
                *b.last_mut().unwrap() ^= 1;
                b
            },
            vec![],
            None,
            ErrorCode::AuthFailed,
        ),
        (
            "EK altered",
            with(&anon, 20, anon[20] ^ 1),
            vec![],
            None,
            ErrorCode::AuthFailed,
        ),
        (
            "CT altered",
            with(&anon, 100, anon[100] ^ 1),
            vec![],
            None,
            ErrorCode::AuthFailed,
        ),
        (
            "other associated data",
            anon.clone(),
            b"x".to_vec(),
            None,
            ErrorCode::AuthFailed,
        ),
        (
            "anonymous box turned authenticated",
            with(&anon, 3, 0x01),
            vec![],
            a,
            ErrorCode::AuthFailed,
        ),
        (
            "sender block altered",
            with(
                &auth,
                SEALED_BOX_PREFIX_LEN + 5,
                auth[SEALED_BOX_PREFIX_LEN + 5] ^ 1,
            ),
            vec![],
            a,
            ErrorCode::AuthFailed,
        ),
        (
            "authenticated box opened without the sender",
            auth.clone(),
            vec![],
            None,
            ErrorCode::IdentityRequired,
        ),
        (
            "authenticated box opened with another sender",
            auth.clone(),
            vec![],
            Some(carol.public()),
            ErrorCode::InitiatorMismatch,
        ),
        (
            "anonymous box opened with a sender",
            anon.clone(),
            vec![],
            a,
            ErrorCode::InitiatorMismatch,
        ),
        (
            "associated data too large",
            anon.clone(),
            vec![0; consts::MAX_ASSOCIATED_DATA_LEN + 1],
            None,
            ErrorCode::TooLarge,
        ),
        (
            "larger than the maximum",
            vec![0; twofold_core::MAX_SEALED_BOX_LEN + 1],
            vec![],
            None,
            ErrorCode::TooLarge,
        ),
    ];
    for (name, bytes, ad, sender, expected) in &cases {
        assert_eq!(open(&p.store, bytes, ad, *sender), *expected, "{name}");
        assert_eq!(p.store.state_bytes(), before, "{name}: store unchanged");
    }
    // A low-order EK: the DH with the signed prekey is all zeros.
    let mut low = anon.clone();
    low[12..44].copy_from_slice(&[0; 32]);
    assert_eq!(open(&p.store, &low, b"", None), ErrorCode::NonContributory);
    // Another identity than the store's owner.
    assert_eq!(
        code(p.store.open_box(&carol, &anon, b"", None)),
        ErrorCode::IdentityMismatch
    );
    assert_eq!(p.store.state_bytes(), before);
}

#[test]
fn sealing_checks_sizes_and_freshness_before_drawing() {
    let mut p = parties("box seal errors");
    let big = vec![0u8; consts::MAX_PLAINTEXT_LEN + 1];
    let max = &BoxConfig::default();
    let mut recording = RecordingRng::new(&mut p.rng);
    assert_eq!(
        code(seal_box(
            &mut recording,
            &p.bundle,
            None,
            &big,
            b"",
            NOW,
            max
        )),
        ErrorCode::TooLarge
    );
    let ad = vec![0u8; consts::MAX_ASSOCIATED_DATA_LEN + 1];
    assert_eq!(
        code(seal_box(
            &mut recording,
            &p.bundle,
            None,
            b"",
            &ad,
            NOW,
            max
        )),
        ErrorCode::TooLarge
    );
    let later = NOW + consts::DEFAULT_MAX_PREKEY_AGE_SECS + 1;
    assert_eq!(
        code(seal_box(
            &mut recording,
            &p.bundle,
            None,
            b"",
            b"",
            later,
            max
        )),
        ErrorCode::StalePrekey
    );
    // A bundle of another identity than the expected recipient.
    let expected = BoxConfig::default().with_recipient(Some(p.alice.public().fingerprint()));
    assert_eq!(
        code(seal_box(
            &mut recording,
            &p.bundle,
            None,
            b"",
            b"",
            NOW,
            &expected
        )),
        ErrorCode::InitiatorMismatch
    );
    assert!(recording.draws.is_empty(), "refused before any draw");
    let right = BoxConfig::default().with_recipient(Some(p.bob.public().fingerprint()));
    assert!(seal_box(&mut p.rng, &p.bundle, None, b"", b"", NOW, &right).is_ok());
    // Without the age check the same bundle is usable; the largest plaintext fits.
    let sealed = seal_box(
        &mut p.rng,
        &p.bundle,
        Some(&p.alice),
        &big[1..],
        b"",
        later,
        &BoxConfig::default().with_max_prekey_age(None),
    )
    .unwrap();
    assert_eq!(sealed.len(), twofold_core::MAX_SEALED_BOX_LEN);
    let opened = p
        .store
        .open_box(&p.bob, &sealed, b"", Some(p.alice.public()))
        .unwrap();
    assert_eq!(opened.plaintext.len(), consts::MAX_PLAINTEXT_LEN);
}

/// A sender-authenticated box cannot be made in someone else's name: the sender block can
/// name Alice, but without her X25519 secret the payload key differs.
#[test]
fn a_box_naming_another_sender_does_not_open() {
    let mut p = parties("box forgery");
    let r = recipient(&p);
    let mallory = IdentityKeyPair::generate(&mut p.rng).unwrap();
    let (mx, _) = mallory.secret_seeds();
    let forged = Sender {
        dh_secret: mx,
        named_key: *p.alice.public().dh_key().as_bytes(),
        named_fingerprint: p.alice.public().fingerprint(),
    };
    let (sealed, _) = spec::seal(&r, &[7; 32], &[8; 32], Some(&forged), b"pay Mallory", b"");
    assert_eq!(
        p.store.box_sender(&p.bob, &sealed).unwrap(),
        Some(p.alice.public().fingerprint()),
        "the block names Alice (unauthenticated until open_box)"
    );
    assert_eq!(
        code(
            p.store
                .open_box(&p.bob, &sealed, b"", Some(p.alice.public()))
        ),
        ErrorCode::AuthFailed
    );
    // Naming Alice's key with Mallory's fingerprint (or the reverse) is refused before.
    let mixed = Sender {
        dh_secret: mx,
        named_key: *p.alice.public().dh_key().as_bytes(),
        named_fingerprint: mallory.public().fingerprint(),
    };
    let (sealed, _) = spec::seal(&r, &[7; 32], &[8; 32], Some(&mixed), b"", b"");
    for s in [p.alice.public(), mallory.public()] {
        assert_eq!(
            code(p.store.open_box(&p.bob, &sealed, b"", Some(s))),
            ErrorCode::InitiatorMismatch
        );
    }
    // A box for another recipient (same keys named, other fingerprint) does not open.
    let other = Recipient {
        fingerprint: [9; 32],
        ..recipient(&p)
    };
    let (sealed, _) = spec::seal(&other, &[7; 32], &[8; 32], None, b"", b"");
    assert_eq!(
        code(p.store.open_box(&p.bob, &sealed, b"", None)),
        ErrorCode::AuthFailed
    );
}

/// With the sender as an encoding, its binding is verified only after the box opened, and a
/// cached sender is not verified again.
#[test]
fn an_encoded_sender_is_verified_after_the_box_authenticated() {
    let mut p = parties("box encoded sender");
    let sealed = seal_box(
        &mut p.rng,
        &p.bundle,
        Some(&p.alice),
        b"hi",
        b"",
        NOW,
        &BoxConfig::default(),
    )
    .unwrap();
    let alice = p.alice.public().to_bytes();
    let mut cache = twofold_core::IdentityCache::new(2);
    let opened = p
        .store
        .open_box_cached(&p.bob, &sealed, b"", Some(&alice), &mut cache)
        .unwrap();
    assert_eq!(opened.plaintext.as_slice(), b"hi");
    assert!(
        cache.contains(&p.alice.public().fingerprint()),
        "verified, then cached"
    );
    let mut bad = alice.clone();
    *bad.last_mut().unwrap() ^= 1;
    let mut empty = twofold_core::IdentityCache::new(2);
    assert_eq!(
        code(
            p.store
                .open_box_cached(&p.bob, &sealed, b"", Some(&bad), &mut empty)
        ),
        ErrorCode::BadSignature
    );
    // A forged box naming Alice fails before any signature is checked: the bad binding is
    // never reached.
    let mut forged = sealed.clone();
    *forged.last_mut().unwrap() ^= 1;
    assert_eq!(
        code(
            p.store
                .open_box_cached(&p.bob, &forged, b"", Some(&bad), &mut empty)
        ),
        ErrorCode::AuthFailed
    );
    assert_eq!(
        code(
            p.store
                .open_box_cached(&p.bob, &sealed, b"", Some(&alice[..10]), &mut empty)
        ),
        ErrorCode::InitiatorMismatch
    );
}

/// A box to the previous signed pair opens during the grace period and not after `prune`.
#[test]
fn boxes_follow_signed_prekey_rotation() {
    let mut p = parties("box rotation");
    let max = &BoxConfig::default();
    let old = seal_box(&mut p.rng, &p.bundle, None, b"old", b"", NOW, max).unwrap();
    p.store
        .rotate_signed_prekeys(&mut p.rng, &p.bob, NOW + 10)
        .unwrap();
    assert_eq!(
        p.store
            .open_box(&p.bob, &old, b"", None)
            .unwrap()
            .plaintext
            .as_slice(),
        b"old"
    );
    p.store.prune(NOW + 10 + consts::SIGNED_PREKEY_GRACE_SECS);
    assert_eq!(
        code(p.store.open_box(&p.bob, &old, b"", None)),
        ErrorCode::UnknownPrekey
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// Any plaintext and associated data round-trip in both modes; any single altered byte,
    /// and any truncation, is refused with an error and changes nothing.
    #[test]
    fn altered_boxes_never_open(
        plaintext in proptest::collection::vec(any::<u8>(), 0..300),
        ad in proptest::collection::vec(any::<u8>(), 0..40),
        authenticated in any::<bool>(),
        at in any::<proptest::sample::Index>(),
        flip in 1u8..=255,
        cut in any::<proptest::sample::Index>(),
    ) {
        let mut p = parties("box proptest");
        let sender = authenticated.then_some(&p.alice);
        let sealed = seal_box(&mut p.rng, &p.bundle, sender, &plaintext, &ad, NOW, &BoxConfig::default()).unwrap();
        let s = sender.map(|s| s.public());
        let opened = p.store.open_box(&p.bob, &sealed, &ad, s).unwrap();
        prop_assert_eq!(opened.plaintext.as_slice(), &plaintext[..]);
        let before = p.store.state_bytes();
        let mut altered = sealed.clone();
        altered[at.index(sealed.len())] ^= flip;
        prop_assert!(p.store.open_box(&p.bob, &altered, &ad, s).is_err());
        prop_assert!(p.store.open_box(&p.bob, &sealed[..cut.index(sealed.len())], &ad, s).is_err());
        prop_assert_eq!(p.store.state_bytes(), before);
    }
}
