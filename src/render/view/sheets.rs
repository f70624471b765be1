//! The two documents that are not sent to the plan: the patient's next-steps
//! sheet (the one deadline and clock that apply, where to get help, what it will
//! cost) and the clinic's preparation worksheet (every status, hint, warning,
//! the counter-evidence, the profile's provenance, other readings, the to-do list).

use serde::Serialize;

use super::appeal::Appeal;
use super::billing::{self, CostView};
use super::{DocumentRef, Enclosure};
use crate::intake::{Appellant, Intake, Phase, PlanType, RequestKind, Therapy, Urgency};
use crate::policy::{Evaluation, PolicyProfile, Status};
use crate::reading::Reading;
use crate::reference::{self, regimes};

/// The profile's provenance, for the clinic.
#[derive(Clone, Debug, Serialize)]
pub struct Policy {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it models.
    pub source: String,
    /// Where that was read.
    pub url: Option<String>,
    /// When it was checked.
    pub as_of: String,
    /// How sure it is.
    pub note: Option<String>,
    /// More than a year older than the request.
    pub stale: bool,
    /// Its usual approval length.
    pub authorization_period: Option<String>,
    /// The overall verdict in words.
    pub overall: &'static str,
    /// Criteria met.
    pub met: usize,
    /// Criteria in all.
    pub total: usize,
}

/// The profile's provenance.
pub fn policy(e: &Evaluation, profile: &PolicyProfile) -> Policy {
    Policy {
        id: e.id.clone(),
        title: e.title.clone(),
        source: profile.source.name.clone(),
        url: profile.source.url.clone(),
        as_of: e.source.as_of.to_string(),
        note: profile.source.note.clone(),
        stale: e.stale,
        authorization_period: e.authorization_period.clone(),
        overall: e.overall.label(),
        met: e.criteria.iter().filter(|c| c.status == Status::Met).count(),
        total: e.criteria.len(),
    }
}

/// A help line.
#[derive(Clone, Debug, Serialize)]
pub struct Help {
    /// Who.
    pub name: String,
    /// How to reach them.
    pub how: Option<String>,
}

/// A date the patient must know.
#[derive(Clone, Debug, Serialize)]
pub struct KeyDate {
    /// What it is.
    pub what: String,
    /// The day, in words.
    pub when: String,
    /// How it was counted.
    pub note: String,
}

/// The patient's sheet.
#[derive(Clone, Debug, Serialize)]
pub struct NextSteps {
    /// Whether the packet holds the calendar of its dates (`deadlines.ics`).
    pub calendar: bool,
    /// What is in the packet: document titles and enclosure titles.
    pub contents: Vec<String>,
    /// Where the packet goes, in a sentence.
    pub where_it_goes: String,
    /// Who sends it.
    pub who_sends: String,
    /// The dates that apply.
    pub dates: Vec<KeyDate>,
    /// What to do right away.
    pub now: Vec<String>,
    /// What to do if the answer is no.
    pub if_no: Vec<String>,
    /// Keeping benefits during an appeal, where that applies.
    pub continued_benefits: Option<String>,
    /// Where to get help.
    pub help: Vec<Help>,
    /// The crisis line, when the record shows suicidal ideation or risk.
    pub crisis: Option<Help>,
    /// The cost estimate, or why there is none.
    pub cost: Option<Result<CostView, String>>,
    /// The manufacturer's program, when it can apply.
    pub savings: Option<String>,
    /// For a claim: what the explanation of benefits will show.
    pub eob: Option<String>,
    /// What to ask for next, and when.
    pub next_request: Option<String>,
}

/// Whether the plan is government insurance (savings programs exclude it).
fn government(intake: &Intake) -> bool {
    use PlanType::*;
    matches!(
        intake.payer.plan_type,
        Some(MedicareAdvantage | MedicarePartD | Medicare | Medicaid | MedicaidManagedCare)
    ) || intake.payer.funding == Some(crate::intake::Funding::Government)
}

/// The patient's sheet.
pub fn next_steps(
    reading: &Reading,
    appeal: Option<&Appeal>,
    documents: &[DocumentRef],
    enclosures: &[Enclosure],
) -> NextSteps {
    let intake = &reading.checked.intake;
    let facts = &reading.facts;
    let r = &intake.request;
    let regime = regimes::regime_for(intake.payer.plan_type, intake.payer.funding);
    let pa = intake.payer.prior_authorization.as_ref();
    let mut contents: Vec<String> = documents
        .iter()
        .filter(|d| !matches!(d.name, "preparation-worksheet.md" | "next-steps.md"))
        .map(|d| d.title.clone())
        .collect();
    contents.extend(enclosures.iter().map(|e| {
        if e.faxed {
            e.title.clone()
        } else {
            format!("{} (not in the fax: send it by the plan's portal or by mail)", e.title)
        }
    }));
    let plan = &intake.payer.name;
    let claims = intake.payer.claims.as_ref();
    let where_it_goes = if r.kind == RequestKind::Claim {
        match (
            claims.and_then(|c| super::people::one_line(c.address.as_ref())),
            claims.and_then(|c| c.fax.clone()),
            claims.and_then(|c| c.portal.clone()),
        ) {
            (Some(a), _, _) => format!(
                "Mail the claim (the cover sheet, the superbill, the letter and the records, in the file fax-combined.pdf printed) to {plan}, Claims, {a}."
            ),
            (None, Some(f), _) => format!("Fax the file fax-combined.pdf to {plan}'s claims department at {f}."),
            (None, None, Some(p)) => format!("Upload the file fax-combined.pdf through {plan}'s claims portal, {p}."),
            _ => format!(
                "Ask {plan} where member claims go: the packet does not say. The number is on the back of your member card."
            ),
        }
    } else {
        match (pa.and_then(|p| p.fax.clone()), pa.and_then(|p| p.portal.clone())) {
            (Some(f), _) => {
                format!("The file fax-combined.pdf (everything the plan reads, in order) is faxed to {plan} at {f}.")
            }
            (None, Some(p)) => format!("The file fax-combined.pdf is uploaded to {plan} through {p}."),
            _ => format!("Ask {plan} where to send it: the packet does not say."),
        }
    };
    let who_sends = match (r.kind, appeal.map(|_| intake.appeal.as_ref().map(|a| a.appellant))) {
        (RequestKind::Claim, _) => "You send the claim: it asks the plan to pay you back.".to_string(),
        (RequestKind::Appeal, Some(Some(Appellant::Patient))) => {
            "You send this appeal yourself; your doctor's letter of support is enclosed.".to_string()
        }
        (RequestKind::Appeal, Some(Some(Appellant::Representative))) => {
            "Your representative sends this appeal for you.".to_string()
        }
        _ => "Your clinic sends it.".to_string(),
    };
    let mut dates = Vec::new();
    if let Some(a) = appeal {
        if let (Some(when), Some(rule)) = (&a.file_by_long, &a.file_rule) {
            let late = if a.late { " That day has passed: send the appeal now and say why it is late." } else { "" };
            dates.push(KeyDate {
                what: format!("Last day to ask for the {}", a.step),
                when: when.clone(),
                note: format!("{rule}.{late}"),
            });
        }
        if let (Some(when), Some(rule)) = (&a.decision_by_long, &a.decision_rule) {
            dates.push(KeyDate {
                what: "A decision is due".into(),
                when: when.clone(),
                note: format!("{}.", crate::words::capitalized(rule)),
            });
        }
    }
    if let Some(t) = &facts.continuation {
        dates.push(KeyDate {
            what: "Your current authorization ends".into(),
            when: t.authorized_through.long(),
            note: format!("A standard decision may take until {} ({}).", t.standard_decision_by.long(), t.rule),
        });
    }
    if let Some(c) = &facts.claim {
        match (c.file_by, c.limit_days, c.first_service) {
            (Some(by), Some(days), Some(first)) => dates.push(KeyDate {
                what: "Last day to file this claim".into(),
                when: by.long(),
                note: format!("The plan allows {days} days from the date of service; the first date of service is {first}."),
            }),
            _ => dates.push(KeyDate {
                what: "Last day to file this claim".into(),
                when: "not known".into(),
                note: "Ask the plan for its claim-filing limit: it is usually counted from the date of service (commonly 90 to 365 days; Medicare: 12 months). Send the claim soon.".into(),
            }),
        }
    }
    if appeal.is_none() && r.kind != RequestKind::Claim {
        let (standard, expedited, rule) = crate::assess::deadlines::request_clock(intake);
        let days = if r.urgency == Some(Urgency::Expedited) { expedited } else { standard };
        dates.push(KeyDate {
            what: "A decision is usually due within".into(),
            when: if days <= 3 { format!("{} hours", days * 24) } else { format!("{days} days") },
            note: format!("{rule}; the plan's letter will say."),
        });
    }
    let mut now = Vec::new();
    if r.urgency == Some(Urgency::Expedited) {
        let phone = pa.and_then(|p| p.phone.clone()).map(|p| format!(" at {p}")).unwrap_or_default();
        now.push(format!("Call {plan}{phone} today and ask for an expedited (fast) review. Say that waiting could seriously harm your health; your doctor's statement is enclosed."));
        if let Some(c) = appeal.and_then(|a| a.concurrent_external.clone()) {
            now.push(format!("You can also ask for an expedited external review now: {c}."));
        }
    }
    if let Some(a) = appeal.filter(|a| a.appointment.is_some()) {
        now.push(format!("Sign and date the appointment of representative naming {}, and have them sign it too; it goes with the appeal.", a.appointment.as_ref().map(|x| x.name.as_str()).unwrap_or("your representative")));
    }
    let mut if_no = Vec::new();
    match (appeal, regime) {
        (Some(a), _) if a.external => if_no.push("The external reviewer's decision is binding on the plan. If it says no, ask your doctor and the plan what else can be covered.".to_string()),
        (Some(a), _) => if_no.extend(a.after_upheld.clone()),
        (None, Some(g)) if r.kind != RequestKind::Claim => {
            let step = g.step(crate::intake::AppealLevel::FirstInternal);
            let window = g.file_within.days.map(|d| format!("{d} days")).or(g.file_within.months.map(|m| format!("{m} months"))).unwrap_or_default();
            if_no.push(format!(
                "Ask for the reason in writing, and for the criteria the plan used; they are free. Then ask for {} ({}) within {window} of the notice: your clinic can do this for you.",
                crate::words::a(&step.name),
                step.level
            ));
            if_no.push(format!("If the {} upholds the denial: {}", step.name, g.after_upheld.trim()));
        }
        (None, Some(g)) => {
            let step = g.step(crate::intake::AppealLevel::FirstInternal);
            if_no.push(format!(
                "If the plan denies the claim, its explanation of benefits says why. You can ask for {} of a denied claim; your clinic or you can prepare it from the same record.",
                crate::words::a(&step.name)
            ));
        }
        (None, None) => if_no.push("Ask for the reason in writing and for the criteria the plan used, then appeal: the denial letter says how and by when.".to_string()),
    }
    if_no.push("Keep a log of every call with the plan: the date and time, who you spoke with, the reference number, and what was said.".into());
    let mut help: Vec<Help> = regime
        .map(|g| {
            g.help
                .iter()
                .map(|h| Help {
                    name: h.name.clone(),
                    how: match (&h.phone, &h.web) {
                        (Some(p), Some(w)) => Some(format!("{p}, {w}")),
                        (Some(p), None) => Some(p.clone()),
                        (None, Some(w)) => Some(w.clone()),
                        (None, None) => None,
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    if help.is_empty() {
        help.push(Help { name: "your state's department of insurance".into(), how: None });
    }
    let crisis = facts.suicidal.then(|| {
        let c = regimes::crisis();
        Help { name: c.name.clone(), how: Some(c.how.clone()) }
    });
    let savings = (r.therapy == Therapy::EsketamineNasal && !government(intake)).then(|| {
        let p = &reference::labels().esketamine_savings;
        format!("{} is {}. It is for {}.", p.name, p.what, p.who)
    });
    let eob = (r.kind == RequestKind::Claim).then(|| {
        "The plan answers with an explanation of benefits (EOB) for each date of service: what it allowed, what it paid you, and what is left for you to pay (the deductible, coinsurance or copay). Keep it: it is what you appeal from if a line is denied.".to_string()
    });
    let next_request = r.regimen.as_ref().filter(|g| g.phase == Some(Phase::Induction) && r.kind == RequestKind::Initial).map(|g| {
        let end = g.end.map(|d| format!(" ({})", d.long())).unwrap_or_default();
        "Near the end of induction".to_string() + &end + ", your doctor scores your symptoms again on the same scale and asks the plan to continue (maintenance) before this authorization runs out."
    });
    NextSteps {
        // The package writes the calendar exactly when there are dated events.
        calendar: !facts.deadlines().is_empty(),
        contents,
        where_it_goes,
        who_sends,
        dates,
        now,
        if_no,
        continued_benefits: appeal.and_then(|a| a.continued_benefits.clone()),
        help,
        crisis,
        cost: facts.cost.as_ref().map(billing::cost_view),
        savings,
        eob,
        next_request,
    }
}

/// A warning as the worksheet lists it.
#[derive(Clone, Debug, Serialize)]
pub struct Warning {
    /// The YAML path.
    pub path: String,
    /// The line.
    pub line: Option<u32>,
    /// What it says.
    pub message: String,
    /// What would fix it.
    pub hints: Vec<String>,
}

/// The clinic's worksheet.
#[derive(Clone, Debug, Serialize)]
pub struct Worksheet {
    /// Every warning.
    pub warnings: Vec<Warning>,
    /// Other bundled profiles' readings of the same trials.
    pub other_readings: Vec<crate::policy::OtherReading>,
    /// The to-do list.
    pub todo: Vec<String>,
}

/// The clinic's worksheet.
pub fn worksheet(
    reading: &Reading,
    appeal: Option<&Appeal>,
    enclosures: &[Enclosure],
    policies: &crate::policy::PolicySet,
) -> Worksheet {
    let intake = &reading.checked.intake;
    let r = &intake.request;
    let pa = intake.payer.prior_authorization.as_ref();
    let mut todo = Vec::new();
    let signer = match crate::render::view::people::voice(intake) {
        "patient" => "the patient".to_string(),
        "representative" => "the patient's representative".to_string(),
        _ => format!("{} {}", intake.prescriber.first_name, intake.prescriber.last_name),
    };
    todo.push(format!("Sign and date the letter: {signer}."));
    if r.urgency == Some(Urgency::Expedited) && r.kind != RequestKind::Claim {
        todo.push("Sign the physician's statement of urgency (the prescriber), and call the plan to ask for expedited review.".into());
    }
    for e in enclosures {
        todo.push(format!(
            "Enclosure {} is attached: {}{}.",
            e.number,
            e.title,
            if e.faxed { "" } else { " (not in the fax: send it separately)" }
        ));
    }
    if enclosures.is_empty() {
        todo.push("No records are enclosed: plans usually return requests that arrive without chart notes.".into());
    }
    match (r.kind, pa.and_then(|p| p.fax.clone()), pa.and_then(|p| p.portal.clone())) {
        (RequestKind::Claim, ..) => todo.push(
            "The patient mails or faxes the claim to the plan's claims department (see the patient's sheet).".into(),
        ),
        (_, Some(f), _) => {
            todo.push(format!("Fax fax-combined.pdf to {f}, cover sheet first, and keep the transmission report."))
        }
        (_, None, Some(p)) => todo.push(format!("Upload fax-combined.pdf through {p} and keep the confirmation.")),
        _ => todo
            .push("Find where the plan takes prior-authorization requests: the intake gives no fax or portal.".into()),
    }
    if matches!(intake.payer.plan_type, Some(PlanType::Hmo | PlanType::Pos)) {
        todo.push(if intake.payer.referral_on_file == Some(true) {
            "The primary-care referral is on file.".into()
        } else {
            "Get the primary-care referral this plan type requires.".into()
        });
    }
    if let (Some(a), Some(app)) = (appeal, intake.appeal.as_ref()) {
        match (app.appellant, &a.provider_filing, &a.representative_form) {
            (Appellant::Provider, Some(rule), Some(form)) if a.standing.is_none() => {
                todo.push(format!("{rule} Needed here: {form}."))
            }
            (Appellant::Provider, Some(rule), _) => todo.push(format!("Filing: {rule}")),
            (Appellant::Representative, _, Some(form)) if a.appointment.is_none() => {
                todo.push(format!("A representative files: enclose {form}."))
            }
            _ => {}
        }
        if let Some(by) = &a.file_by {
            todo.push(format!("Send before {by}."));
        }
    }
    todo.push("Write down the date sent and any reference number the plan gives.".into());
    let warnings = reading
        .warnings
        .iter()
        .map(|d| Warning { path: d.path.clone(), line: d.line, message: d.message.clone(), hints: d.hints.clone() })
        .collect();
    let other_readings = crate::policy::other_readings(&reading.checked.profile, policies, intake, &reading.facts);
    Worksheet { warnings, other_readings, todo }
}
