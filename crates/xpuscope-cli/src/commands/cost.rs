//! Cost flags into core assumptions, shared by `train` and `compare`.

use xpuscope_analysis::cost::CostAssumptions;

use crate::cli::CostArgs;

/// The assumptions the flags describe.
pub fn assumptions(a: &CostArgs) -> CostAssumptions {
    CostAssumptions {
        depreciation_years: a.depreciation_years,
        utilisation: a.utilisation,
        pue: a.pue,
        electricity_per_kwh: a.electricity,
        hosting_per_kw_month: a.hosting_per_kw_month,
        rent_per_hour: a.chip_hour_price,
    }
}

/// One line stating the assumptions, for text output.
pub fn describe(c: &CostAssumptions) -> String {
    match c.rent_per_hour {
        Some(r) => format!("cost: rent ${r:.2} per chip-hour"),
        None => format!(
            "cost: price over {} years, power at {:.0}% of TDP x PUE {} x ${}/kWh, hosting ${}/kW-month",
            c.depreciation_years,
            c.utilisation * 100.0,
            c.pue,
            c.electricity_per_kwh,
            c.hosting_per_kw_month
        ),
    }
}
