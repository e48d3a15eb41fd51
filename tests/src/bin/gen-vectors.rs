//! Writes `vectors/` from fixed seeds: `cargo run -p twofold-tests --bin gen-vectors`
//! (or `make vectors`). The stability file `state/v1.json` is written only if it is missing:
//! once committed it is frozen.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::Path;

use twofold_tests::vectors;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors");
    for (path, value) in vectors::regenerated() {
        let file = root.join(&path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, vectors::render(&value)).unwrap();
        println!("wrote vectors/{path}");
    }
    let state = root.join("state/v1.json");
    if state.exists() {
        println!("kept vectors/state/v1.json (frozen)");
    } else {
        std::fs::create_dir_all(state.parent().unwrap()).unwrap();
        std::fs::write(&state, vectors::render(&vectors::state_v1())).unwrap();
        println!("wrote vectors/state/v1.json");
    }
}
