//! Every case of the vendored Wycheproof files, run through the wrappers the protocol uses
//! (`twofold_core::hazmat` exposes exactly those code paths). Provenance and licence:
//! `vectors/wycheproof/README.md`.

use std::collections::BTreeMap;

use serde_json::Value;
use twofold_core::hazmat;
use twofold_tests::unhex;

fn load(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../vectors/wycheproof")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn tests(v: &Value) -> impl Iterator<Item = (&Value, &Value)> {
    v["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["tests"].as_array().unwrap().iter().map(move |t| (g, t)))
}

fn h(v: &Value) -> Vec<u8> {
    unhex(v.as_str().unwrap())
}

fn flags(t: &Value) -> Vec<String> {
    t["flags"]
        .as_array()
        .map(|f| f.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// The X25519 policy of docs/PROTOCOL.md section 4, case by case: a public key whose shared
/// secret is all zeros (low-order points, in any encoding) is rejected; every other key,
/// including non-canonical encodings and twist points, is accepted and must give exactly the
/// expected shared secret (RFC 7748 behaviour, masking the top bit).
#[test]
fn x25519_every_case_follows_the_policy_table() {
    let v = load("x25519_test.json");
    let mut per_flag: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut n = 0;
    for (_, t) in tests(&v) {
        let public: [u8; 32] = h(&t["public"]).try_into().unwrap();
        let private: [u8; 32] = h(&t["private"]).try_into().unwrap();
        let shared = h(&t["shared"]);
        let fl = flags(t);
        let ours = hazmat::x25519(&private, &public);
        let zero = shared.iter().all(|b| *b == 0);
        if zero {
            assert!(
                ours.is_none(),
                "tc {} must be rejected (all-zero output)",
                t["tcId"]
            );
            assert!(
                fl.iter().any(|f| f == "ZeroSharedSecret"),
                "tc {}",
                t["tcId"]
            );
        } else {
            assert_eq!(ours.map(|s| s.to_vec()), Some(shared), "tc {}", t["tcId"]);
        }
        for f in fl {
            let e = per_flag.entry(f).or_default();
            if zero { e.1 += 1 } else { e.0 += 1 }
        }
        n += 1;
    }
    assert_eq!(n, 518);
    // The table in the spec: which flags are accepted, which rejected.
    assert_eq!(per_flag["ZeroSharedSecret"], (0, 31));
    assert_eq!(
        per_flag["LowOrderPublic"].0, 0,
        "every low-order key gives zero"
    );
    assert!(per_flag["NonCanonicalPublic"].0 > 0 && per_flag["Twist"].0 > 0);
}

/// Key generation from the 64-byte seed `d || z` and decapsulation, including ciphertexts and
/// seeds of the wrong length (our types take exact lengths: such inputs cannot be
/// represented, which is a rejection).
#[test]
fn ml_kem_768_decapsulation() {
    let v = load("mlkem_768_test.json");
    let (mut valid, mut rejected) = (0, 0);
    for (_, t) in tests(&v) {
        let seed = h(&t["seed"]);
        let c = h(&t["c"]);
        let expect_valid = t["result"] == "valid";
        let (Ok(seed), Ok(c)) = (
            <[u8; 64]>::try_from(seed),
            <[u8; twofold_core::KEM_CIPHERTEXT_LEN]>::try_from(c),
        ) else {
            assert!(!expect_valid, "tc {}", t["tcId"]);
            rejected += 1;
            continue;
        };
        assert_eq!(hazmat::kem_public(&seed), h(&t["ek"]), "tc {}", t["tcId"]);
        let k = hazmat::kem_decapsulate(&seed, &c);
        assert!(expect_valid, "tc {} should not be representable", t["tcId"]);
        assert_eq!(k.to_vec(), h(&t["K"]), "tc {}", t["tcId"]);
        valid += 1;
    }
    assert_eq!(valid + rejected, 193);
    assert!(valid >= 150);
}

/// The FIPS 203 encapsulation-key check and deterministic encapsulation.
#[test]
fn ml_kem_768_encapsulation_and_key_check() {
    let v = load("mlkem_768_encaps_test.json");
    let (mut ok, mut modulus) = (0, 0);
    for (_, t) in tests(&v) {
        let m: [u8; 32] = h(&t["m"]).try_into().unwrap();
        let ek = h(&t["ek"]);
        let result = <[u8; twofold_core::KEM_PUBLIC_KEY_LEN]>::try_from(ek.as_slice())
            .ok()
            .and_then(|ek| hazmat::kem_encapsulate(&ek, &m));
        if t["result"] == "valid" {
            let (c, k) = result.unwrap_or_else(|| panic!("tc {} rejected", t["tcId"]));
            assert_eq!(c, h(&t["c"]));
            assert_eq!(k.to_vec(), h(&t["K"]));
            ok += 1;
        } else {
            assert!(result.is_none(), "tc {} accepted", t["tcId"]);
            if flags(t).iter().any(|f| f == "ModulusOverflow") {
                modulus += 1;
            }
        }
    }
    assert_eq!(ok, 133);
    assert_eq!(modulus, 12);
}

/// Seeds expand to the listed encapsulation keys.
#[test]
fn ml_kem_768_keygen_from_seed() {
    let v = load("mlkem_768_keygen_seed_test.json");
    let mut n = 0;
    for (_, t) in tests(&v) {
        let seed: [u8; 64] = h(&t["seed"]).try_into().unwrap();
        assert_eq!(hazmat::kem_public(&seed), h(&t["ek"]), "tc {}", t["tcId"]);
        assert!(hazmat::kem_public_key_is_valid(
            &h(&t["ek"]).try_into().unwrap()
        ));
        n += 1;
    }
    assert_eq!(n, 100);
}

/// ML-DSA-65 verification with strict decoding: every case as the file says.
#[test]
fn ml_dsa_65_verify() {
    let v = load("mldsa_65_verify_test.json");
    let (mut valid, mut invalid) = (0, 0);
    for (g, t) in tests(&v) {
        let pk = h(&g["publicKey"]);
        let ctx = t["ctx"].as_str().map(unhex).unwrap_or_default();
        let ok = hazmat::ml_dsa_verify(&pk, &ctx, &h(&t["msg"]), &h(&t["sig"]));
        match t["result"].as_str().unwrap() {
            "valid" => {
                assert!(ok, "tc {} should verify", t["tcId"]);
                valid += 1;
            }
            _ => {
                assert!(!ok, "tc {} should not verify ({:?})", t["tcId"], flags(t));
                invalid += 1;
            }
        }
    }
    assert_eq!(valid + invalid, 210);
    assert!(valid > 0 && invalid > 0);
}

/// HKDF-SHA-256, including requests longer than 255 * 32 bytes (rejected).
#[test]
fn hkdf_sha256() {
    let v = load("hkdf_sha256_test.json");
    let mut n = 0;
    for (_, t) in tests(&v) {
        let size = usize::try_from(t["size"].as_u64().unwrap()).unwrap();
        let out = hazmat::hkdf_sha256(&h(&t["salt"]), &h(&t["ikm"]), &h(&t["info"]), size);
        if t["result"] == "valid" {
            assert_eq!(out, Some(h(&t["okm"])), "tc {}", t["tcId"]);
        } else {
            assert_eq!(out, None, "tc {}", t["tcId"]);
        }
        n += 1;
    }
    assert_eq!(n, 86);
}

/// HMAC-SHA-256: the tag (possibly truncated in the test) must match our full tag's prefix
/// exactly for valid cases and differ for invalid ones.
#[test]
fn hmac_sha256() {
    let v = load("hmac_sha256_test.json");
    let mut n = 0;
    for (_, t) in tests(&v) {
        let tag = h(&t["tag"]);
        let ours = hazmat::hmac_sha256(&h(&t["key"]), &h(&t["msg"]));
        let matches = ours.get(..tag.len()) == Some(tag.as_slice());
        assert_eq!(matches, t["result"] == "valid", "tc {}", t["tcId"]);
        n += 1;
    }
    assert_eq!(n, 174);
}

/// ChaCha20-Poly1305 open (and seal for valid cases). Nonces other than 96 bits cannot be
/// passed to our API; such cases are invalid in the file and counted as rejected.
#[test]
fn chacha20_poly1305() {
    let v = load("chacha20_poly1305_test.json");
    let (mut valid, mut invalid) = (0, 0);
    for (_, t) in tests(&v) {
        let key: [u8; 32] = h(&t["key"]).try_into().unwrap();
        let Ok(iv) = <[u8; 12]>::try_from(h(&t["iv"])) else {
            assert_eq!(t["result"], "invalid", "tc {}", t["tcId"]);
            invalid += 1;
            continue;
        };
        let mut ct = h(&t["ct"]);
        ct.extend_from_slice(&h(&t["tag"]));
        let opened = hazmat::aead_open(&key, &iv, &h(&t["aad"]), &ct);
        if t["result"] == "valid" {
            assert_eq!(opened, Some(h(&t["msg"])), "tc {}", t["tcId"]);
            assert_eq!(
                hazmat::aead_seal(&key, &iv, &h(&t["aad"]), &h(&t["msg"])),
                ct
            );
            valid += 1;
        } else {
            assert_eq!(opened, None, "tc {}", t["tcId"]);
            invalid += 1;
        }
    }
    assert_eq!(valid + invalid, 325);
}
