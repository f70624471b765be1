//! The clinical picture: diagnoses, the episode, severity against the policy's
//! thresholds, risk, what a denial would cost the patient, and safety.

use serde::Serialize;

use super::history::Scale;
use crate::assess::Facts;
use crate::intake::{Intake, Pregnancy, SubstanceUse, Therapy};
use crate::policy::serde_label;
use crate::reference;
use crate::words::{self, count, lower_first};

/// A diagnosis.
#[derive(Clone, Debug, Serialize)]
pub struct Diagnosis {
    /// The code.
    pub code: String,
    /// Its official description.
    pub description: Option<String>,
    /// Primary.
    pub primary: bool,
    /// When diagnosed.
    pub since: Option<String>,
}

/// The clinical picture.
#[derive(Clone, Debug, Serialize)]
pub struct Clinical {
    /// The clinical summary, in the prescriber's words.
    pub summary: Option<String>,
    /// The episode's start, in words.
    pub episode_start: Option<String>,
    /// The illness's cost to work and daily living, in the prescriber's words.
    pub impairment: Option<String>,
    /// Severity stated against the policy's thresholds.
    pub severity: Vec<String>,
    /// The latest suicide-risk screening, in words.
    pub suicide_risk: Option<String>,
    /// What a denial would cost the patient, from the record.
    pub consequences: Vec<Consequence>,
    /// Adverse events during treatment so far (continuations).
    pub adverse_events: Option<String>,
    /// The scale response will be measured on, with its latest score: `MADRS` and `33`.
    pub measure: Option<Measure>,
}

/// One thing the record shows a denial would leave the patient with.
#[derive(Clone, Debug, Serialize)]
pub struct Consequence {
    /// What it is about: `Daily life`.
    pub what: &'static str,
    /// What the record shows, as a sentence without its full stop.
    pub detail: String,
}

impl Consequence {
    fn new(what: &'static str, detail: String) -> Self {
        Self { what, detail: words::capitalized(detail.trim_end_matches('.')) }
    }
}

/// The scale benefit is reassessed with.
#[derive(Clone, Debug, Serialize)]
pub struct Measure {
    /// Its full name: `Montgomery-Asberg Depression Rating Scale`.
    pub name: String,
    /// Its short name.
    pub short: String,
    /// Its latest score, the one a response is judged against.
    pub score: u32,
    /// What counts as a response on it: `a drop of at least half`.
    pub response: String,
}

/// Safety and monitoring for the therapy requested.
#[derive(Clone, Debug, Serialize)]
pub struct Safety {
    /// The label's contraindications screened, in words.
    pub contraindications: Vec<String>,
    /// Whether every one was answered no.
    pub none_present: bool,
    /// The label's warnings and cautions (ketamine).
    pub cautions: Vec<String>,
    /// Other screening, in sentences.
    pub screening: Vec<String>,
    /// The monitoring plan.
    pub monitoring: Vec<String>,
}

/// The diagnoses with their official descriptions.
pub fn diagnoses(intake: &Intake) -> Vec<Diagnosis> {
    intake
        .diagnoses
        .iter()
        .map(|d| Diagnosis {
            code: d.code.to_string(),
            description: reference::icd10::codes().lookup(d.code.as_str()).map(|c| c.description.to_string()),
            primary: d.primary == Some(true),
            since: d.diagnosed_on.map(|x| x.to_string()),
        })
        .collect()
}

/// The severity bands that make a score worth stating as a denial's cost when
/// the policy sets no threshold for its scale.
const SEVERE_BANDS: &[&str] = &["moderately-severe", "severe", "very-severe"];

/// The clinical picture, drawn from the record.
pub fn clinical(intake: &Intake, facts: &Facts, scales: &[Scale]) -> Clinical {
    let h = intake.treatment_history.clone().unwrap_or_default();
    // Only a score that meets the policy's threshold is stated against it: one
    // below would argue against the request.
    let severity: Vec<String> = scales
        .iter()
        .filter(|s| s.threshold.zip(s.latest_score).is_some_and(|(t, l)| l >= t))
        .filter_map(|s| s.against_threshold.clone())
        .collect();
    let latest_cssrs =
        intake.assessments.iter().filter(|a| a.instrument == crate::intake::Instrument::CSsrs).max_by_key(|a| a.date);
    let suicide_risk =
        latest_cssrs.and_then(|a| a.risk.map(|r| format!("C-SSRS risk {} on {}", serde_label(&r), a.date)));
    let mut consequences = Vec::new();
    if let Some(last) = h.hospitalizations.iter().max_by_key(|s| s.admitted) {
        let stays = count(h.hospitalizations.len(), "psychiatric hospitalization", "psychiatric hospitalizations");
        let when = match last.discharged {
            Some(d) => format!("from {} to {d}", last.admitted),
            None => format!("from {}", last.admitted),
        };
        let why = last
            .reason
            .as_deref()
            .map(|r| format!(", for {}", lower_first(r.trim_end_matches('.'))))
            .unwrap_or_default();
        consequences.push(Consequence::new("Hospital care", format!("{stays} in the record, the latest {when}{why}")));
    }
    // A continuation is argued from the severity before treatment, a request
    // from today's: each score at or above the policy's threshold, stated
    // against it, or where the policy sets none, a score in a severe band (the
    // band itself stays on the worksheet).
    let continuation = intake.request.kind == crate::intake::RequestKind::Continuation;
    let severe: Vec<String> = facts
        .scales
        .iter()
        .filter_map(|s| {
            let score = if continuation { s.baseline.as_ref() } else { s.latest.as_ref() }?;
            match scales.iter().find(|v| v.short == s.short).and_then(|v| v.threshold) {
                Some(t) if score.score >= t => {
                    Some(crate::policy::against_threshold(s.instrument, score.score, score.date, t))
                }
                Some(_) => None,
                None => score
                    .band
                    .as_deref()
                    .filter(|b| SEVERE_BANDS.contains(b))
                    .map(|_| format!("{} {} on {}", s.short, score.score, score.date)),
            }
        })
        .collect();
    if !severe.is_empty() {
        consequences.push(Consequence::new(
            if continuation { "Symptoms before treatment" } else { "Symptoms now" },
            severe.join("; "),
        ));
    }
    if let Some(a) = latest_cssrs
        && let Some(r) = a.risk.filter(|r| *r >= crate::intake::RiskLevel::Moderate)
    {
        consequences.push(Consequence::new("Suicide risk", format!("{} on the C-SSRS ({})", serde_label(&r), a.date)));
    }
    if let Some(i) = intake.current_episode.as_ref().and_then(|e| e.impairment.as_deref()) {
        consequences.push(Consequence::new("Daily life", i.trim().to_string()));
    }
    let pain = intake.request.indication == crate::intake::Indication::ChronicPain;
    if pain && let Some(latest) = facts.scale(crate::intake::Instrument::NrsPain).and_then(|s| s.latest.as_ref()) {
        consequences.push(Consequence::new(
            "Pain now",
            format!("{} of 10 on the numeric rating scale on {}", latest.score, latest.date),
        ));
    }
    // Antidepressants tried for pain are pain treatments, stated below.
    let failed = if pain { 0 } else { facts.trials.iter().filter(|t| t.failed || t.intolerance).count() };
    if failed > 0 {
        let mut classes: Vec<&str> = facts
            .trials
            .iter()
            .filter(|t| t.failed || t.intolerance)
            .filter_map(|t| t.class.as_deref())
            .map(reference::class_short)
            .collect();
        classes.sort_unstable();
        classes.dedup();
        let more = [
            (facts.augmentations.iter().filter(|a| a.failed).count(), "augmentation trial", "augmentation trials"),
            (h.psychotherapy.len(), "course of psychotherapy", "courses of psychotherapy"),
        ]
        .into_iter()
        .filter(|(n, ..)| *n > 0)
        .map(|(n, one, many)| count(n, one, many))
        .collect::<Vec<_>>();
        let more = if more.is_empty() { String::new() } else { format!(", {}", words::list(&more)) };
        consequences.push(Consequence::new(
            "Standard treatment tried without remission",
            format!(
                "{} in {}{more}",
                count(failed, "antidepressant trial", "antidepressant trials"),
                count(classes.len(), "class", "classes")
            ),
        ));
    }
    if !h.pain_treatments.is_empty() {
        consequences.push(Consequence::new(
            "Pain treatment tried without lasting relief",
            words::list(&h.pain_treatments.iter().map(|p| p.name.trim().to_string()).collect::<Vec<_>>()),
        ));
    }
    Clinical {
        summary: intake.clinical_summary.clone(),
        episode_start: facts.episode_start.map(|d| d.long()),
        impairment: intake.current_episode.as_ref().and_then(|e| e.impairment.clone()),
        severity,
        suicide_risk,
        consequences,
        adverse_events: intake.safety.as_ref().and_then(|s| s.adverse_events.clone()),
        measure: measure(intake, facts),
    }
}

/// The scale to reassess with: the pain scale for a pain request, else the
/// clinician-rated depression scales first.
fn measure(intake: &Intake, facts: &Facts) -> Option<Measure> {
    use crate::intake::Instrument::*;
    let order: &[crate::intake::Instrument] = if intake.request.indication == crate::intake::Indication::ChronicPain {
        &[NrsPain]
    } else {
        &[Madrs, HamD17, QidsSr16, Phq9, Pcl5, BdiIi]
    };
    order.iter().find_map(|i| {
        let s = facts.scale(*i)?;
        let info = reference::instrument(*i);
        let percent = info.response_drop_percent?;
        let response = if percent == 50.0 {
            "a drop of at least half".to_string()
        } else {
            format!("a drop of at least {}%", words::num(percent))
        };
        Some(Measure { name: info.name.clone(), short: s.short.clone(), score: s.latest.as_ref()?.score, response })
    })
}

/// Safety and monitoring, from the therapy's own label.
pub fn safety(intake: &Intake) -> Safety {
    let labels = reference::labels();
    let s = intake.safety.as_ref();
    let c = s.and_then(|s| s.contraindications.as_ref());
    let (contraindications, answers, cautions, monitoring) = match intake.request.therapy {
        Therapy::EsketamineNasal => (
            labels.esketamine.contraindications.clone(),
            vec![
                c.and_then(|c| c.aneurysmal_vascular_disease),
                c.and_then(|c| c.arteriovenous_malformation),
                c.and_then(|c| c.intracerebral_hemorrhage),
                c.and_then(|c| c.hypersensitivity),
            ],
            Vec::new(),
            labels.esketamine.monitoring.clone(),
        ),
        Therapy::KetamineIv | Therapy::KetamineIm => (
            labels.ketamine.contraindications.clone(),
            vec![c.and_then(|c| c.blood_pressure_hazard), c.and_then(|c| c.hypersensitivity)],
            labels.ketamine.cautions.clone(),
            labels.ketamine.monitoring.clone(),
        ),
    };
    let mut screening = Vec::new();
    if let Some(bp) = s.and_then(|s| s.blood_pressure.as_ref()) {
        let on = bp.date.map(|d| format!(" on {d}")).unwrap_or_default();
        screening.push(format!("Blood pressure {}/{} mmHg{on}", bp.systolic, bp.diastolic));
    }
    if let Some(p) = s.and_then(|s| s.pregnancy) {
        screening.push(
            match p {
                Pregnancy::NotPregnant => "Not pregnant",
                Pregnancy::Pregnant => "Pregnant",
                Pregnancy::NotApplicable => "Pregnancy does not apply",
                Pregnancy::Unknown => "Pregnancy status not known",
            }
            .to_string(),
        );
    }
    if let Some(u) = s.and_then(|s| s.substance_use) {
        screening.push(
            match u {
                SubstanceUse::None => "No substance use disorder",
                SubstanceUse::InRemission => "Substance use disorder in remission",
                SubstanceUse::Active => "Active substance use disorder",
            }
            .to_string(),
        );
    }
    if s.and_then(|s| s.psychosis_history) == Some(false) {
        screening.push("No history of psychosis".into());
    }
    if let Some(d) = s.and_then(|s| s.pdmp_checked_on) {
        screening.push(format!("Prescription-drug monitoring program checked on {d}"));
    }
    Safety {
        none_present: answers.iter().all(|a| *a == Some(false)),
        contraindications,
        cautions,
        screening,
        monitoring,
    }
}
