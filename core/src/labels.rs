//! Every domain separator, KDF label, signature context and wire constant, defined once.
//!
//! Spec: `docs/PROTOCOL.md`, section 2 ("Constants"). Nothing else in the crate spells a label
//! or a tag as a literal: a reviewer can check the whole separation scheme in this one file.
//!
//! Naming: `KDF_*` are HKDF `info` strings (or HMAC inputs), `SIG_CTX_*` are ML-DSA context
//! strings (FIPS 204, section 5.2), `TAG_*` are one-byte type tags.

/// Protocol name, bound into every transcript.
pub(crate) const PROTOCOL_ID: &[u8] = b"Twofold";

/// Format version of the identity and sealed-blob encodings: the first byte of each (and the
/// version byte of the fingerprint input, so that safety numbers do not change).
pub(crate) const VERSION: u8 = 1;

/// Wire version 2: the first byte of a ratchet message (the chunked PQ ratchet), a prekey
/// upload, a prekey bundle (one signature per upload batch) and an initial message (compact
/// or self-contained), and the version byte of the upload's signed message and of the
/// handshake transcript.
pub(crate) const WIRE_VERSION: u8 = 2;

/// The first byte of an encoding of `object`.
pub(crate) const fn version_of(object_type: u8) -> u8 {
    match object_type {
        object::MESSAGE
        | object::BUNDLE
        | object::UPLOAD
        | object::INITIAL_MESSAGE
        | object::SEALED_BOX => WIRE_VERSION,
        _ => VERSION,
    }
}

/// Cipher suite 1: X25519, ML-KEM-768, ML-DSA-65, HKDF-SHA-256, HMAC-SHA-256,
/// ChaCha20-Poly1305. Carried as the third byte of every top-level encoding.
pub(crate) const SUITE: u8 = 1;

/// Object types: the second byte of every top-level encoding.
pub(crate) mod object {
    /// A public hybrid identity.
    pub(crate) const IDENTITY: u8 = 0x01;
    /// A prekey bundle.
    pub(crate) const BUNDLE: u8 = 0x02;
    /// A handshake (initial) message: handshake fields followed by a ratchet message.
    pub(crate) const INITIAL_MESSAGE: u8 = 0x03;
    /// A ratchet message.
    pub(crate) const MESSAGE: u8 = 0x04;
    /// A prekey upload: identity, signed prekey record and one batch of one-time prekeys under
    /// one signature, from which a server composes bundles.
    pub(crate) const UPLOAD: u8 = 0x05;
    /// A sealed box: one-shot hybrid encryption to a party's signed prekeys, no session.
    pub(crate) const SEALED_BOX: u8 = 0x06;
    /// The plaintext of a sealed session state.
    pub(crate) const SESSION_STATE: u8 = 0x11;
    /// The plaintext of a sealed identity key pair.
    pub(crate) const IDENTITY_STATE: u8 = 0x12;
    /// The plaintext of a sealed prekey store.
    pub(crate) const PREKEY_STORE_STATE: u8 = 0x13;
    /// A sealed (encrypted) state blob; its inner type is one of the `*_STATE` values.
    pub(crate) const SEALED: u8 = 0x20;
}

/// Type tags of the keys and values bound into the handshake transcript.
///
/// Each transcript item is `tag || u16 length || bytes`; the tags are pairwise distinct, so no
/// encoding of one kind of key can be read as another (an X25519 key as an ML-KEM key, a
/// one-time key as a last-resort key), which answers the key-encoding confusion found in the
/// published PQXDH analysis.
pub(crate) mod transcript {
    /// Responder's whole identity body (X25519 key, ML-DSA key, binding signature). (`0x01`,
    /// wire version 1's initiator identity body, is not used.)
    pub(crate) const RESPONDER_IDENTITY: u8 = 0x02;
    /// Signed X25519 prekey (id followed by key).
    pub(crate) const SIGNED_PREKEY: u8 = 0x03;
    /// One-time X25519 prekey (id followed by key).
    pub(crate) const ONE_TIME_PREKEY: u8 = 0x04;
    /// Last-resort ML-KEM-768 prekey (id followed by key).
    pub(crate) const LAST_RESORT_KEM_PREKEY: u8 = 0x05;
    /// One-time ML-KEM-768 prekey (id followed by key).
    pub(crate) const ONE_TIME_KEM_PREKEY: u8 = 0x06;
    /// Initiator's ephemeral X25519 public key.
    pub(crate) const EPHEMERAL: u8 = 0x07;
    /// ML-KEM-768 ciphertext.
    pub(crate) const KEM_CIPHERTEXT: u8 = 0x08;
    /// Initiator's X25519 identity key and fingerprint (both forms of the initial message).
    pub(crate) const INITIATOR: u8 = 0x09;
    /// Initiator's identity binding signature: present exactly when the initial message is
    /// self-contained, so the form cannot be changed in transit.
    pub(crate) const INITIATOR_BINDING: u8 = 0x0B;
}

/// Prefix of the handshake transcript hash input.
pub(crate) const TRANSCRIPT_PREFIX: &[u8] = b"Twofold v2 handshake transcript";

/// HKDF `info` for the root key output by the handshake.
pub(crate) const KDF_HANDSHAKE_ROOT: &[u8] = b"Twofold v2 handshake root key";
/// HKDF `info` for the initiator's first sending chain key output by the handshake.
pub(crate) const KDF_HANDSHAKE_CHAIN: &[u8] = b"Twofold v2 handshake initial chain";
/// HKDF `info` for the short authentication string.
pub(crate) const KDF_SAS: &[u8] = b"Twofold v2 short authentication string";
/// HKDF `info` for a ratchet root step (followed by one byte: 0 = DH only, 1 = DH + KEM).
pub(crate) const KDF_ROOT: &[u8] = b"Twofold v2 root step";
/// HMAC input deriving a message key seed from a chain key.
pub(crate) const KDF_CHAIN_MESSAGE: u8 = 0x01;
/// HMAC input deriving the next chain key from a chain key.
pub(crate) const KDF_CHAIN_NEXT: u8 = 0x02;
/// HKDF `info` expanding a message key into the SIV encryption and MAC keys.
pub(crate) const KDF_MESSAGE_KEY: &[u8] = b"Twofold v2 message key";
/// Hash prefix of the commitment to a PQ ratchet encapsulation key (`c_ek`).
pub(crate) const PQ_KEY_COMMITMENT: &[u8] = b"Twofold v2 ek commitment";
/// Hash prefix of a PQ epoch's transcript (`th_e`, the salt of its HKDF).
pub(crate) const PQ_EPOCH_TRANSCRIPT: &[u8] = b"Twofold v2 epoch transcript";
/// HKDF `info` of a PQ epoch's confirmation value (`conf_e`, sent in the clear).
pub(crate) const PQ_EPOCH_CONFIRM: &[u8] = b"Twofold v2 epoch confirm";
/// HKDF `info` of a PQ epoch's secret (`s_e`, mixed into one root step).
pub(crate) const PQ_EPOCH_SECRET: &[u8] = b"Twofold v2 epoch secret";
/// HKDF `info` deriving the key that seals a state blob (followed by the object type byte).
pub(crate) const KDF_STATE_KEY: &[u8] = b"Twofold v1 sealed state";
/// Hash prefix of a safety-number fingerprint.
pub(crate) const SAFETY_NUMBER_PREFIX: &[u8] = b"Twofold v1 safety number";

/// The label of the X-Wing combiner (draft-connolly-cfrg-xwing-kem), `\.//^\`: the last
/// input of the SHA3-256 hash that combines a sealed box's ML-KEM and X25519 secrets.
pub(crate) const XWING_LABEL: &[u8] = b"\\.//^\\";
/// Hash prefix of a sealed box's salts (followed by the recipient's fingerprint and the box's
/// bytes before its payload).
pub(crate) const SEALED_BOX_SALT: &[u8] = b"Twofold v2 sealed box";
/// HKDF `info` of the key that encrypts a sealed box's payload.
pub(crate) const KDF_SEALED_BOX_KEY: &[u8] = b"Twofold v2 sealed box key";
/// HKDF `info` of the key that encrypts the sender block of a sender-authenticated box.
pub(crate) const KDF_SEALED_BOX_SENDER: &[u8] = b"Twofold v2 sealed box sender";

/// ML-DSA context: the identity signing key binds the identity X25519 key.
pub(crate) const SIG_CTX_IDENTITY: &[u8] = b"Twofold v1 identity binding";
/// ML-DSA context: the one signature of a prekey upload, over the owner's fingerprint, the
/// signed prekey record and the Merkle root of the batch of one-time prekeys. (Wire version 1
/// signed with `"Twofold v1 signed prekeys"` and `"Twofold v1 one-time prekeys"`; both are
/// retired and no longer verified.)
pub(crate) const SIG_CTX_UPLOAD: &[u8] = b"Twofold v2 prekey upload";

/// First bytes of the Merkle tree hash inputs of an upload batch: a leaf, an inner node and
/// an empty (padding) position. Distinct first bytes and lengths keep the three roles apart.
pub(crate) mod merkle {
    /// `SHA-256(LEAF || tree_id || u16(i) || leaf)`.
    pub(crate) const LEAF: u8 = 0x00;
    /// `SHA-256(NODE || tree_id || u8(level) || u16(j) || left || right)`.
    pub(crate) const NODE: u8 = 0x01;
    /// `SHA-256(PADDING || tree_id || u16(i))` for positions at or beyond the leaf count.
    pub(crate) const PADDING: u8 = 0x02;
}

/// Version of the QR payload of a safety number.
pub(crate) const SAFETY_QR_VERSION: u8 = 1;

/// Version of the sealed formats, per object type: sessions and prekey stores are format 3
/// (blob bound to a context, plaintext begins with the generation), identity key pairs
/// format 2 (bound to a context). Format 1 identities (no context) still open, with an empty
/// context only; earlier session and store formats are refused (docs/PROTOCOL.md 10.1).
pub(crate) const fn state_format(object_type: u8) -> u8 {
    match object_type {
        object::SESSION_STATE | object::PREKEY_STORE_STATE => 3,
        _ => 2,
    }
}
