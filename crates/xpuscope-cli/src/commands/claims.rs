//! `claims FILE`: a verdict per claim, with the numbers behind it.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::json;
use xpuscope_analysis::claims::{self, Checker, ClaimResult};

use super::{json, Ctx};
use crate::cli::Format;

fn claim_json(c: &ClaimResult) -> serde_json::Value {
    json!({
        "id": c.id,
        "said": c.said,
        "verdict": c.verdict.as_str(),
        "summary": c.summary,
        "note": c.note,
        "checks": c.checks.iter().map(|k| json!({
            "check": k.description,
            "verdict": k.verdict.as_str(),
            "evidence": k.evidence.iter().map(|e| json!({
                "what": e.what,
                "value": e.value,
                "agrees": e.agrees,
                "detail": e.detail,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// `xpuscope claims FILE`.
pub fn run(ctx: &Ctx, file: &Path) -> Result<String> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read claims file `{name}`"))?;
    let parsed = claims::parse(&name, &text)?;
    let mut checker = Checker::new(&ctx.catalog).map_err(anyhow::Error::msg)?;
    let results = checker.run(&name, &parsed)?;
    if ctx.format == Format::Json {
        return json(&json!({
            "title": parsed.title,
            "source": parsed.source,
            "claims": results.iter().map(claim_json).collect::<Vec<_>>(),
        }));
    }
    let mut out = format!("{}\n", parsed.title);
    if let Some(s) = &parsed.source {
        out.push_str(&format!("{s}\n"));
    }
    for c in &results {
        out.push_str(&format!(
            "\n[{}] {}\n  \"{}\"\n  {}\n",
            c.verdict.as_str().to_uppercase(),
            c.id,
            c.said,
            c.summary
        ));
        for k in &c.checks {
            out.push_str(&format!("  check: {} -> {}\n", k.description, k.verdict));
            for e in &k.evidence {
                let mark = match e.agrees {
                    Some(true) => "+",
                    Some(false) => "-",
                    None => "?",
                };
                out.push_str(&format!("    {mark} {}\n", e.detail));
            }
        }
        if let Some(n) = &c.note {
            out.push_str(&format!("  note: {n}\n"));
        }
    }
    let count = |v: claims::Verdict| results.iter().filter(|c| c.verdict == v).count();
    out.push_str(&format!(
        "\n{} claims: {} hold, {} fail, {} depend on the workload or chip, {} not checkable here.\n",
        results.len(),
        count(claims::Verdict::Holds),
        count(claims::Verdict::Fails),
        count(claims::Verdict::Depends),
        count(claims::Verdict::NotCheckable)
    ));
    Ok(out)
}
