//! The 7 Oct 2022 rule: 3A090 needs both the compute test (TPP) and the interconnect test (the
//! aggregate bidirectional transfer rate to other chips).
//!
//! It does not read the 2023 paragraphs or Note 2, which did not exist under this rule, nor
//! licences (`licence` reads the result).

use crate::answer::{Bound, Check, Classification, Eccn, Missing, Outcome, Possibility, Quantity};
use crate::explain::{cap, sentence};
use crate::rules::Thresholds2022;
use crate::words::gate;
use xpuscope_model::units::BytesPerSecond;

/// Fills the paragraph, checks, reasons and summary of `c` under the 2022 thresholds.
/// `via_host_link` says the transfer rate is the host link (no scale-up fabric recorded).
pub(super) fn classify(c: &mut Classification, t: &Thresholds2022, via_host_link: bool) {
    let p = Eccn::Original.as_str();
    let tpp_check = Check::new(
        p,
        Quantity::Tpp,
        Bound::AtLeast,
        t.tpp.get(),
        Some(c.tpp.get()),
    );
    let link_check = Check::new(
        p,
        Quantity::TransferRate,
        Bound::AtLeast,
        t.transfer_rate.gbs(),
        c.transfer_rate.map(BytesPerSecond::gbs),
    );
    let rule = c.rule.cited();
    let compute = tpp_check.met() == Some(true);
    c.reasons
        .push(sentence(p, std::slice::from_ref(&tpp_check)));
    match link_check.met() {
        Some(true) => c.reasons.push(format!("{}: met.", cap(&link_check.phrase(true)))),
        Some(false) => c.reasons.push(format!("{}, and both tests must be met.", cap(&link_check.phrase(true)))),
        None => c.reasons.push(format!(
            "The aggregate bidirectional transfer rate is unknown (no scale-up fabric or host link recorded); 3A090 needs {} or more.",
            link_check.quantity.show_gate(link_check.threshold)
        )),
    }
    if via_host_link {
        c.caveats.push(format!(
            "No scale-up fabric is recorded, so the transfer rate is the host link in both directions ({}).",
            Quantity::TransferRate.show(c.transfer_rate.map_or(0.0, BytesPerSecond::gbs))
        ));
    }
    let tpp_s = c.tpp.to_string();
    let gate_tpp = gate(t.tpp.get());
    let gate_link = Quantity::TransferRate.show_gate(t.transfer_rate.gbs());
    c.outcome = match (compute, link_check.met()) {
        (false, _) => {
            c.summary = format!(
                "Not 3A090 under the {rule}: TPP {tpp_s} is under the {gate_tpp} compute test."
            );
            if link_check.met().is_none() {
                c.caveats.push(format!(
                    "The chip-to-chip bandwidth is unknown, but the answer does not depend on it: TPP {tpp_s} already fails the compute test."
                ));
            }
            Outcome::Determined(None)
        }
        (true, Some(true)) => {
            let link = Quantity::TransferRate.show(link_check.value.unwrap_or(0.0));
            c.summary = format!(
                "3A090 under the {rule}: TPP {tpp_s} reaches {gate_tpp} and the {link} transfer rate reaches {gate_link}."
            );
            Outcome::Determined(Some(Eccn::Original))
        }
        (true, Some(false)) => {
            let link = Quantity::TransferRate.show(link_check.value.unwrap_or(0.0));
            c.summary = format!(
                "Not 3A090 under the {rule}: TPP {tpp_s} passes the {gate_tpp} compute test, but the {link} transfer rate is under the {gate_link} link test, and both are needed."
            );
            Outcome::Determined(None)
        }
        (true, None) => {
            c.summary = format!(
                "Undetermined under the {rule}: TPP {tpp_s} passes the compute test, and the chip is 3A090 if its chip-to-chip transfer rate is {gate_link} or more."
            );
            c.caveats.push(format!(
                "{} is unknown (catalogue field `{}`), and the answer depends on it.",
                cap(Missing::TransferRate.describe()),
                Missing::TransferRate.field()
            ));
            Outcome::Undetermined {
                possible: vec![
                    Possibility {
                        eccn: Some(Eccn::Original),
                        condition: format!("with a transfer rate of {gate_link} or more"),
                    },
                    Possibility {
                        eccn: None,
                        condition: format!("with a transfer rate under {gate_link}"),
                    },
                ],
                missing: vec![Missing::TransferRate],
            }
        }
    };
    c.checks.push(tpp_check);
    c.checks.push(link_check);
}
