//! The intake being edited: answers applied, read the way `check` reads it,
//! saved in the contract's format and built the way `build` builds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::files;
use crate::intake::tree::Node;
use crate::policy::Evaluation;
use crate::render::Document;
use crate::{Input, Settings};

use super::form::{self, Kind, Step};

/// The intake's file in the folder served.
pub const INTAKE: &str = "intake.yaml";
/// The previous intake, kept when a save replaces it.
pub const BACKUP: &str = "intake.yaml.bak";
/// The packet a build writes into the folder.
pub const PACKET: &str = "packet.zip";

/// The interview's state: one intake, in one folder.
pub struct Session {
    /// The folder: the intake, its records and the packet.
    pub dir: PathBuf,
    /// The intake as edited.
    pub doc: Node,
    /// What the last build made, or why it did not.
    pub built: Option<Result<Built, String>>,
    /// Whether this session has kept the intake it opened as the backup.
    backed_up: bool,
}

/// A packet written.
pub struct Built {
    /// Files in the zip, the manifest included.
    pub files: usize,
    /// Pages of the fax.
    pub fax_pages: Option<usize>,
}

/// The reading of the intake as it stands: `check`'s problems and verdicts.
pub struct Live {
    /// Every problem and warning, as `check` prints them.
    pub diagnostics: Vec<Diagnostic>,
    /// The verdicts, when the intake was read that far.
    pub evaluation: Option<Evaluation>,
    /// The reading, when the intake can be built.
    pub reading: Option<crate::Reading>,
}

impl Live {
    /// Problems by the path of the field they are about.
    pub fn by_path(&self) -> BTreeMap<&str, Vec<&Diagnostic>> {
        let mut out: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
        for d in &self.diagnostics {
            out.entry(d.path.as_str()).or_default().push(d);
        }
        out
    }

    /// Whether the intake can be built.
    pub fn valid(&self) -> bool {
        self.reading.is_some()
    }
}

impl Session {
    /// The folder's intake opened for editing, or a new one.
    pub fn open(dir: &Path) -> Result<Session, String> {
        let path = dir.join(INTAKE);
        let doc = match path.exists() {
            false => {
                let mut doc = Node::map();
                doc.put("authpack", 1, None);
                doc
            }
            true => {
                let text = files::read_text(&path, crate::yaml::MAX_INPUT_BYTES as u64)
                    .map_err(|e| format!("{}: {}", path.display(), e))?;
                crate::yaml::tree(&text).map_err(|d| {
                    let at = d.line.map(|l| format!(" (line {l})")).unwrap_or_default();
                    format!("{}{at}: {}; fix it with `authpack check`, then serve again", path.display(), d.message)
                })?
            }
        };
        Ok(Session { dir: dir.to_path_buf(), doc, built: None, backed_up: false })
    }

    /// The intake as the contract's YAML.
    pub fn text(&self) -> String {
        let mut doc = self.doc.clone();
        form::prune(&mut doc);
        format!("# authpack intake, format 1: written by `authpack serve`\n{}", doc.to_yaml())
    }

    /// Applies a posted form: for each field the page showed (`seen`), its
    /// answer; an answer the same as what was shown leaves the value as it was.
    pub fn apply(&mut self, pairs: &[(String, String)]) {
        let seen: Vec<&str> = pairs.iter().filter(|(k, _)| k == "seen").map(|(_, v)| v.as_str()).collect();
        for path in seen {
            let Some(steps) = form::steps(path) else { continue };
            let Some(field) = form::field_at(&steps) else { continue };
            // Browsers send a textarea's line breaks as CRLF.
            let answers: Vec<String> =
                pairs.iter().filter(|(k, _)| k == path).map(|(_, v)| v.replace("\r\n", "\n")).collect();
            let answer = answers.join("\n");
            let before = form::get(&self.doc, &steps);
            if form::shown(&field.kind, before).trim_end() == answer.trim_end() {
                continue;
            }
            form::set(&mut self.doc, &steps, form::value(&field.kind, &answer));
        }
        self.built = None;
    }

    /// Adds an empty row to the list at `path`.
    pub fn add_row(&mut self, path: &str) {
        let Some(steps) = form::steps(path) else { return };
        if !matches!(form::field_at(&steps).map(|f| &f.kind), Some(Kind::Rows(_))) {
            return;
        }
        let mut rows = match form::get(&self.doc, &steps) {
            Some(Node::Seq(items)) => items.clone(),
            _ => Vec::new(),
        };
        rows.push(Node::map());
        form::set(&mut self.doc, &steps, Some(Node::Seq(rows)));
    }

    /// Removes the row at `path` (`…[n]`).
    pub fn remove_row(&mut self, path: &str) {
        if let Some(steps) = form::steps(path).filter(|s| matches!(s.last(), Some(Step::Index(_)))) {
            form::set(&mut self.doc, &steps, None);
        }
    }

    /// Adds a record written into `records/` to the attachments.
    pub fn attach(&mut self, file: &str, title: &str) {
        let mut row = Node::map();
        row.put("file", file, None);
        if !title.trim().is_empty() {
            row.put("title", title.trim(), None);
        }
        let steps = form::steps("attachments").expect("a path");
        let mut rows = match form::get(&self.doc, &steps) {
            Some(Node::Seq(items)) => items.clone(),
            _ => Vec::new(),
        };
        rows.push(row);
        form::set(&mut self.doc, &steps, Some(Node::Seq(rows)));
    }

    /// Reads the intake as `check` does, with the documents when it can be built.
    pub fn read(&self, settings: &Settings<'_>) -> (Live, Vec<Document>) {
        let input = Input { text: self.text(), folder: self.dir.clone() };
        match crate::read(&input, settings) {
            Ok(reading) => {
                let view = crate::render::View::new(&reading, settings.pack, &crate::render::Paging::None);
                let documents = crate::render::render(&settings.pack.templates, &view).unwrap_or_default();
                let live = Live {
                    diagnostics: reading.warnings.clone(),
                    evaluation: Some(reading.evaluation.clone()),
                    reading: Some(reading),
                };
                (live, documents)
            }
            Err(rejected) => (
                Live { diagnostics: rejected.diagnostics, evaluation: rejected.evaluation.map(|e| *e), reading: None },
                Vec::new(),
            ),
        }
    }

    /// Writes the intake (owner-only, atomically). The file as it was before
    /// this session first replaced it is kept as the backup, comments and all.
    pub fn save(&mut self) -> Result<(), String> {
        let path = self.dir.join(INTAKE);
        let text = self.text();
        if let Ok(old) = std::fs::read(&path) {
            if old == text.as_bytes() {
                return Ok(());
            }
            if !self.backed_up {
                files::write_bytes(&self.dir.join(BACKUP), true, &old).map_err(|e| e.to_string())?;
            }
        }
        files::write_bytes(&path, true, text.as_bytes()).map_err(|e| e.to_string())?;
        self.backed_up = true;
        Ok(())
    }

    /// Saves, then builds the packet into the folder with the same code as `build`.
    pub fn build(&mut self, settings: &Settings<'_>) {
        let result = self.save().and_then(|()| {
            let input = Input { text: self.text(), folder: self.dir.clone() };
            let packet = crate::build(&input, settings).map_err(|e| match e {
                crate::BuildError::Rejected(r) => {
                    format!("the intake cannot be built yet: {}", crate::diag::summary(&r.diagnostics))
                }
                other => other.to_string(),
            })?;
            let target = self.dir.join(PACKET);
            let seconds = packet.reading.checked.intake.request.date.unix_seconds();
            let manifest = files::write_atomically(&target, true, |file| {
                packet.write(file, seconds, None).map_err(|e| Failed(e.to_string()))
            })
            .map_err(|Failed(e)| e)?;
            Ok(Built { files: manifest.files.len() + 1, fax_pages: packet.fax_pages })
        });
        self.built = Some(result);
    }
}

/// Makes `records/` owner-only (0700) when it is new; refuses one that is a link or not a folder.
pub fn records_folder(records: &Path) -> Result<(), String> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::symlink_metadata(records) {
        Ok(m) if m.file_type().is_symlink() || !m.is_dir() => {
            Err("the folder's records/ is a link or not a folder; authpack writes only inside the folder".into())
        }
        Ok(_) => Ok(()),
        Err(_) => std::fs::DirBuilder::new().mode(0o700).create(records).map_err(|e| format!("records/: {e}")),
    }
}

/// Why a write failed, in words.
struct Failed(String);

impl From<files::FileError> for Failed {
    fn from(e: files::FileError) -> Failed {
        Failed(e.to_string())
    }
}

/// An uploaded record's kind, by its first bytes: PDF, PNG or JPEG, else `None`.
pub fn record_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else {
        None
    }
}

/// A safe file name for an upload: lower-case letters, digits and hyphens, its
/// extension the kind its bytes show, never one already in `records/`.
pub fn record_name(dir: &Path, given: &str, kind: &str) -> String {
    let stem = Path::new(given).file_stem().and_then(|s| s.to_str()).unwrap_or("record");
    let slug = files::slug(stem);
    let mut name = format!("{slug}.{kind}");
    let mut n = 2;
    while dir.join("records").join(&name).exists() {
        name = format!("{slug}-{n}.{kind}");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_named_safely_and_typed_by_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(record_name(dir.path(), "../../Denial Letter (Oct).PDF", "pdf"), "denial-letter-oct.pdf");
        assert_eq!(record_name(dir.path(), "....", "png"), "record.png");
        std::fs::create_dir(dir.path().join("records")).unwrap();
        std::fs::write(dir.path().join("records/note.pdf"), b"x").unwrap();
        assert_eq!(record_name(dir.path(), "note.exe", "pdf"), "note-2.pdf");
        assert_eq!(record_kind(b"%PDF-1.7\n"), Some("pdf"));
        assert_eq!(record_kind(b"<html><script>"), None);
        assert_eq!(record_kind(b"MZ\x90\x00"), None);
    }
}
