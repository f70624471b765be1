//! An appeal under the patient's own plan rules: the step and its level, what
//! the letter asks for, who may file, what follows, the physician's statement of
//! urgency, and a Medicare appointment of representative.

use serde::Serialize;

use crate::assess::Facts;
use crate::intake::{AppealLevel, DenialBasis, Indication, Intake, Urgency};
use crate::reference::regimes::{self, Regime};

/// An appeal.
#[derive(Clone, Debug, Serialize)]
pub struct Appeal {
    /// The step, in words: `reconsideration`, `internal appeal`.
    pub step: String,
    /// Its level, in words.
    pub level: String,
    /// The letter's title: `Request for reconsideration`.
    pub title: String,
    /// Whether this is external review.
    pub external: bool,
    /// The date on the denial notice.
    pub denial_date: String,
    /// When it was received.
    pub received_date: Option<String>,
    /// The plan's reference.
    pub reference: Option<String>,
    /// The denial reason, quoted.
    pub denial_reason: Option<String>,
    /// The basis, as an id.
    pub basis: String,
    /// The kind of plan, in words.
    pub plan_kind: Option<String>,
    /// The rules that govern the appeal.
    pub law: Option<String>,
    /// What the letter asks for, in order.
    pub requests: Vec<String>,
    /// The last day to file, ISO and in words.
    pub file_by: Option<String>,
    /// The same, in words.
    pub file_by_long: Option<String>,
    /// How the day was counted.
    pub file_rule: Option<String>,
    /// Filed after the last day.
    pub late: bool,
    /// When the decision is due, ISO and in words.
    pub decision_by: Option<String>,
    /// The same, in words.
    pub decision_by_long: Option<String>,
    /// The decision timelines in words.
    pub decision_rule: Option<String>,
    /// What happens after an upheld decision, for the patient.
    pub after_upheld: Option<String>,
    /// Who may file, under these rules (the clinic's worksheet).
    pub provider_filing: Option<String>,
    /// The provider's own right to file, stated to the plan, where the rules give one.
    pub standing: Option<String>,
    /// The representative form these rules need, for a provider or representative filing.
    pub representative_form: Option<String>,
    /// The rule that makes a physician's statement of urgency decide it, when there is one.
    pub urgency_rule: Option<String>,
    /// Whether an expedited appeal may be asked by phone, and that rule.
    pub by_phone: Option<String>,
    /// External review at the same time as an expedited internal appeal, when allowed.
    pub concurrent_external: Option<String>,
    /// Keeping benefits during the appeal, where the rules allow it.
    pub continued_benefits: Option<String>,
    /// The appellant's appointed representative, for a Medicare appeal.
    pub appointment: Option<Appointment>,
}

/// The elements CMS-1696 asks for (42 CFR 405.910(c)), for a written appointment.
#[derive(Clone, Debug, Serialize)]
pub struct Appointment {
    /// The beneficiary's name.
    pub beneficiary: String,
    /// The beneficiary's Medicare (member) number.
    pub number: String,
    /// The representative's name.
    pub name: String,
    /// Their address.
    pub address: Option<String>,
    /// Their phone.
    pub phone: Option<String>,
    /// Their relationship or professional status.
    pub relationship: Option<String>,
}

/// The regime a plan follows.
pub fn regime(intake: &Intake) -> Option<&'static Regime> {
    regimes::regime_for(intake.payer.plan_type, intake.payer.funding)
}

/// Whether the indication is a mental-health condition (parity law's reach).
fn mental_health(intake: &Intake) -> bool {
    !matches!(intake.request.indication, Indication::ChronicPain | Indication::Other)
}

/// The appeal, when the request is one.
pub fn appeal(intake: &Intake, facts: &Facts, therapy: &str, contact: Option<&str>) -> Option<Appeal> {
    let a = intake.appeal.as_ref()?;
    let dates = facts.appeal.as_ref()?;
    let r = dates.regime.as_ref();
    let external = a.level == AppealLevel::ExternalReview;
    let step = dates.step.clone().unwrap_or_else(|| match a.level {
        AppealLevel::FirstInternal => "appeal".into(),
        AppealLevel::SecondInternal => "second-level appeal".into(),
        AppealLevel::ExternalReview => "external review".into(),
    });
    let expedited = intake.request.urgency == Some(Urgency::Expedited);
    let mut requests = vec![if external {
        format!("overturn the plan's denial and find {therapy} medically necessary as requested")
    } else {
        format!("reverse the denial and authorize {therapy} as requested")
    }];
    if !external {
        let peer = r.and_then(|r| r.requests.peer_to_peer.clone()).or_else(|| {
            r.is_none().then(|| {
                "a peer-to-peer discussion with a reviewer of the same specialty as the treating clinician".into()
            })
        });
        if a.request_peer_to_peer == Some(true)
            && let Some(p) = peer
        {
            let who = match a.appellant {
                crate::intake::Appellant::Provider => "I can",
                crate::intake::Appellant::Patient => "my doctor can",
                crate::intake::Appellant::Representative => "the prescriber can",
            };
            requests.push(match contact {
                Some(c) => format!("{p}; {who} be reached at {c}"),
                None => p,
            });
        }
        if a.request_claim_file != Some(false) {
            requests.push(r.map(|r| r.requests.claim_file.clone()).unwrap_or_else(|| {
                "free of charge, a copy of the claim file and of the criteria the plan relied on".into()
            }));
        }
        if let Some(x) = r.and_then(|r| r.requests.reviewers.clone()) {
            requests.push(x);
        }
    }
    if expedited {
        let within = r.map(|r| r.urgency.decision.clone()).unwrap_or_else(|| "72 hours".into());
        requests.push(format!("expedited handling, with a decision within {within}: waiting the standard time could seriously jeopardize the patient's life, health or ability to regain maximum function"));
    }
    if !external && r.is_some_and(|r| r.requests.parity) && mental_health(intake) {
        let reason = match a.denial_basis {
            DenialBasis::Experimental | DenialBasis::BenefitExclusion => {
                "the exclusion applied to this mental-health treatment"
            }
            _ => "the prior-authorization requirements applied to this mental-health benefit",
        };
        requests.push(format!(
            "the plan's comparative analysis of the nonquantitative treatment limitations, including {reason}, as the Mental Health Parity and Addiction Equity Act requires"
        ));
    }
    if !external && let Some(x) = r.and_then(|r| r.requests.external_review_notice.clone()) {
        requests.push(x);
    }
    let requests: Vec<String> = requests.iter().map(|r| crate::words::capitalized(r)).collect();
    let title = match (step.as_str(), external) {
        (_, true) => format!("Request for {step}"),
        ("internal appeal", _) => "Appeal of a denial".to_string(),
        (s, _) => format!("Request for {s}"),
    };
    let medicare = r.is_some_and(|r| r.id.starts_with("medicare"));
    let appointment =
        a.representative.as_ref().filter(|_| medicare && a.appellant == crate::intake::Appellant::Representative).map(
            |rep| Appointment {
                beneficiary: format!("{} {}", intake.patient.first_name, intake.patient.last_name),
                number: intake.patient.member_id.clone(),
                name: rep.name.clone(),
                address: super::people::one_line(rep.address.as_ref()),
                phone: rep.phone.clone(),
                relationship: rep.relationship.clone(),
            },
        );
    let concurrent =
        r.and_then(|r| r.external_review.as_ref()).filter(|x| x.concurrent_expedited && expedited && !external);
    Some(Appeal {
        level: dates.level.clone().unwrap_or_else(|| step.clone()),
        step,
        title,
        external,
        denial_date: a.denial_date.to_string(),
        received_date: a.received_date.map(|d| d.to_string()),
        reference: a.reference_number.clone(),
        denial_reason: a.denial_reason.clone(),
        basis: crate::policy::serde_label(&a.denial_basis),
        plan_kind: r.map(|r| r.name.clone()),
        law: r.map(|r| match (&r.external_review, external) {
            (Some(x), true) => x.law.clone(),
            _ => r.law.clone(),
        }),
        requests,
        file_by: dates.file_by.as_ref().and_then(|f| f.by).map(|d| d.to_string()),
        file_by_long: dates.file_by.as_ref().and_then(|f| f.by).map(|d| d.long()),
        file_rule: dates.file_by.as_ref().map(|f| f.rule.clone()),
        late: dates.late,
        decision_by: dates.decision_by.as_ref().and_then(|f| f.by).map(|d| d.to_string()),
        decision_by_long: dates.decision_by.as_ref().and_then(|f| f.by).map(|d| d.long()),
        decision_rule: dates.decision_by.as_ref().map(|f| f.rule.clone()),
        after_upheld: r.map(|r| r.after_upheld.clone()).filter(|_| !external),
        provider_filing: r.map(|r| r.filing.provider.clone()),
        standing: r.and_then(|r| r.filing.standing.clone()),
        representative_form: r.map(|r| r.filing.representative_form.clone()),
        urgency_rule: r.filter(|r| r.urgency.physician_decides).map(|r| r.urgency.rule.clone()),
        by_phone: r.filter(|r| r.urgency.by_phone && expedited).and_then(|r| r.urgency.phone_rule.clone()),
        concurrent_external: concurrent
            .map(|x| format!("{} can be asked at the same time as the expedited appeal ({})", x.name, x.law)),
        continued_benefits: r.and_then(|r| r.continued_benefits.clone()),
        appointment,
    })
}
