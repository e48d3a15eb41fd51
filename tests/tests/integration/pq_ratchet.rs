//! The chunked PQ ratchet's promises (docs/PROTOCOL.md section 6.3, issue 11): post-compromise
//! security against a quantum attacker, with and without control of the network, and the
//! negative control; classical post-compromise security; authenticated and inconsistent
//! chunks; rollback safety; the first epoch starting with the session; bytes per message.

use std::collections::HashMap;

use twofold_core::trace::{Direction, TraceEvent};
use twofold_core::{DecryptError, Session, SessionConfig, hazmat};
use twofold_tests::{Pair, Traced, Variant, pair};

fn config() -> SessionConfig {
    SessionConfig::default()
}

/// What an attacker with a compromised state can compute, and the public values he sees.
struct Attacker {
    /// The quantum model: he computes every X25519 output (he is handed each step's DH value,
    /// which is what a discrete-log oracle gives him).
    every_dh: bool,
    /// X25519 secrets he holds otherwise (those of the compromised states).
    x25519: Vec<[u8; 32]>,
    /// Every ratchet public key (they are sent in clear).
    publics: Vec<[u8; 32]>,
    /// ML-KEM seeds he holds, by epoch (those of the compromised states).
    kem_seeds: Vec<[u8; 64]>,
    /// The session's transcript hash (part of the compromised state).
    th: [u8; 32],
    /// Whether he is also given every PQ epoch secret: the model of a ratchet that does not
    /// mix it in, where the PQ ratchet protects nothing.
    knows_pq_secrets: bool,
}

/// What the attacker managed.
#[derive(Debug)]
struct Outcome {
    /// Root steps he followed before losing the chain.
    followed: usize,
    /// Root steps in the conversation.
    total: usize,
    /// The PQ epoch mixed by the first step he could not follow, if any.
    lost_at_epoch_step: Option<bool>,
    /// Message keys of chains created after that point (his best guess for each; keys of
    /// older chains still in use he rightly knows).
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
        // Public values seen so far: key commitments by epoch, ciphertexts by epoch.
        let mut commitments: HashMap<u32, [u8; 32]> = HashMap::new();
        let mut ciphertexts: Vec<(u32, Vec<u8>)> = Vec::new();
        let mut out = Outcome {
            followed: 0,
            total: 0,
            lost_at_epoch_step: None,
            after_heal: 0,
            leaked_after_heal: 0,
        };
        // (real chain key, attacker's chain key, created while he followed the root chain)
        let mut chains: Vec<([u8; 32], [u8; 32], bool)> = Vec::new();
        for e in events {
            match e {
                TraceEvent::PqKeyGenerated {
                    epoch, commitment, ..
                } => {
                    commitments.insert(*epoch, *commitment);
                }
                TraceEvent::PqEncapsulated {
                    epoch, ciphertext, ..
                } => ciphertexts.push((*epoch, ciphertext.clone())),
                TraceEvent::RootStep {
                    direction: Direction::Sending,
                    root_in,
                    dh,
                    pq_secret,
                    root_out,
                    chain_key,
                } => {
                    out.total += 1;
                    let mut dhs: Vec<[u8; 32]> = vec![[0; 32]];
                    if self.every_dh {
                        dhs.push(*dh);
                    }
                    for secret in &self.x25519 {
                        for public in &self.publics {
                            if let Some(d) = hazmat::x25519(secret, public) {
                                dhs.push(d);
                            }
                        }
                    }
                    // Every epoch secret he can derive: decapsulate each public ciphertext
                    // with each seed he holds.
                    let mut pqs: Vec<Option<[u8; 32]>> = vec![None, Some([0; 32])];
                    for (epoch, ct) in &ciphertexts {
                        let ct: [u8; twofold_core::KEM_CIPHERTEXT_LEN] =
                            ct.clone().try_into().unwrap();
                        let Some(c) = commitments.get(epoch) else {
                            continue;
                        };
                        for seed in &self.kem_seeds {
                            let ss = hazmat::kem_decapsulate(seed, &ct);
                            let (_, _, s) = hazmat::pq_epoch_keys(&self.th, *epoch, c, &ct, &ss);
                            pqs.push(Some(s));
                        }
                    }
                    if self.knows_pq_secrets {
                        pqs.push(*pq_secret);
                    }
                    let hit = known
                        .then(|| {
                            dhs.iter().find_map(|d| {
                                pqs.iter().find_map(|k| {
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
                            chains.push((*chain_key, ck, true));
                        }
                        None => {
                            if known {
                                out.lost_at_epoch_step = Some(pq_secret.is_some());
                            }
                            let (next, ck) = hazmat::root_step(&guess, &dhs[dhs.len() - 1], None);
                            assert_ne!(ck, *chain_key);
                            known = false;
                            guess = next;
                            chains.push((*chain_key, ck, false));
                        }
                    }
                }
                TraceEvent::MessageKey {
                    direction: Direction::Sending,
                    chain_key,
                    message_key,
                    ..
                } => {
                    if let Some(pos) = chains.iter().position(|(real, _, _)| real == chain_key) {
                        let (real, mine, followed) = chains[pos];
                        let (mine_next, mk) = hazmat::chain_step(&mine);
                        if followed {
                            assert_eq!(mk, *message_key);
                        } else {
                            out.after_heal += 1;
                            if mk == *message_key {
                                out.leaked_after_heal += 1;
                            }
                        }
                        let (real_next, _) = hazmat::chain_step(&real);
                        chains[pos] = (real_next, mine_next, followed);
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
    root: [u8; 32],
    th: [u8; 32],
    /// Every event after the compromise, in order.
    events: Vec<TraceEvent>,
    x25519_before: Vec<[u8; 32]>,
    publics: Vec<[u8; 32]>,
    /// ML-KEM seeds generated before the compromise (the states hold them).
    kem_seeds: Vec<[u8; 64]>,
    /// Epochs whose key was generated before the compromise.
    known_epochs: Vec<u32>,
}

/// Whether a message goes through the network (`from_alice`, the chunk it carries, the
/// running count of messages of that sender).
type Network = dyn FnMut(bool, Option<twofold_core::PqChunkDescription>, u64) -> bool;

/// Warm-up, compromise at a synchronised point, then `rounds` of ping-pong through `network`
/// (each side sends one message per round whatever arrived; messages that get through are
/// delivered at once, in order). Returns the compromise and the messages each side sent
/// until both had mixed an epoch whose key was generated after the compromise.
fn conversation_after_compromise(
    p: &mut Pair,
    rounds: u64,
    network: &mut Network,
) -> (Compromise, Option<(u64, u64)>) {
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
    assert_eq!(p.a.root_key(), p.b.root_key());
    let root = p.a.root_key();
    let mut c = Compromise {
        root,
        th: [0; 32],
        events: Vec::new(),
        x25519_before: Vec::new(),
        publics: Vec::new(),
        kem_seeds: Vec::new(),
        known_epochs: Vec::new(),
    };
    for e in &before {
        match e {
            TraceEvent::Handshake {
                transcript_hash, ..
            } => c.th = *transcript_hash,
            TraceEvent::RatchetKeyGenerated { secret, public } => {
                c.x25519_before.push(*secret);
                c.publics.push(*public);
            }
            TraceEvent::PqKeyGenerated { seed, epoch, .. } => {
                c.kem_seeds.push(seed.clone().try_into().unwrap());
                c.known_epochs.push(*epoch);
            }
            _ => {}
        }
    }
    assert_ne!(c.th, [0; 32], "the handshake was traced");
    let heal_epoch = c.known_epochs.iter().max().unwrap() + 1;
    let mut healed = None;
    let (mut sent_a, mut sent_b) = (0u64, 0u64);
    for t in 10..10 + rounds {
        let m = p.a.encrypt(&mut p.rng, t, b"after", b"").unwrap();
        sent_a += 1;
        c.events.extend(p.a.take_trace());
        let d = twofold_core::describe_message(&m).unwrap();
        if network(true, d.pq_chunk, sent_a) {
            p.b.decrypt(&m, b"").unwrap();
            c.events.extend(p.b.take_trace());
        }
        let r = p.b.encrypt(&mut p.rng, t, b"after", b"").unwrap();
        sent_b += 1;
        c.events.extend(p.b.take_trace());
        let d = twofold_core::describe_message(&r).unwrap();
        if network(false, d.pq_chunk, sent_b) {
            p.a.decrypt(&r, b"").unwrap();
            c.events.extend(p.a.take_trace());
        }
        if healed.is_none()
            && p.a.info().pq_epoch >= heal_epoch
            && p.b.info().pq_epoch >= heal_epoch
        {
            healed = Some((sent_a, sent_b));
        }
    }
    for e in &c.events {
        if let TraceEvent::RatchetKeyGenerated { public, .. } = e {
            c.publics.push(*public);
        }
    }
    (c, healed)
}

fn quantum(c: &Compromise, knows_pq_secrets: bool) -> Attacker {
    Attacker {
        every_dh: true,
        x25519: Vec::new(),
        publics: Vec::new(),
        kem_seeds: c.kem_seeds.clone(),
        th: c.th,
        knows_pq_secrets,
    }
}

/// Post-compromise security against a quantum attacker: he holds both states at the
/// compromise (every seed and pending secret in them) *and every X25519 secret ever used*.
/// Only a PQ epoch whose key was generated after the compromise can heal, and it does: he
/// follows the root chain through the epochs he holds and loses it exactly at the root step
/// that mixes the first fresh epoch. Given the epoch secrets too (the model of a ratchet that
/// does not mix them in), he follows the conversation to the end.
#[test]
fn post_compromise_security_post_quantum() {
    let mut p = pair("pcs pq", Variant::Full, &config());
    let (c, healed) = conversation_after_compromise(&mut p, 130, &mut |_, _, _| true);
    let (a, b) = healed.expect("ping-pong heals within 130 rounds");
    assert!(a <= 130 && b <= 130, "healed after {a} / {b} messages");
    assert_eq!(c.known_epochs, [1], "the compromise held the epoch-1 key");
    let o = quantum(&c, false).follow(c.root, &c.events);
    assert!(o.followed >= 1, "{o:?}");
    assert!(o.followed < o.total, "{o:?}");
    assert_eq!(
        o.lost_at_epoch_step,
        Some(true),
        "healed by a PQ epoch: {o:?}"
    );
    assert!(o.after_heal >= 10, "{o:?}");
    assert_eq!(o.leaked_after_heal, 0);
    // Negative control: given the epoch secrets, the same attacker follows everything.
    let o = quantum(&c, true).follow(c.root, &c.events);
    assert_eq!(o.followed, o.total, "{o:?}");
    assert_eq!(o.after_heal, 0);
}

/// The same attacker also controls the network and drops whatever he likes, while each side
/// keeps sending. Whichever messages he lets through, healing happens once enough of them got
/// through; he can only delay it by stopping (almost) all of one direction. Each strategy is
/// checked against the quantum attacker, and the bound on messages delivered holds.
#[test]
fn a_network_attacker_cannot_prevent_healing() {
    type Strategy = Box<dyn FnMut(bool, Option<twofold_core::PqChunkDescription>, u64) -> bool>;
    let mut lcg = 0x2545_f491_4f6c_dd1du64;
    let strategies: Vec<(&str, Strategy)> = vec![
        (
            "drop every key chunk below index 30",
            Box::new(|from_a, c, _| !(from_a && c.is_some_and(|c| c.index < 30))),
        ),
        (
            "drop the first 20 ciphertext chunks of each epoch (the acknowledgements)",
            Box::new(|from_a, c, _| from_a || c.is_none_or(|c| c.index >= 20)),
        ),
        (
            "drop 60 % of all messages at random",
            Box::new(move |_, _, _| {
                lcg = lcg.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (lcg >> 33) % 10 >= 6
            }),
        ),
        (
            "let through only every third message of each side",
            Box::new(|_, _, n| n % 3 == 0),
        ),
        (
            "drop all even chunk indices",
            Box::new(|_, c, _| c.is_none_or(|c| c.index % 2 == 1)),
        ),
    ];
    for (name, mut net) in strategies {
        let mut p = pair(&format!("pcs network {name}"), Variant::Full, &config());
        let (c, healed) = conversation_after_compromise(&mut p, 600, &mut *net);
        let (a, b) = healed.unwrap_or_else(|| panic!("{name}: never healed"));
        let o = quantum(&c, false).follow(c.root, &c.events);
        assert!(o.followed < o.total, "{name}: {o:?}");
        assert_eq!(o.leaked_after_heal, 0, "{name}");
        assert_eq!(o.lost_at_epoch_step, Some(true), "{name}: {o:?}");
        assert!(a <= 600 && b <= 600, "{name}: {a} / {b}");
        // Negative control: handed the epoch secrets, the same attacker follows everything.
        let o = quantum(&c, true).follow(c.root, &c.events);
        assert_eq!(o.followed, o.total, "{name}: {o:?}");
    }
}

/// Classical post-compromise security: the attacker holds both states at the compromise but
/// not the randomness drawn later. One DH round trip heals, before any PQ epoch completes.
#[test]
fn post_compromise_security_classical() {
    let mut p = pair("pcs classical", Variant::Full, &config());
    let key = [3; 32];
    let m0 = p.a.encrypt(&mut p.rng, 0, b"w", b"").unwrap();
    p.b.decrypt(&m0, b"").unwrap();
    let r0 = p.b.encrypt(&mut p.rng, 0, b"w", b"").unwrap();
    p.a.decrypt(&r0, b"").unwrap();
    let mut stolen_a =
        Session::open(&p.a.seal(&mut p.rng, &key, b"").unwrap(), &key, b"", None).unwrap();
    let mut stolen_b =
        Session::open(&p.b.seal(&mut p.rng, &key, b"").unwrap(), &key, b"", None).unwrap();
    let m1 = p.a.encrypt(&mut p.rng, 1, b"m1", b"").unwrap();
    assert_eq!(stolen_b.decrypt(&m1, b"").unwrap(), b"m1");
    p.b.decrypt(&m1, b"").unwrap();
    let r1 = p.b.encrypt(&mut p.rng, 1, b"r1", b"").unwrap();
    p.a.decrypt(&r1, b"").unwrap();
    let m2 = p.a.encrypt(&mut p.rng, 2, b"m2", b"").unwrap();
    p.b.decrypt(&m2, b"").unwrap();
    let r2 = p.b.encrypt(&mut p.rng, 2, b"r2", b"").unwrap();
    p.a.decrypt(&r2, b"").unwrap();
    assert_eq!(stolen_a.decrypt(&r1, b""), Err(DecryptError::AuthFailed));
    assert_eq!(stolen_a.decrypt(&r2, b""), Err(DecryptError::AuthFailed));
    assert_eq!(stolen_b.decrypt(&m2, b""), Err(DecryptError::AuthFailed));

    // In the key schedule: with the compromised X25519 secrets only, the attacker follows the
    // first step and loses the chain at the second. With every X25519 secret (quantum) and no
    // PQ epoch completed in the window, he follows all six: that is what the PQ ratchet is for.
    let mut q = pair("pcs classical schedule", Variant::Full, &config());
    let (c, _) = conversation_after_compromise(&mut q, 3, &mut |_, _, _| true);
    let classical = Attacker {
        every_dh: false,
        x25519: c.x25519_before.clone(),
        publics: c.publics.clone(),
        kem_seeds: vec![],
        th: c.th,
        knows_pq_secrets: false,
    };
    let o = classical.follow(c.root, &c.events);
    assert_eq!(o.followed, 1, "{o:?}");
    assert_eq!(o.total, 6);
    assert_eq!(o.lost_at_epoch_step, Some(false));
    assert!(o.after_heal >= 5);
    assert_eq!(o.leaked_after_heal, 0);
    assert_eq!(quantum(&c, false).follow(c.root, &c.events).followed, 6);
}

/// Ping-pong until both sides mixed `epochs` epochs; returns the messages each side sent.
fn ping_pong_until(p: &mut Pair, epochs: u32, max_rounds: u32) -> u32 {
    for round in 1..=max_rounds {
        let m = p.a.encrypt(&mut p.rng, 0, b"ping", b"").unwrap();
        p.b.decrypt(&m, b"").unwrap();
        let r = p.b.encrypt(&mut p.rng, 0, b"pong", b"").unwrap();
        p.a.decrypt(&r, b"").unwrap();
        if p.a.info().pq_epoch >= epochs && p.b.info().pq_epoch >= epochs {
            return round;
        }
    }
    panic!("{epochs} epochs not reached in {max_rounds} rounds");
}

/// The first epoch starts with the session: Alice's initial message carries chunk 0 of her
/// epoch-1 key, and ping-pong mixes the first epoch after about 36 + 33 message pairs.
#[test]
fn the_first_epoch_starts_with_the_session() {
    let mut p = pair("first epoch", Variant::Full, &config());
    let d = twofold_core::describe_message(&p.initial).unwrap();
    let c = d.pq_chunk.unwrap();
    assert_eq!((c.epoch, c.index), (1, 0));
    let i = p.b.info();
    assert_eq!((i.pq_receiving_epoch, i.pq_chunks_received), (1, 1));
    let rounds = ping_pong_until(&mut p, 1, 200);
    assert!(
        (60..=80).contains(&rounds),
        "first epoch after {rounds} rounds"
    );
    let rounds = ping_pong_until(&mut p, 2, 200);
    assert!(
        rounds <= 45,
        "second epoch {rounds} rounds later (pipelined)"
    );
}

/// PQ bytes per message and total overhead: every ratchet message after the initial one has
/// at most one 40-byte chunk field, so at most 100 bytes of overhead (the budget is 101).
#[test]
fn every_ratchet_message_has_at_most_100_bytes_of_overhead() {
    let mut p = pair("bytes", Variant::Full, &config());
    let plaintext = [7u8; 100];
    let mut max = 0;
    for round in 0..150 {
        let n = if round % 10 < 5 { 3 } else { 1 };
        for _ in 0..n {
            let m = p.a.encrypt(&mut p.rng, 0, &plaintext, b"").unwrap();
            if round > 0 {
                max = max.max(m.len() - plaintext.len());
            }
            p.b.decrypt(&m, b"").unwrap();
        }
        let r = p.b.encrypt(&mut p.rng, 0, &plaintext, b"").unwrap();
        max = max.max(r.len() - plaintext.len());
        p.a.decrypt(&r, b"").unwrap();
    }
    assert_eq!(max, 100);
    assert!(p.a.info().pq_epoch >= 1);
}

/// Restoring an older sealed session and encrypting a different plaintext never reuses a key
/// stream; the receiver accepts at most one of the two messages and reports the other as a
/// conflicting message (a resend of the same bytes stays a duplicate).
#[test]
fn a_restored_state_never_reuses_a_key_stream() {
    let mut p = pair("rollback", Variant::Full, &config());
    let key = [4; 32];
    let r = p.b.encrypt(&mut p.rng, 0, b"r", b"").unwrap();
    p.a.decrypt(&r, b"").unwrap();
    let backup = p.a.seal(&mut p.rng, &key, b"").unwrap();
    let m1 =
        p.a.encrypt(&mut p.rng, 1, b"transfer 100 to carol", b"")
            .unwrap();
    let mut restored = Session::open(&backup, &key, b"", None).unwrap();
    // The same RNG output (a copied RNG state is the worst case): the same ratchet key.
    let mut same = twofold_tests::rng("rollback same");
    let mut same2 = twofold_tests::rng("rollback same");
    let mut a2 = Session::open(&backup, &key, b"", None).unwrap();
    let x1 = a2
        .encrypt(&mut same, 1, b"transfer 100 to carol", b"")
        .unwrap();
    let x2 = restored
        .encrypt(&mut same2, 1, b"transfer 900 to mallory", b"")
        .unwrap();
    let (_, x1i) = twofold_tests::split_initial(&x1);
    let (_, x2i) = twofold_tests::split_initial(&x2);
    let h = 44 + 40;
    assert_eq!(x1i[..h], x2i[..h], "same position, same header");
    let xor_c: Vec<u8> = x1i[h..h + 21]
        .iter()
        .zip(&x2i[h..h + 21])
        .map(|(a, b)| a ^ b)
        .collect();
    let xor_p: Vec<u8> = b"transfer 100 to carol"
        .iter()
        .zip(b"transfer 900 to mallory")
        .map(|(a, b)| a ^ b)
        .collect();
    assert_ne!(xor_c, xor_p, "the two ciphertexts share no key stream");
    // The receiver takes the first and reports the other as conflicting; a resend of the
    // first is a duplicate.
    let mut b = p.b;
    assert_eq!(b.decrypt(&x1, b"").unwrap(), b"transfer 100 to carol");
    let before = b.state_bytes();
    assert_eq!(b.decrypt(&x2, b""), Err(DecryptError::ConflictingMessage));
    assert_eq!(b.decrypt(&x1, b""), Err(DecryptError::DuplicateMessage));
    assert_eq!(before, b.state_bytes());
    let _ = m1;
}

/// A peer that restored an older state after starting a new PQ key sends a second, different
/// key object under the same epoch: the chunks the receiver mixed from both decode to an
/// object that fails its commitment. That is a counted `PQ_INCONSISTENT` fault, never an error
/// or a panic: every authentic message decrypts, the collection restarts, and the epoch
/// completes from the restored peer's chunks.
#[test]
fn inconsistent_chunks_are_a_fault_and_the_epoch_still_completes() {
    let mut p = pair("fork", Variant::Full, &config());
    let key = [6; 32];
    // Ping-pong until Alice is about to start epoch 2 (Bob's first ciphertext chunk arrived).
    for _ in 0..60 {
        let m = p.a.encrypt(&mut p.rng, 0, b"m", b"").unwrap();
        p.b.decrypt(&m, b"").unwrap();
        let r = p.b.encrypt(&mut p.rng, 0, b"r", b"").unwrap();
        p.a.decrypt(&r, b"").unwrap();
        if p.b.info().pq_sending_epoch == 1 {
            break;
        }
    }
    assert_eq!(p.a.info().pq_sending_epoch, 1);
    let backup = p.a.seal(&mut p.rng, &key, b"").unwrap();
    // Fork 1: ten messages with chunks 0..9 of one epoch-2 key; Bob receives them. Both forks
    // draw the same ratchet key (32 bytes), then different ML-KEM seeds.
    let mut rng = twofold_tests::SplicedRng::new("fork ratchet key", "fork one", 32);
    for _ in 0..10 {
        let m = p.a.encrypt(&mut rng, 0, b"fork one", b"").unwrap();
        p.b.decrypt(&m, b"").unwrap();
    }
    assert_eq!(p.b.info().pq_chunks_received, 10);
    // Fork 2: the restored Alice draws another key and sends 60 messages; the first ten
    // collide with fork 1's positions (CONFLICTING_MESSAGE), the rest are delivered.
    let mut a = Traced::new(Session::open(&backup, &key, b"", None).unwrap());
    let mut rng = twofold_tests::SplicedRng::new("fork ratchet key", "fork two", 32);
    let mut conflicts = 0;
    for _ in 0..60 {
        let m = a.encrypt(&mut rng, 0, b"fork two", b"").unwrap();
        match p.b.decrypt(&m, b"") {
            Ok(pt) => assert_eq!(pt, b"fork two"),
            Err(DecryptError::ConflictingMessage) => conflicts += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(conflicts, 10);
    let faulted: Vec<_> =
        p.b.take_trace()
            .into_iter()
            .filter_map(|e| match e {
                TraceEvent::PqFault { reason, .. } => Some(reason),
                _ => None,
            })
            .collect();
    assert_eq!(faulted, ["commitment"]);
    assert_eq!(p.b.info().pq_faults, 1);
    assert_eq!(
        p.b.info().pq_chunks_received,
        24,
        "chunks 36..59 of the restored key"
    );
    for _ in 0..120 {
        let r = p.b.encrypt(&mut p.rng, 0, b"r", b"").unwrap();
        a.decrypt(&r, b"").unwrap();
        let m = a.encrypt(&mut rng, 0, b"m", b"").unwrap();
        p.b.decrypt(&m, b"").unwrap();
    }
    assert!(a.info().pq_epoch >= 2 && p.b.info().pq_epoch >= 2);
    assert_eq!(p.b.info().pq_faults, 1);
}

/// Chunks are authenticated with the message: a changed chunk byte, epoch or index is
/// `AUTH_FAILED` and the session is unchanged (the epoch is only looked at after the tag).
#[test]
fn forged_chunks_never_reach_a_collection() {
    let mut p = pair("forged chunks", Variant::Full, &config());
    let m = p.a.encrypt(&mut p.rng, 0, b"m", b"").unwrap();
    let (_, inner) = twofold_tests::split_initial(&m);
    let before = p.b.state_bytes();
    for (at, name) in [
        (44, "epoch"),
        (48, "index"),
        (50, "chunk"),
        (83, "chunk end"),
    ] {
        let mut bad = inner.to_vec();
        if name == "epoch" {
            bad[at + 3] ^= 2;
        } else {
            bad[at] ^= 1;
        }
        let r = p.b.decrypt(&bad, b"");
        assert!(matches!(r, Err(DecryptError::AuthFailed)), "{name}: {r:?}");
        assert_eq!(before, p.b.state_bytes(), "{name}");
    }
    // A later epoch in a forged header is just a forgery (the epoch is checked only after
    // the tag, 6.3).
    let mut later = inner.to_vec();
    later[44..48].copy_from_slice(&7u32.to_be_bytes());
    assert_eq!(p.b.decrypt(&later, b""), Err(DecryptError::AuthFailed));
    assert_eq!(p.b.decrypt(inner, b"").unwrap(), b"m");
}

/// The responder restores a state from before it decoded the initiator's key (it crashed
/// after answering, or restored a backup) while the initiator, acknowledged, has moved on to
/// the next epoch. Every message still decrypts; the first chunk of the later epoch is one
/// counted fault, the responder collects that key instead, the initiator gives up the key
/// whose ciphertext was lost, and epochs complete again.
#[test]
fn a_restored_responder_catches_up_with_the_initiator() {
    let mut p = pair("responder restore", Variant::Full, &config());
    let key = [8; 32];
    let r0 = p.b.encrypt(&mut p.rng, 0, b"r0", b"").unwrap();
    p.a.decrypt(&r0, b"").unwrap();
    // Alice sends chunks 1..=35 in one chain; Bob holds back the last one.
    let burst: Vec<Vec<u8>> = (1..=35)
        .map(|i| {
            p.a.encrypt(&mut p.rng, 0, format!("a{i}").as_bytes(), b"")
                .unwrap()
        })
        .collect();
    for m in &burst[..34] {
        p.b.decrypt(m, b"").unwrap();
    }
    assert_eq!(p.b.info().pq_chunks_received, 35);
    let b1 = p.b.encrypt(&mut p.rng, 0, b"b1", b"").unwrap();
    let backup = p.b.seal(&mut p.rng, &key, b"").unwrap();
    // The 36th chunk arrives late; Bob decodes the key and answers in the same chain.
    p.b.decrypt(&burst[34], b"").unwrap();
    let r1 = p.b.encrypt(&mut p.rng, 0, b"r1", b"").unwrap();
    assert_eq!(p.b.info().pq_sending_epoch, 1);
    p.a.decrypt(&b1, b"").unwrap();
    p.a.decrypt(&r1, b"").unwrap();
    // Bob's device loses everything since the backup.
    let mut b = Traced::new(Session::open(&backup, &key, b"", None).unwrap());
    assert_eq!(b.info().pq_receiving_epoch, 1);
    let m =
        p.a.encrypt(&mut p.rng, 0, b"after the restore", b"")
            .unwrap();
    assert_eq!(p.a.info().pq_sending_epoch, 2, "Alice moved on");
    assert_eq!(b.decrypt(&m, b"").unwrap(), b"after the restore");
    assert_eq!(b.info().pq_faults, 1);
    assert_eq!(
        b.info().pq_receiving_epoch,
        2,
        "Bob collects the epoch-2 key"
    );
    let mut rng = twofold_tests::rng("responder restore, later");
    for _ in 0..120 {
        let r = b.encrypt(&mut rng, 0, b"r", b"").unwrap();
        p.a.decrypt(&r, b"").unwrap();
        let m = p.a.encrypt(&mut p.rng, 0, b"m", b"").unwrap();
        b.decrypt(&m, b"").unwrap();
    }
    assert!(p.a.info().pq_epoch >= 2 && b.info().pq_epoch >= 2);
    assert_eq!(b.info().pq_faults, 1);
    assert_eq!(p.a.info().pq_faults, 1, "Alice gave up epoch 1 once");
}
