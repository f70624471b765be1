//! Appeal deadlines: which appeal rules a plan follows, the last day to file,
//! when a decision is due, and what comes next, from the denial's dates.
//!
//! The rules are data (`src/data/appeal-rules.yaml`, from `domain.md` 7). Days
//! are calendar days and are never moved off a weekend, so a computed deadline
//! is never later than the rule's.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::intake::{Appeal, AppealLevel, Benefit, Funding, Intake, PlanType, Urgency};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    as_of: Date,
    regimes: Vec<Regime>,
}

/// One set of appeal rules.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Regime {
    /// Short id (`erisa`, `medicare-advantage`, ...).
    pub id: String,
    /// Its name, with the regulation.
    pub name: String,
    /// How long the member has to file.
    pub file_within: Window,
    /// Days the plan has to decide, standard and expedited.
    pub decision_days: DecisionDays,
    /// The decision timelines in words.
    pub decision: String,
    /// What follows a final internal denial.
    pub next: Option<NextStep>,
    /// Where the figures come from.
    pub source: String,
}

/// A filing window.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// Calendar days.
    pub days: Option<i64>,
    /// Calendar months.
    pub months: Option<i32>,
    /// What the window counts from.
    pub from: Basis,
}

/// What a window counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// The date printed on the notice.
    Notice,
    /// The day the notice was received (the notice date when not known).
    Receipt,
}

/// Decision times in days.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionDays {
    /// Standard review.
    pub standard: i64,
    /// Expedited review.
    pub expedited: i64,
    /// A Part B drug (a drug billed under the medical benefit), where the rules set it apart.
    pub part_b_drug: Option<i64>,
}

/// What follows a final internal denial.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NextStep {
    /// The step.
    pub step: String,
    /// Its filing window, when it has one.
    pub file_within: Option<Window>,
    /// Its decision timeline.
    pub decision: String,
}

fn regimes() -> &'static [Regime] {
    static DATA: OnceLock<RulesFile> = OnceLock::new();
    &DATA.get_or_init(|| crate::yaml::bundled("appeal-rules.yaml", include_str!("../data/appeal-rules.yaml"))).regimes
}

/// The regime a plan follows, from its type and funding; `None` when it cannot be told.
pub fn regime_for(plan_type: Option<PlanType>, funding: Option<Funding>) -> Option<&'static Regime> {
    use PlanType::*;
    let id = match (plan_type, funding) {
        (Some(MedicareAdvantage), _) => "medicare-advantage",
        (Some(MedicarePartD), _) => "medicare-part-d",
        (Some(Medicare), _) => "medicare",
        (Some(MedicaidManagedCare), _) => "medicaid-managed-care",
        (Some(Medicaid), _) => "medicaid",
        (Some(Marketplace), _) => "aca-individual",
        (_, Some(Funding::SelfFunded)) => "erisa",
        (Some(Hmo | Ppo | Epo | Pos | Hdhp), Some(Funding::FullyInsured)) => "erisa",
        _ => return None,
    };
    regimes().iter().find(|r| r.id == id)
}

/// A dated step of the appeal.
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
    /// The last day to file this appeal.
    pub file_by: Option<Deadline>,
    /// Whether the request date is after the last day to file.
    pub late: bool,
    /// When the plan's decision is due if the appeal is filed on the request date.
    pub decision_by: Option<Deadline>,
    /// What follows a denial at this level.
    pub next: Option<Deadline>,
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
    let regime = regime_for(intake.payer.plan_type, intake.payer.funding);
    let notice = appeal.denial_date;
    // Without a receipt date the notice date is used: the earlier, safer deadline.
    let receipt = appeal.received_date.unwrap_or(notice);
    let expedited = intake.request.urgency == Some(Urgency::Expedited);
    let Some(r) = regime else {
        return AppealDates { regime: None, file_by: None, late: false, decision_by: None, next: None };
    };
    let external = appeal.level == AppealLevel::ExternalReview;
    let window = if external { r.next.as_ref().and_then(|n| n.file_within.as_ref()) } else { Some(&r.file_within) };
    let file_by = window.map(|w| {
        let (by, rule) = window_end(w, notice, receipt);
        let what = if external { "request external review" } else { "file the appeal" };
        Deadline { what: what.to_string(), by: Some(by), rule }
    });
    let late = file_by.as_ref().and_then(|d| d.by).is_some_and(|by| intake.request.date > by);
    let decision_by = (!external).then(|| {
        // Every therapy authpack handles is a drug; billed under the medical benefit it is a Part B drug.
        let part_b = r.decision_days.part_b_drug.filter(|_| intake.request.benefit == Some(Benefit::Medical));
        let days = match (expedited, part_b) {
            (true, _) => r.decision_days.expedited,
            (false, Some(d)) => d,
            (false, None) => r.decision_days.standard,
        };
        Deadline {
            what: if expedited { "expedited decision due".into() } else { "decision due".into() },
            by: Some(intake.request.date.add_days(days)),
            rule: format!("if the plan receives the appeal on {}: {}", intake.request.date, r.decision),
        }
    });
    let next = r.next.as_ref().filter(|_| !external).map(|n| Deadline {
        what: format!("if the plan upholds the denial: {}", n.step),
        by: None,
        rule: match &n.file_within {
            Some(w) => {
                let span =
                    w.days.map(|d| format!("{d} days")).or(w.months.map(|m| format!("{m} months"))).unwrap_or_default();
                format!("within {span} of receiving the final decision; decided in {}", n.decision)
            }
            None => n.decision.clone(),
        },
    });
    AppealDates { regime: Some(r.clone()), file_by, late, decision_by, next }
}

/// A warning when the request is dated after the last day to file.
pub fn late_warning(dates: &AppealDates, positions: &crate::intake::Positions) -> Option<crate::diag::Diagnostic> {
    let by = dates.file_by.as_ref().and_then(|f| f.by).filter(|_| dates.late)?;
    Some(
        crate::diag::Diagnostic::warning(
            "appeal.denial_date",
            format!("the request date is after the last day to file, {by}"),
        )
        .at(positions.get("appeal.denial_date").copied())
        .hint("file at once and explain the delay; plans may accept good cause"),
    )
}

/// A calendar (RFC 5545) with the appeal's dated steps as all-day events.
/// It names no patient: only the step and the plan's reference number.
pub fn calendar(dates: &AppealDates, reference: Option<&str>, stamp: Date, uid_seed: &str) -> String {
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//authpack//appeal deadlines//EN\r\nCALSCALE:GREGORIAN\r\n",
    );
    let reference = reference.map(|r| format!(" (ref. {})", ics_text(r))).unwrap_or_default();
    for (i, d) in [&dates.file_by, &dates.decision_by].into_iter().flatten().enumerate() {
        let Some(by) = d.by else { continue };
        let day = by.to_string().replace('-', "");
        let next = by.add_days(1).to_string().replace('-', "");
        out.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{uid_seed}-{i}@authpack\r\nDTSTAMP:{}T000000Z\r\nDTSTART;VALUE=DATE:{day}\r\nDTEND;VALUE=DATE:{next}\r\nSUMMARY:Appeal: {}{reference}\r\nDESCRIPTION:{}\r\nEND:VEVENT\r\n",
            stamp.to_string().replace('-', ""),
            ics_text(&d.what),
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
mod tests {
    use super::*;
    use crate::intake::*;

    fn intake(
        plan: PlanType,
        funding: Funding,
        level: AppealLevel,
        denial: &str,
        received: Option<&str>,
        urgent: bool,
    ) -> Intake {
        let text = include_str!("../../samples/esketamine-trd-initial/intake.yaml");
        let mut i = load_intake(text).unwrap().intake;
        i.payer.plan_type = Some(plan);
        i.payer.funding = Some(funding);
        i.request.urgency = Some(if urgent { Urgency::Expedited } else { Urgency::Standard });
        i.appeal = Some(Appeal {
            level,
            denial_date: Date::parse(denial).unwrap(),
            received_date: received.map(|r| Date::parse(r).unwrap()),
            reference_number: Some("UM-1".into()),
            denial_reason: None,
            denial_basis: DenialBasis::StepTherapy,
            appellant: Appellant::Provider,
            request_peer_to_peer: None,
            request_claim_file: None,
        });
        i
    }

    fn file_by(i: &Intake) -> (String, Option<String>) {
        let d = appeal_dates(i, i.appeal.as_ref().unwrap());
        (d.regime.map(|r| r.id).unwrap_or_default(), d.file_by.and_then(|f| f.by).map(|b| b.to_string()))
    }

    #[test]
    fn every_regime_counts_its_window() {
        use AppealLevel::*;
        use Funding::*;
        use PlanType::*;
        let cases = [
            // ERISA: 180 days from receipt; the receipt date when given, else the notice date.
            (Ppo, SelfFunded, FirstInternal, "2026-10-02", Some("2026-10-06"), "erisa", "2027-04-04"),
            (Ppo, SelfFunded, FirstInternal, "2026-10-02", None, "erisa", "2027-03-31"),
            (Hmo, FullyInsured, FirstInternal, "2026-10-02", Some("2026-10-06"), "erisa", "2027-04-04"),
            // ACA external review: 4 months from receipt of the final internal denial; month ends clamp.
            (Ppo, SelfFunded, ExternalReview, "2026-10-31", None, "erisa", "2027-02-28"),
            (Ppo, SelfFunded, ExternalReview, "2027-10-31", None, "erisa", "2028-02-29"),
            (Marketplace, Unknown, FirstInternal, "2026-10-02", None, "aca-individual", "2027-03-31"),
            // Medicare Part D and Advantage: 65 days from the notice date, whatever the receipt.
            (
                MedicarePartD,
                Government,
                FirstInternal,
                "2026-10-02",
                Some("2026-10-20"),
                "medicare-part-d",
                "2026-12-06",
            ),
            (
                MedicareAdvantage,
                Government,
                FirstInternal,
                "2026-11-02",
                Some("2026-11-06"),
                "medicare-advantage",
                "2027-01-06",
            ),
            (MedicareAdvantage, Government, FirstInternal, "2027-12-31", None, "medicare-advantage", "2028-03-05"),
            // Medicaid managed care: 60 days to the plan; the fair hearing is the next step.
            (MedicaidManagedCare, Government, FirstInternal, "2028-01-01", None, "medicaid-managed-care", "2028-03-01"),
            (Medicare, Government, FirstInternal, "2026-10-02", Some("2026-10-07"), "medicare", "2027-02-04"),
            (Medicaid, Government, FirstInternal, "2026-10-02", None, "medicaid", "2026-12-31"),
        ];
        for (plan, funding, level, denial, received, regime, expected) in cases {
            let i = intake(plan, funding, level, denial, received, false);
            assert_eq!(
                file_by(&i),
                (regime.to_string(), Some(expected.to_string())),
                "{plan:?} {funding:?} {level:?} {denial}"
            );
        }
        let unknown = intake(PlanType::Other, Funding::Unknown, AppealLevel::FirstInternal, "2026-10-02", None, false);
        assert_eq!(file_by(&unknown), (String::new(), None), "no regime: the notice governs");
    }

    #[test]
    fn decisions_late_filing_and_the_next_step() {
        let i = intake(PlanType::Ppo, Funding::SelfFunded, AppealLevel::FirstInternal, "2026-10-02", None, true);
        let d = appeal_dates(&i, i.appeal.as_ref().unwrap());
        assert_eq!(
            d.decision_by.unwrap().by.unwrap().to_string(),
            "2026-11-23",
            "72 hours after the 2026-11-20 request"
        );
        assert!(d.next.unwrap().rule.contains("within 4 months"));
        assert!(!d.late);
        let late =
            intake(PlanType::MedicarePartD, Funding::Government, AppealLevel::FirstInternal, "2026-09-01", None, false);
        let d = appeal_dates(&late, late.appeal.as_ref().unwrap());
        assert_eq!(d.file_by.unwrap().by.unwrap().to_string(), "2026-11-05");
        assert!(d.late, "filed 2026-11-20, after 2026-11-05");
        assert_eq!(d.decision_by.unwrap().by.unwrap().to_string(), "2026-11-27", "7 days standard");
        let mut ma = intake(
            PlanType::MedicareAdvantage,
            Funding::Government,
            AppealLevel::FirstInternal,
            "2026-11-02",
            None,
            false,
        );
        ma.request.benefit = Some(Benefit::Medical);
        let d = appeal_dates(&ma, ma.appeal.as_ref().unwrap());
        assert_eq!(d.decision_by.unwrap().by.unwrap().to_string(), "2026-11-27", "a Part B drug: 7 days");
        ma.request.benefit = Some(Benefit::Pharmacy);
        let d = appeal_dates(&ma, ma.appeal.as_ref().unwrap());
        assert_eq!(d.decision_by.unwrap().by.unwrap().to_string(), "2026-12-20", "otherwise 30 days");
    }

    #[test]
    fn the_calendar_is_valid_and_names_no_one() {
        let i = intake(PlanType::Ppo, Funding::SelfFunded, AppealLevel::FirstInternal, "2026-10-02", None, false);
        let d = appeal_dates(&i, i.appeal.as_ref().unwrap());
        let ics = calendar(&d, Some("UM-1; x"), i.request.date, "abc");
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
        assert!(ics.contains("DTSTART;VALUE=DATE:20270331\r\nDTEND;VALUE=DATE:20270401"));
        assert!(ics.contains("(ref. UM-1\\; x)"));
        assert!(!ics.contains(&i.patient.last_name));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "folded at 75 octets: {line}");
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("DESCRIPTION:if the plan receives the appeal on 2026-11-20"), "{unfolded}");
        let long = calendar(&d, Some(&"é\u{1b}".repeat(60)), i.request.date, "abc");
        assert!(long.split("\r\n").all(|l| l.len() <= 75) && !long.contains('\u{1b}'));
    }
}
