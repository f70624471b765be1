//! Rules over the request and the people: age, diagnosis, REMS, the prescriber, the regimen.

use super::{Judgement, met, missing, missing_with, not_met};
use crate::intake::{Enrollment, Frequency, Phase, Therapy};
use crate::policy::{Status, Subject, serde_label};
use crate::reference;
use crate::words::{self, count, list, mg};

pub(super) fn min_age(s: &Subject<'_>, years: i32) -> Judgement {
    let evidence =
        vec![format!("{} years old on {} (born {})", s.facts.age, s.facts.as_of, s.intake.patient.date_of_birth)];
    if s.facts.age >= years {
        met(evidence)
    } else {
        not_met(evidence, format!("the policy covers patients {years} or older"))
    }
}

pub(super) fn max_age(s: &Subject<'_>, years: i32) -> Judgement {
    let evidence = vec![format!("{} years old on {}", s.facts.age, s.facts.as_of)];
    if s.facts.age <= years {
        met(evidence)
    } else {
        not_met(evidence, format!("the policy covers patients up to {years}"))
    }
}

/// A code with its official description.
fn described(code: &str) -> String {
    match reference::icd10::codes().lookup(code) {
        Some(c) => format!("{code} ({})", c.description),
        None => code.to_string(),
    }
}

pub(super) fn diagnosis(s: &Subject<'_>, codes: &[String], exclude: &[String], no_psychotic: bool) -> Judgement {
    let listed: Vec<&str> = s.intake.diagnoses.iter().map(|d| d.code.as_str()).collect();
    let accepted: Vec<String> = listed.iter().filter(|c| codes.iter().any(|k| k == *c)).map(|c| described(c)).collect();
    let mut evidence = if accepted.is_empty() {
        vec![format!("Diagnoses: {}", list(&listed.iter().map(|c| described(c)).collect::<Vec<_>>()))]
    } else {
        vec![format!("Diagnosis {}", list(&accepted))]
    };
    let flag = s.intake.current_episode.as_ref().and_then(|e| e.psychotic_features);
    if no_psychotic && flag == Some(false) {
        evidence.push("No psychotic features in the current episode".into());
    }
    if let Some(x) = listed.iter().find(|c| exclude.iter().any(|e| e == *c)) {
        return not_met(evidence, format!("diagnosis {x} is excluded by the policy"));
    }
    if no_psychotic && flag == Some(true) {
        evidence.push("Psychotic features in the current episode".into());
        return not_met(evidence, "the policy excludes episodes with psychotic features");
    }
    if accepted.is_empty() {
        return not_met(evidence, format!("the policy accepts {}", codes.join(", ")));
    }
    if no_psychotic && flag.is_none() {
        return missing_with(evidence, "answer current_episode.psychotic_features");
    }
    met(evidence)
}

pub(super) fn rems(s: &Subject<'_>) -> Judgement {
    let site = s.intake.site.as_ref().and_then(|x| x.rems_certified);
    let patient = s.intake.patient.rems_enrolled;
    let site_words = match site {
        Some(true) => "The site of care is certified in the SPRAVATO REMS",
        Some(false) => "The site of care is not certified in the SPRAVATO REMS",
        None => "The site's REMS certification is not recorded",
    };
    let patient_words = match patient {
        Some(Enrollment::Enrolled) => "the patient is enrolled",
        Some(Enrollment::NotEnrolled) => "the patient is not enrolled",
        Some(Enrollment::Pending) => "the patient's enrollment is pending",
        None => "the patient's enrollment is not recorded",
    };
    let evidence = vec![format!("{site_words}; {patient_words}")];
    match (site, patient) {
        (Some(true), Some(Enrollment::Enrolled)) => met(evidence),
        (Some(false), _) | (_, Some(Enrollment::NotEnrolled)) => {
            not_met(evidence, "esketamine is given only at a REMS-certified site to an enrolled patient")
        }
        (_, Some(Enrollment::Pending)) => missing_with(
            evidence,
            "complete the patient's REMS enrollment before the first session, then set patient.rems_enrolled: true",
        ),
        _ => missing_with(evidence, "answer site.rems_certified and patient.rems_enrolled"),
    }
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

pub(super) fn prescriber(s: &Subject<'_>, specialties: &[String]) -> Judgement {
    let p = &s.intake.prescriber;
    match p.specialty.as_deref() {
        None => missing("record prescriber.specialty"),
        Some(sp) => {
            let evidence = vec![format!(
                "Prescribed by {} {}{}, {}",
                p.first_name,
                p.last_name,
                p.credentials.as_deref().map(|c| format!(", {c}")).unwrap_or_default(),
                words::words(sp)
            )];
            if specialties.iter().any(|x| squash(x) == squash(sp)) {
                met(evidence)
            } else {
                let wanted: Vec<String> = specialties.iter().map(|x| words::words(x)).collect();
                not_met(
                    evidence,
                    format!("the policy needs a prescriber in {}", list(&wanted).replace(" and ", " or ")),
                )
            }
        }
    }
}

/// What the regimen rule allows.
pub(super) struct RegimenRule<'a> {
    pub phases: &'a [Phase],
    pub doses: Option<&'a [f64]>,
    pub older_adult_start: Option<f64>,
    pub max_per_kg: Option<f64>,
    pub max_per_week: Option<f64>,
    pub max_sessions: Option<u32>,
}

fn per_week(f: Frequency) -> Option<f64> {
    match f {
        Frequency::TwiceWeekly => Some(2.0),
        Frequency::Weekly => Some(1.0),
        Frequency::EveryOtherWeek => Some(0.5),
        Frequency::Other => None,
    }
}

/// The frequency in words.
pub fn frequency_words(f: Frequency) -> &'static str {
    match f {
        Frequency::TwiceWeekly => "twice a week",
        Frequency::Weekly => "once a week",
        Frequency::EveryOtherWeek => "every other week",
        Frequency::Other => "on another schedule",
    }
}

pub(super) fn regimen(s: &Subject<'_>, rule: &RegimenRule<'_>) -> Judgement {
    let Some(r) = s.intake.request.regimen.as_ref() else {
        return missing("describe the regimen under request.regimen");
    };
    let esketamine = s.intake.request.therapy == Therapy::EsketamineNasal;
    let label = &reference::labels().esketamine;
    let mut said = Vec::new();
    let mut problems = Vec::new();
    match r.phase {
        Some(p) if rule.phases.contains(&p) => said.push(words::capitalized(&serde_label(&p))),
        Some(p) => problems.push(format!(
            "the {} phase (accepted: {})",
            serde_label(&p),
            list(&rule.phases.iter().map(serde_label).collect::<Vec<_>>())
        )),
        None => return missing("give request.regimen.phase"),
    }
    if let Some(doses) = rule.doses {
        let shown = |d: f64| {
            let devices = if esketamine && (d / label.device_mg).fract() == 0.0 {
                format!(" ({})", count((d / label.device_mg) as usize, "device", "devices"))
            } else {
                String::new()
            };
            format!("{}{devices}", mg(d))
        };
        let accepted = list(&doses.iter().map(|x| mg(*x)).collect::<Vec<_>>()).replace(" and ", " or ");
        match r.dose_mg {
            Some(d) if doses.contains(&d) => said.push(format!("{} a session", shown(d))),
            Some(d) if s.facts.dosing.older_adult && rule.older_adult_start == Some(d) => said.push(format!(
                "{} a session, the label's dose for patients {} and older",
                shown(d),
                label.older_adult_age
            )),
            Some(d) => problems.push(format!("{} a session (the label's doses are {accepted})", mg(d))),
            None => return missing("give request.regimen.dose_mg"),
        }
        if let Some(first) = r.first_dose_mg.filter(|f| Some(*f) != r.dose_mg) {
            let older_start = s.facts.dosing.older_adult && rule.older_adult_start == Some(first);
            if older_start {
                said.push(format!(
                    "starting at {}, as the label starts patients {} and older",
                    shown(first),
                    label.older_adult_age
                ));
            } else if doses.contains(&first) {
                said.push(format!("starting at {}", shown(first)));
            } else {
                let start = rule
                    .older_adult_start
                    .map(|x| format!("; {} to start at {} and older", mg(x), label.older_adult_age))
                    .unwrap_or_default();
                problems.push(format!("a first session of {} (the label's doses are {accepted}{start})", mg(first)));
            }
        }
    }
    if let Some(max) = rule.max_per_kg {
        match r.dose_mg_per_kg {
            Some(d) if d <= max => {
                let absolute = s
                    .facts
                    .dosing
                    .absolute_dose_mg
                    .map(|a| {
                        format!(" ({} for {} kg)", mg(a), words::num(s.intake.patient.weight_kg.unwrap_or_default()))
                    })
                    .unwrap_or_default();
                said.push(format!("{} mg/kg a session{absolute}", words::num(d)))
            }
            Some(d) => problems.push(format!("{} mg/kg a session (at most {})", words::num(d), words::num(max))),
            None => return missing("give request.regimen.dose_mg_per_kg"),
        }
    }
    if let Some(max) = rule.max_per_week {
        match r.frequency.map(|f| (f, per_week(f))) {
            Some((f, Some(n))) if n <= max => said.push(frequency_words(f).to_string()),
            Some((f, _)) => problems.push(format!("{} (at most {} a week)", frequency_words(f), words::num(max))),
            None => return missing("give request.regimen.frequency"),
        }
    }
    if let Some(max) = rule.max_sessions {
        match r.sessions {
            Some(n) if n <= max => said.push(count(n as usize, "session", "sessions")),
            Some(n) => problems.push(format!("{} (at most {max})", count(n as usize, "session", "sessions"))),
            None => return missing("give request.regimen.sessions"),
        }
    }
    if esketamine && r.dose_mg_per_kg.is_some() {
        problems.push("a dose in mg/kg (esketamine is dosed in mg a session)".into());
    }
    if let Some(total) = s.facts.dosing.total_devices.filter(|_| esketamine) {
        said.push(format!("{} in all", count(total as usize, "device", "devices")));
    }
    let mut evidence = vec![said.join(", ")];
    if problems.is_empty() {
        met(evidence)
    } else {
        let hint = format!("outside the policy: {}", problems.join("; "));
        evidence.push(format!("Outside the policy: {}", problems.join("; ")));
        let mut j = not_met(evidence, hint);
        j.status = Status::NotMet;
        j
    }
}
