//! Rating scales, baseline to latest. The baseline is what the plan compares
//! against: for a continuation or a claim, the last score on or before the
//! treatment began (`request.treatment_start`, else the first session); for an
//! initial request, the first score of the current episode.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::date::Date;
use crate::intake::{Instrument, Intake, RequestKind};
use crate::reference;

/// One instrument's results, baseline to latest.
#[derive(Clone, Debug, Serialize)]
pub struct ScaleFacts {
    /// The instrument.
    pub instrument: Instrument,
    /// Its full name.
    pub name: String,
    /// The name documents use after the first mention.
    pub short: String,
    /// Every scored result, oldest first.
    pub results: Vec<ScoreFact>,
    /// The score the latest is compared with (see [`Baseline`]).
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
    /// The severity band, when the instrument has bands (for the clinic's worksheet).
    pub band: Option<String>,
}

/// What a baseline is counted from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "from", content = "date", rename_all = "kebab-case")]
pub enum Baseline {
    /// The last score on or before `request.treatment_start`.
    TreatmentStart(Date),
    /// The last score on or before the first session listed.
    FirstSession(Date),
    /// The first score in the current episode (initial requests; or a
    /// continuation that gives no treatment start, with a warning).
    EpisodeStart,
}

/// When the treatment being continued or claimed began, and how that is known.
pub fn baseline_basis(intake: &Intake) -> Baseline {
    if !matches!(intake.request.kind, RequestKind::Continuation | RequestKind::Claim) {
        return Baseline::EpisodeStart;
    }
    match (intake.request.treatment_start, intake.sessions.iter().map(|s| s.date).min()) {
        (Some(d), _) => Baseline::TreatmentStart(d),
        (None, Some(d)) => Baseline::FirstSession(d),
        (None, None) => Baseline::EpisodeStart,
    }
}

/// Each instrument's results, baseline to latest.
pub fn scales(intake: &Intake, episode_start: Option<Date>, basis: Baseline) -> Vec<ScaleFacts> {
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
            let baseline = match basis {
                // The last score on or before the treatment began; none there means no baseline.
                Baseline::TreatmentStart(start) | Baseline::FirstSession(start) => {
                    results.iter().rev().find(|(d, _)| *d <= start).copied()
                }
                Baseline::EpisodeStart => results
                    .iter()
                    .copied()
                    .find(|(d, _)| episode_start.is_none_or(|s| *d >= s))
                    .or(results.first().copied()),
            };
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
                short: info.short.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::{Assessment, load_intake};

    fn with_scores(kind: RequestKind, start: Option<&str>, scores: &[(&str, u32)]) -> Intake {
        let text = include_str!("../../samples/esketamine-trd-initial/intake.yaml");
        let mut i = load_intake(text).unwrap().intake;
        i.request.kind = kind;
        i.request.treatment_start = start.map(|d| Date::parse(d).unwrap());
        i.sessions.clear();
        i.assessments = scores
            .iter()
            .map(|(d, s)| Assessment {
                instrument: Instrument::Phq9,
                score: Some(*s),
                risk: None,
                date: Date::parse(d).unwrap(),
                rater: None,
            })
            .collect();
        i
    }

    fn phq(i: &Intake) -> ScaleFacts {
        let basis = baseline_basis(i);
        scales(i, Some(Date::parse("2025-03-15").unwrap()), basis).remove(0)
    }

    #[test]
    fn a_continuation_baseline_is_the_last_score_before_treatment_began() {
        // The episode's first score was 21; the day before induction it was 16.
        let scores = [("2025-07-01", 21), ("2026-06-30", 16), ("2026-10-15", 10)];
        let i = with_scores(RequestKind::Continuation, Some("2026-07-01"), &scores);
        let s = phq(&i);
        assert_eq!(s.baseline.as_ref().map(|b| b.score), Some(16));
        assert_eq!(s.percent_change, Some(-37.5));
        assert_eq!(s.response, Some(false), "a 37.5% drop is not a response");
        // A score on the start day itself counts as the baseline.
        let i = with_scores(RequestKind::Continuation, Some("2026-06-30"), &scores);
        assert_eq!(phq(&i).baseline.map(|b| b.score), Some(16));
        // No score on or before the start: no baseline, so no change and no response.
        let i = with_scores(RequestKind::Continuation, Some("2025-06-01"), &scores);
        let s = phq(&i);
        assert!(s.baseline.is_none() && s.response.is_none());
        // Without a start (or sessions), the episode's first score, as before.
        let i = with_scores(RequestKind::Continuation, None, &scores);
        assert_eq!(baseline_basis(&i), Baseline::EpisodeStart);
        assert_eq!(phq(&i).baseline.map(|b| b.score), Some(21));
        // An initial request compares with the episode's first score.
        let i = with_scores(RequestKind::Initial, Some("2026-07-01"), &scores);
        assert_eq!(phq(&i).baseline.map(|b| b.score), Some(21));
    }

    #[test]
    fn response_and_remission_at_their_thresholds() {
        let s =
            phq(&with_scores(RequestKind::Continuation, Some("2026-07-01"), &[("2026-06-30", 20), ("2026-10-01", 10)]));
        assert_eq!((s.response, s.remission), (Some(true), Some(false)), "a 50% drop is a response");
        let s =
            phq(&with_scores(RequestKind::Continuation, Some("2026-07-01"), &[("2026-06-30", 20), ("2026-10-01", 4)]));
        assert_eq!(s.remission, Some(true), "4 is remission on the PHQ-9");
        let s =
            phq(&with_scores(RequestKind::Continuation, Some("2026-07-01"), &[("2026-06-30", 20), ("2026-10-01", 11)]));
        assert_eq!(s.response, Some(false), "45% is short of a response");
    }
}
