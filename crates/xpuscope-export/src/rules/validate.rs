//! Validation of a rule file: each `[[rule]]` table checked against the kind it names, every
//! problem reported at once with the file, line, rule and field.
//!
//! Problems go through the catalogue's [`ValidationContext`], so rule files and catalogue files
//! report alike. The file is parsed with `deny_unknown_fields`: an unknown key stops the parse
//! with toml's own message, rather than being collected with the rest.

use std::collections::BTreeMap;

use toml::Spanned;

use super::events::{self, Event, Vendor};
use super::raw::{RawFile, RawRule, KINDS, NAMING_KINDS};
use super::{Policy, Reach, Rule, RuleKind, Thresholds2022, Thresholds2023};
use crate::metrics::{PerformanceDensity, Tpp};
use xpuscope_model::catalog::{line_of, toml_issue, CatalogError, CatalogIssue, ValidationContext};
use xpuscope_model::chip::Date;
use xpuscope_model::units::BytesPerSecond;

/// What one rule file holds, validated.
pub(super) struct Parsed {
    pub(super) rules: Vec<Rule>,
    pub(super) events: Vec<Event>,
    pub(super) vendors: Vec<Vendor>,
}

/// Parses and validates a rule file: its rules in date order (stable: rules on the same day keep
/// file order), its events and vendors, or every problem found. `require_eccn`: refuse a file
/// without a 3A090 rule (the main file; a file of China's measures has none).
pub(super) fn rule_set(path: &str, text: &str, require_eccn: bool) -> Result<Parsed, CatalogError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| CatalogError {
        issues: vec![toml_issue(path, text, &e)],
    })?;
    let mut issues: Vec<CatalogIssue> = Vec::new();
    let mut rules: Vec<Rule> = Vec::new();
    for r in &raw.rule {
        let line = line_of(text, r.span().start);
        let mut ctx = ValidationContext {
            file: path,
            text,
            entry: r.get_ref().id.clone(),
            entry_line: line,
            issues: &mut issues,
        };
        if let Some(rule) = rule(&mut ctx, r.get_ref()) {
            if rules.iter().any(|x| x.id == rule.id) {
                ctx.push(line, "id", "is defined twice".into());
            } else {
                rules.push(rule);
            }
        }
    }
    let mut events: Vec<Event> = Vec::new();
    for e in &raw.event {
        let mut ctx = ValidationContext {
            file: path,
            text,
            entry: e.get_ref().id(),
            entry_line: line_of(text, e.span().start),
            issues: &mut issues,
        };
        if let Some(ev) = events::event(&mut ctx, e.get_ref()) {
            if events.iter().any(|x| x.id == ev.id) || rules.iter().any(|x| x.id == ev.id) {
                let l = ctx.entry_line;
                ctx.push(l, "id", "is defined twice".into());
            } else {
                events.push(ev);
            }
        }
    }
    let mut vendors: Vec<Vendor> = Vec::new();
    for v in &raw.vendor {
        let mut ctx = ValidationContext {
            file: path,
            text,
            entry: None,
            entry_line: line_of(text, v.span().start),
            issues: &mut issues,
        };
        vendors.extend(events::vendor(&mut ctx, v.get_ref()));
    }
    if require_eccn && issues.is_empty() && !rules.iter().any(|r| r.kind.is_eccn()) {
        let mut file = ValidationContext {
            file: path,
            text,
            entry: None,
            entry_line: 1,
            issues: &mut issues,
        };
        file.push(
            1,
            "",
            "has no 3A090 rule (kind `eccn-2022` or `eccn-2023`)".into(),
        );
    }
    if !issues.is_empty() {
        return Err(CatalogError { issues });
    }
    // Stable sort: rules on the same day keep file order.
    rules.sort_by_key(|r| r.effective.ordinal());
    events.sort_by_key(|e| e.date.ordinal());
    Ok(Parsed {
        rules,
        events,
        vendors,
    })
}

/// The value of a required field, or "is required" at the rule's line.
fn required<T: Clone>(ctx: &mut ValidationContext, v: &Option<T>, field: &str) -> Option<T> {
    if v.is_none() {
        ctx.missing(field);
    }
    v.clone()
}

/// A `YYYY-MM-DD` date (a day is required), when the field is present.
fn date(ctx: &mut ValidationContext, v: &Option<Spanned<String>>, field: &str) -> Option<Date> {
    let s = v.as_ref()?;
    match Date::parse(s.get_ref()) {
        Some(d) if d.day.is_some() => Some(d),
        _ => {
            ctx.at(
                s,
                field,
                format!("`{}` is not a date; write YYYY-MM-DD", s.get_ref()),
            );
            None
        }
    }
}

/// Validates one `[[rule]]` table; `ctx.entry_line` is its header's line.
fn rule(ctx: &mut ValidationContext, r: &RawRule) -> Option<Rule> {
    let line = ctx.entry_line;
    let id = required(ctx, &r.id, "id");
    let idr = id.as_deref();
    if let Some(i) = idr {
        let kebab = !i.is_empty()
            && i.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !i.starts_with('-')
            && !i.ends_with('-');
        if !kebab {
            ctx.push(line, "id", format!("`{i}` is not kebab-case"));
        }
    }
    let title = required(ctx, &r.title, "title");
    let short = required(ctx, &r.short, "short");
    let source = required(ctx, &r.source, "source");
    let destinations = required(ctx, &r.destinations, "destinations");
    let summary = required(ctx, &r.summary, "summary");
    let effective_raw = required(ctx, &r.effective, "effective");
    let effective = date(ctx, &effective_raw, "effective");
    let announced = date(ctx, &r.announced, "announced");
    let published = date(ctx, &r.published, "published");
    let compliance = date(ctx, &r.compliance, "compliance");
    let kind = kind(ctx, r);
    let reaches = reaches(ctx, r);
    let china_review = china_review(ctx, r);
    Some(Rule {
        id: id?,
        kind: kind?,
        title: title?,
        short: short?,
        announced,
        effective: effective?,
        published,
        compliance,
        citation: r.citation.clone(),
        fr_doc: r.fr_doc.clone(),
        source: source?,
        references: r.references.clone(),
        destinations: destinations?,
        reaches: reaches?,
        china_review: china_review?,
        review_source: r.review_source.clone(),
        summary: summary?,
    })
}

/// The destination classes a rule reaches: at least one, each known, none twice.
fn reaches(ctx: &mut ValidationContext, r: &RawRule) -> Option<Vec<Reach>> {
    let Some(list) = &r.reaches else {
        ctx.missing("reaches");
        return None;
    };
    let l = ctx.line(list);
    let names: Vec<&str> = Reach::ALL.iter().map(|x| x.as_str()).collect();
    let mut out: Vec<Reach> = Vec::new();
    let mut ok = true;
    for name in list.get_ref() {
        match Reach::ALL.iter().find(|x| x.as_str() == name) {
            Some(x) if out.contains(x) => {
                ctx.push(l, "reaches", format!("names `{name}` twice"));
                ok = false;
            }
            Some(x) => out.push(*x),
            None => {
                ctx.push(
                    l,
                    "reaches",
                    format!("`{name}` is not one of `{}`", names.join("`, `")),
                );
                ok = false;
            }
        }
    }
    if ok && out.is_empty() {
        ctx.push(
            l,
            "reaches",
            "must name at least one destination class".into(),
        );
        ok = false;
    }
    ok.then_some(out)
}

/// The stated review policy for China and Macau, which needs its own source.
fn china_review(ctx: &mut ValidationContext, r: &RawRule) -> Option<Option<Policy>> {
    let Some(p) = &r.china_review else {
        if r.review_source.is_some() {
            ctx.push(
                ctx.entry_line,
                "review_source",
                "is given without `china_review`".into(),
            );
            return None;
        }
        return Some(None);
    };
    let l = ctx.line(p);
    let all = [Policy::PresumptionOfDenial, Policy::CaseByCase];
    let Some(policy) = all.into_iter().find(|x| x.as_str() == p.get_ref()) else {
        ctx.push(
            l,
            "china_review",
            format!(
                "`{}` is not `presumption-of-denial` or `case-by-case`",
                p.get_ref()
            ),
        );
        return None;
    };
    if r.review_source.is_none() {
        ctx.push(
            l,
            "review_source",
            "is required with `china_review` (the source that states the policy)".into(),
        );
        return None;
    }
    Some(Some(policy))
}

/// The rule's kind with its thresholds and named chips, each checked against [`KINDS`].
fn kind(ctx: &mut ValidationContext, r: &RawRule) -> Option<RuleKind> {
    let line = ctx.entry_line;
    let Some(kind) = &r.kind else {
        ctx.push(line, "kind", "is required".into());
        return None;
    };
    let kline = ctx.line(kind);
    let Some((name, wanted)) = KINDS.iter().find(|(k, _)| *k == kind.get_ref().as_str()) else {
        let names: Vec<String> = KINDS.iter().map(|(k, _)| format!("`{k}`")).collect();
        ctx.push(
            kline,
            "kind",
            format!("`{}` is not one of {}", kind.get_ref(), names.join(", ")),
        );
        return None;
    };
    // Thresholds: every required one present, no unknown ones, each finite and positive.
    let empty = BTreeMap::new();
    let (tmap, tline) = match &r.thresholds {
        Some(t) => (t.get_ref(), ctx.line(t)),
        None => (&empty, line),
    };
    let mut values: BTreeMap<&str, f64> = BTreeMap::new();
    let mut ok = true;
    for w in *wanted {
        let (optional, w) = match w.strip_prefix('?') {
            Some(w) => (true, w),
            None => (false, *w),
        };
        match tmap.get(w) {
            Some(v) if v.get_ref().is_finite() && *v.get_ref() > 0.0 => {
                values.insert(w, *v.get_ref());
            }
            Some(v) => {
                let l = ctx.line(v);
                ctx.push(
                    l,
                    &format!("thresholds.{w}"),
                    format!("must be a positive number, not {}", v.get_ref()),
                );
                ok = false;
            }
            None if optional => {}
            None => {
                ctx.push(
                    tline,
                    &format!("thresholds.{w}"),
                    format!("is required for kind `{name}`"),
                );
                ok = false;
            }
        }
    }
    for (k, v) in tmap {
        if !wanted.iter().any(|w| w.trim_start_matches('?') == k) {
            let l = ctx.line(v);
            let known: Vec<String> = wanted
                .iter()
                .map(|w| format!("`{}`", w.trim_start_matches('?')))
                .collect();
            let hint = if known.is_empty() {
                format!("kind `{name}` takes no thresholds")
            } else {
                format!("kind `{name}` takes {}", known.join(", "))
            };
            ctx.push(
                l,
                &format!("thresholds.{k}"),
                format!("is not a threshold of this rule; {hint}"),
            );
            ok = false;
        }
    }
    let names_chips = NAMING_KINDS.contains(name);
    let chips: Vec<String> = match (&r.chips, names_chips) {
        (Some(c), true) if !c.get_ref().is_empty() => c.get_ref().clone(),
        (Some(c), true) => {
            let l = ctx.line(c);
            ctx.push(l, "chips", "must name at least one chip".into());
            ok = false;
            Vec::new()
        }
        (None, true) => {
            ctx.push(line, "chips", format!("is required for kind `{name}`"));
            ok = false;
            Vec::new()
        }
        (Some(c), false) => {
            let l = ctx.line(c);
            ctx.push(l, "chips", format!("does not apply to kind `{name}`"));
            ok = false;
            Vec::new()
        }
        (None, false) => Vec::new(),
    };
    if !ok {
        return None;
    }
    let g = |k: &str| values.get(k).copied().unwrap_or(0.0);
    let kind = match *name {
        "eccn-2022" => RuleKind::Eccn2022(Thresholds2022 {
            transfer_rate: BytesPerSecond::from_gbs(g("transfer_rate_gbs")),
            tpp: Tpp::new(g("tpp")),
        }),
        "eccn-2023" => {
            let t = Thresholds2023 {
                a1_tpp: Tpp::new(g("a1_tpp")),
                a2_tpp: Tpp::new(g("a2_tpp")),
                a2_pd: PerformanceDensity::new(g("a2_pd")),
                b1_tpp: Tpp::new(g("b1_tpp")),
                b1_pd: PerformanceDensity::new(g("b1_pd")),
                b2_tpp: Tpp::new(g("b2_tpp")),
                b2_pd: PerformanceDensity::new(g("b2_pd")),
                note2_tpp: Tpp::new(g("note2_tpp")),
                nac_a_tpp: Tpp::new(g("nac_a_tpp")),
            };
            // The paragraphs are bands under the .a gates; reversed bands would be meaningless.
            let order = [
                (t.b1_tpp < t.a1_tpp, "b1_tpp", "below a1_tpp"),
                (t.b1_pd < t.a2_pd, "b1_pd", "below a2_pd"),
                (t.b2_pd < t.a2_pd, "b2_pd", "below a2_pd"),
            ];
            let mut good = true;
            for (holds, field, what) in order {
                if !holds {
                    ctx.push(
                        tline,
                        &format!("thresholds.{field}"),
                        format!("must be {what}"),
                    );
                    good = false;
                }
            }
            if !good {
                return None;
            }
            RuleKind::Eccn2023(t)
        }
        "hbm" => RuleKind::Hbm {
            density_gbs_per_mm2: g("hbm_density_gbs_per_mm2"),
            exception_below_gbs_per_mm2: g("hbm_exception_below_gbs_per_mm2"),
        },
        "diffusion" => RuleKind::Diffusion,
        "diffusion-rescission" => RuleKind::DiffusionRescission,
        "is-informed" => RuleKind::IsInformed {
            chips,
            memory_bandwidth: BytesPerSecond::from_gbs(g("memory_bandwidth_gbs")),
            interconnect: BytesPerSecond::from_gbs(g("interconnect_gbs")),
        },
        "licences-assured" => RuleKind::LicencesAssured { chips },
        "licences-issued" => RuleKind::LicencesIssued {
            chips,
            revenue_share: values.get("revenue_share").copied(),
        },
        _ => RuleKind::CaseByCase {
            tpp_below: Tpp::new(g("tpp_below")),
            dram_bandwidth_below: BytesPerSecond::from_gbs(g("dram_bandwidth_below_gbs")),
        },
    };
    Some(kind)
}
