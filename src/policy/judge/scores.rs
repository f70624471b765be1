//! Rules over rating scales: baseline severity against the policy's thresholds,
//! a recent score, response from the baseline, and suicide risk.

use super::{Judgement, met, missing, not_met};
use crate::assess::Baseline;
use crate::intake::{Instrument, RiskLevel};
use crate::policy::{Subject, Thresholds, serde_label};
use crate::reference;
use crate::words::{self, list};

fn short(i: Instrument) -> &'static str {
    &reference::instrument(i).short
}

/// A score against a threshold: `MADRS 33 on 2026-11-06, above the policy's threshold of 28`.
pub fn against_threshold(i: Instrument, score: u32, date: crate::date::Date, threshold: u32) -> String {
    let relation = if score > threshold {
        "above"
    } else if score == threshold {
        "at"
    } else {
        "below"
    };
    format!("{} {score} on {date}, {relation} the policy's threshold of {threshold}", short(i))
}

pub(super) fn baseline(s: &Subject<'_>, within_days: i64, thresholds: &Thresholds) -> Judgement {
    let as_of = s.facts.as_of;
    let mut in_window: Vec<_> = s
        .intake
        .assessments
        .iter()
        .filter(|a| thresholds.contains_key(&a.instrument))
        .filter(|a| (0..=within_days).contains(&a.date.days_until(as_of)))
        .filter_map(|a| a.score.map(|score| (a.date, a.instrument, score)))
        .collect();
    in_window.sort_by_key(|x| x.0);
    let wanted: Vec<String> = thresholds.iter().map(|(i, t)| format!("{} {t}", short(*i))).collect();
    if in_window.is_empty() {
        return missing(format!(
            "record a score within {within_days} days before {as_of}: {}",
            list(&wanted).replace(" and ", " or ")
        ));
    }
    let (above, below): (Vec<_>, Vec<_>) = in_window.iter().partition(|(_, i, score)| *score >= thresholds[i]);
    let line = |(d, i, score): &&(crate::date::Date, Instrument, u32)| against_threshold(*i, *score, *d, thresholds[i]);
    if above.is_empty() {
        not_met(
            below.iter().map(line).collect(),
            format!("the policy needs a score at or above: {}", list(&wanted).replace(" and ", " or ")),
        )
    } else {
        let mut j = met(above.iter().map(line).collect());
        j.notes = below.iter().map(|x| format!("{} (below its threshold)", line(x))).collect();
        j
    }
}

pub(super) fn recent(s: &Subject<'_>, instruments: &[Instrument], within_days: i64) -> Judgement {
    let as_of = s.facts.as_of;
    let latest = s
        .intake
        .assessments
        .iter()
        .filter(|a| instruments.contains(&a.instrument) && a.score.is_some())
        .filter(|a| (0..=within_days).contains(&a.date.days_until(as_of)))
        .max_by_key(|a| a.date);
    match latest {
        Some(a) => met(vec![format!("{} {} on {}", short(a.instrument), a.score.unwrap_or_default(), a.date)]),
        None => missing(format!(
            "record a {} score within {within_days} days before {as_of}",
            list(&instruments.iter().map(|i| short(*i)).collect::<Vec<_>>()).replace(" and ", " or ")
        )),
    }
}

pub(super) fn response(s: &Subject<'_>, instruments: &[Instrument], min_drop_percent: f64) -> Judgement {
    let scales: Vec<_> =
        s.facts.scales.iter().filter(|x| instruments.contains(&x.instrument) && x.percent_change.is_some()).collect();
    if scales.is_empty() {
        let why = match s.facts.baseline {
            Baseline::TreatmentStart(d) | Baseline::FirstSession(d) => {
                format!(
                    "record a score dated on or before {d} (when treatment began) and a later one on the same scale"
                )
            }
            Baseline::EpisodeStart => "record a baseline and a later score on the same scale".to_string(),
        };
        return missing(why);
    }
    let before = match s.facts.baseline {
        Baseline::TreatmentStart(_) | Baseline::FirstSession(_) => " (before treatment began)",
        Baseline::EpisodeStart => "",
    };
    let evidence: Vec<String> = scales
        .iter()
        .filter_map(|x| {
            let (b, l) = (x.baseline.as_ref()?, x.latest.as_ref()?);
            Some(format!(
                "{} from {} on {}{before} to {} on {}: {}",
                x.short,
                b.score,
                b.date,
                l.score,
                l.date,
                words::change(x.percent_change.unwrap_or_default())
            ))
        })
        .collect();
    if scales.iter().any(|x| x.percent_change.is_some_and(|p| -p >= min_drop_percent)) {
        met(evidence)
    } else {
        not_met(
            evidence,
            format!(
                "the policy needs a drop of at least {}% from the baseline on the same scale",
                words::num(min_drop_percent)
            ),
        )
    }
}

pub(super) fn suicide_risk(s: &Subject<'_>, min_risk: RiskLevel, or_codes: &[String]) -> Judgement {
    let code = s.intake.diagnoses.iter().find(|d| or_codes.iter().any(|c| c == d.code.as_str()));
    let latest = s.intake.assessments.iter().filter(|a| a.instrument == Instrument::CSsrs).max_by_key(|a| a.date);
    let mut evidence = Vec::new();
    if let Some(a) = latest
        && let Some(r) = a.risk
    {
        evidence.push(format!("C-SSRS risk {} on {}", serde_label(&r), a.date));
    }
    if let Some(d) = code {
        let described = reference::icd10::codes().lookup(d.code.as_str()).map(|c| format!(" ({})", c.description));
        evidence.push(format!("Diagnosis {}{}", d.code, described.unwrap_or_default()));
    }
    if s.facts.suicide_risk.is_some_and(|r| r >= min_risk) || code.is_some() {
        met(evidence)
    } else if s.facts.suicide_risk.is_none() {
        missing("record a dated C-SSRS with its risk level")
    } else {
        not_met(evidence, format!("the policy needs a C-SSRS risk of {} or higher", serde_label(&min_risk)))
    }
}
