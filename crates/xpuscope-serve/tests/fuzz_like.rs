//! Fuzz-like tests of the trace parser (CSV and JSON lines): arbitrary text and mutations of
//! real traces must give requests or a readable error naming the file and a line of it. These
//! are proptests on stable Rust standing in for cargo-fuzz targets, which need a nightly
//! toolchain this project's machines cannot fetch (see `xpuscope_model::fuzz_like`).

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use xpuscope_model::fuzz_like::{arbitrary_text, check_message, mutated};
use xpuscope_serve::trace;

const AZURE: &str = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:50.9951690,396,109\n2023-11-16 18:15:51.1000000,1200,12\n";
const MOONCAKE: &str = "{\"timestamp\": 27482, \"input_length\": 6955, \"output_length\": 52, \"hash_ids\": [1, 2]}\n{\"timestamp\": 30535, \"input_length\": 6472, \"output_length\": 26}\n";
const PLAIN: &str = "arrival_s,input_tokens,output_tokens\n2.5,10,5\n0.5,20,6\n";
const PATH: &str = "user/trace.csv";

fn check_trace(text: &str) -> Result<(), TestCaseError> {
    match trace::parse(PATH, text) {
        Ok(rows) => {
            for r in &rows {
                prop_assert!(r.arrival.is_finite() && r.arrival >= 0.0, "{r:?}");
            }
        }
        Err(e) => check_message(&e.to_string(), Some(PATH), text)?,
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn traces_survive_arbitrary_text(text in arbitrary_text()) {
        check_trace(&text)?;
    }

    #[test]
    fn traces_survive_mutation(
        text in prop_oneof![mutated(AZURE), mutated(MOONCAKE), mutated(PLAIN)]
    ) {
        check_trace(&text)?;
    }
}

#[test]
fn the_valid_inputs_are_valid() {
    for t in [AZURE, MOONCAKE, PLAIN] {
        assert!(!trace::parse(PATH, t).unwrap().is_empty());
    }
}
