//! Cost assumptions in words, as every command that prices something states them.

use xpuscope_analysis::cost::CostAssumptions;

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
