//! Fuzz-like tests of the rule-file reader: arbitrary text and mutations of the built-in rule
//! files must load or give readable, positioned issues. These are proptests on stable Rust
//! standing in for cargo-fuzz targets, which need a nightly toolchain this project's machines
//! cannot fetch (see `xpuscope_model::fuzz_like`).

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use xpuscope_export::{RuleSet, BUILTIN_CHINA, BUILTIN_RULES};
use xpuscope_model::catalog::builtin_text;
use xpuscope_model::fuzz_like::{arbitrary_text, check_catalog_error, mutated};

const PATH: &str = "user/rules.toml";

fn builtin(path: &str) -> &'static str {
    builtin_text(path).unwrap_or_else(|| panic!("{path} is not compiled in"))
}

fn check_rules(text: &str) -> Result<(), TestCaseError> {
    match RuleSet::from_toml(PATH, text) {
        Ok(_) => Ok(()),
        Err(e) => check_catalog_error(&e, PATH, text),
    }
}

/// A further file (the China rules' shape) added to the built-in US rules.
fn check_extra(text: &str) -> Result<(), TestCaseError> {
    let base = RuleSet::from_toml("us.toml", builtin(BUILTIN_RULES)).expect("built-in rules");
    match base.with_file(PATH, text) {
        Ok(_) => Ok(()),
        Err(e) => check_catalog_error(&e, PATH, text),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn rules_survive_arbitrary_text(text in arbitrary_text()) {
        check_rules(&text)?;
    }

    #[test]
    fn rules_survive_mutated_us_rules(text in mutated(builtin(BUILTIN_RULES))) {
        check_rules(&text)?;
    }

    #[test]
    fn further_rule_files_survive_mutation(text in mutated(builtin(BUILTIN_CHINA))) {
        check_extra(&text)?;
    }
}

#[test]
fn the_valid_inputs_are_valid() {
    let base = RuleSet::from_toml(PATH, builtin(BUILTIN_RULES)).unwrap();
    base.with_file("china.toml", builtin(BUILTIN_CHINA))
        .unwrap();
}
