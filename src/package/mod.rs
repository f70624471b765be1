//! Package: the packet's entries and manifest, written as a deterministic zip,
//! and verification of a packet against its manifest.
//!
//! Entries are sorted by name, stamped with one fixed time and mode 0600, and
//! compressed with fixed settings, so the same inputs give the same bytes.
//! Enclosed records are written from the bytes (or the handle) read when they
//! were checked, and hashed again as they go in.

mod verify;

use std::io::{self, Read, Seek, Write};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zip::write::{FileOptions, SimpleFileOptions};
use zip::{CompressionMethod, DateTime, ZipWriter};

pub use verify::{Verification, VerifyError, verify_packet};

use crate::check::Record;
use crate::pdf::Typeset;
use crate::reading::Reading;
use crate::render::Document;

/// The manifest's own format version.
pub const MANIFEST_FORMAT: u32 = 1;
/// The calendar of the packet's deadlines.
pub const DEADLINES_ICS: &str = "deadlines.ics";
/// The manifest's name in the packet.
pub const MANIFEST_NAME: &str = "manifest.json";

/// Where an entry's bytes come from.
pub enum Source {
    /// Bytes made in memory (documents, PDFs, the calendar).
    Bytes(Vec<u8>),
    /// An enclosed record, by its position among the reading's records.
    Record(usize),
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

/// A built packet, ready to write: its entries, its manifest, and the reading it was drawn from.
pub struct Packet {
    /// The reading every document was drawn from.
    pub reading: Reading,
    /// The rendered documents.
    pub documents: Vec<Document>,
    /// Pages in the combined fax, when PDFs were made.
    pub fax_pages: Option<usize>,
    entries: Vec<Entry>,
    manifest: Manifest,
}

/// Puts a reading's documents, PDFs, calendar and records into one packet.
pub fn assemble(
    reading: Reading,
    documents: Vec<Document>,
    typeset: Option<Typeset>,
    markdown: bool,
    pas: Option<Vec<u8>>,
) -> Packet {
    let mut entries: Vec<Entry> = Vec::new();
    if markdown {
        entries.extend(documents.iter().map(|d| Entry {
            path: d.name.clone(),
            media_type: media_type(&d.name).into(),
            source: Source::Bytes(crate::pdf::markup::without_marks(&d.markdown).into_bytes()),
        }));
    }
    let fax_pages = typeset.as_ref().map(|t| t.fax_pages);
    for (name, bytes) in typeset.map(|t| t.pdfs).unwrap_or_default() {
        entries.push(Entry { media_type: media_type(&name).into(), path: name, source: Source::Bytes(bytes) });
    }
    let events = reading.facts.deadlines();
    if !events.is_empty() {
        let intake = &reading.checked.intake;
        let reference = intake.appeal.as_ref().and_then(|a| a.reference_number.as_deref());
        let events: Vec<&crate::assess::deadlines::Deadline> = events.iter().collect();
        let ics =
            crate::assess::deadlines::calendar(&events, reference, intake.request.date, &reading.checked.sha256[..16]);
        entries.push(Entry {
            path: DEADLINES_ICS.into(),
            media_type: media_type("x.ics").into(),
            source: Source::Bytes(ics.into_bytes()),
        });
    }
    if let Some(bundle) = pas {
        entries.push(Entry {
            path: crate::fhir::pas::PAS_BUNDLE.into(),
            media_type: "application/fhir+json".into(),
            source: Source::Bytes(bundle),
        });
    }
    for (i, r) in reading.checked.records.iter().enumerate() {
        entries.push(Entry {
            path: r.entry.clone(),
            media_type: r.media.media_type().into(),
            source: Source::Record(i),
        });
    }
    let manifest = manifest(&reading);
    Packet { reading, documents, fax_pages, entries, manifest }
}

fn manifest(reading: &Reading) -> Manifest {
    let intake = &reading.checked.intake;
    let e = &reading.evaluation;
    use crate::policy::serde_label as label;
    Manifest {
        format_version: MANIFEST_FORMAT,
        tool: ToolInfo { name: "authpack".into(), version: env!("CARGO_PKG_VERSION").into() },
        intake_sha256: reading.checked.sha256.clone(),
        request: RequestInfo {
            kind: label(&intake.request.kind),
            therapy: label(&intake.request.therapy),
            indication: label(&intake.request.indication),
            date: intake.request.date.to_string(),
        },
        policy: PolicyInfo {
            id: e.id.clone(),
            as_of: e.source.as_of.to_string(),
            overall: label(&e.overall),
            criteria: e.criteria.iter().map(|c| CriterionInfo { id: c.id.clone(), status: label(&c.status) }).collect(),
        },
        redacted: reading.checked.redacted,
        files: Vec::new(),
    }
}

impl Packet {
    /// The paths of the packet's entries, sorted, the manifest among them.
    pub fn paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.entries.iter().map(|e| e.path.clone()).collect();
        paths.push(MANIFEST_NAME.to_string());
        paths.sort();
        paths
    }

    /// The bytes of a made entry (a document, PDF or calendar), by its path.
    pub fn bytes(&self, path: &str) -> Option<&[u8]> {
        self.entries.iter().find(|e| e.path == path).and_then(|e| match &e.source {
            Source::Bytes(b) => Some(b.as_slice()),
            Source::Record(_) => None,
        })
    }

    /// Writes the packet as a zip into `out`, stamped with `epoch_seconds`; with a
    /// password, every entry is AES-256 encrypted and records get generic names.
    pub fn write<W: Write + Seek>(
        &self,
        out: W,
        epoch_seconds: i64,
        password: Option<&str>,
    ) -> Result<Manifest, PackError> {
        let records = &self.reading.checked.records;
        let entries: Vec<Entry> = self
            .entries
            .iter()
            .map(|e| Entry {
                path: match (&e.source, password) {
                    // Zip encryption hides contents, not entry names; a record's file name may name the patient.
                    (Source::Record(i), Some(_)) => encrypted_record_name(*i, &records[*i]),
                    _ => e.path.clone(),
                },
                media_type: e.media_type.clone(),
                source: match &e.source {
                    Source::Bytes(b) => Source::Bytes(b.clone()),
                    Source::Record(i) => Source::Record(*i),
                },
            })
            .collect();
        write_packet(out, entries, records, self.manifest.clone(), zip_time(epoch_seconds), password)
    }
}

/// A record's name in an encrypted packet: its number and a known extension only.
fn encrypted_record_name(i: usize, r: &Record) -> String {
    let ext = r.entry.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let ext = match ext.as_str() {
        "pdf" | "png" | "jpg" | "jpeg" | "tif" | "tiff" | "txt" => ext.as_str(),
        _ => "bin",
    };
    format!("attachments/{:02}-record.{ext}", i + 1)
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
    /// Whether the people were taken out (`--redact`): records withheld, dates shifted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
    /// Every other file in the packet, sorted by path.
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
    /// A record's bytes no longer match the hash taken when it was checked.
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

/// Bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
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
fn write_packet<W: Write + Seek>(
    out: W,
    mut entries: Vec<Entry>,
    records: &[Record],
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
            Source::Record(i) => ManifestFile {
                path: e.path.clone(),
                size: records[*i].size,
                sha256: records[*i].sha256.clone(),
                media_type: e.media_type.clone(),
            },
        })
        .collect();
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).expect("the manifest serializes");

    let mut sticky = Sticky { inner: out, error: None, position: 0 };
    let mut zip = ZipWriter::new(&mut sticky);
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
                Source::Record(i) => {
                    let record = &records[*i];
                    let mut tee = HashingReader { inner: record.reader(), hasher: Sha256::new() };
                    io::copy(&mut tee, &mut zip).map_err(|e| io_err(&format!("reading {}", entry.path), e))?;
                    if hex(&tee.hasher.finalize()) != record.sha256 {
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
    // Finishing never fails on the output (a failed write is kept by `Sticky`), so the
    // zip crate never retries in its destructor, which would print to stderr.
    let finished = zip.finish().map(drop);
    if let Some(e) = sticky.error.take() {
        return Err(io_err("writing the packet", e));
    }
    written?;
    finished?;
    Ok(manifest)
}

/// A writer that keeps its first failure and from then on only counts bytes, so
/// the zip writer can run to its end; the failure is reported once, after.
struct Sticky<W> {
    inner: W,
    error: Option<io::Error>,
    position: u64,
}

impl<W: Write> Write for Sticky<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.error.is_none() {
            match self.inner.write(buf) {
                Ok(n) => {
                    self.position += n as u64;
                    return Ok(n);
                }
                Err(e) => self.error = Some(e),
            }
        }
        self.position += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.error.is_none()
            && let Err(e) = self.inner.flush()
        {
            self.error = Some(e);
        }
        Ok(())
    }
}

impl<W: Seek> Seek for Sticky<W> {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        if self.error.is_none() {
            match self.inner.seek(to) {
                Ok(p) => {
                    self.position = p;
                    return Ok(p);
                }
                Err(e) => self.error = Some(e),
            }
        }
        self.position = match to {
            io::SeekFrom::Start(p) => p,
            io::SeekFrom::Current(d) | io::SeekFrom::End(d) => self.position.saturating_add_signed(d),
        };
        Ok(self.position)
    }
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

struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A zip entry name made safe: no folders, no leading dots, only plain characters.
pub fn safe_entry_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String =
        base.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '-' }).collect();
    let trimmed = cleaned.trim_start_matches(['.', '-']);
    if trimmed.is_empty() {
        return "record".to_string();
    }
    if trimmed.len() <= MAX_ENTRY_NAME {
        return trimmed.to_string();
    }
    // A long name is cut in its stem: the extension says what the file is, to a reader and to authpack.
    let extension = match trimmed.rsplit_once('.') {
        Some((_, e)) if (1..=8).contains(&e.len()) => &trimmed[trimmed.len() - e.len() - 1..],
        _ => "",
    };
    format!("{}{extension}", &trimmed[..MAX_ENTRY_NAME - extension.len()])
}

/// The longest record name inside a packet, in (ASCII) characters, extension included.
pub const MAX_ENTRY_NAME: usize = 80;

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
    fn a_long_name_is_cut_in_its_stem_and_keeps_its_extension() {
        let long = format!("{}.pdf", "progress-note-".repeat(10));
        let cut = safe_entry_name(&long);
        assert_eq!(cut.len(), MAX_ENTRY_NAME);
        assert!(cut.ends_with(".pdf") && cut.starts_with("progress-note-progress"), "{cut}");
        assert_eq!(safe_entry_name(&"x".repeat(200)), "x".repeat(MAX_ENTRY_NAME));
        assert_eq!(safe_entry_name("note.pdf"), "note.pdf");
    }

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
