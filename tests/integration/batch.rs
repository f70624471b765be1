//! Batch builds, output formats, the schema, completions and the manual page.

use std::io::Read;
use std::path::Path;

use crate::harness::{authpack, root, scenarios};

fn entries(packet: &Path) -> Vec<String> {
    let zip = zip::ZipArchive::new(std::fs::File::open(packet).unwrap()).unwrap();
    zip.file_names().map(|n| n.unwrap().to_string()).collect()
}

/// The samples folder copied, with one intake made invalid.
fn samples_with_one_bad() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, from) in scenarios(&root().join("samples")) {
        let to = dir.path().join(&name);
        std::fs::create_dir_all(to.join("records")).unwrap();
        std::fs::copy(from.join("intake.yaml"), to.join("intake.yaml")).unwrap();
        for e in std::fs::read_dir(from.join("records")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join("records").join(e.file_name())).unwrap();
        }
    }
    let bad = dir.path().join("ketamine-iv-offlabel/intake.yaml");
    let text = std::fs::read_to_string(&bad).unwrap().replacen("therapy: ketamine-iv", "therapy: ketamine-oral", 1);
    std::fs::write(&bad, text).unwrap();
    dir
}

#[test]
fn a_batch_builds_every_good_intake_refuses_the_bad_one_and_exits_1() {
    let input = samples_with_one_bad();
    let out = tempfile::tempdir().unwrap();
    let result = authpack(input.path(), &["build", ".", "-o", out.path().to_str().unwrap(), "-j", "2"]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("7 built, 1 refused, 0 failed, of 8 intakes"), "{stderr}");
    assert!(stderr.contains("refused ./ketamine-iv-offlabel/intake.yaml: request.therapy: unknown value"), "{stderr}");
    let mut built: Vec<String> =
        std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    built.sort();
    assert_eq!(built.len(), 7, "{built:?}");
    assert!(!built.iter().any(|b| b.contains("offlabel")));

    // The same batch on one worker writes the same bytes.
    let serial = tempfile::tempdir().unwrap();
    let again = authpack(input.path(), &["build", ".", "-o", serial.path().to_str().unwrap(), "-j", "1"]);
    assert_eq!(again.status.code(), Some(1));
    for name in &built {
        assert!(
            std::fs::read(out.path().join(name)).unwrap() == std::fs::read(serial.path().join(name)).unwrap(),
            "{name}: -j 1 and -j 2 differ"
        );
    }
}

#[test]
fn build_json_reports_each_intake_in_order() {
    let input = samples_with_one_bad();
    let out = tempfile::tempdir().unwrap();
    let result =
        authpack(input.path(), &["build", ".", "-o", out.path().to_str().unwrap(), "--json", "--format", "md"]);
    assert_eq!(result.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(doc["built"], 7);
    assert_eq!(doc["refused"], 1);
    let intakes = doc["intakes"].as_array().unwrap();
    let names: Vec<&str> = intakes.iter().map(|i| i["intake"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "in the order given");
    let refused = intakes.iter().find(|i| i["status"] == "refused").unwrap();
    assert_eq!(refused["diagnostics"][0]["path"], "request.therapy");
    assert!(refused["diagnostics"][0]["line"].as_u64().is_some());
    let built = intakes.iter().find(|i| i["status"] == "built").unwrap();
    assert!(built["criteria"].as_u64().unwrap() > 0 && built["packet"].as_str().unwrap().ends_with(".zip"));
}

#[test]
fn format_md_holds_no_pdfs_and_format_pdf_no_markdown() {
    let sample = root().join("samples/ketamine-iv-appeal");
    let out = tempfile::tempdir().unwrap();
    for (format, has, lacks) in [("md", ".md", ".pdf"), ("pdf", ".pdf", ".md")] {
        let target = out.path().join(format!("{format}.zip"));
        let result = authpack(&sample, &["build", "intake.yaml", "--format", format, "-o", target.to_str().unwrap()]);
        assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
        let names = entries(&target);
        let documents: Vec<&String> = names.iter().filter(|n| !n.starts_with("attachments/")).collect();
        assert!(documents.iter().any(|n| n.ends_with(has)), "{format}: {names:?}");
        assert!(!documents.iter().any(|n| n.ends_with(lacks)), "{format}: {names:?}");
        assert!(names.iter().any(|n| n.starts_with("attachments/")), "{format}: records are always enclosed");
        let verified = authpack(&sample, &["verify", target.to_str().unwrap()]);
        assert!(verified.status.success());
    }
}

/// YAML as JSON, for the schema validator: serde-saphyr reads scalars as YAML 1.2 does.
fn yaml_to_json(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).unwrap()
}

#[test]
fn every_sample_and_starter_validates_against_the_schema_and_mistakes_do_not() {
    let printed = authpack(&root(), &["schema"]);
    assert!(printed.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&printed.stdout).unwrap();
    let shipped: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("samples/intake.schema.json")).unwrap()).unwrap();
    assert_eq!(schema, shipped, "samples/intake.schema.json is `authpack schema` (regenerate it)");
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    for (name, dir) in scenarios(&root().join("samples")) {
        let text = std::fs::read_to_string(dir.join("intake.yaml")).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema=../intake.schema.json\n"),
            "{name}: the first line names the schema"
        );
        let errors: Vec<String> = validator.iter_errors(&yaml_to_json(&text)).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
    for therapy in ["esketamine-nasal", "ketamine-iv", "ketamine-im"] {
        for kind in ["initial", "continuation", "appeal"] {
            let text = authpack::intake::starter::starter(therapy, kind);
            assert!(text.starts_with("# yaml-language-server: $schema=intake.schema.json\n"));
            let errors: Vec<String> = validator.iter_errors(&yaml_to_json(&text)).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "starter {therapy} {kind}: {errors:?}");
        }
    }
    // What authpack refuses, the schema flags too: a misspelt field, a wrong enumeration, a bad date, an NPI's shape.
    let base = std::fs::read_to_string(root().join("samples/esketamine-trd-initial/intake.yaml")).unwrap();
    for (from, to) in [
        ("  first_name:", "  frist_name:"),
        ("therapy: esketamine-nasal", "therapy: spravato"),
        ("date_of_birth: 19", "date_of_birth: x19"),
        ("npi: \"", "npi: \"x"),
    ] {
        assert!(base.contains(from), "{from}");
        let changed = base.replacen(from, to, 1);
        assert!(!validator.is_valid(&yaml_to_json(&changed)), "{to}: the schema accepts it");
    }
}

#[test]
fn completions_and_the_manual_page_come_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = authpack(&root(), &["completions", shell]);
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && script.contains("build") && script.contains("redact"), "{shell}");
    }
    let man = authpack(&root(), &["man"]);
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(man.status.success());
    assert!(page.starts_with(".ie") || page.contains(".TH authpack"), "{}", &page[..200.min(page.len())]);
    assert!(page.contains("build") && page.contains("verify"));
    let dir = tempfile::tempdir().unwrap();
    let written = authpack(&root(), &["man", "-o", dir.path().to_str().unwrap()]);
    assert!(written.status.success());
    let mut pages: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    pages.sort();
    assert!(pages.contains(&"authpack.1".to_string()) && pages.contains(&"authpack-build.1".to_string()), "{pages:?}");
    let mut build_page = String::new();
    std::fs::File::open(dir.path().join("authpack-build.1")).unwrap().read_to_string(&mut build_page).unwrap();
    assert!(build_page.contains("format") && build_page.contains("jobs"));
}

#[test]
fn init_writes_the_schema_beside_the_starter_and_every_report_has_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = authpack(dir.path(), &["init", "--therapy", "ketamine-im", "-o", "intake.yaml"]);
    assert!(out.status.success());
    assert!(dir.path().join("intake.schema.json").is_file());
    let listed = authpack(dir.path(), &["policies", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert!(list.as_array().unwrap().len() >= 7);
    let shown = authpack(dir.path(), &["policies", "show", "esketamine-trd", "--json"]);
    let one: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(one["id"], "esketamine-trd");
}

#[test]
fn init_interactive_asks_the_essentials_and_writes_an_intake_that_loads() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(crate::harness::binary())
        .args(["init", "--interactive"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // therapy (one wrong answer, then a right one), kind, first, last, birth date, member ID, file.
    let answers = "spravato\nketamine-iv\nappeal\nRowan\nO'Hara: \"Jr\"\n1990-02-03\nQX-7788\nmy-intake.yaml\n";
    child.stdin.take().unwrap().write_all(answers.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("please answer one of: esketamine-nasal, ketamine-iv, ketamine-im"), "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("my-intake.yaml")).unwrap();
    // What was asked is the intake's own; everything else is still a marked example.
    let load = authpack::intake::load(&text);
    let asked = [
        "request.therapy",
        "request.kind",
        "patient.first_name",
        "patient.last_name",
        "patient.date_of_birth",
        "patient.member_id",
    ];
    assert!(!load.diagnostics.is_empty());
    for d in &load.diagnostics {
        assert!(d.message.contains("still holds the starter's example value"), "{d:?}");
        assert!(!asked.contains(&d.path.as_str()), "{} was answered: {d:?}", d.path);
    }
    let loaded = load.loaded.unwrap().intake;
    assert_eq!(loaded.request.therapy, authpack::intake::Therapy::KetamineIv);
    assert_eq!(loaded.request.kind, authpack::intake::RequestKind::Appeal);
    assert_eq!(loaded.patient.last_name, "O'Hara: \"Jr\"");
    assert_eq!(loaded.patient.date_of_birth.to_string(), "1990-02-03");
    assert_eq!(loaded.patient.member_id, "QX-7788");
}

#[test]
fn the_packet_name_does_not_depend_on_how_the_intake_path_is_written() {
    let input = samples_with_one_bad();
    let sample = input.path().join("esketamine-trd-initial");
    let absolute = sample.join("intake.yaml");
    for (dir, arg) in [(&sample, "intake.yaml"), (&sample, "./intake.yaml"), (&sample, absolute.to_str().unwrap())] {
        let out = authpack(dir, &["build", "--format", "md", "--force", arg]);
        assert!(out.status.success(), "{arg}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(sample.join("esketamine-trd-initial.zip").is_file(), "{arg}");
        std::fs::remove_file(sample.join("esketamine-trd-initial.zip")).unwrap();
    }
    // `-o NEW/` with a trailing slash is a folder to make, even for one intake.
    let out = authpack(&sample, &["build", "--format", "md", "intake.yaml", "-o", "made/"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(sample.join("made/esketamine-trd-initial.zip").is_file());
}

/// Every property path of the schema: `request.services[].ndc`.
fn schema_paths(schema: &serde_json::Value) -> Vec<String> {
    fn walk(node: &serde_json::Value, defs: &serde_json::Value, prefix: &str, depth: usize, out: &mut Vec<String>) {
        if depth > 10 {
            return;
        }
        if let Some(r) = node["$ref"].as_str() {
            return walk(&defs[r.rsplit('/').next().unwrap()], defs, prefix, depth + 1, out);
        }
        for key in ["anyOf", "oneOf"] {
            for n in node[key].as_array().into_iter().flatten() {
                walk(n, defs, prefix, depth + 1, out);
            }
        }
        if node.get("items").is_some() {
            walk(&node["items"], defs, &format!("{prefix}[]"), depth + 1, out);
        }
        for (name, sub) in node["properties"].as_object().into_iter().flatten() {
            let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
            out.push(path.clone());
            walk(sub, defs, &path, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(schema, &schema["$defs"], "", 0, &mut out);
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_intake_reference_in_the_repository_names_every_field_and_loads() {
    let reference = std::fs::read_to_string(root().join("docs/intake-reference.yaml")).unwrap();
    let load = authpack::intake::load(&reference);
    assert!(load.diagnostics.is_empty(), "{:?}", load.diagnostics);
    assert!(load.loaded.is_some());
    let schema: serde_json::Value = serde_json::from_str(&authpack::intake::schema_json()).unwrap();
    let paths = schema_paths(&schema);
    assert!(paths.len() > 200, "{} paths", paths.len());
    // A field is named when its key is written, as a field or in a commented example.
    let keys: std::collections::BTreeSet<&str> = reference
        .lines()
        .filter_map(|l| {
            let l = l.trim_start_matches([' ', '#']).trim_start_matches("- ");
            let (key, _) = l.split_once(':')?;
            key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_').then_some(key)
        })
        .collect();
    let unnamed: Vec<&String> =
        paths.iter().filter(|p| !keys.contains(p.rsplit('.').next().unwrap().trim_end_matches("[]"))).collect();
    assert!(unnamed.is_empty(), "docs/intake-reference.yaml does not name {unnamed:?}");
}
