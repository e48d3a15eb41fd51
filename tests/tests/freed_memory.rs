//! The native half of the memory check (issue 13 item 3): a global allocator that, armed with
//! every secret a conversation derives, looks for them in each block freed (or moved by
//! `realloc`). A secret found in a freed block was released without being wiped.
//!
//! The secrets come from a first, traced run of the conversation (every key of the handshake
//! and the ratchet, docs/PROTOCOL.md's vectors' trace) and from the RNG draws it made (identity
//! and prekey secrets, ratchet keys, KEM seeds), less the draws that are public by design (the
//! salts of sealed blobs). The second run repeats the conversation from the same seed without
//! tracing (a trace keeps copies of secrets by design) under the armed allocator. The control: a
//! copy of one secret freed unwiped is found.
//!
//! Its own test binary: a global allocator is per binary. The allocator (`unsafe`) lives in
//! the test-only crate `twofold-test-hooks`.
#![allow(
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rand_core::TryCryptoRng;
use twofold_core::trace::TraceEvent;
use twofold_core::{
    IdentityKeyPair, PrekeyStore, Session, SessionConfig, VerifiedBundle, compose_bundle,
};
use twofold_test_hooks::FreedScan;
use twofold_tests::{RecordingRng, Traced, rng};
use zeroize::Zeroizing;

#[global_allocator]
static ALLOCATOR: FreedScan = FreedScan;

const KEY: [u8; 32] = [0x5A; 32];
/// What the control frees unwiped: armed with the secrets, none of them.
const CONTROL: [u8; 32] = *b"freed-memory control, not secret";
const NOW: u64 = 1_795_000_000;

/// A session, traced or not, for the one conversation both runs play.
trait Party: Sized {
    fn initiate<R: TryCryptoRng>(
        rng: &mut R,
        id: &IdentityKeyPair,
        bundle: &VerifiedBundle,
    ) -> (Self, Vec<u8>);
    fn accept(id: &IdentityKeyPair, store: &mut PrekeyStore, m: &[u8], alice: &[u8]) -> Self;
    fn send<R: TryCryptoRng>(&mut self, rng: &mut R, n: u8) -> Vec<u8>;
    fn receive(&mut self, m: &[u8]);
    fn session(&self) -> &Session;
    fn events(&mut self) -> Vec<TraceEvent>;
}

/// The calls both kinds of session make the same way: `Traced`'s inherent `initiate`,
/// `accept`, `encrypt` and `decrypt` are the traced variants of `Session`'s, same signatures.
macro_rules! party_calls {
    ($ty:ident) => {
        fn initiate<R: TryCryptoRng>(
            r: &mut R,
            id: &IdentityKeyPair,
            b: &VerifiedBundle,
        ) -> (Self, Vec<u8>) {
            $ty::initiate(r, id, b, b"hello", b"", NOW, &SessionConfig::default()).unwrap()
        }
        fn accept(id: &IdentityKeyPair, store: &mut PrekeyStore, m: &[u8], alice: &[u8]) -> Self {
            let config = SessionConfig::default();
            $ty::accept(id, store, m, Some(alice), b"", NOW, &config)
                .unwrap()
                .0
        }
        fn send<R: TryCryptoRng>(&mut self, r: &mut R, n: u8) -> Vec<u8> {
            self.encrypt(r, NOW, &[n; 24], b"").unwrap()
        }
        fn receive(&mut self, m: &[u8]) {
            self.decrypt(m, b"").unwrap();
        }
    };
}

impl Party for Session {
    party_calls!(Session);
    fn session(&self) -> &Session {
        self
    }
    fn events(&mut self) -> Vec<TraceEvent> {
        Vec::new()
    }
}

impl Party for Traced {
    party_calls!(Traced);
    fn session(&self) -> &Session {
        &self.session
    }
    fn events(&mut self) -> Vec<TraceEvent> {
        self.take_trace()
    }
}

/// What a run leaves for the checks: the public bytes it produced (to show both runs are the
/// same), the salts of its sealed blobs, and (traced) its key-schedule events.
#[derive(Default)]
struct Run {
    public: Vec<Vec<u8>>,
    salts: Vec<[u8; 32]>,
    events: Vec<TraceEvent>,
}

/// The conversation: identities, a store with one-time prekeys and a rotated signed pair, a
/// handshake, ping-pong through PQ epochs, held-back messages (skipped keys), and every object
/// sealed and opened again; everything dropped at the end.
fn conversation<P: Party, R: TryCryptoRng>(rng: &mut R) -> Run {
    let mut run = Run::default();
    let bob = IdentityKeyPair::generate(rng).unwrap();
    let mut store = PrekeyStore::generate(rng, &bob, NOW).unwrap();
    let upload = store.upload(rng, &bob, 3, 3).unwrap();
    let bundle = VerifiedBundle::from_bytes(&compose_bundle(&upload, Some(0)).unwrap()).unwrap();
    store.rotate_signed_prekeys(rng, &bob, NOW).unwrap();
    let alice = IdentityKeyPair::generate(rng).unwrap();
    let (mut a, first) = P::initiate(rng, &alice, &bundle);
    let mut b = P::accept(&bob, &mut store, &first, &alice.public().to_bytes());
    run.public.extend([upload, first]);
    for turn in 0..60u8 {
        let m = b.send(rng, turn);
        a.receive(&m);
        let r = a.send(rng, turn);
        b.receive(&r);
        run.public.extend([m, r]);
    }
    let held = [b.send(rng, 1), b.send(rng, 2), b.send(rng, 3)];
    let m = b.send(rng, 4);
    a.receive(&m);
    a.receive(&held[1]);
    let r = a.send(rng, 5);
    b.receive(&r);
    run.public.extend([m, r]);
    run.public.extend(held);
    let seal = |blob: Vec<u8>, run: &mut Run| {
        run.salts.push(blob[5..37].try_into().unwrap());
        run.public.push(blob.clone());
        blob
    };
    for s in [&a, &b] {
        let blob = seal(s.session().seal(rng, &KEY, b"slot").unwrap(), &mut run);
        drop(Session::open(&blob, &KEY, b"slot", None).unwrap());
    }
    let blob = seal(store.seal(rng, &KEY, b"slot").unwrap(), &mut run);
    drop(PrekeyStore::open(&blob, &KEY, b"slot", None).unwrap());
    for id in [&alice, &bob] {
        let blob = seal(id.seal(rng, &KEY, b"slot").unwrap(), &mut run);
        drop(IdentityKeyPair::open(&blob, &KEY, b"slot").unwrap());
    }
    run.events.extend(a.events());
    run.events.extend(b.events());
    run
}

/// Every 32-byte secret of a key-schedule event.
fn secrets_of(e: &TraceEvent, out: &mut Vec<[u8; 32]>) {
    match e {
        TraceEvent::InitiatorRandomness {
            ephemeral_secret,
            kem_randomness,
        } => {
            out.extend([*ephemeral_secret, *kem_randomness]);
        }
        TraceEvent::Handshake {
            dh,
            kem_secret,
            root_key,
            chain_key,
            ..
        } => {
            out.extend(dh.iter().copied());
            out.extend([*kem_secret, *root_key, *chain_key]);
        }
        TraceEvent::RatchetKeyGenerated { secret, .. } => out.push(*secret),
        TraceEvent::PqKeyGenerated { seed, .. } => {
            out.extend(
                seed.chunks_exact(32)
                    .map(|c| <[u8; 32]>::try_from(c).unwrap()),
            );
        }
        TraceEvent::PqEncapsulated {
            randomness,
            shared_secret,
            secret,
            ..
        } => {
            out.extend([*randomness, *shared_secret, *secret]);
        }
        TraceEvent::PqDecapsulated {
            shared_secret,
            secret,
            ..
        } => {
            out.extend([*shared_secret, *secret]);
        }
        TraceEvent::RootStep {
            root_in,
            dh,
            pq_secret,
            root_out,
            chain_key,
            ..
        } => {
            out.extend([*root_in, *dh, *root_out, *chain_key]);
            out.extend(*pq_secret);
        }
        TraceEvent::MessageKey {
            chain_key,
            message_key,
            enc_key,
            mac_key,
            ..
        } => {
            out.extend([*chain_key, *message_key, *enc_key, *mac_key]);
        }
        _ => {}
    }
}

#[test]
fn no_secret_is_left_in_a_freed_heap_block() {
    // Run 1, traced and recorded: what the secrets are.
    let mut seeded = rng("freed memory");
    let mut recording = RecordingRng::new(&mut seeded);
    let mut first = conversation::<Traced, _>(&mut recording);
    let mut secrets: Zeroizing<Vec<[u8; 32]>> = Zeroizing::new(Vec::with_capacity(8192));
    for e in first.events.drain(..) {
        secrets_of(&e, &mut secrets);
    }
    for draw in &recording.draws {
        for c in draw.chunks_exact(32) {
            let c = <[u8; 32]>::try_from(c).unwrap();
            if !first.salts.contains(&c) {
                secrets.push(c);
            }
        }
    }
    // The application key too (the library copies it only into wiped buffers).
    secrets.push(KEY);
    secrets.push(CONTROL);
    secrets.sort_unstable();
    secrets.dedup();
    let control = secrets.binary_search(&CONTROL).unwrap();
    assert!(secrets.len() > 800, "{} secrets", secrets.len());
    assert!(secrets.len() <= twofold_test_hooks::MAX_NEEDLES);
    // The copies the first run left (trace events, draws) are released before the scan starts.
    drop(recording);
    let public = std::mem::take(&mut first.public);
    drop(first);

    // Run 2, untraced, same seed, under the armed allocator.
    FreedScan::arm(&secrets);
    let second = conversation::<Session, _>(&mut rng("freed memory"));
    let same_run = second.public == public;
    drop(second);
    // The control: a block released unwiped is found.
    drop(std::hint::black_box(CONTROL.to_vec()));
    let (hits, blocks, skipped) = FreedScan::disarm();

    eprintln!(
        "{} secrets armed, {blocks} freed blocks checked",
        secrets.len()
    );
    assert!(
        same_run,
        "the untraced run made other bytes than the traced one"
    );
    assert!(blocks > 1_000, "only {blocks} blocks checked");
    assert_eq!(skipped, 0, "freed blocks left unchecked");
    assert!(
        hits[control] >= 1,
        "control: an unwiped freed copy was not found"
    );
    let leaked: Vec<String> = hits
        .iter()
        .enumerate()
        .filter(|&(i, &h)| h > 0 && i != control)
        .map(|(i, h)| format!("{} ({h} blocks)", hex::encode(secrets[i])))
        .collect();
    assert!(
        leaked.is_empty(),
        "{} of {} secrets found in freed blocks: {leaked:?}",
        leaked.len(),
        secrets.len()
    );
}
