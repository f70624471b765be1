//! Typesetting: each document, and the combined fax PDF, as PDF through
//! embedded Typst.
//!
//! The Typst world is a sandbox. It serves only what authpack hands it: the
//! generated main source, the shared layout, the bundled fonts (and any from
//! `--font-dir`), and the enclosed records under `/attachments/`. Every other
//! path is refused. Dates are fixed, so output is deterministic.

pub mod markup;
mod packet;

pub use packet::{FAX_PDF, Typeset, page_info, typeset};

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::model::Document;
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::check::Media;
use crate::date::Date;
use crate::files;

/// Stands in a rendered document for the combined fax's page count; the layout
/// replaces it with the count as it lays the fax out. Private-use characters no
/// bundled font has, so an intake can never contain them (see `uncovered_characters`).
pub const FAX_PAGES_MARK: &str = "\u{F8FE}fax-pages\u{F8FF}";

/// Stands in a document for an enclosure's fax pages (`fax pages 7-8`); the
/// layout fills them in from where the enclosure's first page falls.
pub fn enclosure_pages_mark(record: usize, pages: usize) -> String {
    format!("\u{F8FE}enclosure-pages:{record}:{pages}\u{F8FF}")
}

/// Replaces the page marks in a document's Typst with the layout's functions.
/// Each mark sits inside a string literal: close it, call, reopen.
fn fill_marks(typst: &str) -> String {
    let typst = typst.replace(FAX_PAGES_MARK, "\";#fax-pages();#\"");
    let mut out = String::with_capacity(typst.len());
    let mut rest = typst.as_str();
    while let Some(i) = rest.find("\u{F8FE}enclosure-pages:") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "\u{F8FE}enclosure-pages:".len()..];
        let Some(end) = after.find('\u{F8FF}') else { break };
        let (record, pages) = after[..end].split_once(':').unwrap_or(("0", "1"));
        out.push_str(&format!("\";#enclosure-pages({record}, {pages});#\""));
        rest = &after[end + '\u{F8FF}'.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// The stack a thread that typesets needs: Typst's layout and export recurse deeply.
pub const STACK_SIZE: usize = 16 * 1024 * 1024;

/// The largest font file read.
pub const MAX_FONT_BYTES: u64 = 64 * 1024 * 1024;

/// A typesetting failure.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// Typst reported errors.
    #[error("typesetting {what} failed: {messages}")]
    Typst {
        /// The document.
        what: String,
        /// Typst's messages.
        messages: String,
    },
    /// An enclosed record cannot be placed as pages.
    #[error("enclosure {name}: {why}")]
    Enclosure {
        /// The record's packet name.
        name: String,
        /// Why.
        why: String,
    },
    /// A font file or folder could not be read.
    #[error("a font cannot be loaded")]
    FontFile(#[source] crate::files::FileError),
    /// A file in the font folder is not a font.
    #[error("{0}: is not a font Typst can read")]
    NotAFont(String),
}

/// Fonts and layout, loaded once and used for every document.
pub struct Typesetter {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    layout: String,
}

/// The identifiers printed on every page.
#[derive(Clone, Debug, Default)]
pub struct PageInfo {
    /// Document title (PDF metadata).
    pub title: String,
    /// The practice (letterhead line of the header).
    pub practice: String,
    /// Patient name.
    pub patient: String,
    /// Date of birth.
    pub dob: String,
    /// Member ID.
    pub member: String,
}

/// One part of a combined PDF.
pub enum Part<'a> {
    /// A rendered document (Markdown).
    Document(&'a str),
    /// An enclosed record: its position among the records, title, packet name, kind and bytes.
    Enclosure {
        /// Its position among the packet's records, from 0 (the documents cite it so).
        index: usize,
        /// Title, printed above each page.
        title: &'a str,
        /// Name inside the packet (`attachments/01-x.pdf`).
        name: &'a str,
        /// What the bytes are.
        media: Media,
        /// The file's bytes, shared with the zip (never copied).
        bytes: &'a Arc<[u8]>,
    },
}

/// The files a Typst source reads, by virtual path, shared with the packet.
type Files = HashMap<String, Arc<[u8]>>;

/// A part and whether it belongs to the combined fax. Fax parts come first.
pub struct Placed<'a> {
    /// The part.
    pub part: Part<'a>,
    /// Whether it is sent in the fax.
    pub fax: bool,
}

/// A packet laid out once: every part's pages, from which each PDF is exported.
pub struct Laid {
    document: PagedDocument,
    /// The pages of each part, in order (0-based, end exclusive).
    pub parts: Vec<Range<usize>>,
    /// Pages of the fax: the fax parts, from the first page.
    pub fax_pages: usize,
    today: Option<Datetime>,
}

/// How many pages a record takes in the fax, or why it cannot be placed.
pub fn enclosure_pages(media: Media, bytes: &[u8]) -> Result<usize, String> {
    crate::check::content::pages(media, bytes)
}

/// A quoted Typst string (for arguments), escaping `\` and `"`.
fn string(text: &str) -> String {
    let lit = markup::literal(text);
    lit[1..lit.len() - 1].to_string()
}

impl Typesetter {
    /// Loads the bundled fonts, any `.ttf`/`.otf` files in `font_dir`, and the layout.
    pub fn new(font_dir: Option<&Path>, layout: &str) -> Result<Typesetter, PdfError> {
        let mut fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
        if let Some(dir) = font_dir {
            for path in files::list(dir, &[".ttf", ".otf", ".ttc", ".otc"]).map_err(PdfError::FontFile)? {
                let data = files::read(&path, MAX_FONT_BYTES).map_err(PdfError::FontFile)?;
                let before = fonts.len();
                fonts.extend(Font::iter(Bytes::new(data)));
                if fonts.len() == before {
                    return Err(PdfError::NotAFont(path.display().to_string()));
                }
            }
        }
        let book = FontBook::from_fonts(&fonts);
        Ok(Typesetter {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(book),
            fonts,
            layout: layout.to_string(),
        })
    }

    /// Whether some loaded font can show `c`.
    pub fn covers(&self, c: char) -> bool {
        c.is_whitespace()
            || c.is_control()
            || (0..self.fonts.len()).any(|i| self.book.info(i).is_some_and(|f| f.coverage.contains(c as u32)))
    }

    fn preamble(&self, info: &PageInfo) -> String {
        format!(
            "#import \"/layout.typ\": *\n#show: packet.with(title: {}, practice: {}, patient: {}, dob: {}, member: {})\n",
            string(&info.title),
            string(&info.practice),
            string(&info.patient),
            string(&info.dob),
            string(&info.member),
        )
    }

    /// The layout source in use.
    pub fn layout(&self) -> &str {
        &self.layout
    }

    /// The Typst source for parts, with the files it reads (`/attachments/...`).
    pub fn source(&self, info: &PageInfo, parts: &[Placed<'_>]) -> Result<(String, Files), PdfError> {
        let mut main = self.preamble(info);
        let mut files = HashMap::new();
        let last_fax = parts.iter().rposition(|p| p.fax);
        for (i, placed) in parts.iter().enumerate() {
            match &placed.part {
                Part::Document(markdown) => {
                    main.push_str("#document-part[\n");
                    main.push_str(&fill_marks(&markup::markdown_to_typst(markdown)));
                    main.push_str("\n]\n");
                }
                Part::Enclosure { index, title, name, media, bytes } => {
                    let pages = enclosure_pages(*media, bytes)
                        .map_err(|why| PdfError::Enclosure { name: name.to_string(), why })?;
                    let is_pdf = *media == Media::Pdf;
                    let vpath = format!("/{}", name.trim_start_matches('/'));
                    files.insert(vpath.clone(), Arc::clone(bytes));
                    main.push_str("#start-part()\n");
                    for page in 1..=pages {
                        let label = format!(
                            "Enclosure: {title} ({} page {page} of {pages})",
                            if is_pdf { "PDF" } else { "image" }
                        );
                        let image = if is_pdf {
                            format!(
                                "image({}, page: {page}, width: 100%, height: 100%, fit: \"contain\")",
                                string(&vpath)
                            )
                        } else {
                            format!("image({}, width: 100%, height: 100%, fit: \"contain\")", string(&vpath))
                        };
                        // The first page carries the label the documents' page citations query.
                        let anchor = if page == 1 {
                            format!("#metadata(\"enclosure\") <authpack-enclosure-{index}>")
                        } else {
                            String::new()
                        };
                        main.push_str(&format!(
                            "#enclosure-page([{anchor}{}], {image}, last: {})\n",
                            markup::literal(&label),
                            page == pages
                        ));
                    }
                }
            }
            if Some(i) == last_fax {
                main.push_str("#end-fax()\n");
            }
        }
        Ok((main, files))
    }

    /// Lays out every part once, as one Typst document. Each part starts a new
    /// page and restarts the page count, so its pages are found from the page numbers.
    pub fn lay_out(&self, info: &PageInfo, parts: &[Placed<'_>], date: Date) -> Result<Laid, PdfError> {
        let (main, files) = self.source(info, parts)?;
        let files = files.into_iter().map(|(path, bytes)| (file_id(&path), Bytes::new(bytes))).collect();
        let world = Sandbox {
            typesetter: self,
            main: Source::new(file_id("/main.typ"), main),
            layout: Source::new(file_id("/layout.typ"), self.layout.clone()),
            files,
            today: Datetime::from_ymd(date.year(), date.month(), date.day()),
        };
        let failed = |messages: String| PdfError::Typst { what: info.title.clone(), messages };
        let document = typst::compile::<PagedDocument>(&world)
            .output
            .map_err(|errors| failed(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))?;
        let starts: Vec<usize> =
            document.pages().iter().enumerate().filter(|(_, p)| p.number == 1).map(|(i, _)| i).collect();
        if starts.len() != parts.len() || starts.first() != Some(&0) {
            return Err(failed(format!(
                "the layout must start each of the {} parts on a new page numbered 1 (found {} such pages)",
                parts.len(),
                starts.len()
            )));
        }
        let total = document.pages().len();
        let ranges: Vec<Range<usize>> =
            starts.iter().enumerate().map(|(i, &s)| s..starts.get(i + 1).copied().unwrap_or(total)).collect();
        let fax_pages = parts.iter().zip(&ranges).filter(|(p, _)| p.fax).map(|(_, r)| r.end).max().unwrap_or(0);
        Ok(Laid { document, parts: ranges, fax_pages, today: world.today })
    }

    /// Exports `pages` of a laid-out packet as one PDF titled `title`.
    pub fn export(&self, laid: &Laid, pages: Range<usize>, title: &str, ident: &str) -> Result<Vec<u8>, PdfError> {
        // A document of just these pages (Typst cannot tag a page range of a larger one).
        let mut info = laid.document.info().clone();
        info.title = Some(title.into());
        let document = PagedDocument::new(laid.document.pages()[pages].iter().cloned().collect(), info);
        let options = typst_pdf::PdfOptions {
            ident: Smart::Custom(ident.to_string()),
            creator: Smart::Custom(Some(format!("authpack {}", env!("CARGO_PKG_VERSION")))),
            timestamp: laid.today.map(typst_pdf::Timestamp::new_utc),
            ..typst_pdf::PdfOptions::default()
        };
        typst_pdf::pdf(&document, &options).map_err(|errors| PdfError::Typst {
            what: title.to_string(),
            messages: errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "),
        })
    }
}

/// Lets Typst forget what it memoized; called after each packet, so memory stays flat over a batch.
pub fn forget() {
    typst::comemo::evict(0);
}

fn file_id(path: &str) -> FileId {
    RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).expect("authpack's own virtual paths are valid"))
        .intern()
}

/// The world one compilation sees.
struct Sandbox<'a> {
    typesetter: &'a Typesetter,
    main: Source,
    layout: Source,
    files: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
}

impl World for Sandbox<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.typesetter.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.typesetter.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if id == self.layout.id() {
            Ok(self.layout.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.get(&id).cloned().ok_or(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.typesetter.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}
