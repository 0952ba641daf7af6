//! Attaching measured kernel figures (`[[gemm]]` and `[[stream]]` entries, from any catalogue
//! file) to the chips they name, once every file is read. A later entry for the same chip (and,
//! for GEMMs, precision) replaces an earlier one. Field checks are `validate::kernels`'.

use toml::Spanned;

use super::raw::RawFile;
use super::validate::{self, line_of, ValidationContext};
use super::{suggest, CatalogFile, CatalogIssue};
use crate::chip::Chip;

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
