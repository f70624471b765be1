//! Rules over safety: each label's contraindications, the PDMP check, substance
//! use, and the Budapest criteria for CRPS.

use super::{Judgement, met, missing, missing_with, not_met};
use crate::intake::{CrpsCategory, SubstanceUse};
use crate::policy::Subject;
use crate::words::{count, list};

/// Answers to a label's contraindications: each present, absent or unanswered.
fn contraindications(answers: &[(&str, Option<bool>)], hint: &str) -> Judgement {
    let present: Vec<&str> = answers.iter().filter(|(_, a)| *a == Some(true)).map(|(n, _)| *n).collect();
    let unanswered: Vec<&str> = answers.iter().filter(|(_, a)| a.is_none()).map(|(n, _)| *n).collect();
    let names: Vec<&str> = answers.iter().map(|(n, _)| *n).collect();
    if !present.is_empty() {
        not_met(vec![format!("Present: {}", list(&present))], "a label contraindication is present")
    } else if !unanswered.is_empty() {
        missing_with(vec![format!("Not yet screened: {}", list(&unanswered))], hint)
    } else {
        met(vec![format!("Screened, none present: {}", list(&names))])
    }
}

pub(super) fn esketamine_contraindications(s: &Subject<'_>) -> Judgement {
    let c = s.intake.safety.as_ref().and_then(|x| x.contraindications.as_ref());
    contraindications(
        &[
            ("aneurysmal vascular disease", c.and_then(|c| c.aneurysmal_vascular_disease)),
            ("arteriovenous malformation", c.and_then(|c| c.arteriovenous_malformation)),
            ("intracerebral hemorrhage", c.and_then(|c| c.intracerebral_hemorrhage)),
            ("hypersensitivity to esketamine or ketamine", c.and_then(|c| c.hypersensitivity)),
        ],
        "answer all four safety.contraindications",
    )
}

pub(super) fn ketamine_contraindications(s: &Subject<'_>) -> Judgement {
    let c = s.intake.safety.as_ref().and_then(|x| x.contraindications.as_ref());
    contraindications(
        &[
            (
                "a condition in which a rise in blood pressure would be a serious hazard",
                c.and_then(|c| c.blood_pressure_hazard),
            ),
            ("hypersensitivity to ketamine", c.and_then(|c| c.hypersensitivity)),
        ],
        "answer safety.contraindications.blood_pressure_hazard and hypersensitivity (the ketamine label's two)",
    )
}

pub(super) fn pdmp(s: &Subject<'_>, within_days: i64) -> Judgement {
    match s.intake.safety.as_ref().and_then(|x| x.pdmp_checked_on) {
        None => missing("record safety.pdmp_checked_on"),
        Some(d) => {
            let age = d.days_until(s.facts.as_of);
            let evidence = vec![format!(
                "Prescription-drug monitoring program checked on {d}, {} before {}",
                count(age.max(0) as usize, "day", "days"),
                s.facts.as_of
            )];
            if (0..=within_days).contains(&age) {
                met(evidence)
            } else {
                not_met(evidence, format!("check the PDMP within {within_days} days before {}", s.facts.as_of))
            }
        }
    }
}

pub(super) fn substance_use(s: &Subject<'_>) -> Judgement {
    match s.intake.safety.as_ref().and_then(|x| x.substance_use) {
        None => missing("record safety.substance_use"),
        Some(SubstanceUse::Active) => {
            not_met(vec!["Active substance use disorder".into()], "active substance use disorder is excluded")
        }
        Some(SubstanceUse::InRemission) => met(vec!["Substance use disorder in remission; none active".into()]),
        Some(SubstanceUse::None) => met(vec!["No substance use disorder".into()]),
    }
}

/// The Budapest categories in words.
pub fn category_words(c: CrpsCategory) -> &'static str {
    match c {
        CrpsCategory::Sensory => "sensory",
        CrpsCategory::Vasomotor => "vasomotor",
        CrpsCategory::SudomotorEdema => "sudomotor or edema",
        CrpsCategory::MotorTrophic => "motor or trophic",
    }
}

pub(super) fn crps(s: &Subject<'_>, codes: &[String]) -> Judgement {
    let crps = s.intake.diagnoses.iter().find(|d| codes.iter().any(|c| d.code.as_str().starts_with(c.as_str())));
    let Some(code) = crps else {
        return met(vec!["The diagnosis is not CRPS; the Budapest criteria do not apply".into()]);
    };
    let Some(b) = s.intake.crps.as_ref() else {
        return missing(format!("{} is CRPS: record the Budapest criteria under crps", code.code));
    };
    let named = |cats: &[CrpsCategory]| {
        let mut c: Vec<CrpsCategory> = cats.to_vec();
        c.sort();
        c.dedup();
        c
    };
    let (symptoms, signs) = (named(&b.symptoms), named(&b.signs));
    let on = b.assessed_on.map(|d| format!(" (assessed {d})")).unwrap_or_default();
    let yes_no = |x: Option<bool>| x.map_or("not recorded", |x| if x { "yes" } else { "no" });
    let evidence = vec![format!(
        "Budapest clinical criteria for CRPS{on}: pain disproportionate to any inciting event, {}; symptoms in {} ({}); signs at evaluation in {} ({}); no other diagnosis better explains them, {}",
        yes_no(b.disproportionate_pain),
        count(symptoms.len(), "category", "categories"),
        list(&symptoms.iter().map(|c| category_words(*c)).collect::<Vec<_>>()),
        count(signs.len(), "category", "categories"),
        list(&signs.iter().map(|c| category_words(*c)).collect::<Vec<_>>()),
        yes_no(b.no_better_explanation)
    )];
    let (Some(pain), Some(alone)) = (b.disproportionate_pain, b.no_better_explanation) else {
        return missing_with(evidence, "answer crps.disproportionate_pain and crps.no_better_explanation");
    };
    // Harden 2010: symptoms in three of four categories, signs in two or more.
    if pain && alone && symptoms.len() >= 3 && signs.len() >= 2 {
        met(evidence)
    } else {
        not_met(
            evidence,
            format!(
                "the Budapest criteria for {} need disproportionate pain, symptoms in 3 of 4 categories, signs in 2 or more, and no better explanation",
                code.code
            ),
        )
    }
}
