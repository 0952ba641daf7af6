//! Fuzz-like tests of the catalogue TOML reader and the config.json loader (see
//! [`crate::fuzz_like`] for why these are proptests rather than cargo-fuzz targets): arbitrary
//! text and mutations of real files must give a model, a catalogue, or readable, positioned errors.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::hf::parse_config;
use super::{builtin_text, Catalog, CatalogFile};
use crate::fuzz_like::{arbitrary_text, check_catalog_error, check_message, mutated};

const CHIP: &str = "chips/h100-sxm.toml";
const MODEL: &str = "models/deepseek-r1.toml";
const HF_MOE: &str = include_str!("../../../../testdata/hf-configs/deepseek-v3.json");
const HF_HYBRID: &str = include_str!("../../../../testdata/hf-configs/qwen3-next-80b-a3b.json");
const HF_DENSE: &str = include_str!("../../../../testdata/hf-configs/llama-3.1-8b.json");

fn builtin(path: &str) -> &'static str {
    builtin_text(path).unwrap_or_else(|| panic!("{path} is not compiled in"))
}

/// Loads one user file; every issue must name it, sit on a line of it and be one sentence.
fn check_catalog(text: &str) -> Result<(), TestCaseError> {
    let path = "user/fuzz.toml";
    let file = CatalogFile {
        path: path.into(),
        text: text.into(),
        builtin: false,
    };
    match Catalog::from_files(&[file]) {
        Ok(_) => Ok(()),
        Err(e) => check_catalog_error(&e, path, text),
    }
}

fn check_hf(text: &str) -> Result<(), TestCaseError> {
    if let Err(e) = parse_config("config.json", "fuzz", text) {
        check_message(&e.to_string(), Some("config.json"), text)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn catalogue_survives_arbitrary_text(text in arbitrary_text()) {
        check_catalog(&text)?;
    }

    #[test]
    fn catalogue_survives_mutated_chip_files(text in mutated(builtin(CHIP))) {
        check_catalog(&text)?;
    }

    #[test]
    fn catalogue_survives_mutated_model_files(text in mutated(builtin(MODEL))) {
        check_catalog(&text)?;
    }

    #[test]
    fn config_json_survives_arbitrary_text(text in arbitrary_text()) {
        check_hf(&text)?;
    }

    #[test]
    fn config_json_survives_mutated_configs(
        text in prop_oneof![mutated(HF_MOE), mutated(HF_HYBRID), mutated(HF_DENSE)]
    ) {
        check_hf(&text)?;
    }
}

#[test]
fn the_valid_inputs_are_valid() {
    for p in [CHIP, MODEL] {
        let f = CatalogFile {
            path: p.into(),
            text: builtin(p).into(),
            builtin: false,
        };
        assert!(Catalog::from_files(&[f]).is_ok(), "{p}");
    }
    for t in [HF_MOE, HF_HYBRID, HF_DENSE] {
        parse_config("config.json", "x", t).unwrap();
    }
}
