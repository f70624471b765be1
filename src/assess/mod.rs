//! Assess: derived clinical facts, read from the intake the way a utilization
//! reviewer reads it (trial adequacy, classes, weeks, episode, severity,
//! change from baseline, dosing, deadlines, the patient's costs).
//!
//! Facts here carry no payer's thresholds except the catalogue's minimum
//! adequate doses; policies apply their own weeks and counts in `policy`.

mod consistency;
pub mod cost;
pub mod deadlines;
pub mod dosing;
pub mod scales;

use serde::Serialize;

use crate::date::Date;
use crate::diag::Diagnostic;
use crate::intake::{Instrument, Intake, MedicationRole, Outcome, Positions, RequestKind, RiskLevel};
use crate::reference::{self, DrugMatch};

pub use scales::{Baseline, ScaleFacts, ScoreFact};

/// Everything derived from one intake.
#[derive(Clone, Debug, Serialize)]
pub struct Facts {
    /// The request date.
    pub request_date: Date,
    /// The date the criteria are judged as of: the request date, or for a claim
    /// the first date of service (`request.treatment_start`, else the first session).
    pub as_of: Date,
    /// The patient's age on that date.
    pub age: i32,
    /// Start of the current episode, when given.
    pub episode_start: Option<Date>,
    /// Each antidepressant trial, in intake order.
    pub trials: Vec<TrialFacts>,
    /// Each augmentation trial, in intake order.
    pub augmentations: Vec<AugmentationFacts>,
    /// Rating-scale summaries by instrument, for every instrument with a result.
    pub scales: Vec<ScaleFacts>,
    /// What each scale's baseline is counted from.
    pub baseline: Baseline,
    /// The latest C-SSRS risk level, when given.
    pub suicide_risk: Option<RiskLevel>,
    /// The record shows suicidal ideation or risk (any C-SSRS result above none,
    /// a suicidality code, the MDSI indication, or a stay for it).
    pub suicidal: bool,
    /// Whether the patient takes an oral antidepressant now, and which.
    pub current_oral_antidepressants: Vec<String>,
    /// Number of psychotherapy courses.
    pub psychotherapy_courses: usize,
    /// Number of psychiatric hospital stays.
    pub hospitalizations: usize,
    /// The requested regimen, counted.
    pub dosing: dosing::Dosing,
    /// The appeal's dates, for an appeal.
    pub appeal: Option<deadlines::AppealDates>,
    /// A continuation's timing against the authorization in force.
    pub continuation: Option<deadlines::ContinuationTiming>,
    /// A claim's dates.
    pub claim: Option<deadlines::ClaimDates>,
    /// The patient's cost estimate, when the intake gives costs.
    pub cost: Option<Result<cost::Estimate, String>>,
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
    /// First day of the trial.
    pub start: Date,
    /// Last day, when it ended.
    pub end: Option<Date>,
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

fn weeks(days: i64) -> f64 {
    (days as f64 / 7.0 * 10.0).floor() / 10.0
}

/// Derives the facts of an intake.
pub fn assess(intake: &Intake) -> Facts {
    let basis = scales::baseline_basis(intake);
    // A claim is judged as of its first date of service; anything else, as of the request.
    let request_date = match (intake.request.kind, basis) {
        (RequestKind::Claim, Baseline::TreatmentStart(d) | Baseline::FirstSession(d)) => d,
        _ => intake.request.date,
    };
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
                start: t.start,
                end: t.end,
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

    let age = request_date.years_since(intake.patient.date_of_birth);
    let suicidal = suicidal(intake);
    Facts {
        request_date: intake.request.date,
        as_of: request_date,
        age,
        episode_start,
        trials,
        augmentations,
        scales: scales::scales(intake, episode_start, basis),
        baseline: basis,
        suicide_risk,
        suicidal,
        current_oral_antidepressants,
        psychotherapy_courses: history.psychotherapy.len(),
        hospitalizations: history.hospitalizations.len(),
        dosing: dosing::dosing(intake, age),
        appeal: intake
            .appeal
            .as_ref()
            .filter(|_| intake.request.kind == RequestKind::Appeal)
            .map(|a| deadlines::appeal_dates(intake, a)),
        continuation: deadlines::continuation_timing(intake),
        claim: deadlines::claim_dates(intake),
        cost: cost::estimate(intake).map(|r| r.map_err(|e| format!("{e:?}"))),
    }
}

/// Codes that show suicidal ideation or behavior (domain.md 3.2).
const SUICIDALITY_CODES: &[&str] = &["R45.851", "T14.91XA", "Z91.51"];

/// Whether the record shows suicidal ideation or risk: the crisis line goes on the patient's sheet.
fn suicidal(intake: &Intake) -> bool {
    let cssrs = intake.assessments.iter().any(|a| a.instrument == Instrument::CSsrs && a.risk.is_some());
    let coded = intake.diagnoses.iter().any(|d| SUICIDALITY_CODES.contains(&d.code.as_str()));
    let stays = intake.treatment_history.as_ref().is_some_and(|h| {
        h.hospitalizations.iter().any(|s| s.reason.as_deref().is_some_and(|r| r.to_lowercase().contains("suicid")))
    });
    cssrs || coded || stays || intake.request.indication == crate::intake::Indication::Mdsi
}

/// The warnings the facts raise: late filing, a continuation that may not be
/// decided in time, an older adult's first dose, a missing treatment start,
/// and free text that contradicts the fields.
pub fn warnings(intake: &Intake, facts: &Facts, positions: &Positions) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let at = |p: &str| positions.get(p).copied();
    if let Some(dates) = &facts.appeal {
        out.extend(deadlines::late_warning(dates, positions));
    }
    if let Some(t) = &facts.continuation {
        out.extend(deadlines::continuation_warning(t, intake, positions));
    }
    let label = &reference::labels().esketamine;
    if intake.request.therapy == crate::intake::Therapy::EsketamineNasal
        && facts.dosing.older_adult
        && facts.dosing.first_dose_mg.is_some_and(|d| d > label.older_adult_start_mg)
        && matches!(intake.request.kind, RequestKind::Initial | RequestKind::Appeal)
        // A first session only an induction has; a continuation's sessions began long ago.
        && intake.request.regimen.as_ref().is_some_and(|r| r.phase == Some(crate::intake::Phase::Induction))
    {
        out.push(
            Diagnostic::warning(
                "request.regimen.first_dose_mg",
                format!(
                    "the patient is {} and the first session is {}; the label starts patients {} and older at {}",
                    facts.age,
                    crate::words::mg(facts.dosing.first_dose_mg.unwrap_or_default()),
                    label.older_adult_age,
                    crate::words::mg(label.older_adult_start_mg)
                ),
            )
            .at(at("request.regimen.first_dose_mg").or(at("request.regimen.dose_mg")))
            .hint(format!(
                "give request.regimen.first_dose_mg: {}, or say in the letter why a higher start is right",
                label.older_adult_start_mg
            )),
        );
    }
    if intake.request.kind == RequestKind::Continuation && facts.baseline == Baseline::EpisodeStart {
        out.push(
            Diagnostic::warning(
                "request.treatment_start",
                "no treatment start or sessions: the baseline is the episode's first score, not the score before treatment began",
            )
            .at(at("request"))
            .hint("give request.treatment_start: the date of the first session being continued"),
        );
    }
    if let (Some(claim), RequestKind::Claim) = (&facts.claim, intake.request.kind)
        && claim.limit_days.is_none()
    {
        out.push(
            Diagnostic::warning("payer.claims.timely_filing_days", "the plan's claim-filing limit is not given")
                .at(at("payer.claims").or(at("payer")))
                .hint(
                    "plans usually allow 90 to 365 days from the date of service (Medicare: 12 months); ask the plan",
                ),
        );
    }
    out.extend(consistency::check(intake, &facts.trials, positions));
    out
}

impl Facts {
    /// The dated steps to keep: an appeal's last day to file and its decision's
    /// due date, a claim's filing deadline, a continuation's authorization end.
    pub fn deadlines(&self) -> Vec<deadlines::Deadline> {
        let mut out = Vec::new();
        if let Some(a) = &self.appeal {
            out.extend(a.file_by.clone());
            out.extend(a.decision_by.clone());
        }
        if let Some(c) = &self.claim
            && let (Some(by), Some(days)) = (c.file_by, c.limit_days)
        {
            out.push(deadlines::Deadline {
                what: "last day to file the claim for the first date of service".into(),
                by: Some(by),
                rule: format!("the plan's limit of {days} days from the date of service"),
            });
        }
        if let Some(t) = &self.continuation {
            out.push(deadlines::Deadline {
                what: "the authorization in force ends".into(),
                by: Some(t.authorized_through),
                rule: format!("a standard decision is due by {} ({})", t.standard_decision_by, t.rule),
            });
        }
        out
    }

    /// The summary of one instrument, when it has results.
    pub fn scale(&self, instrument: Instrument) -> Option<&ScaleFacts> {
        self.scales.iter().find(|s| s.instrument == instrument)
    }
}
