//! The criteria as the documents state them, each with the enclosures that
//! document it and the fax pages where they stand.

use serde::Serialize;

use super::Paging;
use crate::check::Record;
use crate::intake::{Attachment, AttachmentKind};
use crate::policy::{Evaluation, Status};

/// One enclosed record.
#[derive(Clone, Debug, Serialize)]
pub struct Enclosure {
    /// Its number in the enclosure list, from 1.
    pub number: usize,
    /// Its title.
    pub title: String,
    /// Its kind, in words.
    pub kind: String,
    /// Its path inside the packet.
    pub entry: String,
    /// Whether it is placed in the fax PDF (else it is too large and goes separately).
    pub faxed: bool,
    /// Its fax pages in words (`pages 7-8`), left to the typesetter, or empty without PDFs.
    pub pages: String,
    /// The criteria it documents.
    pub supports: Vec<String>,
}

/// One criterion, as the documents state it.
#[derive(Clone, Debug, Serialize)]
pub struct Criterion {
    /// Its id.
    pub id: String,
    /// The policy's wording.
    pub text: String,
    /// `met`, `not-met` or `missing`.
    pub status: Status,
    /// The status in words.
    pub status_words: &'static str,
    /// Met.
    pub met: bool,
    /// Not met, with an exception asked.
    pub excepted: bool,
    /// What decided it, in a reviewer's words.
    pub evidence: Vec<String>,
    /// What was looked at but did not count (the worksheet).
    pub notes: Vec<String>,
    /// What would satisfy it (the worksheet).
    pub hint: Option<String>,
    /// The enclosures that document it, with their pages.
    pub documented_in: Vec<Enclosure>,
}

fn kind_words(k: Option<AttachmentKind>) -> &'static str {
    match k {
        Some(AttachmentKind::ProgressNote) => "progress note",
        Some(AttachmentKind::RatingScale) => "rating-scale record",
        Some(AttachmentKind::PharmacyHistory) => "pharmacy fill history",
        Some(AttachmentKind::DenialLetter) => "denial letter",
        Some(AttachmentKind::RemsEnrollment) => "REMS enrollment",
        Some(AttachmentKind::LabResult) => "lab result",
        Some(AttachmentKind::Referral) => "referral",
        Some(AttachmentKind::Other) | None => "record",
    }
}

/// The enclosures, with their fax pages.
pub fn enclosures(records: &[Record], attachments: &[Attachment], paging: &Paging) -> Vec<Enclosure> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| Enclosure {
            number: i + 1,
            title: r.title.clone(),
            kind: kind_words(r.kind).to_string(),
            entry: r.entry.clone(),
            faxed: r.faxed,
            pages: if r.faxed { paging.pages_of(i, r.pages.unwrap_or(1)) } else { String::new() },
            supports: attachments.get(i).map(|a| a.supports.clone()).unwrap_or_default(),
        })
        .collect()
}

/// Every criterion, with the enclosures that document it.
pub fn criteria(evaluation: &Evaluation, excepted: &[String], enclosures: &[Enclosure]) -> Vec<Criterion> {
    evaluation
        .criteria
        .iter()
        .map(|c| Criterion {
            id: c.id.clone(),
            text: c.text.clone(),
            status: c.status,
            status_words: match c.status {
                Status::Met => "met",
                Status::NotMet => "not met",
                Status::Missing => "missing",
            },
            met: c.status == Status::Met,
            excepted: excepted.contains(&c.id),
            evidence: c.evidence.clone(),
            notes: c.notes.clone(),
            hint: c.hint.clone(),
            documented_in: enclosures.iter().filter(|e| e.supports.contains(&c.id)).cloned().collect(),
        })
        .collect()
}
