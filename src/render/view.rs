//! The view: what every template sees, drawn from the one reading.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::{FAX_DOCUMENTS, FaxPages, documents_for};
use crate::check::Record;
use crate::intake::{Intake, RequestKind};
use crate::reading::Reading;
use crate::reference::evidence::{Library, Stance};
use crate::reference::icd10;

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

/// What every template sees: one context drawn from the reading.
pub struct View {
    /// The documents this packet holds, in sending order: (file, title).
    pub documents: Vec<(&'static str, &'static str)>,
    context: tera::Context,
}

impl View {
    /// The view of a reading. With `typeset`, the cover sheet's page count is
    /// left to the typesetter (and stated afterwards with [`View::with_fax_pages`]).
    pub fn new(reading: &Reading, evidence: &Library, typeset: bool) -> View {
        let documents = documents_for(&reading.checked.intake);
        let fax_pages = typeset.then_some(FaxPages::Typeset);
        View { context: context(reading, evidence, &documents, fax_pages), documents }
    }

    /// The same view, stating the fax's page count.
    pub fn with_fax_pages(&self, pages: usize) -> tera::Context {
        let mut context = self.context.clone();
        context.insert("fax_pages", &FaxPages::Counted(pages));
        context
    }

    /// The context templates render with.
    pub fn context(&self) -> &tera::Context {
        &self.context
    }
}

fn enclosures(records: &[Record]) -> Vec<Enclosure> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| Enclosure {
            number: i + 1,
            title: r.title.clone(),
            kind: r.kind.map(|k| crate::policy::serde_label(&k).replace('-', " ")).unwrap_or_else(|| "record".into()),
            entry: r.entry.clone(),
            size: r.size,
            faxed: r.faxed,
        })
        .collect()
}

fn context(reading: &Reading, library: &Library, docs: &[(&str, &str)], fax_pages: Option<FaxPages>) -> tera::Context {
    let intake = &reading.checked.intake;
    let enclosures = enclosures(&reading.checked.records);
    let descriptions: BTreeMap<String, String> = intake
        .diagnoses
        .iter()
        .filter_map(|d| icd10::codes().lookup(d.code.as_str()).map(|c| (c.code.to_string(), c.description.to_string())))
        .collect();
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
                "description": &descriptions.get(d.code.as_str()),
                "diagnosed_on": d.diagnosed_on,
            })
        })
        .collect();
    let trials: Vec<Value> = reading
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
    let evidence = |stance| library.matching(r.therapy, r.indication, stance);
    let voice = match (&intake.appeal, intake.signature.as_ref().and_then(|s| s.signer)) {
        (Some(a), _) if r.kind == RequestKind::Appeal => crate::policy::serde_label(&a.appellant),
        (_, Some(signer)) => crate::policy::serde_label(&signer),
        _ => "provider".to_string(),
    }
    .replace("prescriber", "provider");
    let value = json!({
        "tool": { "name": "authpack", "version": env!("CARGO_PKG_VERSION") },
        "appeal_dates": reading.facts.appeal,
        "fax_pages": fax_pages,
        "evidence": {
            "supports": evidence(Stance::Supports),
            "against": evidence(Stance::Against),
            "context": evidence(Stance::Context),
        },
        "superbill": superbill(intake, &descriptions),
        "voice": voice,
        "intake": intake,
        "facts": &reading.facts,
        "trials": trials,
        "evaluation": &reading.evaluation,
        "warnings": reading.warnings,
        "enclosures": enclosures,
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
        "met": &reading.evaluation.criteria.iter().filter(|c| c.status == crate::policy::Status::Met).collect::<Vec<_>>(),
        "unmet": &reading.evaluation.criteria.iter().filter(|c| c.status != crate::policy::Status::Met).collect::<Vec<_>>(),
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
                .or_else(|| icd10::codes().lookup(c).map(|x| x.description.to_string())),
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

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_is_grouped_and_exact() {
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(55_000), "$550.00");
        assert_eq!(money(123_456_789), "$1,234,567.89");
    }
}
