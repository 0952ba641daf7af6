//! Cost of owning and running a chip, per hour, and what that makes a token or a training run cost.
//!
//! `$ per chip-hour = price / depreciation hours + TDP x utilisation x PUE x electricity price +
//! hosting (colocation, priced per kW of TDP per month)`, or a rent the user gives. Every
//! assumption is a field with a stated default; a chip without a price gets an error that says so
//! instead of a guess.

use xpuscope_model::chip::Chip;
use xpuscope_model::units::{Dollars, Seconds, TokensPerSecond};

/// Hours in a year (365 days).
const HOURS_PER_YEAR: f64 = 8760.0;
/// Hours in a month (a twelfth of a year).
const HOURS_PER_MONTH: f64 = HOURS_PER_YEAR / 12.0;

/// Ownership and running assumptions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostAssumptions {
    /// Years over which the price is written off (default 4).
    pub depreciation_years: f64,
    /// Average power as a fraction of TDP (default 0.7).
    pub utilisation: f64,
    /// Datacenter power usage effectiveness (default 1.3).
    pub pue: f64,
    /// Electricity, $ per kWh (default 0.10).
    pub electricity_per_kwh: f64,
    /// Colocation: $ per kW of TDP per month (default 150).
    pub hosting_per_kw_month: f64,
    /// A rent per chip-hour that replaces the ownership model.
    pub rent_per_hour: Option<Dollars>,
}

impl Default for CostAssumptions {
    fn default() -> Self {
        CostAssumptions {
            depreciation_years: 4.0,
            utilisation: 0.7,
            pue: 1.3,
            electricity_per_kwh: 0.10,
            hosting_per_kw_month: 150.0,
            rent_per_hour: None,
        }
    }
}

/// What a chip-hour costs, by part.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChipHour {
    /// Depreciation of the purchase price.
    pub capital: Dollars,
    /// Electricity.
    pub power: Dollars,
    /// Colocation.
    pub hosting: Dollars,
}

impl ChipHour {
    /// The total per chip-hour.
    pub fn total(&self) -> Dollars {
        self.capital + self.power + self.hosting
    }
}

/// Why a cost cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CostError {
    /// The catalogue has no price for the chip.
    #[error("chip `{0}` has no price in the catalogue; give one with --chip-hour-price or add `price_usd` in a --catalog file")]
    NoPrice(String),
    /// The catalogue has no TDP for the chip.
    #[error("chip `{0}` has no TDP in the catalogue, so its power cost is unknown; give --chip-hour-price or add `tdp_w`")]
    NoTdp(String),
    /// An assumption out of range.
    #[error("{0}")]
    Assumption(String),
}

impl CostAssumptions {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<(), CostError> {
        let bad = |s: &str| Err(CostError::Assumption(s.to_string()));
        if self.depreciation_years.is_nan() || self.depreciation_years <= 0.0 {
            return bad("depreciation years must be positive");
        }
        if !self.utilisation.is_finite() || !(0.0..=1.5).contains(&self.utilisation) {
            return bad("utilisation is a fraction of TDP between 0 and 1.5");
        }
        if !(1.0..=3.0).contains(&self.pue) {
            return bad("PUE must be between 1.0 and 3.0");
        }
        let finite_non_negative = |v: f64| v.is_finite() && v >= 0.0;
        if !finite_non_negative(self.electricity_per_kwh)
            || !finite_non_negative(self.hosting_per_kw_month)
        {
            return bad("electricity and hosting prices must be finite and not negative");
        }
        if self
            .rent_per_hour
            .is_some_and(|r| !finite_non_negative(r.get()))
        {
            return bad("chip-hour price must be finite and not negative");
        }
        if !self.depreciation_years.is_finite() {
            return bad("depreciation years must be finite");
        }
        Ok(())
    }

    /// The cost of one chip-hour.
    pub fn chip_hour(&self, chip: &Chip) -> Result<ChipHour, CostError> {
        self.validate()?;
        if let Some(rent) = self.rent_per_hour {
            return Ok(ChipHour {
                capital: rent,
                power: Dollars::ZERO,
                hosting: Dollars::ZERO,
            });
        }
        let price = chip
            .price
            .as_ref()
            .ok_or_else(|| CostError::NoPrice(chip.id.clone()))?;
        // A power-limited board draws its limit.
        let watts = chip
            .board_power()
            .ok_or_else(|| CostError::NoTdp(chip.id.clone()))?;
        let kw = watts.get() / 1000.0;
        Ok(ChipHour {
            capital: price.value / (self.depreciation_years * HOURS_PER_YEAR),
            power: Dollars::new(kw * self.utilisation * self.pue * self.electricity_per_kwh),
            hosting: Dollars::new(kw * self.hosting_per_kw_month / HOURS_PER_MONTH),
        })
    }
}

/// Dollars per million output tokens for a deployment of `chips` chips producing `tokens_per_s`.
pub fn per_million_tokens(hour: &ChipHour, chips: u32, tokens_per_s: TokensPerSecond) -> Dollars {
    let per_second = hour.total().get() * f64::from(chips) / 3600.0;
    Dollars::new(per_second / tokens_per_s.get() * 1e6)
}

/// Dollars for a run of `chips` chips lasting `time`.
pub fn run_cost(hour: &ChipHour, chips: u32, time: Seconds) -> Dollars {
    hour.total() * (f64::from(chips) * time.hours())
}

/// What a run of `tokens` tokens at `tokens_per_s` on `chips` chips takes: its time, its
/// chip-hours and, where the chip is priced, its cost.
#[derive(Debug, Clone, PartialEq)]
pub struct RunBudget {
    /// Tokens of the run.
    pub tokens: f64,
    /// Wall time.
    pub time: Seconds,
    /// Chips times hours.
    pub chip_hours: f64,
    /// The cost of one chip-hour, or why it is unknown.
    pub chip_hour: Result<ChipHour, CostError>,
}

impl RunBudget {
    /// The budget of a run.
    pub fn new(
        chip: &Chip,
        chips: u32,
        tokens_per_s: TokensPerSecond,
        tokens: f64,
        costs: &CostAssumptions,
    ) -> RunBudget {
        let time = tokens_per_s.time_for(tokens);
        RunBudget {
            tokens,
            time,
            chip_hours: time.hours() * f64::from(chips),
            chip_hour: costs.chip_hour(chip),
        }
    }

    /// The run's cost, where the chip is priced.
    pub fn cost(&self, chips: u32) -> Option<Dollars> {
        self.chip_hour
            .as_ref()
            .ok()
            .map(|h| run_cost(h, chips, self.time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xpuscope_model::catalog::Catalog;

    #[test]
    fn ownership_cost_adds_its_parts() {
        let cat = Catalog::builtin().unwrap();
        let chip = cat.chip("h100-sxm").unwrap();
        let a = CostAssumptions::default();
        let h = a.chip_hour(chip).unwrap();
        let price = chip.price.as_ref().unwrap().value.get();
        assert!((h.capital.get() - price / (4.0 * 8760.0)).abs() < 1e-9);
        // 700 W x 0.7 x 1.3 x $0.10/kWh
        assert!((h.power.get() - 0.7 * 0.7 * 1.3 * 0.10).abs() < 1e-9);
        assert!((h.hosting.get() - 0.7 * 150.0 / 730.0).abs() < 1e-9);
        // A million tokens at 1,000 tok/s on one chip take 1,000 s.
        let m = per_million_tokens(&h, 1, TokensPerSecond::new(1000.0));
        assert!((m.get() - h.total().get() * 1000.0 / 3600.0).abs() < 1e-9);
    }

    #[test]
    fn missing_price_is_said() {
        let cat = Catalog::builtin().unwrap();
        let chip = cat.chips().iter().find(|c| c.price.is_none()).unwrap();
        let e = CostAssumptions::default().chip_hour(chip).unwrap_err();
        assert!(e.to_string().contains("has no price"), "{e}");
        let rented = CostAssumptions {
            rent_per_hour: Some(Dollars::new(2.0)),
            ..Default::default()
        };
        assert_eq!(rented.chip_hour(chip).unwrap().total().get(), 2.0);
    }
}
