//! Every regime's window and clock, late filing, external review, continuations and claims.

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
    let text = include_str!("../../../samples/esketamine-trd-initial/intake.yaml");
    let mut i = load_intake(text).unwrap().intake;
    i.payer.plan_type = Some(plan);
    i.payer.funding = Some(funding);
    i.request.kind = RequestKind::Appeal;
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
        representative: None,
    });
    i
}

fn dates(i: &Intake) -> AppealDates {
    appeal_dates(i, i.appeal.as_ref().unwrap())
}

fn file_by(i: &Intake) -> (String, Option<String>) {
    let d = dates(i);
    (d.regime.map(|r| r.id).unwrap_or_default(), d.file_by.and_then(|f| f.by).map(|b| b.to_string()))
}

#[test]
fn every_regime_counts_its_window() {
    use AppealLevel::*;
    use Funding::*;
    use PlanType::*;
    let cases = [
        // ERISA: 180 days from receipt; the receipt date when given, else the notice date.
        (Ppo, SelfFunded, FirstInternal, "2026-10-02", Some("2026-10-06"), "erisa-self-funded", "2027-04-04"),
        (Ppo, SelfFunded, FirstInternal, "2026-10-02", None, "erisa-self-funded", "2027-03-31"),
        (Hmo, FullyInsured, FirstInternal, "2026-10-02", Some("2026-10-06"), "employer-fully-insured", "2027-04-04"),
        // External review: 4 months from receipt of the final internal denial; month ends clamp.
        (Ppo, SelfFunded, ExternalReview, "2026-10-31", None, "erisa-self-funded", "2027-02-28"),
        (Ppo, SelfFunded, ExternalReview, "2027-10-31", None, "erisa-self-funded", "2028-02-29"),
        (Marketplace, Unknown, FirstInternal, "2026-10-02", None, "aca-marketplace", "2027-03-31"),
        // Medicare Part D and Advantage: 65 days from the notice date, whatever the receipt.
        (MedicarePartD, Government, FirstInternal, "2026-10-02", Some("2026-10-20"), "medicare-part-d", "2026-12-06"),
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
        // Medicaid managed care: 60 days to the plan.
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
fn each_regime_names_its_step() {
    let ma =
        intake(PlanType::MedicareAdvantage, Funding::Government, AppealLevel::FirstInternal, "2026-11-02", None, false);
    assert_eq!(dates(&ma).step.as_deref(), Some("reconsideration"));
    let d = intake(PlanType::MedicarePartD, Funding::Government, AppealLevel::FirstInternal, "2026-11-02", None, false);
    assert_eq!(dates(&d).step.as_deref(), Some("redetermination"));
    let mc = intake(
        PlanType::MedicaidManagedCare,
        Funding::Government,
        AppealLevel::SecondInternal,
        "2026-11-02",
        None,
        false,
    );
    assert_eq!(dates(&mc).step.as_deref(), Some("State fair hearing"));
}

#[test]
fn decisions_late_filing_and_external_review() {
    let i = intake(PlanType::Ppo, Funding::SelfFunded, AppealLevel::FirstInternal, "2026-10-02", None, true);
    let d = dates(&i);
    assert_eq!(d.decision_by.unwrap().by.unwrap().to_string(), "2026-11-23", "72 hours after the 2026-11-20 request");
    assert!(!d.late);
    let late =
        intake(PlanType::MedicarePartD, Funding::Government, AppealLevel::FirstInternal, "2026-09-01", None, false);
    let d = dates(&late);
    assert_eq!(d.file_by.unwrap().by.unwrap().to_string(), "2026-11-05");
    assert!(d.late, "filed 2026-11-20, after 2026-11-05");
    assert_eq!(d.decision_by.unwrap().by.unwrap().to_string(), "2026-11-27", "7 days standard");
    let mut ma =
        intake(PlanType::MedicareAdvantage, Funding::Government, AppealLevel::FirstInternal, "2026-11-02", None, false);
    ma.request.benefit = Some(Benefit::Medical);
    assert_eq!(dates(&ma).decision_by.unwrap().by.unwrap().to_string(), "2026-11-27", "a Part B drug: 7 days");
    ma.request.benefit = Some(Benefit::Pharmacy);
    assert_eq!(dates(&ma).decision_by.unwrap().by.unwrap().to_string(), "2026-12-20", "otherwise 30 days");
    // External review: 45 days standard, 72 hours expedited, from the request.
    let x = intake(PlanType::Ppo, Funding::SelfFunded, AppealLevel::ExternalReview, "2026-11-01", None, false);
    let d = dates(&x);
    assert_eq!(d.decision_by.as_ref().unwrap().by.unwrap().to_string(), "2027-01-04", "45 days after 2026-11-20");
    assert!(d.decision_by.unwrap().rule.contains("29 CFR 2590.715-2719"), "a self-funded plan's external review");
    let x = intake(PlanType::Ppo, Funding::SelfFunded, AppealLevel::ExternalReview, "2026-11-01", None, true);
    assert_eq!(dates(&x).decision_by.unwrap().by.unwrap().to_string(), "2026-11-23", "72 hours");
}

#[test]
fn a_continuation_that_cannot_be_decided_in_time_is_flagged() {
    let text = include_str!("../../../samples/esketamine-trd-initial/intake.yaml");
    let mut i = load_intake(text).unwrap().intake;
    i.request.kind = RequestKind::Continuation;
    i.request.authorized_through = Some(Date::parse("2026-11-21").unwrap());
    let t = continuation_timing(&i).unwrap();
    assert!(t.at_risk, "15 days standard from 2026-11-20 ends after 2026-11-21");
    assert_eq!(t.expedited_decision_by.to_string(), "2026-11-23");
    let w = continuation_warning(&t, &i, &Positions::new()).unwrap();
    assert!(w.message.contains("2026-11-21") && w.hints[0].contains("send at once"), "{w:?}");
    i.request.authorized_through = Some(Date::parse("2026-11-30").unwrap());
    let t = continuation_timing(&i).unwrap();
    let w = continuation_warning(&t, &i, &Positions::new()).unwrap();
    assert!(w.hints[0].contains("expedited review (decided by 2026-11-23)"), "{w:?}");
    i.request.authorized_through = Some(Date::parse("2026-12-31").unwrap());
    assert!(!continuation_timing(&i).unwrap().at_risk);
}

#[test]
fn the_calendar_is_valid_folded_and_names_no_one() {
    let i = intake(PlanType::Ppo, Funding::SelfFunded, AppealLevel::FirstInternal, "2026-10-02", None, false);
    let d = dates(&i);
    let events: Vec<&Deadline> = [&d.file_by, &d.decision_by].into_iter().flatten().collect();
    let ics = calendar(&events, Some("UM-1; x"), i.request.date, "abc");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
    assert!(ics.contains("DTSTART;VALUE=DATE:20270331\r\nDTEND;VALUE=DATE:20270401"));
    assert!(ics.replace("\r\n ", "").contains("(ref. UM-1\\; x)"));
    assert!(!ics.contains(&i.patient.last_name));
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "folded at 75 octets: {line}");
    }
    let long = calendar(&events, Some(&"é\u{1b}".repeat(60)), i.request.date, "abc");
    assert!(long.split("\r\n").all(|l| l.len() <= 75) && !long.contains('\u{1b}'));
}
