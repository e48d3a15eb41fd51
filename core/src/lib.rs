#![no_std]
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

pub mod consts;
pub mod error;

mod bundle;
mod fingerprint;
mod handshake;
mod identity;
mod kdf;
mod keys;
mod labels;
mod prekeys;
mod ratchet;
mod session;
mod state;
mod wire;

#[cfg(feature = "trace")]
pub mod trace;
#[cfg(not(feature = "trace"))]
mod trace;

/// Key-schedule functions exposed for the post-compromise tests and vector checks
/// (feature `trace`). Never enable the feature in an application.
#[cfg(feature = "trace")]
pub mod hazmat {
    /// The ratchet root KDF: `(RK', CK) = KDF_RK(RK, DH, [SS])`.
    #[must_use]
    pub fn root_step(
        root: &[u8; 32],
        dh: &[u8; 32],
        kem: Option<&[u8; 32]>,
    ) -> ([u8; 32], [u8; 32]) {
        use crate::keys::Secret32;
        let kem = kem.map(|k| Secret32::new(*k));
        let (rk, ck) =
            crate::kdf::root_step(&Secret32::new(*root), &Secret32::new(*dh), kem.as_ref());
        (*rk.as_bytes(), *ck.as_bytes())
    }

    /// The chain KDF: `(CK', MK) = KDF_CK(CK)`.
    #[must_use]
    pub fn chain_step(chain: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
        let (next, mk) = crate::kdf::chain_step(&crate::keys::Secret32::new(*chain));
        (*next.as_bytes(), *mk.as_bytes())
    }

    /// X25519 (RFC 7748) with the contributory check; `None` for an all-zero output.
    #[must_use]
    pub fn x25519(secret: &[u8; 32], public: &[u8; 32]) -> Option<[u8; 32]> {
        crate::keys::X25519SecretKey::from_bytes(secret)
            .diffie_hellman(&crate::keys::X25519PublicKey::from_bytes(*public))
            .ok()
            .map(|s| *s.as_bytes())
    }

    /// The X25519 public key of a secret key.
    #[must_use]
    pub fn x25519_public(secret: &[u8; 32]) -> [u8; 32] {
        *crate::keys::X25519SecretKey::from_bytes(secret)
            .public_key()
            .as_bytes()
    }

    /// ML-KEM-768 decapsulation with a key given by its 64-byte seed.
    #[must_use]
    pub fn kem_decapsulate(seed: &[u8; 64], ciphertext: &[u8; 1088]) -> [u8; 32] {
        let key = crate::keys::KemSecretKey::from_seed(seed);
        *key.decapsulate(&crate::keys::KemCiphertext::from_bytes(ciphertext))
            .as_bytes()
    }

    /// The ML-KEM-768 encapsulation key of a 64-byte seed.
    #[must_use]
    pub fn kem_public(seed: &[u8; 64]) -> alloc::vec::Vec<u8> {
        crate::keys::KemSecretKey::from_seed(seed)
            .public_key()
            .as_bytes()
            .to_vec()
    }

    /// Validates an ML-KEM-768 encapsulation key (FIPS 203, section 7.2).
    #[must_use]
    pub fn kem_public_key_is_valid(bytes: &[u8; 1184]) -> bool {
        crate::keys::KemPublicKey::from_bytes(bytes).is_ok()
    }

    /// ML-DSA-65 verification with a context string.
    #[must_use]
    pub fn ml_dsa_verify(public: &[u8], ctx: &[u8], message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = <[u8; 3309]>::try_from(signature) else {
            return false;
        };
        let Ok(public) = <[u8; 1952]>::try_from(public) else {
            return false;
        };
        crate::keys::SigPublicKey::from_bytes(&public).verify(
            ctx,
            message,
            &crate::keys::Signature::from_bytes(&sig),
        )
    }

    /// `ML-KEM.Encaps_internal(ek, m)` through the key type the protocol uses (with the FIPS 203
    /// encapsulation-key check first). `None` if the key fails the check.
    #[must_use]
    pub fn kem_encapsulate(
        ek: &[u8; 1184],
        m: &[u8; 32],
    ) -> Option<(alloc::vec::Vec<u8>, [u8; 32])> {
        let key = crate::keys::KemPublicKey::from_bytes(ek).ok()?;
        let (ct, ss) = key.encapsulate_with(m);
        Some((ct.as_bytes().to_vec(), *ss.as_bytes()))
    }

    /// ChaCha20-Poly1305 open as the protocol uses it (`ciphertext || tag`).
    #[must_use]
    pub fn aead_open(
        key: &[u8; 32],
        nonce: &[u8; 12],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Option<alloc::vec::Vec<u8>> {
        crate::kdf::open_with(key, nonce, aad, ciphertext)
    }

    /// ChaCha20-Poly1305 seal as the protocol uses it (returns `ciphertext || tag`).
    #[must_use]
    pub fn aead_seal(
        key: &[u8; 32],
        nonce: &[u8; 12],
        aad: &[u8],
        plaintext: &[u8],
    ) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec::Vec::new();
        let _sealed = crate::kdf::seal_with(key, nonce, aad, plaintext, &mut out);
        out
    }

    /// HMAC-SHA-256 as the chain KDF uses it.
    #[must_use]
    pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
        *crate::kdf::hmac(key, message).as_bytes()
    }

    /// The AEAD key and nonce expanded from a message key.
    #[must_use]
    pub fn message_key_expand(message_key: &[u8; 32]) -> ([u8; 32], [u8; 12]) {
        crate::kdf::MessageKeys::derive(&crate::keys::Secret32::new(*message_key)).key_and_nonce()
    }

    /// HKDF-SHA-256 as the key schedule uses it.
    #[must_use]
    pub fn hkdf_sha256(
        salt: &[u8],
        ikm: &[u8],
        info: &[u8],
        len: usize,
    ) -> Option<alloc::vec::Vec<u8>> {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), ikm);
        let mut out = alloc::vec![0u8; len];
        hk.expand(info, &mut out).ok()?;
        Some(out)
    }
}

pub use bundle::{BUNDLE_MAX_LEN, BUNDLE_MIN_LEN, PrekeyBundle, VerifiedBundle};
pub use error::{
    AcceptError, DecodeError, DecryptError, EncryptError, ErrorCode, HasErrorCode, InitiateError,
    PrekeyError, RngError, StateError, VerifyError,
};
pub use fingerprint::{SAFETY_QR_LEN, SAS_EMOJI, SafetyNumber, Sas};
pub use identity::{IDENTITY_LEN, IdentityKeyPair, PublicIdentity};
pub use kdf::AEAD_TAG_LEN;
pub use keys::{
    KEM_CIPHERTEXT_LEN, KEM_PUBLIC_KEY_LEN, KemCiphertext, KemPublicKey, SIG_PUBLIC_KEY_LEN,
    SIGNATURE_LEN, SigPublicKey, Signature, X25519_LEN, X25519PublicKey,
};
pub use prekeys::{PrekeyStore, PrekeyStoreInfo};
pub use ratchet::header::{
    HEADER_KEM_CIPHERTEXT_LEN, HEADER_KEM_PUBLIC_LEN, HEADER_LEN, MAX_MESSAGE_LEN,
};
pub use ratchet::pq::PqPolicy;
pub use session::{
    HandshakeDescription, KemPrekeyUsed, MessageDescription, MessageKind, Role, Session,
    SessionConfig, SessionInfo, describe_message, message_kind,
};
pub use state::{APP_KEY_LEN, SEALED_OVERHEAD};

/// Whether the `trace` feature is on (it records every secret: builds for applications must
/// not have it; the wasm facade refuses to compile with it).
pub const TRACE_ENABLED: bool = cfg!(feature = "trace");

/// The wire format version this library writes and reads.
pub const WIRE_VERSION: u8 = labels::VERSION;
/// The cipher suite this library implements.
pub const SUITE: u8 = labels::SUITE;

pub use rand_core;
