//! Every limit the protocol enforces, with the trade-off behind each number.
//!
//! Spec: `docs/PROTOCOL.md`, section 7 ("Limits"). Tests refer to these constants, never to
//! the literal values, so changing a limit here changes what the tests check.
//!
//! For comparison, the limits other implementations chose (max forward jump / skipped keys
//! kept / receiving chains): libsignal 25,000 / 2,000 per chain / 5; vodozemac 2,000 / 40 per
//! chain / 5; OpenMLS 1,000 / 5 / -.

/// Largest gap between the next expected message number of a chain and the number of an
/// arriving message (including the gap up to the peer's announced previous-chain length).
///
/// Before a message's tag is checked the receiver derives only the chain keys up to its index
/// (one HMAC-SHA-256 each) and its message key; the skipped keys (two HMACs and one stored key
/// each) only after it authenticated. So a forged message costs at most this many chain-key
/// HMACs, one message-key HMAC, the fixed HKDF work of one message key (and one root step),
/// one X25519 and the SIV check of the body (no KEM operation, no chunk decoding): measured by `make bench` ("forged message ..."), about
/// 0.43–0.53 ms natively at the maximum, 29–44 times an honest 100-byte message. A chat app that
/// drops more than 2,000 consecutive messages of one chain has a bigger problem than lost
/// messages. libsignal allows 25,000; vodozemac 2,000, which we follow.
pub const MAX_FORWARD_JUMP: u32 = 2_000;

/// Skipped message keys kept for one receiving chain; the oldest are evicted first.
///
/// Equal to [`MAX_FORWARD_JUMP`] so one maximal jump in one chain keeps every key it skipped:
/// a reordering network delays messages, it rarely loses 2,000 and delivers the rest.
pub const MAX_SKIPPED_KEYS_PER_CHAIN: usize = 2_000;

/// Skipped message keys kept in total across all receiving chains; the oldest are evicted
/// first. Bounds the session state: each key is 68 bytes serialized (ratchet key, index,
/// message key), so at most 204,000 bytes.
pub const MAX_SKIPPED_KEYS: usize = 3_000;

/// Receiving chains (distinct peer ratchet keys) whose skipped keys are kept. When a sixth
/// chain starts, every key of the oldest chain is dropped. Same choice as libsignal and
/// vodozemac: messages older than five ratchet turns are very unlikely to still arrive.
pub const MAX_RECEIVING_CHAINS: usize = 5;

/// Peer ratchet keys of receiving chains we have moved past, remembered so that a late or
/// replayed message of such a chain whose key is gone (consumed or evicted) is reported as a
/// duplicate rather than as an authentication failure. 32 keys of 32 bytes each; a message of
/// an older chain is an authentication failure.
pub const MAX_RETIRED_RATCHET_KEYS: usize = 32;

/// Bytes of one chunk of PQ ratchet material (17 GF(2^16) symbols): the largest chunk that
/// keeps a chunk-carrying ratchet message within 100 bytes of overhead (design note
/// `chunked-pq-ratchet.md`, section 4.3).
pub const PQ_CHUNK_LEN: usize = 34;

/// Chunks of a PQ key object (`ek || c_ek`, 1,216 bytes padded to 1,224): any this many
/// distinct chunks of one epoch give the key back.
pub const PQ_KEY_OBJECT_CHUNKS: usize = 36;

/// Chunks of a PQ ciphertext object (`ct || conf`, 1,120 bytes padded to 1,122).
pub const PQ_CIPHERTEXT_OBJECT_CHUNKS: usize = 33;

/// PQ epochs one side holds at once: the initiator's keys still waiting for their
/// ciphertext, or the responder's ciphertexts not yet mixed plus a decoded key. Two is what
/// pipelining needs (the next key starts when the current one is acknowledged); an honest
/// peer never makes a third necessary. Each held key costs a 64-byte seed in the sealed
/// state; each held ciphertext 1,156 bytes.
pub const MAX_PENDING_EPOCHS: usize = 2;

/// Digests `(ratchet key prefix, index, tag prefix)` of the last messages decrypted, kept so
/// that a second, different message at an index already used is reported as
/// `CONFLICTING_MESSAGE` rather than `DUPLICATE_MESSAGE`: it covers a peer that lost up to
/// this many encryptions (a crash before persisting, a restored backup). 20 bytes each.
pub const MAX_MESSAGE_DIGESTS: usize = 16;

/// Largest plaintext accepted by `encrypt` and largest ciphertext accepted by `decrypt`.
/// Messages are for chat and trading messages; bulk data should be encrypted with a key sent
/// in a message, not by the ratchet.
pub const MAX_PLAINTEXT_LEN: usize = 4 * 1024 * 1024;

/// Largest associated data `initiate`, `accept`, `encrypt` and `decrypt` take (`TOO_LARGE`
/// beyond it, before any work). Associated data is authenticated, never sent: a conversation
/// id, a routing header. The bound keeps a caller from making the library copy and hash an
/// unbounded buffer.
pub const MAX_ASSOCIATED_DATA_LEN: usize = 64 * 1024;

/// Handshakes without a one-time prekey that one signed prekey accepts, each remembered to
/// reject its replay (a handshake that consumed a one-time prekey cannot be replayed and is
/// not recorded). 20 bytes each (signed prekey id and 16 bytes of hash), at most two live
/// signed prekeys: 160 KiB at most. No entry is ever evicted while its signed prekey lives:
/// a full signed prekey refuses such handshakes (`LIMIT_EXCEEDED`) until it is rotated, so
/// an attacker who completes this many handshakes of his own cannot push a victim's entry
/// out (docs/PROTOCOL.md 5.3). Entries go with their signed prekey when it is pruned.
pub const MAX_REPLAY_CACHE: usize = 4_096;

/// One-time prekeys (X25519 and ML-KEM each) a store holds at most. A one-time ML-KEM key is
/// stored as a 64-byte seed, so 1,000 of them plus X25519 keys cost about 100 KB.
pub const MAX_ONE_TIME_PREKEYS: usize = 1_000;

/// Most one-time leaves in one upload batch (each leaf: one X25519 and one ML-KEM one-time
/// prekey, or one of them). Half of [`MAX_ONE_TIME_PREKEYS`], so that an upload never makes
/// the store drop the keys of the batch before it, which the server may still be handing out
/// (if the new upload does not reach it). A Merkle proof of a full batch has 9 siblings.
pub const MAX_BATCH_LEAVES: usize = 500;

/// Default maximum age of a bundle's signed prekeys at `Session::initiate` (30 days, the
/// value Signal uses for unacknowledged prekeys): `SessionConfig::max_prekey_age`.
pub const DEFAULT_MAX_PREKEY_AGE_SECS: u64 = 30 * 24 * 60 * 60;

/// One-time prekeys of each kind a new prekey store is created with when the caller does not
/// say (the JS API's default): enough for a hundred first contacts before the owner tops the
/// store up with `add_one_time_prekeys`.
pub const DEFAULT_ONE_TIME_PREKEYS: usize = 100;

/// Identities an `IdentityCache` of the JS API keeps when the caller does not say: 64, about
/// 3 MB of expanded ML-DSA-65 keys.
pub const DEFAULT_IDENTITY_CACHE_CAPACITY: usize = 64;

/// How long (seconds) a replaced signed prekey pair stays usable after rotation, so initial
/// messages built from a bundle fetched just before the rotation still succeed. Seven days,
/// measured by the caller's clock (the core has none): see `PrekeyStore::prune`.
pub const SIGNED_PREKEY_GRACE_SECS: u64 = 7 * 24 * 60 * 60;

/// Largest handshake prefix of an initial message (the handshake fields, with the initiator's
/// identity in the self-contained form: 6,429 bytes; compact 1,200): bounds the copy a
/// session keeps until the initiator hears back.
pub const MAX_HANDSHAKE_PREFIX_LEN: usize = 8 * 1024;
