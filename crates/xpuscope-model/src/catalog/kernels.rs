//! Attaching measured kernel figures (`[[gemm]]`, `[[stream]]` and `[[allreduce]]` entries, from
//! any catalogue file) to the chips they name, once every file is read. A later entry for the
//! same chip (and, for GEMMs, precision; for all-reduces, GPU count) replaces an earlier one. Field checks are `validate::kernels`'.

use toml::Spanned;

use super::raw::RawFile;
use super::validate::{self, line_of, ValidationContext};
use super::{suggest, CatalogFile, CatalogIssue};
use crate::chip::{AllReduceFigures, Chip};
use crate::sourced::Grade;

/// Validates every kernel-figure entry of `files` and attaches it to its chip in `chips`.
pub(super) fn attach(
    chips: &mut [Chip],
    files: &[(&CatalogFile, RawFile)],
    issues: &mut Vec<CatalogIssue>,
) {
    for (file, raw) in files {
        for g in &raw.gemm {
            one(chips, file, g, issues, validate::gemm, |chip, figures| {
                chip.gemm.retain(|f| f.precision != figures.precision);
                chip.gemm.push(figures);
            });
        }
        for s in &raw.stream {
            one(chips, file, s, issues, validate::stream, |chip, figure| {
                chip.stream = Some(figure);
            });
        }
        for a in &raw.allreduce {
            one(
                chips,
                file,
                a,
                issues,
                validate::allreduce,
                |chip, figures| {
                    chip.allreduce.retain(|f| f.gpus != figures.gpus);
                    chip.allreduce.push(figures);
                },
            );
        }
    }
    borrow_allreduce(chips);
}

/// A chip without all-reduce figures of its own takes those measured on a chip of the same
/// vendor and architecture with the same scale-up bandwidth (the H20 those of the H100: the same
/// NVLink 4 at 900 GB/s, the same engines' kernels), graded `estimate` and saying so: otherwise a
/// chip that was measured would pay its engine's real all-reduce and its twin the formula's,
/// and a comparison of the two would show the difference in data, not in chips.
fn borrow_allreduce(chips: &mut [Chip]) {
    let key = |c: &Chip| {
        Some((
            c.vendor.to_ascii_lowercase(),
            c.architecture.as_ref()?.value.to_ascii_lowercase(),
            c.scale_up_bandwidth()?.get().round() as u64,
        ))
    };
    let donors: Vec<(_, String, Vec<AllReduceFigures>)> = chips
        .iter()
        .filter(|c| {
            !c.allreduce.is_empty() && c.allreduce.iter().all(|a| a.grade != Grade::Estimate)
        })
        .filter_map(|c| Some((key(c)?, c.id.clone(), c.allreduce.clone())))
        .collect();
    for chip in chips.iter_mut().filter(|c| c.allreduce.is_empty()) {
        let Some(k) = key(chip) else { continue };
        if let Some((_, donor, figures)) = donors.iter().find(|(dk, _, _)| *dk == k) {
            chip.allreduce = figures
                .iter()
                .map(|f| AllReduceFigures {
                    grade: Grade::Estimate,
                    source: format!(
                        "as measured on `{donor}` (same vendor, architecture and scale-up \
                         bandwidth): {}",
                        f.source
                    ),
                    ..f.clone()
                })
                .collect();
        }
    }
}

/// Validates one entry with `check` and applies it to the chip it names with `apply`, or says
/// that no such chip exists and which is closest.
fn one<R, T>(
    chips: &mut [Chip],
    file: &CatalogFile,
    entry: &Spanned<R>,
    issues: &mut Vec<CatalogIssue>,
    check: impl Fn(&mut ValidationContext, &R) -> Option<(Spanned<String>, T)>,
    apply: impl FnOnce(&mut Chip, T),
) {
    let mut ctx = ValidationContext {
        file: &file.path,
        text: &file.text,
        entry: None,
        entry_line: line_of(&file.text, entry.span().start),
        issues,
    };
    let Some((id, value)) = check(&mut ctx, entry.get_ref()) else {
        return;
    };
    match chips.iter_mut().find(|c| c.id == *id.get_ref()) {
        Some(chip) => apply(chip, value),
        None => {
            let close = suggest(id.get_ref(), chips.iter().map(|c| c.id.as_str()));
            let hint = match close.first() {
                Some(c) => format!("; did you mean `{c}`?"),
                None => String::new(),
            };
            ctx.at(
                &id,
                "chip",
                format!("`{}` is not a chip in the catalogue{hint}", id.get_ref()),
            );
        }
    }
}
