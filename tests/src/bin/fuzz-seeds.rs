//! Writes the fuzz targets' seed inputs (honest objects, `twofold_tests::fuzz::seeds`) to
//! `<dir>/<target>/<name>`: `scripts/fuzz` starts each fuzzer from them.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::arithmetic_side_effects
)]

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/fuzz-seeds".into());
    let mut n = 0;
    for (target, name, data) in twofold_tests::fuzz::seeds() {
        let d = std::path::Path::new(&dir).join(target);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(name), data).unwrap();
        n += 1;
    }
    println!("{n} seeds in {dir}");
}
