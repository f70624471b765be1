//! Verify: re-hash every entry of a packet against its manifest.
//!
//! A packet is intact when its zip is well formed (one entry per name, local headers that agree with
//! the central directory, within the caps below), every entry the manifest lists is present with its
//! size and hash, and nothing else is there. Every check is linear in the number of entries.

use std::collections::{BTreeSet, HashSet};
use std::io::{self, Read, Seek};

use serde::Serialize;
use zip::ZipArchive;
use zip::result::ZipError;

use super::{MANIFEST_NAME, Manifest, hash_reader};

/// The most entries a packet may hold; a built packet holds its documents and at most
/// [`crate::check::budgets::MAX_RECORDS`] records, each once.
pub const MAX_ENTRIES: usize = 1_000;

/// The largest manifest `verify` reads, in bytes once decompressed.
pub const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;

/// What verifying a packet found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Verification {
    /// Entries whose bytes match the manifest.
    pub ok: Vec<String>,
    /// Entries whose size or hash differ from the manifest, or whose bytes fail the zip's own checksum.
    pub changed: Vec<String>,
    /// Entries the manifest lists that the zip lacks.
    pub missing: Vec<String>,
    /// Entries in the zip that the manifest does not list.
    pub added: Vec<String>,
    /// Ways the zip itself is not the shape authpack writes (duplicate names, local headers that
    /// disagree with the central directory, too many entries); each one alone makes the packet altered.
    pub structure: Vec<String>,
}

impl Verification {
    /// Whether every entry matches, nothing was added or removed, and the zip is well formed.
    pub fn is_intact(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.added.is_empty() && self.structure.is_empty()
    }
}

/// A packet that cannot be read as one.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Not a readable zip.
    #[error("not a readable zip: {0}")]
    Zip(#[from] ZipError),
    /// No manifest, or one that does not parse.
    #[error("the manifest is missing or unreadable: {0}")]
    Manifest(String),
    /// Reading failed.
    #[error("reading the packet: {0}")]
    Io(#[from] io::Error),
    /// The packet is encrypted and no password was given.
    #[error("the packet is encrypted; set AUTHPACK_PASSWORD or run on a terminal to be asked")]
    Encrypted,
    /// The password does not open the packet.
    #[error("the password does not open the packet")]
    WrongPassword,
}

/// Re-hashes every entry of a packet against its manifest.
///
/// An encrypted packet needs its `password`.
pub fn verify_packet<R: Read + Seek>(reader: R, password: Option<&str>) -> Result<Verification, VerifyError> {
    let mut zip = ZipArchive::new(reader)?;
    let mut result = Verification { structure: structure(&mut zip), ..Verification::default() };
    if zip.len() > MAX_ENTRIES {
        // Hashing is skipped: the verdict is already "altered", and the work would be the attacker's choice.
        return Ok(result);
    }
    let manifest = match read_manifest(&mut zip, password)? {
        Ok(manifest) => manifest,
        Err(finding) => {
            result.structure.push(finding);
            return Ok(result);
        }
    };
    let mut listed = HashSet::with_capacity(manifest.files.len());
    for file in &manifest.files {
        if !listed.insert(file.path.as_str()) {
            result.structure.push(format!("the manifest lists {} twice", file.path));
            continue;
        }
        match open_entry(&mut zip, &file.path, password) {
            // Reading stops one byte past the listed size, so a decompression bomb costs no more than
            // the entry it claims to be.
            Ok(entry) => match hash_reader(entry.take(file.size.saturating_add(1))) {
                Ok((size, sha)) if size == file.size && sha == file.sha256 => result.ok.push(file.path.clone()),
                // A checksum or decompression failure is a changed entry, named like any other.
                Ok(_) | Err(_) => result.changed.push(file.path.clone()),
            },
            Err(ZipError::FileNotFound) => result.missing.push(file.path.clone()),
            Err(ZipError::InvalidPassword) => return Err(VerifyError::WrongPassword),
            Err(_) => result.changed.push(file.path.clone()),
        }
    }
    let names: BTreeSet<String> = zip.file_names().map(|n| n.map(|n| n.into_owned())).collect::<Result<_, _>>()?;
    result.added = names.into_iter().filter(|name| name != MANIFEST_NAME && !listed.contains(name.as_str())).collect();
    Ok(result)
}

/// What is wrong with the zip's own structure, in words for the report.
fn structure<R: Read + Seek>(zip: &mut ZipArchive<R>) -> Vec<String> {
    let mut found = Vec::new();
    if zip.len() > MAX_ENTRIES {
        found.push(format!("the zip holds {} entries, more than the {MAX_ENTRIES} a packet can", zip.len()));
        return found;
    }
    if zip.offset() != 0 {
        found.push("bytes precede the first entry".to_owned());
    }
    if zip.has_duplicate_names() {
        // Readers disagree on which copy of a name they show; authpack never writes two.
        found.push("two entries share a name".to_owned());
    } else if zip.validate_header_consistency().is_err() {
        found.push("the entries' own headers disagree with the zip's directory".to_owned());
    }
    found
}

/// The packet's manifest; `Ok(Err(finding))` when its bytes are there but fail the zip's checksum or
/// exceed the cap (an altered packet, not an unreadable one).
fn read_manifest<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    password: Option<&str>,
) -> Result<Result<Manifest, String>, VerifyError> {
    let file = open_entry(zip, MANIFEST_NAME, password).map_err(|e| match e {
        ZipError::UnsupportedArchive(m) if m.contains("Password") => VerifyError::Encrypted,
        ZipError::InvalidPassword => VerifyError::WrongPassword,
        e => VerifyError::Manifest(e.to_string()),
    })?;
    let mut bytes = Vec::new();
    if file.take(MAX_MANIFEST_BYTES + 1).read_to_end(&mut bytes).is_err() {
        return Ok(Err(format!("{MANIFEST_NAME} fails the zip's checksum")));
    }
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        return Ok(Err(format!(
            "{MANIFEST_NAME} is larger than the {} MiB a manifest can be",
            MAX_MANIFEST_BYTES >> 20
        )));
    }
    serde_json::from_slice(&bytes).map(Ok).map_err(|e| VerifyError::Manifest(e.to_string()))
}

fn open_entry<'a, R: Read + Seek>(
    zip: &'a mut ZipArchive<R>,
    name: &str,
    password: Option<&str>,
) -> zip::result::ZipResult<zip::read::ZipFile<'a, R>> {
    match password {
        Some(p) => zip.by_name_decrypt(name, p.as_bytes()),
        None => zip.by_name(name),
    }
}
