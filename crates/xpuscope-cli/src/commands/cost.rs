//! Cost flags into raw cost options, shared by `train` and `compare`.

use xpuscope_report::options::CostOptions;

use crate::cli::CostArgs;

/// The raw options the flags give.
pub fn options(a: &CostArgs) -> CostOptions {
    CostOptions {
        depreciation_years: Some(a.depreciation_years),
        utilisation: Some(a.utilisation),
        pue: Some(a.pue),
        electricity: Some(a.electricity),
        hosting_per_kw_month: Some(a.hosting_per_kw_month),
        chip_hour_price: a.chip_hour_price,
    }
}
