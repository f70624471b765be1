//! Render: the documents of a packet, from Tera templates written as Markdown.
//!
//! Templates see one [`View`] drawn from the reading, so no document can
//! disagree with another. Every value from the intake is escaped as Markdown on
//! output, so nothing a user types can act as markup.

mod markdown;
mod templates;
mod view;

use serde::Serialize;

use crate::intake::{Intake, RequestKind};

pub use markdown::escape_markdown;
pub use templates::Templates;
pub use view::{Enclosure, View};

/// A problem with the templates.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template did not parse or render; the message carries Tera's cause chain.
    #[error("template {name}: {chain}")]
    Template {
        /// The template.
        name: String,
        /// Tera's error and every cause under it.
        chain: String,
    },
}

/// One rendered document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// File name in the packet, such as `letter-of-medical-necessity.md`.
    pub name: String,
    /// Title, as listed on the cover sheet.
    pub title: String,
    /// The Markdown text.
    pub markdown: String,
    /// Whether it goes in the fax (else it is for the clinic or the patient).
    pub faxed: bool,
}

/// The combined fax's page count, as the cover sheet states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaxPages {
    /// Counted after typesetting.
    Counted(usize),
    /// Filled in by the typesetter as it lays the fax out ([`crate::pdf::FAX_PAGES_MARK`]).
    Typeset,
}

impl Serialize for FaxPages {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FaxPages::Counted(n) => s.serialize_u64(*n as u64),
            FaxPages::Typeset => s.serialize_str(crate::pdf::FAX_PAGES_MARK),
        }
    }
}

/// The documents that go in the fax, in sending order, before the enclosures.
/// The others (next steps, superbill, claim-file request) go to other readers.
pub const FAX_DOCUMENTS: &[&str] = &[
    "cover-sheet.md",
    "letter-of-medical-necessity.md",
    "continuation-letter.md",
    "appeal-letter.md",
    "criteria-checklist.md",
    "treatment-history.md",
    "call-log.md",
];

/// The documents an intake gets, in sending order: (file, title).
pub fn documents_for(intake: &Intake) -> Vec<(&'static str, &'static str)> {
    let mut docs = vec![("cover-sheet.md", "Fax cover sheet")];
    docs.push(match intake.request.kind {
        RequestKind::Initial => ("letter-of-medical-necessity.md", "Letter of medical necessity"),
        RequestKind::Continuation => ("continuation-letter.md", "Continuation letter"),
        RequestKind::Appeal => ("appeal-letter.md", "Appeal letter"),
    });
    docs.push(("criteria-checklist.md", "Criteria checklist"));
    docs.push(("treatment-history.md", "Treatment history summary"));
    if intake.request.kind == RequestKind::Appeal {
        docs.push(("claim-file-request.md", "Request for the claim file and criteria"));
        if !intake.calls.is_empty() {
            docs.push(("call-log.md", "Log of calls with the plan"));
        }
    }
    if !intake.sessions.is_empty() {
        docs.push(("superbill.md", "Superbill"));
    }
    docs.push(("next-steps.md", "Next steps for the patient"));
    docs
}

/// Renders every document of the packet.
pub fn render(templates: &Templates, view: &View) -> Result<Vec<Document>, RenderError> {
    let names: Vec<&str> = view.documents.iter().map(|(n, _)| *n).collect();
    templates.warm(&names)?;
    view.documents
        .iter()
        .map(|(name, title)| {
            Ok(Document {
                name: (*name).to_string(),
                title: (*title).to_string(),
                markdown: templates.render(name, view.context())?,
                faxed: FAX_DOCUMENTS.contains(name),
            })
        })
        .collect()
}

/// Renders the cover sheet again, stating the fax's page count once it is known.
pub fn state_fax_pages(
    templates: &Templates,
    view: &View,
    documents: &mut [Document],
    pages: usize,
) -> Result<(), RenderError> {
    let context = view.with_fax_pages(pages);
    for d in documents.iter_mut().filter(|d| d.name == "cover-sheet.md") {
        d.markdown = templates.render(&d.name, &context)?;
    }
    Ok(())
}
