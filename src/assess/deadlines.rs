//! Dates that decide what to do next: an appeal's last day to file and the
//! decision's due date under the plan's own rules, an external review's
//! decision date, whether a continuation can be decided before the authorization
//! in force runs out, and a claim's filing deadline.
//!
//! Days are calendar days and are never moved off a weekend, so a computed
//! deadline is never later than the rule's.

use serde::Serialize;

use crate::date::Date;
use crate::diag::Diagnostic;
use crate::intake::{Appeal, AppealLevel, Benefit, Intake, Positions, RequestKind, Urgency};
use crate::reference::regimes::{self, Basis, Regime, Window};

/// A dated step.
#[derive(Clone, Debug, Serialize)]
pub struct Deadline {
    /// What is due.
    pub what: String,
    /// The last day, when it can be computed.
    pub by: Option<Date>,
    /// How the day was counted.
    pub rule: String,
}

/// Everything dated about an appeal.
#[derive(Clone, Debug, Serialize)]
pub struct AppealDates {
    /// The rules that apply, when the plan's type and funding tell them.
    pub regime: Option<Regime>,
    /// The step this appeal is: `reconsideration`, `internal appeal`, `external review ...`.
    pub step: Option<String>,
    /// Its level, in words.
    pub level: Option<String>,
    /// The last day to file this appeal.
    pub file_by: Option<Deadline>,
    /// Whether the request date is after the last day to file.
    pub late: bool,
    /// When the decision is due if the appeal is filed on the request date.
    pub decision_by: Option<Deadline>,
}

fn window_end(window: &Window, notice: Date, receipt: Date) -> (Date, String) {
    let (start, basis) = match window.from {
        Basis::Notice => (notice, format!("the notice date, {notice}")),
        Basis::Receipt => (receipt, format!("receipt of the notice, {receipt}")),
    };
    match (window.days, window.months) {
        (Some(d), _) => (start.add_days(d), format!("{d} days from {basis}")),
        (None, Some(m)) => (start.add_months(m), format!("{m} months from {basis}")),
        (None, None) => (start, basis),
    }
}

/// The dates of an appeal, from the intake's denial and plan.
pub fn appeal_dates(intake: &Intake, appeal: &Appeal) -> AppealDates {
    let regime = regimes::regime_for(intake.payer.plan_type, intake.payer.funding);
    let notice = appeal.denial_date;
    // Without a receipt date the notice date is used: the earlier, safer deadline.
    let receipt = appeal.received_date.unwrap_or(notice);
    let expedited = intake.request.urgency == Some(Urgency::Expedited);
    let Some(r) = regime else {
        return AppealDates { regime: None, step: None, level: None, file_by: None, late: false, decision_by: None };
    };
    let step = r.step(appeal.level);
    // External review has its own window and clock where the regime has it.
    let external = r.external_review.as_ref().filter(|_| appeal.level == AppealLevel::ExternalReview);
    let (window, days, decision) = match external {
        Some(x) => (
            &x.file_within,
            if expedited { x.decision_days.expedited } else { x.decision_days.standard },
            format!(
                "{} days standard, {} hours expedited, under {}",
                x.decision_days.standard,
                x.decision_days.expedited * 24,
                x.law
            ),
        ),
        None => {
            // Every therapy authpack handles is a drug; billed under the medical benefit it is a Part B drug.
            let part_b = r.decision_days.part_b_drug.filter(|_| intake.request.benefit == Some(Benefit::Medical));
            let days = match (expedited, part_b) {
                (true, _) => r.decision_days.expedited,
                (false, Some(d)) => d,
                (false, None) => r.decision_days.standard,
            };
            (&r.file_within, days, r.decision.clone())
        }
    };
    let (by, rule) = window_end(window, notice, receipt);
    let file_by = Deadline { what: format!("ask for the {}", step.name), by: Some(by), rule };
    let late = intake.request.date > by;
    let decision_by = Deadline {
        what: if expedited { "expedited decision due".into() } else { "decision due".into() },
        by: Some(intake.request.date.add_days(days)),
        rule: format!(
            "counted as if the plan receives the appeal on {}, the day it is dated ({decision})",
            intake.request.date
        ),
    };
    AppealDates {
        step: Some(step.name.clone()),
        level: Some(step.level.clone()),
        regime: Some(r.clone()),
        file_by: Some(file_by),
        late,
        decision_by: Some(decision_by),
    }
}

/// A warning when the request is dated after the last day to file.
pub fn late_warning(dates: &AppealDates, positions: &Positions) -> Option<Diagnostic> {
    let by = dates.file_by.as_ref().and_then(|f| f.by).filter(|_| dates.late)?;
    Some(
        Diagnostic::warning("appeal.denial_date", format!("the request date is after the last day to file, {by}"))
            .at(positions.get("appeal.denial_date").copied())
            .hint("file at once and explain the delay; plans may accept good cause"),
    )
}

/// Whether a continuation can be decided before the authorization in force runs out.
#[derive(Clone, Debug, Serialize)]
pub struct ContinuationTiming {
    /// The last day of the authorization in force.
    pub authorized_through: Date,
    /// The day a standard decision is due if the plan receives the request on the request date.
    pub standard_decision_by: Date,
    /// The day an expedited decision is due.
    pub expedited_decision_by: Date,
    /// The standard decision could come after the authorization ends.
    pub at_risk: bool,
    /// Where the decision times come from.
    pub rule: String,
}

/// Decision times for a request (not an appeal), in days: standard and expedited.
/// CMS-0057-F: 7 calendar days and 72 hours for Medicare Advantage and Medicaid from
/// 2026; ERISA pre-service claims: 15 days and 72 hours (domain.md 7.1, 8.2).
pub fn request_clock(intake: &Intake) -> (i64, i64, &'static str) {
    use crate::intake::PlanType::*;
    match intake.payer.plan_type {
        Some(MedicareAdvantage | Medicaid | MedicaidManagedCare) => {
            (7, 3, "7 days standard, 72 hours expedited (CMS-0057-F, from January 2026)")
        }
        Some(MedicarePartD) => (3, 1, "72 hours standard, 24 hours expedited for a Part D coverage determination"),
        _ => (15, 3, "15 days standard, 72 hours expedited (the ERISA pre-service rule)"),
    }
}

/// A continuation's timing against the authorization in force.
pub fn continuation_timing(intake: &Intake) -> Option<ContinuationTiming> {
    let through = intake.request.authorized_through.filter(|_| intake.request.kind == RequestKind::Continuation)?;
    let (standard, expedited, rule) = request_clock(intake);
    let standard_by = intake.request.date.add_days(standard);
    Some(ContinuationTiming {
        authorized_through: through,
        standard_decision_by: standard_by,
        expedited_decision_by: intake.request.date.add_days(expedited),
        at_risk: standard_by > through,
        rule: rule.to_string(),
    })
}

/// A warning when a standard review cannot decide before the authorization ends.
pub fn continuation_warning(t: &ContinuationTiming, intake: &Intake, positions: &Positions) -> Option<Diagnostic> {
    if !t.at_risk {
        return None;
    }
    let expedited = intake.request.urgency == Some(Urgency::Expedited);
    let hint = if expedited {
        "the request is expedited; call the plan to confirm it is handled so".to_string()
    } else if t.expedited_decision_by <= t.authorized_through {
        format!(
            "if a gap in treatment could seriously harm the patient, ask for expedited review (decided by {}) and give request.urgency_reason",
            t.expedited_decision_by
        )
    } else {
        "send at once and call the plan; a gap between authorizations is likely".to_string()
    };
    Some(
        Diagnostic::warning(
            "request.authorized_through",
            format!(
                "the authorization ends {}, but a standard decision may take until {} ({})",
                t.authorized_through, t.standard_decision_by, t.rule
            ),
        )
        .at(positions.get("request.authorized_through").copied())
        .hint(hint),
    )
}

/// A claim's dates.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimDates {
    /// The first date of service claimed.
    pub first_service: Option<Date>,
    /// The last date of service claimed.
    pub last_service: Option<Date>,
    /// The plan's filing limit, in days after the date of service, when known.
    pub limit_days: Option<u32>,
    /// The last day to file for the first date of service, when the limit is known.
    pub file_by: Option<Date>,
}

/// A claim's filing deadline, counted from its first date of service.
pub fn claim_dates(intake: &Intake) -> Option<ClaimDates> {
    if intake.request.kind != RequestKind::Claim {
        return None;
    }
    let first = intake.sessions.iter().map(|s| s.date).min();
    let limit = intake.payer.claims.as_ref().and_then(|c| c.timely_filing_days);
    Some(ClaimDates {
        first_service: first,
        last_service: intake.sessions.iter().map(|s| s.date).max(),
        limit_days: limit,
        file_by: first.zip(limit).map(|(d, l)| d.add_days(i64::from(l))),
    })
}

/// A calendar (RFC 5545) with dated steps as all-day events. It names no
/// patient: only the step and the plan's reference number.
pub fn calendar(events: &[&Deadline], reference: Option<&str>, stamp: Date, uid_seed: &str) -> String {
    let mut out =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//authpack//deadlines//EN\r\nCALSCALE:GREGORIAN\r\n");
    let reference = reference.map(|r| format!(" (ref. {})", ics_text(r))).unwrap_or_default();
    for (i, d) in events.iter().enumerate() {
        let Some(by) = d.by else { continue };
        let day = by.to_string().replace('-', "");
        let next = by.add_days(1).to_string().replace('-', "");
        out.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{uid_seed}-{i}@authpack\r\nDTSTAMP:{}T000000Z\r\nDTSTART;VALUE=DATE:{day}\r\nDTEND;VALUE=DATE:{next}\r\nSUMMARY:{}{reference}\r\nDESCRIPTION:{}\r\nEND:VEVENT\r\n",
            stamp.to_string().replace('-', ""),
            ics_text(&crate::words::capitalized(&d.what)),
            ics_text(&d.rule),
        ));
    }
    out.push_str("END:VCALENDAR\r\n");
    out.split_inclusive("\r\n").map(fold).collect()
}

/// Folds a content line to at most 75 octets a line (RFC 5545 3.1), never inside a character.
fn fold(line: &str) -> String {
    let line = line.strip_suffix("\r\n").unwrap_or(line);
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

/// Text as an iCalendar TEXT value: escaped, without control characters.
fn ics_text(s: &str) -> String {
    s.chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect::<String>()
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests;
