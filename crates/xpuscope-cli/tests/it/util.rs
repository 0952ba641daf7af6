//! Running the real binary from tests.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// Runs `xpuscope ARGS` and returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xpuscope"))
        .args(args)
        .env_remove("XPUSCOPE_CATALOG")
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn ok(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "xpuscope {args:?} failed: {err}");
    out
}

pub fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    serde_json::from_str(&ok(&a)).expect("valid JSON")
}

/// Asserts the command fails with exit code 2 and one error line containing `want`.
pub fn fails(args: &[&str], want: &str) {
    let (code, out, err) = run(args);
    assert_eq!(code, 2, "xpuscope {args:?} should fail; stdout: {out}");
    assert!(out.is_empty(), "nothing on stdout: {out}");
    assert!(err.contains(want), "stderr should contain `{want}`: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Runs `xpuscope ARGS` with extra environment variables.
pub fn run_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xpuscope"));
    cmd.args(args).env_remove("XPUSCOPE_CATALOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The repository root (for test data and examples).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}
