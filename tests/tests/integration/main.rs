//! The cross-crate integration tests of Twofold, in one test binary:
//! - `handshake`: agreement, strict rejection, key swaps, replays, low-order keys, hygiene;
//! - `ratchet`: hostile-network conversations, transactional decrypt, FS, limits;
//! - `pq_ratchet`: post-compromise security (classical, quantum, with network control),
//!   chunk authentication and faults, rollback, bytes per message;
//! - `limits`: the maxima of associated data and sealed blobs;
//! - `sealed_box`: one-shot boxes, both modes, against the spec and the X-Wing vectors;
//! - `upload`: uploads, server-composed bundles, every byte signed, freshness, eviction;
//! - `vectors`: the committed vectors regenerated, recomputed and loaded;
//! - `wycheproof`: every vendored Wycheproof case through the protocol's wrappers.
// Test code: a panic is a test failure, so the workspace's no-panic lints do not apply.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::integer_division_remainder_used
)]

mod fuzz_corpus;
mod handshake;
mod limits;
mod pq_ratchet;
mod ratchet;
mod sealed_box;
mod simulate;
mod upload;
mod vectors;
mod wycheproof;
