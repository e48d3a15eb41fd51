//! The generator of `vectors/`: every file is produced from fixed seeds by the real code paths
//! (with the core's `trace` feature recording each intermediate value).
//!
//! `cargo run -p twofold-tests --bin gen-vectors` writes the files; `tests/tests/integration/vectors.rs`
//! regenerates them and fails on any difference. The JSON schemas are described in
//! `vectors/README.md`.

use serde_json::{Value, json};
use twofold_core::trace::{Direction, TraceEvent};
use twofold_core::{
    ErrorCode, HasErrorCode, IDENTITY_LEN, IdentityKeyPair, PqPolicy, PrekeyStore, Session,
    SessionConfig, VerifiedBundle,
};

use crate::{Traced, Variant, hx, responder, rng};

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
        TraceEvent::KemKeyGenerated { id, seed } => json!({
            "event": "kem_key_generated",
            "id": id,
            "seed": hx(seed),
            "public": hx(&twofold_core::hazmat::kem_public(&seed.as_slice().try_into().unwrap())),
        }),
        TraceEvent::KemEncapsulated {
            key_id,
            randomness,
            ciphertext,
            secret,
        } => json!({
            "event": "kem_encapsulated",
            "key_id": key_id,
            "randomness": hx(randomness),
            "ciphertext": hx(ciphertext),
            "shared_secret": hx(secret),
        }),
        TraceEvent::KemDecapsulated { key_id, secret } => json!({
            "event": "kem_decapsulated",
            "key_id": key_id,
            "shared_secret": hx(secret),
        }),
        TraceEvent::RootStep {
            direction: d,
            root_in,
            dh,
            kem_secret,
            root_out,
            chain_key,
        } => json!({
            "event": "root_step",
            "direction": direction(*d),
            "root_key_in": hx(root_in),
            "dh": hx(dh),
            "kem_shared_secret": kem_secret.map(|k| hx(&k)),
            "root_key_out": hx(root_out),
            "chain_key": hx(chain_key),
        }),
        TraceEvent::MessageKey {
            direction: d,
            ratchet_key,
            index,
            chain_key,
            message_key,
            aead_key,
            nonce,
        } => json!({
            "event": "message_key",
            "direction": direction(*d),
            "ratchet_key": hx(ratchet_key),
            "index": index,
            "chain_key": hx(chain_key),
            "message_key": hx(message_key),
            "aead_key": hx(aead_key),
            "nonce": hx(nonce),
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

/// `vectors/handshake/<variant>.json`.
pub fn handshake_vector(variant: Variant) -> Value {
    let mut rng = rng(&format!("handshake/{}", variant.name()));
    let (bob, mut store) = responder(&mut rng, variant);
    let bob_prekeys = store_secrets_json(&store);
    let bundle = store.bundle(&mut rng, &bob).unwrap();
    let verified = VerifiedBundle::from_bytes(&bundle).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let config = SessionConfig::default();
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
    let (mut b, plaintext) =
        Traced::accept(&bob, &mut store, &initial, FIRST_AD, NOW, &config).unwrap();
    let b_trace = b.take_trace();
    assert_eq!(plaintext, FIRST_PLAINTEXT);
    assert_eq!(handshake_of(&a_trace), handshake_of(&b_trace));
    let sas = a.sas();
    let safety = a.safety_number();
    assert_eq!(safety, b.safety_number());
    json!({
        "description": format!(
            "PQXDH-style handshake, bundle variant `{}`: every input, intermediate and output",
            variant.name()
        ),
        "variant": variant.name(),
        "bob": {
            "identity": identity_json(&bob),
            "prekeys": bob_prekeys,
        },
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
        "pq_policy": "interval(50 messages, 86400 s)",
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
    let (bob, mut store) = responder(&mut rng, Variant::Full);
    store.add_one_time_prekeys(&mut rng, 1, 1).unwrap();
    let bundle = store.bundle(&mut rng, &bob).unwrap();
    let verified = VerifiedBundle::from_bytes(&bundle).unwrap();
    let identity_blob = bob.seal(&mut rng, &APP_KEY).unwrap();
    let store_blob = store.seal(&mut rng, &APP_KEY).unwrap();
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
    // Bundle-level.
    let b = &bundle;
    let mut v = b.clone();
    v[0] = 2;
    cases.push(bundle_case(
        "bundle: version 2",
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
    // A bundle below the maximum size (no one-time prekeys) for the trailing-byte case: at the
    // maximum, one more byte is TOO_LARGE first.
    let (carl, mut carl_store) = responder(&mut rng, Variant::LastResortOnly);
    let mut v = carl_store.bundle(&mut rng, &carl).unwrap();
    v.push(0);
    cases.push(bundle_case(
        "bundle (no one-time prekeys): one trailing byte",
        v,
        ErrorCode::TrailingBytes,
    ));
    let flags_at =
        IDENTITY_LEN + 4 + 32 + 4 + twofold_core::KEM_PUBLIC_KEY_LEN + twofold_core::SIGNATURE_LEN;
    let mut v = b.clone();
    v[flags_at] |= 0x04;
    cases.push(bundle_case(
        "bundle: reserved flag bit",
        v,
        ErrorCode::InvalidEncoding,
    ));
    let kem_at = IDENTITY_LEN + 4 + 32 + 4;
    let mut v = b.clone();
    v[kem_at] = 0xFF;
    v[kem_at + 1] |= 0x0F;
    cases.push(bundle_case(
        "bundle: last-resort KEM key coefficient >= q",
        v,
        ErrorCode::InvalidKey,
    ));
    for (name, at) in [
        ("bundle: identity X25519 key bit flipped", 3),
        (
            "bundle: identity binding signature bit flipped",
            3 + 32 + twofold_core::SIG_PUBLIC_KEY_LEN + 100,
        ),
        ("bundle: signed prekey bit flipped", IDENTITY_LEN + 4 + 7),
        ("bundle: signed prekey id changed", IDENTITY_LEN + 3),
        ("bundle: one-time prekey bit flipped", flags_at + 1 + 4 + 5),
        (
            "bundle: one-time KEM prekey id changed",
            flags_at + 1 + 36 + 3,
        ),
        ("bundle: one-time signature bit flipped", b.len() - 50),
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

    // Initial-message level, each against a fresh copy of the sealed store.
    let accept = |bytes: &[u8], after: Option<&[u8]>| -> &'static str {
        let mut s = PrekeyStore::open(&store_blob, &APP_KEY).unwrap();
        if let Some(prior) = after {
            Session::accept(&bob, &mut s, prior, FIRST_AD, NOW, &config).unwrap();
        }
        code_of(Session::accept(&bob, &mut s, bytes, FIRST_AD, NOW, &config))
    };
    let m = &initial;
    let spk_at = IDENTITY_LEN;
    let kind_at = spk_at + 4;
    let flags_at = kind_at + 5;
    let opk_at = flags_at + 1;
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
    let mut im = |name: &str, bytes: Vec<u8>, after: Option<&str>, expected: ErrorCode| {
        let prior = after.map(|_| initial.as_slice());
        let got = accept(&bytes, prior);
        assert_eq!(got, expected.as_str(), "initial message case {name}");
        cases.push(json!({
            "name": name,
            "object": "initial_message",
            "after": after,
            "bytes": hx(&bytes),
            "error": got,
        }));
    };
    assert_eq!(accept(m, None), "OK");
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
    let single: [(&str, Vec<u8>, ErrorCode); 14] = [
        (
            "initial: version 0",
            edited(&|v| v[0] = 0),
            ErrorCode::UnsupportedVersion,
        ),
        (
            "initial: truncated inside the handshake fields",
            m[..ct_at].to_vec(),
            ErrorCode::Truncated,
        ),
        (
            "initial: unknown KEM prekey kind",
            edited(&|v| v[kind_at] = 3),
            ErrorCode::InvalidEncoding,
        ),
        (
            "initial: reserved flag bit",
            edited(&|v| v[flags_at] = 0x03),
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
            edited(&put(kind_at + 1, 999)),
            ErrorCode::UnknownPrekey,
        ),
        (
            // The binding is part of the transcript: a changed bit fails authentication,
            // before the binding itself is checked (5.5).
            "initial: initiator binding signature bit flipped",
            edited(&xor(3 + 32 + twofold_core::SIG_PUBLIC_KEY_LEN + 10, 0x04)),
            ErrorCode::AuthFailed,
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
    ];
    for (name, bytes, code) in single {
        im(name, bytes, None, code);
    }
    im(
        "initial: replay of an accepted message (its one-time prekeys are consumed)",
        m.clone(),
        Some("accept the valid message first"),
        ErrorCode::PrekeyAlreadyUsed,
    );
    im(
        "initial: another initiator reusing the consumed one-time prekeys",
        initial_carol.clone(),
        Some("accept the valid message first"),
        ErrorCode::PrekeyAlreadyUsed,
    );
    im(
        "initial: initiator holds the keys of an identity whose binding does not verify",
        broken_initial,
        None,
        ErrorCode::BadSignature,
    );
    json!({
        "description": "Inputs that must be rejected, with the error code (docs/PROTOCOL.md section 9). Initial-message cases run against the responder state sealed below, starting fresh for each case; when `after` is set, the valid `initial_message` is accepted first.",
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

/// `vectors/ratchet/transcript.json`: a conversation with out-of-order delivery and PQ steps
/// (policy `EveryStep`), with every key.
pub fn ratchet_transcript() -> Value {
    let mut rng = rng("ratchet/transcript");
    let config = SessionConfig::with_pq_policy(PqPolicy::EveryStep);
    let (bob, mut store) = responder(&mut rng, Variant::Full);
    let bundle = VerifiedBundle::from_bytes(&store.bundle(&mut rng, &bob).unwrap()).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let mut steps = Vec::new();
    let (mut a, initial) =
        Traced::initiate(&mut rng, &alice, &bundle, b"a0", b"", NOW, &config).unwrap();
    steps.push(json!({
        "op": "initiate", "by": "alice", "id": "a0", "plaintext": "a0",
        "message": hx(&initial), "trace": events(&a.take_trace()),
    }));
    let (mut b, p) = Traced::accept(&bob, &mut store, &initial, b"", NOW, &config).unwrap();
    assert_eq!(p, b"a0");
    steps.push(json!({
        "op": "accept", "by": "bob", "id": "a0", "plaintext": "a0",
        "trace": events(&b.take_trace()),
    }));
    let mut sent: Vec<(String, Vec<u8>)> = Vec::new();
    let mut t = NOW;
    // Script: (who, op, id). "send" encrypts a message named id; "recv" decrypts it.
    let script: &[(&str, &str, &str)] = &[
        ("bob", "send", "b1"),
        ("bob", "send", "b2"),
        ("bob", "send", "b3"),
        ("alice", "recv", "b3"),
        ("alice", "recv", "b1"),
        ("alice", "send", "a1"),
        ("alice", "send", "a2"),
        ("bob", "recv", "a2"),
        ("alice", "recv", "b2"),
        ("bob", "recv", "a1"),
        ("bob", "send", "b4"),
        ("alice", "recv", "b4"),
        ("alice", "send", "a3"),
        ("bob", "recv", "a3"),
        ("bob", "send", "b5"),
        ("alice", "recv", "b5"),
    ];
    for (who, op, id) in script {
        t += 60;
        let s = if *who == "alice" { &mut a } else { &mut b };
        let ad = format!("ad:{id}");
        match *op {
            "send" => {
                let m = s
                    .encrypt(&mut rng, t, id.as_bytes(), ad.as_bytes())
                    .unwrap();
                steps.push(json!({
                    "op": "encrypt", "by": who, "id": id, "now": t, "plaintext": id,
                    "associated_data": hx(ad.as_bytes()), "message": hx(&m),
                    "trace": events(&s.take_trace()),
                }));
                sent.push(((*id).to_string(), m));
            }
            _ => {
                let m = &sent.iter().find(|(n, _)| n == id).unwrap().1;
                let p = s.decrypt(m, ad.as_bytes()).unwrap();
                assert_eq!(p, id.as_bytes());
                steps.push(json!({
                    "op": "decrypt", "by": who, "id": id, "plaintext": id,
                    "associated_data": hx(ad.as_bytes()), "trace": events(&s.take_trace()),
                }));
            }
        }
    }
    assert!(a.info().pq_epoch >= 2 && b.info().pq_epoch >= 2);
    json!({
        "description": "A conversation under PQ policy every-step: out-of-order delivery (b3 before b1, a2 before a1, b2 after a chain change) and several sparse-PQ ratchet steps, with every intermediate key. The handshake inputs are in the initiate/accept traces.",
        "pq_policy": "every-step",
        "alice_identity": identity_json(&alice),
        "bob_identity": identity_json(&bob),
        "bob_prekeys": store_secrets_json(&store),
        "steps": steps,
        "final": {
            "alice": { "dh_epoch": a.info().dh_epoch, "pq_epoch": a.info().pq_epoch },
            "bob": { "dh_epoch": b.info().dh_epoch, "pq_epoch": b.info().pq_epoch },
        },
    })
}

/// `vectors/state/v1.json`: sealed blobs written by format version 1. Generated once and then
/// frozen: the tests only load it (it must keep loading in every later version).
pub fn state_v1() -> Value {
    let mut rng = rng("state/v1");
    let config = SessionConfig::with_pq_policy(PqPolicy::EveryStep);
    let (bob, mut store) = responder(&mut rng, Variant::Full);
    store.add_one_time_prekeys(&mut rng, 2, 2).unwrap();
    let bundle = VerifiedBundle::from_bytes(&store.bundle(&mut rng, &bob).unwrap()).unwrap();
    let alice = IdentityKeyPair::generate(&mut rng).unwrap();
    let (mut a, initial) =
        Session::initiate(&mut rng, &alice, &bundle, b"hello", b"", NOW, &config).unwrap();
    let (mut b, _) = Session::accept(&bob, &mut store, &initial, b"", NOW, &config).unwrap();
    // Some conversation, with a message held back so a skipped key is stored.
    let mut t = NOW;
    let mut held = Vec::new();
    for round in 0..3 {
        t += 10;
        let m1 = b
            .encrypt(&mut rng, t, format!("b{round}.1").as_bytes(), b"")
            .unwrap();
        let m2 = b
            .encrypt(&mut rng, t, format!("b{round}.2").as_bytes(), b"")
            .unwrap();
        a.decrypt(&m2, b"").unwrap();
        if round == 1 {
            held.push((format!("b{round}.1"), m1));
        } else {
            a.decrypt(&m1, b"").unwrap();
        }
        let r = a
            .encrypt(&mut rng, t, format!("a{round}").as_bytes(), b"")
            .unwrap();
        b.decrypt(&r, b"").unwrap();
    }
    // Messages in flight at the time of sealing.
    t += 10;
    let to_alice = b.encrypt(&mut rng, t, b"in flight to alice", b"").unwrap();
    let to_bob = a.encrypt(&mut rng, t, b"in flight to bob", b"").unwrap();
    // Another initiator's message for the store.
    let bundle2 = VerifiedBundle::from_bytes(&store.bundle(&mut rng, &bob).unwrap()).unwrap();
    let carol = IdentityKeyPair::generate(&mut rng).unwrap();
    let (_, carol_initial) = Session::initiate(
        &mut rng,
        &carol,
        &bundle2,
        b"hi from carol",
        b"",
        t,
        &config,
    )
    .unwrap();
    json!({
        "description": "State blobs sealed by format version 1 with `app_key`. Frozen: later versions must keep opening these and continue (decrypt the listed messages, then talk).",
        "format_version": 1,
        "app_key": hx(&APP_KEY),
        "alice_identity": hx(&alice.seal(&mut rng, &APP_KEY).unwrap()),
        "alice_identity_public": hx(&alice.public().to_bytes()),
        "bob_identity": hx(&bob.seal(&mut rng, &APP_KEY).unwrap()),
        "bob_identity_public": hx(&bob.public().to_bytes()),
        "bob_prekey_store": hx(&store.seal(&mut rng, &APP_KEY).unwrap()),
        "alice_session": hx(&a.seal(&mut rng, &APP_KEY).unwrap()),
        "bob_session": hx(&b.seal(&mut rng, &APP_KEY).unwrap()),
        "safety_number": a.safety_number().to_digits(),
        "to_alice": [
            { "message": hx(&held[0].1), "plaintext": held[0].0 },
            { "message": hx(&to_alice), "plaintext": "in flight to alice" },
        ],
        "to_bob": [ { "message": hx(&to_bob), "plaintext": "in flight to bob" } ],
        "store_accepts": { "message": hx(&carol_initial), "plaintext": "hi from carol" },
    })
}

/// Every regenerated file: (path relative to `vectors/`, JSON).
pub fn regenerated() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Variant::ALL
        .iter()
        .map(|v| (format!("handshake/{}.json", v.name()), handshake_vector(*v)))
        .collect();
    out.push(("handshake/rejections.json".into(), rejections()));
    out.push(("ratchet/transcript.json".into(), ratchet_transcript()));
    out
}

/// The exact text written for a vector file.
pub fn render(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    s
}
