//! A two-party conversation over an adversarial network, as a sequence of [`Event`]s.
//!
//! The property tests generate event sequences; [`Conversation::apply`] executes one event and
//! checks the protocol's promises at that step:
//! - a message delivered for the first time decrypts to what was sent (unless its chain is at
//!   least `MAX_RECEIVING_CHAINS` chains old, where `DUPLICATE_MESSAGE` is also allowed);
//! - a message delivered again is rejected with `DUPLICATE_MESSAGE`;
//! - a tampered message is rejected and leaves the receiving session byte-identical;
//! - sealing and reopening a session at any point changes nothing.
//!
//! The same model can drive a fuzzer: any event sequence is valid input.

use std::collections::{BTreeMap, HashSet};

use chacha20::ChaCha20Rng;
use twofold_core::consts::{MAX_RECEIVING_CHAINS, MAX_RETIRED_RATCHET_KEYS};
use twofold_core::trace::{Direction, TraceEvent};
use twofold_core::{DecryptError, HasErrorCode, Session, SessionConfig};

use crate::{Traced, Variant, pair};

#[derive(Clone, Copy, Debug, PartialEq, Eq, arbitrary::Arbitrary)]
pub enum Side {
    Alice,
    Bob,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Alice => Side::Bob,
            Side::Bob => Side::Alice,
        }
    }

    fn index(self) -> usize {
        match self {
            Side::Alice => 0,
            Side::Bob => 1,
        }
    }
}

#[derive(Clone, Debug, arbitrary::Arbitrary)]
pub enum Event {
    /// `from` encrypts a message of `len` bytes to the other side.
    Send { from: Side, len: u8 },
    /// The network delivers the `pick`-th message in flight to `to` (and forgets it).
    Deliver { to: Side, pick: u16 },
    /// The network delivers an already delivered message to `to` again.
    Replay { to: Side, pick: u16 },
    /// The network drops a message in flight to `to`.
    Drop { to: Side, pick: u16 },
    /// The network flips one bit of a message in flight to `to` and delivers the copy (the
    /// original stays in flight).
    Tamper { to: Side, pick: u16, bit: u32 },
    /// `who` seals its session and reopens it.
    SaveLoad { who: Side },
}

struct Sent {
    bytes: Vec<u8>,
    plaintext: Vec<u8>,
    /// The sender's ratchet key (header bytes 4..36 of the ratchet message).
    ratchet_key: [u8; 32],
}

/// The state of a conversation under test.
pub struct Conversation {
    sessions: [Traced; 2],
    rng: ChaCha20Rng,
    in_flight: [Vec<Sent>; 2],
    delivered: [Vec<Sent>; 2],
    /// Per receiver: the sender's ratchet keys in the order first seen.
    chains_seen: [Vec<[u8; 32]>; 2],
    counter: u64,
    /// Every message key either side has encrypted with (from the key-schedule trace).
    sending_keys: HashSet<[u8; 32]>,
    pub stats: Stats,
    /// Rejected tampered and forged messages, by error code.
    pub rejected: BTreeMap<&'static str, u64>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub sent: u64,
    pub decrypted: u64,
    pub duplicates_rejected: u64,
    pub tampered_rejected: u64,
    pub forged_rejected: u64,
    pub expired: u64,
    /// Replays of a chain older than the retired ratchet keys: `AUTH_FAILED`.
    pub replays_expired: u64,
}

fn ratchet_key_of(message: &[u8]) -> [u8; 32] {
    let (_, inner) = crate::split_initial(message);
    inner[4..36].try_into().unwrap()
}

impl Conversation {
    /// A conversation after a completed handshake (`seed` names the RNG).
    pub fn new(seed: &str) -> Self {
        let p = pair(seed, Variant::Full, &SessionConfig::default());
        Self::from_sessions(p.a.session, p.b.session, &p.initial, p.rng)
    }

    /// A conversation from Alice's and Bob's sessions right after the handshake whose initial
    /// message was `initial` (the fuzzer keeps one handshake and forks it for every input).
    pub fn from_sessions(alice: Session, bob: Session, initial: &[u8], rng: ChaCha20Rng) -> Self {
        let first = ratchet_key_of(initial);
        Self {
            sessions: [Traced::new(alice), Traced::new(bob)],
            rng,
            in_flight: [Vec::new(), Vec::new()],
            delivered: [Vec::new(), Vec::new()],
            chains_seen: [Vec::new(), vec![first]],
            counter: 0,
            sending_keys: HashSet::new(),
            stats: Stats::default(),
            rejected: BTreeMap::new(),
        }
    }

    pub fn session(&self, side: Side) -> &Session {
        &self.sessions[side.index()]
    }

    pub fn in_flight(&self, to: Side) -> usize {
        self.in_flight[to.index()].len()
    }

    /// Executes one event; panics (fails the test) if a promise is broken.
    pub fn apply(&mut self, event: &Event) {
        match *event {
            Event::Send { from, len } => self.send(from, len),
            Event::Deliver { to, pick } => {
                let queue = &mut self.in_flight[to.index()];
                if queue.is_empty() {
                    return;
                }
                let m = queue.remove(usize::from(pick) % queue.len());
                self.deliver(to, m);
            }
            Event::Replay { to, pick } => {
                let done = &self.delivered[to.index()];
                if done.is_empty() {
                    return;
                }
                let i = usize::from(pick) % done.len();
                let bytes = done[i].bytes.clone();
                let seen = &self.chains_seen[to.index()];
                let age = seen
                    .iter()
                    .position(|k| *k == done[i].ratchet_key)
                    .map_or(0, |p| seen.len() - 1 - p);
                let before = self.sessions[to.index()].state_bytes();
                let r = self.sessions[to.index()].decrypt(&bytes, b"");
                assert_eq!(before, self.sessions[to.index()].state_bytes());
                // Retired ratchet keys (MAX_RETIRED_RATCHET_KEYS) recognise replays of replaced
                // chains; a chain replaced longer ago than that fails the tag check instead
                // (docs/PROTOCOL.md 6.4). The order of first delivery only approximates the
                // order of replacement, hence the margin.
                if r == Err(DecryptError::AuthFailed)
                    && age + MAX_RECEIVING_CHAINS >= MAX_RETIRED_RATCHET_KEYS
                {
                    self.stats.replays_expired += 1;
                } else {
                    assert_eq!(
                        r,
                        Err(DecryptError::DuplicateMessage),
                        "a replay must be a duplicate (chain age {age})"
                    );
                    self.stats.duplicates_rejected += 1;
                }
            }
            Event::Drop { to, pick } => {
                let queue = &mut self.in_flight[to.index()];
                if !queue.is_empty() {
                    let i = usize::from(pick) % queue.len();
                    queue.remove(i);
                }
            }
            Event::Tamper { to, pick, bit } => {
                let queue = &self.in_flight[to.index()];
                if queue.is_empty() {
                    return;
                }
                let m = &queue[usize::from(pick) % queue.len()];
                let bit = bit as usize % (m.bytes.len() * 8);
                let bad = crate::flip(&m.bytes, bit);
                let s = &mut self.sessions[to.index()];
                let before = s.state_bytes();
                let r = s.decrypt(&bad, b"");
                let Err(e) = r else {
                    panic!("a tampered message decrypted (bit {bit})")
                };
                assert_eq!(
                    before,
                    s.state_bytes(),
                    "a rejected message changed the session"
                );
                *self.rejected.entry(e.code().as_str()).or_default() += 1;
                self.stats.tampered_rejected += 1;
            }
            Event::SaveLoad { who } => {
                let key = [0x5A; 32];
                let s = &self.sessions[who.index()];
                let before = s.state_bytes();
                let blob = s.seal(&mut self.rng, &key, b"").unwrap();
                let reopened = Session::open(&blob, &key, b"", None).unwrap();
                assert_eq!(before, reopened.state_bytes());
                self.sessions[who.index()] = Traced::new(reopened);
            }
        }
    }

    /// A forgery by someone outside the session: the header of the `pick`-th message in flight
    /// to `to` (so it reaches the right chain) followed by `body` in place of the rest. It must
    /// be rejected and leave the receiving session byte-identical.
    pub fn forge(&mut self, to: Side, pick: u16, body: &[u8]) {
        let queue = &self.in_flight[to.index()];
        if queue.is_empty() {
            return;
        }
        let m = &queue[usize::from(pick) % queue.len()];
        let keep = m
            .bytes
            .len()
            .saturating_sub(body.len())
            .max(m.bytes.len() / 2);
        let mut forged = m.bytes[..keep].to_vec();
        forged.extend_from_slice(&body[..m.bytes.len() - keep]);
        if forged == m.bytes {
            return;
        }
        let s = &mut self.sessions[to.index()];
        let before = s.state_bytes();
        let Err(e) = s.decrypt(&forged, b"") else {
            panic!("a forged message decrypted")
        };
        assert_eq!(before, s.state_bytes(), "a forgery changed the session");
        *self.rejected.entry(e.code().as_str()).or_default() += 1;
        self.stats.forged_rejected += 1;
    }

    fn send(&mut self, from: Side, len: u8) {
        self.counter += 1;
        let mut plaintext = format!("{from:?}#{}:", self.counter).into_bytes();
        plaintext.resize(plaintext.len() + usize::from(len), b'x');
        let now = self.counter;
        let s = &mut self.sessions[from.index()];
        let bytes = s.encrypt(&mut self.rng, now, &plaintext, b"").unwrap();
        for event in s.take_trace() {
            if let TraceEvent::MessageKey {
                direction: Direction::Sending,
                message_key,
                ..
            } = event
            {
                assert!(
                    self.sending_keys.insert(message_key),
                    "a message key was used to encrypt twice"
                );
            }
        }
        let ratchet_key = ratchet_key_of(&bytes);
        self.in_flight[from.other().index()].push(Sent {
            bytes,
            plaintext,
            ratchet_key,
        });
        self.stats.sent += 1;
    }

    fn deliver(&mut self, to: Side, m: Sent) {
        let seen = &mut self.chains_seen[to.index()];
        let age = match seen.iter().position(|k| *k == m.ratchet_key) {
            Some(i) => seen.len() - 1 - i,
            None => {
                seen.push(m.ratchet_key);
                0
            }
        };
        let s = &mut self.sessions[to.index()];
        let before = s.state_bytes();
        let result = s.decrypt(&m.bytes, b"");
        s.take_trace();
        match result {
            Ok(p) => {
                assert_eq!(p, m.plaintext);
                self.stats.decrypted += 1;
                self.delivered[to.index()].push(m);
            }
            Err(DecryptError::DuplicateMessage) if age >= MAX_RECEIVING_CHAINS => {
                // Its chain's keys were evicted under the documented limit.
                assert_eq!(before, s.state_bytes());
                self.stats.expired += 1;
            }
            Err(e) => panic!("first delivery failed: {e:?} (chain age {age})"),
        }
    }

    /// Delivers everything in flight, then checks both directions still work.
    pub fn settle(&mut self) {
        for to in [Side::Alice, Side::Bob] {
            while !self.in_flight[to.index()].is_empty() {
                let m = self.in_flight[to.index()].remove(0);
                self.deliver(to, m);
            }
        }
        for from in [Side::Alice, Side::Bob, Side::Alice] {
            self.send(from, 3);
            let m = self.in_flight[from.other().index()].pop().unwrap();
            self.deliver(from.other(), m);
        }
        let delivered: HashSet<Vec<u8>> = self.delivered[0]
            .iter()
            .chain(&self.delivered[1])
            .map(|m| m.plaintext.clone())
            .collect();
        assert_eq!(
            delivered.len() as u64,
            self.stats.decrypted,
            "every message decrypts exactly once"
        );
    }
}
