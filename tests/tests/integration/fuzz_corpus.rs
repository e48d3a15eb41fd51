//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`, minimised by `make fuzz`) and
//! the seed inputs through the fuzz targets of `twofold_tests::fuzz`, so `make test` covers
//! them without a nightly toolchain. Every crash the fuzzer ever found is a file in a corpus.

use std::path::Path;

use twofold_tests::fuzz::{TARGETS, seeds};

#[test]
fn fuzz_corpora_replay() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut total = 0;
    for (name, target) in TARGETS {
        let dir = root.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (every target has a committed corpus)",
                    dir.display()
                )
            })
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{}: empty corpus", dir.display());
        for file in &files {
            let data = std::fs::read(file).unwrap();
            target(&data);
        }
        total += files.len();
    }
    assert!(total >= TARGETS.len());
}

#[test]
fn fuzz_seeds_run_and_reach_the_success_paths() {
    use twofold_core::{PrekeyStore, Session, VerifiedBundle, verify_upload};
    let f = twofold_tests::fuzz::fixture();
    // The seeds are honest objects: the targets take their success paths on them.
    VerifiedBundle::from_bytes(&f.bundle).unwrap();
    verify_upload(&f.upload).unwrap();
    let mut store = twofold_tests::Fork::fork(&f.store);
    Session::accept(
        &f.bob,
        &mut store,
        &f.initial,
        Some(&f.alice_identity),
        b"",
        0,
        &Default::default(),
    )
    .unwrap();
    let s = twofold_tests::fuzz::spec_seal(0x13, &f.store.state_bytes());
    PrekeyStore::open(&s, &twofold_tests::fuzz::APP_KEY, b"", None)
        .expect("the spec's sealing opens");
    for (name, _, data) in seeds() {
        let target = TARGETS.iter().find(|(n, _)| *n == name).unwrap().1;
        target(&data);
    }
}
