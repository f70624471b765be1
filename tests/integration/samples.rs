//! Every bundled sample: its check output and every document, snapshotted;
//! its packet built by the binary, reopened by `unzip -t`, verified and rebuilt byte for byte.

use crate::harness::{authpack, build, packet_bytes, root, scenarios};

#[test]
fn every_sample_document_matches_its_snapshot() {
    let samples = scenarios(&root().join("samples"));
    assert!(samples.len() >= 3, "at least three samples");
    for (name, dir) in samples {
        let prepared = build(&dir.join("intake.yaml"));
        for doc in &prepared.documents {
            let snapshot = format!("{name}__{}", doc.name.trim_end_matches(".md"));
            insta::assert_snapshot!(snapshot, doc.markdown);
        }
    }
}

#[test]
fn every_sample_check_output_matches_its_snapshot() {
    for (name, dir) in scenarios(&root().join("samples")) {
        let out = authpack(&dir, &["check", "intake.yaml"]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let text =
            format!("{}--- stderr\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        insta::assert_snapshot!(format!("{name}__check"), text);
    }
}

#[test]
fn every_sample_builds_a_packet_readers_accept_and_rebuilds_identically() {
    for (name, dir) in scenarios(&root().join("samples")) {
        let tmp = tempfile::tempdir().unwrap();
        let first = tmp.path().join("first.zip");
        let second = tmp.path().join("second.zip");
        for target in [&first, &second] {
            let out = authpack(&dir, &["build", "intake.yaml", "-o", target.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let (a, b) = (std::fs::read(&first).unwrap(), std::fs::read(&second).unwrap());
        assert_eq!(a, b, "{name}: two builds differ");
        assert_eq!(a, packet_bytes(&build(&dir.join("intake.yaml"))), "{name}: binary and library differ");

        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&first).unwrap().permissions().mode() & 0o777, 0o600, "{name}");

        let unzip = std::process::Command::new("unzip")
            .arg("-t")
            .arg(&first)
            .output()
            .expect("unzip is installed (.ci/run installs it)");
        assert!(unzip.status.success(), "{name}: unzip -t: {}", String::from_utf8_lossy(&unzip.stdout));

        let verify = authpack(&dir, &["verify", first.to_str().unwrap()]);
        assert_eq!(verify.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&verify.stdout));
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{name}: temporary files left behind");
    }
}

#[test]
fn an_existing_packet_is_not_replaced_without_force() {
    let dir = root().join("samples/esketamine-trd-initial");
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("p.zip");
    std::fs::write(&target, b"keep me").unwrap();
    let out = authpack(&dir, &["build", "intake.yaml", "-o", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists; use --force"));
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    let out = authpack(&dir, &["build", "intake.yaml", "-o", target.to_str().unwrap(), "--force"]);
    assert_eq!(out.status.code(), Some(0));
    assert_ne!(std::fs::read(&target).unwrap(), b"keep me");
}

#[test]
fn source_date_epoch_sets_every_timestamp() {
    let dir = root().join("samples/esketamine-trd-initial");
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("p.zip");
    let out = std::process::Command::new(crate::harness::binary())
        .args(["build", "intake.yaml", "-o", target.to_str().unwrap()])
        .current_dir(&dir)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&target).unwrap()).unwrap();
    for i in 0..zip.len() {
        let f = zip.by_index(i).unwrap();
        let t = f.last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day()), (2023, 11, 14), "{}", f.name().unwrap());
    }
}
