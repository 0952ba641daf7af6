//! What-if: a chip's export-relevant specs overridden from `key=value` text, so a user can ask how
//! an H20 with 200 TFLOPS of BF16, or an H100 on a 600 mm² die, would be classified.
//!
//! Only the facts the classifier reads can be set: dense throughput per precision, logic die area,
//! memory bandwidth, scale-up bandwidth and the datacenter flag. An overridden value is marked as
//! set by hand (graded `estimate`), so nothing downstream mistakes it for a catalogue fact. It
//! changes a copy of the chip and never the catalogue itself.

use super::words::group;
use super::ExportError;
use xpuscope_model::chip::{Chip, Precision, ScaleUp};
use xpuscope_model::sourced::Sourced;
use xpuscope_model::units::{BytesPerSecond, FlopsPerSecond, SquareMm};

/// Largest dense rate an override may set: a thousand times today's largest chips, so that a
/// what-if stays finite in every threshold's arithmetic (TPP multiplies it by the bit length).
pub const MAX_TFLOPS: f64 = 1e7;
/// Largest bandwidth an override may set, GB/s.
pub const MAX_BANDWIDTH_GBS: f64 = 1e7;
/// Largest die area an override may set: a full 300 mm wafer.
pub const MAX_DIE_MM2: f64 = 70_686.0;

/// One overridden fact, in typed units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Setting {
    /// Dense peak throughput in one precision.
    Dense(Precision, FlopsPerSecond),
    /// Logic die area.
    DieArea(SquareMm),
    /// Memory bandwidth.
    MemoryBandwidth(BytesPerSecond),
    /// Scale-up bandwidth, aggregate in both directions.
    ScaleUp(BytesPerSecond),
    /// Designed or marketed for datacenters.
    Datacenter(bool),
}

/// One parsed `key=value` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The canonical key (`bf16_tflops`, `die_area_mm2`, ...).
    pub key: String,
    /// The value.
    pub setting: Setting,
}

/// The unit suffix the catalogue uses for a precision: TOPS for integers, TFLOPS otherwise.
fn rate_suffix(p: Precision) -> &'static str {
    if matches!(p, Precision::Int8 | Precision::Int4) {
        "tops"
    } else {
        "tflops"
    }
}

/// Every key `Override::parse` accepts, canonical spellings only (either `_tflops` or `_tops`
/// is accepted for any precision).
pub fn valid_keys() -> Vec<String> {
    let mut keys: Vec<String> = Precision::ALL
        .iter()
        .map(|p| format!("{p}_{}", rate_suffix(*p)))
        .collect();
    keys.extend(
        [
            "die_area_mm2",
            "memory_bandwidth_gbs",
            "scale_up_gbs",
            "datacenter",
        ]
        .map(String::from),
    );
    keys
}

impl Override {
    /// Parses `key=value`, for example `bf16_tflops=200`, `die_area_mm2=600` or `datacenter=false`.
    pub fn parse(arg: &str) -> Result<Override, ExportError> {
        let bad = |problem: String| ExportError::BadOverride {
            arg: arg.to_string(),
            problem,
            valid: Vec::new(),
        };
        let bad_key = |problem: String| ExportError::BadOverride {
            arg: arg.to_string(),
            problem,
            valid: valid_keys(),
        };
        let Some((key, value)) = arg.split_once('=') else {
            return Err(bad_key("it is not `key=value`".into()));
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        let number = |min_exclusive: bool, max: f64, unit: &str| -> Result<f64, ExportError> {
            match value.replace('_', "").parse::<f64>() {
                Ok(v) if v.is_finite() && v > max => Err(bad(format!(
                    "`{value}` is beyond any chip; at most {} {unit}",
                    group_trim(max)
                ))),
                Ok(v) if v.is_finite() && (v > 0.0 || (!min_exclusive && v == 0.0)) => Ok(v),
                _ => Err(bad(format!(
                    "`{value}` is not a {} number",
                    if min_exclusive {
                        "positive"
                    } else {
                        "non-negative"
                    }
                ))),
            }
        };
        let dense = key
            .strip_suffix("_tflops")
            .or_else(|| key.strip_suffix("_tops"))
            .and_then(Precision::parse);
        let setting = if let Some(p) = dense {
            Setting::Dense(
                p,
                FlopsPerSecond::from_tflops(number(false, MAX_TFLOPS, "TFLOPS")?),
            )
        } else {
            match key.as_str() {
                "die_area_mm2" => {
                    Setting::DieArea(SquareMm::new(number(true, MAX_DIE_MM2, "mm²")?))
                }
                "memory_bandwidth_gbs" => Setting::MemoryBandwidth(BytesPerSecond::from_gbs(
                    number(false, MAX_BANDWIDTH_GBS, "GB/s")?,
                )),
                "scale_up_gbs" => Setting::ScaleUp(BytesPerSecond::from_gbs(number(
                    false,
                    MAX_BANDWIDTH_GBS,
                    "GB/s",
                )?)),
                "datacenter" => match value.to_ascii_lowercase().as_str() {
                    "true" | "yes" => Setting::Datacenter(true),
                    "false" | "no" => Setting::Datacenter(false),
                    _ => return Err(bad(format!("`{value}` is not `true` or `false`"))),
                },
                _ => {
                    let keys = valid_keys();
                    let near =
                        xpuscope_model::catalog::suggest(&key, keys.iter().map(String::as_str));
                    let hint = near
                        .first()
                        .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
                    return Err(bad_key(format!("unknown key `{key}`{hint}")));
                }
            }
        };
        let key = match setting {
            Setting::Dense(p, _) => format!("{p}_{}", rate_suffix(p)),
            _ => key,
        };
        Ok(Override { key, setting })
    }

    /// The new value with its unit, for people ("200 TFLOPS").
    pub fn value_text(&self) -> String {
        match self.setting {
            Setting::Dense(p, r) => format!(
                "{} {}",
                group_trim(r.tflops()),
                rate_suffix(p).to_ascii_uppercase()
            ),
            Setting::DieArea(a) => format!("{} mm²", group_trim(a.get())),
            Setting::MemoryBandwidth(b) | Setting::ScaleUp(b) => {
                format!("{} GB/s", group_trim(b.gbs()))
            }
            Setting::Datacenter(d) => d.to_string(),
        }
    }

    /// The chip's value before the override, for people, or `None` when it had none.
    pub fn previous_text(&self, chip: &Chip) -> Option<String> {
        match self.setting {
            Setting::Dense(p, _) => chip.peak(p).map(|r| {
                format!(
                    "{} {}",
                    group_trim(r.tflops()),
                    rate_suffix(p).to_ascii_uppercase()
                )
            }),
            Setting::DieArea(_) => chip
                .die_area
                .as_ref()
                .map(|a| format!("{} mm²", group_trim(a.value.get()))),
            Setting::MemoryBandwidth(_) => chip
                .bandwidth()
                .map(|b| format!("{} GB/s", group_trim(b.gbs()))),
            Setting::ScaleUp(_) => chip
                .scale_up
                .as_ref()
                .and_then(ScaleUp::bidirectional_bandwidth)
                .map(|b| format!("{} GB/s", group_trim(b.gbs()))),
            Setting::Datacenter(_) => chip.is_datacenter().map(|d| d.to_string()),
        }
    }

    /// Writes the value into `chip`, marked as set by hand.
    pub fn apply(&self, chip: &mut Chip) {
        let what = format!("--set {}={}", self.key, self.value_text());
        match self.setting {
            Setting::Dense(p, r) => chip.dense[p.index()] = Some(Sourced::user(r, &what)),
            Setting::DieArea(a) => chip.die_area = Some(Sourced::user(a, &what)),
            Setting::MemoryBandwidth(b) => chip.memory_bandwidth = Some(Sourced::user(b, &what)),
            Setting::Datacenter(d) => chip.datacenter = Some(Sourced::user(d, &what)),
            Setting::ScaleUp(b) => {
                let su = chip.scale_up.get_or_insert(ScaleUp {
                    name: None,
                    bidirectional: None,
                    per_direction: None,
                    domain_size: None,
                    switched: None,
                    in_network_reduction: None,
                });
                su.bidirectional = Some(Sourced::user(b, &what));
                su.per_direction = Some(Sourced::user(b / 2.0, &what));
            }
        }
    }
}

/// A copy of `chip` with every override applied in order (a later one wins).
pub fn apply_all(chip: &Chip, overrides: &[Override]) -> Chip {
    let mut c = chip.clone();
    for o in overrides {
        o.apply(&mut c);
    }
    c
}

/// A number grouped, with decimals only where it has them (148, 1,978.9, 608.4).
fn group_trim(v: f64) -> String {
    let s = group(v, 2);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(arg: &str) -> String {
        Override::parse(arg)
            .expect_err("should be refused")
            .to_string()
    }

    #[test]
    fn keys_parse_into_typed_settings() {
        let o = Override::parse("bf16_tflops=200").unwrap();
        assert_eq!(
            o.setting,
            Setting::Dense(Precision::Bf16, FlopsPerSecond::from_tflops(200.0))
        );
        assert_eq!(o.value_text(), "200 TFLOPS");
        // Either unit suffix works for any precision; the canonical key is kept.
        assert_eq!(Override::parse("int8_tflops=600").unwrap().key, "int8_tops");
        assert_eq!(Override::parse("FP8_TOPS=1").unwrap().key, "fp8_tflops");
        assert_eq!(
            Override::parse("die_area_mm2 = 600").unwrap().setting,
            Setting::DieArea(SquareMm::new(600.0))
        );
        assert_eq!(
            Override::parse("datacenter=no").unwrap().setting,
            Setting::Datacenter(false)
        );
        assert_eq!(
            Override::parse("scale_up_gbs=400").unwrap().setting,
            Setting::ScaleUp(BytesPerSecond::from_gbs(400.0))
        );
    }

    #[test]
    fn malformed_overrides_name_the_bad_part_and_the_valid_keys() {
        let m = msg("bf16_tflop=200");
        assert!(
            m.contains("unknown key `bf16_tflop` (did you mean `bf16_tflops`?)"),
            "{m}"
        );
        assert!(
            m.contains("die_area_mm2") && m.contains("datacenter"),
            "{m}"
        );
        // A bad value names the value, not the list of keys.
        assert!(!msg("die_area_mm2=abc").contains("valid keys"));
        assert!(msg("bf16_tflops200").contains("is not `key=value`"));
        assert!(msg("die_area_mm2=abc").contains("`abc` is not a positive number"));
        assert!(msg("die_area_mm2=0").contains("`0` is not a positive number"));
        assert!(msg("bf16_tflops=-3").contains("`-3` is not a non-negative number"));
        assert!(msg("bf16_tflops=inf").contains("not a non-negative number"));
        assert!(msg("datacenter=maybe").contains("`maybe` is not `true` or `false`"));
    }

    #[test]
    fn scale_up_is_created_when_missing() {
        let mut chip = crate::tests::catalogue().chip("rtx-4090").unwrap().clone();
        chip.scale_up = None;
        Override::parse("scale_up_gbs=900")
            .unwrap()
            .apply(&mut chip);
        let su = chip.scale_up.as_ref().unwrap();
        assert_eq!(su.bidirectional_bandwidth().unwrap().gbs(), 900.0);
        assert_eq!(su.per_direction_bandwidth().unwrap().gbs(), 450.0);
    }
}
