//! `xpuscope export`: how US export rules (EAR 3A090) classify a chip on a date and why, its
//! status through every rule change (`--timeline`), what-if on its specs (`--set`), and design to
//! threshold (`--design`). The core decides; this module parses flags, reads the clock for the
//! default date, and prints text or JSON. Every output carries the core's disclaimer.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Result};
use serde::Serialize;
use xpuscope_export::{
    self, Bound, Ceiling, Classification, Design, DesignSpec, Outcome, Override, Rule, RuleSet,
    Timeline, DISCLAIMER,
};
use xpuscope_model::chip::{Chip, Date, Precision};
use xpuscope_model::units::{BytesPerSecond, SquareMm};

use super::{json, Ctx};
use crate::cli::Format;
use xpuscope_report::table::{num, Align, Table};

/// `xpuscope export` flags.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  xpuscope export h20 --date 2025-07-01
  xpuscope export h20 --timeline
  xpuscope export h20 --set bf16_tflops=200 --set fp8_tflops=400
  xpuscope export h100-sxm --set die_area_mm2=1600 --set datacenter=false
  xpuscope export --design --die-area-mm2 814 --memory-bandwidth-gbs 4000

--set keys: fp64_tflops, fp32_tflops, tf32_tflops, bf16_tflops, fp16_tflops, fp8_tflops, int8_tops,
fp4_tflops, int4_tops (dense), die_area_mm2, memory_bandwidth_gbs, scale_up_gbs (both directions),
datacenter (true|false). Informational only, not legal advice.")]
pub struct ExportArgs {
    /// Chip id (see `xpuscope chips`); not used with --design.
    #[arg(required_unless_present = "design", conflicts_with = "design")]
    pub chip: Option<String>,

    /// The date whose rules apply, YYYY-MM-DD [default: today].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,

    /// Show the chip's status at every rule change instead of on one date.
    #[arg(long, conflicts_with_all = ["date", "design"])]
    pub timeline: bool,

    /// What-if: override one of the chip's specs, as KEY=VALUE (repeatable; see the keys below).
    #[arg(long = "set", value_name = "KEY=VALUE", conflicts_with = "design")]
    pub set: Vec<String>,

    /// Design to threshold: the most dense throughput per precision that stays outside each
    /// paragraph, for a die of --die-area-mm2.
    #[arg(long, requires = "die_area_mm2")]
    pub design: bool,

    /// With --design: total logic die area in mm².
    #[arg(long, value_name = "MM2", requires = "design")]
    pub die_area_mm2: Option<f64>,

    /// With --design: whether the part is designed or marketed for datacenters [default: true].
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set, requires = "design")]
    pub datacenter: Option<bool>,

    /// With --design: DRAM bandwidth in GB/s (checked against the 2025 letters and 2026 policy).
    #[arg(long, value_name = "GB/S", requires = "design")]
    pub memory_bandwidth_gbs: Option<f64>,
}

/// `xpuscope export ...`.
pub fn run(ctx: &Ctx, args: &ExportArgs) -> Result<String> {
    let rules = RuleSet::builtin()?;
    let date = match &args.date {
        Some(d) => xpuscope_export::parse_date(d)?,
        None => today(),
    };
    if args.design {
        return design(ctx, args, date, &rules);
    }
    let Some(id) = &args.chip else {
        bail!("give a chip id, or --design with --die-area-mm2");
    };
    let base = ctx.catalog.chip(id)?;
    let overrides = args
        .set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let chip = xpuscope_export::apply_all(base, &overrides);
    let applied: Vec<OverrideView> = overrides
        .iter()
        .map(|o| OverrideView {
            key: o.key.clone(),
            value: o.value_text(),
            previous: o.previous_text(base),
        })
        .collect();
    if args.timeline {
        let t = xpuscope_export::timeline(&chip, &rules)?;
        return match ctx.format {
            Format::Json => json(&timeline_view(&t, applied)),
            Format::Text => Ok(timeline_text(&t, &applied)),
        };
    }
    let c = xpuscope_export::classify(&chip, date, &rules)?;
    match ctx.format {
        Format::Json => json(&classification_view(&c, applied)),
        Format::Text => Ok(classification_text(&c, &chip, &applied)),
    }
}

/// Today's date in UTC from the system clock (the core never reads the clock).
fn today() -> Date {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    civil_from_days(days as i64)
}

/// The calendar date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date::ymd(
        u16::try_from(year).unwrap_or(1970),
        u8::try_from(month).unwrap_or(1),
        u8::try_from(day).unwrap_or(1),
    )
}

// ---------------------------------------------------------------------------------------------
// JSON views.

#[derive(Serialize)]
struct OverrideView {
    key: String,
    value: String,
    previous: Option<String>,
}

#[derive(Serialize)]
struct RuleView {
    id: String,
    kind: &'static str,
    title: String,
    short: String,
    announced: Option<String>,
    effective: String,
    published: Option<String>,
    compliance: Option<String>,
    citation: Option<String>,
    fr_doc: Option<String>,
    source: String,
    destinations: String,
    summary: String,
}

fn rule_view(r: &Rule) -> RuleView {
    RuleView {
        id: r.id.clone(),
        kind: r.kind.as_str(),
        title: r.title.clone(),
        short: r.short.clone(),
        announced: r.announced.map(|d| d.to_string()),
        effective: r.effective.to_string(),
        published: r.published.map(|d| d.to_string()),
        compliance: r.compliance.map(|d| d.to_string()),
        citation: r.citation.clone(),
        fr_doc: r.fr_doc.clone(),
        source: r.source.clone(),
        destinations: r.destinations.clone(),
        summary: r.summary.clone(),
    }
}

#[derive(Serialize)]
struct PossibleView {
    eccn: Option<&'static str>,
    condition: String,
}

#[derive(Serialize)]
struct CheckView {
    paragraph: String,
    /// What is measured; the name carries the unit (`tpp`, `performance_density`, `..._gbs`).
    quantity: &'static str,
    /// `at-least` (a gate to reach) or `below` (a ceiling to stay under).
    bound: &'static str,
    threshold: f64,
    value: Option<f64>,
    met: Option<bool>,
    /// (value - threshold) / threshold.
    margin: Option<f64>,
}

#[derive(Serialize)]
struct ExceptionView {
    name: String,
    reason: String,
}

#[derive(Serialize)]
struct LicenceView {
    /// `not-required`, `required`, `required-is-informed`, `possibly-required-is-informed` or
    /// `undetermined`.
    china: &'static str,
    china_text: &'static str,
    /// `case-by-case`, `presumption-of-denial`, `licences-assured`, `licences-issued`, or null.
    review: Option<&'static str>,
    basis: Option<String>,
    destinations: Option<String>,
    summary: String,
    exceptions: Vec<ExceptionView>,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct ExportView {
    chip: String,
    chip_name: String,
    date: String,
    rule: RuleView,
    tpp: f64,
    tpp_precision: &'static str,
    tpp_dense_flops_per_s: f64,
    performance_density: Option<f64>,
    die_area_mm2: Option<f64>,
    datacenter: Option<bool>,
    transfer_rate_bytes_per_s: Option<f64>,
    memory_bandwidth_bytes_per_s: Option<f64>,
    eccn: Option<&'static str>,
    eccn_determined: bool,
    eccn_possible: Vec<PossibleView>,
    missing: Vec<&'static str>,
    summary: String,
    reasons: Vec<String>,
    thresholds: Vec<CheckView>,
    licence: LicenceView,
    notes: Vec<String>,
    caveats: Vec<String>,
    overrides: Vec<OverrideView>,
    rules_in_force: Vec<RuleView>,
    disclaimer: &'static str,
}

fn classification_view(c: &Classification, overrides: Vec<OverrideView>) -> ExportView {
    let (possible, missing) = match &c.outcome {
        Outcome::Determined(e) => (
            vec![PossibleView {
                eccn: e.map(xpuscope_export::Eccn::as_str),
                condition: String::new(),
            }],
            Vec::new(),
        ),
        Outcome::Undetermined { possible, missing } => (
            possible
                .iter()
                .map(|p| PossibleView {
                    eccn: p.eccn.map(xpuscope_export::Eccn::as_str),
                    condition: p.condition.clone(),
                })
                .collect(),
            missing.iter().map(|m| m.field()).collect(),
        ),
    };
    ExportView {
        chip: c.chip.clone(),
        chip_name: c.chip_name.clone(),
        date: c.date.to_string(),
        rule: rule_view(&c.rule),
        tpp: c.tpp.get(),
        tpp_precision: c.tpp_precision.as_str(),
        tpp_dense_flops_per_s: c.tpp_dense.get(),
        performance_density: c.performance_density.map(|p| p.get()),
        die_area_mm2: c.die_area.map(SquareMm::get),
        datacenter: c.datacenter,
        transfer_rate_bytes_per_s: c.transfer_rate.map(BytesPerSecond::get),
        memory_bandwidth_bytes_per_s: c.memory_bandwidth.map(BytesPerSecond::get),
        eccn: c.eccn().map(xpuscope_export::Eccn::as_str),
        eccn_determined: c.outcome.is_determined(),
        eccn_possible: possible,
        missing,
        summary: c.summary.clone(),
        reasons: c.reasons.clone(),
        thresholds: c
            .checks
            .iter()
            .map(|k| CheckView {
                paragraph: k.paragraph.clone(),
                quantity: k.quantity.key(),
                bound: match k.bound {
                    Bound::AtLeast => "at-least",
                    Bound::Below => "below",
                },
                threshold: k.threshold,
                value: k.value,
                met: k.met(),
                margin: k.margin(),
            })
            .collect(),
        licence: LicenceView {
            china: c.licence.china.as_str(),
            china_text: c.licence.china.label(),
            review: c.licence.review.map(xpuscope_export::Review::as_str),
            basis: c.licence.basis.clone(),
            destinations: c.licence.destinations.clone(),
            summary: c.licence.summary.clone(),
            exceptions: c
                .licence
                .exceptions
                .iter()
                .map(|e| ExceptionView {
                    name: e.name.clone(),
                    reason: e.reason.clone(),
                })
                .collect(),
            notes: c.licence.notes.clone(),
        },
        notes: c.notes.clone(),
        caveats: c.caveats.clone(),
        overrides,
        rules_in_force: c.in_force.iter().map(rule_view).collect(),
        disclaimer: DISCLAIMER,
    }
}

#[derive(Serialize)]
struct TimelineRowView {
    date: String,
    event: String,
    rule_id: Option<String>,
    citation: Option<String>,
    source: Option<String>,
    eccn: Option<&'static str>,
    eccn_determined: bool,
    tpp: Option<f64>,
    performance_density: Option<f64>,
    licence_china: Option<&'static str>,
    licence_review: Option<&'static str>,
    sentence: String,
}

#[derive(Serialize)]
struct TimelineView {
    chip: String,
    chip_name: String,
    released: Option<String>,
    overrides: Vec<OverrideView>,
    rows: Vec<TimelineRowView>,
    disclaimer: &'static str,
}

fn timeline_view(t: &Timeline, overrides: Vec<OverrideView>) -> TimelineView {
    TimelineView {
        chip: t.chip.clone(),
        chip_name: t.chip_name.clone(),
        released: t.released.map(|d| d.to_string()),
        overrides,
        rows: t
            .rows
            .iter()
            .map(|r| {
                let c = r.classification.as_ref();
                TimelineRowView {
                    date: r.date.to_string(),
                    event: r.event.clone(),
                    rule_id: r.rule.as_ref().map(|x| x.id.clone()),
                    citation: r.rule.as_ref().and_then(|x| x.citation.clone()),
                    source: r.rule.as_ref().map(|x| x.source.clone()),
                    eccn: c
                        .and_then(Classification::eccn)
                        .map(xpuscope_export::Eccn::as_str),
                    eccn_determined: c.is_none_or(|c| c.outcome.is_determined()),
                    tpp: c.map(|c| c.tpp.get()),
                    performance_density: c.and_then(|c| c.performance_density.map(|p| p.get())),
                    licence_china: c.map(|c| c.licence.china.as_str()),
                    licence_review: c
                        .and_then(|c| c.licence.review.map(xpuscope_export::Review::as_str)),
                    sentence: r.sentence.clone(),
                }
            })
            .collect(),
        disclaimer: DISCLAIMER,
    }
}

// ---------------------------------------------------------------------------------------------
// Text.

/// Wraps `text` at `width` columns, indenting every line by `indent` spaces.
fn wrap(text: &str, indent: usize, width: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent + line.chars().count() + 1 + word.chars().count() > width {
            let _ = writeln!(out, "{pad}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{pad}{line}");
    }
    out
}

/// A bulleted, wrapped list under a heading; nothing when empty.
fn section(out: &mut String, heading: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{heading}");
    for i in items {
        let w = wrap(i, 4, 100);
        let _ = write!(out, "  - {}", w.trim_start());
    }
}

/// A number grouped, with up to two decimals and no trailing zeros (150, 37.5, 1,312.5).
fn trimmed(v: f64) -> String {
    let s = num(v, 2);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn rate_unit(p: Precision) -> &'static str {
    if matches!(p, Precision::Int8 | Precision::Int4) {
        "TOPS"
    } else {
        "TFLOPS"
    }
}

fn overrides_text(out: &mut String, applied: &[OverrideView]) {
    if applied.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nwhat-if (overrides the catalogue)");
    let mut t = Table::new(&[("", Align::Left), ("", Align::Right), ("", Align::Left)]);
    for o in applied {
        t.row(vec![
            format!("  {}", o.key),
            o.value.clone(),
            format!("(catalogue: {})", o.previous.as_deref().unwrap_or("none")),
        ]);
    }
    out.push_str(&t.render());
}

fn classification_text(c: &Classification, chip: &Chip, applied: &[OverrideView]) -> String {
    let mut out = format!(
        "{} ({}) on {}, under the {}\n",
        c.chip_name,
        c.chip,
        c.date,
        c.rule.cited()
    );
    overrides_text(&mut out, applied);
    let eccn = match &c.outcome {
        Outcome::Determined(e) => xpuscope_export::eccn_text(*e).to_string(),
        Outcome::Undetermined { .. } => {
            let list: Vec<&str> = c
                .outcome
                .possible_eccns()
                .into_iter()
                .map(xpuscope_export::eccn_text)
                .collect();
            format!("undetermined: {}", list.join(" or "))
        }
    };
    let mut t = Table::new(&[("", Align::Left), ("", Align::Left)]);
    t.row(vec!["ECCN".into(), eccn]);
    t.row(vec![
        "TPP".into(),
        format!(
            "{}  (dense {} {} {} x {} bits)",
            c.tpp,
            c.tpp_precision,
            trimmed(c.tpp_dense.tflops()),
            rate_unit(c.tpp_precision),
            c.tpp_precision.bit_length()
        ),
    ]);
    t.row(vec![
        "performance density".into(),
        match (c.performance_density, c.die_area) {
            (Some(p), Some(a)) if matches!(c.rule.kind, xpuscope_export::RuleKind::Eccn2022(_)) => {
                format!(
                    "{p}  (TPP / {} mm²; not used by this rule)",
                    trimmed(a.get())
                )
            }
            (Some(p), Some(a)) => format!("{p}  (TPP / {} mm² logic die area)", trimmed(a.get())),
            _ => "unknown (no logic die area)".into(),
        },
    ]);
    if matches!(c.rule.kind, xpuscope_export::RuleKind::Eccn2022(_)) {
        t.row(vec![
            "transfer rate".into(),
            c.transfer_rate.map_or("unknown".into(), |b| {
                format!("{} GB/s, both directions", num(b.gbs(), 0))
            }),
        ]);
    }
    t.row(vec![
        "for datacenters".into(),
        c.datacenter.map_or("not recorded".into(), |d| {
            if d {
                "yes".into()
            } else {
                "no".into()
            }
        }),
    ]);
    let review = c
        .licence
        .review
        .map_or(String::new(), |r| format!("; {}", r.label()));
    t.row(vec![
        "licence for China".into(),
        format!("{}{review}", c.licence.china.label()),
    ]);
    out.push('\n');
    out.push_str(&t.render());
    out.push('\n');
    out.push_str(&wrap(&c.summary, 0, 100));
    section(&mut out, "thresholds", &c.reasons);
    out.push_str("  (A gate must be reached; a ceiling must be stayed under.)\n");
    let mut licence = vec![c.licence.summary.clone()];
    licence.extend(
        c.licence
            .exceptions
            .iter()
            .map(|e| format!("Exception {}: {}", e.name, e.reason)),
    );
    licence.extend(c.licence.notes.iter().cloned());
    section(&mut out, "licence", &licence);
    let mut caveats = c.caveats.clone();
    if let Outcome::Undetermined { missing, .. } = &c.outcome {
        let sets: Vec<String> = missing
            .iter()
            .map(|m| format!("--set {}=VALUE", m.field()))
            .collect();
        caveats.push(format!(
            "To settle it, supply the missing data with {}.",
            sets.join(" ")
        ));
    }
    section(&mut out, "caveats", &caveats);
    section(&mut out, "notes", &c.notes);
    let _ = writeln!(out, "\nrules in force");
    let mut rt = Table::new(&[
        ("", Align::Left),
        ("", Align::Left),
        ("", Align::Left),
        ("", Align::Left),
    ]);
    for r in &c.in_force {
        rt.row(vec![
            format!("  {}", r.effective),
            r.short.clone(),
            r.citation.clone().unwrap_or_default(),
            r.source.clone(),
        ]);
    }
    out.push_str(&rt.render());
    let _ = writeln!(
        out,
        "\nDense figures only. Chip data: `xpuscope chip {}`.{}",
        chip.id,
        if applied.is_empty() {
            ""
        } else {
            " What-if values are marked as estimates."
        }
    );
    out.push_str(&wrap(DISCLAIMER, 0, 100));
    out
}

fn timeline_text(t: &Timeline, applied: &[OverrideView]) -> String {
    let mut out = format!(
        "{} ({}): export status at every rule change\n",
        t.chip_name, t.chip
    );
    overrides_text(&mut out, applied);
    out.push('\n');
    let mut table = Table::new(&[
        ("date", Align::Left),
        ("event", Align::Left),
        ("ECCN", Align::Left),
        ("licence for China", Align::Left),
    ]);
    for r in &t.rows {
        let (eccn, licence) = match &r.classification {
            None => ("-".to_string(), "-".to_string()),
            Some(c) => {
                let e = match &c.outcome {
                    Outcome::Determined(e) => xpuscope_export::eccn_text(*e).to_string(),
                    Outcome::Undetermined { .. } => "undetermined".into(),
                };
                let review = c
                    .licence
                    .review
                    .map_or(String::new(), |r| format!("; {}", r.label()));
                (e, format!("{}{review}", c.licence.china.label()))
            }
        };
        table.row(vec![r.date.to_string(), r.event.clone(), eccn, licence]);
    }
    let rendered = table.render();
    let mut lines = rendered.lines();
    if let Some(h) = lines.next() {
        let _ = writeln!(out, "{h}");
    }
    for (line, r) in lines.zip(&t.rows) {
        let _ = writeln!(out, "{line}");
        out.push_str(&wrap(&r.sentence, 12, 100));
    }
    let _ = writeln!(out, "\nsources");
    let mut st = Table::new(&[("", Align::Left), ("", Align::Left), ("", Align::Left)]);
    for r in t.rows.iter().filter_map(|r| r.rule.as_ref()) {
        st.row(vec![
            format!("  {}", r.short),
            r.citation.clone().unwrap_or_default(),
            r.source.clone(),
        ]);
    }
    out.push_str(&st.render());
    out.push('\n');
    out.push_str(&wrap(DISCLAIMER, 0, 100));
    out
}

// ---------------------------------------------------------------------------------------------
// Design to threshold.

#[derive(Serialize)]
struct TargetView {
    key: String,
    goal: String,
    reachable: bool,
    tpp_below: Option<f64>,
    binding: String,
    /// Precision name to the dense rate it must stay below, in FLOP/s (OP/s for integers).
    dense_flops_per_s_below: std::collections::BTreeMap<&'static str, f64>,
}

#[derive(Serialize)]
struct DesignView {
    date: String,
    rule: RuleView,
    die_area_mm2: f64,
    datacenter: bool,
    memory_bandwidth_bytes_per_s: Option<f64>,
    targets: Vec<TargetView>,
    notes: Vec<String>,
    disclaimer: &'static str,
}

fn design(ctx: &Ctx, args: &ExportArgs, date: Date, rules: &RuleSet) -> Result<String> {
    let Some(area) = args.die_area_mm2 else {
        bail!("--design needs --die-area-mm2, the total logic die area in mm²");
    };
    if let Some(b) = args.memory_bandwidth_gbs {
        if !(b.is_finite() && b >= 0.0) {
            bail!("--memory-bandwidth-gbs must be a non-negative number of GB/s, not {b}");
        }
    }
    let spec = DesignSpec {
        die_area: SquareMm::new(area),
        datacenter: args.datacenter.unwrap_or(true),
        memory_bandwidth: args.memory_bandwidth_gbs.map(BytesPerSecond::from_gbs),
        date,
    };
    let d = xpuscope_export::design(&spec, rules)?;
    match ctx.format {
        Format::Json => json(&design_view(&d)),
        Format::Text => Ok(design_text(&d)),
    }
}

fn design_view(d: &Design) -> DesignView {
    DesignView {
        date: d.spec.date.to_string(),
        rule: rule_view(&d.rule),
        die_area_mm2: d.spec.die_area.get(),
        datacenter: d.spec.datacenter,
        memory_bandwidth_bytes_per_s: d.spec.memory_bandwidth.map(BytesPerSecond::get),
        targets: d
            .targets
            .iter()
            .map(|t| TargetView {
                key: t.key.clone(),
                goal: t.goal.clone(),
                reachable: matches!(t.ceiling, Ceiling::Below(_)),
                tpp_below: match t.ceiling {
                    Ceiling::Below(x) => Some(x.get()),
                    Ceiling::Unreachable => None,
                },
                binding: t.binding.clone(),
                dense_flops_per_s_below: t
                    .dense_below
                    .iter()
                    .map(|(p, r)| (p.as_str(), r.get()))
                    .collect(),
            })
            .collect(),
        notes: d.notes.clone(),
        disclaimer: DISCLAIMER,
    }
}

fn design_text(d: &Design) -> String {
    let s = &d.spec;
    let mut out = format!(
        "Design to threshold on {}, under the {}\ndie: {} mm² of logic, {}; memory bandwidth: {}\n\n",
        s.date,
        d.rule.cited(),
        trimmed(s.die_area.get()),
        if s.datacenter { "for datacenters" } else { "not for datacenters" },
        s.memory_bandwidth.map_or("not given".into(), |b| format!("{} GB/s", num(b.gbs(), 0)))
    );
    // One column per bit length: the precisions that share it share the limit.
    let groups: [(&str, &[Precision]); 5] = [
        ("fp64", &[Precision::Fp64]),
        ("tf32/fp32", &[Precision::Tf32, Precision::Fp32]),
        ("bf16/fp16", &[Precision::Bf16, Precision::Fp16]),
        ("fp8/int8", &[Precision::Fp8, Precision::Int8]),
        ("fp4/int4", &[Precision::Fp4, Precision::Int4]),
    ];
    let mut cols: Vec<(&str, Align)> = vec![("goal", Align::Left), ("TPP below", Align::Right)];
    cols.extend(groups.iter().map(|(n, _)| (*n, Align::Right)));
    let mut t = Table::new(&cols);
    for target in &d.targets {
        let mut row = vec![target.goal.clone()];
        match target.ceiling {
            Ceiling::Below(x) => {
                row.push(num(x.get(), 0));
                for (_, ps) in &groups {
                    let r = target
                        .dense_below
                        .iter()
                        .find(|(p, _)| *p == ps[0])
                        .map(|(_, r)| r.tflops());
                    row.push(r.map_or("-".into(), trimmed));
                }
            }
            Ceiling::Unreachable => {
                row.push("unreachable".into());
                row.extend(groups.iter().map(|_| "-".to_string()));
            }
        }
        t.row(row);
    }
    out.push_str(&t.render());
    out.push_str("\nDense TFLOPS (TOPS for integers) each precision must stay below.\n");
    let why: Vec<String> = d
        .targets
        .iter()
        .map(|t| format!("{}: {}.", t.goal, t.binding))
        .collect();
    section(&mut out, "what binds", &why);
    section(&mut out, "notes", &d.notes);
    out.push('\n');
    out.push_str(&wrap(DISCLAIMER, 0, 100));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), Date::ymd(1970, 1, 1));
        assert_eq!(civil_from_days(19_272), Date::ymd(2022, 10, 7));
        assert_eq!(civil_from_days(20_513), Date::ymd(2026, 3, 1));
        assert_eq!(civil_from_days(19_782), Date::ymd(2024, 2, 29));
    }

    #[test]
    fn wrapping_keeps_words_and_indent() {
        let w = wrap("one two three four", 2, 10);
        assert_eq!(w, "  one two\n  three\n  four\n");
    }
}
