//! Bytes on the wire and healing latency of the chunked PQ ratchet in three traffic patterns,
//! measured on the real sessions (issue 11, item 2; docs/design/chunked-pq-ratchet.md,
//! section 8 has the model these figures are compared with).
//!
//! Healing latency: for every compromise point (after each message), the number of messages
//! each party sends after it, up to and including its first message under a root key that
//! mixes a PQ epoch whose key was generated after the compromise (the attacker holds both
//! states and every X25519 secret, and is passive afterwards).

use chacha20::ChaCha20Rng;
use rand_core::{Rng as _, SeedableRng as _};
use twofold_core::Session;

/// One message as sent.
struct Sent {
    from_alice: bool,
    overhead: usize,
    pq: usize,
    /// The sender's `pq_epoch` after sending it.
    epoch_after: u32,
    /// The newest PQ epoch whose key exists (the initiator's sending epoch) when it was sent.
    newest_key: u32,
}

pub(crate) struct Pattern {
    pub(crate) name: &'static str,
    sent: Vec<Sent>,
}

const PLAINTEXT: [u8; 100] = [1; 100];

fn send(
    s: &mut Session,
    rng: &mut ChaCha20Rng,
    from_alice: bool,
    newest: u32,
    log: &mut Vec<Sent>,
) -> Vec<u8> {
    let m = s.encrypt(rng, 0, &PLAINTEXT, b"").unwrap();
    let d = twofold_core::describe_message(&m).unwrap();
    log.push(Sent {
        from_alice,
        overhead: m.len() - PLAINTEXT.len(),
        pq: if d.pq_chunk.is_some() { 40 } else { 0 },
        epoch_after: s.info().pq_epoch,
        newest_key: newest,
    });
    m
}

/// Runs `turns` turns: in each, `burst(turn)` messages from one side, each delivered with
/// probability `1 - loss` after a random delay of up to `max_delay` turns.
fn run(
    name: &'static str,
    turns: u32,
    burst: impl Fn(u32, &mut ChaCha20Rng) -> u32,
    loss: u32,
    max_delay: u32,
) -> Pattern {
    let (mut a, mut b, mut rng) = crate::pair();
    let mut net = ChaCha20Rng::from_seed([9; 32]);
    let mut log = Vec::new();
    let mut in_flight: Vec<(u32, bool, Vec<u8>)> = Vec::new();
    for turn in 0..turns {
        let alice = turn % 2 == 0;
        for _ in 0..burst(turn, &mut net) {
            let newest = a.info().pq_sending_epoch;
            let m = if alice {
                send(&mut a, &mut rng, true, newest, &mut log)
            } else {
                send(&mut b, &mut rng, false, newest, &mut log)
            };
            if net.next_u32() % 100 >= loss {
                let delay = if max_delay == 0 {
                    0
                } else {
                    net.next_u32() % (max_delay + 1)
                };
                in_flight.push((turn + delay, alice, m));
            }
        }
        let mut due: Vec<(u32, bool, Vec<u8>)> = Vec::new();
        in_flight.retain(|x| {
            if x.0 <= turn {
                due.push(x.clone());
                false
            } else {
                true
            }
        });
        for k in (1..due.len()).rev() {
            due.swap(k, net.next_u32() as usize % (k + 1));
        }
        for (_, from_alice, m) in due {
            let r = if from_alice {
                b.decrypt(&m, b"")
            } else {
                a.decrypt(&m, b"")
            };
            r.unwrap();
        }
    }
    Pattern { name, sent: log }
}

pub(crate) fn ping_pong() -> Pattern {
    run("ping-pong", 4000, |_, _| 1, 0, 0)
}

pub(crate) fn bursts() -> Pattern {
    run("alternating bursts of 50", 80, |_, _| 50, 0, 0)
}

pub(crate) fn lossy() -> Pattern {
    run(
        "random turns, 10 % loss, reordering",
        2000,
        |_, r| 1 + r.next_u32() % 3,
        10,
        2,
    )
}

impl Pattern {
    /// (average PQ bytes, maximum PQ bytes, average overhead, maximum overhead).
    pub(crate) fn bytes(&self) -> (f64, usize, f64, usize) {
        let n = self.sent.len() as f64;
        let pq = self.sent.iter().map(|s| s.pq).sum::<usize>() as f64 / n;
        let over = self.sent.iter().map(|s| s.overhead).sum::<usize>() as f64 / n;
        (
            pq,
            self.sent.iter().map(|s| s.pq).max().unwrap_or(0),
            over,
            self.sent.iter().map(|s| s.overhead).max().unwrap_or(0),
        )
    }

    /// Healing latency (mean, max) for the initiator's and the responder's messages, over
    /// every compromise point from which both heal within the run.
    pub(crate) fn healing(&self) -> [(f64, usize); 2] {
        let mut out = [(0.0, 0); 2];
        for (slot, alice) in [(0, true), (1, false)] {
            let mut total = 0usize;
            let mut points = 0usize;
            let mut max = 0usize;
            for t in 0..self.sent.len() {
                let known = self.sent[t].newest_key;
                let mut count = 0;
                let mut healed = false;
                for s in self.sent[t + 1..].iter().filter(|s| s.from_alice == alice) {
                    count += 1;
                    if s.epoch_after > known {
                        healed = true;
                        break;
                    }
                }
                if healed {
                    total += count;
                    points += 1;
                    max = max.max(count);
                }
            }
            out[slot] = (total as f64 / points.max(1) as f64, max);
        }
        out
    }
}
