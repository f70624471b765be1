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
}

impl Record {
    /// Opens the record for streaming into the packet.
    pub fn opener(&self) -> Box<dyn Fn() -> io::Result<Box<dyn Read>>> {
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
        match inspect_one(&path) {
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
                });
            }
            Err(why) => problems.push(
                Diagnostic::error(field, format!("attachment '{}' {why}", crate::intake::yaml::preview(&a.file)))
                    .at(pos)
                    .hint("paths are relative to the intake file's folder"),
            ),
        }
    }
    (records, problems)
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
