//! The claims-file parser on arbitrary bytes: claims or one readable error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xpuscope_analysis::claims;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = claims::parse("fuzz.toml", &text) {
        assert!(!e.to_string().is_empty());
    }
});
