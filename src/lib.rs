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
}

/// Why a build stopped.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The intake has errors; nothing was written.
    #[error("the intake has {}", diag::summary(.0))]
    Invalid(Vec<Diagnostic>),
    /// A template failed.
    #[error(transparent)]
    Render(#[from] render::RenderError),
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
    };
    let documents = render::render_documents(settings.templates, &inputs)?;
    Ok(Prepared {
        intake_sha256: package::sha256_hex(text.as_bytes()),
        loaded,
        warnings: diagnostics,
        facts,
        evaluation,
        documents,
        records,
        appeal_dates,
    })
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
