//! The documented maxima of the byte arguments that are not wire objects: associated data
//! (`MAX_ASSOCIATED_DATA_LEN`) and sealed blobs (`MAX_SEALED_LEN`), each refused with
//! `TOO_LARGE` before any work and without changing anything.

use twofold_core::consts::{
    MAX_ASSOCIATED_DATA_LEN, MAX_HANDSHAKE_PREFIX_LEN, MAX_MESSAGE_DIGESTS, MAX_ONE_TIME_PREKEYS,
    MAX_REPLAY_CACHE, MAX_RETIRED_RATCHET_KEYS, MAX_SKIPPED_KEYS, PQ_CHUNK_LEN,
    PQ_KEY_OBJECT_CHUNKS,
};
use twofold_core::{
    ErrorCode, HasErrorCode, IdentityKeyPair, MAX_SEALED_LEN, PrekeyStore, SEALED_OVERHEAD,
    Session, SessionConfig, VerifiedBundle,
};
use twofold_tests::{Variant, pair, responder, rng};

#[test]
fn associated_data_above_the_maximum_is_too_large_everywhere_and_changes_nothing() {
    let config = SessionConfig::default();
    let mut p = pair("associated data limit", Variant::Full, &config);
    let at_max = vec![7u8; MAX_ASSOCIATED_DATA_LEN];
    let over = vec![7u8; MAX_ASSOCIATED_DATA_LEN + 1];

    // encrypt: refused, the session unchanged; exactly the maximum works.
    let before = p.a.state_bytes();
    let e = p.a.session.encrypt(&mut p.rng, 1, b"x", &over).unwrap_err();
    assert_eq!(e.code(), ErrorCode::TooLarge);
    assert_eq!(before, p.a.state_bytes());
    let m = p.a.session.encrypt(&mut p.rng, 1, b"x", &at_max).unwrap();

    // decrypt: refused before the message is looked at, the session unchanged.
    let before = p.b.state_bytes();
    let e = p.b.session.decrypt(&m, &over).unwrap_err();
    assert_eq!(e.code(), ErrorCode::TooLarge);
    assert_eq!(before, p.b.state_bytes());
    assert_eq!(p.b.session.decrypt(&m, &at_max).unwrap(), b"x");

    // initiate and accept.
    let mut r = rng("associated data limit, handshake");
    let (bob, mut store, bundle) = responder(&mut r, Variant::Full);
    let bundle = VerifiedBundle::from_bytes(&bundle).unwrap();
    let alice = IdentityKeyPair::generate(&mut r).unwrap();
    let e = Session::initiate(&mut r, &alice, &bundle, b"hi", &over, 0, &config).unwrap_err();
    assert_eq!(e.code(), ErrorCode::TooLarge);
    let (_, initial) =
        Session::initiate(&mut r, &alice, &bundle, b"hi", &at_max, 0, &config).unwrap();
    let id = alice.public().to_bytes();
    let store_before = store.state_bytes();
    let e = Session::accept(&bob, &mut store, &initial, Some(&id), &over, 0, &config).unwrap_err();
    assert_eq!(e.code(), ErrorCode::TooLarge);
    assert_eq!(store_before, store.state_bytes());
    let (_, plaintext) =
        Session::accept(&bob, &mut store, &initial, Some(&id), &at_max, 0, &config).unwrap();
    assert_eq!(plaintext, b"hi");
}

#[test]
fn a_blob_above_the_maximum_is_too_large_before_any_other_check() {
    let p = pair("sealed limit", Variant::Full, &SessionConfig::default());
    let key = [3u8; 32];
    for blob in [
        p.a.session.seal(&mut rng("a"), &key, b"").unwrap(),
        p.store.seal(&mut rng("b"), &key, b"").unwrap(),
        p.alice.seal(&mut rng("c"), &key, b"").unwrap(),
    ] {
        // The genuine blob padded past the maximum: refused for its length, whatever the type.
        let mut long = blob.clone();
        long.resize(MAX_SEALED_LEN + 1, 0);
        let codes = [
            Session::open(&long, &key, b"", None)
                .err()
                .map(|e| e.code()),
            PrekeyStore::open(&long, &key, b"", None)
                .err()
                .map(|e| e.code()),
            IdentityKeyPair::open(&long, &key, b"")
                .err()
                .map(|e| e.code()),
        ];
        assert_eq!(codes, [Some(ErrorCode::TooLarge); 3]);
        // At exactly the maximum the length is not the problem: the tag is.
        long.truncate(MAX_SEALED_LEN);
        let at_max = match blob[3] {
            0x11 => Session::open(&long, &key, b"", None)
                .err()
                .map(|e| e.code()),
            0x13 => PrekeyStore::open(&long, &key, b"", None)
                .err()
                .map(|e| e.code()),
            _ => IdentityKeyPair::open(&long, &key, b"")
                .err()
                .map(|e| e.code()),
        };
        assert_eq!(at_max, Some(ErrorCode::AuthFailed));
    }
}

/// Too much associated data is refused before the message is decoded: a malformed message
/// with it is `TOO_LARGE`, not a decode error.
#[test]
fn associated_data_is_checked_before_the_message() {
    let config = SessionConfig::default();
    let mut p = pair("associated data first", Variant::Full, &config);
    let over = vec![0u8; MAX_ASSOCIATED_DATA_LEN + 1];
    let garbage = [0xFFu8; 7];
    // Without the associated data, a decode error; with it, TOO_LARGE first.
    let decode_error = p.b.session.decrypt(&garbage, b"").unwrap_err().code();
    assert_ne!(decode_error, ErrorCode::TooLarge);
    assert_eq!(
        p.b.session.decrypt(&garbage, &over).unwrap_err().code(),
        ErrorCode::TooLarge
    );
    let id = p.alice.public().to_bytes();
    let accept = |ad: &[u8], store: &mut PrekeyStore| {
        Session::accept(&p.bob, store, &garbage, Some(&id), ad, 0, &config)
            .unwrap_err()
            .code()
    };
    assert_ne!(accept(b"", &mut p.store), ErrorCode::TooLarge);
    assert_eq!(accept(&over, &mut p.store), ErrorCode::TooLarge);
}

/// Upper bounds of the plaintexts of docs/PROTOCOL.md 10.3 and 10.5, field by field, each
/// list at its maximum (for a session more than can occur together: a pending prefix exists
/// only before the first reply, and a responder holds a decoded key and at most one
/// ciphertext), and the blob lengths `MAX_SEALED_LEN`'s documentation quotes: every blob this
/// revision can write opens.
#[test]
fn the_largest_sealed_states_fit_below_the_maximum() {
    let session_head = 8 + 1 + 32 + 32 + 32 + 8 + 32;
    let prefix = 1 + 4 + MAX_HANDSHAKE_PREFIX_LEN;
    let ratchet = 32
        + (1 + 32)
        + (1 + 32 + 4 + 4 + 1)
        + (1 + 32 + 32 + 4)
        + (4 + MAX_SKIPPED_KEYS * 68)
        + (4 + MAX_RETIRED_RATCHET_KEYS * 32)
        + (1 + MAX_MESSAGE_DIGESTS * 20);
    let pq_common = 4 + 4 + 8 + 4 + 4 + 4 + 1;
    let initiator = 4 + 4 + 1 + (1 + 2 * (4 + 64)) + (1 + 32 * (2 + PQ_CHUNK_LEN)) + (1 + 4 + 32);
    let responder = 4
        + (1 + (PQ_KEY_OBJECT_CHUNKS - 1) * (2 + PQ_CHUNK_LEN))
        + (1 + 4 + 1184)
        + (1 + 2 * (4 + 32 + 1088 + 32 + 4));
    let session =
        session_head + prefix + ratchet + pq_common + initiator.max(responder) + 4 + 8 + 8;
    assert_eq!(session + SEALED_OVERHEAD, 218_748);

    let record = 4 + 32 + 4 + 64 + 8;
    let store = 8
        + 32
        + record
        + (1 + record + 8)
        + 16
        + (4 + MAX_ONE_TIME_PREKEYS * 36)
        + (4 + MAX_ONE_TIME_PREKEYS * 68)
        + (4 + 2 * MAX_REPLAY_CACHE * 20);
    assert_eq!(store + SEALED_OVERHEAD, 268_194);
    assert!(session.max(store) + SEALED_OVERHEAD < MAX_SEALED_LEN / 2);

    // A store with full one-time lists, measured, is within the bound and opens.
    let mut r = rng("full store");
    let bob = IdentityKeyPair::generate(&mut r).unwrap();
    let mut full = PrekeyStore::generate(&mut r, &bob, 0).unwrap();
    for _ in 0..MAX_ONE_TIME_PREKEYS / 500 {
        full.upload(&mut r, &bob, 500, 500).unwrap();
    }
    let blob = full.seal(&mut r, &[9; 32], b"").unwrap();
    assert!(blob.len() <= store + SEALED_OVERHEAD, "{}", blob.len());
    assert!(blob.len() > SEALED_OVERHEAD + MAX_ONE_TIME_PREKEYS * (36 + 68));
    PrekeyStore::open(&blob, &[9; 32], b"", None).unwrap();
}
