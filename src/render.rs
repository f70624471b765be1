//! Render: the documents of a packet, from Tera templates written as Markdown.
//!
//! The default templates under `packet-templates/documents/` are compiled in;
//! a folder given with `--templates` replaces them by name. Every value from
//! the intake is escaped as Markdown on output, so nothing a user types can
//! act as markup. Templates see one context built from the intake, its facts
//! and the policy evaluation, so no document can disagree with another.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::{Value, json};
use tera::Tera;

use crate::assess::Facts;
use crate::intake::{Intake, RequestKind};
use crate::policy::Evaluation;

/// The default document templates, by name.
pub const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    ("cover-sheet.md", include_str!("../packet-templates/documents/cover-sheet.md")),
    ("letter-of-medical-necessity.md", include_str!("../packet-templates/documents/letter-of-medical-necessity.md")),
    ("criteria-checklist.md", include_str!("../packet-templates/documents/criteria-checklist.md")),
    ("treatment-history.md", include_str!("../packet-templates/documents/treatment-history.md")),
    ("continuation-letter.md", include_str!("../packet-templates/documents/continuation-letter.md")),
    ("appeal-letter.md", include_str!("../packet-templates/documents/appeal-letter.md")),
    ("claim-file-request.md", include_str!("../packet-templates/documents/claim-file-request.md")),
    ("call-log.md", include_str!("../packet-templates/documents/call-log.md")),
    ("superbill.md", include_str!("../packet-templates/documents/superbill.md")),
    ("next-steps.md", include_str!("../packet-templates/documents/next-steps.md")),
    ("macros.md", include_str!("../packet-templates/documents/macros.md")),
];

/// A problem with the templates.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template did not parse or render; the message carries Tera's cause chain.
    #[error("template {name}: {chain}")]
    Template {
        /// The template.
        name: String,
        /// Tera's error and every cause under it.
        chain: String,
    },
    /// A template folder could not be read.
    #[error("cannot read templates in {path}: {source}")]
    Io {
        /// The folder or file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

fn chain(e: &tera::Error) -> String {
    let mut out = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// One rendered document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// File name in the packet, such as `letter-of-medical-necessity.md`.
    pub name: String,
    /// Title, as listed on the cover sheet.
    pub title: String,
    /// The Markdown text.
    pub markdown: String,
}

/// The loaded templates. Tera parses slowly (about 1 ms a document), so the
/// compiled-in defaults are compiled on first use, only the documents a packet
/// needs, on two threads; a template folder given by the user is compiled
/// whole at once, so a broken override is reported before anything is built.
pub struct Templates {
    sources: BTreeMap<String, String>,
    /// Groups of documents compiled so far, each a Tera with the shared macros.
    compiled: Mutex<Vec<Arc<Tera>>>,
}

/// The file every document imports its macros from.
const MACROS: &str = "macros.md";

impl Templates {
    /// The compiled-in defaults, each replaced by a file of the same name in `dir/documents/` when given.
    pub fn load(dir: Option<&Path>) -> Result<Templates, RenderError> {
        let mut sources: BTreeMap<String, String> =
            DEFAULT_TEMPLATES.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        let mut compiled = Vec::new();
        if let Some(dir) = dir {
            let docs = dir.join("documents");
            let io = |source| RenderError::Io { path: docs.display().to_string(), source };
            for entry in std::fs::read_dir(&docs).map_err(io)? {
                let path = entry.map_err(io)?.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_string) else { continue };
                if name.ends_with(".md") {
                    let text = std::fs::read_to_string(&path)
                        .map_err(|source| RenderError::Io { path: path.display().to_string(), source })?;
                    sources.insert(name, text);
                }
            }
            let all: Vec<&str> = sources.keys().map(String::as_str).collect();
            let tera = compile(&sources, &all)
                .map_err(|chain| RenderError::Template { name: dir.display().to_string(), chain })?;
            compiled.push(Arc::new(tera));
        }
        Ok(Templates { sources, compiled: Mutex::new(compiled) })
    }

    fn find(&self, name: &str) -> Option<Arc<Tera>> {
        let compiled = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        compiled.iter().find(|t| t.get_template_names().any(|n| n == name)).cloned()
    }

    /// Compiles the named documents not compiled yet, split over two threads.
    pub fn warm(&self, names: &[&str]) -> Result<(), RenderError> {
        let mut missing: Vec<&str> = names.iter().copied().filter(|n| self.find(n).is_none()).collect();
        if missing.is_empty() {
            return Ok(());
        }
        // Two groups of about equal size of source, largest first.
        missing.sort_by_key(|n| std::cmp::Reverse(self.sources.get(*n).map_or(0, String::len)));
        let (mut left, mut right, mut sizes) = (Vec::new(), Vec::new(), (0, 0));
        for n in missing {
            let size = self.sources.get(n).map_or(0, String::len);
            if sizes.0 <= sizes.1 {
                left.push(n);
                sizes.0 += size;
            } else {
                right.push(n);
                sizes.1 += size;
            }
        }
        let failed = |(names, chain): (&Vec<&str>, String)| RenderError::Template { name: names.join(", "), chain };
        let (a, b) = std::thread::scope(|scope| {
            let other = (!right.is_empty()).then(|| scope.spawn(|| compile(&self.sources, &right)));
            let mine = compile(&self.sources, &left);
            (mine, other.map(|h| h.join().expect("compiling a template does not panic")))
        });
        let mut compiled = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        compiled.push(Arc::new(a.map_err(|c| failed((&left, c)))?));
        if let Some(b) = b {
            compiled.push(Arc::new(b.map_err(|c| failed((&right, c)))?));
        }
        Ok(())
    }

    fn render(&self, name: &str, context: &tera::Context) -> Result<String, RenderError> {
        self.warm(&[name])?;
        let tera = self
            .find(name)
            .ok_or_else(|| RenderError::Template { name: name.to_string(), chain: "no such template".to_string() })?;
        tera.render(name, context)
            .map(|s| tidy(&s))
            .map_err(|e| RenderError::Template { name: name.to_string(), chain: chain(&e) })
    }
}

/// A Tera holding the macros and the named documents, with authpack's filters and escaping.
fn compile(sources: &BTreeMap<String, String>, names: &[&str]) -> Result<Tera, String> {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".md"]);
    tera.set_escape_fn(escape_markdown);
    tera.register_filter("cell", cell);
    tera.register_filter("long_date", long_date);
    tera.register_filter("words", words);
    let mut wanted: Vec<&str> = names.to_vec();
    if !wanted.contains(&MACROS) {
        wanted.push(MACROS);
    }
    // Added as one set, so imports and macros resolve across files.
    tera.add_raw_templates(wanted.iter().filter_map(|n| sources.get(*n).map(|t| (*n, t.as_str()))))
        .map_err(|e| chain(&e))?;
    Ok(tera)
}

/// An enclosed record as the documents list it.
#[derive(Clone, Debug, Serialize)]
pub struct Enclosure {
    /// Its number in the enclosure list, from 1.
    pub number: usize,
    /// Its title.
    pub title: String,
    /// Its kind, in words.
    pub kind: String,
    /// Its path inside the packet.
    pub entry: String,
    /// Its size in bytes.
    pub size: u64,
    /// Whether it is placed in the fax PDF (else it is too large and goes separately).
    pub faxed: bool,
}

/// What the documents are drawn from.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    /// The intake.
    pub intake: &'a Intake,
    /// Its facts.
    pub facts: &'a Facts,
    /// The policy evaluation.
    pub evaluation: &'a Evaluation,
    /// The warnings from the check stage.
    pub warnings: &'a [crate::diag::Diagnostic],
    /// The enclosed records, in order.
    pub enclosures: &'a [Enclosure],
    /// Official descriptions of the diagnosis codes, where known.
    pub diagnosis_descriptions: &'a BTreeMap<String, String>,
    /// The appeal's dates, for an appeal.
    pub appeal_dates: Option<&'a crate::deadlines::AppealDates>,
    /// Pages in the combined fax PDF: counted, left to the typesetter, or not known.
    pub fax_pages: Option<FaxPages>,
}

/// The combined fax's page count, as the cover sheet states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaxPages {
    /// Counted after typesetting.
    Counted(usize),
    /// Filled in by the typesetter as it lays the fax out ([`crate::pdf::FAX_PAGES_MARK`]).
    Typeset,
}

impl serde::Serialize for FaxPages {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FaxPages::Counted(n) => s.serialize_u64(*n as u64),
            FaxPages::Typeset => s.serialize_str(crate::pdf::FAX_PAGES_MARK),
        }
    }
}

/// The documents that go in the fax, in sending order, before the enclosures.
/// The others (next steps, superbill, claim-file request) go to other readers.
pub const FAX_DOCUMENTS: &[&str] = &[
    "cover-sheet.md",
    "letter-of-medical-necessity.md",
    "continuation-letter.md",
    "appeal-letter.md",
    "criteria-checklist.md",
    "treatment-history.md",
    "call-log.md",
];

/// The documents an intake gets, in sending order: (file, title).
pub fn documents_for(intake: &Intake) -> Vec<(&'static str, &'static str)> {
    let mut docs = vec![("cover-sheet.md", "Fax cover sheet")];
    docs.push(match intake.request.kind {
        RequestKind::Initial => ("letter-of-medical-necessity.md", "Letter of medical necessity"),
        RequestKind::Continuation => ("continuation-letter.md", "Continuation letter"),
        RequestKind::Appeal => ("appeal-letter.md", "Appeal letter"),
    });
    docs.push(("criteria-checklist.md", "Criteria checklist"));
    docs.push(("treatment-history.md", "Treatment history summary"));
    if intake.request.kind == RequestKind::Appeal {
        docs.push(("claim-file-request.md", "Request for the claim file and criteria"));
        if !intake.calls.is_empty() {
            docs.push(("call-log.md", "Log of calls with the plan"));
        }
    }
    if !intake.sessions.is_empty() {
        docs.push(("superbill.md", "Superbill"));
    }
    docs.push(("next-steps.md", "Next steps for the patient"));
    docs
}

/// Renders one document of the packet by name.
pub fn render_document(templates: &Templates, inputs: &Inputs<'_>, name: &str) -> Result<String, RenderError> {
    let docs = documents_for(inputs.intake);
    templates.render(name, &context(inputs, &docs))
}

/// Renders every document of the packet.
pub fn render_documents(templates: &Templates, inputs: &Inputs<'_>) -> Result<Vec<Document>, RenderError> {
    let docs = documents_for(inputs.intake);
    let names: Vec<&str> = docs.iter().map(|(n, _)| *n).collect();
    templates.warm(&names)?;
    let context = context(inputs, &docs);
    docs.iter()
        .map(|(name, title)| {
            Ok(Document {
                name: (*name).to_string(),
                title: (*title).to_string(),
                markdown: templates.render(name, &context)?,
            })
        })
        .collect()
}

fn context(inputs: &Inputs<'_>, docs: &[(&str, &str)]) -> tera::Context {
    let intake = inputs.intake;
    let p = &intake.prescriber;
    let prescriber_name = match &p.credentials {
        Some(c) => format!("{} {}, {c}", p.first_name, p.last_name),
        None => format!("{} {}", p.first_name, p.last_name),
    };
    let diagnoses: Vec<Value> = intake
        .diagnoses
        .iter()
        .map(|d| {
            json!({
                "code": d.code.as_str(),
                "primary": d.primary == Some(true),
                "description": inputs.diagnosis_descriptions.get(d.code.as_str()),
                "diagnosed_on": d.diagnosed_on,
            })
        })
        .collect();
    let trials: Vec<Value> = inputs
        .facts
        .trials
        .iter()
        .map(|t| {
            let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
            v["outcome_label"] = json!(t.outcome.map(crate::policy::outcome_label));
            v["start"] = json!(intake.treatment_history.as_ref().map(|h| h.antidepressants[t.index].start));
            v["end"] = json!(intake.treatment_history.as_ref().and_then(|h| h.antidepressants[t.index].end));
            v
        })
        .collect();
    let r = &intake.request;
    let evidence = |stance| crate::evidence::matching(r.therapy, r.indication, stance);
    let voice = match (&intake.appeal, intake.signature.as_ref().and_then(|s| s.signer)) {
        (Some(a), _) if r.kind == RequestKind::Appeal => crate::policy::serde_label(&a.appellant),
        (_, Some(signer)) => crate::policy::serde_label(&signer),
        _ => "provider".to_string(),
    }
    .replace("prescriber", "provider");
    let value = json!({
        "tool": { "name": "authpack", "version": env!("CARGO_PKG_VERSION") },
        "appeal_dates": inputs.appeal_dates,
        "fax_pages": inputs.fax_pages,
        "evidence": {
            "supports": evidence(crate::evidence::Stance::Supports),
            "against": evidence(crate::evidence::Stance::Against),
            "context": evidence(crate::evidence::Stance::Context),
        },
        "superbill": superbill(intake, inputs.diagnosis_descriptions),
        "voice": voice,
        "intake": intake,
        "facts": inputs.facts,
        "trials": trials,
        "evaluation": inputs.evaluation,
        "warnings": inputs.warnings,
        "enclosures": inputs.enclosures,
        "documents": docs.iter().map(|(n, t)| json!({"name": n, "title": t})).collect::<Vec<_>>(),
        "fax_documents": FAX_DOCUMENTS
            .iter()
            .filter_map(|n| docs.iter().find(|(d, _)| d == n))
            .map(|(n, t)| json!({"name": n, "title": t}))
            .collect::<Vec<_>>(),
        "diagnoses": diagnoses,
        "patient_name": format!("{} {}", intake.patient.first_name, intake.patient.last_name),
        "prescriber_name": prescriber_name,
        "therapy": therapy_words(intake),
        "indication": indication_words(intake),
        "kind": crate::policy::serde_label(&intake.request.kind),
        "met": inputs.evaluation.criteria.iter().filter(|c| c.status == crate::policy::Status::Met).collect::<Vec<_>>(),
        "unmet": inputs.evaluation.criteria.iter().filter(|c| c.status != crate::policy::Status::Met).collect::<Vec<_>>(),
    });
    tera::Context::from_value(value).expect("the context is a JSON object")
}

/// The superbill's lines, with diagnosis pointers (A, B, ...) and totals in cents.
fn superbill(intake: &Intake, descriptions: &BTreeMap<String, String>) -> Value {
    let mut pointers: Vec<String> = intake.diagnoses.iter().map(|d| d.code.to_string()).collect();
    for s in &intake.sessions {
        for c in &s.diagnosis_codes {
            if !pointers.contains(&c.to_string()) {
                pointers.push(c.to_string());
            }
        }
    }
    let letter = |i: usize| char::from(b'A' + (i % 26) as u8).to_string();
    let mut total_cents: i64 = 0;
    let lines: Vec<Value> = intake
        .sessions
        .iter()
        .map(|s| {
            let cents = s.charge.map(|c| (c * 100.0).round() as i64);
            total_cents += cents.unwrap_or(0);
            let codes: Vec<&str> = if s.diagnosis_codes.is_empty() {
                intake.diagnoses.iter().filter(|d| d.primary != Some(false)).take(1).map(|d| d.code.as_str()).collect()
            } else {
                s.diagnosis_codes.iter().map(|c| c.as_str()).collect()
            };
            let refs: Vec<String> =
                codes.iter().filter_map(|c| pointers.iter().position(|p| p == c)).map(letter).collect();
            json!({
                "date": s.date,
                "code": s.code.as_str(),
                "description": crate::reference::procedure(s.code.as_str()).and_then(|p| p.description.clone()),
                "units": s.units,
                "ndc": s.ndc,
                "charge": cents.map(money),
                "pointers": refs.join(", "),
            })
        })
        .collect();
    json!({
        "lines": lines,
        "diagnoses": pointers.iter().enumerate().map(|(i, c)| json!({
            "pointer": letter(i), "code": c, "description": descriptions.get(c).cloned()
                .or_else(|| crate::icd10::codes().lookup(c).map(|x| x.description.to_string())),
        })).collect::<Vec<_>>(),
        "total": money(total_cents),
        "first_date": intake.sessions.iter().map(|s| s.date).min(),
        "last_date": intake.sessions.iter().map(|s| s.date).max(),
    })
}

/// Cents as dollars: `$1,234.50`.
fn money(cents: i64) -> String {
    let dollars = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("${grouped}.{:02}", cents % 100)
}

fn therapy_words(intake: &Intake) -> &'static str {
    use crate::intake::Therapy::*;
    match intake.request.therapy {
        EsketamineNasal => "esketamine nasal spray (Spravato)",
        KetamineIv => "intravenous ketamine",
        KetamineIm => "intramuscular ketamine",
    }
}

fn indication_words(intake: &Intake) -> &'static str {
    use crate::intake::Indication::*;
    match intake.request.indication {
        Trd => "treatment-resistant major depressive disorder",
        Mdsi => "major depressive disorder with acute suicidal ideation or behavior",
        Depression => "major depressive disorder",
        Ptsd => "posttraumatic stress disorder",
        ChronicPain => "chronic pain",
        Other => "the condition described below",
    }
}

/// Escapes text so that Markdown shows it literally.
///
/// Every character that can open markup is escaped, except where CommonMark
/// cannot read it as markup: a `_` between two letters or digits (never
/// emphasis), and `-`, `+` or `1.` at a line start not followed by a space
/// (never a list). That keeps pasted text free of needless backslashes.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let line = line.trim_start();
        let chars: Vec<char> = line.chars().collect();
        let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
        let rule_line = chars.len() >= 2 && chars.iter().all(|c| matches!(c, '-' | '=' | ' '));
        let spaced = |k: usize| chars.get(k + 1).is_none_or(|c| c.is_whitespace());
        for (k, &c) in chars.iter().enumerate() {
            let escape = match c {
                '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '~' | '#' | '&' | '!' => true,
                '_' => {
                    !(k > 0 && chars[k - 1].is_alphanumeric() && chars.get(k + 1).is_some_and(|n| n.is_alphanumeric()))
                }
                '-' | '+' if k == 0 => spaced(k) || rule_line,
                '=' if k == 0 => rule_line,
                '.' | ')' => digits > 0 && k == digits && spaced(k),
                _ => false,
            };
            if escape {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// Collapses white space so a value fits in one table cell.
fn cell(value: &Value, _: &std::collections::HashMap<String, Value>) -> tera::Result<Value> {
    Ok(match value {
        Value::String(s) => Value::String(s.split_whitespace().collect::<Vec<_>>().join(" ")),
        Value::Null => Value::String("-".into()),
        other => other.clone(),
    })
}

/// `2026-11-20` to `November 20, 2026`.
fn long_date(value: &Value, _: &std::collections::HashMap<String, Value>) -> tera::Result<Value> {
    let text = value.as_str().ok_or_else(|| tera::Error::msg("long_date expects a date"))?;
    let date = crate::date::Date::parse(text).map_err(tera::Error::msg)?;
    Ok(Value::String(date.long()))
}

/// `partial-response` to `partial response`.
fn words(value: &Value, _: &std::collections::HashMap<String, Value>) -> tera::Result<Value> {
    Ok(match value {
        Value::String(s) => Value::String(s.replace('-', " ")),
        Value::Null => Value::String("-".into()),
        other => other.clone(),
    })
}

/// Removes trailing spaces and runs of blank lines that template control lines leave.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_start_matches('\n').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_and_exact() {
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(55_000), "$550.00");
        assert_eq!(money(123_456_789), "$1,234,567.89");
    }

    #[test]
    fn markdown_escaping_keeps_text_literal() {
        assert_eq!(escape_markdown("*bold* _it_ `raw`"), "\\*bold\\* \\_it\\_ \\`raw\\`");
        assert_eq!(escape_markdown("# heading\n- item\n1. first"), "\\# heading\n\\- item\n1\\. first");
        assert_eq!(escape_markdown("a | b <x> & [link](y)"), "a \\| b \\<x\\> \\& \\[link\\](y)");
        assert_eq!(escape_markdown("plain text, 20 mg."), "plain text, 20 mg.");
        assert_eq!(
            escape_markdown("0.5 mg/kg, -5 points, treatment_history"),
            "0.5 mg/kg, -5 points, treatment_history"
        );
        assert_eq!(escape_markdown("---\n==\n+ x\n_x_ a_"), "\\---\n\\==\n\\+ x\n\\_x\\_ a\\_");
    }
}
