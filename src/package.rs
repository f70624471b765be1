//! Package: the manifest and a deterministic zip, and verification of a packet
//! against its manifest.
//!
//! Entries are sorted by name, stamped with one fixed time and mode 0600, and
//! compressed with fixed settings, so the same inputs give the same bytes.
//! Enclosed records are streamed from their readers, never held whole.

use std::io::{self, Read, Seek, Write};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zip::write::{FileOptions, SimpleFileOptions};
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

/// The manifest's own format version.
pub const MANIFEST_FORMAT: u32 = 1;
/// The manifest's name in the packet.
pub const MANIFEST_NAME: &str = "manifest.json";

/// Where an entry's bytes come from.
pub enum Source {
    /// Bytes made in memory (documents).
    Bytes(Vec<u8>),
    /// A record streamed from a reader, with the size and hash it had when inspected.
    Stream {
        /// Opens the record for reading.
        open: Box<dyn Fn() -> io::Result<Box<dyn Read>>>,
        /// Its size when inspected.
        size: u64,
        /// Its SHA-256 when inspected.
        sha256: String,
    },
}

/// One entry to pack.
pub struct Entry {
    /// Path inside the zip.
    pub path: String,
    /// Media type for the manifest.
    pub media_type: String,
    /// The bytes.
    pub source: Source,
}

/// One file as the manifest lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Path inside the zip.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// Media type.
    pub media_type: String,
}

/// The packet's manifest. It holds no names or identifiers of the patient.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// The manifest format version.
    pub format_version: u32,
    /// The tool that built the packet.
    pub tool: ToolInfo,
    /// SHA-256 of the intake file's bytes.
    pub intake_sha256: String,
    /// The request, without identifiers.
    pub request: RequestInfo,
    /// The policy evaluated and its result.
    pub policy: PolicyInfo,
    /// Every other file in the packet, sorted by path.
    /// Whether the people were taken out (`--redact`): records withheld, dates shifted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
    pub files: Vec<ManifestFile>,
}

/// The tool that built a packet.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ToolInfo {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The request, without identifiers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestInfo {
    /// initial, continuation or appeal.
    pub kind: String,
    /// The therapy.
    pub therapy: String,
    /// The indication.
    pub indication: String,
    /// The request date.
    pub date: String,
}

/// The policy evaluated.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PolicyInfo {
    /// The profile id.
    pub id: String,
    /// The date the profile was checked against its source.
    pub as_of: String,
    /// The overall result.
    pub overall: String,
    /// Each criterion's id and status.
    pub criteria: Vec<CriterionInfo>,
}

/// One criterion's result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CriterionInfo {
    /// The criterion id.
    pub id: String,
    /// met, not-met or missing.
    pub status: String,
}

/// A packing failure.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// Writing the zip failed.
    #[error("writing the packet: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Reading a record or writing the output failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: io::Error,
    },
    /// A record changed between inspection and packing.
    #[error("{path} changed while the packet was being built; build again")]
    Changed {
        /// The entry.
        path: String,
    },
}

/// The hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes everything a reader yields, returning (size, hex SHA-256).
pub fn hash_reader(mut reader: impl Read) -> io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex(&hasher.finalize())))
}

/// The fixed timestamp every entry gets: midnight UTC of `epoch_seconds`, clamped to 1980 (the zip epoch).
pub fn zip_time(epoch_seconds: i64) -> DateTime {
    let date = crate::date::Date::from_days_since_epoch(epoch_seconds.div_euclid(86_400));
    let year = date.year().clamp(1980, 2107) as u16;
    let (month, day) = if date.year() < 1980 { (1, 1) } else { (date.month(), date.day()) };
    DateTime::from_date_and_time(year, month, day, 0, 0, 0).unwrap_or_default()
}

/// Writes the packet: every entry, then the manifest, all sorted by path. Returns the manifest.
///
/// With a password, every entry (the manifest too) is encrypted with AES-256
/// (WinZip AE-2), which 7-Zip and most archivers open; the salts are random, so
/// an encrypted packet's bytes differ from build to build while its contents do not.
pub fn write_packet<W: Write + Seek>(
    out: W,
    mut entries: Vec<Entry>,
    mut manifest: Manifest,
    time: DateTime,
    password: Option<&str>,
) -> Result<Manifest, PackError> {
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let mut options: FileOptions<'_, '_, ()> = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(time)
        .unix_permissions(0o600);
    if let Some(password) = password {
        options = options.with_aes_encryption(zip::AesMode::Aes256, password);
    }
    manifest.files = entries
        .iter()
        .map(|e| match &e.source {
            Source::Bytes(b) => ManifestFile {
                path: e.path.clone(),
                size: b.len() as u64,
                sha256: sha256_hex(b),
                media_type: e.media_type.clone(),
            },
            Source::Stream { size, sha256, .. } => ManifestFile {
                path: e.path.clone(),
                size: *size,
                sha256: sha256.clone(),
                media_type: e.media_type.clone(),
            },
        })
        .collect();
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).expect("the manifest serializes");

    let mut zip = ZipWriter::new(out);
    let written = (|| -> Result<(), PackError> {
        let mut manifest_written = false;
        for entry in &entries {
            if !manifest_written && entry.path.as_str() > MANIFEST_NAME {
                zip.start_file(MANIFEST_NAME, options)?;
                zip.write_all(&manifest_bytes).map_err(|e| io_err("writing the manifest", e))?;
                manifest_written = true;
            }
            zip.start_file(entry.path.as_str(), entry_options(&entry.path, options))?;
            match &entry.source {
                Source::Bytes(b) => zip.write_all(b).map_err(|e| io_err(&entry.path, e))?,
                Source::Stream { open, sha256, .. } => {
                    let reader = open().map_err(|e| io_err(&format!("reading {}", entry.path), e))?;
                    let mut tee = HashingReader { inner: reader, hasher: Sha256::new() };
                    io::copy(&mut tee, &mut zip).map_err(|e| io_err(&format!("reading {}", entry.path), e))?;
                    if hex(&tee.hasher.finalize()) != *sha256 {
                        return Err(PackError::Changed { path: entry.path.clone() });
                    }
                }
            }
        }
        if !manifest_written {
            zip.start_file(MANIFEST_NAME, options)?;
            zip.write_all(&manifest_bytes).map_err(|e| io_err("writing the manifest", e))?;
        }
        Ok(())
    })();
    if let Err(e) = written {
        // A failed packet is abandoned (its temporary file is removed by the caller);
        // dropping the writer would try to finish it and print to stderr.
        std::mem::forget(zip);
        return Err(e);
    }
    zip.finish()?;
    Ok(manifest)
}

/// Images and PDFs are compressed already: images are stored, PDFs deflated at the fastest level.
fn entry_options<'k, 'n>(path: &str, options: FileOptions<'k, 'n, ()>) -> FileOptions<'k, 'n, ()> {
    let lower = path.to_ascii_lowercase();
    if [".png", ".jpg", ".jpeg", ".gif", ".zip", ".gz"].iter().any(|e| lower.ends_with(e)) {
        options.compression_method(CompressionMethod::Stored).compression_level(None)
    } else if lower.ends_with(".pdf") {
        options.compression_level(Some(1))
    } else {
        options
    }
}

fn io_err(context: &str, source: io::Error) -> PackError {
    PackError::Io { context: context.to_string(), source }
}

struct HashingReader {
    inner: Box<dyn Read>,
    hasher: Sha256,
}

impl Read for HashingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// What verifying a packet found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Verification {
    /// Entries whose bytes match the manifest.
    pub ok: Vec<String>,
    /// Entries whose size or hash differ from the manifest.
    pub changed: Vec<String>,
    /// Entries the manifest lists that the zip lacks.
    pub missing: Vec<String>,
    /// Entries in the zip that the manifest does not list.
    pub added: Vec<String>,
}

impl Verification {
    /// Whether every entry matches and nothing was added or removed.
    pub fn is_intact(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.added.is_empty()
    }
}

/// A packet that cannot be read as one.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Not a readable zip.
    #[error("not a readable zip: {0}")]
    Zip(#[from] zip::result::ZipError),
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
    let manifest: Manifest = {
        let mut file = open_entry(&mut zip, MANIFEST_NAME, password).map_err(|e| match e {
            zip::result::ZipError::UnsupportedArchive(m) if m.contains("Password") => VerifyError::Encrypted,
            zip::result::ZipError::InvalidPassword => VerifyError::WrongPassword,
            e => VerifyError::Manifest(e.to_string()),
        })?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(|e| VerifyError::Manifest(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| VerifyError::Manifest(e.to_string()))?
    };
    let mut result = Verification::default();
    let names: Vec<String> = zip.file_names().map(|n| n.map(|n| n.into_owned())).collect::<Result<_, _>>()?;
    for listed in &manifest.files {
        match open_entry(&mut zip, &listed.path, password) {
            Ok(file) => {
                let (size, sha) = hash_reader(file)?;
                if size == listed.size && sha == listed.sha256 {
                    result.ok.push(listed.path.clone());
                } else {
                    result.changed.push(listed.path.clone());
                }
            }
            Err(zip::result::ZipError::FileNotFound) => result.missing.push(listed.path.clone()),
            Err(e) => return Err(e.into()),
        }
    }
    for name in names {
        if name != MANIFEST_NAME && !manifest.files.iter().any(|f| f.path == name) {
            result.added.push(name);
        }
    }
    result.added.sort();
    Ok(result)
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

/// A zip entry name made safe: no folders, no leading dots, only plain characters.
pub fn safe_entry_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String =
        base.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '-' }).collect();
    let trimmed = cleaned.trim_start_matches(['.', '-']);
    if trimmed.is_empty() { "record".to_string() } else { trimmed.chars().take(80).collect() }
}

/// The media type of a file, from its extension.
pub fn media_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    match lower.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("tif" | "tiff") => "image/tiff",
        Some("md") => "text/markdown; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("json") => "application/json",
        Some("ics") => "text/calendar; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_cannot_escape_the_archive() {
        assert_eq!(safe_entry_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_entry_name("..\\..\\boot.ini"), "boot.ini");
        assert_eq!(safe_entry_name(".hidden"), "hidden");
        assert_eq!(safe_entry_name("note 1 (final).pdf"), "note-1--final-.pdf");
        assert_eq!(safe_entry_name(".."), "record");
    }

    #[test]
    fn zip_time_clamps_to_the_zip_epoch() {
        assert_eq!(zip_time(0), DateTime::from_date_and_time(1980, 1, 1, 0, 0, 0).unwrap());
        let t = zip_time(crate::date::Date::parse("2026-11-20").unwrap().unix_seconds() + 3600);
        assert_eq!((t.year(), t.month(), t.day(), t.hour()), (2026, 11, 20, 0));
    }
}
