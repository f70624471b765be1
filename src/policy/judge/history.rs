//! Rules over the treatment history: failed antidepressant trials, augmentation,
//! psychotherapy, the oral antidepressant continued, esketamine as the covered
//! alternative, and pain treatments.

use super::{Judgement, met, missing, missing_with, not_met, outcome_label};
use crate::assess::TrialFacts;
use crate::intake::{EsketamineStatus, Outcome, PainTreatmentCategory};
use crate::policy::{Subject, serde_label};
use crate::reference;
use crate::words::{self, capitalized, count, list, mg};

/// A trial in one line, as a reviewer reads it.
pub fn describe_trial(t: &TrialFacts) -> String {
    let class = t.class.as_deref().map(|c| format!(" ({})", reference::class_short(c))).unwrap_or_default();
    let dose = t.max_dose_mg.map(|d| format!(", up to {} a day", mg(d))).unwrap_or_default();
    let dates = match t.end {
        Some(end) => format!(", {} to {end}", t.start),
        None => format!(", since {} (ongoing)", t.start),
    };
    let adequacy = match (t.adequate_dose, t.min_adequate_mg) {
        (Some(true), Some(min)) => {
            format!("; {} at or above the minimum adequate dose of {}", words::weeks(t.weeks_at_adequate_dose), mg(min))
        }
        (Some(false), Some(min)) => format!("; below the minimum adequate dose of {}", mg(min)),
        _ => String::new(),
    };
    let outcome = t.outcome.map(outcome_label).unwrap_or("outcome not recorded");
    let improvement = t.improvement_percent.map(|p| format!(", {}% improvement", words::num(p))).unwrap_or_default();
    format!("{}{class}{dose}{dates}{adequacy}: {outcome}{improvement}", capitalized(&t.drug))
}

/// What the failed-trials rule asks.
pub(crate) struct TrialRule {
    pub min_trials: usize,
    pub min_classes: usize,
    pub min_weeks: f64,
    pub current_episode: bool,
    pub max_improvement: Option<f64>,
    pub count_intolerance: bool,
}

/// Whether a trial counts under a rule, or why not.
pub(crate) fn counts(t: &TrialFacts, r: &TrialRule) -> Result<(), String> {
    let failed = t.failed && r.max_improvement.is_none_or(|m| t.improvement_percent.is_none_or(|p| p <= m));
    let long_enough = t.days_at_adequate_dose as f64 >= r.min_weeks * 7.0;
    let in_episode = !r.current_episode || t.in_current_episode == Some(true);
    if in_episode && t.class.is_some() && ((failed && long_enough) || (r.count_intolerance && t.intolerance)) {
        return Ok(());
    }
    Err(if t.class.is_none() {
        "the drug is not in authpack's catalogue".to_string()
    } else if !in_episode {
        "it ended before the current episode".to_string()
    } else if t.intolerance {
        "it was stopped for intolerance".to_string()
    } else if t.failed && !failed {
        format!(
            "its {}% improvement is above the {}% this profile counts as non-response",
            words::num(t.improvement_percent.unwrap_or_default()),
            words::num(r.max_improvement.unwrap_or_default())
        )
    } else if !t.failed {
        "it is not a failed trial (a response, or improvement of 50% or more)".to_string()
    } else if t.adequate_dose != Some(true) {
        "the dose stayed below the minimum adequate dose".to_string()
    } else {
        format!("it lasted under {} at an adequate dose", words::weeks(r.min_weeks))
    })
}

pub(super) fn failed_trials(s: &Subject<'_>, r: &TrialRule) -> Judgement {
    let trials = &s.facts.trials;
    if trials.is_empty() {
        return missing("list every antidepressant trial under treatment_history.antidepressants");
    }
    let mut evidence = Vec::new();
    let mut notes = Vec::new();
    let mut qualifying: Vec<&TrialFacts> = Vec::new();
    for t in trials {
        match counts(t, r) {
            Ok(()) => {
                evidence.push(describe_trial(t));
                qualifying.push(t);
            }
            Err(why) => notes.push(format!("{} (not counted: {why})", describe_trial(t))),
        }
    }
    let mut classes: Vec<&str> =
        qualifying.iter().filter_map(|t| t.class.as_deref()).map(reference::class_short).collect();
    classes.sort_unstable();
    classes.dedup();
    let episode = if r.current_episode { " in the current episode" } else { "" };
    let classes_named = if classes.is_empty() { String::new() } else { format!(" ({})", list(&classes)) };
    evidence.insert(
        0,
        format!(
            "{} of {}{classes_named}{episode}, each at least {} at an adequate dose",
            count(qualifying.len(), "failed trial", "failed trials"),
            count(classes.len(), "class", "classes"),
            words::weeks(r.min_weeks)
        ),
    );
    let mut judgement = if qualifying.len() >= r.min_trials && classes.len() >= r.min_classes {
        met(evidence)
    } else {
        not_met(
            evidence,
            format!(
                "the policy needs {} of {}, each {} at an adequate dose{episode}",
                count(r.min_trials, "failed trial", "failed trials"),
                count(r.min_classes, "class", "distinct classes"),
                words::weeks(r.min_weeks)
            ),
        )
    };
    judgement.notes = notes;
    judgement
}

pub(super) fn augmentation(s: &Subject<'_>, min_trials: usize, min_weeks: Option<f64>) -> Judgement {
    let facts = s.facts;
    if facts.augmentations.is_empty() {
        return missing("list augmentation trials under treatment_history.augmentations");
    }
    let describe = |a: &crate::assess::AugmentationFacts| {
        format!(
            "{} augmentation for {}: {}",
            capitalized(&a.agent),
            words::weeks(a.weeks),
            a.outcome.map(outcome_label).unwrap_or("outcome not recorded")
        )
    };
    let (counted, other): (Vec<_>, Vec<_>) =
        facts.augmentations.iter().partition(|a| a.failed && min_weeks.is_none_or(|w| a.days as f64 >= w * 7.0));
    let evidence: Vec<String> = counted.iter().map(|a| describe(a)).collect();
    let notes: Vec<String> = other.iter().map(|a| format!("{} (not counted)", describe(a))).collect();
    let mut j = if counted.len() >= min_trials {
        met(evidence)
    } else {
        let weeks = min_weeks.map(|w| format!(" of at least {}", words::weeks(w))).unwrap_or_default();
        not_met(
            evidence,
            format!(
                "the policy needs {}{weeks}",
                count(min_trials, "failed augmentation trial", "failed augmentation trials")
            ),
        )
    };
    j.notes = notes;
    j
}

pub(super) fn psychotherapy(s: &Subject<'_>, min_courses: usize) -> Judgement {
    let Some(h) = s.intake.treatment_history.as_ref().filter(|h| !h.psychotherapy.is_empty()) else {
        return missing("list psychotherapy under treatment_history.psychotherapy");
    };
    let evidence: Vec<String> = h
        .psychotherapy
        .iter()
        .map(|p| {
            let sessions =
                p.sessions.map(|n| format!(", {}", count(n as usize, "session", "sessions"))).unwrap_or_default();
            let outcome = p.outcome.map(|o| format!(": {}", outcome_label(o))).unwrap_or_default();
            format!("{}{sessions}{outcome}", modality(p.modality))
        })
        .collect();
    if h.psychotherapy.len() >= min_courses {
        met(evidence)
    } else {
        not_met(
            evidence,
            format!("the policy needs {}", count(min_courses, "course of psychotherapy", "courses of psychotherapy")),
        )
    }
}

/// A psychotherapy modality in words.
pub fn modality(m: crate::intake::Modality) -> &'static str {
    use crate::intake::Modality::*;
    match m {
        Cbt => "Cognitive behavioral therapy",
        Ipt => "Interpersonal therapy",
        Dbt => "Dialectical behavior therapy",
        BehavioralActivation => "Behavioral activation",
        Psychodynamic => "Psychodynamic therapy",
        Other => "Psychotherapy",
    }
}

pub(super) fn oral_antidepressant(s: &Subject<'_>) -> Judgement {
    let meds = s.intake.treatment_history.as_ref().map(|h| h.current_medications.as_slice()).unwrap_or_default();
    let oral: Vec<String> = meds
        .iter()
        .filter(|m| m.role == Some(crate::intake::MedicationRole::OralAntidepressant))
        .map(|m| {
            format!("{}{}", capitalized(&m.drug), m.dose_mg.map(|d| format!(" {} a day", mg(d))).unwrap_or_default())
        })
        .collect();
    match (oral.is_empty(), meds.is_empty()) {
        (false, _) => met(vec![format!("Continues an oral antidepressant: {}", list(&oral))]),
        (true, true) => missing("list current medications with role oral-antidepressant"),
        (true, false) => not_met(
            vec![format!(
                "{} listed, none an oral antidepressant",
                count(meds.len(), "current medication", "current medications")
            )],
            "the policy requires an oral antidepressant alongside",
        ),
    }
}

pub(super) fn esketamine_alternative(s: &Subject<'_>, accept_declined: bool) -> Judgement {
    let Some(e) = s.intake.treatment_history.as_ref().and_then(|h| h.esketamine.as_ref()) else {
        return missing(
            "record treatment_history.esketamine: whether the FDA-approved esketamine nasal spray was tried, and why it is not the answer",
        );
    };
    let reason = e
        .reason
        .as_deref()
        .map(|r| format!(": {}", words::lower_first(r.trim().trim_end_matches('.'))))
        .unwrap_or_default();
    let dates = match (e.start, e.end) {
        (Some(a), Some(b)) => format!(" from {a} to {b}"),
        (Some(a), None) => format!(" from {a}"),
        _ => String::new(),
    };
    match e.status {
        EsketamineStatus::Tried => {
            let failed = matches!(
                e.outcome,
                Some(Outcome::NoResponse | Outcome::PartialResponse | Outcome::Relapse | Outcome::Intolerance)
            );
            let outcome = e.outcome.map(outcome_label).unwrap_or("outcome not recorded");
            let evidence = vec![format!("Esketamine nasal spray was tried{dates}: {outcome}{reason}")];
            match e.outcome {
                _ if failed => met(evidence),
                None => missing_with(evidence, "record the esketamine trial's outcome"),
                Some(_) => not_met(evidence, "esketamine helped; a plan will ask why it is not continued"),
            }
        }
        EsketamineStatus::Contraindicated => met(vec![format!("Esketamine nasal spray is contraindicated{reason}")]),
        EsketamineStatus::Unavailable => {
            met(vec![format!("Esketamine nasal spray is not available to the patient{reason}")])
        }
        EsketamineStatus::NotCovered => {
            met(vec![format!("The plan does not cover esketamine nasal spray for the patient{reason}")])
        }
        EsketamineStatus::Declined => {
            let evidence = vec![format!("Esketamine nasal spray was offered and declined{reason}")];
            if accept_declined && e.reason.is_some() {
                met(evidence)
            } else {
                not_met(
                    evidence,
                    "a plan usually asks why the FDA-approved esketamine cannot be used; a refusal alone rarely answers it",
                )
            }
        }
    }
}

pub(super) fn pain_treatments(s: &Subject<'_>, min_failed: usize, min_categories: usize) -> Judgement {
    let tried = s.intake.treatment_history.as_ref().map(|h| h.pain_treatments.as_slice()).unwrap_or_default();
    if tried.is_empty() {
        return missing("list the pain treatments tried under treatment_history.pain_treatments");
    }
    let describe = |p: &crate::intake::PainTreatment| {
        let class = p.class.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
        let outcome = p.outcome.map(outcome_label).unwrap_or("outcome not recorded");
        format!("{}{class}, {}: {outcome}", capitalized(&p.name), category_words(p.category))
    };
    let failed: Vec<_> = tried
        .iter()
        .filter(|p| {
            matches!(
                p.outcome,
                Some(Outcome::NoResponse | Outcome::PartialResponse | Outcome::Relapse | Outcome::Intolerance)
            )
        })
        .collect();
    let mut categories: Vec<_> = failed.iter().map(|p| p.category).collect();
    categories.sort_by_key(serde_label);
    categories.dedup();
    let mut evidence = vec![format!(
        "{}, of {} ({})",
        count(
            failed.len(),
            "pain treatment tried without lasting relief",
            "pain treatments tried without lasting relief"
        ),
        count(categories.len(), "kind", "kinds"),
        list(&categories.iter().map(|c| category_words(*c)).collect::<Vec<_>>())
    )];
    evidence.extend(failed.iter().map(|p| describe(p)));
    let notes = tried
        .iter()
        .filter(|p| !failed.iter().any(|f| std::ptr::eq(*f, *p)))
        .map(|p| format!("{} (not counted)", describe(p)))
        .collect();
    let mut j = if failed.len() >= min_failed && categories.len() >= min_categories {
        met(evidence)
    } else {
        not_met(
            evidence,
            format!(
                "the policy needs {} of {}",
                count(min_failed, "failed pain treatment", "failed pain treatments"),
                count(min_categories, "kind", "kinds")
            ),
        )
    };
    j.notes = notes;
    j
}

/// A pain treatment's kind in words.
pub fn category_words(c: PainTreatmentCategory) -> &'static str {
    match c {
        PainTreatmentCategory::Medication => "medication",
        PainTreatmentCategory::Interventional => "interventional procedure",
        PainTreatmentCategory::PhysicalTherapy => "physical therapy",
        PainTreatmentCategory::PsychologicalTherapy => "psychological therapy",
        PainTreatmentCategory::Other => "other treatment",
    }
}
