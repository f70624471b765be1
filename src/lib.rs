//! authpack: prior-authorization packets for esketamine and ketamine therapy.
//!
//! One YAML intake becomes one packet through a stage per module, and these two
//! functions are the whole recipe. [`read`] loads the intake, checks it and its
//! records, takes the people out when asked, derives the clinical facts and
//! judges each criterion of the payer's policy: one [`Reading`], or every problem
//! at once. [`build`] renders that reading's documents, typesets them and packs
//! them into a [`Packet`]. Values in, a packet or diagnostics out: nothing here
//! touches the terminal or writes a file. The command line ([`cli`]) and every
//! other front door call these two, so they all read an intake the same way.

pub mod assess;
pub mod check;
pub mod cli;
pub mod codes;
pub mod date;
pub mod diag;
pub mod fhir;
pub mod files;
pub mod intake;
pub mod pack;
pub mod package;
pub mod pdf;
pub mod policy;
pub mod reading;
pub mod redact;
pub mod reference;
pub mod render;
pub mod serve;
pub mod words;
pub(crate) mod yaml;

use std::path::PathBuf;
use std::sync::Arc;

pub use pack::Pack;
pub use package::Packet;
pub use reading::{Reading, Rejected};

/// One intake to read: its text, and the folder its records are relative to.
#[derive(Clone, Debug)]
pub struct Input {
    /// The intake's text, as given.
    pub text: String,
    /// The folder holding the intake; attachments and policy paths are relative to it.
    pub folder: PathBuf,
}

/// How to read and build: the same for every intake of a run.
#[derive(Clone, Copy)]
pub struct Settings<'a> {
    /// The documents, layout, policies and evidence.
    pub pack: &'a Pack,
    /// A profile chosen on the command line, overriding the intake's.
    pub policy: Option<&'a Arc<policy::PolicyProfile>>,
    /// Fonts and layout for PDFs; `None` makes no PDFs (and checks nothing only PDFs need).
    pub typesetter: Option<&'a pdf::Typesetter>,
    /// Whether the packet holds the Markdown documents.
    pub markdown: bool,
    /// Whether to take the people out (see [`redact`]).
    pub redact: bool,
    /// Whether the packet holds a Da Vinci PAS request Bundle (see [`fhir::pas`]).
    pub fhir: bool,
}

/// Why a build stopped.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The intake cannot be built; nothing was made.
    #[error(transparent)]
    Rejected(#[from] Rejected),
    /// A template failed.
    #[error("a document could not be rendered")]
    Render(#[from] render::RenderError),
    /// Typesetting failed.
    #[error("the PDFs could not be typeset")]
    Pdf(#[from] pdf::PdfError),
    /// Redaction failed (a bug).
    #[error(transparent)]
    Redact(#[from] redact::RedactError),
    /// The PAS bundle made fails its own validation (a bug): it is never packed.
    #[error("the PAS bundle fails validation: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Fhir(Vec<fhir::Problem>),
}

/// Reads an intake the way the plan's reviewer does: load, check, redact, assess, evaluate.
pub fn read(input: &Input, settings: &Settings<'_>) -> Result<Reading, Rejected> {
    let load = intake::load(&input.text);
    let checked = check::check(load, input, settings)?;
    let checked = if settings.redact { redact::apply(checked)? } else { checked };
    let facts = assess::assess(&checked.intake);
    let evaluation = policy::evaluate(&checked.profile, &checked.intake, &facts);
    reading::conclude(checked, facts, evaluation)
}

/// Builds the packet of an intake: its reading, rendered, typeset and packed.
pub fn build(input: &Input, settings: &Settings<'_>) -> Result<Packet, BuildError> {
    let reading = read(input, settings)?;
    let templates = &settings.pack.templates;
    let paging = if settings.typesetter.is_some() { render::Paging::Typeset } else { render::Paging::None };
    let mut documents = render::render(templates, &render::View::new(&reading, settings.pack, &paging))?;
    let typeset = settings.typesetter.map(|t| pdf::typeset(t, &reading, &documents)).transpose()?;
    if let Some(t) = &typeset {
        let counted = render::Paging::Counted { fax: t.fax_pages, records: t.record_pages.clone() };
        render::state_pages(templates, &render::View::new(&reading, settings.pack, &counted), &mut documents)?;
    }
    let pas = match settings.fhir {
        false => None,
        true => {
            let sent = fhir::pas::sent(&documents, typeset.as_ref().map(|t| t.pdfs.as_slice()));
            let bundle = fhir::pas::bundle(&reading, &sent);
            let problems = fhir::rules::validate_pas_request(&serde_json::from_slice(&bundle).expect("made as JSON"));
            if !problems.is_empty() {
                return Err(BuildError::Fhir(problems));
            }
            Some(bundle)
        }
    };
    Ok(package::assemble(reading, documents, typeset, settings.markdown, pas))
}
