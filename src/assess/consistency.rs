//! Free text against the structured data: a clinical summary that reaches a
//! letter must not say what the treatment history contradicts. Numbers of
//! weeks and days, doses, rating-scale scores, dates and drug names in the
//! summary (and the other free text a letter quotes) are compared with the
//! intake's fields; each contradiction is a warning naming both, for the clinic
//! to settle before the plan reads the letter.

use crate::assess::TrialFacts;
use crate::date::Date;
use crate::diag::Diagnostic;
use crate::intake::{Instrument, Intake, Positions};
use crate::reference::{self, DrugMatch};
use crate::words;

/// The free-text fields a letter quotes, by path.
fn quoted_fields(intake: &Intake) -> Vec<(&'static str, &str)> {
    let mut fields = Vec::new();
    if let Some(s) = intake.clinical_summary.as_deref() {
        fields.push(("clinical_summary", s));
    }
    if let Some(s) = intake.request.urgency_reason.as_deref() {
        fields.push(("request.urgency_reason", s));
    }
    if let Some(e) = &intake.request.exception {
        fields.push(("request.exception.reason", e.reason.as_str()));
    }
    fields
}

/// Every contradiction between the quoted free text and the structured data.
pub fn check(intake: &Intake, trials: &[TrialFacts], positions: &Positions) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (path, text) in quoted_fields(intake) {
        let mut found = Vec::new();
        for sentence in sentences(text) {
            // A clause names the drugs its figures are about; a clause that names
            // none speaks of the drugs of the clause before it.
            let mut carried: Vec<(usize, String)> = Vec::new();
            for clause in sentence.split(',') {
                found.extend(clause_problems(intake, trials, clause, &mut carried));
            }
        }
        found.dedup();
        for problem in found {
            out.push(
                Diagnostic::warning(path, format!("the text does not match the structured data: {problem}"))
                    .at(positions.get(path).copied())
                    .hint("correct the text or the field it contradicts; the plan reads both"),
            );
        }
    }
    out
}

/// Sentences: split at `.`, `;` and blank lines, keeping decimals (0.5) together.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let next_is_space = bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace());
        if (b == b'.' && next_is_space) || b == b';' {
            out.push(&text[start..i]);
            start = i + 1;
        }
    }
    out.push(&text[start..]);
    out.into_iter().map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// Words of a sentence, lower case, without punctuation around them.
fn tokens(sentence: &str) -> Vec<String> {
    sentence
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | ':' | '"'))
        .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric() && c != '-').to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// A number written in digits or as a small word.
fn number(token: &str) -> Option<f64> {
    const WORDS: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    token.parse::<f64>().ok().or_else(|| WORDS.iter().position(|w| *w == token).map(|n| n as f64))
}

fn clause_problems(
    intake: &Intake,
    trials: &[TrialFacts],
    clause: &str,
    carried: &mut Vec<(usize, String)>,
) -> Vec<String> {
    let words = tokens(clause);
    let mut problems = Vec::new();
    // Drugs named, with the token index where each is named.
    let mut drugs: Vec<(usize, String)> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if w.len() < 4 {
            continue;
        }
        if let Some(DrugMatch::Antidepressant(d)) = reference::find_drug(w) {
            drugs.push((i, d.generic.clone()));
        }
    }
    let named_here = !drugs.is_empty();
    if named_here {
        *carried = drugs.clone();
    } else {
        // Positions belong to the earlier clause: only durations may use them.
        drugs = carried.iter().map(|(_, g)| (usize::MAX, g.clone())).collect();
    }
    let history = intake.treatment_history.clone().unwrap_or_default();
    let listed = |generic: &str| {
        trials.iter().any(|t| t.generic.as_deref() == Some(generic))
            || history.current_medications.iter().chain([]).any(|m| generic_of(&m.drug).as_deref() == Some(generic))
            || history.augmentations.iter().any(|a| generic_of(&a.agent).as_deref() == Some(generic))
    };
    for (_, generic) in drugs.iter().filter(|_| named_here) {
        if !listed(generic) {
            problems.push(format!("it names {generic}, which the treatment history does not list"));
        }
    }
    // Durations: "more than 13 weeks", "at least 6 weeks", "after 18 days".
    for (i, w) in words.iter().enumerate() {
        let unit_days = match w.as_str() {
            "week" | "weeks" => 7.0,
            "day" | "days" => 1.0,
            _ => continue,
        };
        let Some(n) = i.checked_sub(1).and_then(|k| number(&words[k])) else { continue };
        let before = |k: usize| i.checked_sub(k).map(|k| words[k].as_str());
        let bound = match (before(3), before(2)) {
            (Some("more"), Some("than")) | (_, Some("over")) => Bound::Above,
            (Some("at"), Some("least")) => Bound::AtLeast,
            _ => Bound::About,
        };
        let claimed_days = n * unit_days;
        for (_, generic) in &drugs {
            let Some(t) = trials.iter().find(|t| t.generic.as_deref() == Some(generic.as_str())) else { continue };
            // Weeks are measured at an adequate dose; days (a short trial) over the whole trial.
            let actual =
                if unit_days == 7.0 { t.days_at_adequate_dose as f64 } else { t.start.days_until(t.counted_to) as f64 };
            let wrong = match bound {
                Bound::Above => actual <= claimed_days,
                Bound::AtLeast => actual < claimed_days,
                Bound::About => (actual - claimed_days).abs() > unit_days.max(3.0),
            };
            if wrong {
                let shown = if unit_days == 7.0 {
                    format!("{} at an adequate dose", words::weeks(t.weeks_at_adequate_dose))
                } else {
                    words::count(t.start.days_until(t.counted_to) as usize, "day", "days")
                };
                problems.push(format!(
                    "it gives {generic} {} {}, but the treatment history shows {shown}",
                    bound.words(),
                    words::count(
                        n as usize,
                        if unit_days == 7.0 { "week" } else { "day" },
                        if unit_days == 7.0 { "weeks" } else { "days" }
                    )
                ));
            }
        }
    }
    // Doses: "sertraline (150 mg)", "escitalopram 20 mg": the number just after the drug.
    for (at, generic) in drugs.iter().filter(|_| named_here) {
        let Some(k) = (at + 1..(at + 4).min(words.len())).find(|&k| words.get(k + 1).is_some_and(|u| u == "mg")) else {
            continue;
        };
        let Some(dose) = number(&words[k]) else { continue };
        let doses: Vec<f64> = trials
            .iter()
            .filter(|t| t.generic.as_deref() == Some(generic.as_str()))
            .filter_map(|t| t.max_dose_mg)
            .chain(
                history
                    .current_medications
                    .iter()
                    .filter(|m| generic_of(&m.drug).as_deref() == Some(generic.as_str()))
                    .filter_map(|m| m.dose_mg),
            )
            .collect();
        if !doses.is_empty() && !doses.contains(&dose) {
            let listed: Vec<String> = doses.iter().map(|d| words::mg(*d)).collect();
            problems.push(format!(
                "it gives {generic} {}, but the treatment history shows {}",
                words::mg(dose),
                words::list(&listed)
            ));
        }
    }
    // Scores: "MADRS was 33", "a PHQ-9 of 17"; with a date in the clause, on that date.
    let dated = words.iter().find_map(|t| Date::parse(t).ok());
    for (i, w) in words.iter().enumerate() {
        let Some(instrument) = instrument_named(w) else { continue };
        let Some(score) = words[i + 1..].iter().take(3).find_map(|t| t.parse::<u32>().ok()) else { continue };
        let short = &reference::instrument(instrument).short;
        let listed = intake.assessments.iter().filter(|a| a.instrument == instrument && a.score == Some(score));
        match (listed.clone().next(), dated) {
            (None, _) => {
                problems.push(format!("it gives a {short} of {score}, but no {short} result of {score} is listed"))
            }
            (Some(_), Some(d)) if !listed.clone().any(|a| a.date == d) => problems.push(format!(
                "it gives a {short} of {score} on {d}, but the {short} of {score} listed is on another date"
            )),
            _ => {}
        }
    }
    problems
}

#[derive(Clone, Copy)]
enum Bound {
    Above,
    AtLeast,
    About,
}

impl Bound {
    fn words(self) -> &'static str {
        match self {
            Bound::Above => "more than",
            Bound::AtLeast => "at least",
            Bound::About => "about",
        }
    }
}

fn generic_of(name: &str) -> Option<String> {
    match reference::find_drug(name)? {
        DrugMatch::Antidepressant(d) => Some(d.generic.clone()),
        DrugMatch::Augmentation(a) => Some(a.generic.clone()),
    }
}

fn instrument_named(token: &str) -> Option<Instrument> {
    Some(match token {
        "phq-9" | "phq9" => Instrument::Phq9,
        "madrs" => Instrument::Madrs,
        "ham-d" | "ham-d-17" | "hamd" | "hdrs" => Instrument::HamD17,
        "qids" | "qids-sr" | "qids-sr-16" | "qids-sr16" => Instrument::QidsSr16,
        "bdi-ii" => Instrument::BdiIi,
        "gad-7" => Instrument::Gad7,
        "pcl-5" => Instrument::Pcl5,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::load_intake;

    fn problems(summary: &str) -> Vec<String> {
        let text = include_str!("../../samples/esketamine-trd-initial/intake.yaml");
        let mut intake = load_intake(text).unwrap().intake;
        intake.clinical_summary = Some(summary.to_string());
        let facts = crate::assess::assess(&intake);
        check(&intake, &facts.trials, &Positions::new()).into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn a_summary_that_agrees_with_the_history_raises_nothing() {
        assert!(
            problems(
                "Sertraline (150 mg) and duloxetine (120 mg) each failed after more than 13 weeks at an adequate dose."
            )
            .is_empty(),
            "{:?}",
            problems(
                "Sertraline (150 mg) and duloxetine (120 mg) each failed after more than 13 weeks at an adequate dose."
            )
        );
        assert!(problems("On 2026-11-06 her MADRS was 33 and her PHQ-9 was 17.").is_empty());
    }

    #[test]
    fn durations_doses_scores_dates_and_drugs_that_contradict_are_named() {
        let p = problems("Sertraline and duloxetine each failed after more than 20 weeks.");
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("sertraline more than 20 weeks") && p[0].contains("14.2 weeks"), "{p:?}");
        let p = problems("Sertraline (200 mg) did not help.");
        assert!(p.iter().any(|m| m.contains("sertraline 200 mg") && m.contains("150 mg")), "{p:?}");
        let p = problems("Her MADRS was 38.");
        assert!(p.iter().any(|m| m.contains("MADRS of 38")), "{p:?}");
        let p = problems("On 2026-11-07 her MADRS was 33.");
        assert!(p.iter().any(|m| m.contains("MADRS of 33 on 2026-11-07")), "{p:?}");
        let p = problems("Fluoxetine failed too.");
        assert!(p.iter().any(|m| m.contains("fluoxetine, which the treatment history does not list")), "{p:?}");
    }
}
