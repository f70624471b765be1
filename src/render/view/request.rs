//! What is requested, as a plan's prior-authorization form asks for it: the
//! drug and strength, the regimen, devices or milligrams, billing lines, place
//! of service, dispensing, and the oral antidepressant continued alongside.

use serde::Serialize;

use crate::assess::Facts;
use crate::intake::{Benefit, Dispensing, Intake, MedicationRole, Phase, Therapy};
use crate::policy::serde_label;
use crate::reference;
use crate::words::{self, count, mg};

/// One billing line requested.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceLine {
    /// HCPCS or CPT code.
    pub code: String,
    /// authpack's short description.
    pub description: Option<String>,
    /// Units.
    pub units: u32,
    /// Modifiers, comma-separated.
    pub modifiers: Option<String>,
    /// NDC, for a drug line.
    pub ndc: Option<String>,
}

/// The request.
#[derive(Clone, Debug, Serialize)]
pub struct Request {
    /// The therapy in words: `esketamine nasal spray (Spravato)`.
    pub therapy: &'static str,
    /// A short name: `esketamine`, `IV ketamine`.
    pub therapy_short: &'static str,
    /// `esketamine-nasal`, `ketamine-iv`, `ketamine-im`.
    pub therapy_id: String,
    /// The indication in words.
    pub indication: &'static str,
    /// Whether the use is FDA-labeled.
    pub labeled: bool,
    /// What the FDA approved the drug for, in words.
    pub approval: String,
    /// The drug line: `Spravato (esketamine) nasal spray, 28 mg a device` with its NDC.
    pub drug: String,
    /// The drug's NDC, when known.
    pub ndc: Option<String>,
    /// The regimen in one phrase.
    pub regimen: Option<String>,
    /// The phase in words.
    pub phase: Option<String>,
    /// Sessions requested.
    pub sessions: Option<u32>,
    /// From, ISO.
    pub start: Option<String>,
    /// To, ISO.
    pub end: Option<String>,
    /// Esketamine: the dose a session with its devices.
    pub dose: Option<String>,
    /// Esketamine: the first session, when it differs.
    pub first_dose: Option<String>,
    /// Esketamine: devices in all, and milligrams.
    pub devices_total: Option<String>,
    /// Ketamine: the dose a session in mg/kg and in mg.
    pub weight_dose: Option<String>,
    /// The billing lines.
    pub services: Vec<ServiceLine>,
    /// Place of service, code and words.
    pub place_of_service: Option<String>,
    /// Medical or pharmacy benefit.
    pub benefit: Option<&'static str>,
    /// Buy-and-bill or specialty pharmacy.
    pub dispensing: Option<&'static str>,
    /// The oral antidepressant continued alongside, when any.
    pub oral_antidepressant: Option<String>,
    /// An earlier authorization.
    pub prior_authorization: Option<String>,
    /// The last day of the authorization in force (continuations).
    pub authorized_through: Option<String>,
    /// When the treatment being continued or claimed began.
    pub treatment_start: Option<String>,
}

/// The therapy in words.
pub fn therapy_words(t: Therapy) -> (&'static str, &'static str) {
    match t {
        Therapy::EsketamineNasal => ("esketamine nasal spray (Spravato)", "esketamine"),
        Therapy::KetamineIv => ("intravenous ketamine", "IV ketamine"),
        Therapy::KetamineIm => ("intramuscular ketamine", "IM ketamine"),
    }
}

/// The indication in words.
pub fn indication_words(intake: &Intake) -> &'static str {
    use crate::intake::Indication::*;
    match intake.request.indication {
        Trd => "treatment-resistant major depressive disorder",
        Mdsi => "major depressive disorder with acute suicidal ideation or behavior",
        Depression => "major depressive disorder",
        Ptsd => "posttraumatic stress disorder",
        ChronicPain => "chronic pain",
        Other => "the condition described below",
    }
}

/// The request, as a form asks for it.
pub fn request(intake: &Intake, facts: &Facts) -> Request {
    let r = &intake.request;
    let (therapy, therapy_short) = therapy_words(r.therapy);
    let labels = reference::labels();
    let esketamine = r.therapy == Therapy::EsketamineNasal;
    let labeled =
        esketamine && matches!(r.indication, crate::intake::Indication::Trd | crate::intake::Indication::Mdsi);
    let reg = r.regimen.as_ref();
    let d = &facts.dosing;
    let with_devices = |x: f64| match (x / labels.esketamine.device_mg).fract() == 0.0 {
        true => {
            let n = (x / labels.esketamine.device_mg) as usize;
            format!("{} ({} 28 mg {})", mg(x), words::number_word(n), if n == 1 { "device" } else { "devices" })
        }
        false => mg(x),
    };
    let dose = if esketamine { d.dose_mg.map(with_devices) } else { None };
    let first_dose = if esketamine {
        reg.and_then(|g| g.first_dose_mg).filter(|f| Some(*f) != d.dose_mg).map(with_devices)
    } else {
        None
    };
    let weight_dose =
        reg.and_then(|g| g.dose_mg_per_kg).map(|k| match (d.absolute_dose_mg, intake.patient.weight_kg) {
            (Some(a), Some(w)) => format!("{} mg/kg ({} for {} kg)", words::num(k), mg(a), words::num(w)),
            _ => format!("{} mg/kg", words::num(k)),
        });
    let ndc = r.services.iter().find_map(|s| s.ndc.as_ref().map(|n| n.to_string()));
    let drug = match r.therapy {
        Therapy::EsketamineNasal => "Spravato (esketamine) nasal spray, 28 mg a device".to_string(),
        Therapy::KetamineIv | Therapy::KetamineIm => "ketamine hydrochloride injection (racemic ketamine)".to_string(),
    };
    // Without the package NDC from the intake, the product code is all that is
    // known: the package code depends on the kit (2 or 3 devices).
    let ndc = ndc.or_else(|| {
        esketamine.then(|| format!("product code {} (kits of 2 or 3 devices)", labels.esketamine.ndc_product))
    });
    let mut regimen = Vec::new();
    if let Some(g) = reg {
        if let Some(p) = g.phase {
            regimen.push(phase_words(p).to_string());
        }
        if let Some(x) = &dose {
            regimen.push(format!("{x} a session"));
        }
        if let Some(x) = &weight_dose {
            regimen.push(format!("{x} a session"));
        }
        if let Some(m) = g.infusion_minutes {
            regimen.push(format!("infused over {m} minutes"));
        }
        if let Some(f) = g.frequency {
            regimen.push(crate::policy::frequency_words(f).to_string());
        }
        if let Some(n) = g.sessions {
            regimen.push(count(n as usize, "session", "sessions"));
        }
    }
    let services = r
        .services
        .iter()
        .map(|s| ServiceLine {
            code: s.code.to_string(),
            description: reference::procedure(s.code.as_str()).and_then(|p| p.description.clone()),
            units: s.units,
            modifiers: (!s.modifiers.is_empty()).then(|| s.modifiers.join(", ")),
            ndc: s.ndc.as_ref().map(|n| n.to_string()),
        })
        .collect();
    let oral = intake.treatment_history.as_ref().and_then(|h| {
        let m: Vec<String> = h
            .current_medications
            .iter()
            .filter(|m| m.role == Some(MedicationRole::OralAntidepressant))
            .map(|m| format!("{}{}", m.drug, m.dose_mg.map(|d| format!(" {} a day", mg(d))).unwrap_or_default()))
            .collect();
        (!m.is_empty()).then(|| words::list(&m))
    });
    Request {
        therapy,
        therapy_short,
        therapy_id: serde_label(&r.therapy),
        indication: indication_words(intake),
        labeled,
        approval: if esketamine { labels.esketamine.approval.clone() } else { labels.ketamine.approval.clone() },
        drug,
        ndc,
        regimen: (!regimen.is_empty()).then(|| regimen.join(", ")),
        phase: reg.and_then(|g| g.phase).map(|p| phase_words(p).to_string()),
        sessions: reg.and_then(|g| g.sessions),
        start: reg.and_then(|g| g.start).map(|d| d.to_string()),
        end: reg.and_then(|g| g.end).map(|d| d.to_string()),
        dose,
        first_dose,
        devices_total: d
            .total_devices
            .zip(d.total_mg)
            .map(|(n, m)| format!("{} ({} in all)", count(n as usize, "device", "devices"), mg(m))),
        weight_dose,
        services,
        place_of_service: r.place_of_service.as_ref().map(|p| match p.as_str() {
            "11" => "11 (office)".to_string(),
            other => other.to_string(),
        }),
        benefit: r.benefit.map(|b| match b {
            Benefit::Medical => "medical benefit",
            Benefit::Pharmacy => "pharmacy benefit",
        }),
        dispensing: r.dispensing.map(|d| match d {
            Dispensing::BuyAndBill => "buy-and-bill (the site buys and bills the drug)",
            Dispensing::SpecialtyPharmacy => "specialty pharmacy (dispensed to the site)",
        }),
        oral_antidepressant: oral,
        prior_authorization: r.prior_authorization_number.clone(),
        authorized_through: r.authorized_through.map(|d| d.to_string()),
        treatment_start: match facts.baseline {
            crate::assess::Baseline::TreatmentStart(d) | crate::assess::Baseline::FirstSession(d) => {
                Some(d.to_string())
            }
            crate::assess::Baseline::EpisodeStart => None,
        },
    }
}

/// A phase in words.
pub fn phase_words(p: Phase) -> &'static str {
    match p {
        Phase::Induction => "induction",
        Phase::Maintenance => "maintenance",
        Phase::Course => "a course",
    }
}
