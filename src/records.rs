//! Enclosed records: each attachment found, checked to be a readable regular
//! file (not a folder, not a symbolic link), hashed, and given a safe name.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::intake::{Attachment, Positions};
use crate::package::{hash_reader, safe_entry_name};

/// One record ready to enclose.
#[derive(Clone, Debug)]
pub struct Record {
    /// Where it is on disk.
    pub path: PathBuf,
    /// Its name inside the packet (`attachments/01-progress-note.pdf`).
    pub entry: String,
    /// Its title in the letter.
    pub title: String,
    /// Its kind, in words.
    pub kind: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
    /// Whether it is placed in the fax PDF (it is small enough: [`FAX_LIMIT`]).
    pub faxed: bool,
    /// Bytes enclosed instead of the file's (a redacted packet's placeholder).
    pub replacement: Option<&'static [u8]>,
}

/// The largest record placed as pages of the fax PDF. Larger ones are still
/// enclosed in the packet, hashed and streamed, but not read into memory to typeset:
/// a fax of hundreds of megabytes would not go through anyway.
pub const FAX_LIMIT: u64 = 10 * 1024 * 1024;

impl Record {
    /// The record's bytes, for placing in the fax PDF.
    pub fn read(&self) -> io::Result<Vec<u8>> {
        match self.replacement {
            Some(bytes) => Ok(bytes.to_vec()),
            None => std::fs::read(&self.path),
        }
    }

    /// Opens the record for streaming into the packet.
    pub fn opener(&self) -> Box<dyn Fn() -> io::Result<Box<dyn Read>>> {
        if let Some(bytes) = self.replacement {
            return Box::new(move || Ok(Box::new(bytes) as Box<dyn Read>));
        }
        let path = self.path.clone();
        Box::new(move || Ok(Box::new(File::open(&path)?) as Box<dyn Read>))
    }
}

/// Finds and hashes every attachment, relative to `base`; problems become errors naming the field.
pub fn inspect(base: &Path, attachments: &[Attachment], positions: &Positions) -> (Vec<Record>, Vec<Diagnostic>) {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (i, a) in attachments.iter().enumerate() {
        let field = format!("attachments[{i}].file");
        let pos = positions.get(&field).copied();
        let path = base.join(&a.file);
        let inside = Path::new(&a.file)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir));
        let result = if !inside {
            Err("is outside the intake's folder".to_string())
        } else if escapes_through_link(base, &path) {
            Err("is outside the intake's folder, reached through a symbolic link".to_string())
        } else {
            inspect_one(&path)
        };
        match result {
            Ok((size, sha256)) => {
                let name = safe_entry_name(&a.file);
                records.push(Record {
                    entry: format!("attachments/{:02}-{name}", i + 1),
                    title: a.title.clone().unwrap_or_else(|| name.clone()),
                    kind: a
                        .kind
                        .map(|k| crate::policy::serde_label(&k).replace('-', " "))
                        .unwrap_or_else(|| "record".into()),
                    path,
                    size,
                    sha256,
                    faxed: size <= FAX_LIMIT,
                    replacement: None,
                });
            }
            Err(why) => problems.push(
                Diagnostic::error(field, format!("attachment '{}' {why}", crate::intake::yaml::preview(&a.file)))
                    .at(pos)
                    .hint(if inside {
                        "paths are relative to the intake file's folder"
                    } else {
                        "give a path inside the intake's folder, without '..' or a leading '/'; copy the record there"
                    }),
            ),
        }
    }
    (records, problems)
}

/// Whether `path`, with every symbolic link in it resolved, lies outside `base`:
/// a linked folder (`records -> /etc`) must not carry a record out of the intake's folder.
fn escapes_through_link(base: &Path, path: &Path) -> bool {
    let here = |p: &Path| if p.as_os_str().is_empty() { Path::new(".").to_path_buf() } else { p.to_path_buf() };
    let Ok(root) = here(base).canonicalize() else { return false };
    // The folder holding the file: the file itself, if a link, is refused on its own.
    let parent = here(path.parent().unwrap_or(base));
    match parent.canonicalize() {
        Ok(real) => !real.starts_with(&root),
        Err(_) => false,
    }
}

fn inspect_one(path: &Path) -> Result<(u64, String), String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => "was not found".to_string(),
        io::ErrorKind::PermissionDenied => "cannot be read (permission denied)".to_string(),
        _ => format!("cannot be read: {e}"),
    })?;
    if meta.file_type().is_symlink() {
        return Err("is a symbolic link; enclose the file itself".into());
    }
    if meta.is_dir() {
        return Err("is a folder, not a file".into());
    }
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    let file = File::open(path).map_err(|e| format!("cannot be read: {e}"))?;
    let (size, sha) = hash_reader(file).map_err(|e| format!("cannot be read: {e}"))?;
    if size == 0 {
        return Err("is empty".into());
    }
    Ok((size, sha))
}
