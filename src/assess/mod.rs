//! Assess: derived clinical facts, read from the intake the way a utilization
//! reviewer reads it (trial adequacy, classes, weeks, episode, severity, change).
//!
//! Facts here carry no payer's thresholds except the catalogue's minimum
//! adequate doses; policies apply their own weeks and counts in `policy`.

pub mod deadlines;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::date::Date;
use crate::intake::{Instrument, Intake, MedicationRole, Outcome, RiskLevel};
use crate::reference::{self, DrugMatch};

/// Everything derived from one intake.
#[derive(Clone, Debug, Serialize)]
pub struct Facts {
    /// The request date every interval is measured to.
    pub request_date: Date,
    /// The patient's age on the request date.
    pub age: i32,
    /// Start of the current episode, when given.
    pub episode_start: Option<Date>,
    /// Each antidepressant trial, in intake order.
    pub trials: Vec<TrialFacts>,
    /// Each augmentation trial, in intake order.
    pub augmentations: Vec<AugmentationFacts>,
    /// Rating-scale summaries by instrument, for every instrument with a result.
    pub scales: Vec<ScaleFacts>,
    /// The latest C-SSRS risk level, when given.
    pub suicide_risk: Option<RiskLevel>,
    /// Whether the patient takes an oral antidepressant now, and which.
    pub current_oral_antidepressants: Vec<String>,
    /// Number of psychotherapy courses.
    pub psychotherapy_courses: usize,
    /// Number of psychiatric hospital stays.
    pub hospitalizations: usize,
    /// The appeal's dates, for an appeal.
    pub appeal: Option<deadlines::AppealDates>,
}

/// What one antidepressant trial amounts to.
#[derive(Clone, Debug, Serialize)]
pub struct TrialFacts {
    /// Position in `treatment_history.antidepressants`.
    pub index: usize,
    /// The drug as written.
    pub drug: String,
    /// The generic name, when the catalogue knows the drug.
    pub generic: Option<String>,
    /// The class id, when known.
    pub class: Option<String>,
    /// The class's full name, when known.
    pub class_name: Option<String>,
    /// The catalogue's minimum adequate daily dose, when known.
    pub min_adequate_mg: Option<f64>,
    /// The highest daily dose reached, when given.
    pub max_dose_mg: Option<f64>,
    /// Whether the highest dose reached the minimum adequate dose (`None`: cannot tell).
    pub adequate_dose: Option<bool>,
    /// First day counted at adequate dose.
    pub adequate_from: Date,
    /// Last day counted (the end, or the request date while ongoing).
    pub counted_to: Date,
    /// Whether the trial is still going on.
    pub ongoing: bool,
    /// Days at or above the minimum adequate dose (0 when the dose was not adequate).
    pub days_at_adequate_dose: i64,
    /// The same, in weeks with one decimal.
    pub weeks_at_adequate_dose: f64,
    /// Whether the trial overlaps the current episode (`None`: no episode start given).
    pub in_current_episode: Option<bool>,
    /// The outcome, when given.
    pub outcome: Option<Outcome>,
    /// Improvement in percent, when given.
    pub improvement_percent: Option<f64>,
    /// The trial failed: no response, partial response or relapse, with improvement under 50 %.
    pub failed: bool,
    /// Stopped for documented intolerance.
    pub intolerance: bool,
    /// Adherence was partial or poor.
    pub poor_adherence: bool,
}

/// What one augmentation trial amounts to.
#[derive(Clone, Debug, Serialize)]
pub struct AugmentationFacts {
    /// Position in `treatment_history.augmentations`.
    pub index: usize,
    /// The agent as written.
    pub agent: String,
    /// The kind of agent, when the catalogue knows it.
    pub kind: Option<String>,
    /// Days from start to end (or the request date).
    pub days: i64,
    /// The same, in weeks with one decimal.
    pub weeks: f64,
    /// The outcome, when given.
    pub outcome: Option<Outcome>,
    /// The trial failed (no response, partial response, relapse or intolerance).
    pub failed: bool,
}

/// One instrument's results, baseline to latest.
#[derive(Clone, Debug, Serialize)]
pub struct ScaleFacts {
    /// The instrument.
    pub instrument: Instrument,
    /// Its full name.
    pub name: String,
    /// Every scored result, oldest first: (date, score, band).
    pub results: Vec<ScoreFact>,
    /// The first result in the current episode (or the first at all).
    pub baseline: Option<ScoreFact>,
    /// The latest result.
    pub latest: Option<ScoreFact>,
    /// Latest minus baseline.
    pub change: Option<i64>,
    /// Change as a percent of baseline (negative is improvement).
    pub percent_change: Option<f64>,
    /// A drop of at least the instrument's response threshold.
    pub response: Option<bool>,
    /// The latest score is at or below the remission threshold.
    pub remission: Option<bool>,
}

/// One dated score.
#[derive(Clone, Debug, Serialize)]
pub struct ScoreFact {
    /// When.
    pub date: Date,
    /// The score.
    pub score: u32,
    /// The severity band, when the instrument has bands.
    pub band: Option<String>,
}

fn weeks(days: i64) -> f64 {
    (days as f64 / 7.0 * 10.0).floor() / 10.0
}

/// Derives the facts of an intake.
pub fn assess(intake: &Intake) -> Facts {
    let request_date = intake.request.date;
    let episode_start = intake.current_episode.as_ref().and_then(|e| e.start);
    let history = intake.treatment_history.clone().unwrap_or_default();

    let trials = history
        .antidepressants
        .iter()
        .enumerate()
        .map(|(index, t)| {
            let drug = match reference::find_drug(&t.drug) {
                Some(DrugMatch::Antidepressant(d)) => Some(d),
                _ => None,
            };
            let min_adequate_mg = drug.and_then(|d| d.min_adequate_mg);
            let adequate_dose = match (t.max_dose_mg, min_adequate_mg) {
                (Some(max), Some(min)) => Some(max >= min),
                _ => None,
            };
            let adequate_from = t.adequate_dose_from.unwrap_or(t.start);
            let counted_to = t.end.unwrap_or(request_date).min(request_date);
            let days = if adequate_dose == Some(true) { adequate_from.days_until(counted_to).max(0) } else { 0 };
            let improvement_ok = t.improvement_percent.is_none_or(|p| p < 50.0);
            let failed = matches!(t.outcome, Some(Outcome::NoResponse | Outcome::PartialResponse | Outcome::Relapse))
                && improvement_ok;
            TrialFacts {
                index,
                drug: t.drug.clone(),
                generic: drug.map(|d| d.generic.clone()),
                class: drug.map(|d| d.class.clone()),
                class_name: drug.map(|d| reference::class_name(&d.class).to_string()),
                min_adequate_mg,
                max_dose_mg: t.max_dose_mg,
                adequate_dose,
                adequate_from,
                counted_to,
                ongoing: t.end.is_none(),
                days_at_adequate_dose: days,
                weeks_at_adequate_dose: weeks(days),
                in_current_episode: episode_start.map(|s| t.end.unwrap_or(request_date) >= s),
                outcome: t.outcome,
                improvement_percent: t.improvement_percent,
                failed,
                intolerance: t.outcome == Some(Outcome::Intolerance),
                poor_adherence: matches!(
                    t.adherence,
                    Some(crate::intake::Adherence::Partial | crate::intake::Adherence::Poor)
                ),
            }
        })
        .collect();

    let augmentations = history
        .augmentations
        .iter()
        .enumerate()
        .map(|(index, a)| {
            let kind = match reference::find_drug(&a.agent) {
                Some(DrugMatch::Augmentation(agent)) => Some(agent.kind.clone()),
                Some(DrugMatch::Antidepressant(_)) => Some("antidepressant-combination".to_string()),
                None => None,
            };
            let days = a.start.days_until(a.end.unwrap_or(request_date).min(request_date)).max(0);
            AugmentationFacts {
                index,
                agent: a.agent.clone(),
                kind,
                days,
                weeks: weeks(days),
                outcome: a.outcome,
                failed: matches!(
                    a.outcome,
                    Some(Outcome::NoResponse | Outcome::PartialResponse | Outcome::Relapse | Outcome::Intolerance)
                ),
            }
        })
        .collect();

    let current_oral_antidepressants = history
        .current_medications
        .iter()
        .filter(|m| m.role == Some(MedicationRole::OralAntidepressant))
        .map(|m| m.drug.clone())
        .collect();

    let suicide_risk = intake
        .assessments
        .iter()
        .filter(|a| a.instrument == Instrument::CSsrs)
        .max_by_key(|a| a.date)
        .and_then(|a| a.risk);

    Facts {
        request_date,
        age: request_date.years_since(intake.patient.date_of_birth),
        episode_start,
        trials,
        augmentations,
        scales: scales(intake, episode_start),
        suicide_risk,
        current_oral_antidepressants,
        psychotherapy_courses: history.psychotherapy.len(),
        hospitalizations: history.hospitalizations.len(),
        appeal: intake
            .appeal
            .as_ref()
            .filter(|_| intake.request.kind == crate::intake::RequestKind::Appeal)
            .map(|a| deadlines::appeal_dates(intake, a)),
    }
}

fn scales(intake: &Intake, episode_start: Option<Date>) -> Vec<ScaleFacts> {
    let mut by_instrument: BTreeMap<Instrument, Vec<(Date, u32)>> = BTreeMap::new();
    for a in &intake.assessments {
        if let Some(score) = a.score {
            by_instrument.entry(a.instrument).or_default().push((a.date, score));
        }
    }
    by_instrument
        .into_iter()
        .map(|(instrument, mut results)| {
            results.sort();
            let info = reference::instrument(instrument);
            let fact =
                |(date, score): (Date, u32)| ScoreFact { date, score, band: info.band(score).map(str::to_string) };
            let in_episode = results.iter().copied().find(|(d, _)| episode_start.is_none_or(|s| *d >= s));
            let baseline = in_episode.or(results.first().copied());
            let latest = results.last().copied();
            let (change, percent_change, response) = match (baseline, latest) {
                (Some(b), Some(l)) if b.0 < l.0 => {
                    let change = i64::from(l.1) - i64::from(b.1);
                    let pct = (b.1 > 0).then(|| (change as f64 / f64::from(b.1) * 1000.0).round() / 10.0);
                    let response = match (pct, info.response_drop_percent) {
                        (Some(p), Some(threshold)) => Some(-p >= threshold),
                        _ => None,
                    };
                    (Some(change), pct, response)
                }
                _ => (None, None, None),
            };
            let remission = match (latest, info.remission_max) {
                (Some(l), Some(max)) if baseline.is_some_and(|b| b.0 < l.0) => Some(l.1 <= max),
                _ => None,
            };
            ScaleFacts {
                instrument,
                name: info.name.clone(),
                results: results.into_iter().map(fact).collect(),
                baseline: baseline.map(fact),
                latest: latest.map(fact),
                change,
                percent_change,
                response,
                remission,
            }
        })
        .collect()
}

impl Facts {
    /// The summary of one instrument, when it has results.
    pub fn scale(&self, instrument: Instrument) -> Option<&ScaleFacts> {
        self.scales.iter().find(|s| s.instrument == instrument)
    }
}
