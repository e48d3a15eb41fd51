//! The generator of `vectors/`: every file is produced from fixed seeds by the real code paths
//! (with the core's `trace` feature recording each intermediate value).
//!
//! `cargo run -p twofold-tests --bin gen-vectors` writes the files; `tests/tests/integration/vectors.rs`
//! regenerates them and fails on any difference. The JSON schemas are described in
//! `vectors/README.md`.

use serde_json::{Value, json};
use twofold_core::consts::MAX_FORWARD_JUMP;
use twofold_core::trace::{Direction, TraceEvent};
use twofold_core::{
    ErrorCode, HasErrorCode, IDENTITY_LEN, IdentityKeyPair, PrekeyStore, Session, SessionConfig,
    VerifiedBundle,
};

use crate::{RecordingRng, Traced, Variant, hx, pair, responder, rng};

/// Fixed inputs of the handshake vectors.
pub const FIRST_PLAINTEXT: &[u8] = b"Hello Bob, this is Alice.";
pub const FIRST_AD: &[u8] = b"twofold vectors";
pub const NOW: u64 = 1_795_000_000;
/// The application key every sealed blob in `vectors/` uses.
pub const APP_KEY: [u8; 32] = *b"twofold test vector app key 0001";

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Sending => "sending",
        Direction::Receiving => "receiving",
    }
}

/// One trace event as JSON (hex for bytes).
pub fn event_json(e: &TraceEvent) -> Value {
    match e {
        TraceEvent::InitiatorRandomness {
            ephemeral_secret,
            kem_randomness,
        } => json!({
            "event": "initiator_randomness",
            "ephemeral_secret": hx(ephemeral_secret),
            "kem_randomness": hx(kem_randomness),
        }),
        TraceEvent::Handshake {
            dh,
            kem_secret,
            transcript_hash,
            transcript,
            ikm,
            root_key,
            chain_key,
            sas,
        } => json!({
            "event": "handshake",
            "dh": dh.iter().map(|d| hx(d)).collect::<Vec<_>>(),
            "kem_shared_secret": hx(kem_secret),
            "transcript": hx(transcript),
            "transcript_hash": hx(transcript_hash),
            "ikm": hx(ikm),
            "root_key": hx(root_key),
            "initial_chain_key": hx(chain_key),
            "sas": hx(sas),
        }),
        TraceEvent::RatchetKeyGenerated { secret, public } => json!({
            "event": "ratchet_key_generated",
            "secret": hx(secret),
            "public": hx(public),
        }),
        TraceEvent::PqKeyGenerated {
            epoch,
            seed,
            public,
            commitment,
        } => json!({
            "event": "pq_key_generated",
            "epoch": epoch,
            "seed": hx(seed),
            "public": hx(public),
            "commitment": hx(commitment),
        }),
        TraceEvent::PqEncapsulated {
            epoch,
            randomness,
            ciphertext,
            shared_secret,
            transcript,
            confirm,
            secret,
        } => json!({
            "event": "pq_encapsulated",
            "epoch": epoch,
            "randomness": hx(randomness),
            "ciphertext": hx(ciphertext),
            "shared_secret": hx(shared_secret),
            "epoch_transcript": hx(transcript),
            "confirm": hx(confirm),
            "epoch_secret": hx(secret),
        }),
        TraceEvent::PqDecapsulated {
            epoch,
            shared_secret,
            transcript,
            confirm,
            secret,
        } => json!({
            "event": "pq_decapsulated",
            "epoch": epoch,
            "shared_secret": hx(shared_secret),
            "epoch_transcript": hx(transcript),
            "confirm": hx(confirm),
            "epoch_secret": hx(secret),
        }),
        TraceEvent::PqChunkSent {
            kind,
            epoch,
            index,
            bytes,
        } => json!({
            "event": "pq_chunk_sent",
            "kind": kind,
            "epoch": epoch,
            "index": index,
            "chunk": hx(bytes),
        }),
        TraceEvent::PqChunkReceived {
            kind,
            epoch,
            index,
            outcome,
        } => json!({
            "event": "pq_chunk_received",
            "kind": kind,
            "epoch": epoch,
            "index": index,
            "outcome": outcome,
        }),
        TraceEvent::PqObjectDecoded {
            kind,
            epoch,
            indices,
            object,
        } => json!({
            "event": "pq_object_decoded",
            "kind": kind,
            "epoch": epoch,
            "indices": indices,
            "object": hx(object),
        }),
        TraceEvent::PqFault { epoch, reason } => json!({
            "event": "pq_fault",
            "epoch": epoch,
            "reason": reason,
        }),
        TraceEvent::RootStep {
            direction: d,
            root_in,
            dh,
            pq_secret,
            root_out,
            chain_key,
        } => json!({
            "event": "root_step",
            "direction": direction(*d),
            "root_key_in": hx(root_in),
            "dh": hx(dh),
            "epoch_secret": pq_secret.map(|k| hx(&k)),
            "root_key_out": hx(root_out),
            "chain_key": hx(chain_key),
        }),
        TraceEvent::MessageKey {
            direction: d,
            ratchet_key,
            index,
            chain_key,
            message_key,
            enc_key,
            mac_key,
        } => json!({
            "event": "message_key",
            "direction": direction(*d),
            "ratchet_key": hx(ratchet_key),
            "index": index,
            "chain_key": hx(chain_key),
            "message_key": hx(message_key),
            "enc_key": hx(enc_key),
            "mac_key": hx(mac_key),
        }),
        _ => json!({ "event": "unknown" }),
    }
}

/// The key-schedule events (signature-verification markers are not part of the vectors).
fn events(trace: &[TraceEvent]) -> Vec<Value> {
    trace
        .iter()
        .filter(|e| !matches!(e, TraceEvent::SignatureVerified))
        .map(event_json)
        .collect()
}

fn identity_json(id: &IdentityKeyPair) -> Value {
    let (x, s) = id.secret_seeds();
    json!({
        "x25519_secret": hx(&x),
        "ml_dsa_seed": hx(&s),
        "public": hx(&id.public().to_bytes()),
    })
}

fn store_secrets_json(store: &PrekeyStore) -> Value {
    let mut out = Vec::new();
    for (kind, id, secret) in store.secrets_for_vectors() {
        let public = if kind.ends_with("kem") {
            twofold_core::hazmat::kem_public(&secret.as_slice().try_into().unwrap())
        } else {
            twofold_core::hazmat::x25519_public(&secret.as_slice().try_into().unwrap()).to_vec()
        };
        out.push(json!({ "kind": kind, "id": id, "secret": hx(&secret), "public": hx(&public) }));
    }
    Value::Array(out)
}

fn handshake_of(trace: &[TraceEvent]) -> &TraceEvent {
    trace
        .iter()
        .find(|e| matches!(e, TraceEvent::Handshake { .. }))
        .expect("handshake event")
}

/// `vectors/handshake/<variant>.json` (compact initial message).
pub fn handshake_vector(variant: Variant) -> Value {
    handshake_vector_in(variant, false)
}

/// `vectors/handshake/self_contained.json`: the `Full` variant with the self-contained form.
pub fn handshake_vector_self_contained() -> Value {
    handshake_vector_in(Variant::Full, true)
}

fn handshake_vector_in(variant: Variant, self_contained: bool) -> Value {
    let label = if self_contained {
        "self_contained"
    } else {
        variant.name()
    };
    let mut rng = rng(&format!("handshake/{label}"));
    let bob = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &bob, NOW).unwrap();
    let (x, k) = variant.one_time();
    let mut recording = RecordingRng::new(&mut rng);
    let upload = store.upload(&mut recording, &bob, x, k).unwrap();
    let upload_rnd = recording.draws.last().cloned().unwrap();
    let bob_prekeys = store_secrets_json(&store);
    let index = (x.max(k) > 0).then_some(0);
    let bundle = twofold_core::compose_bundle(&upload, index).unwrap();
    let verified = VerifiedBundle::from_bytes(&bundle).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let config = SessionConfig::default().with_self_contained(self_contained);
    let (mut a, initial) = Traced::initiate(
        &mut rng,
        &alice,
        &verified,
        FIRST_PLAINTEXT,
        FIRST_AD,
        NOW,
        &config,
    )
    .unwrap();
    let a_trace = a.take_trace();
    // The compact form needs Alice's identity from Bob's directory; the self-contained one
    // carries it.
    let alice_id = alice.public().to_bytes();
    let supplied = (!self_contained).then_some(alice_id.as_slice());
    let (mut b, plaintext) =
        Traced::accept(&bob, &mut store, &initial, supplied, FIRST_AD, NOW, &config).unwrap();
    let b_trace = b.take_trace();
    assert_eq!(plaintext, FIRST_PLAINTEXT);
    assert_eq!(handshake_of(&a_trace), handshake_of(&b_trace));
    let sas = a.sas();
    let safety = a.safety_number();
    assert_eq!(safety, b.safety_number());
    json!({
        "description": format!(
            "PQXDH-style handshake, bundle variant `{}`, {} initial message: every input, intermediate and output",
            variant.name(),
            if self_contained { "self-contained" } else { "compact" }
        ),
        "variant": variant.name(),
        "form": if self_contained { "self_contained" } else { "compact" },
        "initiator_identity_supplied": supplied.map(hx),
        "bob": {
            "identity": identity_json(&bob),
            "prekeys": bob_prekeys,
            "created_at": NOW,
            "upload_signature_rnd": hx(&upload_rnd),
        },
        "upload": hx(&upload),
        "bundle_index": index,
        "bundle": hx(&bundle),
        "bundle_ids": {
            "signed_prekey": verified.signed_prekey_id(),
            "one_time_prekey": verified.one_time_prekey_id(),
            "one_time_kem_prekey": verified.one_time_kem_prekey_id(),
        },
        "alice": {
            "identity": identity_json(&alice),
        },
        "now": NOW,
        "plaintext": String::from_utf8_lossy(FIRST_PLAINTEXT),
        "associated_data": hx(FIRST_AD),
        "initiator_trace": events(&a_trace),
        "responder_trace": events(&b_trace),
        "initial_message": hx(&initial),
        "handshake_id": hx(&a.handshake_id()),
        "safety_number": safety.to_digits(),
        "safety_qr": hx(&safety.qr_payload()),
        "sas": {
            "bytes": hx(sas.as_bytes()),
            "emoji": sas.emoji().iter().map(|(e, n)| json!([e, n])).collect::<Vec<_>>(),
            "decimal": sas.decimal(),
        },
        "sizes": {
            "identity": IDENTITY_LEN,
            "upload": upload.len(),
            "bundle": bundle.len(),
            "initial_message": initial.len(),
        },
    })
}

fn code_of<E: HasErrorCode>(r: Result<impl Sized, E>) -> &'static str {
    match r {
        Ok(_) => "OK",
        Err(e) => e.code().as_str(),
    }
}

/// A bundle-level case: mutate the bytes, record the error code our decoder gives.
fn bundle_case(name: &str, bytes: Vec<u8>, expected: ErrorCode) -> Value {
    let got = code_of(VerifiedBundle::from_bytes(&bytes));
    assert_eq!(got, expected.as_str(), "bundle case {name}");
    json!({ "name": name, "object": "bundle", "bytes": hx(&bytes), "error": got })
}

/// `initiate` from `bundle` at `now` with `max_prekey_age`: `"OK"` or the error code. The
/// initiator's identity and RNG do not matter (the age check comes first).
fn stale_case(bundle: &[u8], now: u64, max_prekey_age: Option<u64>) -> &'static str {
    let mut rng = rng("stale");
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let bundle = VerifiedBundle::from_bytes(bundle).unwrap();
    let config = SessionConfig::default().with_max_prekey_age(max_prekey_age);
    code_of(Session::initiate(
        &mut rng, &alice, &bundle, b"", b"", now, &config,
    ))
}

/// Upload-level cases: `verify_upload`'s verdict on an edited upload of two leaves.
fn upload_cases(upload: &[u8]) -> Vec<Value> {
    let leaves_at = twofold_core::UPLOAD_MIN_LEN;
    let count_at = leaves_at - twofold_core::SIGNATURE_LEN - 2;
    let leaf_len = 1 + 4 + 32 + 4 + twofold_core::KEM_PUBLIC_KEY_LEN;
    let edit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut v = upload.to_vec();
        f(&mut v);
        v
    };
    let cases: [(&str, Vec<u8>, ErrorCode); 8] = [
        (
            "upload: bundle type byte",
            edit(&|v| v[1] = 0x02),
            ErrorCode::WrongObjectType,
        ),
        (
            "upload: wire version 1",
            edit(&|v| v[0] = 1),
            ErrorCode::UnsupportedVersion,
        ),
        (
            "upload: leaf flags 0",
            edit(&|v| v[leaves_at] = 0),
            ErrorCode::InvalidEncoding,
        ),
        (
            "upload: one-time prekey ids not increasing",
            edit(&|v| {
                v[leaves_at + leaf_len + 1..leaves_at + leaf_len + 5]
                    .copy_from_slice(&1u32.to_be_bytes())
            }),
            ErrorCode::InvalidEncoding,
        ),
        (
            "upload: leaf count above 500",
            edit(&|v| v[count_at..count_at + 2].copy_from_slice(&501u16.to_be_bytes())),
            ErrorCode::InvalidEncoding,
        ),
        (
            "upload: last leaf truncated",
            upload[..upload.len() - 1].to_vec(),
            ErrorCode::Truncated,
        ),
        (
            "upload: one-time prekey bit flipped",
            edit(&|v| v[leaves_at + 9] ^= 1),
            ErrorCode::BadSignature,
        ),
        (
            "upload: signature bit flipped",
            edit(&|v| v[count_at + 2 + 99] ^= 1),
            ErrorCode::BadSignature,
        ),
    ];
    cases
        .into_iter()
        .map(|(name, bytes, expected)| {
            let got = code_of(twofold_core::verify_upload(&bytes));
            assert_eq!(got, expected.as_str(), "upload case {name}");
            json!({ "name": name, "object": "upload", "bytes": hx(&bytes), "error": got })
        })
        .collect()
}

fn identity_case(name: &str, bytes: Vec<u8>, expected: ErrorCode) -> Value {
    let got = code_of(twofold_core::PublicIdentity::from_bytes(&bytes));
    assert_eq!(got, expected.as_str(), "identity case {name}");
    json!({ "name": name, "object": "identity", "bytes": hx(&bytes), "error": got })
}

/// `vectors/handshake/rejections.json`: inputs every implementation must reject, with the
/// error code. Initial-message cases are processed against the sealed responder state at the
/// top of the file, each from that same starting state unless `after` names a case that must
/// be accepted first.
pub fn rejections() -> Value {
    let mut rng = rng("handshake/rejections");
    let bob = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &bob, NOW).unwrap();
    let upload = store.upload(&mut rng, &bob, 2, 2).unwrap();
    // A second batch, for a leaf presented under the first batch's signature.
    let upload2 = store.upload(&mut rng, &bob, 2, 2).unwrap();
    let bundle = twofold_core::compose_bundle(&upload, Some(0)).unwrap();
    let verified = VerifiedBundle::from_bytes(&bundle).unwrap();
    let identity_blob = bob.seal(&mut rng, &APP_KEY, b"").unwrap();
    let store_blob = store.seal(&mut rng, &APP_KEY, b"").unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let config = SessionConfig::default();
    let (_, initial) = Session::initiate(
        &mut rng,
        &alice,
        &verified,
        FIRST_PLAINTEXT,
        FIRST_AD,
        NOW,
        &config,
    )
    .unwrap();
    // A second initiator using the same bundle (a misbehaving server handing it out twice).
    let carol = IdentityKeyPair::generate(&mut rng).unwrap();
    let (_, initial_carol) = Session::initiate(
        &mut rng, &carol, &verified, b"carol", FIRST_AD, NOW, &config,
    )
    .unwrap();

    let mut cases = Vec::new();
    // Bundle-level. Offsets (docs/PROTOCOL.md 5.2): the identity body, then the signed record
    // (spk_id, SPK, kem_id, kem_ek, created_at), batch id, leaf count, upload signature, the
    // leaf (flags, opk_id, OPK, kem_id, kem_ek), the index and the siblings.
    let b = &bundle;
    let record_at = IDENTITY_LEN;
    let kem_at = record_at + 4 + 32 + 4;
    let created_at = kem_at + twofold_core::KEM_PUBLIC_KEY_LEN;
    let batch_at = created_at + 8;
    let count_at = batch_at + 4;
    let sig_at = count_at + 2;
    let flags_at = sig_at + twofold_core::SIGNATURE_LEN;
    let index_at = flags_at + 1 + 4 + 32 + 4 + twofold_core::KEM_PUBLIC_KEY_LEN;
    let mut v = b.clone();
    v[0] = 1;
    cases.push(bundle_case(
        "bundle: wire version 1",
        v,
        ErrorCode::UnsupportedVersion,
    ));
    let mut v = b.clone();
    v[1] = 0x01;
    cases.push(bundle_case(
        "bundle: identity type byte",
        v,
        ErrorCode::WrongObjectType,
    ));
    let mut v = b.clone();
    v[2] = 2;
    cases.push(bundle_case(
        "bundle: suite 2",
        v,
        ErrorCode::UnsupportedSuite,
    ));
    cases.push(bundle_case(
        "bundle: last byte missing",
        b[..b.len() - 1].to_vec(),
        ErrorCode::Truncated,
    ));
    let mut v = b.clone();
    v.push(0);
    cases.push(bundle_case(
        "bundle: one trailing byte",
        v,
        ErrorCode::TrailingBytes,
    ));
    let mut v = b.clone();
    v[flags_at] |= 0x04;
    cases.push(bundle_case(
        "bundle: reserved flag bit",
        v,
        ErrorCode::InvalidEncoding,
    ));
    let mut v = b.clone();
    v[kem_at] = 0xFF;
    v[kem_at + 1] |= 0x0F;
    cases.push(bundle_case(
        "bundle: last-resort KEM key coefficient >= q",
        v,
        ErrorCode::InvalidKey,
    ));
    let mut v = b.clone();
    v[count_at..count_at + 2].copy_from_slice(&501u16.to_be_bytes());
    cases.push(bundle_case(
        "bundle: leaf count above 500",
        v,
        ErrorCode::InvalidEncoding,
    ));
    let mut v = b.clone();
    v[index_at..index_at + 2].copy_from_slice(&2u16.to_be_bytes());
    cases.push(bundle_case(
        "bundle: leaf index not below the leaf count",
        v,
        ErrorCode::InvalidEncoding,
    ));
    let mut v = b.clone();
    v[count_at..count_at + 2].copy_from_slice(&0u16.to_be_bytes());
    cases.push(bundle_case(
        "bundle: a leaf in a bundle of an empty batch",
        v,
        ErrorCode::InvalidEncoding,
    ));
    // An empty batch's bundle carries the root 0^32; any other root is refused.
    let empty = store.upload(&mut rng, &bob, 0, 0).unwrap();
    let mut v = twofold_core::compose_bundle(&empty, None).unwrap();
    assert!(VerifiedBundle::from_bytes(&v).is_ok());
    *v.last_mut().unwrap() = 1;
    cases.push(bundle_case(
        "bundle: empty batch with a non-zero root",
        v,
        ErrorCode::InvalidEncoding,
    ));
    // The leaf, index and proof of the second batch under the first batch's signature.
    let other = twofold_core::compose_bundle(&upload2, Some(0)).unwrap();
    let mut v = b[..flags_at].to_vec();
    v.extend_from_slice(&other[flags_at..]);
    cases.push(bundle_case(
        "bundle: leaf and proof of another batch",
        v,
        ErrorCode::BadSignature,
    ));
    let mut v = b.clone();
    v[index_at..index_at + 2].copy_from_slice(&1u16.to_be_bytes());
    cases.push(bundle_case(
        "bundle: leaf index changed (still below the count)",
        v,
        ErrorCode::BadSignature,
    ));
    for (name, at) in [
        ("bundle: identity X25519 key bit flipped", 3),
        (
            "bundle: identity binding signature bit flipped",
            3 + 32 + twofold_core::SIG_PUBLIC_KEY_LEN + 100,
        ),
        ("bundle: signed prekey id changed", record_at + 3),
        ("bundle: signed prekey bit flipped", record_at + 4 + 7),
        ("bundle: creation time changed", created_at + 7),
        ("bundle: batch id changed", batch_at + 3),
        ("bundle: upload signature bit flipped", sig_at + 200),
        ("bundle: one-time prekey bit flipped", flags_at + 1 + 4 + 5),
        (
            "bundle: one-time KEM prekey id changed",
            flags_at + 1 + 36 + 3,
        ),
        ("bundle: Merkle sibling bit flipped", b.len() - 5),
    ] {
        let mut v = b.clone();
        v[at] ^= 0x01;
        cases.push(bundle_case(name, v, ErrorCode::BadSignature));
    }
    let mut v = b.clone();
    v.resize(twofold_core::BUNDLE_MAX_LEN + 1, 0);
    cases.push(bundle_case(
        "bundle: longer than the maximum",
        v,
        ErrorCode::TooLarge,
    ));
    // Freshness: a verified bundle whose signed prekeys are older than the initiator's
    // maximum age (the check runs before any random draw, 5.5).
    for (name, now, max_age, expected) in [
        (
            "stale: 30 days and 1 second old, default maximum",
            NOW + 30 * 86_400 + 1,
            Some(30 * 86_400),
            "STALE_PREKEY",
        ),
        (
            "stale: exactly 30 days old is still fresh",
            NOW + 30 * 86_400,
            Some(30 * 86_400),
            "OK",
        ),
        (
            "stale: a created_at in the initiator's future counts as age 0",
            NOW - 86_400,
            Some(0),
            "OK",
        ),
        (
            "stale: a year old with the check disabled",
            NOW + 365 * 86_400,
            None,
            "OK",
        ),
    ] {
        let got = stale_case(&bundle, now, max_age);
        assert_eq!(got, expected, "{name}");
        cases.push(json!({
            "name": name, "object": "bundle_at", "bytes": hx(&bundle),
            "now": now, "max_prekey_age": max_age, "error": got,
        }));
    }
    cases.extend(upload_cases(&upload));

    // Identity-level.
    let id = bob.public().to_bytes();
    let mut v = id.clone();
    v[1] = 0x02;
    cases.push(identity_case(
        "identity: bundle type byte",
        v,
        ErrorCode::WrongObjectType,
    ));
    cases.push(identity_case(
        "identity: truncated",
        id[..id.len() - 1].to_vec(),
        ErrorCode::Truncated,
    ));
    let mut v = id.clone();
    v[3 + 5] ^= 0x80;
    cases.push(identity_case(
        "identity: X25519 key swapped for another",
        v,
        ErrorCode::BadSignature,
    ));
    let mut v = id[..3 + 32].to_vec();
    v.extend_from_slice(&alice.public().to_bytes()[3 + 32..]);
    cases.push(identity_case(
        "identity: ML-DSA half of another identity",
        v,
        ErrorCode::BadSignature,
    ));

    // Initial-message level, each against a fresh copy of the sealed store, with the
    // initiator identity the case supplies (Alice's unless it says otherwise).
    let alice_id = alice.public().to_bytes();
    let accept = |bytes: &[u8], supplied: Option<&[u8]>, after: Option<&[u8]>| -> &'static str {
        let mut s = PrekeyStore::open(&store_blob, &APP_KEY, b"", None).unwrap();
        if let Some(prior) = after {
            Session::accept(&bob, &mut s, prior, Some(&alice_id), FIRST_AD, NOW, &config).unwrap();
        }
        code_of(Session::accept(
            &bob, &mut s, bytes, supplied, FIRST_AD, NOW, &config,
        ))
    };
    let m = &initial;
    // Compact layout (5.5): header 3, flags 1, IK_A 32, fingerprint_A 32, spk_id, kem_id,
    // opk_id (this message used a one-time X25519 prekey), EK, CT, ratchet message.
    let flags_at = 3;
    let key_at = 4;
    let fp_at = key_at + 32;
    let spk_at = fp_at + 32;
    let kem_at = spk_at + 4;
    let opk_at = kem_at + 4;
    let ek_at = opk_at + 4;
    let ct_at = ek_at + 32;
    let msg_at = ct_at + twofold_core::KEM_CIPHERTEXT_LEN;
    // An initiator with the keys of an identity whose binding signature does not verify: the
    // first message authenticates, and the responder refuses it at the binding check (5.5).
    let dave = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut binding = *dave.public().to_bytes()[3 + 32 + twofold_core::SIG_PUBLIC_KEY_LEN..]
        .first_chunk::<{ twofold_core::SIGNATURE_LEN }>()
        .unwrap();
    binding[100] ^= 1;
    let broken = twofold_core::hazmat::identity_with_binding(&dave, &binding);
    let (_, broken_initial) = Session::initiate(
        &mut rng, &broken, &verified, b"dave", FIRST_AD, NOW, &config,
    )
    .unwrap();
    let broken_id = broken.public().to_bytes();
    // Alice's genuine self-contained message (another handshake of hers).
    let sc = SessionConfig::default().with_self_contained(true);
    let (_, self_contained) =
        Session::initiate(&mut rng, &alice, &verified, b"sc", FIRST_AD, NOW, &sc).unwrap();
    let body = &alice_id[3..];
    let mut im = |name: &str,
                  bytes: Vec<u8>,
                  supplied: Option<&[u8]>,
                  after: Option<&str>,
                  expected: ErrorCode| {
        let prior = after.map(|_| initial.as_slice());
        let got = accept(&bytes, supplied, prior);
        assert_eq!(got, expected.as_str(), "initial message case {name}");
        cases.push(json!({
            "name": name,
            "object": "initial_message",
            "initiator_identity": supplied.map(hx),
            "after": after,
            "bytes": hx(&bytes),
            "error": got,
        }));
    };
    assert_eq!(accept(m, Some(&alice_id), None), "OK");
    assert_eq!(accept(&self_contained, None, None), "OK");
    // A copy of the valid message with one edit.
    let edited = |edit: &dyn Fn(&mut Vec<u8>)| {
        let mut v = m.clone();
        edit(&mut v);
        v
    };
    let put = |at: usize, id: u32| {
        move |v: &mut Vec<u8>| v[at..at + 4].copy_from_slice(&id.to_be_bytes())
    };
    let xor = |at: usize, bit: u8| move |v: &mut Vec<u8>| v[at] ^= bit;
    let single: [(&str, Vec<u8>, ErrorCode); 17] = [
        (
            "initial: wire version 1",
            edited(&|v| v[0] = 1),
            ErrorCode::UnsupportedVersion,
        ),
        (
            "initial: truncated inside the handshake fields",
            m[..ct_at].to_vec(),
            ErrorCode::Truncated,
        ),
        (
            "initial: reserved flag bit",
            edited(&xor(flags_at, 0x08)),
            ErrorCode::InvalidEncoding,
        ),
        (
            "initial: unknown signed prekey id",
            edited(&put(spk_at, 77)),
            ErrorCode::UnknownPrekey,
        ),
        (
            "initial: unknown one-time prekey id",
            edited(&put(opk_at, 999)),
            ErrorCode::UnknownPrekey,
        ),
        (
            "initial: unknown one-time KEM prekey id",
            edited(&put(kem_at, 999)),
            ErrorCode::UnknownPrekey,
        ),
        (
            // Decided before authentication from public bytes (5.5 step 5).
            "initial: initiator X25519 key changed (the supplied identity has another)",
            edited(&xor(key_at + 5, 0x01)),
            ErrorCode::InitiatorMismatch,
        ),
        (
            "initial: initiator fingerprint changed",
            edited(&xor(fp_at + 9, 0x01)),
            ErrorCode::InitiatorMismatch,
        ),
        (
            "initial: ephemeral key of small order (u = 0)",
            edited(&|v| v[ek_at..ek_at + 32].fill(0)),
            ErrorCode::NonContributory,
        ),
        (
            "initial: KEM ciphertext bit flipped",
            edited(&xor(ct_at + 500, 0x10)),
            ErrorCode::AuthFailed,
        ),
        (
            "initial: ephemeral key bit flipped",
            edited(&xor(ek_at + 3, 0x10)),
            ErrorCode::AuthFailed,
        ),
        (
            "initial: AEAD tag bit flipped",
            edited(&xor(m.len() - 1, 0x01)),
            ErrorCode::AuthFailed,
        ),
        (
            "initial: ratchet key bit flipped",
            edited(&xor(msg_at + 4, 0x01)),
            ErrorCode::AuthFailed,
        ),
        (
            "initial: ratchet key of small order",
            edited(&|v| v[msg_at + 4..msg_at + 36].fill(0)),
            ErrorCode::NonContributory,
        ),
        (
            "initial: PQ key chunk of epoch 2",
            edited(&put(msg_at + 44, 2)),
            ErrorCode::UnknownEpoch,
        ),
        (
            "initial: MIX flag in the first message",
            edited(&xor(msg_at + 3, 0x04)),
            ErrorCode::InvalidEncoding,
        ),
        (
            "initial: a ratchet message of wire version 1 inside",
            edited(&|v| v[msg_at] = 0x01),
            ErrorCode::UnsupportedVersion,
        ),
    ];
    for (name, bytes, code) in single {
        im(name, bytes, Some(&alice_id), None, code);
    }
    im(
        "initial: compact, and no initiator identity supplied",
        m.clone(),
        None,
        None,
        ErrorCode::IdentityRequired,
    );
    im(
        "initial: compact, with another identity supplied",
        m.clone(),
        Some(&carol.public().to_bytes()),
        None,
        ErrorCode::InitiatorMismatch,
    );
    im(
        "initial: self-contained, with another identity supplied",
        self_contained.clone(),
        Some(&carol.public().to_bytes()),
        None,
        ErrorCode::InitiatorMismatch,
    );
    // The form is bound into the transcript: re-encoding a genuine message in the other form
    // fails authentication, before any signature is verified (5.4).
    let mut as_self_contained = vec![m[0], m[1], m[2], m[flags_at] | 0x04];
    as_self_contained.extend_from_slice(body);
    as_self_contained.extend_from_slice(&m[spk_at..]);
    im(
        "initial: compact message re-encoded as self-contained",
        as_self_contained,
        None,
        None,
        ErrorCode::AuthFailed,
    );
    let sc_rest = 4 + body.len();
    let mut as_compact = vec![
        self_contained[0],
        self_contained[1],
        self_contained[2],
        self_contained[3] & !0x04,
    ];
    as_compact.extend_from_slice(&alice_id[3..3 + 32]);
    as_compact.extend_from_slice(&alice.public().fingerprint());
    as_compact.extend_from_slice(&self_contained[sc_rest..]);
    im(
        "initial: self-contained message re-encoded as compact",
        as_compact,
        Some(&alice_id),
        None,
        ErrorCode::AuthFailed,
    );
    let mut v = self_contained.clone();
    v[4 + 32 + twofold_core::SIG_PUBLIC_KEY_LEN + 10] ^= 0x04;
    im(
        // The binding is part of the transcript: a changed bit fails authentication,
        // before the binding itself is checked (5.5).
        "initial: self-contained, initiator binding signature bit flipped",
        v,
        None,
        None,
        ErrorCode::AuthFailed,
    );
    im(
        "initial: replay of an accepted message (its one-time prekeys are consumed)",
        m.clone(),
        Some(&alice_id),
        Some("accept the valid message first"),
        ErrorCode::PrekeyAlreadyUsed,
    );
    im(
        "initial: another initiator reusing the consumed one-time prekeys",
        initial_carol.clone(),
        Some(&carol.public().to_bytes()),
        Some("accept the valid message first"),
        ErrorCode::PrekeyAlreadyUsed,
    );
    im(
        "initial: initiator holds the keys of an identity whose binding does not verify",
        broken_initial,
        Some(&broken_id),
        None,
        ErrorCode::BadSignature,
    );
    json!({
        "description": "Inputs that must be rejected, with the error code (docs/PROTOCOL.md section 9). Initial-message cases run against the responder state sealed below, starting fresh for each case, with the case's `initiator_identity` supplied to accept (null: none); when `after` is set, the valid `initial_message` is accepted first (with Alice's identity, `initiator_identity` of the file).",
        "initiator_identity": hx(&alice.public().to_bytes()),
        "app_key": hx(&APP_KEY),
        "responder_identity_blob": hx(&identity_blob),
        "responder_store_blob": hx(&store_blob),
        "associated_data": hx(FIRST_AD),
        "now": NOW,
        "initial_message": hx(&initial),
        "plaintext": String::from_utf8_lossy(FIRST_PLAINTEXT),
        "cases": cases,
    })
}

/// One operation of a scripted conversation.
#[derive(Clone, Copy)]
pub enum Op {
    /// `who` encrypts message number `id` (its plaintext names it).
    Send(Who, u32),
    /// The peer of the sender of `id` decrypts it.
    Recv(u32),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Who {
    Alice,
    Bob,
}

impl Who {
    fn name(self) -> &'static str {
        match self {
            Who::Alice => "alice",
            Who::Bob => "bob",
        }
    }
}

fn message_name(who: Who, id: u32) -> String {
    format!("{}{id}", if who == Who::Alice { "a" } else { "b" })
}

/// Runs `ops` after a handshake of the `Full` variant and records every step with its trace.
/// Returns the steps, the identities and both sessions (for the callers' own checks).
pub fn scripted(label: &str, ops: &[Op]) -> (Vec<Value>, Value, Traced, Traced) {
    let mut rng = rng(label);
    let config = SessionConfig::default();
    let (bob, mut store, bundle) = responder(&mut rng, Variant::Full);
    let bundle = VerifiedBundle::from_bytes(&bundle).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut steps = Vec::new();
    let (mut a, initial) =
        Traced::initiate(&mut rng, &alice, &bundle, b"a0", b"", NOW, &config).unwrap();
    steps.push(json!({
        "op": "initiate", "by": "alice", "id": "a0", "plaintext": "a0", "now": NOW,
        "message": hx(&initial), "trace": events(&a.take_trace()),
    }));
    let (mut b, p) = Traced::accept(
        &bob,
        &mut store,
        &initial,
        Some(&alice.public().to_bytes()),
        b"",
        NOW,
        &config,
    )
    .unwrap();
    assert_eq!(p, b"a0");
    steps.push(json!({
        "op": "accept", "by": "bob", "id": "a0", "plaintext": "a0",
        "trace": events(&b.take_trace()),
    }));
    let mut sent: std::collections::HashMap<u32, (Who, Vec<u8>)> = Default::default();
    let mut t = NOW;
    for op in ops {
        match *op {
            Op::Send(who, id) => {
                t += 1;
                let s = if who == Who::Alice { &mut a } else { &mut b };
                let name = message_name(who, id);
                let m = s.encrypt(&mut rng, t, name.as_bytes(), b"").unwrap();
                steps.push(json!({
                    "op": "encrypt", "by": who.name(), "id": name, "now": t, "plaintext": name,
                    "message": hx(&m), "trace": events(&s.take_trace()),
                }));
                sent.insert(id, (who, m));
            }
            Op::Recv(id) => {
                let (from, m) = sent.get(&id).unwrap();
                let who = if *from == Who::Alice {
                    Who::Bob
                } else {
                    Who::Alice
                };
                let s = if who == Who::Alice { &mut a } else { &mut b };
                let name = message_name(*from, id);
                let p = s.decrypt(m, b"").unwrap();
                assert_eq!(p, name.as_bytes());
                steps.push(json!({
                    "op": "decrypt", "by": who.name(), "id": name, "plaintext": name,
                    "trace": events(&s.take_trace()),
                }));
            }
        }
    }
    let identities = json!({
        "alice_identity": identity_json(&alice),
        "bob_identity": identity_json(&bob),
        "bob_prekeys": store_secrets_json(&store),
    });
    (steps, identities, a, b)
}

fn pq_json(s: &Session) -> Value {
    let i = s.info();
    json!({
        "dh_epoch": i.dh_epoch,
        "pq_epoch": i.pq_epoch,
        "pq_sending_epoch": i.pq_sending_epoch,
        "pq_chunks_sent": i.pq_chunks_sent,
        "pq_receiving_epoch": i.pq_receiving_epoch,
        "pq_chunks_received": i.pq_chunks_received,
        "pq_faults": i.pq_faults,
    })
}

fn conversation_vector(description: &str, label: &str, ops: &[Op], min_epochs: u32) -> Value {
    let (steps, identities, a, b) = scripted(label, ops);
    assert!(
        a.info().pq_epoch >= min_epochs && b.info().pq_epoch >= min_epochs,
        "{label}: {:?} / {:?}",
        a.info(),
        b.info()
    );
    let mut rng = rng(&format!("{label} snapshot"));
    json!({
        "description": description,
        "identities": identities,
        "steps": steps,
        "final": { "alice": pq_json(&a), "bob": pq_json(&b) },
        "snapshot": {
            "app_key": hx(&APP_KEY),
            "alice_session": hx(&a.seal(&mut rng, &APP_KEY, b"").unwrap()),
            "bob_session": hx(&b.seal(&mut rng, &APP_KEY, b"").unwrap()),
        },
    })
}

/// Ping-pong: Bob answers, Alice answers, `rounds` times.
pub fn ping_pong_ops(rounds: u32) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut id = 0;
    for _ in 0..rounds {
        id += 1;
        ops.push(Op::Send(Who::Bob, id));
        ops.push(Op::Recv(id));
        id += 1;
        ops.push(Op::Send(Who::Alice, id));
        ops.push(Op::Recv(id));
    }
    ops
}

/// One-way bursts with losses: Alice sends 50 messages of which Bob receives the last 40 (so
/// her key is decoded with parity chunks), Bob answers with 45 of which Alice receives all
/// but the first 6, Alice sends two more (the first mixes the epoch) and Bob one.
pub fn burst_ops() -> Vec<Op> {
    let mut ops = Vec::new();
    let mut id = 0;
    let mut round = |ops: &mut Vec<Op>, who: Who, n: u32, skip: u32| {
        let first = id + 1;
        for _ in 0..n {
            id += 1;
            ops.push(Op::Send(who, id));
        }
        for i in first + skip..=id {
            ops.push(Op::Recv(i));
        }
    };
    round(&mut ops, Who::Alice, 50, 10);
    round(&mut ops, Who::Bob, 45, 6);
    round(&mut ops, Who::Alice, 2, 0);
    round(&mut ops, Who::Bob, 1, 0);
    ops
}

/// Random turns of one to three messages, 10 % of messages lost, the rest delivered after
/// zero to two further turns in shuffled order (seeded).
pub fn lossy_ops(turns: u32) -> Vec<Op> {
    use rand_core::Rng as _;
    let mut r = rng("ratchet/lossy schedule");
    let mut ops = Vec::new();
    let mut pending: Vec<(u32, u32)> = Vec::new(); // (deliver after turn, id)
    let mut id = 0;
    for turn in 0..turns {
        let who = if turn % 2 == 0 { Who::Alice } else { Who::Bob };
        let n = 1 + r.next_u32() % 3;
        for _ in 0..n {
            id += 1;
            ops.push(Op::Send(who, id));
            if !r.next_u32().is_multiple_of(10) {
                pending.push((turn + r.next_u32() % 3, id));
            }
        }
        let mut due: Vec<u32> = pending
            .iter()
            .filter(|(at, _)| *at <= turn)
            .map(|(_, i)| *i)
            .collect();
        pending.retain(|(at, _)| *at > turn);
        for k in (1..due.len()).rev() {
            due.swap(k, (r.next_u32() as usize) % (k + 1));
        }
        ops.extend(due.into_iter().map(Op::Recv));
    }
    ops.extend(pending.into_iter().map(|(_, i)| Op::Recv(i)));
    ops
}

/// `vectors/ratchet/{ping_pong,burst,lossy}.json`.
pub fn ratchet_conversations() -> Vec<(String, Value)> {
    vec![
        (
            "ratchet/ping_pong.json".into(),
            conversation_vector(
                "Ping-pong until two PQ epochs are mixed on both sides, with every chunk, epoch transition and key. Alice's messages carry data chunks 0.. of her epoch-1 key; Bob's ciphertext chunks start once he decoded it; Alice starts epoch 2 at Bob's first ciphertext chunk. The snapshot seals both sessions at the end, mid-way through epoch 3.",
                "ratchet/ping_pong",
                &ping_pong_ops(PING_PONG_ROUNDS),
                2,
            ),
        ),
        (
            "ratchet/burst.json".into(),
            conversation_vector(
                "One-way bursts with the first messages of each burst lost, so both objects are decoded with parity chunks (indices at or above k).",
                "ratchet/burst",
                &burst_ops(),
                1,
            ),
        ),
        (
            "ratchet/lossy.json".into(),
            conversation_vector(
                "Random turns with 10 % loss and reordering (seeded schedule), until a PQ epoch is mixed on both sides.",
                "ratchet/lossy",
                &lossy_ops(LOSSY_TURNS),
                1,
            ),
        ),
    ]
}

/// Rounds of the ping-pong vector: enough for two epochs with pipelining.
pub const PING_PONG_ROUNDS: u32 = 110;
/// Turns of the lossy vector.
pub const LOSSY_TURNS: u32 = 120;

/// `vectors/ratchet/rejections.json`: ratchet messages and session blobs every implementation
/// must reject, against Bob's session sealed in the file (each case from a fresh copy).
pub fn ratchet_rejections() -> Value {
    let config = SessionConfig::default();
    let mut p = pair("ratchet/rejections", Variant::Full, &config);
    for _ in 0..3 {
        let r = p.b.encrypt(&mut p.rng, NOW, b"r", b"").unwrap();
        p.a.decrypt(&r, b"").unwrap();
        let m = p.a.encrypt(&mut p.rng, NOW, b"m", b"").unwrap();
        p.b.decrypt(&m, b"").unwrap();
    }
    let r = p.b.encrypt(&mut p.rng, NOW, b"r", b"").unwrap();
    p.a.decrypt(&r, b"").unwrap();
    // Alice's next message, delivered; then a restored copy of Alice encrypts a different one
    // at the same position (same ratchet key: the same RNG output).
    let alice_blob = p.a.seal(&mut p.rng, &APP_KEY, b"").unwrap();
    let mut same = rng("ratchet/rejections fork");
    let delivered = p.a.encrypt(&mut same, NOW, b"delivered", b"").unwrap();
    p.b.decrypt(&delivered, b"").unwrap();
    let mut fork = Session::open(&alice_blob, &APP_KEY, b"", None).unwrap();
    let mut same = rng("ratchet/rejections fork");
    let conflicting = fork.encrypt(&mut same, NOW, b"forked", b"").unwrap();
    // The next message of Alice's chain, not delivered: the base of the mutations.
    let next = p.a.encrypt(&mut p.rng, NOW, b"next", b"").unwrap();
    let bob_blob = p.b.seal(&mut p.rng, &APP_KEY, b"").unwrap();
    // For the cases at Alice: her session, and a message of Bob's not yet delivered to her.
    let alice_blob = p.a.seal(&mut p.rng, &APP_KEY, b"").unwrap();
    let to_alice = p.b.encrypt(&mut p.rng, NOW, &[0x42; 64], b"").unwrap();
    let other = pair("ratchet/rejections other", Variant::Full, &config).initial;
    let mut cases = Vec::new();
    let mut case = |name: &str, bytes: Vec<u8>, expected: ErrorCode| {
        let mut b = Session::open(&bob_blob, &APP_KEY, b"", None).unwrap();
        let before = b.state_bytes();
        let got = code_of(b.decrypt(&bytes, b""));
        assert_eq!(got, expected.as_str(), "ratchet case {name}");
        assert_eq!(before, b.state_bytes(), "{name}: session changed");
        cases.push(
            json!({ "name": name, "object": "ratchet_message", "bytes": hx(&bytes), "error": got }),
        );
    };
    let with = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut m = next.clone();
        f(&mut m);
        m
    };
    case(
        "duplicate: a message already decrypted",
        delivered.clone(),
        ErrorCode::DuplicateMessage,
    );
    case(
        "conflicting: another message at a used index",
        conflicting,
        ErrorCode::ConflictingMessage,
    );
    case(
        "too far ahead",
        with(&|m| m[40..44].copy_from_slice(&(MAX_FORWARD_JUMP + 2).to_be_bytes())),
        ErrorCode::TooFarAhead,
    );
    case(
        "wrong session: another handshake's initial message",
        other,
        ErrorCode::WrongSession,
    );
    case(
        "a key chunk of epoch 9 in a forged header (the epoch is checked after the tag)",
        with(&|m| m[44..48].copy_from_slice(&9u32.to_be_bytes())),
        ErrorCode::AuthFailed,
    );
    case(
        "role: a ciphertext chunk from the initiator",
        with(&|m| m[3] = 0x02),
        ErrorCode::InvalidEncoding,
    );
    case(
        "role: no chunk from the initiator",
        {
            let mut m = next[..44].to_vec();
            m[3] = 0;
            m.extend_from_slice(&next[84..]);
            m
        },
        ErrorCode::InvalidEncoding,
    );
    case(
        "reserved flag bit 0x08",
        with(&|m| m[3] |= 0x08),
        ErrorCode::InvalidEncoding,
    );
    case(
        "chunk kind 0b11",
        with(&|m| m[3] |= 0x03),
        ErrorCode::InvalidEncoding,
    );
    case(
        "chunk epoch 0",
        with(&|m| m[44..48].fill(0)),
        ErrorCode::InvalidEncoding,
    );
    case(
        "truncated chunk field",
        next[..64].to_vec(),
        ErrorCode::Truncated,
    );
    case(
        "truncated body",
        next[..84 + 15].to_vec(),
        ErrorCode::Truncated,
    );
    case(
        "a wire-version-1 message",
        with(&|m| m[0] = 0x01),
        ErrorCode::UnsupportedVersion,
    );
    case(
        "non-contributory ratchet key (all zeros)",
        {
            // A new chain's key: Bob has not seen it, so the DH is computed (and refused).
            let mut m = next.clone();
            m[4..36].fill(0);
            m
        },
        ErrorCode::NonContributory,
    );
    case(
        "tampered tag",
        with(&|m| {
            let last = m.len() - 1;
            m[last] ^= 1;
        }),
        ErrorCode::AuthFailed,
    );
    case(
        "tampered chunk",
        with(&|m| m[60] ^= 1),
        ErrorCode::AuthFailed,
    );
    let mut alice_case = |name: &str, bytes: Vec<u8>, expected: ErrorCode| {
        let mut a = Session::open(&alice_blob, &APP_KEY, b"", None).unwrap();
        let before = a.state_bytes();
        let got = code_of(a.decrypt(&bytes, b""));
        assert_eq!(got, expected.as_str(), "ratchet case {name}");
        assert_eq!(before, a.state_bytes(), "{name}: session changed");
        cases.push(json!({ "name": name, "object": "ratchet_message", "session": "alice", "bytes": hx(&bytes), "error": got }));
    };
    let bob_msg = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut m = to_alice.clone();
        f(&mut m);
        m
    };
    alice_case(
        "role: MIX from the responder",
        bob_msg(&|m| m[3] |= 0x04),
        ErrorCode::InvalidEncoding,
    );
    alice_case(
        "role: a key chunk from the responder",
        bob_msg(&|m| m[3] = 0x01),
        ErrorCode::InvalidEncoding,
    );
    alice_case(
        "a message for Bob given to Alice (key chunk)",
        next.clone(),
        ErrorCode::InvalidEncoding,
    );
    let mut blob_case = |name: &str, bytes: Vec<u8>, expected: ErrorCode, key: [u8; 32]| {
        let got = code_of(Session::open(&bytes, &key, b"", None));
        assert_eq!(got, expected.as_str(), "blob case {name}");
        cases.push(json!({ "name": name, "object": "session_blob", "bytes": hx(&bytes), "key": hx(&key), "error": got }));
    };
    blob_case(
        "session blob, wrong key",
        bob_blob.clone(),
        ErrorCode::AuthFailed,
        [0; 32],
    );
    blob_case(
        "identity blob opened as a session",
        p.bob
            .seal(&mut rng("ratchet/rejections identity"), &APP_KEY, b"")
            .unwrap(),
        ErrorCode::WrongObjectType,
        APP_KEY,
    );
    blob_case(
        "session blob, truncated",
        bob_blob[..36].to_vec(),
        ErrorCode::Truncated,
        APP_KEY,
    );
    blob_case(
        "session blob, a trailing byte",
        [&bob_blob[..], &[0]].concat(),
        ErrorCode::AuthFailed,
        APP_KEY,
    );
    let v1: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/state/v1.json"),
        )
        .unwrap(),
    )
    .unwrap();
    blob_case(
        "a state-format-1 session blob",
        crate::unhex(v1["alice_session"].as_str().unwrap()),
        ErrorCode::UnsupportedVersion,
        APP_KEY,
    );
    json!({
        "description": "Ratchet messages (`object` = ratchet_message, decrypted by the session in `bob_session`, or in `alice_session` when `session` is \"alice\", under `app_key`, from a fresh copy for each case, which must be unchanged afterwards) and sealed session blobs (`session_blob`, opened with `key`) that must be rejected with the error code given (docs/PROTOCOL.md sections 6 and 9).",
        "app_key": hx(&APP_KEY),
        "bob_session": hx(&bob_blob),
        "alice_session": hx(&alice_blob),
        "base_message": hx(&next),
        "cases": cases,
    })
}

/// `vectors/ratchet/fault.json`: an outcome vector for `PQ_INCONSISTENT`. Alice restores an
/// older state after starting her epoch-2 key and sends a second, different key object under
/// the same epoch (both copies draw the same ratchet key, then different ML-KEM seeds). Bob's
/// session is sealed before the first copy's messages; replaying `messages` in order against
/// it must give each listed outcome: the second copy's first ten collide
/// (`CONFLICTING_MESSAGE`), the rest decrypt, and the mixed collection faults exactly once.
pub fn ratchet_fault() -> Value {
    let config = SessionConfig::default();
    let mut p = pair("ratchet/fault", Variant::Full, &config);
    for _ in 0..60 {
        let m = p.a.encrypt(&mut p.rng, NOW, b"m", b"").unwrap();
        p.b.decrypt(&m, b"").unwrap();
        let r = p.b.encrypt(&mut p.rng, NOW, b"r", b"").unwrap();
        p.a.decrypt(&r, b"").unwrap();
        if p.b.info().pq_sending_epoch == 1 {
            break;
        }
    }
    let alice_blob = p.a.seal(&mut p.rng, &APP_KEY, b"").unwrap();
    let bob_blob = p.b.seal(&mut p.rng, &APP_KEY, b"").unwrap();
    let mut messages = Vec::new();
    let mut faults = Vec::new();
    let mut run = |a: &mut Traced, rng: &mut crate::SplicedRng, label: &str, n: usize| {
        for i in 0..n {
            let text = format!("{label} {i}");
            let m = a.encrypt(rng, NOW, text.as_bytes(), b"").unwrap();
            let _ = a.take_trace();
            let outcome = match p.b.decrypt(&m, b"") {
                Ok(pt) => {
                    assert_eq!(pt, text.as_bytes());
                    "OK"
                }
                Err(e) => e.code().as_str(),
            };
            for e in p.b.take_trace() {
                if let TraceEvent::PqFault { epoch, reason } = e {
                    faults.push(
                        json!({ "message": messages.len(), "epoch": epoch, "reason": reason }),
                    );
                }
            }
            messages.push(json!({ "message": hx(&m), "plaintext": text, "outcome": outcome }));
        }
    };
    let mut one = crate::SplicedRng::new("ratchet/fault ratchet key", "ratchet/fault one", 32);
    run(&mut p.a, &mut one, "first copy", 10);
    let mut restored = Traced::new(Session::open(&alice_blob, &APP_KEY, b"", None).unwrap());
    let mut two = crate::SplicedRng::new("ratchet/fault ratchet key", "ratchet/fault two", 32);
    run(&mut restored, &mut two, "restored copy", 50);
    let info = p.b.info();
    assert_eq!(info.pq_faults, 1);
    assert_eq!(faults.len(), 1);
    json!({
        "description": "PQ_INCONSISTENT: open bob_session (app_key), decrypt `messages` in order; each must give its `outcome` (OK with the plaintext, or the error code), and the session must count exactly the faults listed (`faults[].message` is the index of the message whose chunk completed the inconsistent object). The restored copy's later chunks then start a fresh collection.",
        "app_key": hx(&APP_KEY),
        "bob_session": hx(&bob_blob),
        "messages": messages,
        "faults": faults,
        "final": { "pq_faults": info.pq_faults, "pq_chunks_received": info.pq_chunks_received },
    })
}

/// `vectors/ratchet/fault_restored_responder.json`: the later-epoch rule of 6.3. Bob restores a
/// backup taken before he decoded Alice's epoch-1 key and answered; Alice has moved on to
/// epoch 2. Replaying Alice's next messages against the restored session: every message
/// decrypts, the first counts one fault (`unknown-epoch`), and Bob collects the epoch-2 key
/// (36 chunks later he has decoded it).
pub fn ratchet_fault_restored_responder() -> Value {
    let config = SessionConfig::default();
    let mut p = pair("ratchet/fault restored responder", Variant::Full, &config);
    let r0 = p.b.encrypt(&mut p.rng, NOW, b"r0", b"").unwrap();
    p.a.decrypt(&r0, b"").unwrap();
    let burst: Vec<Vec<u8>> = (1..=35)
        .map(|i| {
            p.a.encrypt(&mut p.rng, NOW, format!("a{i}").as_bytes(), b"")
                .unwrap()
        })
        .collect();
    for m in &burst[..34] {
        p.b.decrypt(m, b"").unwrap();
    }
    let b1 = p.b.encrypt(&mut p.rng, NOW, b"b1", b"").unwrap();
    let backup = p.b.seal(&mut p.rng, &APP_KEY, b"").unwrap();
    p.b.decrypt(&burst[34], b"").unwrap();
    let r1 = p.b.encrypt(&mut p.rng, NOW, b"r1", b"").unwrap();
    p.a.decrypt(&b1, b"").unwrap();
    p.a.decrypt(&r1, b"").unwrap();
    let mut restored = Session::open(&backup, &APP_KEY, b"", None).unwrap();
    let mut messages = Vec::new();
    let mut faults = Vec::new();
    for i in 0..40 {
        let text = format!("after the restore {i}");
        let m = p.a.encrypt(&mut p.rng, NOW, text.as_bytes(), b"").unwrap();
        let before = restored.info().pq_faults;
        assert_eq!(restored.decrypt(&m, b"").unwrap(), text.as_bytes());
        if restored.info().pq_faults > before {
            faults.push(json!({ "message": i, "epoch": 2, "reason": "unknown-epoch" }));
        }
        messages.push(json!({ "message": hx(&m), "plaintext": text, "outcome": "OK" }));
    }
    let info = restored.info();
    assert_eq!(info.pq_faults, 1);
    assert_eq!(info.pq_receiving_epoch, 3, "the epoch-2 key was decoded");
    json!({
        "description": "The later-epoch rule (6.3): bob_session is a backup from before Bob decoded Alice's epoch-1 key; Alice has since moved to epoch 2. Decrypt `messages` in order: all decrypt, the session counts exactly the faults listed, and afterwards it has decoded the epoch-2 key (`final`).",
        "app_key": hx(&APP_KEY),
        "bob_session": hx(&backup),
        "messages": messages,
        "faults": faults,
        "final": { "pq_faults": info.pq_faults, "pq_receiving_epoch": info.pq_receiving_epoch, "pq_chunks_received": info.pq_chunks_received },
    })
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The Merkle tree of an upload batch from the formulas of docs/PROTOCOL.md 5.2, written here
/// from the spec (not the library): every level, leaf and padding hashes first, root last.
pub fn spec_merkle_levels(
    fingerprint: &[u8; 32],
    batch_id: u32,
    leaves: &[Vec<u8>],
) -> Vec<Vec<[u8; 32]>> {
    let mut tree_id = fingerprint.to_vec();
    tree_id.extend_from_slice(&batch_id.to_be_bytes());
    let n = leaves.len();
    let width = n.next_power_of_two();
    let mut level: Vec<[u8; 32]> = (0..width)
        .map(|i| {
            let i16 = (i as u16).to_be_bytes();
            match leaves.get(i) {
                Some(leaf) => sha256(&[&[0x00], &tree_id, &i16, leaf]),
                None => sha256(&[&[0x02], &tree_id, &i16]),
            }
        })
        .collect();
    let mut levels = vec![level.clone()];
    let mut h = 0u8;
    while level.len() > 1 {
        h += 1;
        level = level
            .chunks(2)
            .enumerate()
            .map(|(j, pair)| {
                sha256(&[
                    &[0x01],
                    &tree_id,
                    &[h],
                    &(j as u16).to_be_bytes(),
                    &pair[0],
                    &pair[1],
                ])
            })
            .collect();
        levels.push(level.clone());
    }
    levels
}

/// The upload signature's message (docs/PROTOCOL.md 5.2), from the spec.
pub fn spec_upload_message(upload: &[u8], root: &[u8; 32]) -> Vec<u8> {
    let body = &upload[3..3 + 5293];
    let fingerprint = sha256(&[b"Twofold v1 safety number", &[1, 1], &body[..32 + 1952]]);
    let record_and_counts = &upload[3 + 5293..3 + 5293 + 1232 + 6];
    let mut m = vec![0x01, 0x02];
    m.extend_from_slice(&fingerprint);
    m.extend_from_slice(record_and_counts);
    m.extend_from_slice(root);
    m
}

/// `vectors/upload/batches.json`: three uploads of one store (5 leaves of which 3 with an
/// ML-KEM key, 1 leaf, none), each with every random draw, every tree level, the signed
/// message, and the bundle a server composes for every index and for none.
pub fn upload_batches() -> Value {
    let mut rng = rng("upload/batches");
    let bob = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &bob, NOW).unwrap();
    let signed = store_secrets_json(&store);
    let fingerprint = bob.public().fingerprint();
    let mut batches = Vec::new();
    for (x, k) in [(5usize, 3usize), (1, 1), (0, 0)] {
        let mut recording = RecordingRng::new(&mut rng);
        let upload = store.upload(&mut recording, &bob, x, k).unwrap();
        let draws = recording.draws;
        assert_eq!(draws.len(), x + k + 1, "one draw per secret, then rnd");
        let info = twofold_core::inspect_upload(&upload).unwrap();
        let n = usize::from(info.leaf_count);
        let mut leaves = Vec::new();
        let mut at = twofold_core::UPLOAD_MIN_LEN;
        for i in 0..n {
            let len = 1 + if i < x { 36 } else { 0 } + if i < k { 4 + 1184 } else { 0 };
            leaves.push(upload[at..at + len].to_vec());
            at += len;
        }
        let levels = spec_merkle_levels(&fingerprint, info.batch_id, &leaves);
        let root = if n == 0 {
            [0u8; 32]
        } else {
            levels.last().unwrap()[0]
        };
        let message = spec_upload_message(&upload, &root);
        let bundles: Vec<Value> = (0..n)
            .map(|i| Some(i as u16))
            .chain([None])
            .map(|i| {
                let b = twofold_core::compose_bundle(&upload, i).unwrap();
                VerifiedBundle::from_bytes(&b).unwrap();
                json!({ "index": i, "bundle": hx(&b), "length": b.len() })
            })
            .collect();
        batches.push(json!({
            "call": format!("upload(x25519 = {x}, kem = {k})"),
            "batch_id": info.batch_id,
            "draws": {
                "one_time_prekey_secrets": draws[..x].iter().map(|d| hx(d)).collect::<Vec<_>>(),
                "one_time_kem_seeds": draws[x..x + k].iter().map(|d| hx(d)).collect::<Vec<_>>(),
                "signature_rnd": hx(&draws[x + k]),
            },
            "leaves": leaves.iter().map(|l| hx(l)).collect::<Vec<_>>(),
            "tree_levels": if n == 0 { Vec::new() } else { levels.iter().map(|l| l.iter().map(|h| hx(h)).collect::<Vec<_>>()).collect() },
            "root": hx(&root),
            "upload_message": hx(&message),
            "upload": hx(&upload),
            "bundles": bundles,
        }));
    }
    json!({
        "description": "Prekey uploads and server-composed bundles (docs/PROTOCOL.md 5.2): Bob's identity and store draws, then three uploads in order. For each: every random draw (one-time X25519 secrets, one-time ML-KEM seeds, the ML-DSA signing randomness rnd), the leaves, every level of the padded Merkle tree (leaf and padding hashes first, root last), the signed message, the upload, and compose_bundle's output for every leaf index and for none (null).",
        "bob": { "identity": identity_json(&bob), "signed_prekeys": signed, "created_at": NOW },
        "batches": batches,
    })
}

/// `state/sealed.json`: blobs of the current formats bound to a context, with their
/// plaintexts and generations, and the openings that must fail (docs/PROTOCOL.md section 10).
pub fn state_sealed() -> Value {
    let mut p = pair("state/sealed", Variant::Full, &SessionConfig::default());
    for i in 0..3u8 {
        let m = p.a.encrypt(&mut p.rng, NOW, &[i; 8], b"").unwrap();
        p.b.decrypt(&m, b"").unwrap();
    }
    let mut rng = rng("state/sealed blobs");
    let context = b"twofold-demo/session/bob".to_vec();
    let session_blob = p.b.seal(&mut rng, &APP_KEY, &context).unwrap();
    let store_blob = p.store.seal(&mut rng, &APP_KEY, b"slot 7").unwrap();
    let identity_blob = p.bob.seal(&mut rng, &APP_KEY, b"identity").unwrap();
    let other_blob =
        p.a.seal(&mut rng, &APP_KEY, b"twofold-demo/session/alice")
            .unwrap();
    let open_code = |blob: &[u8], ctx: &[u8], min: Option<u64>| {
        code_of(Session::open(blob, &APP_KEY, ctx, min))
    };
    let object = |blob: &[u8], ctx: &[u8], plain: Vec<u8>, generation: Option<u64>| {
        json!({
            "context": hx(ctx),
            "generation": generation,
            "salt": hx(&blob[5..37]),
            "plaintext": hx(&plain),
            "blob": hx(blob),
        })
    };
    let identity_plain = {
        let (x, seed) = p.bob.secret_seeds();
        // The format of 10.4: both secrets, then the binding signature the identity carries.
        let public = p.bob.public().to_bytes();
        [&x[..], &seed[..], &public[public.len() - 3309..]].concat()
    };
    // The previous session format (2: no generation), sealed as it was: unreleased, refused.
    let format_2 = {
        let mut blob = session_blob.clone();
        blob[4] = 2;
        blob
    };
    json!({
        "description": "Sealed blobs of the current formats (session 3, prekey store 3, identity key pair 2), each bound to its `context` (hex) and sealed with `app_key` and the `salt` shown (the RNG's draw): HKDF and AEAD over `plaintext` with AD = header || u16(len context) || context reproduce `blob` (docs/PROTOCOL.md section 10). `generation` is the first field of a session or store plaintext. `rejections`: opening `blob` of `object` with `context` (and `min_generation` when not null) must fail with `code`.",
        "app_key": hx(&APP_KEY),
        "session": object(&session_blob, &context, p.b.state_bytes(), Some(p.b.generation())),
        "prekey_store": object(&store_blob, b"slot 7", p.store.state_bytes(), Some(p.store.generation())),
        "identity": object(&identity_blob, b"identity", identity_plain, None),
        "rejections": [
            { "name": "session opened with another session's context", "object": "session",
              "blob": hx(&session_blob), "context": hx(b"twofold-demo/session/alice"), "min_generation": null,
              "code": open_code(&session_blob, b"twofold-demo/session/alice", None) },
            { "name": "another session's blob in this session's slot (swap)", "object": "session",
              "blob": hx(&other_blob), "context": hx(&context), "min_generation": null,
              "code": open_code(&other_blob, &context, None) },
            { "name": "session opened with the empty context", "object": "session",
              "blob": hx(&session_blob), "context": "", "min_generation": null,
              "code": open_code(&session_blob, b"", None) },
            { "name": "session below the minimum generation (rollback)", "object": "session",
              "blob": hx(&session_blob), "context": hx(&context), "min_generation": p.b.generation() + 1,
              "code": open_code(&session_blob, &context, Some(p.b.generation() + 1)) },
            { "name": "prekey store below the minimum generation", "object": "prekey_store",
              "blob": hx(&store_blob), "context": hx(b"slot 7"), "min_generation": p.store.generation() + 1,
              "code": code_of(PrekeyStore::open(&store_blob, &APP_KEY, b"slot 7", Some(p.store.generation() + 1))) },
            { "name": "identity opened with another context", "object": "identity",
              "blob": hx(&identity_blob), "context": hx(b"slot 7"), "min_generation": null,
              "code": code_of(IdentityKeyPair::open(&identity_blob, &APP_KEY, b"slot 7")) },
            { "name": "a session blob whose format byte is 2 (the previous session format, never released): refused before decryption", "object": "session",
              "blob": hx(&format_2), "context": hx(&context), "min_generation": null,
              "code": open_code(&format_2, &context, None) },
        ],
    })
}

/// `box/sealed_box.json`: an anonymous and a sender-authenticated box to Bob's signed prekeys,
/// with every random draw and every intermediate value (computed from the spec by
/// [`crate::sealed_box::seal`], which must agree with the library), Bob's identity and store
/// as sealed blobs, and the rejections (docs/PROTOCOL.md section 13).
pub fn sealed_boxes() -> Value {
    use crate::sealed_box::{Recipient, Sender, seal};
    let mut rng = rng("box/sealed_box");
    let bob = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut store = PrekeyStore::generate(&mut rng, &bob, NOW).unwrap();
    let upload = store.upload(&mut rng, &bob, 1, 1).unwrap();
    let bundle = twofold_core::compose_bundle(&upload, None).unwrap();
    let verified = VerifiedBundle::from_bytes(&bundle).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let secrets = store.secrets_for_vectors();
    let secret = |kind: &str| secrets.iter().find(|s| s.0 == kind).unwrap();
    let (spk, kem) = (secret("signed_prekey"), secret("last_resort_kem"));
    let recipient = Recipient {
        fingerprint: bob.public().fingerprint(),
        spk_id: spk.1,
        spk: twofold_core::hazmat::x25519_public(&spk.2.as_slice().try_into().unwrap()),
        kem_id: kem.1,
        kem_ek: twofold_core::hazmat::kem_public(&kem.2.as_slice().try_into().unwrap())
            .try_into()
            .unwrap(),
    };
    let (alice_x, _) = alice.secret_seeds();
    let alice_sender = Sender {
        dh_secret: alice_x,
        named_key: *alice.public().dh_key().as_bytes(),
        named_fingerprint: alice.public().fingerprint(),
    };
    let mut boxes = Vec::new();
    let mut sealed = Vec::new();
    for (mode, authenticated, plaintext, ad) in [
        (
            "anonymous",
            false,
            &b"An anonymous note for Bob."[..],
            &b""[..],
        ),
        (
            "sender_authenticated",
            true,
            &b"Bob, this is Alice, without a session."[..],
            &b"twofold vectors"[..],
        ),
    ] {
        let sender = authenticated.then_some(&alice);
        let mut recording = RecordingRng::new(&mut rng);
        let bytes = twofold_core::seal_box(
            &mut recording,
            &verified,
            sender,
            plaintext,
            ad,
            NOW,
            &twofold_core::BoxConfig::default(),
        )
        .unwrap();
        let draws = recording.draws;
        let (spec_bytes, values) = seal(
            &recipient,
            &draws[0].as_slice().try_into().unwrap(),
            &draws[1].as_slice().try_into().unwrap(),
            authenticated.then_some(&alice_sender),
            plaintext,
            ad,
        );
        assert_eq!(
            bytes, spec_bytes,
            "library and spec agree on the {mode} box"
        );
        let opened = store
            .open_box(&bob, &bytes, ad, sender.map(|s| s.public()))
            .unwrap();
        assert_eq!(opened.plaintext.as_slice(), plaintext);
        boxes.push(json!({
            "mode": mode,
            "plaintext": hx(plaintext),
            "associated_data": hx(ad),
            "now": NOW,
            "draws": { "ephemeral_secret": hx(&draws[0]), "kem_randomness": hx(&draws[1]) },
            "values": values,
            "box": hx(&bytes),
            "length": bytes.len(),
        }));
        sealed.push(bytes);
    }
    let (anon, auth) = (&sealed[0], &sealed[1]);
    let with = |b: &[u8], at: usize, v: u8| {
        let mut b = b.to_vec();
        b[at] = v;
        b
    };
    let prefix = twofold_core::SEALED_BOX_PREFIX_LEN;
    let mut low_order = anon.clone();
    low_order[12..44].copy_from_slice(&[0; 32]);
    // Boxes the library never writes, made from the spec (crate::sealed_box::seal): a sender
    // block naming Alice in a box whose DH_S Mallory computed, and one naming Alice's X25519
    // key with Carol's fingerprint.
    let mallory = IdentityKeyPair::generate(&mut rng).unwrap();
    let carol = IdentityKeyPair::generate(&mut rng).unwrap();
    let (mallory_x, _) = mallory.secret_seeds();
    let forged = Sender {
        dh_secret: mallory_x,
        named_key: *alice.public().dh_key().as_bytes(),
        named_fingerprint: alice.public().fingerprint(),
    };
    let (forged, _) = seal(
        &recipient,
        &[0x11; 32],
        &[0x22; 32],
        Some(&forged),
        b"pay Mallory",
        b"",
    );
    let mixed = Sender {
        dh_secret: alice_x,
        named_key: *alice.public().dh_key().as_bytes(),
        named_fingerprint: carol.public().fingerprint(),
    };
    let (mixed, _) = seal(&recipient, &[0x33; 32], &[0x44; 32], Some(&mixed), b"", b"");
    let alice_id = alice.public().to_bytes();
    let carol_id = carol.public().to_bytes();
    // Alice's identity with a byte of its binding signature (the last field) changed: the
    // same X25519 key and fingerprint, a binding that does not verify.
    let mut alice_bad_binding = alice_id.clone();
    *alice_bad_binding.last_mut().unwrap() ^= 1;
    // (name, box, associated data, sender identity supplied, expected code)
    type Case<'a> = (&'a str, Vec<u8>, &'a [u8], Option<&'a [u8]>, ErrorCode);
    let cases: Vec<Case<'_>> = vec![
        (
            "fewer than 3 bytes",
            anon[..2].to_vec(),
            b"",
            None,
            ErrorCode::Truncated,
        ),
        (
            "the type byte of a bundle",
            with(anon, 1, 0x02),
            b"",
            None,
            ErrorCode::WrongObjectType,
        ),
        (
            "version 1",
            with(anon, 0, 0x01),
            b"",
            None,
            ErrorCode::UnsupportedVersion,
        ),
        (
            "suite 2",
            with(anon, 2, 0x02),
            b"",
            None,
            ErrorCode::UnsupportedSuite,
        ),
        (
            "flag bit 0x02",
            with(anon, 3, 0x03),
            b"",
            None,
            ErrorCode::InvalidEncoding,
        ),
        (
            "cut inside CT",
            anon[..prefix - 1].to_vec(),
            b"",
            None,
            ErrorCode::Truncated,
        ),
        (
            "payload shorter than its tag",
            anon[..prefix + 15].to_vec(),
            b"",
            None,
            ErrorCode::Truncated,
        ),
        (
            "sender block cut",
            auth[..prefix + 79].to_vec(),
            b"",
            Some(&alice_id),
            ErrorCode::Truncated,
        ),
        (
            "unknown signed prekey id",
            with(anon, 7, anon[7] ^ 0x40),
            b"",
            None,
            ErrorCode::UnknownPrekey,
        ),
        (
            "unknown ML-KEM prekey id",
            with(anon, 11, anon[11] ^ 0x40),
            b"",
            None,
            ErrorCode::UnknownPrekey,
        ),
        (
            "low-order EK (all zeros)",
            low_order,
            b"",
            None,
            ErrorCode::NonContributory,
        ),
        (
            "EK altered",
            with(anon, 12, anon[12] ^ 1),
            b"",
            None,
            ErrorCode::AuthFailed,
        ),
        (
            "EK's bit 255 flipped (the same X25519 value, other bytes)",
            with(anon, 43, anon[43] ^ 0x80),
            b"",
            None,
            ErrorCode::AuthFailed,
        ),
        (
            "sender block names Alice, DH_S computed by Mallory",
            forged,
            b"",
            Some(&alice_id),
            ErrorCode::AuthFailed,
        ),
        (
            "sender block names Alice's X25519 key with Carol's fingerprint",
            mixed.clone(),
            b"",
            Some(&alice_id),
            ErrorCode::InitiatorMismatch,
        ),
        (
            "the same, opened with Carol's identity",
            mixed,
            b"",
            Some(&carol_id),
            ErrorCode::InitiatorMismatch,
        ),
        (
            "authenticated box, the supplied sender's binding signature altered (checked after the box opened)",
            auth.clone(),
            b"twofold vectors",
            Some(&alice_bad_binding),
            ErrorCode::BadSignature,
        ),
        (
            "authenticated box, the supplied sender is not an identity encoding",
            auth.clone(),
            b"twofold vectors",
            Some(&alice_id[..100]),
            ErrorCode::InitiatorMismatch,
        ),
        (
            "CT altered",
            with(anon, 44, anon[44] ^ 1),
            b"",
            None,
            ErrorCode::AuthFailed,
        ),
        (
            "payload tag altered",
            with(anon, anon.len() - 1, anon[anon.len() - 1] ^ 1),
            b"",
            None,
            ErrorCode::AuthFailed,
        ),
        (
            "opened with other associated data",
            anon.clone(),
            b"other",
            None,
            ErrorCode::AuthFailed,
        ),
        (
            "sender block altered",
            with(auth, prefix, auth[prefix] ^ 1),
            b"twofold vectors",
            Some(&alice_id),
            ErrorCode::AuthFailed,
        ),
        (
            "authenticated box, no sender supplied",
            auth.clone(),
            b"twofold vectors",
            None,
            ErrorCode::IdentityRequired,
        ),
        (
            "authenticated box, another sender supplied",
            auth.clone(),
            b"twofold vectors",
            Some(&carol_id),
            ErrorCode::InitiatorMismatch,
        ),
        (
            "anonymous box, a sender supplied",
            anon.clone(),
            b"",
            Some(&alice_id),
            ErrorCode::InitiatorMismatch,
        ),
        (
            "authenticated box with the flag cleared",
            with(auth, 3, 0),
            b"twofold vectors",
            None,
            ErrorCode::AuthFailed,
        ),
    ];
    let rejections: Vec<Value> = cases
        .into_iter()
        .map(|(name, bytes, ad, sender, expected)| {
            let mut cache = twofold_core::IdentityCache::new(0);
            let got = code_of(store.open_box_cached(&bob, &bytes, ad, sender, &mut cache));
            assert_eq!(got, expected.as_str(), "box rejection {name}");
            json!({ "name": name, "box": hx(&bytes), "associated_data": hx(ad), "sender": sender.map(hx), "code": got })
        })
        .collect();
    let identity_blob = bob
        .seal(&mut rng, &APP_KEY, b"box vectors identity")
        .unwrap();
    let store_blob = store
        .seal(&mut rng, &APP_KEY, b"box vectors store")
        .unwrap();
    let alice_blob = alice
        .seal(&mut rng, &APP_KEY, b"box vectors alice")
        .unwrap();
    json!({
        "description": "Sealed boxes (docs/PROTOCOL.md section 13) to Bob's signed X25519 prekey and last-resort ML-KEM prekey, as `bundle` publishes them. For each box: the inputs, the two random draws (the ephemeral X25519 secret, then the ML-KEM randomness m), every intermediate value of 13.1 and the box (box_id = SHA-256 of the whole box). `rejections`: opening `box` with `associated_data` and the `sender` identity encoding (null: none; decoded strictly, its binding verified only after the box opened) must fail with `code`; some are boxes the reference implementation never writes (a sender block naming Alice with DH_S computed by Mallory; Alice's X25519 key named with Carol's fingerprint), made from the spec. Bob's identity and store, and Alice's identity, are also given as sealed blobs (app_key, contexts `box vectors identity`, `box vectors store`, `box vectors alice`) for implementations that seal and open boxes through their API.",
        "app_key": hx(&APP_KEY),
        "bob": {
            "identity": identity_json(&bob),
            "signed_prekeys": store_secrets_json(&store),
            "created_at": NOW,
            "identity_blob": hx(&identity_blob),
            "prekey_store_blob": hx(&store_blob),
        },
        "bundle": hx(&bundle),
        "alice": { "identity": identity_json(&alice), "identity_blob": hx(&alice_blob) },
        "boxes": boxes,
        "rejections": rejections,
    })
}

/// Every regenerated file: (path relative to `vectors/`, JSON).
pub fn regenerated() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Variant::ALL
        .iter()
        .map(|v| (format!("handshake/{}.json", v.name()), handshake_vector(*v)))
        .collect();
    out.push((
        "handshake/self_contained.json".into(),
        handshake_vector_self_contained(),
    ));
    out.push(("handshake/rejections.json".into(), rejections()));
    out.push(("upload/batches.json".into(), upload_batches()));
    out.push(("state/sealed.json".into(), state_sealed()));
    out.push(("box/sealed_box.json".into(), sealed_boxes()));
    out.extend(ratchet_conversations());
    out.push(("ratchet/rejections.json".into(), ratchet_rejections()));
    out.push(("ratchet/fault.json".into(), ratchet_fault()));
    out.push((
        "ratchet/fault_restored_responder.json".into(),
        ratchet_fault_restored_responder(),
    ));
    out
}

/// The exact text written for a vector file.
pub fn render(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    s
}
