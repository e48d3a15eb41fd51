//! Uploads and server-composed bundles: one signature per batch, every byte of a bundle
//! covered, freshness, and the store's side (docs/PROTOCOL.md 5.2, 5.3).

use twofold_core::{
    BundleComposer, ErrorCode, HasErrorCode, IdentityKeyPair, PrekeyStore, Session, SessionConfig,
    VerifiedBundle, compose_bundle, consts, inspect_upload, verify_upload,
};
use twofold_tests::{rng, vectors::NOW};

fn code<T, E: HasErrorCode>(r: Result<T, E>) -> ErrorCode {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.code(),
    }
}

/// A server composes a bundle for every leaf and one without, from the upload alone; each
/// verifies, and each leaf starts a session that Bob accepts once.
#[test]
fn every_bundle_a_server_composes_verifies_and_starts_a_session() {
    let mut rng = rng("compose every leaf");
    let bob = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &bob, NOW).unwrap();
    let upload = store.upload(&mut rng, &bob, 5, 3).unwrap();
    let info = verify_upload(&upload).unwrap();
    assert_eq!(info, inspect_upload(&upload).unwrap());
    assert_eq!(
        (info.leaf_count, info.batch_id, info.created_at),
        (5, 1, NOW)
    );
    assert_eq!(info.fingerprint, bob.public().fingerprint());
    assert_eq!(info.identity, bob.public().to_bytes());
    let composer = BundleComposer::new(&upload).unwrap();
    assert_eq!(composer.leaf_count(), 5);
    let config = SessionConfig::default();
    for index in (0..5).map(Some).chain([None]) {
        let bytes = composer.bundle(index).unwrap();
        assert_eq!(
            bytes,
            compose_bundle(&upload, index).unwrap(),
            "deterministic"
        );
        let bundle = VerifiedBundle::from_bytes(&bytes).unwrap();
        let i = index.map(u32::from);
        assert_eq!(bundle.one_time_prekey_id(), i.map(|i| i + 1));
        assert_eq!(
            bundle.one_time_kem_prekey_id(),
            i.filter(|i| *i < 3).map(|i| i + 1)
        );
        assert_eq!(
            (bundle.signed_prekeys_created_at(), bundle.batch_id()),
            (NOW, 1)
        );
        let alice = IdentityKeyPair::generate(&mut rng).unwrap();
        let (_, first) =
            Session::initiate(&mut rng, &alice, &bundle, b"hi", b"", NOW, &config).unwrap();
        let id = alice.public().to_bytes();
        let (_, plaintext) =
            Session::accept(&bob, &mut store, &first, Some(&id), b"", NOW, &config).unwrap();
        assert_eq!(plaintext, b"hi");
        // The same leaf again (a server handing it out twice): consumed.
        if index.is_some() {
            let (_, again) =
                Session::initiate(&mut rng, &alice, &bundle, b"hi", b"", NOW, &config).unwrap();
            assert_eq!(
                code(Session::accept(
                    &bob,
                    &mut store,
                    &again,
                    Some(&id),
                    b"",
                    NOW,
                    &config
                )),
                ErrorCode::PrekeyAlreadyUsed
            );
        }
    }
    assert_eq!(code(composer.bundle(Some(5))), ErrorCode::LimitExceeded);
    assert_eq!(
        code(compose_bundle(&upload, Some(5))),
        ErrorCode::LimitExceeded
    );
    let info = store.info();
    assert_eq!((info.one_time_held, info.one_time_kem_held), (0, 0));
}

/// Every byte of a bundle is covered by a signature: changing any one of them makes the
/// bundle fail to decode or to verify: 11,134 single-byte edits of a bundle with both
/// one-time prekeys and a proof.
#[test]
fn every_byte_of_a_bundle_is_signed() {
    let mut rng = rng("every byte signed");
    let bob = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &bob, NOW).unwrap();
    let upload = store.upload(&mut rng, &bob, 3, 3).unwrap();
    let bundle = compose_bundle(&upload, Some(2)).unwrap();
    assert_eq!(bundle.len(), twofold_core::BUNDLE_MAX_LEN - 32 * 7);
    let mut cache = twofold_core::IdentityCache::new(1);
    VerifiedBundle::from_bytes_with(&bundle, &mut cache).unwrap();
    for at in 0..bundle.len() {
        let mut v = bundle.clone();
        v[at] ^= 0x01;
        assert!(
            VerifiedBundle::from_bytes_with(&v, &mut cache).is_err(),
            "byte {at} of {} is not covered",
            bundle.len()
        );
    }
}

/// `initiate` refuses signed prekeys older than the maximum age, before drawing anything;
/// a rotation followed by an upload gives fresh bundles again.
#[test]
fn stale_signed_prekeys_are_refused_until_bob_rotates_and_uploads() {
    let mut rng = rng("stale");
    let bob = IdentityKeyPair::generate(&mut rng).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &bob, NOW).unwrap();
    let old = compose_bundle(&store.upload(&mut rng, &bob, 1, 1).unwrap(), Some(0)).unwrap();
    let old = VerifiedBundle::from_bytes(&old).unwrap();
    let later = NOW + consts::DEFAULT_MAX_PREKEY_AGE_SECS + 1;
    let config = SessionConfig::default();
    let mut failing = twofold_tests::FailingRng::new("no draw", 0);
    // Refused before any draw: an RNG that fails at once is never reached.
    assert_eq!(
        code(Session::initiate(
            &mut failing,
            &alice,
            &old,
            b"",
            b"",
            later,
            &config
        )),
        ErrorCode::StalePrekey
    );
    // With the check configured away, the same bundle is usable.
    let lenient = SessionConfig::default().with_max_prekey_age(None);
    assert!(Session::initiate(&mut rng, &alice, &old, b"", b"", later, &lenient).is_ok());
    store.rotate_signed_prekeys(&mut rng, &bob, later).unwrap();
    let fresh = compose_bundle(&store.upload(&mut rng, &bob, 0, 0).unwrap(), None).unwrap();
    let fresh = VerifiedBundle::from_bytes(&fresh).unwrap();
    assert_eq!(fresh.signed_prekeys_created_at(), later);
    let (_, first) =
        Session::initiate(&mut rng, &alice, &fresh, b"x", b"", later, &config).unwrap();
    let id = alice.public().to_bytes();
    assert!(Session::accept(&bob, &mut store, &first, Some(&id), b"", later, &config).is_ok());
    assert_eq!(store.info().signed_prekey_created_at, later);
}

/// The store drops its oldest one-time prekeys when a new batch does not fit; a bundle of
/// the dropped leaves then gets PREKEY_ALREADY_USED at accept, and the newer leaves work.
#[test]
fn leaves_of_an_evicted_batch_are_refused_as_used() {
    let mut rng = rng("evicted batch");
    let bob = IdentityKeyPair::generate(&mut rng).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &bob, NOW).unwrap();
    // Three batches: the third pushes the first's 300 oldest keys out (1,300 > 1,000).
    let first = store.upload(&mut rng, &bob, 500, 0).unwrap();
    let second = store.upload(&mut rng, &bob, 500, 0).unwrap();
    store.upload(&mut rng, &bob, 300, 0).unwrap();
    let config = SessionConfig::default();
    let start = |upload: &[u8], i: u16, rng: &mut _| {
        let b = VerifiedBundle::from_bytes(&compose_bundle(upload, Some(i)).unwrap()).unwrap();
        Session::initiate(rng, &alice, &b, b"x", b"", NOW, &config)
            .unwrap()
            .1
    };
    let id = alice.public().to_bytes();
    let evicted = start(&first, 0, &mut rng);
    assert_eq!(
        code(Session::accept(
            &bob,
            &mut store,
            &evicted,
            Some(&id),
            b"",
            NOW,
            &config
        )),
        ErrorCode::PrekeyAlreadyUsed
    );
    for m in [start(&first, 300, &mut rng), start(&second, 499, &mut rng)] {
        assert!(Session::accept(&bob, &mut store, &m, Some(&id), b"", NOW, &config).is_ok());
    }
}
