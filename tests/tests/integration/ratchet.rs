//! The ratchet's promises (docs/PROTOCOL.md section 6): random conversations over a hostile
//! network, transactional decrypt, forward secrecy, classical and post-quantum
//! post-compromise security, the limits, and save/load.

use std::collections::HashSet;

use proptest::prelude::*;
use twofold_core::consts::{
    MAX_FORWARD_JUMP, MAX_RECEIVING_CHAINS, MAX_SKIPPED_KEYS, MAX_SKIPPED_KEYS_PER_CHAIN,
};
use twofold_core::trace::{Direction, TraceEvent};
use twofold_core::{DecryptError, PqPolicy, Session, SessionConfig, hazmat};
use twofold_tests::scenario::{Conversation, Event, Side};
use twofold_tests::{Pair, Traced, Variant, flip, pair, sweep_bits};

const NO_PQ: PqPolicy = PqPolicy::Interval {
    messages: u32::MAX,
    seconds: u64::MAX,
};

fn config(policy: PqPolicy) -> SessionConfig {
    SessionConfig::with_pq_policy(policy)
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

fn policy() -> impl Strategy<Value = PqPolicy> {
    prop_oneof![
        Just(PqPolicy::EveryStep),
        (1u32..4).prop_map(|messages| PqPolicy::Interval {
            messages,
            seconds: 3600
        }),
        Just(NO_PQ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    /// Random interleavings, drops, reorders, duplicates, tampering and save/load: every
    /// delivered message decrypts exactly once, duplicates and forgeries are rejected without
    /// changing state, and both sides stay in sync.
    #[test]
    fn random_conversations_stay_correct(seed in any::<u64>(), policy in policy(), events in proptest::collection::vec(event(), 1..120)) {
        let mut c = Conversation::new(&format!("conversation {seed}"), policy);
        for e in &events {
            c.apply(e);
        }
        c.settle();
    }
}

/// Every bit of a normal message, and a sweep of a PQ message: each change is rejected and
/// the session is byte-identical afterwards; the genuine message then still decrypts.
#[test]
fn any_changed_bit_is_rejected_and_changes_nothing() {
    for (policy, stride) in [(NO_PQ, 1), (PqPolicy::EveryStep, 5)] {
        let mut p = pair("bit flips", Variant::Full, &config(policy));
        let ad = b"ad";
        let m0 = p.b.encrypt(&mut p.rng, 1, b"zero", ad).unwrap();
        p.a.decrypt(&m0, ad).unwrap();
        let m =
            p.b.encrypt(&mut p.rng, 2, b"a message of some length", ad)
                .unwrap();
        let before = p.a.state_bytes();
        let bits: Vec<usize> = if stride == 1 {
            (0..m.len() * 8).collect()
        } else {
            sweep_bits(m.len(), stride)
        };
        for bit in bits {
            let r = p.a.decrypt(&flip(&m, bit), ad);
            assert!(r.is_err(), "bit {bit} of {} accepted", m.len());
            assert_eq!(before, p.a.state_bytes(), "bit {bit} changed the session");
        }
        assert_eq!(p.a.decrypt(&m, ad).unwrap(), b"a message of some length");
    }
}

#[test]
fn every_earlier_message_replayed_is_a_duplicate() {
    let mut p = pair("replays", Variant::Full, &config(PqPolicy::EveryStep));
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
    let mut p = pair(
        "no reuse",
        Variant::Full,
        &config(PqPolicy::Interval {
            messages: 2,
            seconds: 60,
        }),
    );
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
    let mut p = pair(
        "forward secrecy",
        Variant::Full,
        &config(PqPolicy::EveryStep),
    );
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
                aead_key,
                chain_key,
                ..
            } => {
                past.extend([message_key, aead_key, chain_key]);
            }
            TraceEvent::RootStep {
                root_in, chain_key, ..
            } => past.extend([root_in, chain_key]),
            TraceEvent::KemDecapsulated { secret, .. } => past.push(secret),
            _ => {}
        }
    }
    let key = [9; 32];
    let snapshot_blob = p.a.seal(&mut p.rng, &key).unwrap();
    let mut snapshot = Session::open(&snapshot_blob, &key).unwrap();
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

/// An attacker following the root chain from a compromised state, with what he knows.
struct Attacker {
    /// X25519 secrets he holds (those of the compromised states; in the quantum model, all).
    x25519: Vec<[u8; 32]>,
    /// Every ratchet public key (they are sent in clear).
    publics: Vec<[u8; 32]>,
    /// ML-KEM seeds he holds (those of the compromised states).
    kem_seeds: Vec<[u8; 64]>,
    /// Whether he is also given every KEM shared secret: the model of a ratchet that does not
    /// mix the KEM secret in, where the KEM protects nothing.
    knows_kem_secrets: bool,
}

/// What the attacker managed.
struct Outcome {
    /// Root steps he followed before losing the chain.
    followed: usize,
    /// Root steps in the conversation.
    total: usize,
    /// Message keys after that point (the attacker derives his best guess for each).
    after_heal: usize,
    /// Of those, keys his guess got right.
    leaked_after_heal: usize,
}

impl Attacker {
    /// Replays the sending-side events (one root step per new chain) in order. While he holds
    /// everything a step needs he computes it (and the test checks he gets the real value);
    /// from the first step he cannot compute, he can only guess.
    fn follow(&self, root: [u8; 32], events: &[TraceEvent]) -> Outcome {
        let mut known = true;
        let mut guess = root;
        let mut last_ct: Option<Vec<u8>> = None;
        let mut out = Outcome {
            followed: 0,
            total: 0,
            after_heal: 0,
            leaked_after_heal: 0,
        };
        let mut chains: Vec<([u8; 32], [u8; 32])> = Vec::new(); // (real ck, attacker's ck)
        for e in events {
            match e {
                TraceEvent::KemEncapsulated { ciphertext, .. } => {
                    last_ct = Some(ciphertext.clone())
                }
                TraceEvent::RootStep {
                    direction: Direction::Sending,
                    root_in,
                    dh: _,
                    kem_secret,
                    root_out,
                    chain_key,
                } => {
                    out.total += 1;
                    // Every DH output he can compute from a secret he holds and a public key,
                    // and every KEM secret he can obtain (decapsulating with the seeds he
                    // holds), plus all-zero guesses. He follows the step if any combination
                    // reproduces it; the checks below compare with the real values.
                    let mut dhs: Vec<[u8; 32]> = vec![[0; 32]];
                    for secret in &self.x25519 {
                        for public in &self.publics {
                            if let Some(d) = hazmat::x25519(secret, public) {
                                dhs.push(d);
                            }
                        }
                    }
                    let mut kems: Vec<Option<[u8; 32]>> = vec![None, Some([0; 32])];
                    if let Some(ct) = &last_ct {
                        let ct: [u8; twofold_core::KEM_CIPHERTEXT_LEN] =
                            ct.clone().try_into().unwrap();
                        kems.extend(
                            self.kem_seeds
                                .iter()
                                .map(|seed| Some(hazmat::kem_decapsulate(seed, &ct))),
                        );
                    }
                    if self.knows_kem_secrets {
                        kems.push(*kem_secret);
                    }
                    last_ct = None;
                    let hit = known
                        .then(|| {
                            dhs.iter().find_map(|d| {
                                kems.iter().find_map(|k| {
                                    let (next, ck) = hazmat::root_step(&guess, d, k.as_ref());
                                    (next == *root_out && ck == *chain_key).then_some((next, ck))
                                })
                            })
                        })
                        .flatten();
                    match hit {
                        Some((next, ck)) => {
                            assert_eq!(guess, *root_in, "root chain continuity");
                            guess = next;
                            out.followed += 1;
                            chains.push((*chain_key, ck));
                        }
                        None => {
                            // His best guess from here on (it cannot match: checked).
                            let (next, ck) = hazmat::root_step(&guess, &dhs[dhs.len() - 1], None);
                            assert_ne!(ck, *chain_key);
                            known = false;
                            guess = next;
                            chains.push((*chain_key, ck));
                        }
                    }
                }
                TraceEvent::MessageKey {
                    direction: Direction::Sending,
                    chain_key,
                    message_key,
                    ..
                } => {
                    // He walks his version of each chain forward.
                    if let Some(pos) = chains.iter().position(|(real, _)| real == chain_key) {
                        let (real, mine) = chains[pos];
                        let (mine_next, mk) = hazmat::chain_step(&mine);
                        if known {
                            assert_eq!(mk, *message_key);
                        } else {
                            out.after_heal += 1;
                            if mk == *message_key {
                                out.leaked_after_heal += 1;
                            }
                        }
                        let (real_next, _) = hazmat::chain_step(&real);
                        chains[pos] = (real_next, mine_next);
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// What an attacker learns from a compromise of both states at a synchronised point.
struct Compromise {
    /// The root key at the compromise.
    root: [u8; 32],
    /// Every event after the compromise, in order.
    events: Vec<TraceEvent>,
    /// X25519 secrets generated before the compromise (a superset of the states' own).
    x25519_before: Vec<[u8; 32]>,
    /// X25519 secrets generated after it (the fresh randomness).
    x25519_after: Vec<[u8; 32]>,
    /// Every ratchet public key.
    publics: Vec<[u8; 32]>,
    /// ML-KEM seeds generated before the compromise.
    kem_seeds: Vec<[u8; 64]>,
}

fn conversation_after_compromise(p: &mut Pair, rounds: u64) -> Compromise {
    let mut before = p.a.take_trace();
    before.extend(p.b.take_trace());
    for t in 0..2 {
        let m = p.a.encrypt(&mut p.rng, t, b"warm", b"").unwrap();
        p.b.decrypt(&m, b"").unwrap();
        let r = p.b.encrypt(&mut p.rng, t, b"warm", b"").unwrap();
        p.a.decrypt(&r, b"").unwrap();
    }
    before.extend(p.a.take_trace());
    before.extend(p.b.take_trace());
    // Both sides are in step: Alice has processed Bob's latest chain.
    assert_eq!(p.a.root_key(), p.b.root_key());
    let root = p.a.root_key();
    let mut events = Vec::new();
    for t in 10..10 + rounds {
        let m = p.a.encrypt(&mut p.rng, t, b"after", b"").unwrap();
        events.extend(p.a.take_trace());
        p.b.decrypt(&m, b"").unwrap();
        events.extend(p.b.take_trace());
        let r = p.b.encrypt(&mut p.rng, t, b"after", b"").unwrap();
        events.extend(p.b.take_trace());
        p.a.decrypt(&r, b"").unwrap();
        events.extend(p.a.take_trace());
    }
    let mut c = Compromise {
        root,
        events: Vec::new(),
        x25519_before: Vec::new(),
        x25519_after: Vec::new(),
        publics: Vec::new(),
        kem_seeds: Vec::new(),
    };
    for e in &before {
        match e {
            TraceEvent::RatchetKeyGenerated { secret, public } => {
                c.x25519_before.push(*secret);
                c.publics.push(*public);
            }
            TraceEvent::KemKeyGenerated { seed, .. } => {
                c.kem_seeds.push(seed.clone().try_into().unwrap())
            }
            _ => {}
        }
    }
    for e in &events {
        if let TraceEvent::RatchetKeyGenerated { secret, public } = e {
            c.x25519_after.push(*secret);
            c.publics.push(*public);
        }
    }
    c.events = events;
    c
}

/// Post-compromise security against a quantum attacker: he holds both states at the
/// compromise *and every X25519 secret ever used*. Only the KEM step can heal, and it does
/// after one PQ round trip. Given the KEM secrets too (the model of a ratchet that does not
/// mix them in), he follows the conversation to the end: the healing is the KEM's alone.
#[test]
fn post_compromise_security_post_quantum() {
    let mut p = pair("pcs pq", Variant::Full, &config(PqPolicy::EveryStep));
    let c = conversation_after_compromise(&mut p, 3);
    let all: Vec<[u8; 32]> = c
        .x25519_before
        .iter()
        .chain(&c.x25519_after)
        .copied()
        .collect();
    let quantum = Attacker {
        x25519: all.clone(),
        publics: c.publics.clone(),
        kem_seeds: c.kem_seeds.clone(),
        knows_kem_secrets: false,
    };
    let o = quantum.follow(c.root, &c.events);
    // Alice's first new chain encapsulates to Bob's pre-compromise offer: followed. Bob's
    // reply encapsulates to Alice's fresh offer: the attacker loses the chain there.
    assert_eq!(o.followed, 1, "healing must come after one PQ round trip");
    assert_eq!(o.total, 6);
    assert!(o.after_heal >= 5);
    assert_eq!(o.leaked_after_heal, 0);
    // Without the KEM secret's protection the same attacker follows everything: this is the
    // check that fails if the KEM secret is not mixed into the root key.
    let no_kem = Attacker {
        x25519: all,
        publics: c.publics,
        kem_seeds: c.kem_seeds,
        knows_kem_secrets: true,
    };
    let o = no_kem.follow(c.root, &c.events);
    assert_eq!(o.followed, o.total);
    assert_eq!(o.after_heal, 0);
}

/// Classical post-compromise security: the attacker holds both states at the compromise but
/// not the randomness drawn later. One DH round trip heals, with no PQ step at all.
#[test]
fn post_compromise_security_classical() {
    let mut p = pair("pcs classical", Variant::Full, &config(NO_PQ));
    let key = [3; 32];
    let m0 = p.a.encrypt(&mut p.rng, 0, b"w", b"").unwrap();
    p.b.decrypt(&m0, b"").unwrap();
    let r0 = p.b.encrypt(&mut p.rng, 0, b"w", b"").unwrap();
    p.a.decrypt(&r0, b"").unwrap();
    // The compromised states: sealed copies of both sessions.
    let mut stolen_a = Session::open(&p.a.seal(&mut p.rng, &key).unwrap(), &key).unwrap();
    let mut stolen_b = Session::open(&p.b.seal(&mut p.rng, &key).unwrap(), &key).unwrap();
    let m1 = p.a.encrypt(&mut p.rng, 1, b"m1", b"").unwrap();
    // Before the round trip completes, the stolen state still reads Alice's new message.
    assert_eq!(stolen_b.decrypt(&m1, b"").unwrap(), b"m1");
    p.b.decrypt(&m1, b"").unwrap();
    let r1 = p.b.encrypt(&mut p.rng, 1, b"r1", b"").unwrap();
    p.a.decrypt(&r1, b"").unwrap();
    let m2 = p.a.encrypt(&mut p.rng, 2, b"m2", b"").unwrap();
    p.b.decrypt(&m2, b"").unwrap();
    let r2 = p.b.encrypt(&mut p.rng, 2, b"r2", b"").unwrap();
    p.a.decrypt(&r2, b"").unwrap();
    // After it, neither stolen copy reads anything new.
    assert_eq!(stolen_a.decrypt(&r1, b""), Err(DecryptError::AuthFailed));
    assert_eq!(stolen_a.decrypt(&r2, b""), Err(DecryptError::AuthFailed));
    assert_eq!(stolen_b.decrypt(&m2, b""), Err(DecryptError::AuthFailed));

    // The same in the key schedule: holding the compromised secrets, the attacker follows the
    // first step (Alice's fresh key against Bob's known one) and loses the chain at the second
    // (both keys fresh). With every X25519 secret (a quantum attacker) and no PQ step, nothing
    // heals: that is what the KEM ratchet is for.
    let mut q = pair("pcs classical schedule", Variant::Full, &config(NO_PQ));
    let c = conversation_after_compromise(&mut q, 3);
    let classical = Attacker {
        x25519: c.x25519_before.clone(),
        publics: c.publics.clone(),
        kem_seeds: vec![],
        knows_kem_secrets: false,
    };
    let o = classical.follow(c.root, &c.events);
    assert_eq!(o.followed, 1);
    assert_eq!(o.total, 6);
    assert!(o.after_heal >= 5);
    assert_eq!(o.leaked_after_heal, 0);
    let quantum = Attacker {
        x25519: c
            .x25519_before
            .iter()
            .chain(&c.x25519_after)
            .copied()
            .collect(),
        publics: c.publics,
        kem_seeds: vec![],
        knows_kem_secrets: false,
    };
    assert_eq!(quantum.follow(c.root, &c.events).followed, 6);
}

#[test]
fn forward_jump_limit_holds_exactly() {
    let mut p = pair("jump", Variant::Full, &config(NO_PQ));
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
    let mut p = pair("flood", Variant::Full, &config(NO_PQ));
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
    let mut q = pair("per chain", Variant::Full, &config(NO_PQ));
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
    let mut p = pair("pn", Variant::Full, &config(NO_PQ));
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
    let mut p = pair(
        "save load",
        Variant::Full,
        &config(PqPolicy::Interval {
            messages: 2,
            seconds: 100,
        }),
    );
    let key = [1; 32];
    for step in 0..24u64 {
        for who in [Side::Alice, Side::Bob] {
            let s = if who == Side::Alice {
                &mut p.a
            } else {
                &mut p.b
            };
            let blob = s.seal(&mut p.rng, &key).unwrap();
            let mut reopened = Session::open(&blob, &key).unwrap();
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
            *s = Traced::new(Session::open(&blob, &key).unwrap());
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
    let mut p = pair("skipped forgery", Variant::Full, &config(NO_PQ));
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
    let mut p = pair("low order ratchet", Variant::Full, &config(NO_PQ));
    let r = p.b.encrypt(&mut p.rng, 0, b"r", b"").unwrap();
    let mut bad = r.clone();
    bad[4..36].fill(0);
    let before = p.a.state_bytes();
    assert_eq!(p.a.decrypt(&bad, b""), Err(DecryptError::NonContributory));
    assert_eq!(before, p.a.state_bytes());
    // Another session's initial message at Bob's session.
    let q = pair("other session", Variant::Full, &config(NO_PQ));
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
    let (bob, mut store) = twofold_tests::responder(&mut rng, Variant::Full);
    let bundle =
        twofold_core::VerifiedBundle::from_bytes(&store.bundle(&mut rng, &bob).unwrap()).unwrap();
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
    let (mut b, p2) = Session::accept(&bob, &mut store, &m2, b"", 0, &c).unwrap();
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

/// The PQ policy: EveryStep steps on every new chain; Interval after N messages or T seconds.
#[test]
fn pq_policy_decides_when_steps_happen() {
    let mut p = pair(
        "policy",
        Variant::Full,
        &config(PqPolicy::Interval {
            messages: 3,
            seconds: 1000,
        }),
    );
    let mut t = 0;
    let mut epochs = Vec::new();
    for _ in 0..8 {
        t += 10;
        let m = p.a.encrypt(&mut p.rng, t, b"a", b"").unwrap();
        p.b.decrypt(&m, b"").unwrap();
        let r = p.b.encrypt(&mut p.rng, t, b"b", b"").unwrap();
        p.a.decrypt(&r, b"").unwrap();
        epochs.push(p.a.info().pq_epoch);
    }
    // Three messages per side between steps: the epoch moves, but not every round.
    assert!(epochs.last().unwrap() >= &2);
    assert!(epochs.windows(2).any(|w| w[0] == w[1]));
    // Time alone triggers a step.
    let mut q = pair(
        "policy time",
        Variant::Full,
        &config(PqPolicy::Interval {
            messages: 1000,
            seconds: 100,
        }),
    );
    assert!(!q.b.pq_step_due(50));
    assert!(q.b.pq_step_due(100));
    let r = q.b.encrypt(&mut q.rng, 100, b"late", b"").unwrap();
    assert!(
        r.len() > twofold_core::KEM_PUBLIC_KEY_LEN,
        "the step offers a KEM key"
    );
    assert!(q.b.info().pq_offer_pending);
}

/// An RNG failure in the middle of a DH + PQ step is an error and leaves the session as it
/// was; the same call with a working RNG then succeeds.
#[test]
fn rng_failure_changes_nothing() {
    let mut p = pair("rng failure", Variant::Full, &config(PqPolicy::EveryStep));
    let r = p.b.encrypt(&mut p.rng, 0, b"r", b"").unwrap();
    p.a.decrypt(&r, b"").unwrap();
    // Alice's next message needs 32 (ratchet key) + 32 (encapsulation) + 64 (KEM seed) bytes.
    for budget in [0, 31, 32, 63, 64, 127] {
        let before = p.a.state_bytes();
        let mut failing = twofold_tests::FailingRng::new("failing", budget);
        assert_eq!(
            p.a.encrypt(&mut failing, 1, b"m", b""),
            Err(twofold_core::EncryptError::RngFailed),
            "budget {budget}"
        );
        assert_eq!(before, p.a.state_bytes());
    }
    let m = p.a.encrypt(&mut p.rng, 1, b"m", b"").unwrap();
    assert_eq!(p.b.decrypt(&m, b"").unwrap(), b"m");
}

/// What a server can read from a message, through `describe_message`.
#[test]
fn describe_message_reads_the_public_header() {
    let mut p = pair("describe", Variant::Full, &config(PqPolicy::EveryStep));
    let d = twofold_core::describe_message(&p.initial).unwrap();
    assert_eq!(d.kind, twofold_core::MessageKind::Initial);
    let h = d.handshake.unwrap();
    assert_eq!(h.signed_prekey_id, 1);
    assert_eq!(h.one_time_prekey_id, Some(1));
    assert_eq!(h.kem_prekey, twofold_core::KemPrekeyUsed::OneTime(1));
    assert_eq!(d.index, 0);
    assert_eq!(
        d.kem_offer,
        Some(1),
        "every-step: the first chain offers a KEM key"
    );
    assert!(p.b.info().new_chain_next);
    let r = p.b.encrypt(&mut p.rng, 0, b"12345", b"").unwrap();
    assert!(!p.b.info().new_chain_next);
    let d = twofold_core::describe_message(&r).unwrap();
    assert_eq!(d.kind, twofold_core::MessageKind::Ratchet);
    assert!(d.handshake.is_none());
    assert_eq!(d.kem_ciphertext_for, Some(1));
    assert_eq!(d.kem_offer, Some(1));
    assert_eq!(d.ciphertext_len, 5 + twofold_core::AEAD_TAG_LEN);
    assert!(twofold_core::describe_message(&r[..40]).is_err());
}

/// An interval of zero messages behaves as every-step, including for the first chain.
#[test]
fn zero_interval_policy_is_every_step() {
    let p = pair(
        "zero interval",
        Variant::Full,
        &config(PqPolicy::Interval {
            messages: 0,
            seconds: 3600,
        }),
    );
    assert_eq!(
        twofold_core::describe_message(&p.initial)
            .unwrap()
            .kem_offer,
        Some(1)
    );
    let q = pair("default offer", Variant::Full, &config(PqPolicy::default()));
    assert_eq!(
        twofold_core::describe_message(&q.initial)
            .unwrap()
            .kem_offer,
        None
    );
}

/// A ciphertext longer than the plaintext limit allows is refused before any work.
#[test]
fn oversized_ciphertexts_are_refused() {
    let mut p = pair("oversized", Variant::Full, &config(NO_PQ));
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
    let mut p = pair("peer confirmed", Variant::LastResortOnly, &config(NO_PQ));
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
