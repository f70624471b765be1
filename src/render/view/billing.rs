//! Money: the superbill's lines and totals, and the patient's cost estimate
//! with its arithmetic, all from integer cents.

use serde::Serialize;

use crate::assess::cost::{self, Estimate};
use crate::intake::Intake;
use crate::reference;
use crate::words;

/// One superbill line.
#[derive(Clone, Debug, Serialize)]
pub struct Line {
    /// Date of service.
    pub date: String,
    /// Code.
    pub code: String,
    /// Modifiers, comma-separated.
    pub modifiers: Option<String>,
    /// authpack's short description.
    pub description: Option<String>,
    /// Units.
    pub units: u32,
    /// NDC and milligrams, for a drug line.
    pub drug: Option<String>,
    /// Diagnosis pointers: `A, B`.
    pub pointers: String,
    /// Charge.
    pub charge: Option<String>,
    /// Paid by the patient.
    pub paid: Option<String>,
    /// Balance.
    pub balance: Option<String>,
}

/// A diagnosis with its pointer letter.
#[derive(Clone, Debug, Serialize)]
pub struct Pointer {
    /// The letter.
    pub pointer: String,
    /// The code.
    pub code: String,
    /// Its official description.
    pub description: Option<String>,
}

/// The superbill.
#[derive(Clone, Debug, Serialize)]
pub struct Superbill {
    /// The lines, oldest first.
    pub lines: Vec<Line>,
    /// The diagnoses the lines point to.
    pub diagnoses: Vec<Pointer>,
    /// Total charged.
    pub total: String,
    /// Total paid.
    pub paid: String,
    /// Balance.
    pub balance: String,
    /// First date of service.
    pub first_date: Option<String>,
    /// Last date of service.
    pub last_date: Option<String>,
}

/// Cents as dollars: `$1,234.50`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let dollars = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

/// The superbill of the sessions given.
pub fn superbill(intake: &Intake) -> Option<Superbill> {
    if intake.sessions.is_empty() {
        return None;
    }
    let mut pointers: Vec<String> = intake.diagnoses.iter().map(|d| d.code.to_string()).collect();
    for s in &intake.sessions {
        for c in &s.diagnosis_codes {
            if !pointers.contains(&c.to_string()) {
                pointers.push(c.to_string());
            }
        }
    }
    let letter = |i: usize| char::from(b'A' + (i % 26) as u8).to_string();
    let (mut total, mut paid_total) = (0i64, 0i64);
    let mut sessions: Vec<&crate::intake::Session> = intake.sessions.iter().collect();
    sessions.sort_by_key(|s| s.date);
    let lines = sessions
        .iter()
        .map(|s| {
            let charge = s.charge.and_then(cost::cents);
            let paid = s.paid.and_then(cost::cents);
            total = total.saturating_add(charge.unwrap_or(0));
            paid_total = paid_total.saturating_add(paid.unwrap_or(0));
            let codes: Vec<&str> = if s.diagnosis_codes.is_empty() {
                intake.diagnoses.iter().filter(|d| d.primary != Some(false)).take(1).map(|d| d.code.as_str()).collect()
            } else {
                s.diagnosis_codes.iter().map(|c| c.as_str()).collect()
            };
            let refs: Vec<String> =
                codes.iter().filter_map(|c| pointers.iter().position(|p| p == c)).map(letter).collect();
            let drug = match (&s.ndc, s.dose_mg) {
                (Some(n), Some(d)) => Some(format!("NDC {n}, {}", words::mg(d))),
                (Some(n), None) => Some(format!("NDC {n}")),
                (None, Some(d)) => Some(words::mg(d)),
                (None, None) => None,
            };
            Line {
                date: s.date.to_string(),
                code: s.code.to_string(),
                modifiers: (!s.modifiers.is_empty()).then(|| s.modifiers.join(", ")),
                description: reference::procedure(s.code.as_str()).and_then(|p| p.description.clone()),
                units: s.units,
                drug,
                pointers: refs.join(", "),
                charge: charge.map(money),
                paid: paid.map(money),
                balance: charge.map(|c| money(c - paid.unwrap_or(0))),
            }
        })
        .collect();
    Some(Superbill {
        lines,
        diagnoses: pointers
            .iter()
            .enumerate()
            .map(|(i, c)| Pointer {
                pointer: letter(i),
                code: c.clone(),
                description: reference::icd10::codes().lookup(c).map(|x| x.description.to_string()),
            })
            .collect(),
        total: money(total),
        paid: money(paid_total),
        balance: money(total - paid_total),
        first_date: sessions.first().map(|s| s.date.to_string()),
        last_date: sessions.last().map(|s| s.date.to_string()),
    })
}

/// One line of the estimate's arithmetic: a run of sessions that cost the same.
#[derive(Clone, Debug, Serialize)]
pub struct CostStep {
    /// `Session 3`, `Sessions 4 to 8`.
    pub sessions: String,
    /// How it is worked out, in words.
    pub working: String,
    /// What the patient pays for each of them.
    pub each: String,
    /// For all of them.
    pub subtotal: String,
}

/// The estimate as the patient's sheet shows it.
#[derive(Clone, Debug, Serialize)]
pub struct CostView {
    /// The steps, in order.
    pub steps: Vec<CostStep>,
    /// The patient's total.
    pub total: String,
    /// The plan's total.
    pub plan_total: String,
    /// Sessions in all.
    pub sessions: u32,
    /// The order the rules apply in, in words.
    pub order: String,
}

/// The estimate in words, or why there is none.
pub fn cost_view(estimate: &Result<Estimate, String>) -> Result<CostView, String> {
    let e = estimate.as_ref().map_err(|why| {
        match why.as_str() {
            "NoCharge" => "the clinic's charge a session is not given",
            "NoShare" => "neither the coinsurance nor the copay is given",
            "NoSessions" => "the number of sessions is not given",
            _ => "a figure is out of range",
        }
        .to_string()
    })?;
    let working = |s: &cost::SessionCost| -> String {
        s.items
            .iter()
            .map(|i| {
                let what = if s.items.len() > 1 { format!("{}: ", i.what) } else { String::new() };
                let mut parts = Vec::new();
                if i.deductible > 0 {
                    parts.push(format!("{} toward the deductible", money(i.deductible)));
                }
                if i.share > 0 {
                    parts.push(match (e.copay, e.coinsurance_percent) {
                        (Some(_), _) => format!("a {} copay", money(i.share)),
                        (None, Some(p)) => {
                            format!("{}% of {} = {}", words::num(p), money(i.allowed - i.deductible), money(i.share))
                        }
                        _ => money(i.share),
                    });
                }
                if i.capped > 0 {
                    parts.push(format!("less {} because the out-of-pocket maximum is reached", money(i.capped)));
                }
                if parts.is_empty() {
                    parts.push("nothing: the out-of-pocket maximum is reached".into());
                }
                format!("{what}{} of {}", parts.join(", then "), money(i.allowed))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut steps: Vec<CostStep> = Vec::new();
    let mut i = 0;
    while i < e.sessions.len() {
        let w = working(&e.sessions[i]);
        let mut j = i;
        while j + 1 < e.sessions.len()
            && working(&e.sessions[j + 1]) == w
            && e.sessions[j + 1].patient == e.sessions[i].patient
        {
            j += 1;
        }
        let (a, b) = (e.sessions[i].number, e.sessions[j].number);
        let n = i64::from(b - a + 1);
        steps.push(CostStep {
            sessions: if a == b { format!("Session {a}") } else { format!("Sessions {a} to {b}") },
            working: w,
            each: money(e.sessions[i].patient),
            subtotal: money(e.sessions[i].patient * n),
        });
        i = j + 1;
    }
    Ok(CostView {
        steps,
        total: money(e.patient_total),
        plan_total: money(e.plan_total),
        sessions: e.sessions.len() as u32,
        order: "first the deductible, then the coinsurance (or the copay), and nothing more once the out-of-pocket maximum is reached".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_is_grouped_and_exact() {
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(55_000), "$550.00");
        assert_eq!(money(123_456_789), "$1,234,567.89");
        assert_eq!(money(-1_050), "-$10.50");
    }
}
