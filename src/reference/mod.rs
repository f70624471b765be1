//! Reference data compiled into the binary: the drug catalogue, the rating
//! instruments and the procedure codes, each entry with its source.
//!
//! The data lives in `src/data/*.yaml` (figures from `domain.md`); unit tests
//! prove every file parses, so reading it at run time cannot fail.

pub mod evidence;
pub mod icd10;
pub mod regimes;

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::intake::{Instrument, Therapy};

/// The antidepressant and augmentation catalogue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrugCatalogue {
    /// Where the figures come from.
    pub source: String,
    /// When the data was last checked.
    pub as_of: Date,
    /// The pharmacologic classes.
    pub classes: Vec<DrugClass>,
    /// Antidepressants with their minimum adequate doses.
    pub antidepressants: Vec<Antidepressant>,
    /// Augmentation agents.
    pub augmentation_agents: Vec<AugmentationAgent>,
}

/// A pharmacologic class.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrugClass {
    /// Short id, such as `ssri`.
    pub id: String,
    /// Full name.
    pub name: String,
    /// The name documents use: `SSRI`, `serotonin modulator`.
    pub short: String,
}

/// One antidepressant.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Antidepressant {
    /// Generic name.
    pub generic: String,
    /// Brand names.
    pub brands: Vec<String>,
    /// Class id.
    pub class: String,
    /// Minimum adequate daily dose in mg; `None` where there is no standard.
    pub min_adequate_mg: Option<f64>,
    /// Usual dose range, for context.
    pub usual_range: Option<String>,
    /// Where the figures come from.
    pub source: String,
    /// Caveats.
    pub note: Option<String>,
}

/// One augmentation agent.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AugmentationAgent {
    /// Generic name.
    pub generic: String,
    /// Brand names.
    pub brands: Vec<String>,
    /// The kind of agent (atypical-antipsychotic, lithium, ...).
    pub kind: String,
    /// Typical adjunct dose, for context.
    pub typical_dose: Option<String>,
    /// Where the figures come from.
    pub source: String,
    /// Caveats.
    pub note: Option<String>,
}

/// The rating instruments file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentFile {
    /// Where the figures come from.
    pub source: String,
    /// When the data was last checked.
    pub as_of: Date,
    /// The instruments.
    pub instruments: Vec<InstrumentInfo>,
}

/// What authpack knows of one rating instrument.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentInfo {
    /// The instrument.
    pub id: Instrument,
    /// Full name.
    pub name: String,
    /// The name documents use after the first mention: `MADRS`.
    pub short: String,
    /// What it measures.
    pub measures: String,
    /// self-report or clinician.
    pub rater: String,
    /// score or risk-level.
    pub kind: String,
    /// Lowest possible score.
    pub min: Option<u32>,
    /// Highest possible score.
    pub max: Option<u32>,
    /// Severity bands, ascending.
    pub bands: Option<Vec<Band>>,
    /// A score at or below this is remission.
    pub remission_max: Option<u32>,
    /// A drop of at least this percent from baseline is a response.
    pub response_drop_percent: Option<f64>,
    /// Risk levels, lowest first (risk-level instruments).
    pub levels: Option<Vec<String>>,
    /// Caveats.
    pub note: Option<String>,
    /// Where the figures come from.
    /// The LOINC code of its total score (or risk level), as FHIR Observations carry it.
    #[serde(default)]
    pub loinc: Option<String>,
    /// Where the LOINC code comes from.
    #[serde(default)]
    pub loinc_source: Option<String>,
    pub source: String,
}

/// A severity band.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Lowest score in the band.
    pub min: u32,
    /// Highest score in the band.
    pub max: u32,
    /// The band's name.
    pub label: String,
}

impl InstrumentInfo {
    /// The severity band a score falls in.
    pub fn band(&self, score: u32) -> Option<&str> {
        self.bands.as_ref()?.iter().find(|b| (b.min..=b.max).contains(&score)).map(|b| b.label.as_str())
    }
}

/// The procedure code table file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureFile {
    /// Where the facts come from.
    pub source: String,
    /// When the data was last checked.
    pub as_of: Date,
    /// The codes.
    pub codes: Vec<ProcedureInfo>,
}

/// What authpack knows of one HCPCS or CPT code.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureInfo {
    /// The code.
    pub code: String,
    /// hcpcs or cpt.
    pub system: String,
    /// A short description in authpack's own words.
    pub description: Option<String>,
    /// The therapies it fits; empty means any.
    pub therapies: Vec<Therapy>,
    /// Its role on a claim.
    pub role: Option<String>,
    /// active, legacy or wrong.
    pub status: String,
    /// First date of service it can be billed.
    pub valid_from: Option<Date>,
    /// Legacy codes: the code to use instead.
    pub replaced_by: Option<String>,
    /// Legacy codes: the last valid date of service.
    pub valid_until: Option<Date>,
    /// Wrong codes: what the code really is.
    pub actually: Option<String>,
    /// Caveats.
    pub note: Option<String>,
    /// Where the facts come from.
    pub source: String,
}

fn parse<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> T {
    crate::yaml::bundled(name, text)
}

/// What the labels and the consensus on their use say (`src/data/labels.yaml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// Where the figures come from.
    pub source: String,
    /// When the data was last checked.
    pub as_of: Date,
    /// Esketamine nasal spray.
    pub esketamine: EsketamineLabel,
    /// Racemic ketamine.
    pub ketamine: KetamineLabel,
    /// The manufacturer's program for esketamine.
    pub esketamine_savings: Program,
}

/// Esketamine nasal spray's label, as authpack uses it.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EsketamineLabel {
    /// Its name in letters.
    pub name: String,
    /// What the FDA approved it for, in words.
    pub approval: String,
    /// Where that comes from.
    pub approval_source: String,
    /// Milligrams in one device.
    pub device_mg: f64,
    /// Where that comes from.
    pub device_source: String,
    /// The NDC's labeler and product code (the package code depends on the kit).
    pub ndc_product: String,
    /// About the NDC.
    pub ndc_note: String,
    /// The label's doses per session for adults under the older-adult age.
    pub doses_mg: Vec<f64>,
    /// The age from which the label starts at a lower dose.
    pub older_adult_age: i32,
    /// That lower starting dose.
    pub older_adult_start_mg: f64,
    /// Where the dosing comes from.
    pub dosing_source: String,
    /// The label's contraindications, in words.
    pub contraindications: Vec<String>,
    /// Where they come from.
    pub contraindications_source: String,
    /// The monitoring the label and REMS require, in words.
    pub monitoring: Vec<String>,
    /// Where it comes from.
    pub monitoring_source: String,
    /// The REMS program's phone.
    pub rems_phone: String,
    /// Where it comes from.
    pub rems_source: String,
}

/// Racemic ketamine's label and infusion consensus, as authpack uses them.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KetamineLabel {
    /// Its name in letters.
    pub name: String,
    /// What the FDA approved it for, in words.
    pub approval: String,
    /// Where that comes from.
    pub approval_source: String,
    /// The label's contraindications, in words.
    pub contraindications: Vec<String>,
    /// Where they come from.
    pub contraindications_source: String,
    /// The label's warnings and cautions, in words.
    pub cautions: Vec<String>,
    /// Where they come from.
    pub cautions_source: String,
    /// The consensus dose for depression, mg/kg.
    pub usual_iv_dose_mg_per_kg: f64,
    /// Over how many minutes.
    pub usual_iv_minutes: u32,
    /// Where that comes from.
    pub dose_source: String,
    /// The monitoring plan, in words.
    pub monitoring: Vec<String>,
    /// Where it comes from.
    pub monitoring_source: String,
}

/// An assistance program.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// Its name.
    pub name: String,
    /// What it offers.
    pub what: String,
    /// Who may use it.
    pub who: String,
    /// Where that comes from.
    pub source: String,
}

/// The labels.
pub fn labels() -> &'static Labels {
    static DATA: OnceLock<Labels> = OnceLock::new();
    DATA.get_or_init(|| parse("labels.yaml", include_str!("../data/labels.yaml")))
}

/// The drug catalogue.
pub fn drugs() -> &'static DrugCatalogue {
    static DATA: OnceLock<DrugCatalogue> = OnceLock::new();
    DATA.get_or_init(|| parse("drugs.yaml", include_str!("../data/drugs.yaml")))
}

/// Every rating instrument.
pub fn instruments() -> &'static [InstrumentInfo] {
    static DATA: OnceLock<InstrumentFile> = OnceLock::new();
    &DATA.get_or_init(|| parse("instruments.yaml", include_str!("../data/instruments.yaml"))).instruments
}

/// What authpack knows of `instrument`.
pub fn instrument(instrument: Instrument) -> &'static InstrumentInfo {
    instruments().iter().find(|i| i.id == instrument).expect("every instrument is in instruments.yaml (tested)")
}

/// Every procedure code in the table.
pub fn procedures() -> &'static [ProcedureInfo] {
    static DATA: OnceLock<ProcedureFile> = OnceLock::new();
    &DATA.get_or_init(|| parse("procedures.yaml", include_str!("../data/procedures.yaml"))).codes
}

/// What authpack knows of a procedure code, if it is in the table.
pub fn procedure(code: &str) -> Option<&'static ProcedureInfo> {
    procedures().iter().find(|p| p.code == code)
}

/// A drug name as written in an intake, matched to the catalogue.
#[derive(Clone, Copy, Debug)]
pub enum DrugMatch {
    /// An antidepressant.
    Antidepressant(&'static Antidepressant),
    /// An augmentation agent.
    Augmentation(&'static AugmentationAgent),
}

/// Finds a drug by generic or brand name, ignoring case, spaces and hyphens.
pub fn find_drug(name: &str) -> Option<DrugMatch> {
    let key = normalise(name);
    let catalogue = drugs();
    let antidepressant = catalogue
        .antidepressants
        .iter()
        .find(|d| normalise(&d.generic) == key || d.brands.iter().any(|b| normalise(b) == key));
    if let Some(found) = antidepressant {
        return Some(DrugMatch::Antidepressant(found));
    }
    catalogue
        .augmentation_agents
        .iter()
        .find(|d| normalise(&d.generic) == key || d.brands.iter().any(|b| normalise(b) == key))
        .map(DrugMatch::Augmentation)
}

/// The catalogue names closest to an unknown `name`, best first.
pub fn closest_drugs(name: &str) -> Vec<&'static str> {
    let key = normalise(name);
    let catalogue = drugs();
    let names = catalogue
        .antidepressants
        .iter()
        .flat_map(|d| std::iter::once(&d.generic).chain(&d.brands))
        .chain(catalogue.augmentation_agents.iter().flat_map(|d| std::iter::once(&d.generic).chain(&d.brands)));
    let mut scored: Vec<(f64, &'static str)> = names
        .map(|n| (strsim::jaro_winkler(&key, &normalise(n)), n.as_str()))
        .filter(|(score, _)| *score >= 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().map(|(_, n)| n).take(3).collect()
}

fn normalise(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The class's full name.
pub fn class_name(id: &str) -> &str {
    drugs().classes.iter().find(|c| c.id == id).map_or(id, |c| c.name.as_str())
}

/// The short name of a class (`SSRI`, `serotonin modulator`), or the id itself when unknown.
pub fn class_short(id: &str) -> &str {
    drugs().classes.iter().find(|c| c.id == id).map_or(id, |c| c.short.as_str())
}

/// A clinical specialty authpack knows, with what its practitioner is called.
#[derive(Debug)]
pub struct Specialty {
    /// The id an intake writes: `psychiatry`.
    pub id: &'static str,
    /// The practitioner, as a letter says "I am the patient's treating ...".
    pub practitioner: &'static str,
}

/// The specialties policies decide on. They identify no one, so redaction keeps them.
pub const SPECIALTIES: &[Specialty] = &[
    Specialty { id: "psychiatry", practitioner: "psychiatrist" },
    Specialty { id: "psychiatric-mental-health", practitioner: "psychiatric-mental-health practitioner" },
    Specialty { id: "anesthesiology", practitioner: "anesthesiologist" },
    Specialty { id: "pain-medicine", practitioner: "pain-medicine physician" },
    Specialty { id: "neurology", practitioner: "neurologist" },
    Specialty { id: "family-medicine", practitioner: "family physician" },
    Specialty { id: "internal-medicine", practitioner: "internist" },
];

/// The specialty an intake names, compared ignoring case, spaces and hyphens.
pub fn specialty(name: &str) -> Option<&'static Specialty> {
    let squash = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
    let name = squash(name);
    SPECIALTIES.iter().find(|s| squash(s.id) == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_data_parses_and_is_consistent() {
        let catalogue = drugs();
        assert_eq!(labels().esketamine.device_mg, 28.0);
        assert_eq!(catalogue.antidepressants.len(), 39);
        for drug in &catalogue.antidepressants {
            assert!(catalogue.classes.iter().any(|c| c.id == drug.class), "{}", drug.generic);
        }
        for id in ["phq-9", "madrs", "ham-d-17", "qids-sr-16", "bdi-ii", "gad-7", "pcl-5", "c-ssrs", "nrs-pain"] {
            let inst: Instrument = serde_json::from_value(serde_json::json!(id)).unwrap();
            let info = instrument(inst);
            if let (Some(min), Some(max), Some(bands)) = (info.min, info.max, &info.bands) {
                assert_eq!(bands.first().unwrap().min, min, "{id}");
                assert_eq!(bands.last().unwrap().max, max, "{id}");
                assert!(bands.windows(2).all(|w| w[0].max + 1 == w[1].min), "{id} bands contiguous");
            }
        }
        assert!(procedures().len() >= 27);
    }

    #[test]
    fn brand_names_and_case_normalise_to_the_generic() {
        for (written, generic) in [
            ("Zoloft", "sertraline"),
            ("EFFEXOR XR", "venlafaxine"),
            ("wellbutrin-xl", "bupropion"),
            ("Lexapro", "escitalopram"),
        ] {
            match find_drug(written) {
                Some(DrugMatch::Antidepressant(d)) => assert_eq!(d.generic, generic),
                other => panic!("{written}: {other:?}"),
            }
        }
        assert!(matches!(find_drug("Abilify"), Some(DrugMatch::Augmentation(a)) if a.generic == "aripiprazole"));
        assert!(find_drug("sertralin").is_none());
        assert_eq!(closest_drugs("sertralin").first(), Some(&"sertraline"));
    }
}
