//! Unit tests of the prekey store's limits (the handshake paths are tested in `tests/`).

use super::*;
use crate::consts::MAX_ONE_TIME_PREKEYS;
use crate::error::DecodeError;
use crate::wire::Reader;
use chacha20::ChaCha20Rng;
use rand_core::SeedableRng;

#[test]
fn a_full_pool_drops_its_oldest_keys() {
    let mut rng = ChaCha20Rng::from_seed([10; 32]);
    let id = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &id, 0).unwrap();
    store.upload(&mut rng, &id, 500, 2).unwrap();
    store.upload(&mut rng, &id, 500, 0).unwrap();
    store.upload(&mut rng, &id, 200, 0).unwrap();
    let info = store.info();
    // No batch exceeds half the store, so the two newest (ids 501..=1200) are whole.
    assert_eq!(info.one_time_held, MAX_ONE_TIME_PREKEYS);
    assert_eq!(info.one_time_kem_held, 2);
    assert_eq!(info.next_batch_id, 4);
    // Ids 1..=200 (the oldest of the first batch) made room; 201 is the oldest left.
    assert_eq!(
        store.one_time.find(200).err(),
        Some(AcceptError::PrekeyAlreadyUsed {
            kind: PrekeyKind::OneTimePrekey,
            id: 200
        })
    );
    assert!(store.one_time.find(201).is_ok());
    assert!(store.one_time.find(1200).is_ok());
    assert!(store.one_time_kem.find(2).is_ok());
}

#[test]
fn an_oversized_batch_or_a_stranger_changes_nothing() {
    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    let id = IdentityKeyPair::generate(&mut rng).unwrap();
    let other = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &id, 0).unwrap();
    store.upload(&mut rng, &id, 2, 2).unwrap();
    let before = store.state_bytes();
    assert_eq!(
        store.upload(&mut rng, &id, MAX_BATCH_LEAVES + 1, 0),
        Err(PrekeyError::LimitExceeded)
    );
    assert_eq!(
        store.upload(&mut rng, &id, 0, MAX_BATCH_LEAVES + 1),
        Err(PrekeyError::LimitExceeded)
    );
    assert_eq!(
        store.upload(&mut rng, &other, 1, 1),
        Err(PrekeyError::IdentityMismatch)
    );
    assert_eq!(
        store.rotate_signed_prekeys(&mut rng, &other, 5),
        Err(PrekeyError::IdentityMismatch)
    );
    assert_eq!(before, store.state_bytes());
}

#[test]
fn the_state_round_trips_and_refuses_unordered_ids() {
    let mut rng = ChaCha20Rng::from_seed([8; 32]);
    let id = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &id, 7).unwrap();
    store.upload(&mut rng, &id, 3, 1).unwrap();
    store.rotate_signed_prekeys(&mut rng, &id, 9).unwrap();
    let bytes = store.state_bytes();
    let decoded = PrekeyStore::decode_state(&mut Reader::new(&bytes)).unwrap();
    assert_eq!(decoded.state_bytes(), bytes);
    assert_eq!(decoded.info(), store.info());
    // The first one-time X25519 entry's id (after generation, owner, two signed pairs and four
    // counters) rewritten to the second's: not ascending.
    let signed = 4 + 32 + 4 + 64 + 8;
    let first = 8 + 32 + signed + 1 + signed + 8 + 16 + 4;
    let mut tampered = bytes.clone();
    tampered[first..first + 4].copy_from_slice(&2u32.to_be_bytes());
    assert!(matches!(
        PrekeyStore::decode_state(&mut Reader::new(&tampered)),
        Err(DecodeError::InvalidEncoding { .. })
    ));
}

#[test]
fn the_decoder_refuses_unreachable_signed_ids_and_replay_entries() {
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let id = IdentityKeyPair::generate(&mut rng).unwrap();
    let store = PrekeyStore::generate(&mut rng, &id, 7).unwrap();
    let bytes = store.state_bytes();
    let signed = 4 + 32 + 4 + 64 + 8;
    // generation, owner, current pair, no previous, then next_signed_id (2): set it to 1 (not
    // above the current id) and to 2 again with the batch counter 0.
    let counters = 8 + 32 + signed + 1;
    let mut v = bytes.clone();
    v[counters..counters + 4].copy_from_slice(&1u32.to_be_bytes());
    assert!(PrekeyStore::decode_state(&mut Reader::new(&v)).is_err());
    let mut v = bytes.clone();
    v[counters + 12..counters + 16].copy_from_slice(&0u32.to_be_bytes());
    assert!(PrekeyStore::decode_state(&mut Reader::new(&v)).is_err());
    // One replay entry for a signed prekey the store does not hold (id 9).
    let mut v = bytes.clone();
    let end = v.len();
    v[end - 4..].copy_from_slice(&1u32.to_be_bytes());
    v.extend_from_slice(&9u32.to_be_bytes());
    v.extend_from_slice(&[0; 16]);
    assert!(PrekeyStore::decode_state(&mut Reader::new(&v)).is_err());
    // The same entry for the live signed prekey (id 1) opens.
    let live = v.len() - 20;
    v[live..live + 4].copy_from_slice(&1u32.to_be_bytes());
    assert!(PrekeyStore::decode_state(&mut Reader::new(&v)).is_ok());
}
