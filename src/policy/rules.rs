//! The closed rule vocabulary of policy profiles. Each rule is judged in
//! `judge`; the README documents every rule for clinics writing their own profiles.

use serde::{Deserialize, Serialize};

use super::Thresholds;
use crate::intake::{Instrument, Phase, RiskLevel};

/// One rule, written in a profile as a mapping with a `kind`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Rule {
    /// The patient is at least `years` old on the date judged.
    MinAge {
        /// Youngest age accepted.
        years: i32,
    },
    /// The patient is at most `years` old on the date judged.
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
    /// A score within `within_days` before the date judged at or above its instrument's threshold.
    BaselineSeverity {
        /// How recent the score must be.
        within_days: i64,
        /// Threshold by instrument.
        thresholds: Thresholds,
    },
    /// A score on one of `instruments` within `within_days` before the date judged, whatever its value.
    RecentScore {
        /// Instruments accepted.
        instruments: Vec<Instrument>,
        /// How recent the score must be.
        within_days: i64,
    },
    /// REMS: the site is certified and the patient enrolled.
    Rems,
    /// Every esketamine label contraindication answered no.
    Contraindications,
    /// Both ketamine (Ketalar) label contraindications answered no.
    KetamineContraindications,
    /// The PDMP was checked within `within_days` before the date judged.
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
        /// A first dose accepted for patients at or over the label's older-adult age (esketamine: 28 mg).
        older_adult_start_mg: Option<f64>,
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
        instruments: Vec<Instrument>,
        /// Smallest drop, in percent.
        min_drop_percent: f64,
    },
    /// IV and IM ketamine: the FDA-approved esketamine nasal spray was tried and
    /// failed, is contraindicated, unavailable or not covered (or declined, when accepted).
    EsketamineAlternative {
        /// Whether a documented refusal counts.
        #[serde(default)]
        accept_declined: bool,
    },
    /// At least `min_failed` pain treatments that did not help, of at least `min_categories` kinds.
    PainTreatments {
        /// Fewest failed treatments.
        min_failed: usize,
        /// Fewest distinct categories among them (medication, interventional, ...).
        min_categories: usize,
    },
    /// Where the diagnosis is CRPS (a code starting with one of `codes`), the
    /// Budapest clinical criteria are met; any other diagnosis makes it not apply.
    CrpsCriteria {
        /// Code prefixes that are CRPS (G90.5, G56.4, G57.7).
        codes: Vec<String>,
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
