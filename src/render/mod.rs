//! Render: the documents of a packet, from Tera templates written as Markdown.
//!
//! Templates see one [`View`] drawn from the reading, so no document can
//! disagree with another, and none recomputes a verdict. Every value from the
//! intake is escaped as Markdown on output, so nothing a user types can act as markup.

mod cycles;
mod markdown;
mod templates;
pub mod view;

pub use markdown::escape_markdown;
pub use templates::Templates;
pub use view::{Paging, View};

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

/// The context templates render with: the view, as `v`.
fn context(view: &View) -> tera::Context {
    let mut context = tera::Context::new();
    context.insert("v", view);
    context
}

/// Renders every document of the view.
pub fn render(templates: &Templates, view: &View) -> Result<Vec<Document>, RenderError> {
    let names: Vec<&str> = view.documents.iter().map(|d| d.name).collect();
    templates.warm(&names)?;
    let context = context(view);
    view.documents
        .iter()
        .map(|d| {
            Ok(Document {
                name: d.name.to_string(),
                title: d.title.clone(),
                markdown: templates.render(d.name, &context)?,
                faxed: d.faxed,
            })
        })
        .collect()
}

/// The documents that state fax pages (the cover's count, the crosswalk's citations).
const PAGED: &[&str] = &[
    "cover-sheet.md",
    "criteria-crosswalk.md",
    "letter-of-medical-necessity.md",
    "continuation-letter.md",
    "appeal-letter.md",
];

/// Renders again the documents that state fax pages, once the layout has counted them.
pub fn state_pages(templates: &Templates, view: &View, documents: &mut [Document]) -> Result<(), RenderError> {
    let context = context(view);
    for d in documents.iter_mut().filter(|d| PAGED.contains(&d.name.as_str())) {
        d.markdown = templates.render(&d.name, &context)?;
    }
    Ok(())
}
