//! The bad-input corpus (`testdata/bad/cases.jsonl`): every row a command line that must fail
//! with exit code 2, nothing on stdout, no panic, and one sentence containing its fragment.
//! Every failing row is reported together.

use super::util::{repo, run};

#[test]
fn every_bad_input_gets_its_sentence() {
    let path = repo().join("testdata/bad/cases.jsonl");
    let text = std::fs::read_to_string(&path).expect("the corpus exists");
    let root = format!("{}/", repo().display());
    let cases: Vec<(usize, Vec<String>, String)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            let case: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("cases.jsonl:{}: {e}", n + 1));
            let args = case["args"]
                .as_array()
                .expect("args is a list")
                .iter()
                .map(|a| {
                    a.as_str()
                        .expect("args are strings")
                        .replace("@repo/", &root)
                })
                .collect();
            (
                n + 1,
                args,
                case["expect"]
                    .as_str()
                    .expect("expect is a string")
                    .to_string(),
            )
        })
        .collect();
    let count = cases.len();
    // The cases are independent processes: run them a few at a time.
    let threads = 4;
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let cases = &cases;
                scope.spawn(move || {
                    let mut bad = Vec::new();
                    for (line, args, expect) in cases.iter().skip(t).step_by(threads) {
                        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                        let (code, out, err) = run(&refs);
                        let ok = code == 2
                            && out.is_empty()
                            && err.contains(expect.as_str())
                            && !err.contains("panicked");
                        if !ok {
                            bad.push(format!(
                                "cases.jsonl:{line}: {args:?}\n  exit {code}, stdout {} bytes, wanted `{expect}`, got: {}",
                                out.len(),
                                err.trim()
                            ));
                        }
                    }
                    bad
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a case thread"))
            .collect()
    });
    assert!(
        count >= 150,
        "the corpus has {count} cases; keep at least 150"
    );
    assert!(
        failures.is_empty(),
        "{} of {count} bad inputs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
