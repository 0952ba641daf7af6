//! The `fields=` argument of the evaluation functions: which top-level fields of a result to
//! build, checked against the result's schema (the one the HTTP API publishes), so a misspelt
//! name is an error with the closest names rather than a silently missing key.
//!
//! It exists because turning a whole view into Python objects costs several times the
//! evaluation (an `infer` view holds some 300 values); a loop that reads two numbers asks for
//! two fields and pays for two.

use std::any::TypeId;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use schemars::JsonSchema;
use serde_json::Value;

use crate::calls::{Failure, Result};

/// Checks that every name in `fields` is a top-level field of `T`'s JSON (of any of its forms,
/// for a result that takes several); `command` names the function in the message.
pub fn check<T: JsonSchema + 'static>(command: &str, fields: &[String]) -> Result<()> {
    let known = names::<T>();
    if fields.is_empty() {
        return Err(Failure::usage(
            "fields",
            format!("`fields` lists no field; leave it out for all of {command}'s result"),
        ));
    }
    for f in fields {
        if !known.contains(f) {
            let close = xpuscope_model::catalog::suggest(f, known.iter().map(String::as_str));
            let hint = if close.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", close.join(", "))
            };
            let all: Vec<&str> = known.iter().map(String::as_str).collect();
            return Err(Failure::usage(
                "fields",
                format!(
                    "`{f}` is not a field of {command}'s result{hint}; its fields are {}",
                    all.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// The top-level field names of `T`'s JSON, worked out once per type.
fn names<T: JsonSchema + 'static>() -> Arc<BTreeSet<String>> {
    static CACHE: Mutex<Option<HashMap<TypeId, Arc<BTreeSet<String>>>>> = Mutex::new(None);
    let mut guard = CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    guard
        .get_or_insert_with(HashMap::new)
        .entry(TypeId::of::<T>())
        .or_insert_with(|| {
            let schema = schemars::schema_for!(T);
            let root = schema.as_value();
            let mut out = BTreeSet::new();
            collect(root, root, &mut out, 0);
            Arc::new(out)
        })
        .clone()
}

/// The properties of `schema`, following `$ref` into the root's `$defs` and the branches of
/// `allOf`, `anyOf` and `oneOf` (flattened structs and results with several forms).
fn collect(schema: &Value, root: &Value, out: &mut BTreeSet<String>, depth: u32) {
    // Deep enough for any view; a cycle of references stops here.
    if depth > 8 {
        return;
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.extend(props.keys().cloned());
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = r
            .strip_prefix("#/$defs/")
            .and_then(|name| root.get("$defs")?.get(name));
        if let Some(t) = target {
            collect(t, root, out, depth + 1);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for branch in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect(branch, root, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xpuscope_report::views::infer::InferView;
    use xpuscope_report::views::serve::ServeView;
    use xpuscope_report::views::train::TrainView;

    #[test]
    fn the_names_are_the_json_fields() {
        let infer = names::<InferView>();
        for f in [
            "ttft_s",
            "tpot_s",
            "breakdown",
            "error_bar",
            "memory_per_chip_bytes",
        ] {
            assert!(infer.contains(f), "{f} in {infer:?}");
        }
        assert!(
            !infer.contains("prefill"),
            "a nested field is not top-level"
        );
        // The serve view's SLO goodput is left out of the JSON when no SLO is given, yet it is a
        // field to ask for.
        assert!(names::<ServeView>().contains("goodput_requests_per_s"));
        // Train's result has two forms (one layout, a search) with flattened parts.
        let train = names::<TrainView>();
        for f in ["step_time_s", "mfu", "layouts_evaluated", "chip", "notes"] {
            assert!(train.contains(f), "{f} in {train:?}");
        }
    }

    #[test]
    fn a_misspelt_field_names_the_closest() {
        let e = check::<InferView>("infer", &["tpot_s".into(), "ttf_s".into()]).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("`ttf_s` is not a field of infer's result"),
            "{m}"
        );
        assert!(m.contains("did you mean ttft_s"), "{m}");
        assert_eq!(e.field(), Some("fields"));
        assert!(check::<InferView>("infer", &[]).is_err());
        assert!(check::<InferView>("infer", &["tpot_s".into()]).is_ok());
    }
}
