//! Table-driven tests of every rule kind and the derived facts they read,
//! boundaries included. Each case edits the main sample and names what it shows.

use super::*;
use crate::assess::assess;
use crate::intake::*;

fn base() -> Intake {
    let text = include_str!("../../samples/esketamine-trd-initial/intake.yaml");
    crate::intake::load_intake(text).expect("the sample loads").intake
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// PHQ-9 results, (score, date) oldest first.
fn phq9(results: &[(u32, &str)]) -> Vec<Assessment> {
    results
        .iter()
        .map(|&(score, day)| Assessment {
            instrument: Instrument::Phq9,
            score: Some(score),
            risk: None,
            date: date(day),
            rater: None,
        })
        .collect()
}

fn rule(yaml: &str) -> Rule {
    crate::yaml::from_str::<Rule>(yaml, crate::yaml::DATES).map(|(r, _)| r).unwrap_or_else(|e| panic!("{yaml}: {e:?}"))
}

fn judge(rule: &Rule, intake: &Intake) -> Status {
    let facts = assess(intake);
    rule.judge(&Subject { intake, facts: &facts }).status
}

/// One trial alone in the history, in an episode that began 2025-01-01.
fn one_trial(edit: impl FnOnce(&mut AntidepressantTrial)) -> Intake {
    let mut intake = base();
    intake.current_episode =
        Some(CurrentEpisode { start: Some(date("2025-01-01")), psychotic_features: Some(false), impairment: None });
    let mut trial = AntidepressantTrial {
        drug: "sertraline".into(),
        max_dose_mg: Some(50.0),
        adequate_dose_from: None,
        start: date("2025-02-01"),
        end: Some(date("2025-03-15")), // 42 days: exactly 6 weeks
        adherence: Some(Adherence::Good),
        outcome: Some(Outcome::NoResponse),
        improvement_percent: None,
        notes: None,
    };
    edit(&mut trial);
    intake.treatment_history.as_mut().unwrap().antidepressants = vec![trial];
    intake
}

const ONE_TRIAL: &str = "{kind: failed-trials, min_trials: 1, min_classes: 1, min_weeks: 6, current_episode: true}";

#[test]
fn failed_trials_boundaries() {
    let r = rule(ONE_TRIAL);
    let cases: Vec<(&str, Intake, Status)> = vec![
        ("exactly 6 weeks at a dose exactly at the minimum counts", one_trial(|_| {}), Status::Met),
        ("one day short of 6 weeks does not", one_trial(|t| t.end = Some(date("2025-03-14"))), Status::NotMet),
        ("a dose below the minimum does not", one_trial(|t| t.max_dose_mg = Some(49.0)), Status::NotMet),
        (
            "weeks count from adequate_dose_from",
            one_trial(|t| t.adequate_dose_from = Some(date("2025-02-02"))),
            Status::NotMet,
        ),
        ("a brand name counts as its generic", one_trial(|t| t.drug = "ZOLOFT".into()), Status::Met),
        ("an unknown drug does not count", one_trial(|t| t.drug = "sertralina".into()), Status::NotMet),
        (
            "a trial ending the day the episode starts overlaps it",
            one_trial(|t| {
                t.start = date("2024-11-01");
                t.end = Some(date("2025-01-01"));
            }),
            Status::Met,
        ),
        (
            "a trial ending the day before does not",
            one_trial(|t| {
                t.start = date("2024-11-01");
                t.end = Some(date("2024-12-31"));
            }),
            Status::NotMet,
        ),
        ("intolerance is reported, not counted", one_trial(|t| t.outcome = Some(Outcome::Intolerance)), Status::NotMet),
        ("a responding trial is not a failure", one_trial(|t| t.outcome = Some(Outcome::Response)), Status::NotMet),
        ("49 % improvement is still a failure", one_trial(|t| t.improvement_percent = Some(49.0)), Status::Met),
        ("50 % improvement is not", one_trial(|t| t.improvement_percent = Some(50.0)), Status::NotMet),
        ("an ongoing trial counts to the request date", one_trial(|t| t.end = None), Status::Met),
        ("no outcome cannot count", one_trial(|t| t.outcome = None), Status::NotMet),
    ];
    for (what, intake, expected) in cases {
        assert_eq!(judge(&r, &intake), expected, "{what}");
    }
    let mut empty = base();
    empty.treatment_history.as_mut().unwrap().antidepressants.clear();
    assert_eq!(judge(&r, &empty), Status::Missing, "no trials listed is missing");
}

#[test]
fn failed_trials_classes_intolerance_and_improvement_limits() {
    let sample = base();
    let two_classes = rule("{kind: failed-trials, min_trials: 2, min_classes: 2, min_weeks: 6, current_episode: true}");
    assert_eq!(judge(&two_classes, &sample), Status::Met, "sertraline and duloxetine are two classes");
    let three_classes =
        rule("{kind: failed-trials, min_trials: 2, min_classes: 3, min_weeks: 6, current_episode: true}");
    assert_eq!(judge(&three_classes, &sample), Status::NotMet, "bupropion was intolerance, so only two classes");
    let with_intolerance = rule(
        "{kind: failed-trials, min_trials: 2, min_classes: 3, min_weeks: 6, current_episode: true, count_intolerance: true}",
    );
    assert_eq!(judge(&with_intolerance, &sample), Status::Met, "counting intolerance adds bupropion's class");
    let cigna = rule("{kind: failed-trials, min_trials: 1, min_classes: 1, min_weeks: 6, max_improvement_percent: 25}");
    assert_eq!(judge(&cigna, &one_trial(|t| t.improvement_percent = Some(25.0))), Status::Met, "25 % is non-response");
    assert_eq!(judge(&cigna, &one_trial(|t| t.improvement_percent = Some(26.0))), Status::NotMet, "26 % is not");
}

#[test]
fn age_boundaries() {
    let min = rule("{kind: min-age, years: 18}");
    let max = rule("{kind: max-age, years: 65}");
    let aged = |dob: &str| {
        let mut i = base();
        i.patient.date_of_birth = date(dob);
        i
    };
    assert_eq!(judge(&min, &aged("2008-11-20")), Status::Met, "18th birthday on the request date");
    assert_eq!(judge(&min, &aged("2008-11-21")), Status::NotMet, "one day short of 18");
    assert_eq!(judge(&max, &aged("1960-11-21")), Status::Met, "still 65, a day before turning 66");
    assert_eq!(judge(&max, &aged("1960-11-20")), Status::NotMet, "66 on the request date");
}

#[test]
fn diagnosis_codes_and_psychotic_features() {
    let r = rule("{kind: diagnosis, codes: [F33.2], exclude_codes: [F33.3], no_psychotic_features: true}");
    let with = |codes: &[&str], psychotic: Option<bool>| {
        let mut i = base();
        i.diagnoses = codes
            .iter()
            .map(|c| Diagnosis { code: crate::codes::IcdCode::parse(c).unwrap(), primary: None, diagnosed_on: None })
            .collect();
        i.current_episode.as_mut().unwrap().psychotic_features = psychotic;
        i
    };
    assert_eq!(judge(&r, &with(&["F33.2"], Some(false))), Status::Met);
    assert_eq!(judge(&r, &with(&["F33.2"], None)), Status::Missing, "the flag is absent");
    assert_eq!(judge(&r, &with(&["F33.2"], Some(true))), Status::NotMet, "psychotic features");
    assert_eq!(judge(&r, &with(&["F33.2", "F33.3"], Some(false))), Status::NotMet, "an excluded code");
    assert_eq!(judge(&r, &with(&["F41.1"], Some(false))), Status::NotMet, "no accepted code");
}

#[test]
fn baseline_severity_thresholds_and_window() {
    let r = rule("{kind: baseline-severity, within_days: 30, thresholds: {madrs: 28}}");
    let scored = |score: u32, day: &str| {
        let mut i = base();
        i.assessments = vec![Assessment {
            instrument: Instrument::Madrs,
            score: Some(score),
            risk: None,
            date: date(day),
            rater: None,
        }];
        i
    };
    assert_eq!(judge(&r, &scored(28, "2026-11-10")), Status::Met, "exactly at the threshold");
    assert_eq!(judge(&r, &scored(27, "2026-11-10")), Status::NotMet, "one below");
    assert_eq!(judge(&r, &scored(35, "2026-10-21")), Status::Met, "30 days before the request is inside");
    assert_eq!(judge(&r, &scored(35, "2026-10-20")), Status::Missing, "31 days before is outside the window");
}

#[test]
fn pdmp_rems_contraindications_prescriber_and_medications() {
    let pdmp = rule("{kind: pdmp, within_days: 30}");
    let checked = |d: Option<&str>| {
        let mut i = base();
        i.safety.as_mut().unwrap().pdmp_checked_on = d.map(date);
        i
    };
    assert_eq!(judge(&pdmp, &checked(Some("2026-10-21"))), Status::Met);
    assert_eq!(judge(&pdmp, &checked(Some("2026-10-20"))), Status::NotMet);
    assert_eq!(judge(&pdmp, &checked(None)), Status::Missing);

    let rems = rule("{kind: rems}");
    use crate::intake::Enrollment::*;
    for (site, patient, expected) in [
        (Some(true), Some(Enrolled), Status::Met),
        (Some(false), Some(Enrolled), Status::NotMet),
        (Some(true), Some(NotEnrolled), Status::NotMet),
        (Some(true), Some(Pending), Status::Missing),
        (Some(true), None, Status::Missing),
    ] {
        let mut i = base();
        i.site.as_mut().unwrap().rems_certified = site;
        i.patient.rems_enrolled = patient;
        assert_eq!(judge(&rems, &i), expected, "site {site:?} patient {patient:?}");
    }

    let contra = rule("{kind: contraindications}");
    let mut i = base();
    assert_eq!(judge(&contra, &i), Status::Met);
    i.safety.as_mut().unwrap().contraindications.as_mut().unwrap().hypersensitivity = None;
    assert_eq!(judge(&contra, &i), Status::Missing);
    i.safety.as_mut().unwrap().contraindications.as_mut().unwrap().intracerebral_hemorrhage = Some(true);
    assert_eq!(judge(&contra, &i), Status::NotMet, "a yes wins over an unanswered one");

    let prescriber = rule("{kind: prescriber, specialties: [psychiatry, psychiatric-mental-health]}");
    let mut i = base();
    i.prescriber.specialty = Some("Psychiatric Mental Health".into());
    assert_eq!(judge(&prescriber, &i), Status::Met, "case and punctuation are ignored");
    i.prescriber.specialty = Some("family medicine".into());
    assert_eq!(judge(&prescriber, &i), Status::NotMet);
    i.prescriber.specialty = None;
    assert_eq!(judge(&prescriber, &i), Status::Missing);

    let oral = rule("{kind: oral-antidepressant}");
    let mut i = base();
    assert_eq!(judge(&oral, &i), Status::Met);
    i.treatment_history
        .as_mut()
        .unwrap()
        .current_medications
        .retain(|m| m.role != Some(MedicationRole::OralAntidepressant));
    assert_eq!(judge(&oral, &i), Status::NotMet);
    i.treatment_history.as_mut().unwrap().current_medications.clear();
    assert_eq!(judge(&oral, &i), Status::Missing);

    let sud = rule("{kind: no-active-substance-use}");
    let mut i = base();
    i.safety.as_mut().unwrap().substance_use = Some(SubstanceUse::Active);
    assert_eq!(judge(&sud, &i), Status::NotMet);
    i.safety.as_mut().unwrap().substance_use = Some(SubstanceUse::InRemission);
    assert_eq!(judge(&sud, &i), Status::Met);
}

#[test]
fn regimen_limits() {
    let r = rule("{kind: regimen, phases: [induction], doses_mg: [56, 84], max_per_week: 2, max_sessions: 8}");
    let mut i = base();
    assert_eq!(judge(&r, &i), Status::Met);
    i.request.regimen.as_mut().unwrap().sessions = Some(9);
    assert_eq!(judge(&r, &i), Status::NotMet, "nine sessions");
    let mut i = base();
    i.request.regimen.as_mut().unwrap().dose_mg = Some(28.0);
    assert_eq!(judge(&r, &i), Status::NotMet, "28 mg");
    let mut i = base();
    i.request.regimen.as_mut().unwrap().phase = Some(Phase::Maintenance);
    assert_eq!(judge(&r, &i), Status::NotMet, "maintenance against an induction rule");
    let mut i = base();
    i.request.regimen = None;
    assert_eq!(judge(&r, &i), Status::Missing);
    let ketamine = rule("{kind: regimen, phases: [course], max_dose_mg_per_kg: 0.5}");
    let mut i = base();
    let reg = i.request.regimen.as_mut().unwrap();
    (reg.phase, reg.dose_mg, reg.dose_mg_per_kg) = (Some(Phase::Course), None, Some(0.5));
    i.request.therapy = Therapy::KetamineIv;
    assert_eq!(judge(&ketamine, &i), Status::Met, "0.5 mg/kg is at the limit");
    i.request.regimen.as_mut().unwrap().dose_mg_per_kg = Some(0.75);
    assert_eq!(judge(&ketamine, &i), Status::NotMet);
}

#[test]
fn augmentation_psychotherapy_suicide_risk_and_response() {
    let aug = rule("{kind: augmentation, min_trials: 1, min_weeks: 8}");
    let mut i = base();
    assert_eq!(judge(&aug, &i), Status::Met, "aripiprazole for 14 weeks");
    i.treatment_history.as_mut().unwrap().augmentations[0].end = Some(date("2026-03-08"));
    assert_eq!(judge(&aug, &i), Status::NotMet, "55 days is under 8 weeks");
    i.treatment_history.as_mut().unwrap().augmentations.clear();
    assert_eq!(judge(&aug, &i), Status::Missing);

    let therapy = rule("{kind: psychotherapy, min_courses: 2}");
    assert_eq!(judge(&therapy, &base()), Status::NotMet, "one course");

    let risk = rule("{kind: suicide-risk, min_risk: moderate, or_codes: [R45.851]}");
    assert_eq!(judge(&risk, &base()), Status::NotMet, "the sample's C-SSRS is low");
    let mut i = base();
    i.diagnoses.push(Diagnosis {
        code: crate::codes::IcdCode::parse("R45.851").unwrap(),
        primary: None,
        diagnosed_on: None,
    });
    assert_eq!(judge(&risk, &i), Status::Met, "or the code");
    let mut i = base();
    i.assessments.retain(|a| a.instrument != Instrument::CSsrs);
    assert_eq!(judge(&risk, &i), Status::Missing);

    let response = rule("{kind: response, instruments: [phq-9], min_drop_percent: 50}");
    let scored = |later: u32| {
        let mut i = base();
        i.assessments = phq9(&[(20, "2026-01-05"), (later, "2026-11-10")]);
        i
    };
    assert_eq!(judge(&response, &scored(10)), Status::Met, "exactly 50 %");
    assert_eq!(judge(&response, &scored(11)), Status::NotMet, "45 %");
    let facts = assess(&scored(4));
    let phq = facts.scale(Instrument::Phq9).unwrap();
    assert_eq!(
        (phq.change, phq.percent_change, phq.response, phq.remission),
        (Some(-16), Some(-80.0), Some(true), Some(true))
    );
    assert_eq!(phq.latest.as_ref().unwrap().band.as_deref(), Some("minimal"));
}

#[test]
fn groups_combine_verdicts() {
    let any = rule("{kind: any-of, rules: [{kind: min-age, years: 99}, {kind: pdmp, within_days: 30}]}");
    let all = rule("{kind: all-of, rules: [{kind: min-age, years: 18}, {kind: pdmp, within_days: 30}]}");
    let mut i = base();
    assert_eq!(judge(&any, &i), Status::Met);
    assert_eq!(judge(&all, &i), Status::Met);
    i.safety.as_mut().unwrap().pdmp_checked_on = None;
    assert_eq!(judge(&any, &i), Status::Missing, "not met and missing: missing");
    assert_eq!(judge(&all, &i), Status::Missing);
    assert_eq!(combine_all([Status::Met, Status::Missing, Status::NotMet]), Status::NotMet);
    assert_eq!(combine_any([Status::NotMet, Status::Missing, Status::Met]), Status::Met);
}

#[test]
fn every_bundled_profile_parses_with_the_generic_ids_and_evaluates_every_sample() {
    let set = PolicySet::bundled();
    assert_eq!(set.profiles.len(), crate::pack::DEFAULTS.iter().filter(|(p, _)| p.starts_with("policies/")).count());
    let generic = [
        "age",
        "diagnosis",
        "failed-trials",
        "augmentation",
        "baseline-severity",
        "rems",
        "contraindications",
        "pdmp",
        "prescriber",
        "oral-antidepressant",
        "regimen",
        "substance-use",
        "suicide-risk",
        "psychotherapy",
        "response",
        "esketamine",
        "pain-treatments",
        "pain-score",
        "crps",
    ];
    for p in set.profiles.values() {
        for c in p.criteria.iter().chain(p.continuation_criteria.iter().flatten()) {
            assert!(generic.contains(&c.id.as_str()), "{}: criterion id {}", p.id, c.id);
        }
        assert_eq!(evaluate(p, &base(), &assess(&base())).criteria.len(), p.criteria.len());
    }
    let trd = &set.profiles["esketamine-trd"];
    let ids: Vec<&str> = trd.criteria.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "age",
            "diagnosis",
            "failed-trials",
            "baseline-severity",
            "rems",
            "contraindications",
            "pdmp",
            "prescriber",
            "regimen"
        ]
    );
    assert_eq!(set.default_for(Therapy::EsketamineNasal, Indication::Trd).unwrap().id, "esketamine-trd");
    assert_eq!(set.default_for(Therapy::EsketamineNasal, Indication::Mdsi).unwrap().id, "esketamine-mdsi");
    assert_eq!(set.default_for(Therapy::KetamineIv, Indication::Trd).unwrap().id, "ketamine-iv-trd");
}

#[test]
fn a_profile_older_than_a_year_is_stale() {
    let set = PolicySet::bundled();
    let mut profile = set.profiles["esketamine-trd"].as_ref().clone();
    let intake = base();
    assert!(!evaluate(&profile, &intake, &assess(&intake)).stale);
    profile.source.as_of = date("2025-11-19");
    assert!(evaluate(&profile, &intake, &assess(&intake)).stale, "a year and a day before the request");
    profile.source.as_of = date("2025-11-20");
    assert!(!evaluate(&profile, &intake, &assess(&intake)).stale, "exactly a year");
}

/// Edits of the sample that push criteria into each state; with the sample
/// itself they reach every state each bundled criterion can take.
fn variants() -> Vec<(&'static str, Intake)> {
    let edit = |name: &'static str, f: &dyn Fn(&mut Intake)| {
        let mut i = base();
        f(&mut i);
        (name, i)
    };
    vec![
        ("sample", base()),
        edit("rich history", &|i| {
            let h = i.treatment_history.as_mut().unwrap();
            let mut extra = h.antidepressants[0].clone();
            (extra.drug, extra.max_dose_mg, extra.start, extra.end) =
                ("mirtazapine".into(), Some(45.0), date("2026-05-01"), Some(date("2026-07-15")));
            h.antidepressants.push(extra);
            let mut second = h.augmentations[0].clone();
            (second.agent, second.start, second.end) = ("lithium".into(), date("2026-05-01"), Some(date("2026-07-15")));
            h.augmentations.push(second);
            h.psychotherapy.push(h.psychotherapy[0].clone());
        }),
        edit("young", &|i| i.patient.date_of_birth = date("2010-01-01")),
        edit("old", &|i| i.patient.date_of_birth = date("1940-01-01")),
        edit("psychotic", &|i| i.current_episode.as_mut().unwrap().psychotic_features = Some(true)),
        edit("psychosis unknown", &|i| i.current_episode.as_mut().unwrap().psychotic_features = None),
        edit("no trials", &|i| {
            let h = i.treatment_history.as_mut().unwrap();
            h.antidepressants.clear();
            h.augmentations.clear();
            h.psychotherapy.clear();
            h.current_medications.clear();
        }),
        edit("short trials", &|i| {
            let h = i.treatment_history.as_mut().unwrap();
            for t in &mut h.antidepressants {
                t.end = Some(t.start.add_days(14));
            }
            for a in &mut h.augmentations {
                a.end = Some(a.start.add_days(14));
            }
            h.current_medications.retain(|m| m.role != Some(MedicationRole::OralAntidepressant));
        }),
        edit("every trial helped", &|i| {
            for t in &mut i.treatment_history.as_mut().unwrap().antidepressants {
                t.outcome = Some(Outcome::Response);
            }
        }),
        edit("mild and improved", &|i| {
            for a in &mut i.assessments {
                a.score = a.score.map(|_| 5);
                a.risk = a.risk.map(|_| RiskLevel::Low);
            }
            for a in &mut i.treatment_history.as_mut().unwrap().augmentations {
                a.outcome = Some(Outcome::Response);
            }
        }),
        edit("no scores", &|i| i.assessments.clear()),
        edit("no rems", &|i| i.site.as_mut().unwrap().rems_certified = Some(false)),
        edit("rems unknown", &|i| i.patient.rems_enrolled = None),
        edit("contraindicated", &|i| {
            i.safety.as_mut().unwrap().contraindications.as_mut().unwrap().arteriovenous_malformation = Some(true)
        }),
        edit("contraindication unanswered", &|i| {
            i.safety.as_mut().unwrap().contraindications.as_mut().unwrap().hypersensitivity = None
        }),
        edit("old pdmp, active use", &|i| {
            let s = i.safety.as_mut().unwrap();
            s.pdmp_checked_on = Some(date("2026-01-01"));
            s.substance_use = Some(SubstanceUse::Active);
        }),
        edit("no pdmp, use unknown", &|i| {
            let s = i.safety.as_mut().unwrap();
            s.pdmp_checked_on = None;
            s.substance_use = None;
        }),
        edit("family doctor", &|i| i.prescriber.specialty = Some("family medicine".into())),
        edit("pain patient", &|i| {
            i.diagnoses = vec![Diagnosis {
                code: crate::codes::IcdCode::parse("G90.521").unwrap(),
                primary: Some(true),
                diagnosed_on: None,
            }];
            i.prescriber.specialty = Some("pain-medicine".into());
        }),
        edit("no specialty", &|i| i.prescriber.specialty = None),
        edit("big regimen", &|i| {
            let r = i.request.regimen.as_mut().unwrap();
            r.sessions = Some(20);
            r.dose_mg_per_kg = Some(1.0);
        }),
        edit("no regimen", &|i| i.request.regimen = None),
        edit("ketamine course", &|i| {
            let r = i.request.regimen.as_mut().unwrap();
            (r.phase, r.dose_mg, r.dose_mg_per_kg, r.sessions) = (Some(Phase::Course), None, Some(0.5), Some(6));
        }),
        edit("suicidal", &|i| {
            i.diagnoses.push(Diagnosis {
                code: crate::codes::IcdCode::parse("R45.851").unwrap(),
                primary: None,
                diagnosed_on: None,
            })
        }),
        edit("esketamine failed, ketamine screened", &|i| {
            i.treatment_history.as_mut().unwrap().esketamine = Some(EsketamineHistory {
                status: EsketamineStatus::Tried,
                start: Some(date("2026-01-01")),
                end: Some(date("2026-02-01")),
                outcome: Some(Outcome::NoResponse),
                reason: None,
            });
            let c = i.safety.as_mut().unwrap().contraindications.as_mut().unwrap();
            c.blood_pressure_hazard = Some(false);
        }),
        edit("esketamine helped, blood pressure a hazard", &|i| {
            i.treatment_history.as_mut().unwrap().esketamine = Some(EsketamineHistory {
                status: EsketamineStatus::Tried,
                start: None,
                end: None,
                outcome: Some(Outcome::Response),
                reason: None,
            });
            i.safety.as_mut().unwrap().contraindications.as_mut().unwrap().blood_pressure_hazard = Some(true);
        }),
        edit("pain treatments tried, pain scored, CRPS shown", &|i| {
            let pain = |category, name: &str| PainTreatment {
                category,
                name: name.into(),
                class: None,
                max_dose_mg: None,
                start: None,
                end: None,
                outcome: Some(Outcome::NoResponse),
                notes: None,
            };
            i.treatment_history.as_mut().unwrap().pain_treatments = vec![
                pain(PainTreatmentCategory::Medication, "gabapentin"),
                pain(PainTreatmentCategory::Medication, "duloxetine"),
                pain(PainTreatmentCategory::Interventional, "stellate ganglion block"),
            ];
            i.assessments.push(Assessment {
                instrument: Instrument::NrsPain,
                score: Some(8),
                risk: None,
                date: date("2026-11-10"),
                rater: None,
            });
            i.diagnoses.push(Diagnosis {
                code: crate::codes::IcdCode::parse("G90.521").unwrap(),
                primary: None,
                diagnosed_on: None,
            });
            i.crps = Some(CrpsCriteria {
                disproportionate_pain: Some(true),
                symptoms: vec![CrpsCategory::Sensory, CrpsCategory::Vasomotor, CrpsCategory::MotorTrophic],
                signs: vec![CrpsCategory::Sensory, CrpsCategory::Vasomotor],
                no_better_explanation: Some(true),
                assessed_on: None,
            });
        }),
        edit("one pain treatment, CRPS short of the criteria", &|i| {
            i.treatment_history.as_mut().unwrap().pain_treatments = vec![PainTreatment {
                category: PainTreatmentCategory::PhysicalTherapy,
                name: "physical therapy".into(),
                class: None,
                max_dose_mg: None,
                start: None,
                end: None,
                outcome: Some(Outcome::PartialResponse),
                notes: None,
            }];
            i.diagnoses.push(Diagnosis {
                code: crate::codes::IcdCode::parse("G90.521").unwrap(),
                primary: None,
                diagnosed_on: None,
            });
            i.crps = Some(CrpsCriteria {
                disproportionate_pain: Some(true),
                symptoms: vec![CrpsCategory::Sensory],
                signs: vec![CrpsCategory::Sensory],
                no_better_explanation: Some(true),
                assessed_on: None,
            });
        }),
        edit("CRPS without the criteria recorded", &|i| {
            i.diagnoses.push(Diagnosis {
                code: crate::codes::IcdCode::parse("G90.512").unwrap(),
                primary: None,
                diagnosed_on: None,
            });
        }),
        edit("responded", &|i| {
            i.assessments = phq9(&[(24, "2026-08-01"), (8, "2026-11-10")]);
            let r = i.request.regimen.as_mut().unwrap();
            (r.phase, r.frequency) = (Some(Phase::Maintenance), Some(Frequency::Weekly));
        }),
    ]
}

#[test]
fn every_bundled_criterion_reaches_every_state_its_rule_can_take() {
    use std::collections::{BTreeMap, BTreeSet};
    let set = PolicySet::bundled();
    let variants = variants();
    for profile in set.profiles.values() {
        for (kind, criteria) in
            [("initial", Some(&profile.criteria)), ("continuation", profile.continuation_criteria.as_ref())]
        {
            let Some(criteria) = criteria else { continue };
            let mut reached: BTreeMap<&str, BTreeSet<Status>> = BTreeMap::new();
            for (_, intake) in &variants {
                let mut intake = intake.clone();
                intake.request.therapy = profile.therapy;
                let facts = assess(&intake);
                for c in criteria {
                    reached
                        .entry(&c.id)
                        .or_default()
                        .insert(c.rule.judge(&Subject { intake: &intake, facts: &facts }).status);
                }
            }
            for c in criteria {
                let can_be_missing = can_be_missing(&c.rule);
                // A recent score is there or it is not: it cannot be not met.
                let mut expected: BTreeSet<Status> = match c.rule {
                    Rule::RecentScore { .. } => [Status::Met].into(),
                    _ => [Status::Met, Status::NotMet].into(),
                };
                if can_be_missing {
                    expected.insert(Status::Missing);
                }
                assert_eq!(reached[c.id.as_str()], expected, "{} ({kind}) criterion {}", profile.id, c.id);
            }
        }
    }
}

/// Whether a rule can find the intake silent: every rule but age, and a diagnosis
/// rule only when it asks about psychotic features.
fn can_be_missing(rule: &Rule) -> bool {
    match rule {
        Rule::MinAge { .. } | Rule::MaxAge { .. } => false,
        Rule::Diagnosis { no_psychotic_features, .. } => *no_psychotic_features,
        Rule::AllOf { rules } | Rule::AnyOf { rules } => rules.iter().any(can_be_missing),
        _ => true,
    }
}
