#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| twofold_tests::fuzz::sealed_box(data));
