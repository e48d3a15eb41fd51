//! The fuzz targets, written once: `fuzz/` (cargo-fuzz, libFuzzer, nightly) calls these
//! functions on generated inputs, and the integration test `fuzz_corpus` replays the committed
//! corpora `fuzz/corpus/<target>/` through them with an ordinary `cargo test`.
//!
//! Every target takes arbitrary bytes, so any file is a valid input. Each asserts more than
//! "no panic" where the library promises more: a rejected input leaves the state it was given
//! byte-identical, an accepted one behaves like an honest one (an upload that verifies
//! composes bundles that verify, a sealed state that opens reseals to the same state).
//!
//! The parties are made once per process ([`fixture`]) and forked for every input through
//! `seal`/`open`, so an input costs what its own processing costs, not a key generation.

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use chacha20::ChaCha20Rng;
use rand_core::SeedableRng;
use twofold_core::{
    BundleComposer, IdentityCache, IdentityKeyPair, PrekeyBundle, PrekeyStore, PublicIdentity,
    Session, SessionConfig, VerifiedBundle, describe_message, hazmat, inspect_upload, message_kind,
    verify_upload,
};

use crate::scenario::{Conversation, Event};
use crate::{Fork, Variant, responder_upload};

/// A fuzz target: any bytes in, a panic for a broken promise.
pub type Target = fn(&[u8]);

/// The targets, by name (the names of `fuzz/fuzz_targets/*.rs` and of the corpus folders).
pub const TARGETS: &[(&str, Target)] = &[
    ("bundle", bundle),
    ("upload", upload),
    ("identity", identity),
    ("initial_message", initial_message),
    ("ratchet_message", ratchet_message),
    ("sealed_state", sealed_state),
    ("sealed_box", sealed_box),
    ("conversation", conversation),
];

/// The key every fixture blob is sealed with.
pub const APP_KEY: [u8; 32] = [0x5A; 32];

/// Parties and objects shared by every input of a process.
pub struct Fixture {
    pub bob: IdentityKeyPair,
    /// Bob's store after the upload (before any handshake).
    pub store: PrekeyStore,
    /// An upload of two one-time leaves.
    pub upload: Vec<u8>,
    /// A bundle composed from its first leaf.
    pub bundle: Vec<u8>,
    pub alice_identity: Vec<u8>,
    /// Alice's compact initial message to Bob (with a one-time prekey).
    pub initial: Vec<u8>,
    /// The sessions after Bob accepted `initial`.
    pub alice: Session,
    pub bob_session: Session,
    /// Two messages from Alice to Bob after the handshake (for seed corpora).
    pub messages: Vec<Vec<u8>>,
    /// Sealed boxes to Bob: anonymous, then from Alice (associated data empty).
    pub boxes: Vec<Vec<u8>>,
}

/// The process's fixture (made on first use, about 20 ms).
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = crate::rng("fuzz fixture");
        let (bob, store, upload) = responder_upload(&mut rng, Variant::Full);
        let bundle = twofold_core::compose_bundle(&upload, Some(0)).unwrap();
        let alice_id = IdentityKeyPair::generate(&mut rng).unwrap();
        let verified = VerifiedBundle::from_bytes(&bundle).unwrap();
        let config = SessionConfig::default();
        let (alice, initial) =
            Session::initiate(&mut rng, &alice_id, &verified, b"hello", b"", 0, &config).unwrap();
        let alice_identity = alice_id.public().to_bytes();
        let mut accepting = store.fork();
        let (bob_session, _) = Session::accept(
            &bob,
            &mut accepting,
            &initial,
            Some(&alice_identity),
            b"",
            0,
            &config,
        )
        .unwrap();
        let mut sender = alice.fork();
        let messages = (0..2)
            .map(|i| sender.encrypt(&mut rng, 1, &[i; 20], b"").unwrap())
            .collect();
        // Its own RNG, so that the objects above stay what the committed corpora were made from.
        let mut box_rng = crate::rng("fuzz fixture boxes");
        let boxes = [None, Some(&alice_id)]
            .into_iter()
            .map(|s| {
                twofold_core::seal_box(
                    &mut box_rng,
                    &verified,
                    s,
                    b"boxed",
                    b"",
                    0,
                    &twofold_core::BoxConfig::default().with_max_prekey_age(None),
                )
                .unwrap()
            })
            .collect();
        Fixture {
            bob,
            store,
            upload,
            bundle,
            alice_identity,
            initial,
            alice,
            bob_session,
            messages,
            boxes,
        }
    })
}

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::from_seed([0x46; 32])
}

/// A prekey bundle as a client receives it from a server: decode, verify (with and without an
/// identity cache), and the accessors of a verified bundle.
pub fn bundle(data: &[u8]) {
    if let Ok(b) = PrekeyBundle::decode(data) {
        let _ = b.verify();
    }
    let mut cache = IdentityCache::new(4);
    for _ in 0..2 {
        if let Ok(v) = VerifiedBundle::from_bytes_with(data, &mut cache) {
            let _ = (v.signed_prekey_id(), v.one_time_prekey_id(), v.batch_id());
            assert!(v.identity().fingerprint().len() == 32);
        }
    }
}

/// A prekey upload as a server receives it: inspect, verify, and compose. A verified upload
/// must compose bundles that verify.
pub fn upload(data: &[u8]) {
    let inspected = inspect_upload(data);
    let verified = verify_upload(data);
    if let Ok(info) = &verified {
        assert_eq!(
            inspected.as_ref().ok(),
            Some(info),
            "inspect and verify disagree"
        );
    }
    let Ok(composer) = BundleComposer::new(data) else {
        return;
    };
    let leaves = composer.leaf_count();
    for index in [None, Some(0), leaves.checked_sub(1), Some(leaves)] {
        match composer.bundle(index) {
            Ok(b) if verified.is_ok() => {
                VerifiedBundle::from_bytes(&b).expect("a verified upload composed a bad bundle");
            }
            _ => {}
        }
    }
}

/// A public identity as a directory serves it.
pub fn identity(data: &[u8]) {
    if let Ok(id) = PublicIdentity::from_bytes(data) {
        assert_eq!(
            id.to_bytes(),
            data,
            "an identity decoded from non-canonical bytes"
        );
    }
}

/// An initial message as Bob receives it. The first byte chooses whether Alice's identity is
/// supplied (0: none, 1: hers, 2: the rest of the input is split into identity and message).
/// A rejected message leaves Bob's store byte-identical.
pub fn initial_message(data: &[u8]) {
    let f = fixture();
    let (mode, rest) = data.split_first().unwrap_or((&0, &[]));
    let (initiator, message) = match mode % 3 {
        0 => (None, rest),
        1 => (Some(f.alice_identity.as_slice()), rest),
        _ => {
            let cut = rest
                .first()
                .map_or(0, |b| usize::from(*b) * 24)
                .min(rest.len());
            let (id, m) = rest.split_at(cut);
            (Some(id), m)
        }
    };
    let _ = (message_kind(message), describe_message(message));
    let mut store = f.store.fork();
    let before = store.state_bytes();
    let config = SessionConfig::default();
    match Session::accept(&f.bob, &mut store, message, initiator, b"", 0, &config) {
        Ok((mut session, _)) => {
            // An accepted message is a session Bob can reply on.
            session.encrypt(&mut rng(), 1, b"reply", b"").unwrap();
        }
        Err(_) => assert_eq!(
            before,
            store.state_bytes(),
            "a rejected message changed the store"
        ),
    }
}

/// A ratchet message (or anything else) as Bob's established session receives it: a rejected
/// message leaves the session byte-identical, an accepted one can be answered.
pub fn ratchet_message(data: &[u8]) {
    let f = fixture();
    let _ = (message_kind(data), describe_message(data));
    let mut session = f.bob_session.fork();
    let before = session.state_bytes();
    match session.decrypt(data, b"") {
        Ok(_) => {
            session.encrypt(&mut rng(), 2, b"reply", b"").unwrap();
        }
        Err(_) => assert_eq!(
            before,
            session.state_bytes(),
            "a rejected message changed the session"
        ),
    }
}

/// A sealed blob from storage. Input byte 0 chooses the object type (session, identity, prekey
/// store) and byte 1 the mode: even, the rest is a blob opened as it is (the envelope's
/// decoder); odd, the rest is a state plaintext, sealed here as docs/PROTOCOL.md section 10
/// specifies and then opened (the state decoders behind the authentication). A state that
/// opens reseals and reopens to the same bytes.
pub fn sealed_state(data: &[u8]) {
    let [kind, mode, rest @ ..] = data else {
        return;
    };
    let object = [0x11, 0x12, 0x13][usize::from(*kind % 3)];
    let blob = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        spec_seal(object, rest)
    };
    match object {
        0x11 => {
            if let Ok(s) = Session::open(&blob, &APP_KEY, b"", None) {
                assert_eq!(s.fork().state_bytes(), s.state_bytes());
            }
        }
        0x12 => {
            if let Ok(id) = IdentityKeyPair::open(&blob, &APP_KEY, b"") {
                assert_eq!(id.fork().secret_seeds(), id.secret_seeds());
            }
        }
        _ => {
            if let Ok(s) = PrekeyStore::open(&blob, &APP_KEY, b"", None) {
                assert_eq!(s.fork().state_bytes(), s.state_bytes());
            }
        }
    }
}

/// Seals `plaintext` as a blob of `object` bound to the empty context, per
/// docs/PROTOCOL.md section 10, independently of the library's sealing code (its primitives
/// only).
pub fn spec_seal(object: u8, plaintext: &[u8]) -> Vec<u8> {
    let format = if object == 0x12 { 2 } else { 3 };
    let header = [0x01, 0x20, 0x01, object, format];
    let salt = [0x33; 32];
    let mut info = b"Twofold v1 sealed state".to_vec();
    info.push(object);
    let key: [u8; 32] = hazmat::hkdf_sha256(&salt, &APP_KEY, &info, 32)
        .unwrap()
        .try_into()
        .unwrap();
    // AAD: the header, then the context (empty) with its u16 length.
    let aad = [&header[..], &[0, 0]].concat();
    let mut blob = header.to_vec();
    blob.extend_from_slice(&salt);
    blob.extend(hazmat::aead_seal(&key, &[0; 12], &aad, plaintext));
    blob
}

/// The two-party conversation of [`crate::scenario`] under an event sequence decoded from the
/// input, with every invariant of `Conversation::apply` checked after each event and the
/// conversation settled (everything delivered, both directions working) at the end.
pub fn conversation(data: &[u8]) {
    let f = fixture();
    let mut c =
        Conversation::from_sessions(f.alice.fork(), f.bob_session.fork(), &f.initial, rng());
    let mut u = Unstructured::new(data);
    let mut events = 0;
    while !u.is_empty() && events < 400 {
        let Ok(event) = Event::arbitrary(&mut u) else {
            break;
        };
        c.apply(&event);
        events += 1;
    }
    c.settle();
}

/// A sealed box as its recipient receives it: the first byte says whether Alice's identity is
/// supplied as the sender, the rest is the box. Describing, reading the sender and opening
/// agree with each other, and the store is never changed.
pub fn sealed_box(data: &[u8]) {
    let f = fixture();
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let alice = PublicIdentity::from_bytes(&f.alice_identity).unwrap();
    let sender = (mode & 1 == 1).then_some(&alice);
    let before = f.store.state_bytes();
    let described = twofold_core::describe_box(bytes);
    let read_sender = f.store.box_sender(&f.bob, bytes);
    if read_sender.is_ok() {
        assert!(described.is_ok(), "a box whose sender reads decodes");
    }
    if let Ok(opened) = f.store.open_box(&f.bob, bytes, b"", sender) {
        let d = described.expect("a box that opens decodes");
        assert_eq!(d.box_id, opened.box_id);
        assert_eq!(d.authenticated, sender.is_some());
        assert_eq!(opened.sender, sender.map(|s| s.fingerprint()));
        assert_eq!(read_sender.expect("its sender reads"), opened.sender);
        assert_eq!(d.payload_len, opened.plaintext.len() + 16);
    }
    assert_eq!(
        f.store.state_bytes(),
        before,
        "opening never changes the store"
    );
}

/// Seed inputs for each target, made from honest objects (`gen-vectors --fuzz-seeds` writes
/// them to `fuzz/seeds/`; the fuzzer starts from them and its minimised corpus is committed).
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let f = fixture();
    let mut out = vec![
        ("bundle", "composed".into(), f.bundle.clone()),
        ("upload", "two-leaves".into(), f.upload.clone()),
        ("identity", "alice".into(), f.alice_identity.clone()),
        (
            "initial_message",
            "with-identity".into(),
            [&[1u8][..], &f.initial].concat(),
        ),
        (
            "initial_message",
            "without-identity".into(),
            [&[0u8][..], &f.initial].concat(),
        ),
        ("ratchet_message", "first".into(), f.messages[0].clone()),
        ("ratchet_message", "second".into(), f.messages[1].clone()),
    ];
    let mut r = rng();
    let blobs = [
        (0u8, f.bob_session.seal(&mut r, &APP_KEY, b"").unwrap()),
        (1, f.bob.seal(&mut r, &APP_KEY, b"").unwrap()),
        (2, f.store.seal(&mut r, &APP_KEY, b"").unwrap()),
    ];
    for (kind, blob) in blobs {
        out.push((
            "sealed_state",
            format!("blob-{kind}"),
            [&[kind, 0][..], &blob].concat(),
        ));
    }
    out.push((
        "sealed_state",
        "plain-session".into(),
        [&[0u8, 1][..], &f.bob_session.state_bytes()].concat(),
    ));
    out.push((
        "sealed_state",
        "plain-store".into(),
        [&[2u8, 1][..], &f.store.state_bytes()].concat(),
    ));
    out.push((
        "sealed_box",
        "anonymous".into(),
        [&[0u8][..], &f.boxes[0]].concat(),
    ));
    out.push((
        "sealed_box",
        "from-alice".into(),
        [&[1u8][..], &f.boxes[1]].concat(),
    ));
    out.push(("conversation", "zeros".into(), vec![0; 64]));
    out.push(("conversation", "counting".into(), (0..=255).collect()));
    out
}
