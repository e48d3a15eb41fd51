//! A deterministic adversarial simulation at scale: many sessions, each a [`Conversation`]
//! driven by a seeded event stream (loss, duplication, reordering and delay, tampering,
//! forgery, seal-and-restore), in one of the two PQ traffic patterns.
//!
//! Every promise of [`Conversation::apply`] is checked at every step, so a replay accepted, a
//! rejected message that changed a session, a message key used twice or a first delivery that
//! fails is a panic, not a figure; [`Conversation::settle`] at the end of each session checks
//! that no session desynchronised (everything in flight delivers, then both directions still
//! work) and that every delivered message decrypted exactly once.
//!
//! `make simulate` runs the full configuration ([`Config::full`]) and prints [`Report`]; a
//! small one runs in `make test`.

use std::collections::BTreeMap;
use std::fmt;

use chacha20::ChaCha20Rng;
use rand_core::Rng;

use crate::scenario::{Conversation, Event, Side};

/// How the two sides take turns, which decides how PQ ratchet chunks flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// The sides alternate: every message starts a new chain.
    PingPong,
    /// Bursts of 1 to 40 messages from one side before the other answers.
    Bursty,
}

/// What to simulate.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Sessions (even-numbered ones ping-pong, odd-numbered ones are bursty).
    pub sessions: usize,
    /// Messages each session sends in total (both sides).
    pub messages_per_session: u64,
    /// Names every RNG of the run.
    pub seed: u64,
}

impl Config {
    /// 1,000 sessions, 1,000 messages each: 10^6 messages.
    pub fn full(seed: u64) -> Self {
        Self {
            sessions: 1000,
            messages_per_session: 1000,
            seed,
        }
    }
}

/// What a run counted.
#[derive(Debug, Default)]
pub struct Report {
    pub sessions: u64,
    pub sent: u64,
    /// Messages the network delivered for the first time (decrypted exactly once, or expired
    /// under the receiving-chain limit).
    pub delivered: u64,
    pub decrypted: u64,
    pub expired: u64,
    pub dropped: u64,
    pub replays_rejected: u64,
    /// Replays of chains older than the retired ratchet keys, rejected with `AUTH_FAILED`.
    pub replays_rejected_old_chain: u64,
    pub tampered_rejected: u64,
    pub forged_rejected: u64,
    pub restores: u64,
    /// Tampered and forged messages rejected, by error code.
    pub rejected_by_code: BTreeMap<&'static str, u64>,
    /// PQ epochs completed, summed over sessions (the initiator's count).
    pub pq_epochs: u64,
    /// Per PQ epoch completed before the session settles: messages sent in the session since
    /// the previous one (or the handshake), split by pattern.
    pub healing: BTreeMap<&'static str, Vec<u64>>,
}

fn pattern_name(p: Pattern) -> &'static str {
    match p {
        Pattern::PingPong => "ping-pong",
        Pattern::Bursty => "bursty",
    }
}

fn below(rng: &mut ChaCha20Rng, n: u32) -> u32 {
    rng.next_u32() % n
}

/// Runs one session; adds its figures to `report`.
pub fn run_session(config: &Config, index: usize, report: &mut Report) {
    let pattern = if index.is_multiple_of(2) {
        Pattern::PingPong
    } else {
        Pattern::Bursty
    };
    let label = format!("simulate {} session {index}", config.seed);
    let mut c = Conversation::new(&label);
    let mut rng = crate::rng(&format!("{label} events"));
    let mut from = Side::Alice;
    let mut burst = 0u32;
    let mut epoch = 0u32;
    let mut since_epoch = 0u64;
    let healing = report.healing.entry(pattern_name(pattern)).or_default();
    while c.stats.sent < config.messages_per_session {
        let r = below(&mut rng, 100);
        let to = if below(&mut rng, 2) == 0 {
            Side::Alice
        } else {
            Side::Bob
        };
        let pick = u16::try_from(rng.next_u32() & 0xFFFF).unwrap();
        match r {
            0..40 => {
                if burst == 0 {
                    from = match from {
                        Side::Alice => Side::Bob,
                        Side::Bob => Side::Alice,
                    };
                    burst = match pattern {
                        Pattern::PingPong => 1,
                        Pattern::Bursty => 1 + below(&mut rng, 40),
                    };
                }
                burst -= 1;
                let len = u8::try_from(below(&mut rng, 200)).unwrap();
                c.apply(&Event::Send { from, len });
                since_epoch += 1;
            }
            // Delivery in order of arrival most of the time, else a random pick: reordering,
            // and delay for whatever stays in flight.
            40..70 => c.apply(&Event::Deliver { to, pick: 0 }),
            70..85 => c.apply(&Event::Deliver { to, pick }),
            85..89 => {
                if c.in_flight(to) > 0 {
                    report.dropped += 1;
                }
                c.apply(&Event::Drop { to, pick });
            }
            89..93 => c.apply(&Event::Replay { to, pick }),
            93..96 => c.apply(&Event::Tamper {
                to,
                pick,
                bit: rng.next_u32(),
            }),
            96..98 => {
                let mut body = vec![0u8; 4096];
                rng.fill_bytes(&mut body);
                c.forge(to, pick, &body);
            }
            _ => {
                // A restart: the side restores its state from the blob it persisted last
                // (after its last change, as the README requires).
                c.apply(&Event::SaveLoad { who: to });
                report.restores += 1;
            }
        }
        let now = c.session(Side::Alice).info().pq_epoch;
        if now > epoch {
            healing.push(since_epoch);
            since_epoch = 0;
            epoch = now;
        }
    }
    c.settle();
    report.sessions += 1;
    report.sent += c.stats.sent;
    report.decrypted += c.stats.decrypted;
    report.expired += c.stats.expired;
    report.delivered += c.stats.decrypted + c.stats.expired;
    report.replays_rejected += c.stats.duplicates_rejected;
    report.replays_rejected_old_chain += c.stats.replays_expired;
    report.tampered_rejected += c.stats.tampered_rejected;
    report.forged_rejected += c.stats.forged_rejected;
    report.pq_epochs += u64::from(c.session(Side::Alice).info().pq_epoch);
    for (code, n) in &c.rejected {
        *report.rejected_by_code.entry(code).or_default() += n;
    }
}

/// Runs every session of `config`.
pub fn run(config: &Config) -> Report {
    let mut report = Report::default();
    for i in 0..config.sessions {
        run_session(config, i, &mut report);
    }
    report
}

fn percentile(sorted: &[u64], p: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[(sorted.len() - 1) * p / 100]
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "| figure | count |\n| --- | ---: |")?;
        for (name, n) in [
            ("sessions", self.sessions),
            ("messages sent", self.sent),
            ("delivered (first time)", self.delivered),
            ("decrypted exactly once", self.decrypted),
            ("expired under the receiving-chain limit", self.expired),
            ("dropped by the network", self.dropped),
            (
                "replays rejected (DUPLICATE_MESSAGE)",
                self.replays_rejected,
            ),
            (
                "replays of chains past the retired keys rejected (AUTH_FAILED)",
                self.replays_rejected_old_chain,
            ),
            ("tampered rejected", self.tampered_rejected),
            ("forged rejected", self.forged_rejected),
            ("restores from the last sealed blob", self.restores),
            ("PQ epochs completed", self.pq_epochs),
        ] {
            writeln!(f, "| {name} | {n} |")?;
        }
        for (code, n) in &self.rejected_by_code {
            writeln!(f, "| rejected with {code} | {n} |")?;
        }
        // Not counters: the model panics on the first replay accepted or session that fails to
        // settle, so a finished run had none.
        writeln!(
            f,
            "\nReplays accepted and desynchronised sessions: none (each stops the run)."
        )?;
        writeln!(
            f,
            "\n| pattern | PQ epochs | messages per epoch: median | p90 | max |\n| --- | ---: | ---: | ---: | ---: |"
        )?;
        for (pattern, v) in &self.healing {
            let mut v = v.clone();
            v.sort_unstable();
            writeln!(
                f,
                "| {pattern} | {} | {} | {} | {} |",
                v.len(),
                percentile(&v, 50),
                percentile(&v, 90),
                v.last().copied().unwrap_or(0)
            )?;
        }
        Ok(())
    }
}
