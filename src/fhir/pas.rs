//! The packet's request as a Da Vinci PAS request Bundle (FHIR R4 4.0.1): the
//! Claim first, then every resource it points to, and the documents the plan
//! receives as DocumentReferences with their PDFs inline.
//!
//! Drawn from the same reading as the letters. What goes to the plan is what the
//! fax holds, less its cover sheet: the letter, crosswalk and other faxed
//! documents, and the faxed records; a record sent separately is listed by
//! title and packet entry without its bytes. Ids are derived from the intake's
//! SHA-256, so the same intake gives the same bundle.
//!
//! Code-system URIs are FHIR's (terminology.hl7.org, "External code systems"):
//! ICD-10-CM `http://hl7.org/fhir/sid/icd-10-cm`, CPT `http://www.ama-assn.org/go/cpt`,
//! HCPCS Level II `https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets`, NDC
//! `http://hl7.org/fhir/sid/ndc`, NPI `http://hl7.org/fhir/sid/us-npi`, EIN
//! `http://terminology.hl7.org/NamingSystem/USEIN` (the PAS Organization profile's TIN
//! pattern). PAS profile URLs and the supporting-information code are the IG's
//! (HL7/davinci-pas, input/fsh: Bundle.fsh, Claim.fsh, Coverage.fsh, Organization.fsh).
//! Elements the PAS profiles bind to X12 code sets (Organization.type,
//! Coverage.relationship, item category and certification type) are left out:
//! X12 licenses those codes and they cannot be checked offline. So the bundle
//! is not fully conformant to the profiles it names (docs/fhir.md lists what a
//! PAS validator will find missing).

use base64::Engine;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::intake::{Address, Intake, Relationship, Sex, Urgency};
use crate::reading::Reading;
use crate::render::Document;

/// The bundle's name in the packet.
pub const PAS_BUNDLE: &str = "pas-bundle.json";

const PAS: &str = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition";
const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
const CPT: &str = "http://www.ama-assn.org/go/cpt";
const HCPCS: &str = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
const NDC: &str = "http://hl7.org/fhir/sid/ndc";
const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
const EIN: &str = "http://terminology.hl7.org/NamingSystem/USEIN";
const POS: &str = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set";

/// A made document as the plan receives it: its name in the packet, title, media type and bytes.
pub struct Sent<'a> {
    /// File name in the packet.
    pub name: &'a str,
    /// Title, as the cover sheet lists it.
    pub title: &'a str,
    /// Media type of `bytes`.
    pub media_type: &'static str,
    /// The document.
    pub bytes: &'a [u8],
}

/// The documents the plan receives: the faxed ones but the cover sheet, as PDFs when typeset.
pub fn sent<'a>(documents: &'a [Document], pdfs: Option<&'a [(String, Vec<u8>)]>) -> Vec<Sent<'a>> {
    documents
        .iter()
        .filter(|d| d.faxed && d.name != "cover-sheet.md")
        .filter_map(|d| match pdfs {
            Some(pdfs) => {
                let pdf = d.name.replace(".md", ".pdf");
                pdfs.iter().find(|(n, _)| *n == pdf).map(|(n, b)| Sent {
                    name: n.as_str(),
                    title: &d.title,
                    media_type: "application/pdf",
                    bytes: b,
                })
            }
            None => {
                Some(Sent { name: &d.name, title: &d.title, media_type: "text/markdown", bytes: d.markdown.as_bytes() })
            }
        })
        .collect()
}

/// The PAS request Bundle of a reading, as pretty-printed JSON.
pub fn bundle(reading: &Reading, sent: &[Sent<'_>]) -> Vec<u8> {
    let value = Builder::new(reading).bundle(sent);
    let mut bytes = serde_json::to_vec_pretty(&value).expect("a JSON value serialises");
    bytes.push(b'\n');
    bytes
}

struct Builder<'a> {
    reading: &'a Reading,
    intake: &'a Intake,
    entries: Vec<Value>,
}

impl<'a> Builder<'a> {
    fn new(reading: &'a Reading) -> Builder<'a> {
        Builder { reading, intake: &reading.checked.intake, entries: Vec::new() }
    }

    /// A stable `urn:uuid:` for the resource named `local` in this intake's bundle.
    fn url(&self, local: &str) -> String {
        let digest = Sha256::digest(format!("authpack-pas:{}:{local}", self.reading.checked.sha256));
        let mut b: [u8; 16] = digest[..16].try_into().expect("a SHA-256 has 32 bytes");
        b[6] = (b[6] & 0x0f) | 0x40; // version 4 (random-looking), RFC 9562
        b[8] = (b[8] & 0x3f) | 0x80; // variant 10
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!("urn:uuid:{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
    }

    fn add(&mut self, local: &str, resource: Value) -> String {
        let url = self.url(local);
        self.entries.push(json!({ "fullUrl": url, "resource": resource }));
        url
    }

    fn bundle(mut self, sent: &[Sent<'_>]) -> Value {
        let intake = self.intake;
        let patient = self.add("patient", self.patient());
        let insurer = self.add("insurer", self.insurer());
        let requestor = self.add("requestor", self.requestor());
        let practitioner = self.add("practitioner", self.practitioner());
        let coverage = self.add("coverage", self.coverage(&patient, &insurer));
        let medication = self.add("medication-request", self.medication_request(&patient, &practitioner));
        let mut documents = Vec::new();
        for (i, s) in sent.iter().enumerate() {
            let data = base64::engine::general_purpose::STANDARD.encode(s.bytes);
            let attachment =
                json!({ "contentType": s.media_type, "data": data, "title": s.title, "size": s.bytes.len() });
            documents.push(self.add(&format!("document-{i}"), self.document(&patient, s.title, attachment)));
        }
        for (i, r) in self.reading.checked.records.iter().enumerate() {
            let mut attachment = Map::new();
            attachment.insert("contentType".into(), r.media.media_type().into());
            attachment.insert("title".into(), r.title.clone().into());
            match r.bytes().filter(|_| r.faxed) {
                Some(bytes) => {
                    attachment.insert("data".into(), base64::engine::general_purpose::STANDARD.encode(bytes).into());
                }
                // Sent separately: named by its entry in the packet, not carried.
                None => {
                    attachment.insert("url".into(), r.entry.clone().into());
                }
            }
            attachment.insert("size".into(), r.size.into());
            documents
                .push(self.add(&format!("record-{i}"), self.document(&patient, &r.title, Value::Object(attachment))));
        }
        let claim = self.claim(&patient, &insurer, &requestor, &practitioner, &coverage, &medication, &documents);
        let claim_url = self.url("claim");
        self.entries.insert(0, json!({ "fullUrl": claim_url, "resource": claim }));
        json!({
            "resourceType": "Bundle",
            "meta": { "profile": [format!("{PAS}/profile-pas-request-bundle")] },
            "identifier": { "system": "urn:ietf:rfc:3986", "value": self.url("bundle") },
            "type": "collection",
            "timestamp": format!("{}T00:00:00Z", intake.request.date),
            "entry": self.entries,
        })
    }

    fn patient(&self) -> Value {
        let p = &self.intake.patient;
        let mut r = json!({
            "resourceType": "Patient",
            "meta": { "profile": [format!("{PAS}/profile-beneficiary")] },
            "identifier": [{
                "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MB" }] },
                "value": p.member_id,
            }],
            "name": [{ "family": p.last_name, "given": [p.first_name] }],
            "gender": match p.sex {
                Some(Sex::Female) => "female",
                Some(Sex::Male) => "male",
                Some(Sex::Other) => "other",
                Some(Sex::Unknown) | None => "unknown",
            },
            "birthDate": p.date_of_birth.to_string(),
        });
        if let Some(phone) = &p.phone {
            r["telecom"] = json!([{ "system": "phone", "value": phone }]);
        }
        if let Some(a) = p.address.as_ref().and_then(address) {
            r["address"] = json!([a]);
        }
        r
    }

    fn insurer(&self) -> Value {
        let payer = &self.intake.payer;
        let mut r = json!({
            "resourceType": "Organization",
            "meta": { "profile": [format!("{PAS}/profile-insurer")] },
            "active": true,
            "name": payer.name,
        });
        let pa = payer.prior_authorization.as_ref();
        let telecom = contacts(pa.and_then(|c| c.phone.as_deref()), pa.and_then(|c| c.fax.as_deref()));
        if !telecom.is_empty() {
            r["telecom"] = Value::Array(telecom);
        }
        if let Some(a) = pa.and_then(|c| c.address.as_ref()).and_then(address) {
            r["address"] = json!([a]);
        }
        r
    }

    fn requestor(&self) -> Value {
        let p = &self.intake.prescriber;
        let practice = p.practice.as_ref();
        let name = practice
            .and_then(|x| x.name.clone())
            .unwrap_or_else(|| format!("{} {}{}", p.first_name, p.last_name, credentials(p.credentials.as_deref())));
        let mut r = json!({
            "resourceType": "Organization",
            "meta": { "profile": [format!("{PAS}/profile-requestor")] },
            "active": true,
            "name": name,
        });
        let mut identifiers = Vec::new();
        if let Some(npi) = self.intake.site.as_ref().and_then(|s| s.npi.as_ref()) {
            identifiers.push(json!({ "system": NPI, "value": npi.as_str() }));
        }
        if let Some(tin) = &p.tax_id {
            identifiers.push(json!({ "system": EIN, "value": tin }));
        }
        if !identifiers.is_empty() {
            r["identifier"] = Value::Array(identifiers);
        }
        let telecom = contacts(practice.and_then(|x| x.phone.as_deref()), practice.and_then(|x| x.fax.as_deref()));
        if !telecom.is_empty() {
            r["telecom"] = Value::Array(telecom);
        }
        if let Some(a) = practice.and_then(|x| x.address.as_ref()).and_then(address) {
            r["address"] = json!([a]);
        }
        r
    }

    fn practitioner(&self) -> Value {
        let p = &self.intake.prescriber;
        let mut name = json!({ "family": p.last_name, "given": [p.first_name] });
        if let Some(c) = &p.credentials {
            name["suffix"] = json!([c]);
        }
        json!({
            "resourceType": "Practitioner",
            "meta": { "profile": [format!("{PAS}/profile-practitioner")] },
            "identifier": [{ "system": NPI, "value": p.npi.as_str() }],
            "name": [name],
        })
    }

    fn coverage(&self, patient: &str, insurer: &str) -> Value {
        let p = &self.intake.patient;
        let payer = &self.intake.payer;
        let relationship = match p.subscriber.as_ref().and_then(|s| s.relationship) {
            Some(Relationship::Spouse) => "spouse",
            Some(Relationship::Child) => "child",
            Some(Relationship::Other) => "other",
            Some(Relationship::Itself) | None => "self",
        };
        let mut r = json!({
            "resourceType": "Coverage",
            "meta": { "profile": [format!("{PAS}/profile-coverage")] },
            "status": "active",
            "subscriberId": p.member_id,
            "beneficiary": { "reference": patient },
            "payor": [{ "reference": insurer }],
        });
        let mut classes = Vec::new();
        if let Some(group) = &p.group_number {
            classes.push(json!({
                "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "group" }] },
                "value": group,
            }));
        }
        if let Some(plan) = &payer.plan_name {
            classes.push(json!({
                "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "plan" }] },
                "value": plan,
                "name": plan,
            }));
        }
        if !classes.is_empty() {
            r["class"] = Value::Array(classes);
        }
        if relationship == "self" && p.subscriber.as_ref().is_none_or(|s| s.name.is_none()) {
            r["subscriber"] = json!({ "reference": patient });
        }
        r
    }

    fn medication_request(&self, patient: &str, practitioner: &str) -> Value {
        let request = &self.intake.request;
        let therapy = match request.therapy {
            crate::intake::Therapy::EsketamineNasal => "esketamine nasal spray (Spravato)",
            crate::intake::Therapy::KetamineIv => "ketamine hydrochloride injection, intravenous infusion",
            crate::intake::Therapy::KetamineIm => "ketamine hydrochloride injection, intramuscular",
        };
        let mut concept = json!({ "text": therapy });
        let ndcs: Vec<Value> = request
            .services
            .iter()
            .filter_map(|s| s.ndc.as_ref())
            .map(|n| json!({ "system": NDC, "code": n.as_str() }))
            .collect();
        if !ndcs.is_empty() {
            concept["coding"] = Value::Array(ndcs);
        }
        let mut r = json!({
            "resourceType": "MedicationRequest",
            "meta": { "profile": [format!("{PAS}/profile-medicationrequest")] },
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": concept,
            "subject": { "reference": patient },
            "authoredOn": request.date.to_string(),
            "requester": { "reference": practitioner },
        });
        if let Some(text) = regimen_text(self.intake) {
            r["dosageInstruction"] = json!([{ "text": text }]);
        }
        r
    }

    fn document(&self, patient: &str, title: &str, attachment: Value) -> Value {
        json!({
            "resourceType": "DocumentReference",
            "meta": { "profile": [format!("{PAS}/profile-documentreference")] },
            "status": "current",
            "type": { "text": title },
            "subject": { "reference": patient },
            "date": format!("{}T00:00:00Z", self.intake.request.date),
            "description": title,
            "content": [{ "attachment": attachment }],
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn claim(
        &self,
        patient: &str,
        insurer: &str,
        requestor: &str,
        practitioner: &str,
        coverage: &str,
        medication: &str,
        documents: &[String],
    ) -> Value {
        let intake = self.intake;
        let request = &intake.request;
        let mut diagnoses: Vec<&crate::intake::Diagnosis> = intake.diagnoses.iter().collect();
        diagnoses.sort_by_key(|d| !d.primary.unwrap_or(false));
        let diagnosis: Vec<Value> = diagnoses
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let mut v = json!({
                    "sequence": i + 1,
                    "diagnosisCodeableConcept": { "coding": [{ "system": ICD10CM, "code": d.code.as_str() }] },
                });
                if let Some(on) = d.diagnosed_on {
                    v["extension"] = json!([{ "url": format!("{PAS}/extension-diagnosisRecordedDate"), "valueDate": on.to_string() }]);
                }
                v
            })
            .collect();
        let serviced = match request.regimen.as_ref().map(|r| (r.start, r.end)) {
            Some((Some(start), Some(end))) => {
                json!({ "servicedPeriod": { "start": start.to_string(), "end": end.to_string() } })
            }
            Some((Some(start), None)) => json!({ "servicedDate": start.to_string() }),
            _ => json!({ "servicedDate": request.treatment_start.unwrap_or(request.date).to_string() }),
        };
        let is_drug = |code: &str| {
            crate::reference::procedure(code).and_then(|p| p.role.as_deref()).is_some_and(|r| r.starts_with("drug"))
        };
        let items: Vec<Value> = request
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let code = s.code.as_str();
                let system = match crate::reference::procedure(code).map(|p| p.system.as_str()) {
                    Some("cpt") => CPT,
                    Some(_) => HCPCS,
                    None if code.bytes().all(|b| b.is_ascii_digit()) => CPT,
                    None => HCPCS,
                };
                let mut coding = vec![json!({ "system": system, "code": code })];
                if let Some(ndc) = &s.ndc {
                    coding.push(json!({ "system": NDC, "code": ndc.as_str() }));
                }
                let product = json!({ "coding": coding });
                let mut item = json!({
                    "sequence": i + 1,
                    "careTeamSequence": [1],
                    "diagnosisSequence": (1..=diagnosis.len()).collect::<Vec<_>>(),
                    "productOrService": product,
                    "quantity": { "value": s.units },
                });
                if !s.modifiers.is_empty() {
                    item["modifier"] = Value::Array(
                        s.modifiers.iter().map(|m| json!({ "coding": [{ "system": HCPCS, "code": m }] })).collect(),
                    );
                }
                if let Some(pos) = &request.place_of_service {
                    item["locationCodeableConcept"] = json!({ "coding": [{ "system": POS, "code": pos }] });
                }
                if let Value::Object(dates) = &serviced {
                    for (k, v) in dates {
                        item[k] = v.clone();
                    }
                }
                if is_drug(code) || s.ndc.is_some() {
                    item["extension"] = json!([{
                        "url": format!("{PAS}/extension-requestedService"),
                        "valueReference": { "reference": medication },
                    }]);
                }
                if diagnosis.is_empty() {
                    item.as_object_mut().map(|o| o.remove("diagnosisSequence"));
                }
                item
            })
            .collect();
        let supporting: Vec<Value> = documents
            .iter()
            .enumerate()
            .map(|(i, d)| {
                json!({
                    "sequence": i + 1,
                    "category": { "coding": [{
                        "system": "http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASSupportingInfoType",
                        "code": "additionalInformation",
                    }] },
                    "valueReference": { "reference": d },
                })
            })
            .collect();
        let professional = !matches!(request.benefit, Some(crate::intake::Benefit::Pharmacy));
        let mut claim = json!({
            "resourceType": "Claim",
            "meta": { "profile": [format!("{PAS}/profile-claim")] },
            "identifier": [{ "system": "urn:ietf:rfc:3986", "value": self.url("claim-identifier") }],
            "status": "active",
            "type": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                "code": if professional { "professional" } else { "pharmacy" },
            }] },
            "use": "preauthorization",
            "patient": { "reference": patient },
            "created": format!("{}T00:00:00Z", request.date),
            "insurer": { "reference": insurer },
            "provider": { "reference": requestor },
            "priority": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/processpriority",
                "code": if request.urgency == Some(Urgency::Expedited) { "stat" } else { "normal" },
            }] },
            "careTeam": [{ "sequence": 1, "provider": { "reference": practitioner } }],
            "insurance": [{ "sequence": 1, "focal": true, "coverage": { "reference": coverage } }],
            "item": items,
        });
        if !diagnosis.is_empty() {
            claim["diagnosis"] = Value::Array(diagnosis);
        }
        if !supporting.is_empty() {
            claim["supportingInfo"] = Value::Array(supporting);
        }
        claim
    }
}

fn credentials(c: Option<&str>) -> String {
    c.map(|c| format!(", {c}")).unwrap_or_default()
}

fn contacts(phone: Option<&str>, fax: Option<&str>) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(p) = phone {
        out.push(json!({ "system": "phone", "value": p }));
    }
    if let Some(f) = fax {
        out.push(json!({ "system": "fax", "value": f }));
    }
    out
}

fn address(a: &Address) -> Option<Value> {
    let lines: Vec<&String> = a.line1.iter().chain(&a.line2).collect();
    let mut v = Map::new();
    if !lines.is_empty() {
        v.insert("line".into(), json!(lines));
    }
    for (key, value) in [("city", &a.city), ("state", &a.state), ("postalCode", &a.postal_code)] {
        if let Some(x) = value {
            v.insert(key.into(), x.clone().into());
        }
    }
    (!v.is_empty()).then_some(Value::Object(v))
}

/// The plan in words: "56 mg, twice weekly, 8 sessions".
fn regimen_text(intake: &Intake) -> Option<String> {
    let r = intake.request.regimen.as_ref()?;
    let mut parts = Vec::new();
    if let Some(mg) = r.dose_mg {
        parts.push(crate::words::mg(mg));
    } else if let Some(per_kg) = r.dose_mg_per_kg {
        parts.push(format!("{} mg/kg", crate::words::num(per_kg)));
    }
    if let Some(minutes) = r.infusion_minutes {
        parts.push(format!("over {minutes} minutes"));
    }
    if let Some(f) = r.frequency {
        parts.push(crate::policy::serde_label(&f).replace('-', " "));
    }
    if let Some(n) = r.sessions {
        parts.push(format!("{n} sessions"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}
