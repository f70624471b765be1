//! What the patient will owe: for each session, the deductible first, then the
//! coinsurance (or the copay), until the out-of-pocket maximum is reached, in
//! integer cents with checked arithmetic, every step kept so the sheet can show it.

use serde::Serialize;

use crate::intake::{Cost, Intake, RequestKind};

/// The most a single charge may be: $1,000,000.00, far above any session.
pub const MAX_CHARGE_CENTS: i64 = 100_000_000;

/// Dollars as cents, rounded to the cent; `None` when negative, not finite or over [`MAX_CHARGE_CENTS`].
pub fn cents(dollars: f64) -> Option<i64> {
    let c = (dollars * 100.0).round();
    (c.is_finite() && (0.0..=MAX_CHARGE_CENTS as f64).contains(&c)).then_some(c as i64)
}

/// One billed item of one session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    /// `visit` or `drug`.
    pub what: &'static str,
    /// What the plan allows for it.
    pub allowed: i64,
    /// Paid toward the deductible.
    pub deductible: i64,
    /// The coinsurance or copay after the deductible.
    pub share: i64,
    /// What the out-of-pocket maximum took off the patient's part.
    pub capped: i64,
    /// What the patient pays.
    pub patient: i64,
    /// What the plan pays.
    pub plan: i64,
}

/// One session's costs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionCost {
    /// Its number, from 1.
    pub number: u32,
    /// Its items, the drug before the visit where billed apart.
    pub items: Vec<Item>,
    /// The patient's total for the session.
    pub patient: i64,
    /// The deductible still to meet after it.
    pub deductible_left: i64,
    /// The out-of-pocket maximum still to reach after it, when known.
    pub out_of_pocket_left: Option<i64>,
}

/// The estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// Every session.
    pub sessions: Vec<SessionCost>,
    /// The patient's total.
    pub patient_total: i64,
    /// The plan's total.
    pub plan_total: i64,
    /// The coinsurance percent, when it applies.
    pub coinsurance_percent: Option<f64>,
    /// The copay a session, when it applies.
    pub copay: Option<i64>,
    /// The session at which the deductible was met, when it was.
    pub deductible_met_at: Option<u32>,
    /// The session at which the out-of-pocket maximum was reached, when it was.
    pub out_of_pocket_reached_at: Option<u32>,
}

/// Why an estimate cannot be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoEstimate {
    /// No session charge.
    NoCharge,
    /// Neither coinsurance nor a copay.
    NoShare,
    /// No number of sessions.
    NoSessions,
    /// A figure is negative, not a number, or over the maximum.
    OutOfRange(&'static str),
}

/// The estimate for the sessions an intake requests (or claims).
pub fn estimate(intake: &Intake) -> Option<Result<Estimate, NoEstimate>> {
    let cost = intake.cost.as_ref()?;
    let sessions = match intake.request.kind {
        // A claim's sessions are its dates of service: a visit and its drug are two lines of one session.
        RequestKind::Claim => {
            let dates: std::collections::BTreeSet<_> = intake.sessions.iter().map(|s| s.date).collect();
            Some(dates.len() as u32).filter(|n| *n > 0)
        }
        _ => intake.request.regimen.as_ref().and_then(|r| r.sessions),
    };
    Some(sessions.ok_or(NoEstimate::NoSessions).and_then(|n| compute(cost, n)))
}

/// The arithmetic, session by session.
pub fn compute(cost: &Cost, sessions: u32) -> Result<Estimate, NoEstimate> {
    let money =
        |v: Option<f64>, name: &'static str| v.map(|d| cents(d).ok_or(NoEstimate::OutOfRange(name))).transpose();
    let charge = money(cost.charge_per_session, "cost.charge_per_session")?.ok_or(NoEstimate::NoCharge)?;
    let allowed = money(cost.allowed_per_session, "cost.allowed_per_session")?.unwrap_or(charge);
    let drug = money(cost.drug_charge_per_session, "cost.drug_charge_per_session")?;
    let copay = money(cost.copay_per_session, "cost.copay_per_session")?;
    let coinsurance = match cost.coinsurance_percent {
        Some(p) if (0.0..=100.0).contains(&p) => Some(p),
        Some(_) => return Err(NoEstimate::OutOfRange("cost.coinsurance_percent")),
        None => None,
    };
    if copay.is_none() && coinsurance.is_none() {
        return Err(NoEstimate::NoShare);
    }
    let mut deductible_left = money(cost.deductible_remaining, "cost.deductible_remaining")?.unwrap_or(0);
    let mut oop_left = money(cost.out_of_pocket_remaining, "cost.out_of_pocket_remaining")?;
    let mut out = Estimate {
        sessions: Vec::new(),
        patient_total: 0,
        plan_total: 0,
        coinsurance_percent: coinsurance,
        copay,
        deductible_met_at: None,
        out_of_pocket_reached_at: None,
    };
    for number in 1..=sessions {
        let mut items = Vec::new();
        for (what, amount) in [("drug", drug), ("visit", Some(allowed))] {
            let Some(amount) = amount else { continue };
            let deductible = deductible_left.min(amount);
            deductible_left -= deductible;
            let rest = amount - deductible;
            let share = match (copay, coinsurance) {
                // A copay is owed once a session, on the visit.
                (Some(c), _) => {
                    if what == "visit" {
                        c.min(rest)
                    } else {
                        0
                    }
                }
                (None, Some(p)) => ((rest as f64) * p / 100.0).round() as i64,
                (None, None) => 0,
            };
            let owed = deductible + share;
            let (patient, capped) = match oop_left {
                Some(left) => (owed.min(left), owed - owed.min(left)),
                None => (owed, 0),
            };
            if let Some(left) = oop_left.as_mut() {
                *left -= patient;
            }
            items.push(Item { what, allowed: amount, deductible, share, capped, patient, plan: amount - patient });
        }
        let patient: i64 = items.iter().map(|i| i.patient).sum();
        out.patient_total = out.patient_total.checked_add(patient).ok_or(NoEstimate::OutOfRange("cost"))?;
        out.plan_total =
            out.plan_total.checked_add(items.iter().map(|i| i.plan).sum()).ok_or(NoEstimate::OutOfRange("cost"))?;
        if deductible_left == 0 && out.deductible_met_at.is_none() && items.iter().any(|i| i.deductible > 0) {
            out.deductible_met_at = Some(number);
        }
        if oop_left == Some(0) && out.out_of_pocket_reached_at.is_none() {
            out.out_of_pocket_reached_at = Some(number);
        }
        out.sessions.push(SessionCost { number, items, patient, deductible_left, out_of_pocket_left: oop_left });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(charge: f64, deductible: f64, coinsurance: Option<f64>, copay: Option<f64>, oop: Option<f64>) -> Cost {
        Cost {
            charge_per_session: Some(charge),
            drug_charge_per_session: None,
            deductible_remaining: Some(deductible),
            coinsurance_percent: coinsurance,
            copay_per_session: copay,
            out_of_pocket_remaining: oop,
            allowed_per_session: None,
        }
    }

    #[test]
    fn the_deductible_is_met_mid_course_then_coinsurance_applies() {
        // $450 a session, $1,200 deductible left, 20% coinsurance, 8 sessions, no cap reached.
        // Sessions 1-2: $450 each to the deductible ($900). Session 3: $300 deductible, then
        // 20% of the other $150 = $30, so $330. Sessions 4-8: 20% of $450 = $90 each.
        let e = compute(&cost(450.0, 1200.0, Some(20.0), None, Some(3500.0)), 8).unwrap();
        let paid: Vec<i64> = e.sessions.iter().map(|s| s.patient).collect();
        assert_eq!(paid, [45_000, 45_000, 33_000, 9_000, 9_000, 9_000, 9_000, 9_000]);
        assert_eq!(e.patient_total, 168_000, "$900 + $330 + 5 x $90 = $1,680");
        assert_eq!(e.plan_total, 8 * 45_000 - 168_000);
        assert_eq!(e.deductible_met_at, Some(3));
        assert_eq!(e.out_of_pocket_reached_at, None);
    }

    #[test]
    fn the_out_of_pocket_maximum_caps_what_is_owed() {
        // $800 a session, no deductible left, 50% coinsurance, $1,000 left to the maximum:
        // $400, $400, then $200 (capped from $400), then $0.
        let e = compute(&cost(800.0, 0.0, Some(50.0), None, Some(1000.0)), 4).unwrap();
        let paid: Vec<i64> = e.sessions.iter().map(|s| s.patient).collect();
        assert_eq!(paid, [40_000, 40_000, 20_000, 0]);
        assert_eq!(e.sessions[2].items[0].capped, 20_000);
        assert_eq!(e.out_of_pocket_reached_at, Some(3));
        assert_eq!(e.patient_total, 100_000);
    }

    #[test]
    fn a_copay_instead_of_coinsurance_and_a_drug_billed_apart() {
        // $300 visit, $40 copay, $100 deductible left: session 1 pays $100 deductible and a
        // $40 copay on the other $200; then $40 a session.
        let e = compute(&cost(300.0, 100.0, None, Some(40.0), None), 3).unwrap();
        assert_eq!(e.sessions.iter().map(|s| s.patient).collect::<Vec<_>>(), [14_000, 4_000, 4_000]);
        // A $600 drug billed apart with 10% coinsurance: the drug meets the deductible first.
        let mut c = cost(300.0, 500.0, Some(10.0), None, None);
        c.drug_charge_per_session = Some(600.0);
        let e = compute(&c, 2).unwrap();
        let s1 = &e.sessions[0];
        assert_eq!((s1.items[0].what, s1.items[0].deductible, s1.items[0].share), ("drug", 50_000, 1_000));
        assert_eq!((s1.items[1].what, s1.items[1].deductible, s1.items[1].share), ("visit", 0, 3_000));
        assert_eq!(s1.patient, 54_000);
        assert_eq!(e.sessions[1].patient, 6_000 + 3_000);
    }

    #[test]
    fn absurd_figures_are_refused_not_wrapped() {
        assert_eq!(
            compute(&cost(1e308, 0.0, Some(20.0), None, None), 2),
            Err(NoEstimate::OutOfRange("cost.charge_per_session"))
        );
        assert_eq!(
            compute(&cost(-5.0, 0.0, Some(20.0), None, None), 2),
            Err(NoEstimate::OutOfRange("cost.charge_per_session"))
        );
        assert_eq!(
            compute(&cost(100.0, 0.0, Some(120.0), None, None), 2),
            Err(NoEstimate::OutOfRange("cost.coinsurance_percent"))
        );
        assert_eq!(compute(&cost(100.0, 0.0, None, None, None), 2), Err(NoEstimate::NoShare));
        assert_eq!(cents(1_000_000.0), Some(MAX_CHARGE_CENTS));
        assert_eq!(cents(1_000_000.01), None);
    }
}
