//! The people and places of a packet, as documents name them.

use serde::Serialize;

use crate::intake::{Address, Appellant, Intake, RequestKind};
use crate::policy::serde_label;
use crate::words;

/// The patient.
#[derive(Clone, Debug, Serialize)]
pub struct Patient {
    /// Full name.
    pub name: String,
    /// Given name.
    pub first_name: String,
    /// Date of birth, ISO.
    pub dob: String,
    /// Date of birth in words.
    pub dob_long: String,
    /// Age on the date judged.
    pub age: i32,
    /// The plan's member identifier.
    pub member_id: String,
    /// The group number.
    pub group: Option<String>,
    /// The subscriber, when not the patient: name and relationship.
    pub subscriber: Option<String>,
    /// Home address on one line.
    pub address: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Weight, for weight-based dosing.
    pub weight_kg: Option<String>,
    /// Sex, in words.
    pub sex: Option<String>,
}

/// The prescriber and practice.
#[derive(Clone, Debug, Serialize)]
pub struct Prescriber {
    /// Name with credentials: `Priya Anand-Whitcomb, MD`.
    pub name: String,
    /// Specialty in words.
    pub specialty: Option<String>,
    /// What the prescriber is, for "I am the patient's treating ...": `psychiatrist`; `physician` or `clinician` when the specialty is not one authpack knows.
    pub role: String,
    /// NPI.
    pub npi: String,
    /// Tax ID.
    pub tin: Option<String>,
    /// DEA registration.
    pub dea: Option<String>,
    /// Practice name.
    pub practice: Option<String>,
    /// Practice address on one line.
    pub address: Option<String>,
    /// Practice phone.
    pub phone: Option<String>,
    /// Practice fax.
    pub fax: Option<String>,
}

/// Where the therapy is given.
#[derive(Clone, Debug, Serialize)]
pub struct Site {
    /// Name.
    pub name: Option<String>,
    /// Facility NPI.
    pub npi: Option<String>,
    /// Facility tax ID.
    pub tin: Option<String>,
    /// Address on one line.
    pub address: Option<String>,
    /// REMS-certified (esketamine).
    pub rems_certified: Option<bool>,
}

/// Who the documents go to: the plan's prior-authorization department, or its claims department for a claim.
#[derive(Clone, Debug, Serialize)]
pub struct Recipient {
    /// The plan.
    pub plan: String,
    /// The product name.
    pub plan_name: Option<String>,
    /// The department.
    pub department: Option<String>,
    /// Fax.
    pub fax: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Portal.
    pub portal: Option<String>,
    /// Postal address on one line.
    pub address: Option<String>,
}

/// Who sends the packet and signs the letter: the clinic, the patient, or a representative.
#[derive(Clone, Debug, Serialize)]
pub struct Sender {
    /// `provider`, `patient` or `representative`.
    pub voice: &'static str,
    /// Name.
    pub name: String,
    /// What they are to the patient (representatives).
    pub relationship: Option<String>,
    /// Organization (the practice, for a provider).
    pub organization: Option<String>,
    /// Address on one line.
    pub address: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Fax.
    pub fax: Option<String>,
}

/// An address on one line.
pub fn one_line(a: Option<&Address>) -> Option<String> {
    let a = a?;
    let mut parts: Vec<String> = Vec::new();
    parts.extend(a.line1.clone());
    parts.extend(a.line2.clone());
    let city_state = [a.city.clone(), a.state.clone()].into_iter().flatten().collect::<Vec<_>>().join(", ");
    let last = [Some(city_state).filter(|s| !s.is_empty()), a.postal_code.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !last.is_empty() {
        parts.push(last);
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The patient as documents name them.
pub fn patient(intake: &Intake, age: i32) -> Patient {
    let p = &intake.patient;
    let subscriber = p.subscriber.as_ref().and_then(|s| {
        let name = s.name.clone()?;
        let rel = s.relationship.map(|r| match r {
            crate::intake::Relationship::Itself => "self".to_string(),
            other => serde_label(&other),
        });
        Some(match rel {
            Some(r) if r != "self" => format!("{name} (the patient is the subscriber's {r})"),
            _ => name,
        })
    });
    Patient {
        name: format!("{} {}", p.first_name, p.last_name),
        first_name: p.first_name.clone(),
        dob: p.date_of_birth.to_string(),
        dob_long: p.date_of_birth.long(),
        age,
        member_id: p.member_id.clone(),
        group: p.group_number.clone(),
        subscriber,
        address: one_line(p.address.as_ref()),
        phone: p.phone.clone(),
        weight_kg: p.weight_kg.map(|w| format!("{} kg", words::num(w))),
        sex: p.sex.map(|s| serde_label(&s)),
    }
}

/// The prescriber as documents name them.
pub fn prescriber(intake: &Intake) -> Prescriber {
    let p = &intake.prescriber;
    let practice = p.practice.as_ref();
    Prescriber {
        name: match &p.credentials {
            Some(c) => format!("{} {}, {c}", p.first_name, p.last_name),
            None => format!("{} {}", p.first_name, p.last_name),
        },
        specialty: p.specialty.as_deref().map(words::words),
        role: role(p.specialty.as_deref(), p.credentials.as_deref()),
        npi: p.npi.to_string(),
        tin: p.tax_id.clone(),
        dea: p.dea_number.clone(),
        practice: practice.and_then(|x| x.name.clone()),
        address: one_line(practice.and_then(|x| x.address.as_ref())),
        phone: practice.and_then(|x| x.phone.clone()),
        fax: practice.and_then(|x| x.fax.clone()),
    }
}

/// What the prescriber is called in the first person: the known specialty's
/// practitioner, else a physician by their degree, else a clinician.
fn role(specialty: Option<&str>, credentials: Option<&str>) -> String {
    if let Some(s) = specialty.and_then(crate::reference::specialty) {
        return s.practitioner.to_string();
    }
    let physician = credentials.is_some_and(|c| {
        c.split(|ch: char| !ch.is_ascii_alphabetic())
            .any(|d| d.eq_ignore_ascii_case("MD") || d.eq_ignore_ascii_case("DO"))
    });
    if physician { "physician" } else { "clinician" }.to_string()
}

/// The site of care, when given.
pub fn site(intake: &Intake) -> Option<Site> {
    intake.site.as_ref().map(|s| Site {
        name: s.name.clone(),
        npi: s.npi.as_ref().map(|n| n.to_string()),
        tin: s.tax_id.clone(),
        address: one_line(s.address.as_ref()),
        rems_certified: s.rems_certified,
    })
}

/// Where the documents go.
pub fn recipient(intake: &Intake) -> Recipient {
    let payer = &intake.payer;
    if intake.request.kind == RequestKind::Claim {
        let c = payer.claims.as_ref();
        return Recipient {
            plan: payer.name.clone(),
            plan_name: payer.plan_name.clone(),
            department: Some("Claims".into()),
            fax: c.and_then(|c| c.fax.clone()),
            phone: payer.prior_authorization.as_ref().and_then(|p| p.phone.clone()),
            portal: c.and_then(|c| c.portal.clone()),
            address: one_line(c.and_then(|c| c.address.as_ref())),
        };
    }
    let pa = payer.prior_authorization.as_ref();
    Recipient {
        plan: payer.name.clone(),
        plan_name: payer.plan_name.clone(),
        department: pa.and_then(|p| p.department.clone()),
        fax: pa.and_then(|p| p.fax.clone()),
        phone: pa.and_then(|p| p.phone.clone()),
        portal: pa.and_then(|p| p.portal.clone()),
        address: one_line(pa.and_then(|p| p.address.as_ref())),
    }
}

/// Whose voice the documents speak in: the appellant for an appeal, the member
/// for a claim, else the signer (the prescriber by default).
pub fn voice(intake: &Intake) -> &'static str {
    use crate::intake::Signer;
    match (&intake.appeal, intake.request.kind, intake.signature.as_ref().and_then(|s| s.signer)) {
        (Some(a), RequestKind::Appeal, _) => match a.appellant {
            Appellant::Provider => "provider",
            Appellant::Patient => "patient",
            Appellant::Representative => "representative",
        },
        (_, RequestKind::Claim, Some(Signer::Representative)) => "representative",
        (_, RequestKind::Claim, _) => "patient",
        (_, _, Some(Signer::Patient)) => "patient",
        (_, _, Some(Signer::Representative)) => "representative",
        _ => "provider",
    }
}

/// The sender in the document's voice.
pub fn sender(intake: &Intake, voice: &'static str, prescriber: &Prescriber, patient: &Patient) -> Sender {
    match voice {
        "patient" => Sender {
            voice,
            name: patient.name.clone(),
            relationship: None,
            organization: None,
            address: patient.address.clone(),
            phone: patient.phone.clone(),
            fax: None,
        },
        "representative" => {
            let r = intake.appeal.as_ref().and_then(|a| a.representative.as_ref());
            Sender {
                voice,
                name: r.map(|r| r.name.clone()).unwrap_or_else(|| "the patient's representative".into()),
                relationship: r.and_then(|r| r.relationship.clone()),
                organization: None,
                address: one_line(r.and_then(|r| r.address.as_ref())),
                phone: r.and_then(|r| r.phone.clone()),
                fax: None,
            }
        }
        _ => Sender {
            voice: "provider",
            name: prescriber.name.clone(),
            relationship: None,
            organization: prescriber.practice.clone(),
            address: prescriber.address.clone(),
            phone: prescriber.phone.clone(),
            fax: prescriber.fax.clone(),
        },
    }
}
