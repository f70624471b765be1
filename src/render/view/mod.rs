//! The view: one typed value drawn from the reading, which every template
//! renders. Templates choose words and layout; they never recompute a verdict
//! or reach into the intake for a clinical fact.

mod appeal;
mod billing;
mod clinical;
mod criteria;
mod history;
mod people;
mod request;
mod sheets;

use serde::Serialize;

use crate::Pack;
use crate::intake::RequestKind;
use crate::reading::Reading;
use crate::reference::evidence::Stance;

pub use billing::money;
pub use criteria::{Criterion, Enclosure};

/// How the documents state fax pages: not at all (no PDFs), left to the
/// typesetter as marks it fills in, or counted after the layout.
#[derive(Clone, Debug)]
pub enum Paging {
    /// No PDFs are made.
    None,
    /// The typesetter fills the numbers in as it lays the fax out.
    Typeset,
    /// Counted: the fax's pages, and each record's first fax page.
    Counted {
        /// Pages in the fax.
        fax: usize,
        /// Each record's first fax page (`None`: not faxed).
        records: Vec<Option<usize>>,
    },
}

impl Paging {
    /// The fax's page count as the cover sheet states it.
    fn fax_pages(&self) -> Option<String> {
        match self {
            Paging::None => None,
            Paging::Typeset => Some(crate::pdf::FAX_PAGES_MARK.to_string()),
            Paging::Counted { fax, .. } => Some(fax.to_string()),
        }
    }

    /// A record's fax pages in words: `page 7`, `pages 7-9`.
    fn pages_of(&self, record: usize, count: usize) -> String {
        match self {
            Paging::None => String::new(),
            Paging::Typeset => crate::pdf::enclosure_pages_mark(record, count),
            Paging::Counted { records, .. } => match records.get(record).copied().flatten() {
                Some(first) if count > 1 => format!("fax pages {first}-{}", first + count - 1),
                Some(first) => format!("fax page {first}"),
                None => String::new(),
            },
        }
    }
}

/// A document of the packet.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentRef {
    /// Its file, such as `appeal-letter.md`.
    pub name: &'static str,
    /// Its title.
    pub title: String,
    /// Whether it goes in the fax.
    pub faxed: bool,
}

/// One call with the plan.
#[derive(Clone, Debug, Serialize)]
pub struct Call {
    /// When, `2026-10-05 14:30`.
    pub at: String,
    /// Who was spoken to.
    pub with: Option<String>,
    /// The call's reference.
    pub reference: Option<String>,
    /// What was said.
    pub summary: Option<String>,
}

/// A reference, as the documents cite it.
#[derive(Clone, Debug, Serialize)]
pub struct Reference {
    /// The full citation.
    pub citation: String,
    /// What it found, in one sentence.
    pub finding: String,
}

/// Everything the templates see.
#[derive(Clone, Debug, Serialize)]
pub struct View {
    /// The tool.
    pub tool: String,
    /// initial, continuation, appeal or claim.
    pub kind: &'static str,
    /// The voice: provider, patient or representative.
    pub voice: &'static str,
    /// The request date, ISO and in words.
    pub date: String,
    /// The same, in words.
    pub date_long: String,
    /// The date the criteria were judged as of (a claim's first date of service).
    pub judged_on: String,
    /// Expedited review asked, with its reason.
    pub urgency_reason: Option<String>,
    /// How fast the patient's plan must decide an expedited request or appeal, where known: `72 hours`.
    pub expedited_within: Option<String>,
    /// The patient.
    pub patient: people::Patient,
    /// The prescriber.
    pub prescriber: people::Prescriber,
    /// The site of care.
    pub site: Option<people::Site>,
    /// Where the documents go.
    pub recipient: people::Recipient,
    /// Who sends them and signs.
    pub sender: people::Sender,
    /// What is requested.
    pub request: request::Request,
    /// The diagnoses.
    pub diagnoses: Vec<clinical::Diagnosis>,
    /// The clinical picture: summary, episode, severity, risk, consequences.
    pub clinical: clinical::Clinical,
    /// Safety and monitoring.
    pub safety: clinical::Safety,
    /// The treatment history.
    pub history: history::History,
    /// The rating scales.
    pub scales: Vec<history::Scale>,
    /// Every criterion.
    pub criteria: Vec<Criterion>,
    /// The criteria met.
    pub met: Vec<Criterion>,
    /// The criteria not met, an exception asked for each.
    pub excepted: Vec<Criterion>,
    /// Whether the letter is an exception request.
    pub exception: bool,
    /// The clinical reason the standard does not fit, for an exception.
    pub exception_reason: Option<String>,
    /// The profile, for the clinic's worksheet.
    pub policy: sheets::Policy,
    /// References that support the request.
    pub evidence: Vec<Reference>,
    /// References a reviewer may cite against it (the worksheet only).
    pub against: Vec<Reference>,
    /// The enclosed records.
    pub enclosures: Vec<Enclosure>,
    /// The documents of the packet, in sending order.
    pub documents: Vec<DocumentRef>,
    /// The documents of the fax.
    pub fax_documents: Vec<DocumentRef>,
    /// Pages in the fax, when PDFs are made.
    pub fax_pages: Option<String>,
    /// The appeal, for an appeal.
    pub appeal: Option<appeal::Appeal>,
    /// The superbill, when services were given.
    pub superbill: Option<billing::Superbill>,
    /// The log of calls with the plan.
    pub calls: Vec<Call>,
    /// A scale shows a response or remission.
    pub responded: bool,
    /// The patient's sheet.
    pub next_steps: sheets::NextSteps,
    /// The clinic's worksheet.
    pub worksheet: sheets::Worksheet,
}

impl View {
    /// The view of a reading, stating fax pages as `paging` says.
    pub fn new(reading: &Reading, pack: &Pack, paging: &Paging) -> View {
        let library = &pack.evidence;
        let checked = &reading.checked;
        let intake = &checked.intake;
        let facts = &reading.facts;
        let patient = people::patient(intake, facts.age);
        let prescriber = people::prescriber(intake);
        let voice = people::voice(intake);
        let sender = people::sender(intake, voice, &prescriber, &patient);
        let request = request::request(intake, facts);
        let enclosures = criteria::enclosures(&checked.records, &intake.attachments, paging);
        let criteria = criteria::criteria(&reading.evaluation, &reading.exception, &enclosures);
        let appeal = appeal::appeal(intake, facts, request.therapy, prescriber.phone.as_deref());
        let documents = documents(reading, appeal.as_ref());
        let r = &intake.request;
        let cite = |stance| -> Vec<Reference> {
            library
                .matching(r.therapy, r.indication, stance)
                .into_iter()
                .map(|x| Reference { citation: x.citation.clone(), finding: x.finding.clone() })
                .collect()
        };
        let scales = history::scales(facts, &checked.profile);
        let history = history::history(intake, facts);
        let clinical = clinical::clinical(intake, facts, &scales);
        let superbill = billing::superbill(intake);
        let next_steps = sheets::next_steps(reading, appeal.as_ref(), &documents, &enclosures);
        let worksheet = sheets::worksheet(reading, appeal.as_ref(), &enclosures, &pack.policies);
        View {
            tool: format!("authpack {}", env!("CARGO_PKG_VERSION")),
            kind: match r.kind {
                RequestKind::Initial => "initial",
                RequestKind::Continuation => "continuation",
                RequestKind::Appeal => "appeal",
                RequestKind::Claim => "claim",
            },
            voice,
            date: r.date.to_string(),
            date_long: r.date.long(),
            judged_on: facts.as_of.to_string(),
            urgency_reason: r.urgency_reason.clone().filter(|_| r.urgency == Some(crate::intake::Urgency::Expedited)),
            expedited_within: appeal::regime(intake).and_then(|g| match r.kind {
                RequestKind::Appeal => Some(g.urgency.decision.clone()),
                _ => g.urgency.request_decision.clone(),
            }),
            site: people::site(intake),
            recipient: people::recipient(intake),
            diagnoses: clinical::diagnoses(intake),
            safety: clinical::safety(intake),
            met: criteria.iter().filter(|c| c.met).cloned().collect(),
            excepted: criteria.iter().filter(|c| c.excepted).cloned().collect(),
            exception: !reading.exception.is_empty(),
            exception_reason: r.exception.as_ref().map(|e| e.reason.clone()).filter(|_| !reading.exception.is_empty()),
            policy: sheets::policy(&reading.evaluation, &checked.profile),
            evidence: cite(Stance::Supports),
            // What a reviewer may raise: the studies payers cite, and the limits of those the letter cites.
            against: cite(Stance::Against)
                .into_iter()
                .chain(
                    library
                        .matching(r.therapy, r.indication, Stance::Supports)
                        .into_iter()
                        .filter_map(|x| Some(Reference { citation: x.citation.clone(), finding: x.caveat.clone()? })),
                )
                .collect(),
            fax_documents: documents.iter().filter(|d| d.faxed).cloned().collect(),
            fax_pages: paging.fax_pages(),
            patient,
            prescriber,
            sender,
            request,
            clinical,
            history,
            scales,
            criteria,
            enclosures,
            documents,
            appeal,
            superbill,
            calls: intake
                .calls
                .iter()
                .map(|c| Call {
                    at: c.at.to_string().replace('T', " "),
                    with: c.with.clone(),
                    reference: c.reference.clone(),
                    summary: c.summary.clone(),
                })
                .collect(),
            responded: facts.scales.iter().any(|s| s.response == Some(true) || s.remission == Some(true)),
            next_steps,
            worksheet,
        }
    }
}

/// The documents a reading gets, in sending order: the fax's, then the others.
fn documents(reading: &Reading, appeal: Option<&appeal::Appeal>) -> Vec<DocumentRef> {
    let intake = &reading.checked.intake;
    let exception = !reading.exception.is_empty();
    let doc = |name: &'static str, title: &str, faxed: bool| DocumentRef { name, title: title.to_string(), faxed };
    let mut docs = vec![doc("cover-sheet.md", "Fax cover sheet", true)];
    let and_exception = |t: &str| if exception { format!("{t} and request for an exception") } else { t.to_string() };
    match intake.request.kind {
        RequestKind::Claim => {
            docs.push(doc("superbill.md", "Superbill (itemized statement)", true));
            docs.push(doc("claim-letter.md", "Claim for reimbursement", true));
        }
        RequestKind::Initial => {
            docs.push(doc("letter-of-medical-necessity.md", &and_exception("Letter of medical necessity"), true))
        }
        RequestKind::Continuation => {
            docs.push(doc("continuation-letter.md", &and_exception("Continuation request"), true))
        }
        RequestKind::Appeal => {
            let title = appeal.map(|a| a.title.clone()).unwrap_or_else(|| "Appeal".into());
            docs.push(doc("appeal-letter.md", &and_exception(&title), true));
            // The patient or a representative appeals; the prescriber's support goes with it.
            if intake.appeal.as_ref().is_some_and(|a| a.appellant != crate::intake::Appellant::Provider) {
                let name = people::prescriber(intake).name;
                docs.push(doc("letter-of-support.md", &format!("Letter of support from {name}"), true));
            }
        }
    }
    let regime = appeal::regime(intake);
    let expedited = intake.request.urgency == Some(crate::intake::Urgency::Expedited);
    if expedited && regime.is_some_and(|r| r.urgency.physician_decides) && intake.request.kind != RequestKind::Claim {
        docs.push(doc("urgency-statement.md", "Physician's statement of urgency", true));
    }
    if appeal.is_some_and(|a| a.appointment.is_some()) {
        docs.push(doc("appointment-of-representative.md", "Appointment of representative", true));
    }
    if intake.request.kind != RequestKind::Claim {
        docs.push(doc("criteria-crosswalk.md", "Criteria crosswalk", true));
        docs.push(doc("treatment-history.md", "Treatment history summary", true));
    }
    if intake.request.kind == RequestKind::Appeal && !intake.calls.is_empty() {
        docs.push(doc("call-log.md", "Log of calls with the plan", true));
    }
    if appeal.is_some_and(|a| !a.external)
        && intake.appeal.as_ref().is_some_and(|a| a.request_claim_file != Some(false))
    {
        docs.push(doc("claim-file-request.md", "Request for the claim file and criteria", false));
    }
    let out_of_network = intake.payer.network_status == Some(crate::intake::NetworkStatus::OutOfNetwork);
    if intake.request.kind != RequestKind::Claim && out_of_network && !intake.sessions.is_empty() {
        docs.push(doc("superbill.md", "Superbill (itemized statement)", false));
    }
    docs.push(doc("next-steps.md", "Your next steps", false));
    docs.push(doc("preparation-worksheet.md", "Preparation worksheet (for the clinic; not sent)", false));
    docs
}
