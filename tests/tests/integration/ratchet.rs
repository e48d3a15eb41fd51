//! The ratchet's promises (docs/PROTOCOL.md section 6): random conversations over a hostile
//! network, transactional decrypt, forward secrecy, classical and post-quantum
//! post-compromise security, the limits, and save/load.

use std::collections::HashSet;

use proptest::prelude::*;
use twofold_core::consts::{
    MAX_FORWARD_JUMP, MAX_RECEIVING_CHAINS, MAX_SKIPPED_KEYS, MAX_SKIPPED_KEYS_PER_CHAIN,
};
use twofold_core::trace::{Direction, TraceEvent};
use twofold_core::{DecryptError, Session, SessionConfig};
use twofold_tests::scenario::{Conversation, Event, Side};
use twofold_tests::{Traced, Variant, flip, pair};

fn config() -> SessionConfig {
    SessionConfig::default()
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Alice), Just(Side::Bob)]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        6 => (side(), any::<u8>()).prop_map(|(from, len)| Event::Send { from, len }),
        6 => (side(), any::<u16>()).prop_map(|(to, pick)| Event::Deliver { to, pick }),
        1 => (side(), any::<u16>()).prop_map(|(to, pick)| Event::Replay { to, pick }),
        1 => (side(), any::<u16>()).prop_map(|(to, pick)| Event::Drop { to, pick }),
        1 => (side(), any::<u16>(), any::<u32>()).prop_map(|(to, pick, bit)| Event::Tamper { to, pick, bit }),
        1 => side().prop_map(|who| Event::SaveLoad { who }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    /// Random interleavings, drops, reorders, duplicates, tampering and save/load: every
    /// delivered message decrypts exactly once, duplicates and forgeries are rejected without
    /// changing state, and both sides stay in sync.
    #[test]
    fn random_conversations_stay_correct(seed in any::<u64>(), events in proptest::collection::vec(event(), 1..120)) {
        let mut c = Conversation::new(&format!("conversation {seed}"));
        for e in &events {
            c.apply(e);
        }
        c.settle();
    }
}

/// Every bit of a message without a PQ chunk (Bob's, before he has decoded a key) and of one
/// with a chunk (Alice's): each change is rejected and the session is byte-identical
/// afterwards; the genuine message then still decrypts.
#[test]
fn any_changed_bit_is_rejected_and_changes_nothing() {
    let mut p = pair("bit flips", Variant::Full, &config());
    let ad = b"ad";
    let m0 = p.b.encrypt(&mut p.rng, 1, b"zero", ad).unwrap();
    p.a.decrypt(&m0, ad).unwrap();
    let to_a =
        p.b.encrypt(&mut p.rng, 2, b"a message of some length", ad)
            .unwrap();
    let to_b =
        p.a.encrypt(&mut p.rng, 3, b"a reply with a chunk", ad)
            .unwrap();
    assert_eq!(to_a.len(), 44 + 24 + 16);
    assert_eq!(to_b.len(), 44 + 40 + 20 + 16);
    for (receiver, m, plain) in [
        (&mut p.a, &to_a, &b"a message of some length"[..]),
        (&mut p.b, &to_b, &b"a reply with a chunk"[..]),
    ] {
        let before = receiver.state_bytes();
        for bit in 0..m.len() * 8 {
            let r = receiver.decrypt(&flip(m, bit), ad);
            assert!(r.is_err(), "bit {bit} of {} accepted", m.len());
            assert_eq!(
                before,
                receiver.state_bytes(),
                "bit {bit} changed the session"
            );
        }
        assert_eq!(receiver.decrypt(m, ad).unwrap(), plain);
    }
}

#[test]
fn every_earlier_message_replayed_is_a_duplicate() {
    let mut p = pair("replays", Variant::Full, &config());
    let mut to_a = vec![];
    for round in 0..4 {
        for i in 0..3 {
            let m =
                p.b.encrypt(&mut p.rng, round, format!("{round}.{i}").as_bytes(), b"")
                    .unwrap();
            p.a.decrypt(&m, b"").unwrap();
            to_a.push(m);
        }
        let r = p.a.encrypt(&mut p.rng, round, b"r", b"").unwrap();
        p.b.decrypt(&r, b"").unwrap();
    }
    // The initial message again, at Bob's session.
    let before = p.b.state_bytes();
    assert_eq!(
        p.b.decrypt(&p.initial, b""),
        Err(DecryptError::DuplicateMessage)
    );
    assert_eq!(before, p.b.state_bytes());
    let before = p.a.state_bytes();
    for m in &to_a {
        assert_eq!(p.a.decrypt(m, b""), Err(DecryptError::DuplicateMessage));
    }
    assert_eq!(before, p.a.state_bytes());
}

/// Encrypting never reuses a message key or a (ratchet key, index) pair.
#[test]
fn encrypt_never_reuses_a_key() {
    let mut p = pair("no reuse", Variant::Full, &config());
    let mut keys = HashSet::new();
    let mut positions = HashSet::new();
    for i in 0..60u64 {
        let (s, r) = if i % 3 == 0 {
            (&mut p.a, &mut p.b)
        } else {
            (&mut p.b, &mut p.a)
        };
        let m = s.encrypt(&mut p.rng, i * 7, b"x", b"").unwrap();
        r.decrypt(&m, b"").unwrap();
        for e in s.take_trace() {
            if let TraceEvent::MessageKey {
                direction: Direction::Sending,
                ratchet_key,
                index,
                message_key,
                ..
            } = e
            {
                assert!(keys.insert(message_key), "message key reused");
                assert!(positions.insert((ratchet_key, index)), "position reused");
            }
        }
    }
    assert_eq!(keys.len(), 60 + 1);
}

/// Forward secrecy: a snapshot taken after messages were received cannot decrypt them, and
/// holds none of their keys.
#[test]
fn snapshots_cannot_decrypt_messages_already_received() {
    let mut p = pair("forward secrecy", Variant::Full, &config());
    let _ = p.a.take_trace();
    let msgs: Vec<Vec<u8>> = (0..3)
        .map(|i| {
            p.b.encrypt(&mut p.rng, 1, format!("m{i}").as_bytes(), b"")
                .unwrap()
        })
        .collect();
    for m in &msgs {
        p.a.decrypt(m, b"").unwrap();
    }
    let mut past = Vec::new();
    for e in p.a.take_trace() {
        match e {
            TraceEvent::MessageKey {
                message_key,
                enc_key,
                mac_key,
                chain_key,
                ..
            } => {
                past.extend([message_key, enc_key, mac_key, chain_key]);
            }
            TraceEvent::RootStep {
                root_in, chain_key, ..
            } => past.extend([root_in, chain_key]),
            TraceEvent::PqDecapsulated { shared_secret, .. } => past.push(shared_secret),
            _ => {}
        }
    }
    let key = [9; 32];
    let snapshot_blob = p.a.seal(&mut p.rng, &key, b"").unwrap();
    let mut snapshot = Session::open(&snapshot_blob, &key, b"", None).unwrap();
    let state = snapshot.state_bytes();
    for k in &past {
        assert!(
            !state.windows(32).any(|w| w == k),
            "snapshot still holds a used key"
        );
    }
    for m in &msgs {
        assert_eq!(
            snapshot.decrypt(m, b""),
            Err(DecryptError::DuplicateMessage)
        );
    }
}

#[test]
fn forward_jump_limit_holds_exactly() {
    let mut p = pair("jump", Variant::Full, &config());
    let limit = usize::try_from(MAX_FORWARD_JUMP).unwrap();
    // A gap of exactly MAX_FORWARD_JUMP skipped keys is accepted ...
    let msgs: Vec<Vec<u8>> = (0..=limit)
        .map(|_| p.b.encrypt(&mut p.rng, 0, b"m", b"").unwrap())
        .collect();
    assert_eq!(p.a.decrypt(&msgs[limit], b"").unwrap(), b"m");
    assert_eq!(p.a.info().skipped_keys, limit);
    // ... one more is TOO_FAR_AHEAD, and changes nothing.
    let more: Vec<Vec<u8>> = (0..=limit + 1)
        .map(|_| p.b.encrypt(&mut p.rng, 0, b"n", b"").unwrap())
        .collect();
    let before = p.a.state_bytes();
    assert_eq!(
        p.a.decrypt(&more[limit + 1], b""),
        Err(DecryptError::TooFarAhead {
            jump: u64::from(MAX_FORWARD_JUMP) + 1
        })
    );
    assert_eq!(before, p.a.state_bytes());
    // The skipped keys work, out of order.
    assert_eq!(p.a.decrypt(&msgs[7], b"").unwrap(), b"m");
    assert_eq!(p.a.decrypt(&msgs[0], b"").unwrap(), b"m");
}

/// A flood of skipped messages keeps memory bounded: per chain, in total, and in chains.
#[test]
fn skipped_key_limits_hold_under_a_flood() {
    let mut p = pair("flood", Variant::Full, &config());
    let jump = usize::try_from(MAX_FORWARD_JUMP).unwrap();
    let mut max_state = 0;
    let mut first_of_chain = Vec::new();
    for chain in 0..MAX_RECEIVING_CHAINS + 2 {
        // Bob sends jump + 1 messages; Alice receives only the last: jump keys skipped.
        let mut last = Vec::new();
        for i in 0..=jump {
            let m = p.b.encrypt(&mut p.rng, 0, b"f", b"").unwrap();
            if i == 0 {
                first_of_chain.push(m.clone());
            }
            last = m;
        }
        p.a.decrypt(&last, b"").unwrap();
        let info = p.a.info();
        assert!(info.skipped_keys <= MAX_SKIPPED_KEYS);
        assert!(info.skipped_chains <= MAX_RECEIVING_CHAINS);
        max_state = max_state.max(p.a.state_bytes().len());
        // Alice answers so Bob starts a new chain.
        let r = p.a.encrypt(&mut p.rng, 0, b"r", b"").unwrap();
        p.b.decrypt(&r, b"").unwrap();
        let _ = chain;
    }
    assert_eq!(p.a.info().skipped_keys, MAX_SKIPPED_KEYS);
    // Each skipped entry is 68 bytes; the state stays within the bound plus a fixed part.
    assert!(
        max_state <= MAX_SKIPPED_KEYS * 68 + 16 * 1024,
        "{max_state}"
    );
    // The oldest chains' keys were evicted: their messages are now duplicates (expired);
    // the newest chain's first message still decrypts.
    assert_eq!(
        p.a.decrypt(&first_of_chain[0], b""),
        Err(DecryptError::DuplicateMessage)
    );
    assert_eq!(
        p.a.decrypt(first_of_chain.last().unwrap(), b"").unwrap(),
        b"f"
    );
    // Per-chain bound: a second maximal jump in one chain evicts that chain's oldest keys.
    let mut q = pair("per chain", Variant::Full, &config());
    let all: Vec<Vec<u8>> = (0..=2 * jump + 1)
        .map(|_| q.b.encrypt(&mut q.rng, 0, b"p", b"").unwrap())
        .collect();
    q.a.decrypt(&all[jump], b"").unwrap();
    q.a.decrypt(&all[2 * jump + 1], b"").unwrap();
    assert_eq!(q.a.info().skipped_keys, MAX_SKIPPED_KEYS_PER_CHAIN);
    assert_eq!(
        q.a.decrypt(&all[0], b""),
        Err(DecryptError::DuplicateMessage)
    );
    assert_eq!(q.a.decrypt(&all[2 * jump], b"").unwrap(), b"p");
}

/// A header claiming a previous chain longer than the limit is refused before any work.
#[test]
fn previous_chain_length_is_bounded_too() {
    let mut p = pair("pn", Variant::Full, &config());
    let r = p.b.encrypt(&mut p.rng, 0, b"r", b"").unwrap();
    p.a.decrypt(&r, b"").unwrap();
    let sent = p.a.encrypt(&mut p.rng, 0, b"m", b"").unwrap();
    let (_, inner) = twofold_tests::split_initial(&sent);
    let mut m = inner.to_vec();
    m[36..40].copy_from_slice(&(MAX_FORWARD_JUMP + 10).to_be_bytes());
    let before = p.b.state_bytes();
    assert!(matches!(
        p.b.decrypt(&m, b""),
        Err(DecryptError::TooFarAhead { .. })
    ));
    assert_eq!(before, p.b.state_bytes());
}

/// Saving and loading at any point continues the conversation identically: the live session
/// and one reopened from its blob produce the same message from the same randomness, and the
/// conversation then carries on with a reopened copy (sessions are not `Clone`: the live one
/// is replaced by a second copy opened from the same blob, never forked).
#[test]
fn save_load_continues_identically_at_every_point() {
    let mut p = pair("save load", Variant::Full, &config());
    let key = [1; 32];
    for step in 0..24u64 {
        for who in [Side::Alice, Side::Bob] {
            let s = if who == Side::Alice {
                &mut p.a
            } else {
                &mut p.b
            };
            let blob = s.seal(&mut p.rng, &key, b"").unwrap();
            let mut reopened = Session::open(&blob, &key, b"", None).unwrap();
            assert_eq!(
                reopened.state_bytes(),
                s.state_bytes(),
                "step {step}: sealing loses state"
            );
            let mut r1 = twofold_tests::rng(&format!("same {step}"));
            let mut r2 = twofold_tests::rng(&format!("same {step}"));
            let x = s.encrypt(&mut r1, step, b"probe", b"").unwrap();
            let y = reopened.encrypt(&mut r2, step, b"probe", b"").unwrap();
            assert_eq!(x, y, "step {step}: reopened session diverges");
            // Both copies have used the probe's key: continue from a fresh copy of the blob.
            *s = Traced::new(Session::open(&blob, &key, b"", None).unwrap());
        }
        let (s, r) = if step % 3 == 0 {
            (&mut p.a, &mut p.b)
        } else {
            (&mut p.b, &mut p.a)
        };
        let m = s.encrypt(&mut p.rng, step * 50, b"x", b"").unwrap();
        r.decrypt(&m, b"").unwrap();
    }
}

/// A forged message naming a skipped key takes that key out of the store and must put it
/// back exactly where it was: the state is byte-identical, and every real message still opens.
#[test]
fn a_forged_message_for_a_skipped_key_changes_nothing() {
    let mut p = pair("skipped forgery", Variant::Full, &config());
    let r = p.b.encrypt(&mut p.rng, 0, b"r", b"").unwrap();
    p.a.decrypt(&r, b"").unwrap();
    let m: Vec<Vec<u8>> = (0..4)
        .map(|i| p.b.encrypt(&mut p.rng, 0, &[i], b"").unwrap())
        .collect();
    p.a.decrypt(&m[3], b"").unwrap();
    assert_eq!(p.a.info().skipped_keys, 3);
    let before = p.a.state_bytes();
    let mut forged = m[1].clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert_eq!(p.a.decrypt(&forged, b""), Err(DecryptError::AuthFailed));
    assert_eq!(
        before,
        p.a.state_bytes(),
        "the skipped key is back in its place"
    );
    for (i, msg) in m.iter().enumerate().take(3) {
        assert_eq!(p.a.decrypt(msg, b"").unwrap(), [u8::try_from(i).unwrap()]);
    }
}

#[test]
fn low_order_ratchet_keys_and_foreign_initial_messages_are_rejected() {
    let mut p = pair("low order ratchet", Variant::Full, &config());
    let r = p.b.encrypt(&mut p.rng, 0, b"r", b"").unwrap();
    let mut bad = r.clone();
    bad[4..36].fill(0);
    let before = p.a.state_bytes();
    assert_eq!(p.a.decrypt(&bad, b""), Err(DecryptError::NonContributory));
    assert_eq!(before, p.a.state_bytes());
    // Another session's initial message at Bob's session.
    let q = pair("other session", Variant::Full, &config());
    assert_eq!(
        p.b.decrypt(&q.initial, b""),
        Err(DecryptError::WrongSession)
    );
    // An initial message at the initiator's own session.
    assert_eq!(
        p.a.decrypt(&p.initial, b""),
        Err(DecryptError::WrongSession)
    );
}

/// The initiator keeps sending initial messages until she hears back; the responder accepts
/// whichever arrives first and decrypts the others within the session.
#[test]
fn initial_messages_repeat_until_a_reply_arrives() {
    let mut rng = twofold_tests::rng("repeat");
    let (bob, mut store, bundle) = twofold_tests::responder(&mut rng, Variant::Full);
    let bundle = twofold_core::VerifiedBundle::from_bytes(&bundle).unwrap();
    let alice = twofold_core::IdentityKeyPair::generate(&mut rng).unwrap();
    let c = SessionConfig::default();
    let (mut a, m1) = Session::initiate(&mut rng, &alice, &bundle, b"1", b"", 0, &c).unwrap();
    let m2 = a.encrypt(&mut rng, 0, b"2", b"").unwrap();
    assert_eq!(
        twofold_core::message_kind(&m2).unwrap(),
        twofold_core::MessageKind::Initial
    );
    assert!(a.info().awaiting_reply);
    // m1 is lost; m2 starts the session.
    let alice_id = alice.public().to_bytes();
    let (mut b, p2) = Session::accept(&bob, &mut store, &m2, Some(&alice_id), b"", 0, &c).unwrap();
    assert_eq!(p2, b"2");
    assert_eq!(b.decrypt(&m1, b"").unwrap(), b"1");
    let r = b.encrypt(&mut rng, 0, b"r", b"").unwrap();
    a.decrypt(&r, b"").unwrap();
    assert!(!a.info().awaiting_reply);
    let m3 = a.encrypt(&mut rng, 0, b"3", b"").unwrap();
    assert_eq!(
        twofold_core::message_kind(&m3).unwrap(),
        twofold_core::MessageKind::Ratchet
    );
    assert_eq!(b.decrypt(&m3, b"").unwrap(), b"3");
}

/// An RNG failure in the middle of an `encrypt` that draws (a DH step's ratchet key, the
/// next epoch's ML-KEM seed, an encapsulation's randomness) is an error and leaves the session
/// as it was; the same call with a working RNG then succeeds.
#[test]
fn rng_failure_changes_nothing() {
    let mut p = pair("rng failure", Variant::Full, &config());
    // Every budget short of what the call draws fails, with the session unchanged.
    let fails_unchanged = |s: &mut Traced, budgets: &[usize], who: &str| {
        for &budget in budgets {
            let before = s.state_bytes();
            let mut failing = twofold_tests::FailingRng::new("failing", budget);
            assert_eq!(
                s.encrypt(&mut failing, 1, b"m", b""),
                Err(twofold_core::EncryptError::RngFailed),
                "{who}, budget {budget}"
            );
            assert_eq!(before, s.state_bytes(), "{who}, budget {budget}");
        }
    };
    // Ping-pong until Bob has decoded Alice's key: his next message draws a ratchet key (32)
    // and the encapsulation randomness (32).
    let decoded = (1..=40).any(|t| {
        let r = p.b.encrypt(&mut p.rng, t, b"r", b"").unwrap();
        p.a.decrypt(&r, b"").unwrap();
        let m = p.a.encrypt(&mut p.rng, t, b"m", b"").unwrap();
        p.b.decrypt(&m, b"").unwrap();
        let i = p.b.info();
        i.pq_receiving_epoch == 2 && i.pq_sending_epoch == 0
    });
    assert!(decoded, "Bob decoded the key within 40 rounds");
    fails_unchanged(&mut p.b, &[0, 31, 32, 63], "bob");
    let r = p.b.encrypt(&mut p.rng, 1, b"r", b"").unwrap();
    p.a.decrypt(&r, b"").unwrap();
    assert_eq!(p.a.info().pq_sending_epoch, 1);
    // Alice's next message: 32 (ratchet key) + 64 (the epoch-2 seed).
    fails_unchanged(&mut p.a, &[0, 31, 32, 95], "alice");
    let m = p.a.encrypt(&mut p.rng, 1, b"m", b"").unwrap();
    assert_eq!(p.a.info().pq_sending_epoch, 2);
    assert_eq!(p.b.decrypt(&m, b"").unwrap(), b"m");
}

/// What a server can read from a message, through `describe_message`.
#[test]
fn describe_message_reads_the_public_header() {
    let mut p = pair("describe", Variant::Full, &config());
    let d = twofold_core::describe_message(&p.initial).unwrap();
    assert_eq!(d.kind, twofold_core::MessageKind::Initial);
    let h = d.handshake.unwrap();
    assert_eq!(h.signed_prekey_id, 1);
    assert_eq!(h.one_time_prekey_id, Some(1));
    assert_eq!(h.kem_prekey, twofold_core::KemPrekeyUsed::OneTime(1));
    assert_eq!(d.index, 0);
    let c = d.pq_chunk.unwrap();
    assert_eq!(
        (c.kind, c.epoch, c.index),
        (twofold_core::PqChunkKind::Key, 1, 0),
        "the first message carries chunk 0 of the epoch-1 key"
    );
    assert!(!d.pq_mix);
    assert!(p.b.info().new_chain_next);
    let r = p.b.encrypt(&mut p.rng, 0, b"12345", b"").unwrap();
    assert!(!p.b.info().new_chain_next);
    let d = twofold_core::describe_message(&r).unwrap();
    assert_eq!(d.kind, twofold_core::MessageKind::Ratchet);
    assert!(d.handshake.is_none());
    assert_eq!(d.pq_chunk, None, "Bob has no key to answer yet");
    assert_eq!(d.ciphertext_len, 5 + 16);
    assert!(twofold_core::describe_message(&r[..40]).is_err());
}

/// A ciphertext longer than the plaintext limit allows is refused before any work.
#[test]
fn oversized_ciphertexts_are_refused() {
    let mut p = pair("oversized", Variant::Full, &config());
    let mut m = p.b.encrypt(&mut p.rng, 0, b"x", b"").unwrap();
    m.resize(44 + twofold_core::consts::MAX_PLAINTEXT_LEN + 17, 0);
    assert!(matches!(
        p.a.decrypt(&m, b""),
        Err(DecryptError::Decode(
            twofold_core::DecodeError::TooLarge { .. }
        ))
    ));
}

/// `peer_confirmed`: each side learns the peer answered its ratchet key only from the peer's
/// answering chain, never from more messages of a chain that a replay could have produced.
#[test]
fn peer_confirmed_follows_the_first_answering_chain() {
    let mut p = pair("peer confirmed", Variant::LastResortOnly, &config());
    assert!(!p.a.info().peer_confirmed);
    assert!(!p.b.info().peer_confirmed);
    // More messages on Alice's first chain confirm nothing for Bob.
    let m = p.a.encrypt(&mut p.rng, 0, b"again", b"").unwrap();
    p.b.decrypt(&m, b"").unwrap();
    assert!(!p.b.info().peer_confirmed);
    let r = p.b.encrypt(&mut p.rng, 0, b"reply", b"").unwrap();
    assert!(!p.b.info().peer_confirmed, "sending confirms nothing");
    p.a.decrypt(&r, b"").unwrap();
    assert!(p.a.info().peer_confirmed);
    assert!(!p.b.info().peer_confirmed);
    let m = p.a.encrypt(&mut p.rng, 0, b"answer", b"").unwrap();
    p.b.decrypt(&m, b"").unwrap();
    assert!(p.b.info().peer_confirmed);
}
