//! FHIR in and out: each sample's synthetic EHR export imports to the sample's
//! own structured data, field by field, and after the fields FHIR cannot supply
//! are filled it reads to the sample's verdicts; every PAS bundle a build writes
//! passes the R4 schema and the PAS rules; each defective fixture fails with its path.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use authpack::fhir::import::{self, Source};
use authpack::fhir::{pas, rules};
use authpack::{Input, Settings};
use serde_json::{Value, json};

use crate::harness::{authpack, pack, root, settings};

/// The fixtures of tests/fixtures/fhir/generate.py, one a sample.
const SAMPLES: [&str; 3] = ["esketamine-trd-initial", "ketamine-iv-appeal", "esketamine-medicare-advantage-appeal"];

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/fhir").join(name)
}

fn markdown_settings() -> Settings<'static> {
    Settings { pack: pack(), policy: None, typesetter: None, markdown: true, redact: false, fhir: false }
}

/// The sample's intake as authpack reads it, as JSON.
fn sample(name: &str) -> (Value, authpack::Reading) {
    let path = root().join("samples").join(name).join("intake.yaml");
    let input = Input { text: std::fs::read_to_string(&path).unwrap(), folder: path.parent().unwrap().into() };
    let reading = authpack::read(&input, &markdown_settings()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    (serde_json::to_value(&reading.checked.intake).unwrap(), reading)
}

fn imported(name: &str) -> import::Imported {
    let file = fixture(&format!("{name}.json"));
    let text = std::fs::read_to_string(&file).unwrap();
    import::import(&[Source { name: file.display().to_string(), text }]).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// Every leaf of a JSON tree, by its intake path (`a.b[0].c`).
fn leaves(v: &Value, at: &str, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                leaves(x, &if at.is_empty() { k.clone() } else { format!("{at}.{k}") }, out);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                leaves(x, &format!("{at}[{i}]"), out);
            }
        }
        Value::Null => {}
        other => {
            out.insert(at.to_string(), other.clone());
        }
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// The sample's values where the import left a field to fill or did not write one.
fn merge(imported: &mut Value, sample: &Value) {
    match (imported, sample) {
        (Value::Object(i), Value::Object(s)) => {
            for (k, sv) in s {
                match i.get_mut(k) {
                    Some(iv) if !iv.is_null() => merge(iv, sv),
                    _ => {
                        i.insert(k.clone(), sv.clone());
                    }
                }
            }
        }
        (Value::Array(i), Value::Array(s)) if i.len() == s.len() => {
            for (iv, sv) in i.iter_mut().zip(s) {
                merge(iv, sv);
            }
        }
        _ => {}
    }
}

fn without_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(without_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(without_nulls),
        _ => {}
    }
}

#[test]
fn each_samples_export_imports_to_the_samples_own_values_field_by_field() {
    for name in SAMPLES {
        let (sample, _) = sample(name);
        let imported = imported(name);
        let mut got = BTreeMap::new();
        leaves(&imported.intake.to_json(), "", &mut got);
        let mut want = BTreeMap::new();
        leaves(&sample, "", &mut want);
        // Record files are named from their titles; their bytes are compared below.
        got.retain(|path, _| !(path.starts_with("attachments[") && path.ends_with(".file")));
        let wrong: Vec<String> = got
            .iter()
            .filter(|(path, v)| !want.get(*path).is_some_and(|w| same(v, w)))
            .map(|(path, v)| {
                format!("{path}: imported {v}, sample {}", want.get(path).map_or("nothing".into(), Value::to_string))
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "{name}: {} of {} imported values differ:\n{}",
            wrong.len(),
            got.len(),
            wrong.join("\n")
        );
        assert!(got.len() >= 60, "{name}: only {} values imported", got.len());
        if std::env::var_os("AUTHPACK_PRINT_IMPORT").is_some() {
            println!(
                "{name}: {} values from FHIR, {} to fill, of {} in the sample",
                got.len(),
                imported.intake.fills().len(),
                want.len()
            );
            for (path, v) in &got {
                println!("| `{path}` | {v} |");
            }
            for path in imported.intake.fills() {
                println!("| `{path}` | !fill |");
            }
        }
        // Every record comes back byte for byte.
        let sample_records: Vec<Vec<u8>> = sample["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| std::fs::read(root().join("samples").join(name).join(a["file"].as_str().unwrap())).unwrap())
            .collect();
        let records: Vec<Vec<u8>> = imported.records.iter().map(|r| r.bytes.clone()).collect();
        assert_eq!(records, sample_records, "{name}: records");
        // What was not imported is said: the Encounter, and nothing that the intake has a place for.
        assert_eq!(
            imported.unmapped,
            vec!["Encounter/visit: authpack has no field for an Encounter".to_string()],
            "{name}"
        );
    }
}

#[test]
fn single_resources_in_several_files_import_as_their_bundle_does() {
    let name = "esketamine-trd-initial";
    let bundle = read_json(&fixture(&format!("{name}.json")));
    let sources: Vec<Source> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, e)| Source { name: format!("resource-{i}.json"), text: e["resource"].to_string() })
        .collect();
    let apart = import::import(&sources).unwrap();
    let together = imported(name);
    // References by Type/id resolve across files as inside one bundle.
    assert_eq!(apart.intake.to_yaml(), together.intake.to_yaml());
    assert_eq!(apart.records, together.records);
}

#[test]
fn an_import_filled_in_from_the_sample_reads_to_the_samples_verdicts() {
    for name in SAMPLES {
        let (sample, reading) = sample(name);
        let imported = imported(name);
        let fills = imported.intake.fills();
        assert!(
            fills.iter().any(|f| f.ends_with(".outcome")) && fills.contains(&"request.kind".to_string()),
            "{name}: {fills:?}"
        );
        let mut intake = imported.intake.to_json();
        merge(&mut intake, &sample);
        without_nulls(&mut intake);
        let dir = tempfile::tempdir().unwrap();
        for r in &imported.records {
            let path = dir.path().join(&r.file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &r.bytes).unwrap();
        }
        // JSON is YAML: the filled-in intake is read as any intake is.
        let input = Input { text: serde_json::to_string_pretty(&intake).unwrap(), folder: dir.path().into() };
        let filled =
            authpack::read(&input, &markdown_settings()).unwrap_or_else(|e| panic!("{name}: {:?}", e.diagnostics));
        let verdicts = |r: &authpack::Reading| {
            (
                r.evaluation.id.clone(),
                r.evaluation.overall,
                r.evaluation.criteria.iter().map(|c| (c.id.clone(), c.status)).collect::<Vec<_>>(),
            )
        };
        assert_eq!(verdicts(&filled), verdicts(&reading), "{name}");
    }
}

#[test]
fn the_command_writes_the_intake_and_records_owner_only_and_check_lists_exactly_the_fills() {
    let dir = tempfile::tempdir().unwrap();
    let export = fixture("ketamine-iv-appeal.json");
    let out = authpack(dir.path(), &["import", "fhir", export.to_str().unwrap(), "-o", "intake.yaml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("not imported: Encounter/visit"), "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("intake.yaml")).unwrap();
    assert!(text.contains("# from MedicationStatement/"), "provenance comments");
    assert!(text.contains("outcome: !fill"), "{text}");
    for entry in std::iter::once(dir.path().join("intake.yaml"))
        .chain(std::fs::read_dir(dir.path().join("records")).unwrap().map(|e| e.unwrap().path()))
    {
        let mode = std::fs::metadata(&entry).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", entry.display());
    }
    // check refuses it, naming exactly the values left to fill.
    let check = authpack(dir.path(), &["check", "intake.yaml"]);
    assert_eq!(check.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&check.stderr);
    let mut named: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error: "))
        .filter(|l| l.contains("is still to be filled in"))
        .filter_map(|l| l.split(": ").next())
        .collect();
    let all_errors = stderr.lines().filter(|l| l.starts_with("error: ")).count();
    let mut fills = imported("ketamine-iv-appeal").intake.fills();
    named.sort();
    fills.sort();
    assert_eq!(named, fills.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(all_errors, fills.len(), "no other error than the fills:\n{stderr}");
    // A second run does not replace what the first wrote.
    let before = std::fs::read(dir.path().join("intake.yaml")).unwrap();
    let again = authpack(dir.path(), &["import", "fhir", export.to_str().unwrap(), "-o", "intake.yaml"]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(std::fs::read(dir.path().join("intake.yaml")).unwrap(), before);
}

#[test]
fn malformed_or_wrongly_typed_fhir_is_refused_naming_file_and_path_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let malformed = fixture("defects/import-malformed.json");
    let wrong = fixture("defects/import-wrong-type.json");
    let out = authpack(
        dir.path(),
        &["import", "fhir", malformed.to_str().unwrap(), wrong.to_str().unwrap(), "-o", "intake.yaml"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("import-malformed.json: (the document): is not JSON: line 3"), "{stderr}");
    assert!(
        stderr.contains("import-wrong-type.json: /entry/0/resource/birthDate: must be of JSON type string"),
        "{stderr}"
    );
    assert!(stderr.contains("import-wrong-type.json: /entry/0/resource/gender: must be one of"), "{stderr}");
    assert!(stderr.contains("import-wrong-type.json: /entry/1/resource/valueInteger:"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing written");
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn each_defective_pas_bundle_fails_with_its_path_and_the_valid_one_passes() {
    assert_eq!(rules::validate_pas_request(&read_json(&fixture("defects/pas-valid.json"))), vec![]);
    let cases = [
        ("pas-dangling-reference.json", "/entry/0/resource/insurance/0/coverage/reference", "does not resolve"),
        ("pas-wrong-type.json", "/entry/0/resource/item/0/quantity/value", "must be of JSON type number"),
        ("pas-missing-claim-field.json", "/entry/0/resource/patient", "is required"),
    ];
    for (file, path, says) in cases {
        let problems = rules::validate_pas_request(&read_json(&fixture(&format!("defects/{file}"))));
        assert!(
            problems.iter().any(|p| p.path == path && p.message.contains(says)),
            "{file}: expected {path}: {says}; got {problems:?}"
        );
        assert_eq!(problems.len(), 1, "{file}: one defect, one problem: {problems:?}");
    }
    // The Claim must come first.
    let mut moved = read_json(&fixture("defects/pas-valid.json"));
    let entries = moved["entry"].as_array_mut().unwrap();
    let claim = entries.remove(0);
    entries.push(claim);
    let problems = rules::validate_pas_request(&moved);
    assert!(
        problems.iter().any(|p| p.path == "/entry/4/resource" && p.message.contains("first entry")),
        "{problems:?}"
    );
}

#[test]
fn every_samples_pas_bundle_passes_the_schema_and_the_pas_rules_and_carries_what_the_plan_receives() {
    let settings = Settings { fhir: true, ..settings(false) };
    for (name, dir) in crate::harness::scenarios(&root().join("samples")) {
        let input = Input { text: std::fs::read_to_string(dir.join("intake.yaml")).unwrap(), folder: dir.clone() };
        let packet = authpack::build(&input, &settings).unwrap_or_else(|e| panic!("{name}: {e}"));
        let bytes = packet.bytes(pas::PAS_BUNDLE).expect("the packet holds the PAS bundle");
        let bundle: Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(rules::validate_pas_request(&bundle), vec![], "{name}");
        let entries = bundle["entry"].as_array().unwrap();
        let kinds: Vec<&str> = entries.iter().map(|e| e["resource"]["resourceType"].as_str().unwrap()).collect();
        assert_eq!(kinds[0], "Claim", "{name}");
        for kind in ["Patient", "Coverage", "Organization", "Practitioner", "MedicationRequest", "DocumentReference"] {
            assert!(kinds.contains(&kind), "{name}: no {kind}");
        }
        let claim = &entries[0]["resource"];
        assert_eq!(claim["use"], "preauthorization");
        let intake = &packet.reading.checked.intake;
        assert_eq!(
            claim["item"].as_array().unwrap().len(),
            intake.request.services.len(),
            "{name}: one item a service line"
        );
        assert_eq!(claim["diagnosis"].as_array().unwrap().len(), intake.diagnoses.len());
        // The documents are those faxed to the plan: the letter's PDF inline, byte for byte; nothing internal.
        let titles: Vec<&str> = entries
            .iter()
            .filter(|e| e["resource"]["resourceType"] == "DocumentReference")
            .map(|e| e["resource"]["content"][0]["attachment"]["title"].as_str().unwrap())
            .collect();
        for d in &packet.documents {
            let sent = titles.contains(&d.title.as_str());
            assert_eq!(sent, d.faxed && d.name != "cover-sheet.md", "{name}: {} sent={sent}", d.name);
        }
        let letter = packet.documents.iter().find(|d| d.faxed && d.name.contains("letter")).unwrap();
        let pdf = packet.bytes(&letter.name.replace(".md", ".pdf")).unwrap();
        let inline =
            entries.iter().find(|e| e["resource"]["content"][0]["attachment"]["title"] == json!(letter.title)).unwrap()
                ["resource"]["content"][0]["attachment"]["data"]
                .as_str()
                .unwrap();
        use base64::Engine;
        assert_eq!(base64::engine::general_purpose::STANDARD.decode(inline).unwrap(), pdf, "{name}: letter inline");
        let text = String::from_utf8_lossy(bytes);
        for internal in ["preparation-worksheet", "!fill", "authpack", "hint"] {
            assert!(!text.contains(internal), "{name}: the bundle says {internal:?}");
        }
        // Deterministic: the same intake gives the same bundle.
        let again = authpack::build(&input, &settings).unwrap();
        assert_eq!(again.bytes(pas::PAS_BUNDLE).unwrap(), bytes, "{name}: deterministic");
    }
}

#[test]
fn build_fhir_lists_the_bundle_in_the_manifest_and_the_packet_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let intake = root().join("samples/ketamine-iv-appeal/intake.yaml");
    let out = authpack(dir.path(), &["build", intake.to_str().unwrap(), "--fhir", "-o", "p.zip"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let zip = std::fs::read(dir.path().join("p.zip")).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let manifest: Value = serde_json::from_reader(archive.by_name("manifest.json").unwrap()).unwrap();
    let listed = manifest["files"].as_array().unwrap().iter().find(|f| f["path"] == pas::PAS_BUNDLE).expect("listed");
    assert_eq!(listed["media_type"], "application/fhir+json");
    let verify = authpack(dir.path(), &["verify", "p.zip"]);
    assert_eq!(verify.status.code(), Some(0), "{}", String::from_utf8_lossy(&verify.stdout));
    // Without --fhir there is none.
    let plain = authpack(dir.path(), &["build", intake.to_str().unwrap(), "-o", "q.zip"]);
    assert_eq!(plain.status.code(), Some(0));
    let zip = std::fs::read(dir.path().join("q.zip")).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    assert!(archive.by_name(pas::PAS_BUNDLE).is_err());
}

/// What is not this request's history stays out of the intake and is reported:
/// another patient's diagnosis, a medicine only proposed, a diagnosis only
/// considered, a procedure not yet performed, one item of a scale, and a
/// finished ketamine course when another is active.
#[test]
fn what_is_not_this_patients_history_is_reported_and_never_imported() {
    let name = "ketamine-iv-appeal";
    let clean = imported(name).intake.to_yaml();
    let mut bundle = read_json(&fixture(&format!("{name}.json")));
    let patient = bundle["entry"][0]["fullUrl"].as_str().unwrap().to_string();
    let entries = bundle["entry"].as_array_mut().unwrap();
    let mut add = |id: &str, resource: Value| {
        let mut resource = resource;
        resource["id"] = json!(id);
        entries.push(json!({ "fullUrl": format!("urn:uuid:00000000-0000-4000-8000-{:012}", entries.len()), "resource": resource }));
    };
    add("other-patient", json!({ "resourceType": "Patient", "name": [{ "family": "Other", "given": ["Someone"] }] }));
    let other = format!("urn:uuid:00000000-0000-4000-8000-{:012}", 28);
    add(
        "others-diagnosis",
        json!({
            "resourceType": "Condition", "subject": { "reference": other },
            "code": { "coding": [{ "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F31.81" }] },
        }),
    );
    add(
        "considered",
        json!({
            "resourceType": "Condition", "subject": { "reference": patient },
            "verificationStatus": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "provisional" }] },
            "code": { "coding": [{ "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F43.10" }] },
        }),
    );
    add(
        "proposed",
        json!({
            "resourceType": "MedicationRequest", "status": "active", "intent": "proposal",
            "subject": { "reference": patient }, "authoredOn": "2026-01-05",
            "medicationCodeableConcept": { "text": "mirtazapine 45 MG oral tablet" },
        }),
    );
    add(
        "drafted",
        json!({
            "resourceType": "MedicationRequest", "status": "draft", "intent": "order",
            "subject": { "reference": patient }, "authoredOn": "2026-01-05",
            "medicationCodeableConcept": { "text": "lithium carbonate 300 MG oral capsule" },
        }),
    );
    add(
        "old-course",
        json!({
            "resourceType": "MedicationStatement", "status": "completed", "subject": { "reference": patient },
            "effectivePeriod": { "start": "2019-01-01", "end": "2019-02-01" },
            "medicationCodeableConcept": { "text": "esketamine 28 MG nasal spray" },
        }),
    );
    add(
        "planned",
        json!({
            "resourceType": "Procedure", "status": "preparation", "subject": { "reference": patient },
            "code": { "text": "Electroconvulsive therapy course" }, "performedDateTime": "2026-03-01",
        }),
    );
    add(
        "item-9",
        json!({
            "resourceType": "Observation", "status": "final", "subject": { "reference": patient },
            "code": { "text": "PHQ-9 item 9" }, "effectiveDateTime": "2025-12-01", "valueInteger": 2,
        }),
    );
    assert_eq!(bundle["entry"][28]["fullUrl"], json!(other), "the other patient's address");
    // The finished course comes first in the export, before the active order.
    let entries = bundle["entry"].as_array_mut().unwrap();
    let old = entries.iter().position(|e| e["resource"]["id"] == "old-course").unwrap();
    let old = entries.remove(old);
    entries.insert(1, old);
    let got = import::import(&[Source { name: "export.json".into(), text: bundle.to_string() }]).unwrap();
    assert_eq!(got.intake.to_yaml(), clean, "nothing added changed the intake");
    let unmapped = got.unmapped.join("\n");
    for (id, why) in [
        ("other-patient", "a second Patient"),
        ("others-diagnosis", "about another patient"),
        ("considered", "not confirmed"),
        ("proposed", "not taken (yet)"),
        ("drafted", "not taken (yet)"),
        ("planned", "not performed yet"),
        ("item-9", "not a rating scale"),
    ] {
        assert!(
            got.unmapped.iter().any(|l| l.contains(id) && l.contains(why)),
            "{id} reported with {why:?}:\n{unmapped}"
        );
    }
    // The finished esketamine course is history, not the therapy requested: it is a trial like any other.
    assert!(got.intake.to_yaml().contains("therapy: ketamine-iv"));
}
