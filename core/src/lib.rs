#![no_std]
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

pub mod consts;
pub mod error;

mod bundle;
mod erasure;
mod fingerprint;
mod handshake;
mod identity;
mod identity_cache;
mod kdf;
mod keys;
mod labels;
mod message;
mod prekeys;
mod ratchet;
mod sealed_box;
mod session;
mod state;
mod wire;

#[cfg(twofold_trace)]
pub mod hazmat;
#[cfg(twofold_trace)]
pub mod trace;
#[cfg(not(twofold_trace))]
mod trace;
mod upload;

pub use bundle::{BUNDLE_MAX_LEN, BUNDLE_MIN_LEN, PrekeyBundle, VerifiedBundle};
pub use error::{
    AcceptError, DecodeError, DecryptError, EncryptError, ErrorCode, HasErrorCode, InitiateError,
    OpenBoxError, PrekeyError, PrekeyKind, RngError, SealBoxError, SignatureKind, StateError,
    UploadError, VerifyError,
};
pub use fingerprint::{FINGERPRINT_LEN, SAFETY_QR_LEN, SAS_EMOJI, SafetyNumber, Sas};
pub use identity::{IDENTITY_LEN, IdentityKeyPair, PublicIdentity};
pub use identity_cache::IdentityCache;
pub use kdf::AEAD_TAG_LEN;
pub use keys::{
    KEM_CIPHERTEXT_LEN, KEM_PUBLIC_KEY_LEN, KemCiphertext, KemPublicKey, SIG_PUBLIC_KEY_LEN,
    SIGNATURE_LEN, SigPublicKey, Signature, X25519_LEN, X25519PublicKey,
};
pub use message::ratchet::{HEADER_CHUNK_LEN, HEADER_LEN, MAX_MESSAGE_LEN};
pub use message::{
    HandshakeDescription, KemPrekeyUsed, MAX_INITIAL_MESSAGE_LEN, MessageDescription, MessageKind,
    PqChunkDescription, PqChunkKind, describe_message, message_kind,
};
pub use prekeys::{PrekeyStore, PrekeyStoreInfo};
pub use sealed_box::{
    BoxConfig, BoxDescription, MAX_SEALED_BOX_LEN, OpenedBox, SEALED_BOX_AUTHENTICATED_OVERHEAD,
    SEALED_BOX_OVERHEAD, SEALED_BOX_PREFIX_LEN, SEALED_BOX_SENDER_LEN, describe_box, seal_box,
};
pub use session::{Role, Session, SessionConfig, SessionInfo};
pub use state::{APP_KEY_LEN, MAX_SEAL_CONTEXT_LEN, MAX_SEALED_LEN, SEALED_OVERHEAD};
pub use upload::{
    BundleComposer, UPLOAD_MAX_LEN, UPLOAD_MIN_LEN, UploadInfo, compose_bundle, inspect_upload,
    verify_upload,
};

/// Whether this build records key-schedule traces (`--cfg twofold_trace`: every secret; a
/// build for applications must not have it, and the wasm facade refuses to compile with it).
pub const TRACE_ENABLED: bool = cfg!(twofold_trace);

/// The wire version of the ratchet messages, prekey uploads, bundles and initial messages this
/// library writes and reads. Identities and sealed blobs carry format version
/// [`FORMAT_VERSION`].
pub const WIRE_VERSION: u8 = labels::WIRE_VERSION;
/// The format version of identities and sealed blobs.
pub const FORMAT_VERSION: u8 = labels::VERSION;
/// The cipher suite this library implements.
pub const SUITE: u8 = labels::SUITE;

pub use rand_core;
