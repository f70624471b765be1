//! The intake, format 1, as serde reads it (the contract is `intake-reference.yaml`).
//!
//! Every field named in the reference is accepted with its name and meaning.
//! Shapes (dates, codes, NPIs, enumerations) are checked as the file is read;
//! what depends on other fields (an end before its start, what a request kind
//! requires) is checked by the `check` stage.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::codes::{IcdCode, Ndc, Npi, ProcedureCode};
use crate::date::{Date, DateTime};

/// One intake: everything authpack needs to build a packet.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Intake {
    /// The intake format version; must be 1.
    pub authpack: u32,
    /// What is being asked for.
    pub request: Request,
    /// The patient.
    pub patient: Patient,
    /// The health plan.
    pub payer: Payer,
    /// The prescribing clinician.
    pub prescriber: Prescriber,
    /// Where the therapy is given, when not the practice itself.
    pub site: Option<Site>,
    /// ICD-10-CM diagnoses; at least one, one of them primary.
    #[serde(default)]
    pub diagnoses: Vec<Diagnosis>,
    /// The current depressive episode.
    pub current_episode: Option<CurrentEpisode>,
    /// Treatments tried before.
    pub treatment_history: Option<TreatmentHistory>,
    /// Dated rating-scale results, oldest first.
    #[serde(default)]
    pub assessments: Vec<Assessment>,
    /// Safety screening.
    pub safety: Option<Safety>,
    /// A short narrative in the prescriber's words.
    pub clinical_summary: Option<String>,
    /// The denial being appealed (request kind `appeal`).
    pub appeal: Option<Appeal>,
    /// Services already given (for superbills and continuations).
    #[serde(default)]
    pub sessions: Vec<Session>,
    /// A log of calls with the plan.
    #[serde(default)]
    pub calls: Vec<Call>,
    /// Records enclosed in the packet, paths relative to the intake file.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// The patient's cost estimate (added in format 1.1).
    pub cost: Option<Cost>,
    /// Chronic pain: the Budapest clinical criteria, where the diagnosis is CRPS (an authpack addition).
    pub crps: Option<CrpsCriteria>,
    /// Who signs the letter, and when.
    pub signature: Option<Signature>,
}

/// What is being asked for.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// initial, continuation, appeal or claim.
    pub kind: RequestKind,
    /// The therapy requested.
    pub therapy: Therapy,
    /// The condition it treats.
    pub indication: Indication,
    /// A bundled policy id or a path to a policy file; the default follows therapy and indication.
    pub policy: Option<String>,
    /// The date of the request; letters are dated with it.
    pub date: Date,
    /// standard or expedited.
    pub urgency: Option<Urgency>,
    /// Why waiting the standard time could seriously harm the patient (needed when expedited).
    pub urgency_reason: Option<String>,
    /// An exception (individual consideration) for criteria the patient does not meet (added in format 1.1).
    pub exception: Option<Exception>,
    /// The first session of the therapy being continued or claimed (added in format 1.1).
    pub treatment_start: Option<Date>,
    /// The last day of the authorization in force (added in format 1.1).
    pub authorized_through: Option<Date>,
    /// How the drug reaches the site: buy-and-bill or specialty pharmacy (added in format 1.1).
    pub dispensing: Option<Dispensing>,
    /// How the drug is billed: medical or pharmacy benefit.
    pub benefit: Option<Benefit>,
    /// CMS place-of-service code (11 = office).
    pub place_of_service: Option<String>,
    /// The regimen requested.
    pub regimen: Option<Regimen>,
    /// Billing lines requested.
    #[serde(default)]
    pub services: Vec<Service>,
    /// An earlier authorization, for a continuation or appeal.
    pub prior_authorization_number: Option<String>,
}

/// The kind of request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RequestKind {
    /// A first request.
    Initial,
    /// A re-authorization of a therapy already approved.
    Continuation,
    /// An appeal of a denial.
    Appeal,
    /// A member's claim for services already given (out-of-network reimbursement; added in format 1.1).
    Claim,
}

/// An exception (individual consideration) requested for criteria not met.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// The ids of the policy profile's criteria the patient does not meet.
    pub criteria: Vec<String>,
    /// The clinical reason the standard does not fit this patient.
    pub reason: String,
}

/// How the drug reaches the site of care.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Dispensing {
    /// The site buys the drug and bills it (medical benefit).
    BuyAndBill,
    /// A specialty pharmacy dispenses it to the site (pharmacy benefit).
    SpecialtyPharmacy,
}

/// The therapy requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Therapy {
    /// Esketamine nasal spray (Spravato).
    EsketamineNasal,
    /// Intravenous racemic ketamine.
    KetamineIv,
    /// Intramuscular racemic ketamine.
    KetamineIm,
}

/// The condition treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Indication {
    /// Treatment-resistant major depression.
    Trd,
    /// Major depression with acute suicidal ideation or behavior.
    Mdsi,
    /// Depression not meeting the above.
    Depression,
    /// Posttraumatic stress disorder.
    Ptsd,
    /// Chronic pain.
    ChronicPain,
    /// Another condition.
    Other,
}

/// How quickly a decision is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Urgency {
    /// The plan's standard timeline.
    Standard,
    /// Expedited: waiting could seriously jeopardize life, health or function.
    Expedited,
}

/// How the drug is billed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Benefit {
    /// Buy-and-bill under the medical benefit.
    Medical,
    /// Dispensed under the pharmacy benefit.
    Pharmacy,
}

/// The regimen requested.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Regimen {
    /// induction, maintenance, or course (ketamine).
    pub phase: Option<Phase>,
    /// Esketamine: milligrams per session.
    pub dose_mg: Option<f64>,
    /// Esketamine: the first session's dose, when it differs (the label starts patients 65 and older at 28 mg; added in format 1.1).
    pub first_dose_mg: Option<f64>,
    /// Ketamine IV/IM: milligrams per kilogram per session.
    pub dose_mg_per_kg: Option<f64>,
    /// Ketamine IV: infusion length in minutes.
    pub infusion_minutes: Option<u32>,
    /// How often sessions are given.
    pub frequency: Option<Frequency>,
    /// Number of sessions requested.
    pub sessions: Option<u32>,
    /// First day of the requested period.
    pub start: Option<Date>,
    /// Last day of the requested period.
    pub end: Option<Date>,
}

/// The phase of treatment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// The first weeks of esketamine treatment.
    Induction,
    /// Continued treatment after induction.
    Maintenance,
    /// A course of ketamine infusions or injections.
    Course,
}

/// How often sessions are given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Frequency {
    /// Two sessions a week.
    TwiceWeekly,
    /// One session a week.
    Weekly,
    /// One session every two weeks.
    EveryOtherWeek,
    /// Another schedule.
    Other,
}

/// One billing line requested.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// HCPCS or CPT code.
    pub code: ProcedureCode,
    /// Units requested.
    pub units: u32,
    /// HCPCS/CPT modifiers, such as KX (added in format 1.1).
    #[serde(default)]
    pub modifiers: Vec<String>,
    /// The drug's National Drug Code, for drug lines (J3490, J0013); normalised to 5-4-2.
    pub ndc: Option<Ndc>,
}

/// The patient.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Patient {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Date of birth.
    pub date_of_birth: Date,
    /// female, male, other or unknown.
    pub sex: Option<Sex>,
    /// The plan's member identifier.
    pub member_id: String,
    /// The plan's group number.
    pub group_number: Option<String>,
    /// The subscriber, when the patient is not the subscriber.
    pub subscriber: Option<Subscriber>,
    /// Home address.
    pub address: Option<Address>,
    /// Phone number.
    pub phone: Option<String>,
    /// Weight in kilograms (weight-based ketamine dosing).
    pub weight_kg: Option<f64>,
    /// Esketamine: the patient's SPRAVATO REMS enrollment: true, false or pending (pending added in format 1.1).
    pub rems_enrolled: Option<Enrollment>,
}

/// A REMS enrollment: done, not done, or under way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enrollment {
    /// Enrolled (`true`).
    Enrolled,
    /// Not enrolled (`false`).
    NotEnrolled,
    /// The enrollment form is in, not yet confirmed (`pending`).
    Pending,
}

impl Serialize for Enrollment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Enrollment::Enrolled => s.serialize_bool(true),
            Enrollment::NotEnrolled => s.serialize_bool(false),
            Enrollment::Pending => s.serialize_str("pending"),
        }
    }
}

impl<'de> Deserialize<'de> for Enrollment {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Enrollment;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("true, false or pending")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Enrollment, E> {
                Ok(if v { Enrollment::Enrolled } else { Enrollment::NotEnrolled })
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Enrollment, E> {
                match v {
                    "pending" => Ok(Enrollment::Pending),
                    _ => {
                        Err(E::custom(format!("expected true, false or pending, found '{}'", crate::yaml::preview(v))))
                    }
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Enrollment {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Enrollment".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "oneOf": [{ "type": "boolean" }, { "const": "pending" }],
            "description": "true (enrolled), false (not enrolled) or pending (the form is in, not yet confirmed).",
        })
    }
}

/// Sex as recorded by the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Another sex.
    Other,
    /// Not known.
    Unknown,
}

/// The plan's subscriber.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subscriber {
    /// The subscriber's name, when not the patient.
    pub name: Option<String>,
    /// The patient's relationship to the subscriber.
    pub relationship: Option<Relationship>,
}

/// The patient's relationship to the subscriber.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Relationship {
    /// The patient is the subscriber.
    #[serde(rename = "self")]
    Itself,
    /// Spouse.
    Spouse,
    /// Child.
    Child,
    /// Another relationship.
    Other,
}

/// A postal address.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street address.
    pub line1: Option<String>,
    /// Second address line (suite, unit).
    pub line2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State (two-letter code).
    pub state: Option<String>,
    /// ZIP code, quoted.
    pub postal_code: Option<String>,
}

/// The health plan.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Payer {
    /// The plan's name.
    pub name: String,
    /// The product name.
    pub plan_name: Option<String>,
    /// The kind of plan; decides appeal rules.
    pub plan_type: Option<PlanType>,
    /// fully-insured, self-funded (ERISA), government or unknown.
    pub funding: Option<Funding>,
    /// Whether the prescriber is in the plan's network.
    pub network_status: Option<NetworkStatus>,
    /// HMO/POS plans: a primary-care referral is on file.
    pub referral_on_file: Option<bool>,
    /// Where the request goes.
    pub prior_authorization: Option<PaContact>,
    /// Where member claims go (added in format 1.1).
    pub claims: Option<ClaimsContact>,
}

/// Where the plan takes member claims.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimsContact {
    /// The claims mailing address.
    pub address: Option<Address>,
    /// The claims fax number.
    pub fax: Option<String>,
    /// The claims portal, when claims go through one.
    pub portal: Option<String>,
    /// The plan's limit for filing a claim, in days after the date of service.
    pub timely_filing_days: Option<u32>,
}

/// The kind of plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PlanType {
    /// Health maintenance organization.
    Hmo,
    /// Preferred provider organization.
    Ppo,
    /// Exclusive provider organization.
    Epo,
    /// Point of service.
    Pos,
    /// High-deductible health plan.
    Hdhp,
    /// Medicare Advantage (Part C).
    MedicareAdvantage,
    /// Medicare Part D drug plan.
    MedicarePartD,
    /// Traditional Medicare.
    Medicare,
    /// Medicaid fee-for-service.
    Medicaid,
    /// Medicaid managed care.
    MedicaidManagedCare,
    /// An ACA marketplace plan.
    Marketplace,
    /// Another kind of plan.
    Other,
}

/// How the plan is funded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Funding {
    /// Insured by the carrier; state law applies.
    FullyInsured,
    /// A self-funded employer plan (ERISA).
    SelfFunded,
    /// A government program.
    Government,
    /// Not known.
    Unknown,
}

/// Whether the prescriber is in network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkStatus {
    /// In the plan's network.
    InNetwork,
    /// Out of the plan's network.
    OutOfNetwork,
    /// Not known.
    Unknown,
}

/// The plan's prior-authorization contact.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaContact {
    /// The department to address.
    pub department: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Fax number the packet is sent to.
    pub fax: Option<String>,
    /// Portal address, when requests go through a portal.
    pub portal: Option<String>,
    /// Postal address.
    pub address: Option<Address>,
}

/// The prescribing clinician.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Prescriber {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Credentials: MD, DO, NP, PA, ...
    pub credentials: Option<String>,
    /// Specialty, for example psychiatry or psychiatric-mental-health.
    pub specialty: Option<String>,
    /// National Provider Identifier.
    pub npi: Npi,
    /// Tax identification number.
    pub tax_id: Option<String>,
    /// DEA registration number (ketamine is Schedule III; added in format 1.1).
    pub dea_number: Option<String>,
    /// Esketamine: the prescriber is enrolled in the REMS.
    pub rems_enrolled: Option<bool>,
    /// The practice.
    pub practice: Option<Practice>,
}

/// The prescriber's practice.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    /// Practice name (the letterhead).
    pub name: Option<String>,
    /// Practice address.
    pub address: Option<Address>,
    /// Phone number.
    pub phone: Option<String>,
    /// Secure fax number.
    pub fax: Option<String>,
}

/// Where the therapy is given.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Site name.
    pub name: Option<String>,
    /// Facility NPI.
    pub npi: Option<Npi>,
    /// The facility's tax identification number (an authpack addition, for superbills).
    pub tax_id: Option<String>,
    /// Esketamine: a REMS-certified outpatient setting.
    pub rems_certified: Option<bool>,
    /// Site address.
    pub address: Option<Address>,
}

/// One diagnosis.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    /// ICD-10-CM code, billable (full length).
    pub code: IcdCode,
    /// The primary diagnosis for this request.
    pub primary: Option<bool>,
    /// When it was diagnosed.
    pub diagnosed_on: Option<Date>,
}

/// The current depressive episode.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrentEpisode {
    /// When the episode began (required for depression indications).
    pub start: Option<Date>,
    /// Whether the episode has psychotic features.
    pub psychotic_features: Option<bool>,
    /// What the illness costs the patient now (work, school, daily living), in the prescriber's words (an authpack addition).
    pub impairment: Option<String>,
}

/// Treatments tried before.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TreatmentHistory {
    /// Every antidepressant trial, in this episode and earlier ones.
    #[serde(default)]
    pub antidepressants: Vec<AntidepressantTrial>,
    /// Augmentation trials.
    #[serde(default)]
    pub augmentations: Vec<Augmentation>,
    /// Courses of psychotherapy.
    #[serde(default)]
    pub psychotherapy: Vec<Psychotherapy>,
    /// Neuromodulation: done, declined or ruled out.
    #[serde(default)]
    pub neuromodulation: Vec<Neuromodulation>,
    /// Psychiatric hospital stays.
    #[serde(default)]
    pub hospitalizations: Vec<Hospitalization>,
    /// What the patient takes now.
    #[serde(default)]
    pub current_medications: Vec<CurrentMedication>,
    /// IV/IM ketamine requests: why not the FDA-approved esketamine nasal spray (added in format 1.1).
    pub esketamine: Option<EsketamineHistory>,
    /// Chronic pain: the pain treatments tried (an authpack addition).
    #[serde(default)]
    pub pain_treatments: Vec<PainTreatment>,
}

/// Why an IV or IM ketamine request is not for esketamine nasal spray.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EsketamineHistory {
    /// tried, declined, contraindicated, unavailable or not-covered.
    pub status: EsketamineStatus,
    /// First session, when tried.
    pub start: Option<Date>,
    /// Last session, when tried.
    pub end: Option<Date>,
    /// What happened, when tried.
    pub outcome: Option<Outcome>,
    /// Why, in the prescriber's words.
    pub reason: Option<String>,
}

/// What became of esketamine nasal spray.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EsketamineStatus {
    /// Tried (see outcome).
    Tried,
    /// Offered and declined.
    Declined,
    /// Ruled out for medical reasons.
    Contraindicated,
    /// Not available to the patient (no REMS-certified site within reach).
    Unavailable,
    /// Not covered by the plan.
    NotCovered,
}

/// One pain treatment tried.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PainTreatment {
    /// medication, interventional, physical-therapy, psychological-therapy or other.
    pub category: PainTreatmentCategory,
    /// What it was: a drug, a procedure or a therapy.
    pub name: String,
    /// Medications: the class (gabapentinoid, snri, tca, nsaid, opioid, topical, ...).
    pub class: Option<String>,
    /// Medications: the highest daily dose, in mg.
    pub max_dose_mg: Option<f64>,
    /// First day.
    pub start: Option<Date>,
    /// Last day; absent while it goes on.
    pub end: Option<Date>,
    /// What happened.
    pub outcome: Option<Outcome>,
    /// Free-text notes.
    pub notes: Option<String>,
}

/// A kind of pain treatment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PainTreatmentCategory {
    /// A medication.
    Medication,
    /// An interventional procedure (nerve block, spinal cord stimulator trial, ...).
    Interventional,
    /// Physical or occupational therapy.
    PhysicalTherapy,
    /// A psychological therapy (CBT for pain, graded exposure, ...).
    PsychologicalTherapy,
    /// Anything else.
    Other,
}

/// The Budapest clinical criteria for complex regional pain syndrome (Harden 2010).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrpsCriteria {
    /// Continuing pain, disproportionate to any inciting event.
    pub disproportionate_pain: Option<bool>,
    /// Categories with at least one reported symptom.
    #[serde(default)]
    pub symptoms: Vec<CrpsCategory>,
    /// Categories with at least one sign at evaluation.
    #[serde(default)]
    pub signs: Vec<CrpsCategory>,
    /// No other diagnosis better explains the signs and symptoms.
    pub no_better_explanation: Option<bool>,
    /// When the criteria were assessed.
    pub assessed_on: Option<Date>,
}

/// A Budapest criteria category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CrpsCategory {
    /// Sensory: hyperesthesia or allodynia.
    Sensory,
    /// Vasomotor: temperature or skin color asymmetry or changes.
    Vasomotor,
    /// Sudomotor or edema: edema, sweating changes or asymmetry.
    SudomotorEdema,
    /// Motor or trophic: decreased range of motion, weakness, tremor, dystonia, hair, nail or skin changes.
    MotorTrophic,
}

/// One antidepressant trial.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AntidepressantTrial {
    /// Generic name; brand names are accepted and normalised.
    pub drug: String,
    /// Highest daily dose reached, in mg.
    pub max_dose_mg: Option<f64>,
    /// When the minimum adequate dose was reached (else the start).
    pub adequate_dose_from: Option<Date>,
    /// First day of the trial.
    pub start: Date,
    /// Last day; absent while it goes on.
    pub end: Option<Date>,
    /// How well the patient took it.
    pub adherence: Option<Adherence>,
    /// What happened.
    pub outcome: Option<Outcome>,
    /// Improvement on a rating scale over the trial, in percent.
    pub improvement_percent: Option<f64>,
    /// Free-text notes.
    pub notes: Option<String>,
}

/// How well a medication was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Adherence {
    /// Taken as prescribed.
    Good,
    /// Some doses missed.
    Partial,
    /// Often not taken.
    Poor,
    /// Not known.
    Unknown,
}

/// The outcome of a trial.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// No meaningful improvement.
    NoResponse,
    /// Some improvement, short of response.
    PartialResponse,
    /// Stopped because of side effects.
    Intolerance,
    /// Improved, then relapsed.
    Relapse,
    /// Responded.
    Response,
}

/// One augmentation trial.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Augmentation {
    /// The augmenting agent (aripiprazole, lithium, ...).
    pub agent: String,
    /// Highest daily dose, in mg.
    pub max_dose_mg: Option<f64>,
    /// First day.
    pub start: Date,
    /// Last day; absent while it goes on.
    pub end: Option<Date>,
    /// What happened.
    pub outcome: Option<Outcome>,
    /// Free-text notes.
    pub notes: Option<String>,
}

/// One course of psychotherapy.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Psychotherapy {
    /// The kind of therapy.
    pub modality: Modality,
    /// Sessions attended.
    pub sessions: Option<u32>,
    /// First session.
    pub start: Option<Date>,
    /// Last session.
    pub end: Option<Date>,
    /// What happened.
    pub outcome: Option<Outcome>,
    /// Free-text notes.
    pub notes: Option<String>,
}

/// A kind of psychotherapy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Modality {
    /// Cognitive behavioral therapy.
    Cbt,
    /// Interpersonal therapy.
    Ipt,
    /// Dialectical behavior therapy.
    Dbt,
    /// Behavioral activation.
    BehavioralActivation,
    /// Psychodynamic therapy.
    Psychodynamic,
    /// Another kind.
    Other,
}

/// Neuromodulation: done, declined or ruled out.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Neuromodulation {
    /// tms, ect, vns or dbs.
    pub kind: NeuromodulationKind,
    /// What became of it.
    pub status: NeuromodulationStatus,
    /// Why (declined, stopped, contraindicated, unavailable).
    pub reason: Option<String>,
    /// First session, when given.
    pub start: Option<Date>,
    /// Last session, when given.
    pub end: Option<Date>,
    /// Sessions given.
    pub sessions: Option<u32>,
    /// What happened, when given.
    pub outcome: Option<Outcome>,
}

/// A kind of neuromodulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NeuromodulationKind {
    /// Transcranial magnetic stimulation.
    Tms,
    /// Electroconvulsive therapy.
    Ect,
    /// Vagus nerve stimulation.
    Vns,
    /// Deep brain stimulation.
    Dbs,
}

/// What became of a neuromodulation option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NeuromodulationStatus {
    /// Course completed.
    Completed,
    /// Course stopped early.
    Stopped,
    /// Offered and declined.
    Declined,
    /// Ruled out for medical reasons.
    Contraindicated,
    /// Not available to the patient.
    Unavailable,
}

/// One psychiatric hospital stay.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hospitalization {
    /// Admission date.
    pub admitted: Date,
    /// Discharge date.
    pub discharged: Option<Date>,
    /// Why.
    pub reason: Option<String>,
}

/// A medication the patient takes now.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrentMedication {
    /// Drug name.
    pub drug: String,
    /// Daily dose, in mg.
    pub dose_mg: Option<f64>,
    /// Taken since.
    pub since: Option<Date>,
    /// oral-antidepressant, augmentation or other.
    pub role: Option<MedicationRole>,
}

/// The role of a current medication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MedicationRole {
    /// An oral antidepressant.
    OralAntidepressant,
    /// An augmenting agent.
    Augmentation,
    /// Anything else.
    Other,
}

/// One dated rating-scale result.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    /// The instrument.
    pub instrument: Instrument,
    /// Total score (every instrument but c-ssrs).
    pub score: Option<u32>,
    /// Risk level (c-ssrs).
    pub risk: Option<RiskLevel>,
    /// When it was given.
    pub date: Date,
    /// Who rated it.
    pub rater: Option<String>,
}

/// A rating instrument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema)]
pub enum Instrument {
    /// Patient Health Questionnaire-9.
    #[serde(rename = "phq-9")]
    Phq9,
    /// Montgomery-Asberg Depression Rating Scale.
    #[serde(rename = "madrs")]
    Madrs,
    /// Hamilton Depression Rating Scale, 17 items.
    #[serde(rename = "ham-d-17")]
    HamD17,
    /// Quick Inventory of Depressive Symptomatology, self-report, 16 items.
    #[serde(rename = "qids-sr-16")]
    QidsSr16,
    /// Beck Depression Inventory-II.
    #[serde(rename = "bdi-ii")]
    BdiIi,
    /// Generalized Anxiety Disorder-7.
    #[serde(rename = "gad-7")]
    Gad7,
    /// PTSD Checklist for DSM-5.
    #[serde(rename = "pcl-5")]
    Pcl5,
    /// Columbia Suicide Severity Rating Scale.
    #[serde(rename = "c-ssrs")]
    CSsrs,
    /// Numeric rating scale for pain, 0 to 10 (added in format 1.1).
    #[serde(rename = "nrs-pain")]
    NrsPain,
}

impl Instrument {
    /// The instrument's id as the intake writes it.
    pub fn id(self) -> &'static str {
        match self {
            Instrument::Phq9 => "phq-9",
            Instrument::Madrs => "madrs",
            Instrument::HamD17 => "ham-d-17",
            Instrument::QidsSr16 => "qids-sr-16",
            Instrument::BdiIi => "bdi-ii",
            Instrument::Gad7 => "gad-7",
            Instrument::Pcl5 => "pcl-5",
            Instrument::CSsrs => "c-ssrs",
            Instrument::NrsPain => "nrs-pain",
        }
    }
}

/// A C-SSRS risk level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RiskLevel {
    /// Low.
    Low,
    /// Moderate.
    Moderate,
    /// High.
    High,
}

/// Safety screening.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Safety {
    /// The label's contraindications, each answered.
    pub contraindications: Option<Contraindications>,
    /// Pregnancy status.
    pub pregnancy: Option<Pregnancy>,
    /// Substance use.
    pub substance_use: Option<SubstanceUse>,
    /// Any history of psychosis.
    pub psychosis_history: Option<bool>,
    /// The latest blood pressure.
    pub blood_pressure: Option<BloodPressure>,
    /// When the prescription-drug monitoring program was checked.
    pub pdmp_checked_on: Option<Date>,
    /// Adverse events during treatment so far (continuations), or "none" (added field).
    pub adverse_events: Option<String>,
}

/// The esketamine label's contraindications.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contraindications {
    /// Aneurysmal vascular disease (aorta, intracranial, peripheral arteries).
    pub aneurysmal_vascular_disease: Option<bool>,
    /// Arteriovenous malformation.
    pub arteriovenous_malformation: Option<bool>,
    /// History of intracerebral hemorrhage.
    pub intracerebral_hemorrhage: Option<bool>,
    /// Hypersensitivity to esketamine, ketamine or an excipient.
    pub hypersensitivity: Option<bool>,
    /// Ketamine (Ketalar) label: a significant rise in blood pressure would be a serious hazard (an authpack addition).
    pub blood_pressure_hazard: Option<bool>,
}

/// Pregnancy status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Pregnancy {
    /// Not pregnant.
    NotPregnant,
    /// Pregnant.
    Pregnant,
    /// Does not apply.
    NotApplicable,
    /// Not known.
    Unknown,
}

/// Substance use status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SubstanceUse {
    /// None.
    None,
    /// A substance use disorder in remission.
    InRemission,
    /// Active substance use disorder.
    Active,
}

/// A blood pressure reading.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BloodPressure {
    /// Systolic, mmHg.
    pub systolic: u32,
    /// Diastolic, mmHg.
    pub diastolic: u32,
    /// When measured.
    pub date: Option<Date>,
}

/// The denial being appealed.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Appeal {
    /// first-internal, second-internal or external-review.
    pub level: AppealLevel,
    /// The date printed on the denial notice.
    pub denial_date: Date,
    /// When the notice was received.
    pub received_date: Option<Date>,
    /// The plan's reference for the denial.
    pub reference_number: Option<String>,
    /// The denial reason, quoted exactly.
    pub denial_reason: Option<String>,
    /// The basis of the denial.
    pub denial_basis: DenialBasis,
    /// Who appeals.
    pub appellant: Appellant,
    /// Ask for a peer-to-peer review.
    pub request_peer_to_peer: Option<bool>,
    /// Ask for the claim file and the criteria used.
    pub request_claim_file: Option<bool>,
    /// The representative who files, when the appellant is a representative (an authpack addition).
    pub representative: Option<Representative>,
}

/// Someone who appeals for the patient.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Representative {
    /// Full name.
    pub name: String,
    /// Relationship to the patient, or professional status (spouse, daughter, attorney).
    pub relationship: Option<String>,
    /// Postal address.
    pub address: Option<Address>,
    /// Phone number.
    pub phone: Option<String>,
}

/// The level of appeal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AppealLevel {
    /// The first internal appeal.
    FirstInternal,
    /// A second internal appeal.
    SecondInternal,
    /// External review by an independent organization.
    ExternalReview,
}

/// The basis the plan gave for a denial.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DenialBasis {
    /// Not medically necessary.
    NotMedicallyNecessary,
    /// Experimental or investigational.
    Experimental,
    /// Step therapy not met.
    StepTherapy,
    /// Documentation missing.
    MissingDocumentation,
    /// Site of care.
    SiteOfCare,
    /// Excluded from the benefit.
    BenefitExclusion,
    /// Another basis.
    Other,
}

/// Who appeals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Appellant {
    /// The prescriber.
    Provider,
    /// The patient.
    Patient,
    /// An authorized representative.
    Representative,
}

/// A service already given.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// Date of service.
    pub date: Date,
    /// HCPCS or CPT code.
    pub code: ProcedureCode,
    /// Units.
    pub units: u32,
    /// Charge in dollars.
    pub charge: Option<f64>,
    /// What the patient has paid for this line, in dollars (an authpack addition).
    pub paid: Option<f64>,
    /// HCPCS/CPT modifiers (an authpack addition).
    #[serde(default)]
    pub modifiers: Vec<String>,
    /// Drug lines: the dose given, in mg (an authpack addition).
    pub dose_mg: Option<f64>,
    /// The drug's National Drug Code, for drug lines; normalised to 5-4-2.
    pub ndc: Option<Ndc>,
    /// Diagnoses this line is for.
    #[serde(default)]
    pub diagnosis_codes: Vec<IcdCode>,
}

/// One call with the plan.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// When (local time).
    pub at: DateTime,
    /// Who was spoken to.
    pub with: Option<String>,
    /// The call reference number.
    pub reference: Option<String>,
    /// What was said.
    pub summary: Option<String>,
}

/// A record enclosed in the packet.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// Path relative to the intake file.
    pub file: String,
    /// Title as listed in the letter.
    pub title: Option<String>,
    /// The kind of record.
    pub kind: Option<AttachmentKind>,
    /// The ids of the criteria this record documents (added in format 1.1).
    #[serde(default)]
    pub supports: Vec<String>,
}

/// The patient's costs, for the estimate on their sheet (added in format 1.1).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    /// What the clinic charges a session, in dollars.
    pub charge_per_session: Option<f64>,
    /// The drug's charge a session when it is billed apart, in dollars (an authpack addition).
    pub drug_charge_per_session: Option<f64>,
    /// What is left of the plan year's deductible, in dollars.
    pub deductible_remaining: Option<f64>,
    /// The patient's share after the deductible, in percent.
    pub coinsurance_percent: Option<f64>,
    /// A fixed amount a session instead of coinsurance, in dollars.
    pub copay_per_session: Option<f64>,
    /// What is left of the plan year's out-of-pocket maximum, in dollars.
    pub out_of_pocket_remaining: Option<f64>,
    /// What the plan allows a session, when it differs from the charge (an authpack addition).
    pub allowed_per_session: Option<f64>,
}

/// The kind of an enclosed record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AttachmentKind {
    /// A progress note.
    ProgressNote,
    /// A rating-scale form.
    RatingScale,
    /// Pharmacy fill history.
    PharmacyHistory,
    /// The denial letter.
    DenialLetter,
    /// REMS enrollment confirmation.
    RemsEnrollment,
    /// A lab result.
    LabResult,
    /// A referral.
    Referral,
    /// Anything else.
    Other,
}

/// Who signs, and when.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// prescriber, patient or representative.
    pub signer: Option<Signer>,
    /// The signing date.
    pub date: Option<Date>,
}

/// Who signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Signer {
    /// The prescriber.
    Prescriber,
    /// The patient.
    Patient,
    /// An authorized representative.
    Representative,
}
