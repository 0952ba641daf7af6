//! Fuzz-like tests of the claims-file parser and the serving-measurement reader: arbitrary text
//! and mutations of real files must parse or give readable errors. These are proptests on stable
//! Rust standing in for cargo-fuzz targets, which need a nightly toolchain this project's
//! machines cannot fetch (see `xpuscope_model::fuzz_like`).

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use xpuscope_analysis::calibration::serving;
use xpuscope_analysis::claims;
use xpuscope_model::catalog::builtin_text;
use xpuscope_model::fuzz_like::{arbitrary_text, check_message, mutated};

const CLAIMS: &str = include_str!("../../../examples/claims/h20-july-2025.toml");
const PATH: &str = "user/claims.toml";

fn check_claims(text: &str) -> Result<(), TestCaseError> {
    if let Err(e) = claims::parse(PATH, text) {
        check_message(&e.to_string(), Some(PATH), text)?;
    }
    Ok(())
}

/// The serving file is compiled in, not read from users, so only no panic and readable lines.
fn check_serving(text: &str) -> Result<(), TestCaseError> {
    if let Err(e) = serving::parse(text) {
        check_message(&e.to_string(), None, text)?;
    }
    Ok(())
}

fn serving_file() -> &'static str {
    builtin_text("calibration/serving.toml").expect("serving.toml is compiled in")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn claims_survive_arbitrary_text(text in arbitrary_text()) {
        check_claims(&text)?;
    }

    #[test]
    fn claims_survive_mutation(text in mutated(CLAIMS)) {
        check_claims(&text)?;
    }

    #[test]
    fn serving_cases_survive_mutation(text in mutated(serving_file())) {
        check_serving(&text)?;
    }
}

#[test]
fn the_valid_inputs_are_valid() {
    claims::parse(PATH, CLAIMS).unwrap();
    serving::parse(serving_file()).unwrap();
}
