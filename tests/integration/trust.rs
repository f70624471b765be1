//! Trust: redaction leaks nothing and changes no verdict, encrypted packets open
//! in 7-Zip, an interrupted build leaves nothing half-written, a build makes no
//! network calls, and hostile text stays text in the PDFs.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::Command;

use crate::harness::{authpack, root, scenarios};

/// Every string of the intake under a key that redaction must replace, at least 4 characters long.
fn sensitive_values(intake: &authpack::intake::Intake) -> BTreeSet<String> {
    const KEYS: &[&str] = &[
        "first_name",
        "last_name",
        "member_id",
        "group_number",
        "prior_authorization_number",
        "reference_number",
        "tax_id",
        "npi",
        "phone",
        "fax",
        "line1",
        "line2",
        "city",
        "clinical_summary",
        "urgency_reason",
        "notes",
        "denial_reason",
        "adverse_events",
        "summary",
        "rater",
        "with",
        "title",
        "file",
        "date_of_birth",
    ];
    fn walk(v: &serde_json::Value, key: &str, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::String(s) if KEYS.contains(&key) || key.ends_with("/name") => {
                // Free text is checked by its first words: enough to find it, and robust to line wrapping.
                let words: Vec<&str> = s.split_whitespace().take(4).collect();
                let probe = words.join(" ");
                if probe.len() >= 4 {
                    out.insert(probe);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, key, out)),
            serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| {
                // The name of a practice, a site or a subscriber identifies; a payer's does not.
                let scoped = format!("{key}/{k}");
                let key = if k == "name" && ["practice", "site", "subscriber"].contains(&key) { &scoped } else { k };
                walk(v, key, out)
            }),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(&serde_json::to_value(intake).unwrap(), "", &mut out);
    out
}

/// The text of every entry of a packet: Markdown, JSON and calendars as they are, PDFs through pdftotext.
fn packet_texts(bytes: &[u8]) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        let text =
            if name.ends_with(".pdf") { crate::pdf::pdf_text(&data) } else { String::from_utf8_lossy(&data).into() };
        out.push((name, text));
    }
    out
}

#[test]
fn a_redacted_packet_holds_no_identifying_value_and_reaches_the_same_verdicts() {
    // Through the binary under test: the release build once redacted differently from the debug build.
    for (name, dir) in scenarios(&root().join("samples")) {
        let tmp = tempfile::tempdir().unwrap();
        let (plain, redacted) = (tmp.path().join("plain.zip"), tmp.path().join("redacted.zip"));
        for (target, extra) in [(&plain, None), (&redacted, Some("--redact"))] {
            let mut args = vec!["build", "intake.yaml", "-o", target.to_str().unwrap()];
            args.extend(extra);
            let out = authpack(&dir, &args);
            assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let (plain_texts, texts) =
            (packet_texts(&std::fs::read(&plain).unwrap()), packet_texts(&std::fs::read(&redacted).unwrap()));
        let policy = |texts: &[(String, String)]| {
            let manifest = &texts.iter().find(|(n, _)| n == "manifest.json").unwrap().1;
            serde_json::from_str::<serde_json::Value>(manifest).unwrap()["policy"].clone()
        };
        assert_eq!(policy(&plain_texts), policy(&texts), "{name}: redaction changed a verdict");
        let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let original = crate::harness::build(&dir.join("intake.yaml"));
        for value in sensitive_values(&original.reading.checked.intake) {
            for (entry, text) in &texts {
                assert!(!flat(text).contains(&value), "{name}: {entry} still holds '{value}'");
            }
        }
        let manifest = texts.iter().find(|(n, _)| n == "manifest.json").unwrap();
        assert!(manifest.1.contains("\"redacted\": true"));
        let withheld = authpack::package::sha256_hex(authpack::redact::WITHHELD_PDF);
        let files = serde_json::from_str::<serde_json::Value>(&manifest.1).unwrap()["files"].clone();
        for f in files.as_array().unwrap().iter().filter(|f| f["path"].as_str().unwrap().starts_with("attachments/")) {
            assert_eq!(f["sha256"], withheld, "{name}: every record is withheld");
        }
        // Redacting is deterministic: the same intake gives the same packet.
        let again = tmp.path().join("again.zip");
        let out = authpack(&dir, &["build", "intake.yaml", "--redact", "-o", again.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0));
        assert!(
            std::fs::read(&again).unwrap() == std::fs::read(&redacted).unwrap(),
            "{name}: redaction is deterministic"
        );
    }
}

#[test]
fn redaction_moves_every_date_by_one_offset_of_whole_weeks() {
    let dir = root().join("samples/ketamine-iv-appeal");
    let text = std::fs::read_to_string(dir.join("intake.yaml")).unwrap();
    let original = authpack::intake::load_intake(&text).unwrap().intake;
    let sha = authpack::package::sha256_hex(text.as_bytes());
    let (redacted, _) = authpack::redact::redact(&original, &sha).unwrap();
    let offset = authpack::redact::offset_days(&sha);
    assert_eq!(offset % 7, 0);
    let pairs = [
        (original.request.date, redacted.request.date),
        (original.patient.date_of_birth, redacted.patient.date_of_birth),
        (original.appeal.as_ref().unwrap().denial_date, redacted.appeal.as_ref().unwrap().denial_date),
    ];
    for (before, after) in pairs {
        assert_eq!(before.days_until(after), offset, "{before} -> {after}");
    }
    assert_ne!(original.patient.last_name, redacted.patient.last_name);
    assert_eq!(original.request.therapy, redacted.request.therapy);
    assert_eq!(original.diagnoses[0].code, redacted.diagnoses[0].code);
}

fn have(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success())
}

#[test]
fn an_encrypted_packet_opens_in_7zip_with_the_password_and_verifies() {
    assert!(have("7z"), "7z is needed (apt-get install p7zip-full; .ci/run installs it)");
    let out = tempfile::tempdir().unwrap();
    let packet = out.path().join("packet.zip");
    let sample = root().join("samples/esketamine-trd-initial");
    let password = "correct horse battery staple";
    let built = Command::new(crate::harness::binary())
        .args(["build", "intake.yaml", "--encrypt", "-o", packet.to_str().unwrap()])
        .current_dir(&sample)
        .env("AUTHPACK_PASSWORD", password)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    assert!(String::from_utf8_lossy(&built.stderr).contains("encrypted"));

    // 7-Zip tests every entry with the password: all decrypt and match their CRCs.
    let tested = Command::new("7z").args(["t", &format!("-p{password}"), packet.to_str().unwrap()]).output().unwrap();
    let report = String::from_utf8_lossy(&tested.stdout);
    assert!(tested.status.success() && report.contains("Everything is Ok"), "{report}");
    let listed =
        Command::new("7z").args(["l", "-slt", &format!("-p{password}"), packet.to_str().unwrap()]).output().unwrap();
    let listing = String::from_utf8_lossy(&listed.stdout);
    assert!(listing.contains("AES-256"), "{listing}");
    assert!(listing.contains("Encrypted = +") && !listing.contains("Encrypted = -"), "every entry is encrypted");
    // Entry names are not encrypted in any zip: records get names that say nothing of the patient.
    assert!(listing.contains("Path = attachments/01-record.pdf"), "{listing}");
    assert!(!listing.contains("progress-note"), "a record's own file name is not shown");

    // A wrong password opens nothing.
    let wrong = Command::new("7z").args(["t", "-pwrong-password", packet.to_str().unwrap()]).output().unwrap();
    assert!(!wrong.status.success());

    // The contents are not readable without the password: no document text in the raw bytes.
    let raw = std::fs::read(&packet).unwrap();
    assert!(!raw.windows(b"Letter of medical necessity".len()).any(|w| w == b"Letter of medical necessity"));

    // verify: the password from the environment; without it (no terminal) it says what is needed.
    let verify = |pw: Option<&str>| {
        let mut c = Command::new(crate::harness::binary());
        c.args(["verify", packet.to_str().unwrap()]).env_remove("AUTHPACK_PASSWORD").stdin(std::process::Stdio::null());
        if let Some(pw) = pw {
            c.env("AUTHPACK_PASSWORD", pw);
        }
        c.output().unwrap()
    };
    let ok = verify(Some(password));
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("intact"));
    let none = verify(None);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("AUTHPACK_PASSWORD"));
    let bad = verify(Some("not-the-password"));
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_password_never_comes_from_an_argument_and_is_at_least_8_characters() {
    let out = tempfile::tempdir().unwrap();
    let sample = root().join("samples/esketamine-trd-initial");
    let target = out.path().join("p.zip");
    let short = Command::new(crate::harness::binary())
        .args(["build", "intake.yaml", "--encrypt", "-o", target.to_str().unwrap()])
        .current_dir(&sample)
        .env("AUTHPACK_PASSWORD", "short")
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(2));
    assert!(!target.exists());
    let with_value = authpack(&sample, &["build", "intake.yaml", "--encrypt=secret", "-o", target.to_str().unwrap()]);
    assert_eq!(with_value.status.code(), Some(2), "--encrypt takes no value");
}

/// Runs a build under `strace`, returning every network system call it made.
fn network_calls(dir: &Path, out: &Path) -> Vec<String> {
    let log = out.join("strace.log");
    let status = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=%network", "-o", log.to_str().unwrap()])
        .arg(crate::harness::binary())
        .args(["build", "intake.yaml", "-o", out.join("p.zip").to_str().unwrap()])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "the traced build succeeds");
    std::fs::read_to_string(&log).unwrap().lines().map(str::to_string).filter(|l| !l.trim().is_empty()).collect()
}

#[test]
fn a_build_makes_no_network_calls() {
    assert!(have("strace"), "strace is needed (.ci/run installs it)");
    // Every network system call (socket, connect, sendto, ...) of the whole process tree is traced: none happen.
    for sample in ["esketamine-trd-initial", "ketamine-iv-appeal"] {
        let out = tempfile::tempdir().unwrap();
        let calls = network_calls(&root().join("samples").join(sample), out.path());
        assert!(calls.is_empty(), "{sample}: network calls: {calls:?}");
    }
    // And in a network namespace with no interfaces at all, the build still succeeds.
    if Command::new("unshare").args(["-rn", "true"]).status().is_ok_and(|s| s.success()) {
        let out = tempfile::tempdir().unwrap();
        let status = Command::new("unshare")
            .arg("-rn")
            .arg(crate::harness::binary())
            .args(["build", "intake.yaml", "-o"])
            .arg(out.path().join("p.zip"))
            .current_dir(root().join("samples/esketamine-trd-initial"))
            .status()
            .unwrap();
        assert!(status.success());
    }
}

#[test]
fn killing_a_build_at_any_moment_leaves_nothing_the_old_packet_or_the_new_one() {
    use std::time::Instant;
    let sample = root().join("samples/esketamine-medicare-advantage-appeal");
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("packet.zip");
    let run = |force: bool| {
        let mut c = Command::new(crate::harness::binary());
        c.args(["build", "intake.yaml", "-o", target.to_str().unwrap()]).current_dir(&sample);
        if force {
            c.arg("--force");
        }
        c.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        c
    };
    // The complete packet, and how long a build takes.
    let started = Instant::now();
    assert!(run(false).status().unwrap().success());
    let full = started.elapsed();
    let complete = std::fs::read(&target).unwrap();
    // An older packet stands in the target: a kill must leave it or the complete new one.
    let previous = b"an earlier packet".to_vec();
    let points = 40;
    let mut seen = BTreeSet::new();
    let mut left_behind = 0;
    for i in 0..points {
        std::fs::write(&target, &previous).unwrap();
        let mut child = run(true).spawn().unwrap();
        std::thread::sleep(full.mul_f64(1.2) * i / points);
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read(&target).unwrap();
        assert!(now == previous || now == complete, "kill point {i}: the target is neither the old packet nor the new");
        seen.insert(if now == previous { "previous" } else { "complete" });
        // A killed build may leave its private temporary file: owner-only, never the target,
        // and removed by the next build into that folder.
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let e = e.unwrap();
            if e.path() != target {
                use std::os::unix::fs::PermissionsExt;
                assert_eq!(e.metadata().unwrap().permissions().mode() & 0o777, 0o600, "{:?}", e.path());
                left_behind += 1;
            }
        }
    }
    // The next build removes them once they are ten minutes old and their process is gone;
    // a fresh one (a build that may still be running) stays.
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let path = e.unwrap().path();
        if path != target {
            std::fs::File::options().write(true).open(&path).unwrap().set_modified(an_hour_ago).unwrap();
        }
    }
    let fresh = dir.path().join(".packet.zip.4000000000-0.tmp");
    std::fs::write(&fresh, b"partial").unwrap();
    assert!(run(true).status().unwrap().success());
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    names.sort();
    assert_eq!(
        names,
        [".packet.zip.4000000000-0.tmp", "packet.zip"],
        "the next build removed the {left_behind} old files killed builds left, and kept the fresh one"
    );
    // Without --force and with no earlier packet, a kill leaves nothing or the complete packet.
    for i in 0..10 {
        let _ = std::fs::remove_file(&target);
        let mut child = run(false).spawn().unwrap();
        std::thread::sleep(full.mul_f64(1.2) * i / 10);
        let _ = child.kill();
        let _ = child.wait();
        if let Ok(now) = std::fs::read(&target) {
            assert!(now == complete, "kill point {i}: a partial packet");
        }
    }
    assert!(seen.contains("previous"), "some kills landed before the packet was in place");
}

#[test]
fn hostile_text_comes_out_of_every_pdf_as_literal_text() {
    let dir = root().join("samples/esketamine-trd-initial");
    let text = std::fs::read_to_string(dir.join("intake.yaml")).unwrap();
    let hostile =
        r##"#read("/etc/passwd") $x^2$ #set page(fill: red) <b>bold</b> [link](http://x) \ "quoted" {{ x }} {% if %}"##;
    let changed = text.replacen("clinical_summary: |\n", &format!("clinical_summary: |\n  {hostile}\n"), 1);
    assert_ne!(changed, text);
    let prepared = crate::harness::build_text(&changed, &dir);
    for name in prepared.paths().into_iter().filter(|p| p.ends_with(".pdf") && !p.starts_with("attachments/")) {
        let pdf = prepared.bytes(&name).unwrap();
        let flat = crate::pdf::pdf_text(pdf).split_whitespace().collect::<Vec<_>>().join(" ");
        if name == "letter-of-medical-necessity.pdf" || name == "fax-combined.pdf" {
            assert!(flat.contains(r#"#read("/etc/passwd") $x^2$ #set page(fill: red) <b>bold</b>"#), "{name}: {flat}");
        }
        assert!(!flat.contains("root:x:0:0"), "{name}: a file was read");
    }
}
