//! The serving-trace parser (CSV and JSON lines) on arbitrary bytes: requests or one error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xpuscope_serve::trace;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = trace::parse("fuzz.csv", &text) {
        assert!(!e.to_string().is_empty());
    }
});
