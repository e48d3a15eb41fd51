//! Sealed boxes computed from `docs/PROTOCOL.md` section 13 with the primitives alone
//! (`hazmat`, `sha2`, `sha3`), independently of `twofold_core::seal_box`: the vectors record
//! every intermediate value this computes, and the tests compare its output with the
//! library's byte for byte. It also writes boxes the library never would (a sender block
//! naming someone else), for the forgery tests.

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use sha3::Sha3_256;
use twofold_core::hazmat;

use crate::hx;

/// The X-Wing combiner label `\.//^\`.
pub const XWING_LABEL: &[u8] = b"\\.//^\\";

/// The recipient's public keys a box is sealed to, as a bundle states them.
pub struct Recipient {
    pub fingerprint: [u8; 32],
    pub spk_id: u32,
    pub spk: [u8; 32],
    pub kem_id: u32,
    pub kem_ek: [u8; 1184],
}

/// The sender of a sender-authenticated box: the secret that computes `DH_S`, and what the
/// sender block names (normally the same identity's key and fingerprint).
pub struct Sender {
    pub dh_secret: [u8; 32],
    pub named_key: [u8; 32],
    pub named_fingerprint: [u8; 32],
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// `SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel)`.
pub fn xwing(ss_m: &[u8; 32], ss_x: &[u8; 32], ct_x: &[u8; 32], pk_x: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha3_256::new();
    for p in [&ss_m[..], ss_x, ct_x, pk_x, XWING_LABEL] {
        h.update(p);
    }
    h.finalize().into()
}

fn hkdf32(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; 32] {
    hazmat::hkdf_sha256(salt, ikm, info, 32)
        .unwrap()
        .try_into()
        .unwrap()
}

/// Seals as section 13.1 says, from the two random draws; returns the box and every
/// intermediate value (JSON, for the vectors).
pub fn seal(
    r: &Recipient,
    ephemeral_secret: &[u8; 32],
    kem_randomness: &[u8; 32],
    sender: Option<&Sender>,
    plaintext: &[u8],
    ad: &[u8],
) -> (Vec<u8>, Value) {
    let ek = hazmat::x25519_public(ephemeral_secret);
    let ss_x = hazmat::x25519(ephemeral_secret, &r.spk).unwrap();
    let (ct, ss_m) = hazmat::kem_encapsulate(&r.kem_ek, kem_randomness).unwrap();
    let k = xwing(&ss_m, &ss_x, &ek, &r.spk);
    let mut out = vec![0x02, 0x06, 0x01, u8::from(sender.is_some())];
    out.extend_from_slice(&r.spk_id.to_be_bytes());
    out.extend_from_slice(&r.kem_id.to_be_bytes());
    out.extend_from_slice(&ek);
    out.extend_from_slice(&ct);
    let prefix_salt = sha256(&[b"Twofold v2 sealed box", &r.fingerprint, &out]);
    let mut values = json!({
        "ephemeral_public": hx(&ek),
        "x25519_shared": hx(&ss_x),
        "kem_ciphertext": hx(&ct),
        "kem_shared": hx(&ss_m),
        "xwing_shared": hx(&k),
    });
    let mut ikm = k.to_vec();
    if let Some(s) = sender {
        let sender_key = hkdf32(&prefix_salt, &k, b"Twofold v2 sealed box sender");
        let named = [s.named_key, s.named_fingerprint].concat();
        let block = hazmat::aead_seal(&sender_key, &[0; 12], b"", &named);
        out.extend_from_slice(&block);
        let dh_s = hazmat::x25519(&s.dh_secret, &r.spk).unwrap();
        ikm.extend_from_slice(&dh_s);
        values["sender_salt"] = json!(hx(&prefix_salt));
        values["sender_key"] = json!(hx(&sender_key));
        values["sender_block"] = json!(hx(&block));
        values["sender_dh"] = json!(hx(&dh_s));
    }
    let salt = sha256(&[b"Twofold v2 sealed box", &r.fingerprint, &out]);
    let key = hkdf32(&salt, &ikm, b"Twofold v2 sealed box key");
    out.extend_from_slice(&hazmat::aead_seal(&key, &[0; 12], ad, plaintext));
    let box_id = sha256(&[&out]);
    values["payload_salt"] = json!(hx(&salt));
    values["payload_ikm"] = json!(hx(&ikm));
    values["payload_key"] = json!(hx(&key));
    values["box_id"] = json!(hx(&box_id));
    (out, values)
}
