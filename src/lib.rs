//! authpack: prior-authorization packets for esketamine and ketamine therapy.
//!
//! One YAML intake goes through six stages, each a module: [`intake`] (load),
//! [`check`], [`assess`], [`policy`] (evaluate), [`render`] and [`package`].
//! [`prepare`] runs the first five in memory; [`write`] packs the result into
//! any `Write + Seek`. Only [`cli`] opens files for writing or talks to the terminal.

pub mod assess;
pub mod check;
pub mod cli;
pub mod codes;
pub mod date;
pub mod deadlines;
pub mod diag;
pub mod evidence;
pub mod icd10;
pub mod intake;
pub mod package;
pub mod pdf;
pub mod policy;
pub mod records;
pub mod redact;
pub mod reference;
pub mod render;

use std::collections::BTreeMap;
use std::io::{Seek, Write};
use std::path::Path;

use diag::Diagnostic;
use intake::Loaded;
use package::{Entry, Manifest, Source};
use policy::{Evaluation, PolicyProfile, PolicySet};
use records::Record;
use render::{Document, Templates};

/// What a build needs besides the intake.
pub struct Settings<'a> {
    /// The document templates.
    pub templates: &'a Templates,
    /// The policy profiles to choose from.
    pub policies: &'a PolicySet,
    /// A profile chosen on the command line, overriding the intake's.
    pub policy: Option<&'a PolicyProfile>,
    /// Fonts and layout for PDFs; `None` builds no PDFs.
    pub typesetter: Option<&'a pdf::Typesetter>,
    /// Whether the packet holds the Markdown documents (`--format md|all`).
    pub markdown: bool,
    /// Whether to take the people out of the packet (`--redact`, see [`redact`]).
    pub redact: bool,
}

impl<'a> Settings<'a> {
    /// Markdown and PDFs, not redacted: what `authpack build` makes by default.
    pub fn new(
        templates: &'a Templates,
        policies: &'a PolicySet,
        typesetter: Option<&'a pdf::Typesetter>,
    ) -> Settings<'a> {
        Settings { templates, policies, policy: None, typesetter, markdown: true, redact: false }
    }
}

/// An intake read, checked, assessed, evaluated and rendered: everything but the zip.
pub struct Prepared {
    /// The intake and its positions.
    pub loaded: Loaded,
    /// Warnings (errors stop before this).
    pub warnings: Vec<Diagnostic>,
    /// Derived facts.
    pub facts: assess::Facts,
    /// The policy evaluation.
    pub evaluation: Evaluation,
    /// The rendered documents, in sending order.
    pub documents: Vec<Document>,
    /// The enclosed records, in order.
    pub records: Vec<Record>,
    /// SHA-256 of the intake text.
    pub intake_sha256: String,
    /// The appeal's dates, for an appeal.
    pub appeal_dates: Option<deadlines::AppealDates>,
    /// The PDFs: each document's, then the combined fax PDF.
    pub pdfs: Vec<NamedPdf>,
    /// Pages in the combined fax PDF.
    pub fax_pages: Option<usize>,
    /// Whether the packet holds the Markdown documents.
    pub markdown: bool,
    /// Whether the people were taken out.
    pub redacted: bool,
}

/// A PDF of the packet: its file name and bytes.
pub type NamedPdf = (String, Vec<u8>);

/// Why a build stopped.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The intake has errors; nothing was written.
    #[error("the intake has {}", diag::summary(.0))]
    Invalid(Vec<Diagnostic>),
    /// A template failed.
    #[error(transparent)]
    Render(#[from] render::RenderError),
    /// Typesetting failed, or an enclosure cannot be placed.
    #[error(transparent)]
    Pdf(#[from] pdf::PdfError),
    /// The redacted intake did not load back (a bug; nothing is written).
    #[error("redaction failed: {0}")]
    Redact(String),
}

/// Loads, checks, assesses, evaluates and renders an intake whose records are under `base`.
pub fn prepare(text: &str, base: &Path, settings: &Settings<'_>) -> Result<Prepared, BuildError> {
    let (loaded, mut diagnostics) = intake::read_intake(text);
    let Some(loaded) = loaded else { return Err(BuildError::Invalid(diagnostics)) };
    // Where values failed to load, placeholders stand in; the later checks still
    // run on everything else, so one run reports every problem, but anything
    // that could rest on a placeholder is left out.
    let failed: Vec<String> = diagnostics.iter().map(|d| d.path.clone()).collect();
    let trusted = |path: &str| !failed.iter().any(|f| intake::related(path, f));
    let anchors = ["request.date", "patient.date_of_birth", "request", "patient", "current_episode.start"];
    if failed.iter().all(|f| !anchors.contains(&f.as_str()) && !f.is_empty()) {
        diagnostics.extend(check::check(&loaded).into_iter().filter(|d| trusted(&d.path)));
    }
    let (records, record_problems) = records::inspect(base, &loaded.intake.attachments, &loaded.positions);
    diagnostics.extend(record_problems.into_iter().filter(|d| trusted(&d.path)));
    let mut policy_problems = Vec::new();
    let profile = choose_policy(&loaded, settings, &mut policy_problems);
    if ["request.policy", "request.therapy", "request.indication"].iter().all(|p| trusted(p)) {
        diagnostics.extend(policy_problems);
    }
    if let Some(typesetter) = settings.typesetter {
        diagnostics.extend(uncovered_characters(&loaded, typesetter));
        // A redacted packet withholds every record, so whether one could be placed does not matter.
        if !settings.redact {
            diagnostics.extend(unplaceable_records(&records, &loaded.positions));
        }
    }
    for (i, r) in records.iter().enumerate().filter(|(_, r)| !r.faxed && !settings.redact) {
        let path = format!("attachments[{i}].file");
        diagnostics.push(
            Diagnostic::warning(
                path.clone(),
                format!(
                    "the record is {:.1} MB, over the {} MB that is placed in the fax PDF; it is enclosed in the packet only",
                    r.size as f64 / 1_048_576.0,
                    records::FAX_LIMIT / 1_048_576
                ),
            )
            .at(loaded.positions.get(&path).copied())
            .hint("send it separately (by portal or mail), or enclose a shorter extract"),
        );
    }
    diag::sort(&mut diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(BuildError::Invalid(diagnostics));
    }
    let Some(profile) = profile else { return Err(BuildError::Invalid(diagnostics)) };
    let mut intake_sha256 = package::sha256_hex(text.as_bytes());
    let (loaded, records) = if settings.redact {
        let (intake, redacted_text) = redact::redact(&loaded.intake, &intake_sha256).map_err(BuildError::Redact)?;
        intake_sha256 = package::sha256_hex(redacted_text.as_bytes());
        let records = records
            .into_iter()
            .zip(&intake.attachments)
            .enumerate()
            .map(|(i, (r, a))| Record {
                path: std::path::PathBuf::new(),
                entry: format!("attachments/{:02}-{}", i + 1, package::safe_entry_name(&a.file)),
                title: a.title.clone().unwrap_or_else(|| format!("Record {}", i + 1)),
                size: redact::WITHHELD_PDF.len() as u64,
                sha256: package::sha256_hex(redact::WITHHELD_PDF),
                faxed: true,
                replacement: Some(redact::WITHHELD_PDF),
                ..r
            })
            .collect();
        (Loaded { intake, positions: loaded.positions }, records)
    } else {
        (loaded, records)
    };
    let facts = assess::assess(&loaded.intake);
    let evaluation = policy::evaluate(profile, &loaded.intake, &facts);
    let enclosures: Vec<render::Enclosure> = records
        .iter()
        .enumerate()
        .map(|(i, r)| render::Enclosure {
            number: i + 1,
            title: r.title.clone(),
            kind: r.kind.clone(),
            entry: r.entry.clone(),
            size: r.size,
            faxed: r.faxed,
        })
        .collect();
    let descriptions: BTreeMap<String, String> = loaded
        .intake
        .diagnoses
        .iter()
        .filter_map(|d| icd10::codes().lookup(d.code.as_str()).map(|c| (c.code.to_string(), c.description.to_string())))
        .collect();
    let appeal_dates = loaded
        .intake
        .appeal
        .as_ref()
        .filter(|_| loaded.intake.request.kind == intake::RequestKind::Appeal)
        .map(|a| deadlines::appeal_dates(&loaded.intake, a));
    if appeal_dates.as_ref().is_some_and(|d| d.late) {
        let by = appeal_dates.as_ref().and_then(|d| d.file_by.as_ref()).and_then(|f| f.by);
        diagnostics.push(
            Diagnostic::warning(
                "appeal.denial_date",
                format!(
                    "the request date is after the last day to file, {}",
                    by.map(|b| b.to_string()).unwrap_or_default()
                ),
            )
            .at(loaded.positions.get("appeal.denial_date").copied())
            .hint("file at once and explain the delay; plans may accept good cause"),
        );
    }
    let inputs = render::Inputs {
        intake: &loaded.intake,
        facts: &facts,
        evaluation: &evaluation,
        warnings: &diagnostics,
        enclosures: &enclosures,
        diagnosis_descriptions: &descriptions,
        appeal_dates: appeal_dates.as_ref(),
        fax_pages: settings.typesetter.map(|_| render::FaxPages::Typeset),
    };
    let mut documents = render::render_documents(settings.templates, &inputs)?;
    let (pdfs, fax_pages) = match settings.typesetter {
        Some(typesetter) => {
            let (pdfs, pages) = typeset(typesetter, settings.templates, &inputs, &mut documents, &records)?;
            (pdfs, Some(pages))
        }
        None => (Vec::new(), None),
    };
    Ok(Prepared {
        markdown: settings.markdown,
        redacted: settings.redact,
        intake_sha256,
        loaded,
        warnings: diagnostics,
        facts,
        evaluation,
        documents,
        records,
        appeal_dates,
        pdfs,
        fax_pages,
    })
}

/// Characters in the intake that no loaded font can show: Typst would drop them silently.
pub fn uncovered_characters(loaded: &Loaded, typesetter: &pdf::Typesetter) -> Vec<Diagnostic> {
    fn walk(value: &serde_json::Value, path: String, typesetter: &pdf::Typesetter, out: &mut Vec<(String, char)>) {
        match value {
            serde_json::Value::String(s) => {
                if let Some(c) = s.chars().find(|c| !typesetter.covers(*c)) {
                    out.push((path, c));
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, format!("{path}[{i}]"), typesetter, out);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    walk(v, if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, typesetter, out);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(&serde_json::to_value(&loaded.intake).unwrap_or_default(), String::new(), typesetter, &mut found);
    found
        .into_iter()
        .map(|(path, c)| {
            Diagnostic::error(
                path.clone(),
                format!("the character '{c}' (U+{:04X}) is in no bundled font and would vanish from the PDF", c as u32),
            )
            .at(loaded.positions.get(&path).copied())
            .hint("replace it, or give a font that has it with --font-dir DIR")
        })
        .collect()
}

/// The identifiers printed on every page of a document about this intake.
pub fn page_info(intake: &intake::Intake, title: &str) -> pdf::PageInfo {
    pdf::PageInfo {
        title: title.to_string(),
        practice: intake.prescriber.practice.as_ref().and_then(|p| p.name.clone()).unwrap_or_default(),
        patient: format!("{} {}", intake.patient.first_name, intake.patient.last_name),
        dob: intake.patient.date_of_birth.to_string(),
        member: intake.patient.member_id.clone(),
    }
}

/// Records that cannot be placed as pages of the fax (damaged, encrypted, or not PDF or image).
fn unplaceable_records(records: &[Record], positions: &intake::Positions) -> Vec<Diagnostic> {
    records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.faxed)
        .filter_map(|(i, r)| {
            let bytes = std::fs::read(&r.path).ok()?;
            let why = match pdf::enclosure_pages(&r.entry, &bytes) {
                Ok(_) => return None,
                Err(pdf::PdfError::Enclosure { why, .. }) => why,
                Err(e) => e.to_string(),
            };
            let path = format!("attachments[{i}].file");
            Some(
                Diagnostic::error(path.clone(), format!("the record cannot be placed in the fax PDF: {why}"))
                    .at(positions.get(&path).copied())
                    .hint("enclose an undamaged, unencrypted PDF, PNG or JPEG"),
            )
        })
        .collect()
}

/// Typesets every document and the combined fax PDF from one layout of the
/// whole packet: the fax's documents and enclosures, then the other documents.
/// The cover sheet's page count is filled in by the layout itself, so the
/// count is true by construction; the cover's Markdown then gets the same number.
fn typeset(
    typesetter: &pdf::Typesetter,
    templates: &Templates,
    inputs: &render::Inputs<'_>,
    documents: &mut [Document],
    records: &[Record],
) -> Result<(Vec<NamedPdf>, usize), BuildError> {
    let intake = inputs.intake;
    let records: Vec<&Record> = records.iter().filter(|r| r.faxed).collect();
    let record_bytes: Vec<Vec<u8>> = records
        .iter()
        .map(|r| r.read().map_err(|e| pdf::PdfError::Enclosure { name: r.entry.clone(), why: e.to_string() }))
        .collect::<Result<_, _>>()?;
    // Sending order: the fax's documents, its enclosures, then the rest.
    let faxed: Vec<usize> =
        render::FAX_DOCUMENTS.iter().filter_map(|name| documents.iter().position(|d| d.name == *name)).collect();
    let others: Vec<usize> = (0..documents.len()).filter(|i| !faxed.contains(i)).collect();
    let mut parts: Vec<pdf::Placed<'_>> =
        faxed.iter().map(|&i| pdf::Placed { part: pdf::Part::Document(&documents[i].markdown), fax: true }).collect();
    for (r, bytes) in records.iter().zip(&record_bytes) {
        parts.push(pdf::Placed { part: pdf::Part::Enclosure { title: &r.title, name: &r.entry, bytes }, fax: true });
    }
    parts.extend(others.iter().map(|&i| pdf::Placed { part: pdf::Part::Document(&documents[i].markdown), fax: false }));
    let laid =
        typesetter.lay_out(&page_info(intake, "Prior-authorization packet (fax)"), &parts, intake.request.date)?;
    drop(parts);
    // (document index, pages, title, ident) for each PDF; the fax last.
    let order: Vec<usize> = faxed.iter().chain(&others).copied().collect();
    let mut jobs: Vec<(Option<usize>, std::ops::Range<usize>, String, String)> = Vec::with_capacity(order.len() + 1);
    for (slot, &i) in order.iter().enumerate() {
        let part = if slot < faxed.len() { slot } else { slot + records.len() };
        jobs.push((Some(i), laid.parts[part].clone(), documents[i].title.clone(), documents[i].name.clone()));
    }
    jobs.push((None, 0..laid.fax_pages, "Prior-authorization packet (fax)".into(), "fax".into()));
    // PDF export is independent per document: split it over two threads.
    let export = |job: &(Option<usize>, std::ops::Range<usize>, String, String)| {
        typesetter.export(&laid, job.1.clone(), &job.2, &job.3).map(|bytes| (job.0, bytes))
    };
    // PDF export is independent per document: two halves, the second (with the fax)
    // on a short-lived thread. Its caches (embedded enclosure pages) are thread-local
    // and die with it; on a long-lived worker they would grow with every packet of a batch.
    let (first, second) = jobs.split_at(jobs.len() / 2);
    let exported = std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .stack_size(pdf::STACK_SIZE)
            .spawn_scoped(scope, || second.iter().map(export).collect::<Result<Vec<_>, _>>())
            .expect("a thread starts");
        let mut done = first.iter().map(export).collect::<Result<Vec<_>, _>>()?;
        done.extend(handle.join().expect("PDF export does not panic")?);
        Ok::<_, pdf::PdfError>(done)
    });
    let mut exported = exported?;
    let fax_pages = laid.fax_pages;
    drop(laid);
    pdf::forget();
    let counted = render::Inputs { fax_pages: Some(render::FaxPages::Counted(fax_pages)), ..*inputs };
    let cover = render::render_document(templates, &counted, "cover-sheet.md")?;
    for d in documents.iter_mut().filter(|d| d.name == "cover-sheet.md") {
        d.markdown = cover.clone();
    }
    // Each document's PDF in the documents' order, then the fax.
    let fax = exported.pop().map(|(_, bytes)| bytes).unwrap_or_default();
    exported.sort_by_key(|(i, _)| *i);
    let mut pdfs: Vec<NamedPdf> = exported
        .into_iter()
        .filter_map(|(i, bytes)| Some((documents[i?].name.replace(".md", ".pdf"), bytes)))
        .collect();
    pdfs.push(("fax-combined.pdf".to_string(), fax));
    Ok((pdfs, fax_pages))
}

fn choose_policy<'a>(
    loaded: &Loaded,
    settings: &Settings<'a>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<&'a PolicyProfile> {
    if let Some(p) = settings.policy {
        return Some(p);
    }
    let r = &loaded.intake.request;
    let pos = loaded.positions.get("request.policy").copied();
    match &r.policy {
        Some(id) => match settings.policies.profiles.get(id) {
            Some(p) => Some(p),
            None => {
                let mut d =
                    Diagnostic::error("request.policy", format!("unknown policy '{}'", intake::yaml::preview(id)))
                        .at(pos);
                if let Some(close) = diag::did_you_mean(id, settings.policies.profiles.keys().map(String::as_str)) {
                    d = d.hint(format!("did you mean '{close}'?"));
                }
                let ids: Vec<&str> = settings.policies.profiles.keys().map(String::as_str).collect();
                diagnostics
                    .push(d.hint(format!("bundled: {}; or give a policy file with --policy FILE", ids.join(", "))));
                None
            }
        },
        None => {
            let found = settings.policies.default_for(r.therapy, r.indication);
            if found.is_none() {
                diagnostics.push(
                    Diagnostic::error(
                        "request.policy",
                        format!(
                            "no bundled policy covers {} for {}",
                            policy::serde_label(&r.therapy),
                            policy::serde_label(&r.indication)
                        ),
                    )
                    .at(loaded.positions.get("request").copied())
                    .hint("name a profile with request.policy or --policy (see `authpack policies list`)"),
                );
            }
            found
        }
    }
}

/// Packs a prepared intake into `out`: documents, records and manifest.
pub fn write<W: Write + Seek>(prepared: &Prepared, out: W, epoch_seconds: i64) -> Result<Manifest, package::PackError> {
    write_encrypted(prepared, out, epoch_seconds, None)
}

/// Packs a prepared intake into `out`, every entry AES-256 encrypted when a password is given.
pub fn write_encrypted<W: Write + Seek>(
    prepared: &Prepared,
    out: W,
    epoch_seconds: i64,
    password: Option<&str>,
) -> Result<Manifest, package::PackError> {
    let mut entries: Vec<Entry> = prepared
        .documents
        .iter()
        .filter(|_| prepared.markdown)
        .map(|d| Entry {
            path: d.name.clone(),
            media_type: package::media_type(&d.name).into(),
            source: Source::Bytes(d.markdown.clone().into_bytes()),
        })
        .collect();
    for (name, bytes) in &prepared.pdfs {
        entries.push(Entry {
            path: name.clone(),
            media_type: package::media_type(name).into(),
            source: Source::Bytes(bytes.clone()),
        });
    }
    if let Some(dates) = &prepared.appeal_dates {
        let reference = prepared.loaded.intake.appeal.as_ref().and_then(|a| a.reference_number.as_deref());
        let ics =
            deadlines::calendar(dates, reference, prepared.loaded.intake.request.date, &prepared.intake_sha256[..16]);
        entries.push(Entry {
            path: "appeal-deadlines.ics".into(),
            media_type: package::media_type("x.ics").into(),
            source: Source::Bytes(ics.into_bytes()),
        });
    }
    for (i, r) in prepared.records.iter().enumerate() {
        // Zip encryption hides contents, not entry names; a record's file name may name the patient.
        let path = match password {
            Some(_) => {
                let ext = r.entry.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
                // Only a known extension: whatever follows the last dot could be a name.
                let ext = match ext.as_str() {
                    "pdf" | "png" | "jpg" | "jpeg" | "tif" | "tiff" | "txt" => ext.as_str(),
                    _ => "bin",
                };
                format!("attachments/{:02}-record.{ext}", i + 1)
            }
            None => r.entry.clone(),
        };
        entries.push(Entry {
            path,
            media_type: package::media_type(&r.entry).into(),
            source: Source::Stream { open: r.opener(), size: r.size, sha256: r.sha256.clone() },
        });
    }
    let intake = &prepared.loaded.intake;
    let e = &prepared.evaluation;
    let manifest = Manifest {
        format_version: package::MANIFEST_FORMAT,
        tool: package::ToolInfo { name: "authpack".into(), version: env!("CARGO_PKG_VERSION").into() },
        intake_sha256: prepared.intake_sha256.clone(),
        request: package::RequestInfo {
            kind: policy::serde_label(&intake.request.kind),
            therapy: policy::serde_label(&intake.request.therapy),
            indication: policy::serde_label(&intake.request.indication),
            date: intake.request.date.to_string(),
        },
        policy: package::PolicyInfo {
            id: e.id.clone(),
            as_of: e.source.as_of.to_string(),
            overall: policy::serde_label(&e.overall),
            criteria: e
                .criteria
                .iter()
                .map(|c| package::CriterionInfo { id: c.id.clone(), status: policy::serde_label(&c.status) })
                .collect(),
        },
        redacted: prepared.redacted,
        files: Vec::new(),
    };
    package::write_packet(out, entries, manifest, package::zip_time(epoch_seconds), password)
}
