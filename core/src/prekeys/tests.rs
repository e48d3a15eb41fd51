//! Unit tests of the prekey store's limits (the handshake paths are tested in `tests/`).

use super::*;
use crate::consts::MAX_ONE_TIME_PREKEYS;
use chacha20::ChaCha20Rng;
use rand_core::SeedableRng;

#[test]
fn abandoned_issued_prekeys_make_room_for_new_ones() {
    let mut rng = ChaCha20Rng::from_seed([10; 32]);
    let id = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &id, 0, 0).unwrap();
    store
        .add_one_time_prekeys(&mut rng, MAX_ONE_TIME_PREKEYS, 2)
        .unwrap();
    for _ in 0..3 {
        store.bundle(&mut rng, &id).unwrap();
    }
    // Full of X25519 prekeys, three of them issued and abandoned: room for three more.
    store.add_one_time_prekeys(&mut rng, 3, 0).unwrap();
    let info = store.info();
    assert_eq!(
        info.one_time_available + info.one_time_issued,
        MAX_ONE_TIME_PREKEYS
    );
    assert_eq!(info.one_time_issued, 0);
    assert_eq!(
        store.one_time.find(1).err(),
        Some(AcceptError::PrekeyAlreadyUsed {
            kind: PrekeyKind::OneTimePrekey,
            id: 1
        })
    );
    // No issued prekey left to drop: a fourth does not fit.
    let before = store.state_bytes();
    assert_eq!(
        store.add_one_time_prekeys(&mut rng, 1, 0),
        Err(PrekeyError::LimitExceeded)
    );
    assert_eq!(before, store.state_bytes());
}

#[test]
fn one_time_prekey_limit_is_enforced_without_change() {
    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    let id = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &id, 2, 0).unwrap();
    let before = store.state_bytes();
    assert_eq!(
        store.add_one_time_prekeys(&mut rng, MAX_ONE_TIME_PREKEYS - 1, 0),
        Err(PrekeyError::LimitExceeded)
    );
    assert_eq!(before, store.state_bytes());
    assert!(PrekeyStore::generate(&mut rng, &id, MAX_ONE_TIME_PREKEYS + 1, 0).is_err());
}
