//! Validation of a whole bundle: every resource against the R4 schema, every
//! reference resolved inside the bundle, and for a PAS request the rules of the
//! Da Vinci PAS profiles that the schema cannot express.
//!
//! The PAS rules below are those of the profiles authpack writes, as the IG's
//! FSH states them (HL7/davinci-pas, input/fsh: Bundle.fsh PASRequestBundle;
//! Claim.fsh PASClaim; Coverage.fsh PASCoverage; Organization.fsh PASInsurer and
//! PASRequestor; Patient.fsh PASBeneficiary on US Core Patient), with the base
//! R4 cardinalities they rest on (Claim.type, patient, created, provider,
//! priority, insurance and item.productOrService are 1..1 in R4 Claim).

use std::collections::HashMap;

use serde_json::Value;

use super::{Problem, schema};

/// What an element must be.
enum Need {
    /// Present and not empty.
    Present,
    /// Exactly one item (an array of length 1).
    One,
    /// Equal to this JSON value.
    Is(Value),
    /// A reference resolving, inside the bundle, to one of these resource types.
    RefTo(&'static [&'static str]),
    /// Absent.
    Absent,
    /// A full date, `YYYY-MM-DD` (PAS's FullDateRule).
    FullDate,
}

/// One rule: on resources of a type, an element (dotted; `[]` steps into every
/// item of an array), what it must be, and the profile that says so.
struct Rule {
    on: &'static str,
    element: &'static str,
    need: Need,
    profile: &'static str,
}

fn rules() -> Vec<Rule> {
    use Need::*;
    let r = |on, element, need, profile| Rule { on, element, need, profile };
    let bool_true = || Is(Value::Bool(true));
    vec![
        r("Bundle", "identifier", Present, "PAS Request Bundle"),
        r("Bundle", "type", Is("collection".into()), "PAS Request Bundle"),
        r("Bundle", "timestamp", Present, "PAS Request Bundle"),
        r("Bundle", "entry", Present, "PAS Request Bundle"),
        r("Bundle", "entry[].fullUrl", Present, "PAS Request Bundle"),
        r("Bundle", "entry[].resource", Present, "PAS Request Bundle"),
        r("Bundle", "entry[].search", Absent, "PAS Request Bundle"),
        r("Bundle", "entry[].request", Absent, "PAS Request Bundle"),
        r("Bundle", "entry[].response", Absent, "PAS Request Bundle"),
        r("Claim", "identifier", One, "PAS Claim"),
        r("Claim", "status", Is("active".into()), "PAS Claim"),
        r("Claim", "type", Present, "R4 Claim"),
        r("Claim", "use", Is("preauthorization".into()), "PAS Claim"),
        r("Claim", "patient", RefTo(&["Patient"]), "PAS Claim"),
        r("Claim", "created", Present, "R4 Claim"),
        r("Claim", "insurer", RefTo(&["Organization"]), "PAS Claim"),
        r("Claim", "provider", RefTo(&["Organization"]), "PAS Claim"),
        r("Claim", "priority", Present, "R4 Claim"),
        r("Claim", "careTeam[].sequence", Present, "R4 Claim"),
        r("Claim", "careTeam[].provider", RefTo(&["Practitioner", "Organization"]), "PAS Claim"),
        r("Claim", "diagnosis[].sequence", Present, "R4 Claim"),
        r("Claim", "diagnosis[].diagnosisCodeableConcept", Present, "PAS Claim"),
        r("Claim", "supportingInfo[].sequence", Present, "R4 Claim"),
        r("Claim", "supportingInfo[].category", Present, "R4 Claim"),
        r("Claim", "insurance", Present, "R4 Claim"),
        r("Claim", "insurance[].sequence", Present, "R4 Claim"),
        r("Claim", "insurance[].focal", bool_true(), "PAS Claim"),
        r("Claim", "insurance[].coverage", RefTo(&["Coverage"]), "PAS Claim"),
        r("Claim", "item", Present, "PAS Claim"),
        r("Claim", "item[].sequence", Present, "R4 Claim"),
        r("Claim", "item[].productOrService", Present, "R4 Claim"),
        r("Coverage", "status", Is("active".into()), "PAS Coverage"),
        r("Coverage", "beneficiary", RefTo(&["Patient"]), "PAS Coverage"),
        r("Coverage", "payor", Present, "R4 Coverage"),
        r("Coverage", "payor[]", RefTo(&["Organization"]), "PAS Coverage"),
        r("Patient", "identifier", Present, "US Core Patient"),
        r("Patient", "name", Present, "US Core Patient"),
        r("Patient", "gender", Present, "US Core Patient"),
        r("Patient", "birthDate", FullDate, "PAS Beneficiary"),
        r("Organization", "name", Present, "US Core Organization"),
        r("Organization", "active", bool_true(), "PAS Insurer and PAS Requestor"),
        r("Practitioner", "identifier", Present, "US Core Practitioner"),
        r("Practitioner", "name", Present, "US Core Practitioner"),
        r("MedicationRequest", "status", Present, "R4 MedicationRequest"),
        r("MedicationRequest", "intent", Present, "R4 MedicationRequest"),
        r("MedicationRequest", "subject", RefTo(&["Patient"]), "R4 MedicationRequest"),
        r("DocumentReference", "status", Present, "R4 DocumentReference"),
        r("DocumentReference", "content", Present, "R4 DocumentReference"),
        r("DocumentReference", "content[].attachment", Present, "R4 DocumentReference"),
        r("DocumentReference", "subject", RefTo(&["Patient"]), "PAS DocumentReference"),
    ]
}

/// The resources of a bundle by how a reference may name them: `fullUrl`, and `Type/id`.
struct Index<'a> {
    by_name: HashMap<String, &'a str>,
}

impl<'a> Index<'a> {
    fn of(bundle: &'a Value) -> Index<'a> {
        let mut by_name = HashMap::new();
        for entry in bundle["entry"].as_array().into_iter().flatten() {
            let Some(kind) = entry["resource"]["resourceType"].as_str() else { continue };
            if let Some(url) = entry["fullUrl"].as_str() {
                by_name.insert(url.to_string(), kind);
            }
            if let Some(id) = entry["resource"]["id"].as_str() {
                by_name.insert(format!("{kind}/{id}"), kind);
            }
        }
        Index { by_name }
    }

    fn resolve(&self, reference: &str) -> Option<&'a str> {
        self.by_name.get(reference).copied().or_else(|| {
            // An absolute RESTful URL names the same resource as its last two segments.
            let mut tail = reference.rsplitn(3, '/');
            let (id, kind) = (tail.next()?, tail.next()?);
            self.by_name.get(&format!("{kind}/{id}")).copied()
        })
    }
}

/// Every resource of a bundle against the R4 schema, and every reference resolved inside it.
pub fn validate_bundle(bundle: &Value) -> Vec<Problem> {
    if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return vec![Problem::new("/resourceType", "must be \"Bundle\"")];
    }
    // The bundle's own elements, with its resources checked one by one below (the
    // schema's resource list can only say "matches none of 146 types").
    let mut shell = bundle.clone();
    for entry in shell["entry"].as_array_mut().into_iter().flatten() {
        if let Some(e) = entry.as_object_mut() {
            e.remove("resource");
        }
    }
    let mut problems = schema::validate(&shell, "");
    for (i, entry) in bundle["entry"].as_array().into_iter().flatten().enumerate() {
        if let Some(resource) = entry.get("resource") {
            problems.extend(schema::validate(resource, &format!("/entry/{i}/resource")));
        }
    }
    let index = Index::of(bundle);
    references(bundle, "", &index, &mut problems);
    problems
}

/// Every `reference` under `value` must resolve inside the bundle (a `#` contained reference is left alone).
fn references(value: &Value, at: &str, index: &Index<'_>, problems: &mut Vec<Problem>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let here = format!("{at}/{}", pointer_escape(key));
                if key == "reference"
                    && let Some(r) = v.as_str()
                    && !r.starts_with('#')
                    && index.resolve(r).is_none()
                {
                    problems.push(Problem::new(here, "does not resolve to any entry of the bundle"));
                } else if !matches!(key.as_str(), "data" | "div") {
                    references(v, &here, index, problems);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                references(v, &format!("{at}/{i}"), index, problems);
            }
        }
        _ => {}
    }
}

fn pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A PAS request bundle: [`validate_bundle`], the Claim first and alone, and the PAS rules.
pub fn validate_pas_request(bundle: &Value) -> Vec<Problem> {
    let mut problems = validate_bundle(bundle);
    if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return problems;
    }
    let entries: Vec<&Value> = bundle["entry"].as_array().into_iter().flatten().collect();
    let claims: Vec<usize> =
        (0..entries.len()).filter(|&i| entries[i]["resource"]["resourceType"] == "Claim").collect();
    match claims.as_slice() {
        [] => problems.push(Problem::new(
            "/entry",
            "holds no Claim: a PAS request bundle holds exactly one (PAS Request Bundle)",
        )),
        [0] => {}
        [i] => problems.push(Problem::new(
            format!("/entry/{i}/resource"),
            "is the Claim, which must be the bundle's first entry (PAS $submit)",
        )),
        [_, more @ ..] => {
            for i in more {
                problems.push(Problem::new(
                    format!("/entry/{i}/resource"),
                    "is a second Claim: a PAS request bundle holds exactly one (PAS Request Bundle)",
                ));
            }
        }
    }
    let index = Index::of(bundle);
    let rules = rules();
    let schema_found: Vec<String> = problems.iter().map(|p| p.path.clone()).collect();
    let before = problems.len();
    for rule in rules.iter().filter(|r| r.on == "Bundle") {
        apply(rule, bundle, "", &index, &mut problems);
    }
    for (i, entry) in entries.iter().enumerate() {
        let resource = &entry["resource"];
        let Some(kind) = resource["resourceType"].as_str() else { continue };
        for rule in rules.iter().filter(|r| r.on == kind) {
            apply(rule, resource, &format!("/entry/{i}/resource"), &index, &mut problems);
        }
    }
    // Where the schema already named an element, a profile rule on it says nothing new.
    let mut i = before;
    while i < problems.len() {
        if schema_found.contains(&problems[i].path) {
            problems.remove(i);
        } else {
            i += 1;
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

fn apply(rule: &Rule, resource: &Value, at: &str, index: &Index<'_>, problems: &mut Vec<Problem>) {
    let mut found = Vec::new();
    walk(resource, at, &rule.element.split('.').collect::<Vec<_>>(), &mut found);
    for (path, value) in found {
        if let Some(why) = judge(&rule.need, value, index) {
            problems.push(Problem::new(path, format!("{why} ({})", rule.profile)));
        }
    }
}

/// The values at a dotted path, one per array item where a step ends in `[]`;
/// a missing element is `None` at the path it would have, so "required" can say where.
fn walk<'a>(value: &'a Value, at: &str, steps: &[&str], out: &mut Vec<(String, Option<&'a Value>)>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push((at.to_string(), Some(value)));
        return;
    };
    let (name, each) = match step.strip_suffix("[]") {
        Some(name) => (name, true),
        None => (*step, false),
    };
    let here = format!("{at}/{name}");
    match value.get(name) {
        None if rest.is_empty() && !each => out.push((here, None)),
        None => {}
        Some(Value::Array(items)) if each => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{here}/{i}"), rest, out);
            }
        }
        Some(v) => walk(v, &here, rest, out),
    }
}

fn judge(need: &Need, value: Option<&Value>, index: &Index<'_>) -> Option<String> {
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    match (need, value) {
        (Need::Absent, None) => None,
        (Need::Absent, Some(_)) => Some("must be absent".into()),
        (_, None) => Some("is required".into()),
        (_, Some(v)) if empty(v) => Some("is required and is empty".into()),
        (Need::Present, Some(_)) => None,
        (Need::One, Some(v)) => match v.as_array().map(Vec::len) {
            Some(1) => None,
            Some(n) => Some(format!("must hold exactly one item, not {n}")),
            None => Some("must be an array of one item".into()),
        },
        (Need::Is(expected), Some(v)) => (v != expected).then(|| format!("must be {expected}")),
        (Need::FullDate, Some(v)) => {
            let full = v.as_str().is_some_and(|s| s.len() == 10 && crate::date::Date::parse(s).is_ok());
            (!full).then(|| "must be a full date, YYYY-MM-DD".into())
        }
        (Need::RefTo(kinds), Some(v)) => {
            let Some(reference) = v.get("reference").and_then(Value::as_str) else {
                return Some(format!("must reference a {} in the bundle", kinds.join(" or ")));
            };
            match index.resolve(reference) {
                // An unresolved reference is reported once, by `references`.
                None => None,
                Some(kind) if kinds.contains(&kind) => None,
                Some(kind) => Some(format!("references a {kind}; it must reference a {}", kinds.join(" or "))),
            }
        }
    }
}
