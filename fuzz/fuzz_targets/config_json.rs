//! The Hugging Face config.json loader on arbitrary bytes: a model or one readable error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xpuscope_model::catalog::hf::parse_config;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = parse_config("config.json", "fuzz", &text) {
        assert!(!e.to_string().is_empty());
    }
});
