//! The export-rule reader on arbitrary bytes: rules or errors, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xpuscope_export::RuleSet;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = RuleSet::from_toml("fuzz.toml", &text) {
        assert!(!e.to_string().is_empty());
    }
});
