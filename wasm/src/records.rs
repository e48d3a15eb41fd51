//! The values that cross the boundary as data: plain JS objects whose TypeScript declaration
//! is generated from the same macro invocation that builds them ([`js_record!`],
//! [`js_enum!`]), so the shape is stated once, here, and appears in the generated `.d.ts`.
//! Each record is filled from the core's own type; nothing is computed.

// Each module (client, server) converts only its own records; every declaration stays in
// both `.d.ts` files.
#![allow(dead_code)]

use alloc::vec::Vec;

use js_sys::{Array, Object, Reflect, Uint8Array};
use twofold_core as core_;
use wasm_bindgen::prelude::*;

/// A value as JavaScript sees it.
pub(crate) trait ToJs {
    fn to_js(self) -> JsValue;
}

impl ToJs for JsValue {
    fn to_js(self) -> JsValue {
        self
    }
}

impl ToJs for u32 {
    fn to_js(self) -> JsValue {
        self.into()
    }
}

impl ToJs for u16 {
    fn to_js(self) -> JsValue {
        self.into()
    }
}

impl ToJs for bool {
    fn to_js(self) -> JsValue {
        self.into()
    }
}

/// A count bounded by the core's limits (far below 2^53).
impl ToJs for usize {
    fn to_js(self) -> JsValue {
        JsValue::from_f64(u32::try_from(self).map_or(f64::from(u32::MAX), f64::from))
    }
}

/// A 64-bit counter or clock: exact up to 2^53, clamped there (not reachable in practice).
impl ToJs for u64 {
    fn to_js(self) -> JsValue {
        let n = self.min(1 << 53);
        let high = u32::try_from(n >> 32).map_or(0.0, f64::from);
        let low = u32::try_from(n & 0xFFFF_FFFF).map_or(0.0, f64::from);
        JsValue::from_f64(high * 4_294_967_296.0 + low)
    }
}

impl ToJs for &str {
    fn to_js(self) -> JsValue {
        JsValue::from_str(self)
    }
}

impl ToJs for &[u8] {
    fn to_js(self) -> JsValue {
        Uint8Array::from(self).into()
    }
}

/// Absent values are `null`.
impl<T: ToJs> ToJs for Option<T> {
    fn to_js(self) -> JsValue {
        self.map_or(JsValue::NULL, ToJs::to_js)
    }
}

impl<T: ToJs> ToJs for Vec<T> {
    fn to_js(self) -> JsValue {
        self.into_iter().map(ToJs::to_js).collect::<Array>().into()
    }
}

/// Declares a string union: a Rust enum, its `ToJs`, its parser, and `export type`.
macro_rules! js_enum {
    ($(#[doc = $doc:literal])* $name:ident { $($(#[doc = $vdoc:literal])* $variant:ident = $js:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum $name {
            $($(#[doc = $vdoc])* $variant,)+
        }

        impl ToJs for $name {
            fn to_js(self) -> JsValue {
                JsValue::from_str(match self { $($name::$variant => $js,)+ })
            }
        }

        impl $name {
            /// Parses the JS string form.
            #[allow(dead_code)]
            pub(crate) fn parse(s: &str) -> Option<Self> {
                match s { $($js => Some($name::$variant),)+ _ => None }
            }
        }

        const _: () = {
            #[wasm_bindgen(typescript_custom_section)]
            const TS: &'static str = concat!(
                "\n/**", $($doc, "\n *",)* " */\nexport type ", stringify!($name), " = ",
                $("\"", $js, "\" | ",)+ "never;\n"
            );
        };
    };
}

/// A plain object with the properties `names[i]: values[i]`. One copy for every record: the
/// per-field code of a record is only the conversion of its value.
#[inline(never)]
fn object(names: &[&str], values: &[JsValue]) -> JsValue {
    let o = Object::new();
    for (name, value) in names.iter().zip(values) {
        // Setting a property of a fresh plain object cannot fail.
        let _ = Reflect::set(&o, &JsValue::from_str(name), value);
    }
    o.into()
}

/// Declares a record: a builder from named field values to a plain JS object, and the
/// TypeScript `interface` with each field's documentation and type.
macro_rules! js_record {
    ($(#[doc = $doc:literal])* $name:ident { $($(#[doc = $fdoc:literal])* $field:ident : $ts:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[allow(non_snake_case, non_camel_case_types)]
        pub(crate) struct $name<$($field),+> {
            $($(#[doc = $fdoc])* pub(crate) $field: $field,)+
        }

        #[allow(non_camel_case_types)]
        impl<$($field: ToJs),+> ToJs for $name<$($field),+> {
            fn to_js(self) -> JsValue {
                object(&[$(stringify!($field)),+], &[$(self.$field.to_js()),+])
            }
        }

        const _: () = {
            #[wasm_bindgen(typescript_custom_section)]
            const TS: &'static str = concat!(
                "\n/**", $($doc, "\n *",)* " */\nexport interface ", stringify!($name), " {\n",
                $("  /**", $($fdoc,)* " */\n  readonly ", stringify!($field), ": ", $ts, ";\n",)+
                "}\n"
            );
        };
    };
}

js_enum! {
    /// Which side of the handshake a session was.
    Role {
        /// Started the session from a bundle.
        Initiator = "initiator",
        /// Accepted an initial message.
        Responder = "responder",
    }
}

js_enum! {
    /// Initial or ratchet message.
    MessageKind {
        /// An initial message: for `Session.accept` (or the session of its handshake).
        Initial = "initial",
        /// A ratchet message of an existing session.
        Ratchet = "ratchet",
    }
}

js_enum! {
    /// Which ML-KEM prekey an initial message names.
    KemPrekeyKind {
        /// The signed last-resort ML-KEM prekey.
        LastResort = "last-resort",
        /// A signed one-time ML-KEM prekey.
        OneTime = "one-time",
    }
}

js_enum! {
    /// Which PQ object a chunk belongs to.
    PqChunkKind {
        /// The initiator's ML-KEM key of an epoch.
        Key = "key",
        /// The responder's ML-KEM ciphertext of an epoch.
        Ciphertext = "ciphertext",
    }
}

js_record! {
    /// The public fields of the PQ chunk a message carries.
    PqChunkInfo {
        /// The object it belongs to.
        kind: "PqChunkKind",
        /// The object's epoch.
        epoch: "number",
        /// The chunk's index (the erasure code's evaluation point).
        index: "number",
    }
}

js_record! {
    /// The handshake fields of an initial message, as a server sees them.
    HandshakeInfo {
        /// The initiator's X25519 identity key, as the message states it.
        initiatorKey: "Uint8Array",
        /// Fingerprint of the initiator's identity, as the message states it: look her
        /// identity up by it and pass it to `accept` (unauthenticated until then).
        initiatorFingerprint: "Uint8Array",
        /// The message carries her whole identity (self-contained form).
        selfContained: "boolean",
        /// Id of the signed prekey used.
        signedPrekeyId: "number",
        /// Id of the one-time X25519 prekey used, or `null`.
        oneTimePrekeyId: "number | null",
        /// Which ML-KEM prekey was used.
        kemPrekeyKind: "KemPrekeyKind",
        /// Its id.
        kemPrekeyId: "number",
    }
}

js_record! {
    /// What anyone who sees a message can read from it: nothing here is secret or
    /// authenticated.
    MessageDescription {
        /// Initial or ratchet message.
        kind: "MessageKind",
        /// For an initial message: the prekeys it names; `null` otherwise.
        handshake: "HandshakeInfo | null",
        /// The sender's ratchet public key (one per sending chain).
        ratchetKey: "Uint8Array",
        /// Index of the message in its chain.
        index: "number",
        /// Length of the sender's previous chain.
        previousChainLength: "number",
        /// The PQ chunk the message carries, or `null`.
        pqChunk: "PqChunkInfo | null",
        /// The message's chain mixed a PQ epoch secret.
        pqMix: "boolean",
        /// Length of the SIV ciphertext (plaintext + tag).
        ciphertextLength: "number",
    }
}

js_record! {
    /// Non-secret session state.
    SessionInfo {
        /// Which side of the handshake we were.
        role: "Role",
        /// DH ratchet steps so far.
        dhEpoch: "number",
        /// PQ epochs mixed into the root key so far (0: only the handshake's ML-KEM secret).
        pqEpoch: "number",
        /// Epoch of the PQ object we send chunks of (0 if none).
        pqSendingEpoch: "number",
        /// Chunks of it sent so far.
        pqChunksSent: "number",
        /// Epoch of the PQ object we collect chunks of.
        pqReceivingEpoch: "number",
        /// Distinct chunks of it held.
        pqChunksReceived: "number",
        /// Distinct chunks it needs (36 for a key, 33 for a ciphertext).
        pqChunksNeeded: "number",
        /// Messages we sent since the last PQ epoch was mixed (or the handshake).
        messagesSentSincePqEpoch: "number",
        /// Messages we received since then.
        messagesReceivedSincePqEpoch: "number",
        /// Caller's clock (seconds) at our first message after the last PQ epoch, or the
        /// handshake: warn when it grows old (a peer that never completes PQ epochs).
        lastPqEpochAt: "number",
        /// PQ objects from the peer that failed their checks (`PQ_INCONSISTENT`: a forked or
        /// broken peer); the messages that carried them were delivered.
        pqFaults: "number",
        /// Index of our next message in the current sending chain.
        sendingIndex: "number",
        /// Index of the next expected message in the current receiving chain.
        receivingIndex: "number",
        /// Message keys held for messages that have not arrived yet.
        skippedKeys: "number",
        /// Distinct chains those keys belong to.
        skippedChains: "number",
        /// Messages encrypted.
        sent: "number",
        /// Messages decrypted.
        received: "number",
        /// Initiator only: no reply yet, so messages still carry the handshake.
        awaitingReply: "boolean",
        /// The peer answered our ratchet key (hold back side effects of earlier messages,
        /// which a replayed initial message could repeat).
        peerConfirmed: "boolean",
        /// The next message starts a new sending chain (DH step).
        newChainNext: "boolean",
        /// How many times the state changed; sealed with it. Record it when you store the
        /// blob and pass it to `Session.open` as `minGeneration` to refuse an older copy.
        generation: "number",
    }
}

js_record! {
    /// Counts of what a prekey store holds.
    PrekeyStoreInfo {
        /// Id of the current signed prekey.
        signedPrekeyId: "number",
        /// When the current signed prekeys were created (Unix seconds): rotate well inside
        /// the initiators' maximum age, then upload.
        signedPrekeyCreatedAt: "number",
        /// Whether a previous signed prekey is still accepted (grace period).
        hasPreviousSignedPrekey: "boolean",
        /// One-time X25519 prekeys held (uploaded, not yet used).
        oneTimeHeld: "number",
        /// One-time ML-KEM prekeys held.
        oneTimeKemHeld: "number",
        /// The batch id of the next upload.
        nextBatchId: "number",
        /// Handshakes remembered for replay detection.
        replayCacheLength: "number",
        /// Handshakes without a one-time prekey the current signed prekey still takes before
        /// it must be rotated (`LIMIT_EXCEEDED` after that).
        replayCacheRemaining: "number",
        /// How many times the state changed; sealed with it. Record it when you store the
        /// blob and pass it to `PrekeyStore.open` as `minGeneration` to refuse an older copy.
        generation: "number",
    }
}

js_record! {
    /// One emoji of a short authentication string.
    SasEmoji {
        /// The emoji.
        emoji: "string",
        /// Its name (for screen readers and reading aloud).
        name: "string",
    }
}

js_record! {
    /// The short authentication string of a handshake.
    Sas {
        /// Seven emoji (42 bits).
        emoji: "SasEmoji[]",
        /// Three numbers from 1000 to 9191 (39 bits).
        decimal: "[number, number, number]",
    }
}

js_record! {
    /// The public facts of a verified bundle.
    BundleInfo {
        /// The owner's encoded public identity.
        identity: "Uint8Array",
        /// Id of the signed X25519 prekey.
        signedPrekeyId: "number",
        /// Id of the one-time X25519 prekey, or `null`.
        oneTimePrekeyId: "number | null",
        /// Id of the one-time ML-KEM prekey, or `null` (the last-resort one is used).
        oneTimeKemPrekeyId: "number | null",
        /// When the signed prekeys were created (the owner's clock, Unix seconds; signed).
        createdAt: "number",
        /// The owner's batch counter of the upload the bundle was composed from.
        batchId: "number",
    }
}

js_record! {
    /// What a prekey upload says (nothing verified by `inspectUpload`).
    UploadInfo {
        /// SHA-256 fingerprint of the owner's identity.
        fingerprint: "Uint8Array",
        /// The owner's encoded public identity.
        identity: "Uint8Array",
        /// Id of the signed X25519 prekey.
        signedPrekeyId: "number",
        /// Id of the last-resort ML-KEM prekey.
        lastResortKemId: "number",
        /// When the signed prekeys were created (the owner's clock, Unix seconds).
        createdAt: "number",
        /// The owner's batch counter (a later upload has a larger id).
        batchId: "number",
        /// One-time leaves: bundles with one-time prekeys it can compose.
        leafCount: "number",
    }
}

js_record! {
    /// The protocol's sizes, limits and defaults, from the core: applications and the JS
    /// layer read them here instead of restating any number.
    Constants {
        /// Largest message of either kind `decrypt` and `accept` take.
        maxMessageLength: "number",
        /// Largest bundle.
        maxBundleLength: "number",
        /// Largest plaintext `encrypt` takes.
        maxPlaintextLength: "number",
        /// Length of the application key that seals state.
        appKeyLength: "number",
        /// Largest context a sealed blob is bound to.
        maxSealContextLength: "number",
        /// Largest sealed blob `open` takes.
        maxSealedLength: "number",
        /// Largest associated data `initiate`, `accept`, `encrypt` and `decrypt` take.
        maxAssociatedDataLength: "number",
        /// Length of an encoded public identity.
        identityLength: "number",
        /// Length of an identity's fingerprint (`peerFingerprint`, `fingerprintOf`).
        fingerprintLength: "number",
        /// Length of a safety-number QR payload.
        safetyQrLength: "number",
        /// Bytes of a ratchet message header without PQ data.
        headerLength: "number",
        /// Bytes a PQ chunk (epoch, index, 34 bytes) adds to a header.
        headerChunkLength: "number",
        /// Bytes of the tag at the end of every message.
        aeadTagLength: "number",
        /// Largest forward jump within one chain.
        maxForwardJump: "number",
        /// Skipped message keys kept in total.
        maxSkippedKeys: "number",
        /// One-time prekeys of each kind a store holds at most.
        maxOneTimePrekeys: "number",
        /// One-time prekeys of each kind an upload gets when none is asked for.
        defaultOneTimePrekeys: "number",
        /// One-time leaves an upload holds at most.
        maxBatchLeaves: "number",
        /// Length of the largest upload.
        maxUploadLength: "number",
        /// Default maximum age (seconds) of a bundle's signed prekeys at `initiate`.
        defaultMaxPrekeyAge: "number",
        /// Identities an `IdentityCache` keeps when no capacity is given.
        defaultIdentityCacheCapacity: "number",
        /// Bytes an anonymous sealed box adds to its plaintext.
        sealedBoxOverhead: "number",
        /// Bytes a sender-authenticated sealed box adds to its plaintext.
        sealedBoxAuthenticatedOverhead: "number",
        /// Length of the largest sealed box.
        maxSealedBoxLength: "number",
    }
}

js_record! {
    /// A new session and the initial message to send.
    Initiated {
        /// The initiator's session.
        session: "Session",
        /// The initial message.
        message: "Uint8Array",
    }
}

js_record! {
    /// The public fields of a sealed box: what a server can read from it.
    BoxInfo {
        /// Whether the box carries an (encrypted) sender.
        authenticated: "boolean",
        /// Id of the recipient's signed X25519 prekey it is sealed to.
        signedPrekeyId: "number",
        /// Id of the recipient's last-resort ML-KEM prekey it is sealed to.
        kemPrekeyId: "number",
        /// SHA-256 of the whole box: once a box opened, keep its id to refuse it if it comes
        /// again (not authenticated before it opens).
        boxId: "Uint8Array",
        /// The payload's length (plaintext + 16).
        payloadLength: "number",
    }
}

js_record! {
    /// An opened sealed box.
    OpenedBox {
        /// The plaintext.
        plaintext: "Uint8Array",
        /// The sender's fingerprint (a sender-authenticated box), else `null`.
        sender: "Uint8Array | null",
        /// As `BoxInfo.boxId`.
        boxId: "Uint8Array",
    }
}

js_record! {
    /// A new session and the plaintext of the initial message.
    Accepted {
        /// The responder's session.
        session: "Session",
        /// The first message's plaintext.
        plaintext: "Uint8Array",
    }
}

#[cfg(feature = "client")]
pub(crate) fn message_kind(k: core_::MessageKind) -> MessageKind {
    match k {
        core_::MessageKind::Initial => MessageKind::Initial,
        _ => MessageKind::Ratchet,
    }
}

#[cfg(feature = "client")]
pub(crate) fn message_description(d: core_::MessageDescription) -> JsValue {
    let handshake = d.handshake.map(|h| {
        let (kind, id) = match h.kem_prekey {
            core_::KemPrekeyUsed::LastResort(id) => (KemPrekeyKind::LastResort, id),
            core_::KemPrekeyUsed::OneTime(id) => (KemPrekeyKind::OneTime, id),
        };
        HandshakeInfo {
            initiatorKey: &h.initiator_key.as_bytes()[..],
            initiatorFingerprint: &h.initiator_fingerprint[..],
            selfContained: h.self_contained,
            signedPrekeyId: h.signed_prekey_id,
            oneTimePrekeyId: h.one_time_prekey_id,
            kemPrekeyKind: kind,
            kemPrekeyId: id,
        }
        .to_js()
    });
    MessageDescription {
        kind: message_kind(d.kind),
        handshake,
        ratchetKey: &d.ratchet_key.as_bytes()[..],
        index: d.index,
        previousChainLength: d.previous_chain_len,
        pqChunk: d.pq_chunk.map(|c| {
            PqChunkInfo {
                kind: match c.kind {
                    core_::PqChunkKind::Key => PqChunkKind::Key,
                    core_::PqChunkKind::Ciphertext => PqChunkKind::Ciphertext,
                },
                epoch: c.epoch,
                index: c.index,
            }
            .to_js()
        }),
        pqMix: d.pq_mix,
        ciphertextLength: d.ciphertext_len,
    }
    .to_js()
}

#[cfg(feature = "client")]
pub(crate) fn session_info(i: core_::SessionInfo) -> JsValue {
    SessionInfo {
        role: match i.role {
            core_::Role::Initiator => Role::Initiator,
            core_::Role::Responder => Role::Responder,
        },
        dhEpoch: i.dh_epoch,
        pqEpoch: i.pq_epoch,
        pqSendingEpoch: i.pq_sending_epoch,
        pqChunksSent: i.pq_chunks_sent,
        pqReceivingEpoch: i.pq_receiving_epoch,
        pqChunksReceived: i.pq_chunks_received,
        pqChunksNeeded: i.pq_chunks_needed,
        messagesSentSincePqEpoch: i.messages_sent_since_pq_epoch,
        messagesReceivedSincePqEpoch: i.messages_received_since_pq_epoch,
        lastPqEpochAt: i.last_pq_epoch_at,
        pqFaults: i.pq_faults,
        sendingIndex: i.sending_index,
        receivingIndex: i.receiving_index,
        skippedKeys: i.skipped_keys,
        skippedChains: i.skipped_chains,
        sent: i.sent,
        received: i.received,
        awaitingReply: i.awaiting_reply,
        peerConfirmed: i.peer_confirmed,
        newChainNext: i.new_chain_next,
        generation: i.generation,
    }
    .to_js()
}

#[cfg(feature = "client")]
pub(crate) fn prekey_store_info(i: core_::PrekeyStoreInfo) -> JsValue {
    PrekeyStoreInfo {
        signedPrekeyId: i.signed_prekey_id,
        signedPrekeyCreatedAt: i.signed_prekey_created_at,
        hasPreviousSignedPrekey: i.has_previous_signed_prekey,
        oneTimeHeld: i.one_time_held,
        oneTimeKemHeld: i.one_time_kem_held,
        nextBatchId: i.next_batch_id,
        replayCacheLength: i.replay_cache_len,
        replayCacheRemaining: i.replay_cache_remaining,
        generation: i.generation,
    }
    .to_js()
}

#[cfg(feature = "client")]
pub(crate) fn sas(sas: core_::Sas) -> JsValue {
    Sas {
        emoji: sas
            .emoji()
            .iter()
            .map(|(emoji, name)| {
                SasEmoji {
                    emoji: *emoji,
                    name: *name,
                }
                .to_js()
            })
            .collect::<Vec<_>>(),
        decimal: sas.decimal().to_vec(),
    }
    .to_js()
}

#[cfg(feature = "client")]
pub(crate) fn bundle_info(b: &core_::VerifiedBundle) -> JsValue {
    BundleInfo {
        identity: b.identity().to_bytes().as_slice(),
        signedPrekeyId: b.signed_prekey_id(),
        oneTimePrekeyId: b.one_time_prekey_id(),
        oneTimeKemPrekeyId: b.one_time_kem_prekey_id(),
        createdAt: b.signed_prekeys_created_at(),
        batchId: b.batch_id(),
    }
    .to_js()
}

#[cfg(any(feature = "client", feature = "server"))]
pub(crate) fn box_info(d: core_::BoxDescription) -> JsValue {
    BoxInfo {
        authenticated: d.authenticated,
        signedPrekeyId: d.signed_prekey_id,
        kemPrekeyId: d.kem_prekey_id,
        boxId: &d.box_id[..],
        payloadLength: d.payload_len,
    }
    .to_js()
}

#[cfg(feature = "server")]
pub(crate) fn upload_info(u: core_::UploadInfo) -> JsValue {
    UploadInfo {
        fingerprint: &u.fingerprint[..],
        identity: u.identity.as_slice(),
        signedPrekeyId: u.signed_prekey_id,
        lastResortKemId: u.last_resort_kem_id,
        createdAt: u.created_at,
        batchId: u.batch_id,
        leafCount: u.leaf_count,
    }
    .to_js()
}

#[cfg(feature = "client")]
pub(crate) fn constants() -> JsValue {
    use core_::consts;
    Constants {
        maxMessageLength: core_::MAX_INITIAL_MESSAGE_LEN,
        maxBundleLength: core_::BUNDLE_MAX_LEN,
        maxPlaintextLength: consts::MAX_PLAINTEXT_LEN,
        appKeyLength: core_::APP_KEY_LEN,
        maxSealContextLength: core_::MAX_SEAL_CONTEXT_LEN,
        maxSealedLength: core_::MAX_SEALED_LEN,
        maxAssociatedDataLength: consts::MAX_ASSOCIATED_DATA_LEN,
        identityLength: core_::IDENTITY_LEN,
        fingerprintLength: core_::FINGERPRINT_LEN,
        safetyQrLength: core_::SAFETY_QR_LEN,
        headerLength: core_::HEADER_LEN,
        headerChunkLength: core_::HEADER_CHUNK_LEN,
        aeadTagLength: core_::AEAD_TAG_LEN,
        maxForwardJump: consts::MAX_FORWARD_JUMP,
        maxSkippedKeys: consts::MAX_SKIPPED_KEYS,
        maxOneTimePrekeys: consts::MAX_ONE_TIME_PREKEYS,
        defaultOneTimePrekeys: consts::DEFAULT_ONE_TIME_PREKEYS,
        maxBatchLeaves: consts::MAX_BATCH_LEAVES,
        maxUploadLength: core_::UPLOAD_MAX_LEN,
        defaultMaxPrekeyAge: consts::DEFAULT_MAX_PREKEY_AGE_SECS,
        defaultIdentityCacheCapacity: consts::DEFAULT_IDENTITY_CACHE_CAPACITY,
        sealedBoxOverhead: core_::SEALED_BOX_OVERHEAD,
        sealedBoxAuthenticatedOverhead: core_::SEALED_BOX_AUTHENTICATED_OVERHEAD,
        maxSealedBoxLength: core_::MAX_SEALED_BOX_LEN,
    }
    .to_js()
}
