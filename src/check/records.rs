//! Enclosed records: each attachment opened once, without following a link,
//! checked on its handle to be a regular file, typed by its bytes, hashed, and
//! given a safe name. The bytes hashed here are the bytes enclosed in the zip
//! and placed in the fax: a record is never opened again by its path.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::{Component, Path};
use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::intake::{Attachment, AttachmentKind, Positions};
use crate::package::safe_entry_name;

/// One record ready to enclose.
#[derive(Clone, Debug)]
pub struct Record {
    /// Its name inside the packet (`attachments/01-progress-note.pdf`).
    pub entry: String,
    /// Its title in the letter.
    pub title: String,
    /// Its kind, when the intake says.
    pub kind: Option<AttachmentKind>,
    /// What its bytes are.
    pub media: Media,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
    /// Its pages, when it was opened to be placed in the fax.
    pub pages: Option<usize>,
    /// Whether it is placed in the fax PDF (it is small enough: [`FAX_LIMIT`]).
    pub faxed: bool,
    /// The bytes, or the open file for a record too large to hold.
    pub content: Content,
}

/// Where a record's bytes are.
#[derive(Clone, Debug)]
pub enum Content {
    /// Read once into memory, shared by the zip and the fax.
    Bytes(Arc<[u8]>),
    /// Too large to hold: the handle opened at inspection, read in place.
    File(Arc<File>),
}

/// What a record's bytes are, judged from the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    /// A PDF document.
    Pdf,
    /// A PNG image.
    Png,
    /// A JPEG image.
    Jpeg,
    /// Anything else (enclosed, never placed in the fax).
    Other,
}

impl Media {
    /// Judges the first bytes of a file.
    pub fn sniff(head: &[u8]) -> Media {
        if head.starts_with(b"%PDF-") {
            Media::Pdf
        } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Media::Png
        } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Media::Jpeg
        } else {
            Media::Other
        }
    }

    /// What a file name's extension claims.
    fn claimed(name: &str) -> Media {
        match name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).as_deref() {
            Some("pdf") => Media::Pdf,
            Some("png") => Media::Png,
            Some("jpg" | "jpeg") => Media::Jpeg,
            _ => Media::Other,
        }
    }

    /// The media type for the manifest.
    pub fn media_type(self) -> &'static str {
        match self {
            Media::Pdf => "application/pdf",
            Media::Png => "image/png",
            Media::Jpeg => "image/jpeg",
            Media::Other => "application/octet-stream",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Media::Pdf => "a PDF",
            Media::Png => "a PNG image",
            Media::Jpeg => "a JPEG image",
            Media::Other => "not a PDF, PNG or JPEG",
        }
    }
}

/// The largest record placed as pages of the fax PDF. Larger ones are still
/// enclosed in the packet, hashed and streamed from their handle, but not held
/// in memory to typeset: a fax of hundreds of megabytes would not go through anyway.
pub const FAX_LIMIT: u64 = 10 * 1024 * 1024;

/// The most record bytes one fax holds (and so held in memory to typeset); records past it are
/// enclosed and sent separately, as a record over [`FAX_LIMIT`] is.
pub const MAX_FAX_BYTES: u64 = 48 * 1024 * 1024;

/// The most record pages one fax holds; records past it are enclosed and sent separately.
pub const MAX_FAX_PAGES: usize = 500;

impl Record {
    /// A reader over the record's bytes, from the start.
    pub fn reader(&self) -> Box<dyn Read + Send + '_> {
        match &self.content {
            Content::Bytes(b) => Box::new(&b[..]),
            Content::File(f) => Box::new(At { file: f, offset: 0 }),
        }
    }

    /// The bytes held in memory, shared: the zip, the fax and the hash see one copy.
    pub fn shared(&self) -> Option<&Arc<[u8]>> {
        match &self.content {
            Content::Bytes(b) => Some(b),
            Content::File(_) => None,
        }
    }

    /// The bytes, when held in memory.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.content {
            Content::Bytes(b) => Some(b),
            Content::File(_) => None,
        }
    }
}

/// Reads a file from an offset without moving a shared cursor.
struct At<'a> {
    file: &'a File,
    offset: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// Opens, types and hashes every attachment, relative to `base`; problems become
/// errors naming the field. With `placing`, each record small enough for the fax is
/// also opened as a PDF or image, so a damaged one is refused here, not while typesetting.
pub fn inspect(
    base: &Path,
    attachments: &[Attachment],
    positions: &Positions,
    placing: bool,
) -> (Vec<Record>, Vec<Diagnostic>) {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    // Every record is opened relative to this one handle on the folder, so a folder swapped for a
    // link while the build runs cannot carry a record out of it.
    let folder = if base.as_os_str().is_empty() { Path::new(".") } else { base };
    let folder = File::open(folder);
    // What the fax holds so far; a record that would take it past a budget is enclosed only.
    let (mut held, mut pages_held) = (0u64, 0usize);
    for (i, a) in attachments.iter().enumerate() {
        let field = format!("attachments[{i}].file");
        let inside = Path::new(&a.file).components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        let result = match &folder {
            _ if !inside => Err(("is outside the intake's folder".to_string(), true)),
            Err(e) => Err((format!("cannot be read: the intake's folder cannot be opened ({e})"), false)),
            Ok(folder) => match open_beneath(folder, Path::new(&a.file)) {
                Ok(file) => read_one(file, placing, MAX_FAX_BYTES - held).map_err(|why| (why, false)),
                Err(Refused::Outside) => {
                    Err(("is outside the intake's folder, reached through a symbolic link".to_string(), true))
                }
                Err(Refused::Other(why)) => Err((why, false)),
            },
        };
        let name = safe_entry_name(&a.file);
        match result {
            Ok((content, size, sha256, media, pages)) => {
                if media != Media::claimed(&a.file) {
                    problems.push(refuse(
                        &field,
                        positions,
                        format!(
                            "attachment '{}' is {} although its name says otherwise",
                            crate::yaml::preview(&a.file),
                            media.word()
                        ),
                        "enclose the file under a name whose extension matches what it is (.pdf, .png, .jpg)",
                    ));
                    continue;
                }
                // Every record held in memory counts against the fax's bytes, placed or not, so the
                // memory a packet holds is bounded by the budget, not by the number of records.
                let in_memory = matches!(content, Content::Bytes(_));
                if in_memory {
                    held += size;
                }
                let faxed = in_memory && media != Media::Other && pages_held + pages.unwrap_or(1) <= MAX_FAX_PAGES;
                if faxed {
                    pages_held += pages.unwrap_or(1);
                }
                records.push(Record {
                    entry: format!("attachments/{:02}-{name}", i + 1),
                    title: a.title.clone().unwrap_or_else(|| name.clone()),
                    kind: a.kind,
                    media,
                    size,
                    sha256,
                    pages,
                    faxed,
                    content,
                });
            }
            Err((why, outside)) => problems.push(refuse(
                &field,
                positions,
                format!("attachment '{}' {why}", crate::yaml::preview(&a.file)),
                if outside {
                    "give a path inside the intake's folder, without '..' or a leading '/'; copy the record there"
                } else {
                    "paths are relative to the intake file's folder"
                },
            )),
        }
    }
    (records, problems)
}

fn refuse(field: &str, positions: &Positions, message: String, hint: &str) -> Diagnostic {
    Diagnostic::error(field, message).at(positions.get(field).copied()).hint(hint)
}

/// A warning for each PDF or image record not placed in the fax: too large, or past the fax's budgets.
pub fn oversized(records: &[Record], positions: &Positions) -> Vec<Diagnostic> {
    records
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.faxed && r.media != Media::Other)
        .map(|(i, r)| {
            let path = format!("attachments[{i}].file");
            let why = if r.size > FAX_LIMIT {
                format!(
                    "the record is {:.1} MB, over the {} MB that is placed in the fax PDF",
                    r.size as f64 / 1_048_576.0,
                    FAX_LIMIT / 1_048_576
                )
            } else {
                format!(
                    "the records before it fill the fax (at most {} MB and {MAX_FAX_PAGES} pages of records)",
                    MAX_FAX_BYTES / 1_048_576
                )
            };
            Diagnostic::warning(path.clone(), format!("{why}; it is enclosed in the packet only"))
                .at(positions.get(&path).copied())
                .hint("send it separately (by portal or mail), or enclose a shorter extract")
        })
        .collect()
}

type Opened = (Content, u64, String, Media, Option<usize>);

/// Why a record could not be opened.
enum Refused {
    /// The path leaves the intake's folder through a symbolic link.
    Outside,
    /// Any other reason, in words.
    Other(String),
}

/// Opens `path` below `folder` without leaving it: `openat2` with `RESOLVE_BENEATH`, so a link inside
/// the folder that stays inside is followed and any other is refused, atomically, by the kernel. The
/// record itself must not be a link. Where `openat2` is not offered (Linux before 5.6, some
/// sandboxes), each folder is opened in turn without following links, so a folder link is refused.
fn open_beneath(folder: &File, path: &Path) -> Result<File, Refused> {
    use rustix::fs::{Mode, OFlags, ResolveFlags};
    use rustix::io::Errno;
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let why = |e: Errno| match e {
        Errno::XDEV => Refused::Outside,
        Errno::NOENT => Refused::Other("was not found".into()),
        Errno::ACCESS | Errno::PERM => Refused::Other("cannot be read (permission denied)".into()),
        Errno::LOOP => Refused::Other("is a symbolic link; enclose the file itself".into()),
        e => Refused::Other(format!("cannot be read: {}", io::Error::from(e))),
    };
    match rustix::fs::openat2(folder, path, flags, Mode::empty(), ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS) {
        Ok(fd) => return Ok(File::from(fd)),
        Err(Errno::NOSYS | Errno::PERM) => {}
        Err(e) => return Err(why(e)),
    }
    let mut names: Vec<&std::ffi::OsStr> =
        path.components().filter_map(|c| if let Component::Normal(n) = c { Some(n) } else { None }).collect();
    let Some(last) = names.pop() else { return Err(Refused::Other("is a folder, not a file".into())) };
    let mut here = folder.try_clone().map_err(|e| Refused::Other(format!("cannot be read: {e}")))?;
    for name in names {
        let dir = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        here = File::from(rustix::fs::openat(&here, name, dir, Mode::empty()).map_err(|e| match e {
            Errno::LOOP => Refused::Outside,
            e => why(e),
        })?);
    }
    rustix::fs::openat(&here, last, flags, Mode::empty()).map(File::from).map_err(why)
}

/// Reads one opened record once: its kind, size, hash, and (when `placing`) its pages.
/// A record larger than `hold` bytes (or [`FAX_LIMIT`]) is hashed from its handle, not held.
fn read_one(file: File, placing: bool, hold: u64) -> Result<Opened, String> {
    let meta = file.metadata().map_err(|e| format!("cannot be read: {e}"))?;
    if meta.is_dir() {
        return Err("is a folder, not a file".into());
    }
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    let size = meta.len();
    if size == 0 {
        return Err("is empty".into());
    }
    let unreadable = |e: io::Error| format!("cannot be read: {e}");
    if size > FAX_LIMIT.min(hold) {
        let file = Arc::new(file);
        let mut head = [0u8; 8];
        let n = file.read_at(&mut head, 0).map_err(unreadable)?;
        let (read, sha256) = crate::package::hash_reader(At { file: &file, offset: 0 }).map_err(unreadable)?;
        if read != size {
            return Err("changed while it was being read".into());
        }
        return Ok((Content::File(file), size, sha256, Media::sniff(&head[..n]), None));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    (&file).take(FAX_LIMIT + 1).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 != size {
        return Err("changed while it was being read".into());
    }
    let media = Media::sniff(&bytes);
    let pages = if placing { Some(super::content::pages(media, &bytes)?) } else { None };
    let sha256 = crate::package::sha256_hex(&bytes);
    Ok((Content::Bytes(bytes.into()), size, sha256, media, pages))
}
