//! The catalogue reader on arbitrary bytes: a catalogue or positioned errors, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xpuscope_model::catalog::{Catalog, CatalogFile};

fuzz_target!(|data: &[u8]| {
    let file = CatalogFile {
        path: "fuzz.toml".into(),
        text: String::from_utf8_lossy(data).into_owned(),
        builtin: false,
    };
    if let Err(e) = Catalog::from_files(&[file]) {
        for issue in &e.issues {
            assert_eq!(issue.file, "fuzz.toml", "every issue names the file");
        }
    }
});
