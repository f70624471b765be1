//! The closed rule vocabulary of policy profiles, and how each rule is judged.
//!
//! Each rule reads the intake and its facts and returns a status, the
//! evidence that decided it, and a hint for what would satisfy it. The README
//! documents every rule for clinics writing their own profiles.

use serde::{Deserialize, Serialize};

use super::{Status, Subject, Thresholds, combine_all, combine_any};
use crate::assess::TrialFacts;
use crate::intake::{Frequency, Outcome, Phase, RiskLevel, SubstanceUse, Therapy};

/// One rule, written in a profile as a mapping with a `kind`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Rule {
    /// The patient is at least `years` old on the request date.
    MinAge {
        /// Youngest age accepted.
        years: i32,
    },
    /// The patient is at most `years` old on the request date.
    MaxAge {
        /// Oldest age accepted.
        years: i32,
    },
    /// A diagnosis code is among `codes`, none among `exclude_codes`, and
    /// (when `no_psychotic_features`) the current episode has no psychotic features.
    Diagnosis {
        /// Accepted ICD-10-CM codes.
        codes: Vec<String>,
        /// Codes that exclude the request.
        #[serde(default)]
        exclude_codes: Vec<String>,
        /// Require `current_episode.psychotic_features: false`.
        #[serde(default)]
        no_psychotic_features: bool,
    },
    /// At least `min_trials` failed antidepressant trials of at least
    /// `min_classes` classes, each at least `min_weeks` at adequate dose.
    FailedTrials {
        /// Fewest qualifying trials.
        min_trials: usize,
        /// Fewest distinct classes among them.
        min_classes: usize,
        /// Fewest weeks at or above the minimum adequate dose.
        min_weeks: f64,
        /// Trials must overlap the current episode.
        #[serde(default)]
        current_episode: bool,
        /// Highest improvement (percent) that still counts as failure; default under 50.
        max_improvement_percent: Option<f64>,
        /// Trials stopped for documented intolerance count, whatever their length.
        #[serde(default)]
        count_intolerance: bool,
    },
    /// At least `min_trials` failed augmentation trials of at least `min_weeks`.
    Augmentation {
        /// Fewest failed augmentation trials.
        min_trials: usize,
        /// Fewest weeks each, when the policy sets one.
        min_weeks: Option<f64>,
    },
    /// At least `min_courses` courses of psychotherapy.
    Psychotherapy {
        /// Fewest courses.
        min_courses: usize,
    },
    /// A score within `within_days` before the request at or above its instrument's threshold.
    BaselineSeverity {
        /// How recent the score must be.
        within_days: i64,
        /// Threshold by instrument.
        thresholds: Thresholds,
    },
    /// REMS: the site is certified and the patient enrolled.
    Rems,
    /// Every esketamine label contraindication answered no.
    Contraindications,
    /// The PDMP was checked within `within_days` before the request.
    Pdmp {
        /// How recent the check must be.
        within_days: i64,
    },
    /// The prescriber's specialty is one of `specialties`.
    Prescriber {
        /// Accepted specialties (compared ignoring case and punctuation).
        specialties: Vec<String>,
    },
    /// The patient takes an oral antidepressant now.
    OralAntidepressant,
    /// No active substance use disorder.
    NoActiveSubstanceUse,
    /// A C-SSRS risk at least `min_risk`, or a diagnosis among `or_codes`.
    SuicideRisk {
        /// Lowest risk level accepted.
        min_risk: RiskLevel,
        /// Diagnosis codes that show it as well (such as R45.851).
        #[serde(default)]
        or_codes: Vec<String>,
    },
    /// The requested regimen stays within the policy's limits.
    Regimen {
        /// Phases accepted.
        phases: Vec<Phase>,
        /// Doses accepted per session, in mg (esketamine).
        doses_mg: Option<Vec<f64>>,
        /// Highest dose per session, in mg/kg (ketamine).
        max_dose_mg_per_kg: Option<f64>,
        /// Most sessions a week.
        max_per_week: Option<f64>,
        /// Most sessions in the request.
        max_sessions: Option<u32>,
    },
    /// A drop of at least `min_drop_percent` from baseline on one of `instruments`.
    Response {
        /// Instruments accepted.
        instruments: Vec<crate::intake::Instrument>,
        /// Smallest drop, in percent.
        min_drop_percent: f64,
    },
    /// Every one of the rules holds.
    AllOf {
        /// The rules.
        rules: Vec<Rule>,
    },
    /// At least one of the rules holds.
    AnyOf {
        /// The rules.
        rules: Vec<Rule>,
    },
}

/// What judging a rule found.
pub(crate) struct Judgement {
    pub status: Status,
    pub evidence: Vec<String>,
    /// What was looked at but did not count, and why.
    pub notes: Vec<String>,
    pub hint: Option<String>,
}

fn met(evidence: Vec<String>) -> Judgement {
    Judgement { status: Status::Met, evidence, notes: Vec::new(), hint: None }
}

fn not_met(evidence: Vec<String>, hint: impl Into<String>) -> Judgement {
    Judgement { status: Status::NotMet, evidence, notes: Vec::new(), hint: Some(hint.into()) }
}

fn missing(hint: impl Into<String>) -> Judgement {
    Judgement { status: Status::Missing, evidence: Vec::new(), notes: Vec::new(), hint: Some(hint.into()) }
}

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not stated",
    }
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// A trial in one line, as evidence.
pub fn describe_trial(t: &TrialFacts) -> String {
    let class = t.class.as_deref().map(|c| format!(" ({})", c.to_uppercase())).unwrap_or_default();
    let dose = t.max_dose_mg.map(|d| format!(", up to {d} mg/day")).unwrap_or_default();
    let min = t.min_adequate_mg.map(|m| format!(" (adequate from {m} mg)")).unwrap_or_default();
    let outcome = t.outcome.map(outcome_label).unwrap_or("outcome not stated");
    let improvement = t.improvement_percent.map(|p| format!(", {p}% improvement")).unwrap_or_default();
    format!(
        "{}{class}{dose}{min}; {} weeks at adequate dose to {}; {outcome}{improvement}",
        t.drug, t.weeks_at_adequate_dose, t.counted_to
    )
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

fn per_week(f: Frequency) -> Option<f64> {
    match f {
        Frequency::TwiceWeekly => Some(2.0),
        Frequency::Weekly => Some(1.0),
        Frequency::EveryOtherWeek => Some(0.5),
        Frequency::Other => None,
    }
}

impl Rule {
    pub(crate) fn judge(&self, s: &Subject<'_>) -> Judgement {
        let intake = s.intake;
        let facts = s.facts;
        match self {
            Rule::MinAge { years } => {
                let evidence = vec![format!(
                    "age {} on {} (born {})",
                    facts.age, facts.request_date, intake.patient.date_of_birth
                )];
                if facts.age >= *years {
                    met(evidence)
                } else {
                    not_met(evidence, format!("the policy covers patients {years} or older"))
                }
            }
            Rule::MaxAge { years } => {
                let evidence = vec![format!("age {} on {}", facts.age, facts.request_date)];
                if facts.age <= *years {
                    met(evidence)
                } else {
                    not_met(evidence, format!("the policy covers patients up to {years}"))
                }
            }
            Rule::Diagnosis { codes, exclude_codes, no_psychotic_features } => {
                judge_diagnosis(s, codes, exclude_codes, *no_psychotic_features)
            }
            Rule::FailedTrials {
                min_trials,
                min_classes,
                min_weeks,
                current_episode,
                max_improvement_percent,
                count_intolerance,
            } => judge_trials(
                s,
                *min_trials,
                *min_classes,
                *min_weeks,
                *current_episode,
                *max_improvement_percent,
                *count_intolerance,
            ),
            Rule::Augmentation { min_trials, min_weeks } => {
                if facts.augmentations.is_empty() {
                    return missing("list augmentation trials under treatment_history.augmentations");
                }
                let evidence: Vec<String> = facts
                    .augmentations
                    .iter()
                    .map(|a| {
                        format!(
                            "{}: {} weeks, {}",
                            a.agent,
                            a.weeks,
                            a.outcome.map(outcome_label).unwrap_or("outcome not stated")
                        )
                    })
                    .collect();
                let qualifying = facts
                    .augmentations
                    .iter()
                    .filter(|a| a.failed && min_weeks.is_none_or(|w| a.days as f64 >= w * 7.0))
                    .count();
                if qualifying >= *min_trials {
                    met(evidence)
                } else {
                    let weeks = min_weeks.map(|w| format!(" of at least {w} weeks")).unwrap_or_default();
                    not_met(
                        evidence,
                        format!(
                            "the policy needs {min_trials} failed augmentation trial(s){weeks}; {qualifying} qualify"
                        ),
                    )
                }
            }
            Rule::Psychotherapy { min_courses } => {
                let n = facts.psychotherapy_courses;
                let evidence = vec![format!("{n} course(s) of psychotherapy listed")];
                match n {
                    0 => missing("list psychotherapy under treatment_history.psychotherapy"),
                    n if n >= *min_courses => met(evidence),
                    _ => not_met(evidence, format!("the policy needs {min_courses} course(s)")),
                }
            }
            Rule::BaselineSeverity { within_days, thresholds } => judge_baseline(s, *within_days, thresholds),
            Rule::Rems => {
                let site = intake.site.as_ref().and_then(|x| x.rems_certified);
                let patient = intake.patient.rems_enrolled;
                let evidence =
                    vec![format!("site REMS-certified: {}; patient REMS-enrolled: {}", yes_no(site), yes_no(patient))];
                match (site, patient) {
                    (Some(true), Some(true)) => met(evidence),
                    (Some(false), _) | (_, Some(false)) => {
                        not_met(evidence, "esketamine is given only at a REMS-certified site to an enrolled patient")
                    }
                    _ => Judgement {
                        status: Status::Missing,
                        evidence,
                        notes: Vec::new(),
                        hint: Some("answer site.rems_certified and patient.rems_enrolled".into()),
                    },
                }
            }
            Rule::Contraindications => {
                let c = intake.safety.as_ref().and_then(|x| x.contraindications.as_ref());
                let answers = [
                    ("aneurysmal vascular disease", c.and_then(|c| c.aneurysmal_vascular_disease)),
                    ("arteriovenous malformation", c.and_then(|c| c.arteriovenous_malformation)),
                    ("intracerebral hemorrhage", c.and_then(|c| c.intracerebral_hemorrhage)),
                    ("hypersensitivity", c.and_then(|c| c.hypersensitivity)),
                ];
                let evidence = answers.iter().map(|(name, a)| format!("{name}: {}", yes_no(*a))).collect();
                if answers.iter().any(|(_, a)| *a == Some(true)) {
                    not_met(evidence, "a label contraindication is present")
                } else if answers.iter().any(|(_, a)| a.is_none()) {
                    Judgement {
                        status: Status::Missing,
                        evidence,
                        notes: Vec::new(),
                        hint: Some("answer all four safety.contraindications".into()),
                    }
                } else {
                    met(evidence)
                }
            }
            Rule::Pdmp { within_days } => match intake.safety.as_ref().and_then(|x| x.pdmp_checked_on) {
                None => missing("record safety.pdmp_checked_on"),
                Some(d) => {
                    let age = d.days_until(facts.request_date);
                    let evidence = vec![format!("PDMP checked {d} ({age} days before the request)")];
                    if (0..=*within_days).contains(&age) {
                        met(evidence)
                    } else {
                        not_met(evidence, format!("check the PDMP within {within_days} days before the request"))
                    }
                }
            },
            Rule::Prescriber { specialties } => match intake.prescriber.specialty.as_deref() {
                None => missing("record prescriber.specialty"),
                Some(sp) => {
                    let evidence = vec![format!("prescriber specialty: {sp}")];
                    if specialties.iter().any(|x| squash(x) == squash(sp)) {
                        met(evidence)
                    } else {
                        not_met(evidence, format!("the policy needs a prescriber in {}", specialties.join(" or ")))
                    }
                }
            },
            Rule::OralAntidepressant => {
                if facts.current_oral_antidepressants.is_empty() {
                    let meds = intake.treatment_history.as_ref().map_or(0, |h| h.current_medications.len());
                    if meds == 0 {
                        missing("list current medications with role oral-antidepressant")
                    } else {
                        not_met(
                            vec![format!("{meds} current medication(s), none an oral antidepressant")],
                            "the policy requires a concurrent oral antidepressant",
                        )
                    }
                } else {
                    met(vec![format!("current oral antidepressant: {}", facts.current_oral_antidepressants.join(", "))])
                }
            }
            Rule::NoActiveSubstanceUse => match intake.safety.as_ref().and_then(|x| x.substance_use) {
                None => missing("record safety.substance_use"),
                Some(SubstanceUse::Active) => {
                    not_met(vec!["substance use: active".into()], "active substance use disorder is excluded")
                }
                Some(other) => met(vec![format!("substance use: {}", serde_label(&other))]),
            },
            Rule::SuicideRisk { min_risk, or_codes } => {
                let code = intake.diagnoses.iter().find(|d| or_codes.iter().any(|c| c == d.code.as_str()));
                let mut evidence = Vec::new();
                if let Some(risk) = facts.suicide_risk {
                    evidence.push(format!("latest C-SSRS risk: {}", serde_label(&risk)));
                }
                if let Some(d) = code {
                    evidence.push(format!("diagnosis {}", d.code));
                }
                if facts.suicide_risk.is_some_and(|r| r >= *min_risk) || code.is_some() {
                    met(evidence)
                } else if facts.suicide_risk.is_none() {
                    missing("record a dated C-SSRS with its risk level")
                } else {
                    not_met(evidence, format!("the policy needs a C-SSRS risk of {} or higher", serde_label(min_risk)))
                }
            }
            Rule::Regimen { phases, doses_mg, max_dose_mg_per_kg, max_per_week, max_sessions } => {
                judge_regimen(s, phases, doses_mg.as_deref(), *max_dose_mg_per_kg, *max_per_week, *max_sessions)
            }
            Rule::Response { instruments, min_drop_percent } => {
                let scales: Vec<_> = facts
                    .scales
                    .iter()
                    .filter(|x| instruments.contains(&x.instrument) && x.percent_change.is_some())
                    .collect();
                if scales.is_empty() {
                    return missing("record a baseline and a later score on the same instrument");
                }
                let evidence: Vec<String> = scales
                    .iter()
                    .map(|x| {
                        let (b, l) = (x.baseline.as_ref().unwrap(), x.latest.as_ref().unwrap());
                        format!(
                            "{}: {} on {} to {} on {} ({:+}%)",
                            x.instrument.id(),
                            b.score,
                            b.date,
                            l.score,
                            l.date,
                            x.percent_change.unwrap_or(0.0)
                        )
                    })
                    .collect();
                if scales.iter().any(|x| x.percent_change.is_some_and(|p| -p >= *min_drop_percent)) {
                    met(evidence)
                } else {
                    not_met(evidence, format!("the policy needs a drop of at least {min_drop_percent}% from baseline"))
                }
            }
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

/// The kebab-case word serde writes for an enumeration value.
pub fn serde_label<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn judge_diagnosis(s: &Subject<'_>, codes: &[String], exclude: &[String], no_psychotic: bool) -> Judgement {
    let intake = s.intake;
    let listed: Vec<&str> = intake.diagnoses.iter().map(|d| d.code.as_str()).collect();
    let mut evidence = vec![format!("diagnoses: {}", listed.join(", "))];
    let flag = intake.current_episode.as_ref().and_then(|e| e.psychotic_features);
    if no_psychotic {
        evidence.push(format!("psychotic features in the current episode: {}", yes_no(flag)));
    }
    if let Some(x) = listed.iter().find(|c| exclude.iter().any(|e| e == *c)) {
        return not_met(evidence, format!("diagnosis {x} is excluded by the policy"));
    }
    if no_psychotic && flag == Some(true) {
        return not_met(evidence, "the policy excludes episodes with psychotic features");
    }
    if !listed.iter().any(|c| codes.iter().any(|k| k == c)) {
        return not_met(evidence, format!("the policy accepts {}", codes.join(", ")));
    }
    if no_psychotic && flag.is_none() {
        return Judgement {
            status: Status::Missing,
            evidence,
            notes: Vec::new(),
            hint: Some("answer current_episode.psychotic_features".into()),
        };
    }
    met(evidence)
}

fn judge_trials(
    s: &Subject<'_>,
    min_trials: usize,
    min_classes: usize,
    min_weeks: f64,
    current_episode: bool,
    max_improvement: Option<f64>,
    count_intolerance: bool,
) -> Judgement {
    let trials = &s.facts.trials;
    if trials.is_empty() {
        return missing("list every antidepressant trial under treatment_history.antidepressants");
    }
    let mut evidence = Vec::new();
    let mut notes = Vec::new();
    let mut qualifying: Vec<&TrialFacts> = Vec::new();
    for t in trials {
        let failed = t.failed && max_improvement.is_none_or(|m| t.improvement_percent.is_none_or(|p| p <= m));
        let long_enough = t.days_at_adequate_dose as f64 >= min_weeks * 7.0;
        let in_episode = !current_episode || t.in_current_episode == Some(true);
        let counts =
            in_episode && t.class.is_some() && ((failed && long_enough) || (count_intolerance && t.intolerance));
        let why_not = if counts {
            evidence.push(describe_trial(t));
            qualifying.push(t);
            continue;
        } else if t.class.is_none() {
            "not counted: drug not in the catalogue".to_string()
        } else if !in_episode {
            "not counted: before the current episode".to_string()
        } else if t.intolerance {
            "not counted: stopped for intolerance".to_string()
        } else if !failed {
            "not counted: not a failed trial".to_string()
        } else if t.adequate_dose != Some(true) {
            "not counted: dose below the minimum adequate dose".to_string()
        } else {
            format!("not counted: under {min_weeks} weeks at adequate dose")
        };
        notes.push(format!("{} ({why_not})", describe_trial(t)));
    }
    let mut classes: Vec<&str> = qualifying.iter().filter_map(|t| t.class.as_deref()).collect();
    classes.sort_unstable();
    classes.dedup();
    evidence.push(format!("{} qualifying trial(s) of {} class(es)", qualifying.len(), classes.len()));
    let mut judgement = if qualifying.len() >= min_trials && classes.len() >= min_classes {
        met(evidence)
    } else {
        let episode = if current_episode { " in the current episode" } else { "" };
        not_met(
            evidence,
            format!(
                "the policy needs {min_trials} failed trials of {min_classes} classes, each {min_weeks} weeks at adequate dose{episode}"
            ),
        )
    };
    judgement.notes = notes;
    judgement
}

fn judge_baseline(s: &Subject<'_>, within_days: i64, thresholds: &Thresholds) -> Judgement {
    let request = s.facts.request_date;
    let mut in_window: Vec<_> = s
        .intake
        .assessments
        .iter()
        .filter(|a| thresholds.contains_key(&a.instrument))
        .filter(|a| (0..=within_days).contains(&a.date.days_until(request)))
        .filter_map(|a| a.score.map(|score| (a.date, a.instrument, score)))
        .collect();
    in_window.sort_by_key(|x| x.0);
    let wanted: Vec<String> = thresholds.iter().map(|(i, t)| format!("{} {t}", i.id())).collect();
    if in_window.is_empty() {
        return missing(format!("record a score within {within_days} days before the request: {}", wanted.join(", ")));
    }
    let evidence = in_window
        .iter()
        .map(|(d, i, score)| format!("{} {score} on {d} (threshold {})", i.id(), thresholds[i]))
        .collect();
    if in_window.iter().any(|(_, i, score)| *score >= thresholds[i]) {
        met(evidence)
    } else {
        not_met(evidence, format!("the policy needs a score at or above: {}", wanted.join(", ")))
    }
}

fn judge_regimen(
    s: &Subject<'_>,
    phases: &[Phase],
    doses: Option<&[f64]>,
    max_per_kg: Option<f64>,
    max_per_week: Option<f64>,
    max_sessions: Option<u32>,
) -> Judgement {
    let Some(r) = s.intake.request.regimen.as_ref() else {
        return missing("describe the regimen under request.regimen");
    };
    let mut evidence = Vec::new();
    let mut problems = Vec::new();
    match r.phase {
        Some(p) if phases.contains(&p) => evidence.push(format!("phase: {}", serde_label(&p))),
        Some(p) => problems.push(format!(
            "phase {} (accepted: {})",
            serde_label(&p),
            phases.iter().map(serde_label).collect::<Vec<_>>().join(", ")
        )),
        None => return missing("give request.regimen.phase"),
    }
    if let Some(doses) = doses {
        match r.dose_mg {
            Some(d) if doses.contains(&d) => evidence.push(format!("{d} mg a session")),
            Some(d) => problems.push(format!(
                "{d} mg a session (accepted: {})",
                doses.iter().map(|x| format!("{x} mg")).collect::<Vec<_>>().join(", ")
            )),
            None => return missing("give request.regimen.dose_mg"),
        }
    }
    if let Some(max) = max_per_kg {
        match r.dose_mg_per_kg {
            Some(d) if d <= max => evidence.push(format!("{d} mg/kg a session")),
            Some(d) => problems.push(format!("{d} mg/kg a session (at most {max})")),
            None => return missing("give request.regimen.dose_mg_per_kg"),
        }
    }
    if let Some(max) = max_per_week {
        match r.frequency.map(|f| (f, per_week(f))) {
            Some((f, Some(n))) if n <= max => evidence.push(format!("{} ({n} a week)", serde_label(&f))),
            Some((f, _)) => problems.push(format!("{} (at most {max} a week)", serde_label(&f))),
            None => return missing("give request.regimen.frequency"),
        }
    }
    if let Some(max) = max_sessions {
        match r.sessions {
            Some(n) if n <= max => evidence.push(format!("{n} sessions")),
            Some(n) => problems.push(format!("{n} sessions (at most {max})")),
            None => return missing("give request.regimen.sessions"),
        }
    }
    if s.intake.request.therapy == Therapy::EsketamineNasal && r.dose_mg_per_kg.is_some() {
        problems.push("esketamine is dosed in mg a session, not mg/kg".into());
    }
    if problems.is_empty() {
        met(evidence)
    } else {
        let hint = format!("outside the policy: {}", problems.join("; "));
        evidence.extend(problems);
        not_met(evidence, hint)
    }
}
