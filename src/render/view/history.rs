//! The treatment history and the rating scales as tables and sentences: one
//! definition of every row, shared by the letters, the history summary and the worksheet.

use serde::Serialize;

use crate::assess::{Baseline, Facts};
use crate::intake::{EsketamineStatus, Intake, NeuromodulationStatus};
use crate::policy::{PolicyProfile, Rule, outcome_label, serde_label};
use crate::reference;
use crate::words::{self, capitalized, lower_first, mg};

/// One antidepressant trial.
#[derive(Clone, Debug, Serialize)]
pub struct Trial {
    /// Its number in the table, from 1.
    pub number: usize,
    /// The drug as written, capitalized.
    pub drug: String,
    /// The generic, when the name written is a brand.
    pub generic: Option<String>,
    /// The class's short name.
    pub class: String,
    /// The highest daily dose.
    pub dose: String,
    /// The catalogue's minimum adequate dose.
    pub minimum: String,
    /// Start, ISO.
    pub start: String,
    /// End, ISO, or `ongoing`.
    pub end: String,
    /// Weeks at an adequate dose.
    pub weeks: String,
    /// In the current episode: yes, no or -.
    pub in_episode: &'static str,
    /// Outcome, with the improvement when known.
    pub outcome: String,
    /// Adherence, when not good.
    pub adherence: Option<String>,
    /// The notes.
    pub notes: Option<String>,
}

/// A row of a simple history table (augmentation, psychotherapy, neuromodulation, pain treatments).
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// What it was.
    pub what: String,
    /// Its detail: dose, sessions, class.
    pub detail: String,
    /// Dates.
    pub dates: String,
    /// What happened, or why not.
    pub outcome: String,
}

/// A rating scale, baseline to latest, stated against the policy's threshold.
#[derive(Clone, Debug, Serialize)]
pub struct Scale {
    /// Full name.
    pub name: String,
    /// Short name.
    pub short: String,
    /// The baseline: score and date.
    pub baseline: Option<String>,
    /// Whether the baseline is the last score before treatment began.
    pub before_treatment: bool,
    /// The latest: score and date.
    pub latest: Option<String>,
    /// The latest score alone.
    pub latest_score: Option<u32>,
    /// The latest score's date.
    pub latest_date: Option<String>,
    /// The change, signed: `-6 (-37.5%)`.
    pub change: Option<String>,
    /// The change in words: `a 37.5% drop`.
    pub change_words: Option<String>,
    /// Response or remission, in words.
    pub result: Option<&'static str>,
    /// The policy's threshold for this instrument, when it sets one.
    pub threshold: Option<u32>,
    /// The latest score against that threshold: `MADRS 33, above the policy's threshold of 28`.
    pub against_threshold: Option<String>,
    /// The latest score's severity band (the clinic's worksheet only).
    pub band: Option<String>,
}

/// The treatment history.
#[derive(Clone, Debug, Serialize)]
pub struct History {
    /// Antidepressant trials.
    pub trials: Vec<Trial>,
    /// Augmentation trials.
    pub augmentations: Vec<Row>,
    /// Psychotherapy.
    pub psychotherapy: Vec<Row>,
    /// Neuromodulation.
    pub neuromodulation: Vec<Row>,
    /// Pain treatments.
    pub pain_treatments: Vec<Row>,
    /// Hospital stays: dates and reason.
    pub hospitalizations: Vec<Row>,
    /// What the patient takes now.
    pub current_medications: Vec<Row>,
    /// Esketamine nasal spray, for an IV or IM ketamine request: why not it.
    pub esketamine: Option<String>,
    /// Whether anything at all is listed.
    pub any: bool,
}

fn dates(start: Option<crate::date::Date>, end: Option<crate::date::Date>) -> String {
    match (start, end) {
        (Some(s), Some(e)) => format!("{s} to {e}"),
        (Some(s), None) => format!("since {s}"),
        (None, Some(e)) => format!("until {e}"),
        (None, None) => "-".into(),
    }
}

fn outcome(o: Option<crate::intake::Outcome>) -> String {
    o.map(outcome_label).unwrap_or("not recorded").to_string()
}

/// The history's rows.
pub fn history(intake: &Intake, facts: &Facts) -> History {
    let h = intake.treatment_history.clone().unwrap_or_default();
    // For a pain request, an antidepressant also listed as a pain treatment is
    // shown once, among the pain treatments.
    let pain = intake.request.indication == crate::intake::Indication::ChronicPain;
    let as_pain_treatment =
        |drug: &str| pain && h.pain_treatments.iter().any(|p| p.name.trim().eq_ignore_ascii_case(drug.trim()));
    let trials: Vec<Trial> = facts
        .trials
        .iter()
        .filter(|t| !as_pain_treatment(&t.drug))
        .enumerate()
        .map(|(i, t)| {
            let source = &h.antidepressants[t.index];
            let generic = t.generic.clone().filter(|g| !g.eq_ignore_ascii_case(&t.drug));
            Trial {
                number: i + 1,
                drug: capitalized(&t.drug),
                generic,
                class: t
                    .class
                    .as_deref()
                    .map(|c| reference::class_short(c).to_string())
                    .unwrap_or_else(|| "not in the catalogue".into()),
                dose: t.max_dose_mg.map(|d| format!("{} a day", mg(d))).unwrap_or_else(|| "-".into()),
                minimum: t.min_adequate_mg.map(mg).unwrap_or_else(|| "-".into()),
                start: t.start.to_string(),
                end: t.end.map(|d| d.to_string()).unwrap_or_else(|| "ongoing".into()),
                weeks: words::num(t.weeks_at_adequate_dose),
                in_episode: match t.in_current_episode {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "-",
                },
                outcome: match t.improvement_percent {
                    Some(p) => format!("{}, {}% improvement", outcome(t.outcome), words::num(p)),
                    None => outcome(t.outcome),
                },
                adherence: source
                    .adherence
                    .filter(|a| *a != crate::intake::Adherence::Good)
                    .map(|a| format!("{} adherence", serde_label(&a))),
                notes: source.notes.clone(),
            }
        })
        .collect();
    let augmentations = h
        .augmentations
        .iter()
        .map(|a| Row {
            what: capitalized(&a.agent),
            detail: a.max_dose_mg.map(|d| format!("up to {} a day", mg(d))).unwrap_or_else(|| "-".into()),
            dates: dates(Some(a.start), a.end),
            outcome: outcome(a.outcome),
        })
        .collect();
    let psychotherapy = h
        .psychotherapy
        .iter()
        .map(|p| Row {
            what: crate::policy::modality_words(p.modality).to_string(),
            detail: p.sessions.map(|n| words::count(n as usize, "session", "sessions")).unwrap_or_else(|| "-".into()),
            dates: dates(p.start, p.end),
            outcome: outcome(p.outcome),
        })
        .collect();
    let neuromodulation = h
        .neuromodulation
        .iter()
        .map(|n| Row {
            what: serde_label(&n.kind).to_uppercase(),
            detail: n.sessions.map(|s| words::count(s as usize, "session", "sessions")).unwrap_or_else(|| "-".into()),
            dates: dates(n.start, n.end),
            outcome: {
                let status = match n.status {
                    NeuromodulationStatus::Completed => "completed",
                    NeuromodulationStatus::Stopped => "stopped",
                    NeuromodulationStatus::Declined => "declined",
                    NeuromodulationStatus::Contraindicated => "contraindicated",
                    NeuromodulationStatus::Unavailable => "not available",
                };
                let result = n.outcome.map(|o| format!(", {}", outcome_label(o))).unwrap_or_default();
                match n.reason.as_deref().map(|r| r.trim().trim_end_matches('.')) {
                    // A reason that already says "Declined on ..." stands alone.
                    Some(r)
                        if result.is_empty()
                            && r.get(..status.len()).is_some_and(|w| w.eq_ignore_ascii_case(status)) =>
                    {
                        lower_first(r)
                    }
                    Some(r) => format!("{status}{result}: {r}"),
                    None => format!("{status}{result}"),
                }
            },
        })
        .collect();
    let pain_treatments = h
        .pain_treatments
        .iter()
        .map(|p| Row {
            what: capitalized(&p.name),
            detail: [
                Some(crate::policy::pain_category_words(p.category).to_string()),
                p.class.clone(),
                p.max_dose_mg.map(|d| format!("up to {} a day", mg(d))),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
            dates: dates(p.start, p.end),
            outcome: outcome(p.outcome),
        })
        .collect();
    let hospitalizations = h
        .hospitalizations
        .iter()
        .map(|s| Row {
            what: "Psychiatric hospitalization".into(),
            detail: String::new(),
            dates: dates(Some(s.admitted), s.discharged),
            outcome: s.reason.clone().unwrap_or_default(),
        })
        .collect();
    let current_medications = h
        .current_medications
        .iter()
        .map(|m| Row {
            what: capitalized(&m.drug),
            detail: m.dose_mg.map(|d| format!("{} a day", mg(d))).unwrap_or_else(|| "-".into()),
            dates: m.since.map(|d| format!("since {d}")).unwrap_or_else(|| "-".into()),
            outcome: m
                .role
                .map(|r| match r {
                    crate::intake::MedicationRole::OralAntidepressant => "oral antidepressant",
                    crate::intake::MedicationRole::Augmentation => "augmentation",
                    crate::intake::MedicationRole::Other => "-",
                })
                .unwrap_or("-")
                .to_string(),
        })
        .collect();
    let esketamine = h.esketamine.as_ref().map(|e| {
        let reason = e
            .reason
            .as_deref()
            .map(|r| format!(": {}", lower_first(r.trim().trim_end_matches('.'))))
            .unwrap_or_default();
        match e.status {
            EsketamineStatus::Tried => {
                format!("Esketamine nasal spray was tried ({}): {}{reason}", dates(e.start, e.end), outcome(e.outcome))
            }
            EsketamineStatus::Declined => format!("Esketamine nasal spray was offered and declined{reason}"),
            EsketamineStatus::Contraindicated => format!("Esketamine nasal spray is contraindicated{reason}"),
            EsketamineStatus::Unavailable => format!("Esketamine nasal spray is not available to the patient{reason}"),
            EsketamineStatus::NotCovered => {
                format!("The plan does not cover esketamine nasal spray for the patient{reason}")
            }
        }
    });
    let any = !trials.is_empty()
        || !h.augmentations.is_empty()
        || !h.psychotherapy.is_empty()
        || !h.pain_treatments.is_empty();
    History {
        trials,
        augmentations,
        psychotherapy,
        neuromodulation,
        pain_treatments,
        hospitalizations,
        current_medications,
        esketamine,
        any,
    }
}

/// The thresholds the profile's baseline-severity rules set, by instrument.
fn thresholds(profile: &PolicyProfile) -> std::collections::BTreeMap<crate::intake::Instrument, u32> {
    fn walk(rule: &Rule, out: &mut std::collections::BTreeMap<crate::intake::Instrument, u32>) {
        match rule {
            Rule::BaselineSeverity { thresholds, .. } => out.extend(thresholds.iter().map(|(k, v)| (*k, *v))),
            Rule::AllOf { rules } | Rule::AnyOf { rules } => rules.iter().for_each(|r| walk(r, out)),
            _ => {}
        }
    }
    let mut out = std::collections::BTreeMap::new();
    for c in &profile.criteria {
        walk(&c.rule, &mut out);
    }
    out
}

/// Each scale, baseline to latest, against the policy's threshold.
pub fn scales(facts: &Facts, profile: &PolicyProfile) -> Vec<Scale> {
    let thresholds = thresholds(profile);
    let before_treatment = !matches!(facts.baseline, Baseline::EpisodeStart);
    facts
        .scales
        .iter()
        .map(|s| {
            let threshold = thresholds.get(&s.instrument).copied();
            let latest = s.latest.as_ref();
            Scale {
                name: s.name.clone(),
                short: s.short.clone(),
                baseline: s
                    .baseline
                    .as_ref()
                    .filter(|b| latest.is_some_and(|l| b.date != l.date))
                    .map(|b| format!("{} on {}", b.score, b.date)),
                before_treatment,
                latest: latest.map(|l| format!("{} on {}", l.score, l.date)),
                latest_score: latest.map(|l| l.score),
                latest_date: latest.map(|l| l.date.to_string()),
                change: s.change.zip(s.percent_change).map(|(c, p)| format!("{c:+} ({})", words::signed_percent(p))),
                change_words: s.percent_change.map(words::change),
                result: match (s.remission, s.response) {
                    (Some(true), _) => Some("remission"),
                    (_, Some(true)) => Some("response"),
                    (_, Some(false)) => Some("short of a response"),
                    _ => None,
                },
                threshold,
                against_threshold: threshold
                    .zip(latest)
                    .map(|(t, l)| crate::policy::against_threshold(s.instrument, l.score, l.date, t)),
                band: latest.and_then(|l| l.band.clone()),
            }
        })
        .collect()
}
