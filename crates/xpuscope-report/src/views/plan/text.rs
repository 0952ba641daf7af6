//! The plan for people: the question, the export filter, the ranked table, the best fleet's
//! launch commands, what binds when nothing meets, and what the search did; and the Pareto
//! chart.

use std::fmt::Write as _;

use super::view::{CandidateView, PlanView};
use crate::svg::{pareto, Pareto, ParetoSeries};
use crate::table::{duration, num, sig, Align, Table};

fn money(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |x| format!("${}", sig(x)))
}

fn deployment(c: &CandidateView) -> String {
    c.pools
        .iter()
        .map(|p| {
            let l = p.layout;
            let mut s = format!("tp{}", l.tp);
            if l.pp > 1 {
                s.push_str(&format!(" pp{}", l.pp));
            }
            if l.dp > 1 {
                s.push_str(&format!(" dp{}", l.dp));
            }
            if l.ep > 1 {
                s.push_str(&format!(" ep{}", l.ep));
            }
            let role = match p.role {
                "prefill" => "P: ",
                "decode" => "D: ",
                _ => "",
            };
            let chip = if c.chip.contains('+') {
                format!("{} ", p.chip)
            } else {
                String::new()
            };
            format!("{role}{chip}{} x {s} {}", p.instances, p.weights)
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

impl PlanView {
    /// The plan as text.
    pub fn text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "plan: {} at {} requests/s ({} output tokens/s), {} in / {} out tokens; p{} TTFT <= {}, TPOT <= {}",
            self.model,
            sig(self.request_rate_per_s),
            num(self.output_tokens_per_s, 0),
            self.input_len,
            self.output_len,
            self.slo.percentile,
            duration(self.slo.ttft_s),
            duration(self.slo.tpot_s)
        );
        if let (Some(dest), Some(date)) = (self.buyable_in, &self.date) {
            let _ = writeln!(o, "export filter: buyable in {dest} on {date}");
            for x in &self.excluded {
                let _ = writeln!(o, "  excluded {}: {} [{}]", x.chip, x.reason, x.rule);
            }
            for a in &self.admitted {
                let _ = writeln!(o, "  kept {} (licence: {})", a.chip, a.licence);
                for w in &a.warnings {
                    let _ = writeln!(o, "    {w}");
                }
            }
        }
        for u in &self.unrunnable {
            let _ = writeln!(o, "cannot run on {}: {}", u.chip, u.reason);
        }
        o.push('\n');
        let mut t = Table::new(&[
            ("#", Align::Right),
            ("chip", Align::Left),
            ("chips", Align::Left),
            ("deployment", Align::Left),
            ("engine", Align::Left),
            ("TTFT", Align::Right),
            ("TPOT", Align::Right),
            ("SLO", Align::Left),
            ("tok/s/chip", Align::Right),
            ("tok/s/user", Align::Right),
            ("$/M in", Align::Right),
            ("$/M out", Align::Right),
            ("$/h", Align::Right),
            ("kW", Align::Right),
        ]);
        for c in &self.candidates {
            t.row(vec![
                c.rank.to_string(),
                c.chip.clone(),
                c.chips_text.clone(),
                deployment(c),
                c.pools[0].engine.to_string(),
                duration(c.ttft_s),
                duration(c.tpot_s),
                if c.meets_slo { "met" } else { "missed" }.into(),
                num(c.output_tokens_per_s_per_chip, 0),
                sig(c.output_tokens_per_s_per_user),
                money(c.usd_per_million_input_tokens),
                money(c.usd_per_million_output_tokens),
                money(c.usd_per_hour),
                c.power_kw.map_or_else(|| "-".into(), sig),
            ]);
        }
        o.push_str(&t.render());
        let _ = writeln!(
            o,
            "TTFT and TPOT are simulated p{} at the traffic; $ split between prompts and outputs by the time each takes.",
            self.slo.percentile
        );
        match &self.best {
            Some(b) => {
                let _ = writeln!(o, "\nbest: {} on {} ({})", b.chip, b.chips_text, b.mode);
                for p in &b.pools {
                    if let Some(l) = &p.launch {
                        let _ = writeln!(
                            o,
                            "  {} ({}, instances: {}): {}",
                            p.role, l.engine, p.instances, l.command
                        );
                        if let Some(y) = l.yaml.as_deref().filter(|y| !y.is_empty()) {
                            let _ = writeln!(o, "    extra-llm-api-config.yml:");
                            for line in y.lines() {
                                let _ = writeln!(o, "      {line}");
                            }
                        }
                        for n in &l.notes {
                            let _ = writeln!(o, "    note: {n}");
                        }
                    }
                }
                for m in &b.cost_missing {
                    let _ = writeln!(o, "  cost: {m}");
                }
                if let Some(e) = &b.error_bar {
                    let _ = writeln!(o, "  {}", e.text());
                }
            }
            None => {
                let _ = writeln!(o, "\nno candidate meets the SLO within the limits.");
            }
        }
        if !self.binding.is_empty() {
            let _ = writeln!(o, "what binds (nearest first):");
            for b in &self.binding {
                let _ = writeln!(
                    o,
                    "  {} {}: {} binds ({}); try {}",
                    b.chip, b.config, b.constraint, b.detail, b.suggestion
                );
            }
        }
        if !self.unmet.is_empty() && self.best.is_some() {
            let _ = writeln!(o, "chips with no fleet of their own that meets the SLO:");
            for b in &self.unmet {
                let _ = writeln!(
                    o,
                    "  {}: nearest is {}: {} binds ({}); try {}",
                    b.chip, b.config, b.constraint, b.detail, b.suggestion
                );
            }
        }
        let s = &self.search;
        let _ = writeln!(
            o,
            "\nsearched {} configurations ({} cannot run), screened {} fleets, simulated {} of them in {} simulations{}",
            s.configs,
            s.configs_unrunnable,
            s.screened,
            s.candidates_simulated,
            s.simulated,
            if s.capped { " (capped)" } else { "" }
        );
        for n in &self.notes {
            let _ = writeln!(o, "note: {n}");
        }
        if let Some(d) = self.disclaimer {
            let _ = writeln!(o, "{d}");
        }
        o
    }

    /// The Pareto frontier per chip as an SVG document, with the TPOT target and the plan's
    /// chosen fleets.
    pub fn svg(&self) -> String {
        let series: Vec<ParetoSeries> = self
            .frontier
            .iter()
            .map(|f| ParetoSeries {
                name: f.chip.clone(),
                points: f
                    .points
                    .iter()
                    .map(|p| {
                        (
                            p.output_tokens_per_s_per_user,
                            p.output_tokens_per_s_per_chip,
                            format!(
                                "{}: {} at batch {}: {} tok/s/chip, {} tok/s/user",
                                f.chip,
                                p.config,
                                p.batch,
                                sig(p.output_tokens_per_s_per_chip),
                                sig(p.output_tokens_per_s_per_user)
                            ),
                        )
                    })
                    .collect(),
            })
            .collect();
        let chosen = self
            .candidates
            .iter()
            .filter(|c| c.meets_slo)
            .filter_map(|c| {
                let i = self.frontier.iter().position(|f| f.chip == c.chip)?;
                Some((
                    i,
                    c.output_tokens_per_s_per_user,
                    c.output_tokens_per_s_per_chip,
                    format!("#{} {} on {}", c.rank, c.chip, c.chips_text),
                ))
            })
            .collect();
        pareto(&Pareto {
            title: format!("{}: throughput per chip against speed per user", self.model),
            subtitle: Some(format!(
                "{} in / {} out tokens; steady-state frontier per chip, rings: the plan's simulated fleets at {} requests/s",
                self.input_len,
                self.output_len,
                sig(self.request_rate_per_s)
            )),
            series,
            target_per_user: Some(1.0 / self.slo.tpot_s),
            chosen,
        })
    }
}
