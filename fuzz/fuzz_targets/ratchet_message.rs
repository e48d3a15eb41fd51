#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| twofold_tests::fuzz::ratchet_message(data));
