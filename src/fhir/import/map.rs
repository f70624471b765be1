//! From FHIR resources to the intake's fields.
//!
//! US Core resources as an EHR or a patient-access API exports them: Patient,
//! Coverage, Practitioner, Organization, Condition (ICD-10-CM), the medication
//! resources (Request, Statement, Dispense), Observation (rating scales by LOINC
//! code or by name), Procedure (TMS, ECT) and DocumentReference (records). A
//! medicine is matched to the catalogue by name, as the intake names it; its
//! highest daily dose is worked out from each dosage (dose × frequency ÷ period).

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::Value;

use super::{Found, Imported, Index, MAX_RECORD_BYTES, NewRecord, Node};
use crate::check::Media;
use crate::date::Date;
use crate::intake::Therapy;
use crate::reference::{self, DrugMatch};

const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
const EIN: &str = "http://terminology.hl7.org/NamingSystem/USEIN";
const LOINC: &str = "http://loinc.org";

/// Resource types read; any other is reported.
const READ: &[&str] = &[
    "Patient",
    "Coverage",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Condition",
    "MedicationRequest",
    "MedicationStatement",
    "MedicationDispense",
    "Medication",
    "Observation",
    "Procedure",
    "DocumentReference",
];

fn from(labels: &[String]) -> Option<String> {
    (!labels.is_empty()).then(|| format!("from {}", labels.join(", ")))
}

fn one(f: &Found<'_>) -> Option<String> {
    from(&[f.label()])
}

/// The first 10 characters of a FHIR date or dateTime, when they are a full date.
fn day(v: &Value) -> Option<Date> {
    let s = v.as_str()?;
    s.get(..10).and_then(|d| Date::parse(d).ok())
}

/// A CodeableConcept's text and every coding's display, for matching by name.
fn names(cc: &Value) -> Vec<&str> {
    let mut out: Vec<&str> = cc.get("text").and_then(Value::as_str).into_iter().collect();
    for c in cc.get("coding").and_then(Value::as_array).into_iter().flatten() {
        out.extend(c.get("display").and_then(Value::as_str));
    }
    out
}

fn codes<'v>(cc: &'v Value, system: &str) -> Vec<&'v str> {
    cc.get("coding")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| c.get("system").and_then(Value::as_str) == Some(system))
        .filter_map(|c| c.get("code").and_then(Value::as_str))
        .collect()
}

fn normalise(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty())
}

/// The name to use of a HumanName list: `official` first, else the first.
fn human_name(names: Option<&Value>) -> Option<&Value> {
    let list = names?.as_array()?;
    list.iter().find(|n| n.get("use").and_then(Value::as_str) == Some("official")).or_else(|| list.first())
}

fn given(name: &Value) -> Option<String> {
    name.get("given")?.as_array()?.first()?.as_str().map(str::to_string)
}

fn family(name: &Value) -> Option<String> {
    name.get("family")?.as_str().map(str::to_string)
}

fn telecom<'v>(r: &'v Value, system: &str) -> Option<&'v str> {
    r.get("telecom")?
        .as_array()?
        .iter()
        .find(|t| t.get("system").and_then(Value::as_str) == Some(system))?
        .get("value")?
        .as_str()
}

fn identifier<'v>(r: &'v Value, system: &str) -> Option<&'v str> {
    r.get("identifier")?
        .as_array()?
        .iter()
        .find(|i| i.get("system").and_then(Value::as_str) == Some(system))?
        .get("value")?
        .as_str()
}

fn address(r: &Value) -> Option<Node> {
    let a = r.get("address")?.as_array()?.first()?;
    let mut node = Node::map();
    let lines: Vec<&str> =
        a.get("line").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    if let Some(l) = lines.first() {
        node.put("line1", *l, None);
    }
    if let Some(l) = lines.get(1) {
        node.put("line2", *l, None);
    }
    for (fhir, ours) in [("city", "city"), ("state", "state"), ("postalCode", "postal_code")] {
        if let Some(v) = a.get(fhir).and_then(Value::as_str) {
            node.put(ours, v, None);
        }
    }
    (!node.is_empty()).then_some(node)
}

/// One use of a medicine, from one resource.
struct Use<'a> {
    found: &'a Found<'a>,
    name: String,
    start: Option<Date>,
    end: Option<Date>,
    active: bool,
    mg_per_day: Option<f64>,
    reasons: Vec<String>,
    route: String,
}

/// What a medicine is to the request.
enum Drug {
    Catalogue(DrugMatch),
    Ketamine,
    Esketamine,
    Other,
}

fn match_drug(name: &str) -> Drug {
    let key = normalise(name);
    if key.contains("esketamine") || key.contains("spravato") {
        return Drug::Esketamine;
    }
    if key.contains("ketamine") || key.contains("ketalar") {
        return Drug::Ketamine;
    }
    if let Some(m) = reference::find_drug(name) {
        return Drug::Catalogue(m);
    }
    // "sertraline 100 MG Oral Tablet": the first word that names a catalogue drug.
    words(name).find_map(reference::find_drug).map_or(Drug::Other, Drug::Catalogue)
}

/// Milligrams a day from one Dosage: dose × frequency ÷ period, when the dose is a mass (mg, g, ug) and the timing is given.
fn mg_per_day(dosage: &Value) -> Option<f64> {
    let dose = dosage.get("doseAndRate")?.as_array()?.iter().find_map(|d| d.get("doseQuantity"))?;
    let unit = dose.get("code").or_else(|| dose.get("unit")).and_then(Value::as_str)?;
    // UCUM units of mass: a dose in g or micrograms is converted to mg.
    let per_mg = match unit {
        "mg" => 1.0,
        "g" => 1000.0,
        "ug" | "mcg" => 0.001,
        _ => return None,
    };
    let value = dose.get("value")?.as_f64()? * per_mg;
    let repeat = dosage.get("timing")?.get("repeat")?;
    let frequency = repeat.get("frequency").and_then(Value::as_f64).unwrap_or(1.0);
    let period = repeat.get("period").and_then(Value::as_f64).unwrap_or(1.0);
    let days = match repeat.get("periodUnit").and_then(Value::as_str).unwrap_or("d") {
        "h" => period / 24.0,
        "d" => period,
        "wk" => period * 7.0,
        "mo" => period * 30.0,
        _ => return None,
    };
    (days > 0.0).then(|| value * frequency / days)
}

fn route(dosages: &[&Value]) -> String {
    dosages.iter().filter_map(|d| d.get("route")).flat_map(names).collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The medicine's name: its concept, or the Medication it references.
fn medication_name(r: &Value, index: &Index<'_>) -> Option<String> {
    let concept = match r.get("medicationCodeableConcept") {
        Some(cc) => cc,
        None => &index.get(r.get("medicationReference")?)?.resource["code"],
    };
    names(concept).first().map(|s| s.to_string())
}

fn reasons(r: &Value, index: &Index<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for cc in r.get("reasonCode").and_then(Value::as_array).into_iter().flatten() {
        out.extend(codes(cc, ICD10CM).into_iter().map(str::to_string));
    }
    for reference in r.get("reasonReference").and_then(Value::as_array).into_iter().flatten() {
        if let Some(c) = index.get(reference) {
            out.extend(codes(&c.resource["code"], ICD10CM).into_iter().map(str::to_string));
        }
    }
    out
}

fn medication_use<'a>(f: &'a Found<'a>, index: &Index<'_>) -> Option<Use<'a>> {
    let r = f.resource;
    let name = medication_name(r, index)?;
    let status = r.get("status").and_then(Value::as_str).unwrap_or("");
    if matches!(status, "entered-in-error" | "not-taken" | "cancelled" | "declined" | "intended" | "draft") {
        return None;
    }
    // A proposal or plan is a medicine considered, not one taken.
    if matches!(r.get("intent").and_then(Value::as_str), Some("proposal" | "plan")) {
        return None;
    }
    let as_list = |key: &str| -> Vec<&Value> { r.get(key).and_then(Value::as_array).into_iter().flatten().collect() };
    let (start, end, active, dosages) = match f.kind() {
        "MedicationStatement" => {
            let period = r.get("effectivePeriod");
            let start = period.and_then(|p| p.get("start")).or_else(|| r.get("effectiveDateTime")).and_then(day);
            let end = period.and_then(|p| p.get("end")).and_then(day);
            (start, end, status == "active" && end.is_none(), as_list("dosage"))
        }
        "MedicationRequest" => {
            let validity = r.get("dispenseRequest").and_then(|d| d.get("validityPeriod"));
            let start = validity.and_then(|p| p.get("start")).or_else(|| r.get("authoredOn")).and_then(day);
            let end = validity.and_then(|p| p.get("end")).and_then(day);
            (start, end, status == "active", as_list("dosageInstruction"))
        }
        _ => {
            let start = r.get("whenHandedOver").and_then(day);
            let supply = r.get("daysSupply").and_then(|q| q.get("value")).and_then(Value::as_f64);
            let end = start.zip(supply).map(|(s, d)| s.add_days(d as i64));
            (start, end, false, as_list("dosageInstruction"))
        }
    };
    let mg =
        dosages.iter().filter_map(|d| mg_per_day(d)).fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    Some(Use { found: f, name, start, end, active, mg_per_day: mg, reasons: reasons(r, index), route: route(&dosages) })
}

/// Maps the resources read onto a starter intake.
pub(super) fn map(found: &[Found<'_>]) -> Imported {
    let index = Index::of(found);
    let mut unmapped = Vec::new();
    for f in found.iter().filter(|f| !READ.contains(&f.kind())) {
        unmapped.push(format!("{}: authpack has no field for {}", f.label(), crate::words::a(f.kind())));
    }

    // People and plan. A resource about another patient in the same export is reported, never merged.
    let patient = found.iter().find(|f| f.kind() == "Patient");
    let about_another = |f: &Found<'_>| {
        ["subject", "patient", "beneficiary"]
            .iter()
            .filter_map(|k| f.resource.get(*k))
            .any(|r| index.get(r).is_some_and(|p| p.kind() == "Patient" && patient.is_none_or(|x| !std::ptr::eq(p, x))))
    };
    for f in found.iter().filter(|f| about_another(f)) {
        unmapped.push(format!(
            "{}: about another patient; the intake is for {}",
            f.label(),
            patient.map(Found::label).unwrap_or_default()
        ));
    }
    let of = move |kind: &'static str| found.iter().filter(move |f| f.kind() == kind && !about_another(f));
    for extra in of("Patient").skip(1) {
        unmapped.push(format!(
            "{}: a second Patient; the intake is for {}",
            extra.label(),
            patient.map(Found::label).unwrap_or_default()
        ));
    }
    let coverage = of("Coverage").find(|c| c.resource.get("status").and_then(Value::as_str) != Some("cancelled"));
    for extra in of("Coverage").filter(|c| coverage.is_some_and(|k| !std::ptr::eq(*c, k))) {
        unmapped.push(format!(
            "{}: another coverage; the intake is for {}",
            extra.label(),
            coverage.map(Found::label).unwrap_or_default()
        ));
    }
    let payer_org = coverage
        .and_then(|c| c.resource.get("payor")?.as_array()?.first())
        .and_then(|p| index.get(p).filter(|o| o.kind() == "Organization"));

    // Medicines.
    let uses: Vec<Use<'_>> = found
        .iter()
        .filter(|f| matches!(f.kind(), "MedicationRequest" | "MedicationStatement" | "MedicationDispense"))
        .filter(|f| !about_another(f))
        .filter_map(|f| {
            let u = medication_use(f, &index);
            if u.is_none() {
                unmapped.push(format!("{}: no medicine named, or not taken (yet)", f.label()));
            }
            u
        })
        .collect();
    // The therapy requested: the active ketamine-family order, else the latest; a finished course is history.
    let therapy_use = uses
        .iter()
        .filter(|u| matches!(match_drug(&u.name), Drug::Ketamine | Drug::Esketamine))
        .max_by_key(|u| (u.active, u.start));
    let therapy = therapy_use.and_then(|u| match match_drug(&u.name) {
        Drug::Esketamine => Some(Therapy::EsketamineNasal),
        _ if u.route.contains("intravenous") => Some(Therapy::KetamineIv),
        _ if u.route.contains("intramuscular") => Some(Therapy::KetamineIm),
        _ => None,
    });
    let prescriber = therapy_use
        .and_then(|u| u.found.resource.get("requester"))
        .and_then(|r| index.get(r))
        .and_then(|p| match p.kind() {
            "PractitionerRole" => p.resource.get("practitioner").and_then(|r| index.get(r)),
            _ => Some(p),
        })
        .filter(|p| p.kind() == "Practitioner")
        .or_else(|| of("Practitioner").next());
    let practice = of("PractitionerRole")
        .find(|r| {
            r.resource
                .get("practitioner")
                .and_then(|p| index.get(p))
                .is_some_and(|p| prescriber.is_some_and(|x| std::ptr::eq(p, x)))
        })
        .and_then(|r| r.resource.get("organization").and_then(|o| index.get(o)))
        .or_else(|| of("Organization").find(|o| payer_org.is_none_or(|p| !std::ptr::eq(*o, p))));

    let mut root = Node::map();
    root.put("authpack", 1, None);
    root.set("request", request(therapy, therapy_use), None);
    root.set("patient", patient_node(patient, coverage, therapy), patient.and_then(one));
    root.set("payer", payer_node(coverage, payer_org), coverage.and_then(one));
    root.set("prescriber", prescriber_node(prescriber, practice, therapy), prescriber.and_then(one));

    let (diagnoses, diagnosis_codes) = diagnoses(of("Condition"), &mut unmapped);
    root.set("diagnoses", Node::Seq(diagnoses), None);
    let mut episode = Node::map();
    episode
        .fill("start", "the date this episode of depression began (YYYY-MM-DD): FHIR records diagnoses, not episodes");
    episode.fill("psychotic_features", "true or false: whether this episode has psychotic features");
    root.set("current_episode", episode, None);
    root.set("treatment_history", history(&uses, &diagnosis_codes, of("Procedure"), &mut unmapped), None);
    root.set("assessments", Node::Seq(assessments(of("Observation"), &index, &mut unmapped)), None);
    let mut safety = Node::map();
    safety.fill(
        "contraindications",
        "the label's contraindications, each true or false: {aneurysmal_vascular_disease, arteriovenous_malformation, intracerebral_hemorrhage, hypersensitivity}",
    );
    root.set("safety", safety, None);
    let (attachments, records) = attachments(of("DocumentReference"), &mut unmapped);
    if !attachments.is_empty() {
        root.set("attachments", Node::Seq(attachments), None);
    }
    // Observations, Conditions and Procedures that were read but carried nothing usable were reported above.
    if let Node::Map(fields) = &mut root {
        fields.retain(|f| !f.value.is_empty() || f.key == "diagnoses");
    }
    Imported { intake: root, records, unmapped }
}

fn request(therapy: Option<Therapy>, from_use: Option<&Use<'_>>) -> Node {
    let mut r = Node::map();
    r.fill("kind", "initial | continuation | appeal | claim");
    match therapy {
        Some(t) => r.put("therapy", crate::policy::serde_label(&t), from_use.and_then(|u| one(u.found))),
        None => r.fill("therapy", "esketamine-nasal | ketamine-iv | ketamine-im"),
    }
    r.fill("indication", "trd | mdsi | depression | ptsd | chronic-pain | other");
    r.fill("date", "the request date (YYYY-MM-DD); letters are dated with it");
    r
}

fn patient_node(patient: Option<&Found<'_>>, coverage: Option<&Found<'_>>, therapy: Option<Therapy>) -> Node {
    let mut p = Node::map();
    let r = patient.map(|f| f.resource).unwrap_or(&Value::Null);
    let name = human_name(r.get("name"));
    match name.and_then(given) {
        Some(g) => p.put("first_name", g, None),
        None => p.fill("first_name", "the patient's first name, as the plan has it"),
    }
    match name.and_then(family) {
        Some(f) => p.put("last_name", f, None),
        None => p.fill("last_name", "the patient's last name, as the plan has it"),
    }
    match r.get("birthDate").and_then(day) {
        Some(d) => p.put("date_of_birth", d.to_string(), None),
        None => p.fill("date_of_birth", "YYYY-MM-DD"),
    }
    if let Some(g) = r.get("gender").and_then(Value::as_str) {
        p.put("sex", g, None);
    }
    let c = coverage.map(|f| f.resource).unwrap_or(&Value::Null);
    let member = c.get("subscriberId").and_then(Value::as_str).or_else(|| {
        c.get("identifier")?
            .as_array()?
            .iter()
            .find(|i| codes(&i["type"], "http://terminology.hl7.org/CodeSystem/v2-0203").contains(&"MB"))?
            .get("value")?
            .as_str()
    });
    match member {
        Some(m) => p.put("member_id", m, coverage.and_then(one)),
        None => p.fill("member_id", "the member ID on the plan's card"),
    }
    let class = |kind: &str| {
        c.get("class")?
            .as_array()?
            .iter()
            .find(|k| codes(&k["type"], "http://terminology.hl7.org/CodeSystem/coverage-class").contains(&kind))
    };
    if let Some(group) = class("group").and_then(|g| g.get("value")).and_then(Value::as_str) {
        p.put("group_number", group, coverage.and_then(one));
    }
    if let Some(rel) = c
        .get("relationship")
        .and_then(|r| codes(r, "http://terminology.hl7.org/CodeSystem/subscriber-relationship").first().copied())
    {
        let ours = match rel {
            "self" => "self",
            "spouse" | "common" => "spouse",
            "child" => "child",
            _ => "other",
        };
        let mut s = Node::map();
        s.put("relationship", ours, coverage.and_then(one));
        p.set("subscriber", s, None);
    }
    if let Some(a) = address(r) {
        p.set("address", a, None);
    }
    if let Some(phone) = telecom(r, "phone") {
        p.put("phone", phone, None);
    }
    if therapy.is_none_or(|t| t == Therapy::EsketamineNasal) {
        p.fill(
            "rems_enrolled",
            "true | false | pending: the patient's enrollment in the SPRAVATO REMS (esketamine only; delete otherwise)",
        );
    }
    p
}

fn payer_node(coverage: Option<&Found<'_>>, org: Option<&Found<'_>>) -> Node {
    let mut p = Node::map();
    let c = coverage.map(|f| f.resource).unwrap_or(&Value::Null);
    let name = org
        .and_then(|o| o.resource.get("name").and_then(Value::as_str))
        .or_else(|| c.get("payor")?.as_array()?.first()?.get("display")?.as_str());
    match name {
        Some(n) => p.put("name", n, org.and_then(one).or_else(|| coverage.and_then(one))),
        None => p.fill("name", "the plan's name, as on the card"),
    }
    let plan = c
        .get("class")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|k| codes(&k["type"], "http://terminology.hl7.org/CodeSystem/coverage-class").contains(&"plan"));
    if let Some(n) = plan.and_then(|k| k.get("name").or_else(|| k.get("value"))).and_then(Value::as_str) {
        p.put("plan_name", n, coverage.and_then(one));
    }
    p.fill("plan_type", "hmo | ppo | epo | pos | hdhp | medicare-advantage | medicare-part-d | medicare | medicaid | medicaid-managed-care | marketplace");
    p.fill(
        "funding",
        "fully-insured | self-funded | government | unknown: which appeal rules apply (ERISA, ACA, Medicare, Medicaid)",
    );
    p
}

fn prescriber_node(prescriber: Option<&Found<'_>>, practice: Option<&Found<'_>>, therapy: Option<Therapy>) -> Node {
    let mut p = Node::map();
    let r = prescriber.map(|f| f.resource).unwrap_or(&Value::Null);
    let name = human_name(r.get("name"));
    match name.and_then(given) {
        Some(g) => p.put("first_name", g, None),
        None => p.fill("first_name", "the prescriber's first name"),
    }
    match name.and_then(family) {
        Some(f) => p.put("last_name", f, None),
        None => p.fill("last_name", "the prescriber's last name"),
    }
    let suffix = name.and_then(|n| n.get("suffix")?.as_array()?.first()?.as_str());
    let qualification =
        r.get("qualification").and_then(Value::as_array).and_then(|q| q.first()).and_then(|q| q.get("code")).and_then(
            |c| names(c).first().copied().or_else(|| c.get("coding")?.as_array()?.first()?.get("code")?.as_str()),
        );
    if let Some(c) = suffix.or(qualification) {
        p.put("credentials", c, None);
    }
    match identifier(r, NPI) {
        Some(npi) => p.put("npi", npi, None),
        None => p.fill("npi", "the prescriber's 10-digit NPI"),
    }
    let org = practice.map(|f| f.resource);
    if let Some(tin) = org.and_then(|o| identifier(o, EIN)) {
        p.put("tax_id", tin, practice.and_then(one));
    }
    if therapy.is_none_or(|t| t == Therapy::EsketamineNasal) {
        p.fill(
            "rems_enrolled",
            "true or false: the prescriber's SPRAVATO REMS enrollment (esketamine only; delete otherwise)",
        );
    }
    if let Some(o) = org {
        let mut x = Node::map();
        if let Some(n) = o.get("name").and_then(Value::as_str) {
            x.put("name", n, None);
        }
        if let Some(a) = address(o) {
            x.set("address", a, None);
        }
        if let Some(v) = telecom(o, "phone") {
            x.put("phone", v, None);
        }
        if let Some(v) = telecom(o, "fax") {
            x.put("fax", v, None);
        }
        if !x.is_empty() {
            p.set("practice", x, practice.and_then(one));
        }
    }
    p
}

fn diagnoses<'a>(
    conditions: impl Iterator<Item = &'a Found<'a>>,
    unmapped: &mut Vec<String>,
) -> (Vec<Node>, Vec<String>) {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for c in conditions {
        let r = c.resource;
        let clinical = r
            .get("clinicalStatus")
            .map(|s| codes(s, "http://terminology.hl7.org/CodeSystem/condition-clinical"))
            .unwrap_or_default();
        let verification = r
            .get("verificationStatus")
            .map(|s| codes(s, "http://terminology.hl7.org/CodeSystem/condition-ver-status"))
            .unwrap_or_default();
        if clinical.iter().any(|s| matches!(*s, "inactive" | "resolved" | "remission"))
            || verification.iter().any(|s| matches!(*s, "refuted" | "entered-in-error"))
        {
            unmapped.push(format!("{}: not active, so not a diagnosis of this request", c.label()));
            continue;
        }
        if verification.iter().any(|s| matches!(*s, "differential" | "provisional" | "unconfirmed")) {
            unmapped.push(format!("{}: not confirmed, so not a diagnosis of this request", c.label()));
            continue;
        }
        let Some(code) = r.get("code").map(|cc| codes(cc, ICD10CM)).and_then(|c| c.first().copied()) else {
            unmapped.push(format!("{}: no ICD-10-CM code (authpack reads diagnoses as ICD-10-CM)", c.label()));
            continue;
        };
        if seen.iter().any(|s: &String| s == code) {
            unmapped.push(format!("{}: {code} again", c.label()));
            continue;
        }
        let mut d = Node::map();
        d.put("code", code, one(c));
        if out.is_empty() {
            d.put("primary", true, Some("the export's first active diagnosis: check it is the one treated".into()));
        }
        if let Some(on) = r.get("onsetDateTime").or_else(|| r.get("recordedDate")).and_then(day) {
            d.put("diagnosed_on", on.to_string(), None);
        }
        seen.push(code.to_string());
        out.push(d);
    }
    (out, seen)
}

/// Uses of one medicine, grouped.
struct Course<'a, 'b> {
    name: String,
    drug: Option<DrugMatch>,
    uses: Vec<&'b Use<'a>>,
}

fn history<'a>(
    uses: &[Use<'a>],
    diagnosis_codes: &[String],
    procedures: impl Iterator<Item = &'a Found<'a>>,
    unmapped: &mut Vec<String>,
) -> Node {
    let mut courses: BTreeMap<String, Course<'a, '_>> = BTreeMap::new();
    for u in uses {
        let drug = match match_drug(&u.name) {
            Drug::Catalogue(m) => Some(m),
            // The requested therapy is the request, not its history.
            Drug::Ketamine | Drug::Esketamine => continue,
            Drug::Other => None,
        };
        let name = match drug {
            Some(DrugMatch::Antidepressant(d)) => d.generic.clone(),
            Some(DrugMatch::Augmentation(d)) => d.generic.clone(),
            // "amlodipine 5 MG oral tablet": the words before the strength.
            None => {
                let words: Vec<&str> =
                    u.name.split_whitespace().take_while(|w| !w.starts_with(|c: char| c.is_ascii_digit())).collect();
                if words.is_empty() { u.name.clone() } else { words.join(" ") }
            }
        };
        courses.entry(normalise(&name)).or_insert_with(|| Course { name, drug, uses: Vec::new() }).uses.push(u);
    }
    let mut courses: Vec<Course<'a, '_>> = courses.into_values().collect();
    courses.sort_by_key(|c| (c.uses.iter().filter_map(|u| u.start).min(), c.name.clone()));

    let mut antidepressants = Vec::new();
    let mut augmentations = Vec::new();
    let mut current = Vec::new();
    for c in &courses {
        let labels: Vec<String> = c.uses.iter().map(|u| u.found.label()).collect();
        let start = c.uses.iter().filter_map(|u| u.start).min();
        let active = c.uses.iter().any(|u| u.active);
        let end = if active { None } else { c.uses.iter().filter_map(|u| u.end).max() };
        let max =
            c.uses.iter().filter_map(|u| u.mg_per_day).fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
        let reasons: Vec<&String> = c.uses.iter().flat_map(|u| &u.reasons).collect();
        // Given for another condition (trazodone for sleep): a medicine taken, not a trial for this
        // depression. A mood-disorder code (F30-F39) or the primary diagnosis makes it one.
        let for_mood = |r: &&String| r.starts_with("F3") || diagnosis_codes.first() == Some(*r);
        let other_reason = !reasons.is_empty() && !reasons.iter().any(for_mood);
        let trial = c.drug.is_some() && !other_reason;
        if trial {
            let mut t = Node::map();
            let is_antidepressant = matches!(c.drug, Some(DrugMatch::Antidepressant(_)));
            t.put(if is_antidepressant { "drug" } else { "agent" }, c.name.as_str(), from(&labels));
            match max {
                Some(mg) => t.put("max_dose_mg", round(mg), Some("the highest daily dose among the dosages".into())),
                None => t.fill(
                    "max_dose_mg",
                    "the highest daily dose reached, in mg: no dosage in mg with its timing was recorded",
                ),
            }
            if let Some(DrugMatch::Antidepressant(d)) = c.drug
                && let (Some(min), Some(start)) = (d.min_adequate_mg, start)
                && let Some(from) =
                    c.uses.iter().filter(|u| u.mg_per_day.is_some_and(|mg| mg >= min)).filter_map(|u| u.start).min()
                && from > start
            {
                t.put(
                    "adequate_dose_from",
                    from.to_string(),
                    Some(format!("the first dosage of at least {} a day", crate::words::mg(min))),
                );
            }
            match start {
                Some(s) => t.put("start", s.to_string(), None),
                None => t.fill("start", "when it was started (YYYY-MM-DD)"),
            }
            match end {
                Some(e) => t.put("end", e.to_string(), None),
                None if active => {}
                None => t.fill("end", "when it was stopped (YYYY-MM-DD): the record says it ended, not when"),
            }
            if is_antidepressant {
                t.fill(
                    "adherence",
                    "good | partial | poor | unknown: FHIR records prescriptions, not how they were taken",
                );
            }
            t.fill(
                "outcome",
                "no-response | partial-response | intolerance | relapse | response: FHIR does not say how a trial went",
            );
            if is_antidepressant {
                t.fill(
                    "improvement_percent",
                    "the improvement in percent on a rating scale, if known; delete the line if not",
                );
            }
            if is_antidepressant { antidepressants.push(t) } else { augmentations.push(t) }
        } else if c.drug.is_none() && !active {
            unmapped.push(format!(
                "{}: {} is not an antidepressant or augmentation agent authpack knows",
                labels.join(", "),
                crate::diag::shown(&c.name)
            ));
        } else if other_reason && !active {
            unmapped.push(format!(
                "{}: given for another condition, so not a trial for this depression",
                labels.join(", ")
            ));
        }
        if active {
            let latest = c.uses.iter().filter(|u| u.mg_per_day.is_some()).max_by_key(|u| u.start);
            let mut m = Node::map();
            m.put("drug", c.name.as_str(), from(&labels));
            if let Some(mg) = latest.and_then(|u| u.mg_per_day) {
                m.put("dose_mg", round(mg), None);
            }
            if let Some(s) = start {
                m.put("since", s.to_string(), None);
            }
            let role = match c.drug {
                Some(DrugMatch::Antidepressant(_)) if trial => "oral-antidepressant",
                Some(DrugMatch::Augmentation(_)) if trial => "augmentation",
                _ => "other",
            };
            m.put("role", role, None);
            current.push(m);
        }
    }
    // Oral antidepressants and augmentation first (as the trials run), then the rest.
    current.sort_by_key(|m| !matches!(m.get("role"), Some(Node::Value(Value::String(r))) if r != "other"));
    let mut h = Node::map();
    if !antidepressants.is_empty() {
        h.set("antidepressants", Node::Seq(antidepressants), None);
    }
    if !augmentations.is_empty() {
        h.set("augmentations", Node::Seq(augmentations), None);
    }
    let neuromodulation = neuromodulation(procedures, unmapped);
    if !neuromodulation.is_empty() {
        h.set("neuromodulation", Node::Seq(neuromodulation), None);
    }
    if !current.is_empty() {
        h.set("current_medications", Node::Seq(current), None);
    }
    h
}

fn round(mg: f64) -> Value {
    let r = (mg * 100.0).round() / 100.0;
    if r.fract() == 0.0 { Value::from(r as i64) } else { Value::from(r) }
}

/// A run of TMS or ECT Procedures of one kind, done or not done.
struct Series {
    kind: &'static str,
    done: bool,
    labels: Vec<String>,
    start: Option<Date>,
    end: Option<Date>,
    count: u32,
    reason: Option<String>,
}

fn neuromodulation<'a>(procedures: impl Iterator<Item = &'a Found<'a>>, unmapped: &mut Vec<String>) -> Vec<Node> {
    let mut series: Vec<Series> = Vec::new();
    for p in procedures {
        let r = p.resource;
        let text = r.get("code").map(names).unwrap_or_default().join(" ").to_lowercase();
        let kind = if text.contains("transcranial magnetic") || words(&text).any(|w| w == "tms" || w == "rtms") {
            "tms"
        } else if text.contains("electroconvulsive") || words(&text).any(|w| w == "ect") {
            "ect"
        } else {
            unmapped.push(format!("{}: not TMS or ECT", p.label()));
            continue;
        };
        let status = r.get("status").and_then(Value::as_str).unwrap_or("");
        if status == "entered-in-error" {
            continue;
        }
        if matches!(status, "preparation" | "unknown") {
            unmapped.push(format!("{}: not performed yet, or not known to be", p.label()));
            continue;
        }
        let done = status != "not-done";
        let performed = r.get("performedPeriod");
        let start = performed.and_then(|x| x.get("start")).or_else(|| r.get("performedDateTime")).and_then(day);
        let end = performed.and_then(|x| x.get("end")).and_then(day).or(start);
        let reason = match done {
            false => r.get("statusReason").and_then(|s| names(s).first().map(|s| s.to_string())),
            true => r.get("note").and_then(|n| n.get(0)?.get("text")?.as_str()).map(str::to_string),
        };
        match series.iter_mut().find(|s| s.kind == kind && s.done == done) {
            Some(s) => {
                s.labels.push(p.label());
                s.start = match (s.start, start) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                s.end = s.end.max(end);
                s.count += 1;
                s.reason = s.reason.take().or(reason);
            }
            None => series.push(Series { kind, done, labels: vec![p.label()], start, end, count: 1, reason }),
        }
    }
    series
        .into_iter()
        .map(|s| {
            let mut n = Node::map();
            n.put("kind", s.kind, from(&s.labels));
            if s.done {
                n.put("status", "completed", None);
                if let Some(d) = s.start {
                    n.put("start", d.to_string(), None);
                }
                if let Some(d) = s.end {
                    n.put("end", d.to_string(), None);
                }
                if s.count > 1 {
                    n.put("sessions", s.count, Some("one Procedure a session".into()));
                }
                if let Some(r) = s.reason {
                    n.put("reason", r, None);
                }
                n.fill("outcome", "no-response | partial-response | intolerance | relapse | response");
            } else {
                n.fill("status", "declined | contraindicated | unavailable: the record says it was not done");
                if let Some(r) = s.reason {
                    n.put("reason", r, None);
                }
            }
            n
        })
        .collect()
}

fn assessments<'a>(
    observations: impl Iterator<Item = &'a Found<'a>>,
    index: &Index<'_>,
    unmapped: &mut Vec<String>,
) -> Vec<Node> {
    let mut dated: Vec<(Date, Node)> = Vec::new();
    for o in observations {
        let r = o.resource;
        if matches!(r.get("status").and_then(Value::as_str), Some("entered-in-error" | "cancelled")) {
            continue;
        }
        let code = &r["code"];
        let loinc = codes(code, LOINC);
        let by_code = reference::instruments().iter().find(|i| i.loinc.as_deref().is_some_and(|l| loinc.contains(&l)));
        let by_name = || {
            names(code).into_iter().find_map(|n| {
                let key = normalise(n);
                // The name itself, or its short form as the first word: "PHQ-9 total score", not "PHQ-9 item 9".
                let first = words(n).next().map(normalise).unwrap_or_default();
                let item = words(n).any(|w| w.eq_ignore_ascii_case("item") || w.eq_ignore_ascii_case("question"));
                reference::instruments()
                    .iter()
                    .find(|i| !item && (first == normalise(&i.short) || key == normalise(&i.name)))
            })
        };
        let Some(instrument) = by_code.or_else(by_name) else {
            unmapped.push(format!("{}: not a rating scale authpack reads", o.label()));
            continue;
        };
        let Some(date) = r
            .get("effectiveDateTime")
            .or_else(|| r.get("effectivePeriod").and_then(|p| p.get("start")))
            .or_else(|| r.get("issued"))
            .and_then(day)
        else {
            unmapped.push(format!("{}: {} without a date", o.label(), instrument.short));
            continue;
        };
        let mut a = Node::map();
        a.put("instrument", crate::policy::serde_label(&instrument.id), one(o));
        let number =
            r.get("valueInteger").and_then(Value::as_u64).or_else(|| r.get("valueQuantity")?.get("value")?.as_u64());
        let risk = r.get("valueCodeableConcept").map(names).and_then(|n| {
            n.iter().find_map(|t| {
                let t = t.to_lowercase();
                let has = |w: &str| words(&t).any(|x| x == w);
                match () {
                    _ if has("high") => Some("high"),
                    _ if has("moderate") => Some("moderate"),
                    _ if has("low") => Some("low"),
                    _ => None,
                }
            })
        });
        match (instrument.kind.as_str(), number, risk) {
            ("risk-level", _, Some(level)) => a.put("risk", level, None),
            (_, Some(n), _) => a.put("score", n, None),
            _ => {
                unmapped.push(format!("{}: {} without a score authpack can read", o.label(), instrument.short));
                continue;
            }
        }
        a.put("date", date.to_string(), None);
        let rater = r
            .get("performer")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| index.get(p))
            .find(|p| p.kind() == "Practitioner");
        if let Some(p) = rater.and_then(|p| human_name(p.resource.get("name"))) {
            let suffix = p.get("suffix").and_then(Value::as_array).and_then(|s| s.first()).and_then(Value::as_str);
            let name = format!("{} {}", given(p).unwrap_or_default(), family(p).unwrap_or_default());
            a.put(
                "rater",
                match suffix {
                    Some(s) => format!("{}, {s}", name.trim()),
                    None => name.trim().to_string(),
                },
                None,
            );
        }
        dated.push((date, a));
    }
    dated.sort_by_key(|(d, _)| *d);
    dated.into_iter().map(|(_, a)| a).collect()
}

fn attachments<'a>(
    documents: impl Iterator<Item = &'a Found<'a>>,
    unmapped: &mut Vec<String>,
) -> (Vec<Node>, Vec<NewRecord>) {
    let mut nodes = Vec::new();
    let mut records: Vec<NewRecord> = Vec::new();
    for d in documents {
        let r = d.resource;
        if matches!(r.get("status").and_then(Value::as_str), Some("entered-in-error" | "superseded")) {
            continue;
        }
        for (i, content) in r.get("content").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let a = &content["attachment"];
            let Some(data) = a.get("data").and_then(Value::as_str) else {
                unmapped.push(format!(
                    "{} content {i}: no inline data (only a link): download the document and add it to attachments",
                    d.label()
                ));
                continue;
            };
            if data.len() / 4 * 3 > MAX_RECORD_BYTES + 3 {
                unmapped.push(format!("{} content {i}: larger than {} MiB", d.label(), MAX_RECORD_BYTES >> 20));
                continue;
            }
            let cleaned: String = data.chars().filter(|c| !c.is_whitespace()).collect();
            let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(cleaned.as_bytes()) else {
                unmapped.push(format!("{} content {i}: its data is not base64", d.label()));
                continue;
            };
            let media = Media::sniff(&bytes[..bytes.len().min(64)]);
            let said = a.get("contentType").and_then(Value::as_str).unwrap_or("");
            let extension = match media {
                Media::Pdf => "pdf",
                Media::Png => "png",
                Media::Jpeg => "jpg",
                _ => {
                    unmapped.push(format!("{} content {i}: not a PDF, PNG or JPEG by its content", d.label()));
                    continue;
                }
            };
            if !said.is_empty() && said.split(';').next().is_some_and(|t| t.trim() != media.media_type()) {
                unmapped.push(format!(
                    "{} content {i}: says {} but holds {}",
                    d.label(),
                    crate::diag::shown(said),
                    media.media_type()
                ));
                continue;
            }
            let title = a
                .get("title")
                .or_else(|| r.get("description"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| r.get("type").map(names).and_then(|n| n.first().map(|s| s.to_string())))
                .unwrap_or_else(|| format!("Record {}", records.len() + 1));
            let stem = crate::files::slug(&title);
            let mut file = format!("records/{stem}.{extension}");
            let mut n = 2;
            while records.iter().any(|x| x.file == file) {
                file = format!("records/{stem}-{n}.{extension}");
                n += 1;
            }
            let mut node = Node::map();
            node.put("file", file.as_str(), one(d));
            node.put("title", title, None);
            nodes.push(node);
            records.push(NewRecord { file, bytes });
        }
    }
    (nodes, records)
}
