//! How each rule is judged: a status, the evidence in words a reviewer reads
//! (the letters and the crosswalk print it), what was looked at but did not
//! count (for the clinic's worksheet), and a hint for what would satisfy it.

mod history;
mod request;
mod safety;
mod scores;

use super::rules::Rule;
use super::{Status, Subject, combine_all, combine_any};
use crate::intake::Outcome;

pub(crate) use history::{TrialRule, counts};
pub use history::{category_words as pain_category_words, describe_trial, modality as modality_words};
pub use request::frequency_words;
pub use scores::against_threshold;

/// What judging a rule found.
pub(crate) struct Judgement {
    pub status: Status,
    /// What decided it, in the words a reviewer reads.
    pub evidence: Vec<String>,
    /// What was looked at but did not count, and why (the clinic's worksheet).
    pub notes: Vec<String>,
    /// What would satisfy it, when it is not met.
    pub hint: Option<String>,
}

pub(crate) fn met(evidence: Vec<String>) -> Judgement {
    Judgement { status: Status::Met, evidence, notes: Vec::new(), hint: None }
}

pub(crate) fn not_met(evidence: Vec<String>, hint: impl Into<String>) -> Judgement {
    Judgement { status: Status::NotMet, evidence, notes: Vec::new(), hint: Some(hint.into()) }
}

pub(crate) fn missing(hint: impl Into<String>) -> Judgement {
    Judgement { status: Status::Missing, evidence: Vec::new(), notes: Vec::new(), hint: Some(hint.into()) }
}

pub(crate) fn missing_with(evidence: Vec<String>, hint: impl Into<String>) -> Judgement {
    Judgement { status: Status::Missing, evidence, notes: Vec::new(), hint: Some(hint.into()) }
}

/// An outcome in words.
pub fn outcome_label(o: Outcome) -> &'static str {
    match o {
        Outcome::NoResponse => "no response",
        Outcome::PartialResponse => "partial response",
        Outcome::Intolerance => "stopped for intolerance",
        Outcome::Relapse => "relapse",
        Outcome::Response => "response",
    }
}

impl Rule {
    /// What a failed-trials rule asks of each trial; `None` for any other rule.
    pub(crate) fn trial_rule(&self) -> Option<TrialRule> {
        match self {
            Rule::FailedTrials {
                min_trials,
                min_classes,
                min_weeks,
                current_episode,
                max_improvement_percent,
                count_intolerance,
            } => Some(TrialRule {
                min_trials: *min_trials,
                min_classes: *min_classes,
                min_weeks: *min_weeks,
                current_episode: *current_episode,
                max_improvement: *max_improvement_percent,
                count_intolerance: *count_intolerance,
            }),
            _ => None,
        }
    }

    pub(crate) fn judge(&self, s: &Subject<'_>) -> Judgement {
        match self {
            Rule::MinAge { years } => request::min_age(s, *years),
            Rule::MaxAge { years } => request::max_age(s, *years),
            Rule::Diagnosis { codes, exclude_codes, no_psychotic_features } => {
                request::diagnosis(s, codes, exclude_codes, *no_psychotic_features)
            }
            Rule::FailedTrials { .. } => history::failed_trials(s, &self.trial_rule().expect("a failed-trials rule")),
            Rule::Augmentation { min_trials, min_weeks } => history::augmentation(s, *min_trials, *min_weeks),
            Rule::Psychotherapy { min_courses } => history::psychotherapy(s, *min_courses),
            Rule::BaselineSeverity { within_days, thresholds } => scores::baseline(s, *within_days, thresholds),
            Rule::RecentScore { instruments, within_days } => scores::recent(s, instruments, *within_days),
            Rule::Rems => request::rems(s),
            Rule::Contraindications => safety::esketamine_contraindications(s),
            Rule::KetamineContraindications => safety::ketamine_contraindications(s),
            Rule::Pdmp { within_days } => safety::pdmp(s, *within_days),
            Rule::Prescriber { specialties } => request::prescriber(s, specialties),
            Rule::OralAntidepressant => history::oral_antidepressant(s),
            Rule::NoActiveSubstanceUse => safety::substance_use(s),
            Rule::SuicideRisk { min_risk, or_codes } => scores::suicide_risk(s, *min_risk, or_codes),
            Rule::Regimen {
                phases,
                doses_mg,
                older_adult_start_mg,
                max_dose_mg_per_kg,
                max_per_week,
                max_sessions,
            } => request::regimen(
                s,
                &request::RegimenRule {
                    phases,
                    doses: doses_mg.as_deref(),
                    older_adult_start: *older_adult_start_mg,
                    max_per_kg: *max_dose_mg_per_kg,
                    max_per_week: *max_per_week,
                    max_sessions: *max_sessions,
                },
            ),
            Rule::Response { instruments, min_drop_percent } => scores::response(s, instruments, *min_drop_percent),
            Rule::EsketamineAlternative { accept_declined } => history::esketamine_alternative(s, *accept_declined),
            Rule::PainTreatments { min_failed, min_categories } => {
                history::pain_treatments(s, *min_failed, *min_categories)
            }
            Rule::CrpsCriteria { codes } => safety::crps(s, codes),
            Rule::AllOf { rules } => group(rules.iter().map(|r| r.judge(s)).collect(), combine_all),
            Rule::AnyOf { rules } => group(rules.iter().map(|r| r.judge(s)).collect(), combine_any),
        }
    }
}

fn group(parts: Vec<Judgement>, combine: fn(Vec<Status>) -> Status) -> Judgement {
    let status = combine(parts.iter().map(|p| p.status).collect());
    let evidence = parts.iter().flat_map(|p| p.evidence.clone()).collect();
    let notes = parts.iter().flat_map(|p| p.notes.clone()).collect();
    let hint =
        (status != Status::Met).then(|| parts.iter().filter_map(|p| p.hint.clone()).collect::<Vec<_>>().join("; or "));
    Judgement { status, evidence, notes, hint }
}
