//! Writes `vectors/` from fixed seeds: `cargo run -p twofold-tests --bin gen-vectors`
//! (or `make vectors`). The stability file `state/v1.json` was written by format version 1
//! and is frozen: no later generator can write it.
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
    println!("kept vectors/state/v1.json (frozen: written by format version 1)");
}
