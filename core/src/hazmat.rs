//! The protocol's primitives one by one, for the post-compromise tests and the vector checks.
//!
//! Compiled only with `--cfg twofold_trace` (see [`crate::trace`]). Nothing here is needed by
//! an application, and everything here handles raw secret bytes.

use alloc::vec::Vec;

use crate::kdf::{self, AEAD_KEY_LEN, AEAD_NONCE_LEN};
use crate::keys::{
    DhOutput, KEM_CIPHERTEXT_LEN, KEM_PUBLIC_KEY_LEN, KEM_SEED_LEN, KemCiphertext, KemPublicKey,
    KemSecretKey, KemSharedSecret, SIG_PUBLIC_KEY_LEN, SIGNATURE_LEN, SigPublicKey, Signature,
    X25519_LEN, X25519PublicKey, X25519SecretKey,
};
use crate::ratchet::chain_key::ChainKey;
use crate::ratchet::message_key::MessageKey;
use crate::ratchet::pq::EpochSecret;
use crate::ratchet::root_key::RootKey;

/// The ratchet root KDF: `(RK', CK) = KDF_RK(RK, DH, [s_e])`.
#[must_use]
pub fn root_step(root: &[u8; 32], dh: &[u8; 32], pq: Option<&[u8; 32]>) -> ([u8; 32], [u8; 32]) {
    let pq = pq.map(EpochSecret::from_ref);
    let (rk, ck) = RootKey::from_ref(root).advance(&DhOutput::from_ref(dh), pq.as_ref());
    (*rk.as_bytes(), *ck.as_bytes())
}

/// The chain KDF: `(CK', MK) = KDF_CK(CK)`.
#[must_use]
pub fn chain_step(chain: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let ck = ChainKey::from_ref(chain);
    (*ck.next().as_bytes(), *ck.message_key().as_bytes())
}

/// X25519 (RFC 7748) with the contributory check; `None` for an all-zero output.
#[must_use]
pub fn x25519(secret: &[u8; X25519_LEN], public: &[u8; X25519_LEN]) -> Option<[u8; 32]> {
    X25519SecretKey::from_bytes(secret)
        .diffie_hellman(&X25519PublicKey::from_bytes(*public))
        .ok()
        .map(|s| *s.as_bytes())
}

/// The X25519 public key of a secret key.
#[must_use]
pub fn x25519_public(secret: &[u8; X25519_LEN]) -> [u8; X25519_LEN] {
    *X25519SecretKey::from_bytes(secret).public_key().as_bytes()
}

/// ML-KEM-768 decapsulation with a key given by its 64-byte seed.
#[must_use]
pub fn kem_decapsulate(
    seed: &[u8; KEM_SEED_LEN],
    ciphertext: &[u8; KEM_CIPHERTEXT_LEN],
) -> [u8; 32] {
    *KemSecretKey::from_seed(seed)
        .decapsulate(&KemCiphertext::from_bytes(ciphertext))
        .as_bytes()
}

/// The ML-KEM-768 encapsulation key of a 64-byte seed.
#[must_use]
pub fn kem_public(seed: &[u8; KEM_SEED_LEN]) -> Vec<u8> {
    KemSecretKey::from_seed(seed)
        .public_key()
        .as_bytes()
        .to_vec()
}

/// Validates an ML-KEM-768 encapsulation key (FIPS 203, section 7.2).
#[must_use]
pub fn kem_public_key_is_valid(bytes: &[u8; KEM_PUBLIC_KEY_LEN]) -> bool {
    KemPublicKey::from_bytes(bytes).is_ok()
}

/// `ML-KEM.Encaps_internal(ek, m)` through the key type the protocol uses (with the FIPS 203
/// encapsulation-key check first). `None` if the key fails the check.
#[must_use]
pub fn kem_encapsulate(ek: &[u8; KEM_PUBLIC_KEY_LEN], m: &[u8; 32]) -> Option<(Vec<u8>, [u8; 32])> {
    let (ct, ss) = KemPublicKey::from_bytes(ek).ok()?.encapsulate_with(m);
    Some((ct.as_bytes().to_vec(), *ss.as_bytes()))
}

/// ML-DSA-65 verification with a context string; any malformed input is `false`.
#[must_use]
pub fn ml_dsa_verify(public: &[u8], ctx: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(sig), Ok(public)) = (
        <[u8; SIGNATURE_LEN]>::try_from(signature),
        <[u8; SIG_PUBLIC_KEY_LEN]>::try_from(public),
    ) else {
        return false;
    };
    SigPublicKey::from_bytes(&public).verify(ctx, message, &Signature::from_bytes(&sig))
}

/// ChaCha20-Poly1305 open as the protocol uses it (`ciphertext || tag`).
#[must_use]
pub fn aead_open(
    key: &[u8; AEAD_KEY_LEN],
    nonce: &[u8; AEAD_NONCE_LEN],
    aad: &[u8],
    ciphertext: &[u8],
) -> Option<Vec<u8>> {
    kdf::open_with(key, nonce, aad, ciphertext)
}

/// ChaCha20-Poly1305 seal as the protocol uses it (returns `ciphertext || tag`; empty only
/// beyond the cipher's 256 GiB limit).
#[must_use]
pub fn aead_seal(
    key: &[u8; AEAD_KEY_LEN],
    nonce: &[u8; AEAD_NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Vec<u8> {
    let mut out = Vec::new();
    let _sealed = kdf::seal_with(key, nonce, aad, plaintext, &mut out);
    out
}

/// HMAC-SHA-256 as the chain KDF uses it.
#[must_use]
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    *kdf::hmac(key, message)
}

/// The SIV encryption and MAC keys `(K_enc, K_mac)` expanded from a message key.
#[must_use]
pub fn message_key_expand(message_key: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    MessageKey::from_ref(message_key).siv_keys()
}

/// The SIV tag of a ratchet message: `HMAC-SHA-256(K_mac, u64(|AD|) || AD || P)[0..16]`.
#[must_use]
pub fn siv_tag(mac_key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> [u8; 16] {
    kdf::siv_tag(mac_key, aad, plaintext)
}

/// `data` XOR the RFC 8439 ChaCha20 key stream under `key`, nonce `nonce`, counter 0.
#[must_use]
pub fn chacha20_xor(key: &[u8; 32], nonce: &[u8; 12], data: &[u8]) -> Vec<u8> {
    let mut tag = [0u8; 16];
    for (t, n) in tag.iter_mut().zip(nonce) {
        *t = *n;
    }
    let mut out = data.to_vec();
    if kdf::siv_xor(key, &tag, &mut out) {
        out
    } else {
        Vec::new()
    }
}

/// Chunk `t` of an object under the GF(2^16) Reed–Solomon code of the PQ ratchet; `None` for
/// an empty object or one of more than 65,535 chunks.
#[must_use]
pub fn erasure_chunk(object: &[u8], t: u16) -> Option<[u8; 34]> {
    crate::erasure::chunk(object, t)
}

/// The `k · 34` bytes of an object from `k` chunks with distinct indices.
#[must_use]
pub fn erasure_decode(k: usize, chunks: &[(u16, [u8; 34])]) -> Option<Vec<u8>> {
    crate::erasure::decode(k, chunks)
}

/// A copy of `identity` whose public identity carries `binding` as its binding signature: an
/// initiator who holds the keys of an identity whose binding does not verify.
#[must_use]
pub fn identity_with_binding(
    identity: &crate::IdentityKeyPair,
    binding: &[u8; SIGNATURE_LEN],
) -> crate::IdentityKeyPair {
    identity.with_binding(Signature::from_bytes(binding))
}

/// HKDF-SHA-256 (extract with `salt`, expand with `info`) to `len` bytes; `None` beyond the
/// 8,160-byte limit.
#[must_use]
pub fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out = alloc::vec![0u8; len];
    kdf::extract(salt, ikm).expand(info, &mut out).ok()?;
    Some(out)
}

/// `c_ek = SHA-256("Twofold v2 ek commitment" || u32(epoch) || ek)`; `None` for a key that
/// fails the FIPS 203 check.
#[must_use]
pub fn pq_key_commitment(epoch: u32, ek: &[u8; KEM_PUBLIC_KEY_LEN]) -> Option<[u8; 32]> {
    let ek = KemPublicKey::from_bytes(ek).ok()?;
    Some(crate::ratchet::pq::objects::key_commitment(
        epoch,
        ek.as_bytes(),
    ))
}

/// The values of one PQ epoch from its shared secret: `(th_e, conf_e, s_e)`.
#[must_use]
pub fn pq_epoch_keys(
    session_ad: &[u8; 32],
    epoch: u32,
    commitment: &[u8; 32],
    ciphertext: &[u8; KEM_CIPHERTEXT_LEN],
    shared_secret: &[u8; 32],
) -> ([u8; 32], [u8; 32], [u8; 32]) {
    let keys = crate::ratchet::pq::objects::epoch_keys(
        session_ad,
        epoch,
        commitment,
        &KemCiphertext::from_bytes(ciphertext),
        &KemSharedSecret::from_ref(shared_secret),
    );
    (keys.transcript, keys.confirm, *keys.secret.as_bytes())
}

/// FIPS 204 `ML-DSA.Sign_internal(sk, M', rnd)` with `M' = 0x00 || u8(|ctx|) || ctx || M`, the
/// signing key from its 32-byte seed: what `ML-DSA.Sign` computes once `rnd` is drawn, so a
/// vector that records `rnd` pins the signature. `None` for a context above 255 bytes.
#[must_use]
pub fn ml_dsa_sign_internal(
    seed: &[u8; 32],
    ctx: &[u8],
    message: &[u8],
    rnd: &[u8; 32],
) -> Option<Vec<u8>> {
    let ctx_len = u8::try_from(ctx.len()).ok()?;
    let seed = zeroize::Zeroizing::new(ml_dsa::Seed::from(*seed));
    let key = ml_dsa::ExpandedSigningKey::<ml_dsa::MlDsa65>::from_seed(&seed);
    let sig = key.sign_internal(&[&[0, ctx_len], ctx, message], &ml_dsa::B32::from(*rnd));
    Some(sig.encode().to_vec())
}

/// The X-Wing combiner of sealed boxes, `SHA3-256(ss_M || ss_X || ct_X || pk_X || label)`.
#[must_use]
pub fn xwing_combine(
    ss_m: &[u8; 32],
    ss_x: &[u8; 32],
    ct_x: &[u8; X25519_LEN],
    pk_x: &[u8; X25519_LEN],
) -> [u8; 32] {
    crate::sealed_box::xwing_bytes(ss_m, ss_x, ct_x, pk_x)
}
