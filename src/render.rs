//! Render: the documents of a packet, from Tera templates written as Markdown.
//!
//! The default templates under `packet-templates/documents/` are compiled in;
//! a folder given with `--templates` replaces them by name. Every value from
//! the intake is escaped as Markdown on output, so nothing a user types can
//! act as markup. Templates see one context built from the intake, its facts
//! and the policy evaluation, so no document can disagree with another.

use std::collections::BTreeMap;
use std::path::Path;

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

/// The loaded templates.
pub struct Templates {
    tera: Tera,
}

impl Templates {
    /// The compiled-in defaults, each replaced by a file of the same name in `dir/documents/` when given.
    pub fn load(dir: Option<&Path>) -> Result<Templates, RenderError> {
        let mut sources: BTreeMap<String, String> =
            DEFAULT_TEMPLATES.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
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
        }
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".md"]);
        tera.set_escape_fn(escape_markdown);
        tera.register_filter("cell", cell);
        tera.register_filter("long_date", long_date);
        tera.register_filter("words", words);
        // Added as one set, so imports and macros resolve across files; the error names the file.
        tera.add_raw_templates(sources.iter().map(|(n, t)| (n.as_str(), t.as_str()))).map_err(|e| {
            RenderError::Template {
                name: dir.map_or("(defaults)".into(), |d| d.display().to_string()),
                chain: chain(&e),
            }
        })?;
        Ok(Templates { tera })
    }

    fn render(&self, name: &str, context: &tera::Context) -> Result<String, RenderError> {
        self.tera
            .render(name, context)
            .map(|s| tidy(&s))
            .map_err(|e| RenderError::Template { name: name.to_string(), chain: chain(&e) })
    }
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
}

/// What the documents are drawn from.
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
}

/// The documents a request of this kind gets, in sending order: (file, title).
pub fn documents_for(kind: RequestKind) -> Vec<(&'static str, &'static str)> {
    let letter = match kind {
        RequestKind::Initial => ("letter-of-medical-necessity.md", "Letter of medical necessity"),
        RequestKind::Continuation => ("letter-of-medical-necessity.md", "Letter of medical necessity (continuation)"),
        RequestKind::Appeal => {
            ("letter-of-medical-necessity.md", "Letter of medical necessity (supporting the appeal)")
        }
    };
    vec![
        ("cover-sheet.md", "Fax cover sheet"),
        letter,
        ("criteria-checklist.md", "Criteria checklist"),
        ("treatment-history.md", "Treatment history summary"),
    ]
}

/// Renders every document of the packet.
pub fn render_documents(templates: &Templates, inputs: &Inputs<'_>) -> Result<Vec<Document>, RenderError> {
    let docs = documents_for(inputs.intake.request.kind);
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
    let value = json!({
        "tool": { "name": "authpack", "version": env!("CARGO_PKG_VERSION") },
        "intake": intake,
        "facts": inputs.facts,
        "trials": trials,
        "evaluation": inputs.evaluation,
        "warnings": inputs.warnings,
        "enclosures": inputs.enclosures,
        "documents": docs.iter().map(|(n, t)| json!({"name": n, "title": t})).collect::<Vec<_>>(),
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
