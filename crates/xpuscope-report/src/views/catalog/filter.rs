//! Which chips `chips` lists: by vendor, by the vendor's country, and datacenter parts only.
//!
//! A front end hands over the flags as written ([`ChipFilterOptions`]); [`ChipFilter::new`]
//! checks them against the catalogue, so a vendor or country it has no chip from gets one
//! sentence with the closest match instead of an empty list. It deliberately knows nothing of
//! how the list is printed (see `chips`).

use serde::Deserialize;
use xpuscope_model::catalog::suggest;
use xpuscope_model::chip::Chip;

use crate::error::{Error, Result};

/// The filters as a front end received them; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChipFilterOptions {
    /// A maker, case-insensitive: the whole name (`Huawei (HiSilicon)`) or a run of its words
    /// (`huawei`, `hisilicon`, `moore threads`).
    pub vendor: Option<String>,
    /// The maker's country: an ISO 3166-1 alpha-2 code (`CN`) or its English name (`China`),
    /// case-insensitive.
    pub country: Option<String>,
    /// Only chips the catalogue marks as designed or marketed for datacenters.
    #[serde(default)]
    pub datacenter: bool,
}

/// The filters, checked against the catalogue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChipFilter {
    /// The vendor query, lowercased and split into words.
    vendor: Option<Vec<String>>,
    /// The country code, upper case.
    country: Option<String>,
    /// Datacenter parts only.
    datacenter: bool,
}

/// English names of the countries a chip maker is likely to come from, so `--country china`
/// works as well as `--country CN`.
const COUNTRY_NAMES: [(&str, &str); 12] = [
    ("CA", "Canada"),
    ("CN", "China"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("GB", "United Kingdom"),
    ("IL", "Israel"),
    ("IN", "India"),
    ("JP", "Japan"),
    ("KR", "South Korea"),
    ("NL", "Netherlands"),
    ("TW", "Taiwan"),
    ("US", "United States"),
];

/// The lowercase alphanumeric words of a name (`Huawei (HiSilicon)` -> `huawei`, `hisilicon`).
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether the query's words appear as a contiguous run of the vendor's words.
fn vendor_matches(vendor: &str, query: &[String]) -> bool {
    let v = words(vendor);
    !query.is_empty() && v.windows(query.len()).any(|w| w == query)
}

fn country_name(code: &str) -> Option<&'static str> {
    COUNTRY_NAMES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
}

/// The country code a query names: the code itself or a known English name.
fn country_code(query: &str) -> String {
    let q = query.trim();
    COUNTRY_NAMES
        .iter()
        .find(|(_, name)| name.eq_ignore_ascii_case(q))
        .map_or_else(|| q.to_ascii_uppercase(), |(code, _)| (*code).to_string())
}

/// Distinct values in first-seen order.
fn distinct<'a>(it: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for v in it {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

impl ChipFilter {
    /// Checks the options against `chips`: a vendor or country with no chip in the catalogue is
    /// an error naming the closest one that has chips.
    pub fn new(o: &ChipFilterOptions, chips: &[Chip]) -> Result<ChipFilter> {
        let vendor = match o.vendor.as_deref().map(str::trim) {
            None => None,
            Some(q) => {
                let query = words(q);
                if !chips.iter().any(|c| vendor_matches(&c.vendor, &query)) {
                    return Err(Error::invalid("vendor", unknown_vendor(q, chips)));
                }
                Some(query)
            }
        };
        let country = match o.country.as_deref() {
            None => None,
            Some(q) => {
                let code = country_code(q);
                if !chips.iter().any(|c| c.country.as_deref() == Some(&code)) {
                    return Err(Error::invalid("country", unknown_country(q, chips)));
                }
                Some(code)
            }
        };
        Ok(ChipFilter {
            vendor,
            country,
            datacenter: o.datacenter,
        })
    }

    /// Whether a chip passes every filter given.
    pub fn keeps(&self, c: &Chip) -> bool {
        self.vendor
            .as_ref()
            .is_none_or(|q| vendor_matches(&c.vendor, q))
            && self
                .country
                .as_ref()
                .is_none_or(|code| c.country.as_deref() == Some(code.as_str()))
            && (!self.datacenter || c.is_datacenter() == Some(true))
    }

    /// The chips that pass, in catalogue order.
    pub fn apply<'a>(&self, chips: &'a [Chip]) -> Vec<&'a Chip> {
        chips.iter().filter(|c| self.keeps(c)).collect()
    }
}

/// "no chip from vendor `nvida` in the catalogue; did you mean `NVIDIA`?"
fn unknown_vendor(q: &str, chips: &[Chip]) -> String {
    let vendors = distinct(chips.iter().map(|c| c.vendor.as_str()));
    // Candidates: each vendor's whole lowercase name and each of its words, back to the vendor.
    let mut keys: Vec<(String, &str)> = Vec::new();
    for v in &vendors {
        keys.push((v.to_lowercase(), v));
        keys.extend(words(v).into_iter().map(|w| (w, *v)));
    }
    let found = suggest(q, keys.iter().map(|(k, _)| k.as_str()));
    let named = distinct(
        found
            .iter()
            .filter_map(|k| keys.iter().find(|(key, _)| key == k).map(|(_, v)| *v)),
    );
    match named.as_slice() {
        [] => format!(
            "no chip from vendor `{q}` in the catalogue; its vendors are {}",
            vendors.join(", ")
        ),
        [one] => format!("no chip from vendor `{q}` in the catalogue; did you mean `{one}`?"),
        many => format!(
            "no chip from vendor `{q}` in the catalogue; did you mean one of {}?",
            many.iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// "no chip from country `CM` in the catalogue; did you mean `CN` (China)?"
fn unknown_country(q: &str, chips: &[Chip]) -> String {
    let codes = distinct(chips.iter().filter_map(|c| c.country.as_deref()));
    let label = |code: &str| {
        country_name(code).map_or_else(|| format!("`{code}`"), |n| format!("`{code}` ({n})"))
    };
    // Compare with the codes and with their names, both lowercase.
    let mut keys: Vec<(String, &str)> = Vec::new();
    for code in &codes {
        keys.push((code.to_lowercase(), code));
        if let Some(n) = country_name(code) {
            keys.push((n.to_lowercase(), code));
        }
    }
    let found = suggest(q.trim(), keys.iter().map(|(k, _)| k.as_str()));
    let best = found
        .first()
        .and_then(|k| keys.iter().find(|(key, _)| key == k).map(|(_, c)| *c));
    match best {
        Some(code) => format!(
            "no chip from country `{q}` in the catalogue; did you mean {}?",
            label(code)
        ),
        None => format!(
            "no chip from country `{q}` in the catalogue; it has chips from {}",
            codes
                .iter()
                .map(|c| label(c))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        words(s)
    }

    #[test]
    fn vendor_words_match_as_a_run() {
        assert!(vendor_matches("Huawei (HiSilicon)", &w("huawei")));
        assert!(vendor_matches("Huawei (HiSilicon)", &w("HiSilicon")));
        assert!(vendor_matches("Moore Threads", &w("moore threads")));
        assert!(!vendor_matches("Moore Threads", &w("threads moore")));
        assert!(!vendor_matches("NVIDIA", &w("nvid")));
        assert!(!vendor_matches("NVIDIA", &[]));
    }

    #[test]
    fn country_names_become_codes() {
        assert_eq!(country_code("china"), "CN");
        assert_eq!(country_code(" us "), "US");
        assert_eq!(country_code("United States"), "US");
    }
}
