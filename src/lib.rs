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
    /// Fonts and layout for PDFs; `None` builds Markdown only.
    pub typesetter: Option<&'a pdf::Typesetter>,
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
        diagnostics.extend(unplaceable_records(&records, &loaded.positions));
    }
    diag::sort(&mut diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(BuildError::Invalid(diagnostics));
    }
    let Some(profile) = profile else { return Err(BuildError::Invalid(diagnostics)) };
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
        fax_pages: None,
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
        intake_sha256: package::sha256_hex(text.as_bytes()),
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

/// Typesets every document and the combined fax PDF. The cover sheet states the
/// fax's true page count: the fax is typeset, counted, and typeset again with
/// the cover re-rendered until the count holds.
fn typeset(
    typesetter: &pdf::Typesetter,
    templates: &Templates,
    inputs: &render::Inputs<'_>,
    documents: &mut [Document],
    records: &[Record],
) -> Result<(Vec<NamedPdf>, usize), BuildError> {
    let intake = inputs.intake;
    let info = |title: &str| page_info(intake, title);
    let record_bytes: Vec<Vec<u8>> = records
        .iter()
        .map(|r| {
            std::fs::read(&r.path).map_err(|e| pdf::PdfError::Enclosure { name: r.entry.clone(), why: e.to_string() })
        })
        .collect::<Result<_, _>>()?;
    let date = intake.request.date;
    let fax = |documents: &[Document]| -> Result<(Vec<u8>, usize), BuildError> {
        let mut parts: Vec<pdf::Part<'_>> = render::FAX_DOCUMENTS
            .iter()
            .filter_map(|name| documents.iter().find(|d| d.name == *name))
            .map(|d| pdf::Part::Document(&d.markdown))
            .collect();
        for (r, bytes) in records.iter().zip(&record_bytes) {
            parts.push(pdf::Part::Enclosure { title: &r.title, name: &r.entry, bytes });
        }
        Ok(typesetter.typeset(&info("Prior-authorization packet (fax)"), &parts, date, "fax")?)
    };
    let (mut fax_pdf, mut pages) = fax(documents)?;
    for _ in 0..3 {
        let counted = render::Inputs { fax_pages: Some(pages), ..*inputs };
        let cover = render::render_document(templates, &counted, "cover-sheet.md")?;
        let cover_changed = documents.iter().any(|d| d.name == "cover-sheet.md" && d.markdown != cover);
        for d in documents.iter_mut().filter(|d| d.name == "cover-sheet.md") {
            d.markdown = cover.clone();
        }
        let (again, again_pages) = if cover_changed { fax(documents)? } else { (fax_pdf.clone(), pages) };
        let settled = again_pages == pages;
        (fax_pdf, pages) = (again, again_pages);
        if settled {
            break;
        }
    }
    let mut pdfs = Vec::with_capacity(documents.len() + 1);
    for d in documents.iter() {
        let (bytes, _) = typesetter.typeset(&info(&d.title), &[pdf::Part::Document(&d.markdown)], date, &d.name)?;
        pdfs.push((d.name.replace(".md", ".pdf"), bytes));
    }
    pdfs.push(("fax-combined.pdf".to_string(), fax_pdf));
    Ok((pdfs, pages))
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
    let mut entries: Vec<Entry> = prepared
        .documents
        .iter()
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
    for r in &prepared.records {
        entries.push(Entry {
            path: r.entry.clone(),
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
        files: Vec::new(),
    };
    package::write_packet(out, entries, manifest, package::zip_time(epoch_seconds))
}
