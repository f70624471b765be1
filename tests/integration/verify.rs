//! `verify` names every entry that changed, went missing or was added.

use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;

use crate::harness::{authpack, build, packet_bytes, root};

/// Rewrites a packet, letting `edit` change, drop or add entries.
fn rewrite(bytes: &[u8], edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>, add: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut content = Vec::new();
        f.read_to_end(&mut content).unwrap();
        if let Some(content) = edit(&name, content) {
            out.start_file(name, SimpleFileOptions::default()).unwrap();
            out.write_all(&content).unwrap();
        }
    }
    if let Some((name, content)) = add {
        out.start_file(name, SimpleFileOptions::default()).unwrap();
        out.write_all(content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn verify_output(bytes: &[u8]) -> (Option<i32>, String) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("p.zip");
    std::fs::write(&path, bytes).unwrap();
    let out = authpack(tmp.path(), &["verify", "p.zip"]);
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn verify_names_changed_missing_and_added_entries() {
    let original = packet_bytes(&build(&root().join("samples/esketamine-trd-initial/intake.yaml")));
    assert_eq!(verify_output(&original).0, Some(0));

    let changed = rewrite(
        &original,
        |n, mut c| {
            if n == "criteria-crosswalk.md" {
                c.extend_from_slice(b"\nApproved.\n");
            }
            Some(c)
        },
        None,
    );
    let (code, out) = verify_output(&changed);
    assert_eq!(code, Some(1));
    assert!(out.contains("changed  criteria-crosswalk.md"), "{out}");

    let missing = rewrite(&original, |n, c| (n != "attachments/02-rating-scales-2026-11-06.pdf").then_some(c), None);
    let (code, out) = verify_output(&missing);
    assert_eq!(code, Some(1));
    assert!(out.contains("missing  attachments/02-rating-scales-2026-11-06.pdf"), "{out}");

    let added = rewrite(&original, |_, c| Some(c), Some(("attachments/99-extra.pdf", b"%PDF-1.4")));
    let (code, out) = verify_output(&added);
    assert_eq!(code, Some(1));
    assert!(out.contains("added    attachments/99-extra.pdf"), "{out}");

    let (code, _) = verify_output(b"not a zip at all");
    assert_eq!(code, Some(2));
}

#[test]
fn help_text_is_stable() {
    let out = authpack(&root(), &["--help"]);
    insta::assert_snapshot!("help", String::from_utf8_lossy(&out.stdout));
    let out = authpack(&root(), &["build", "--help"]);
    insta::assert_snapshot!("help_build", String::from_utf8_lossy(&out.stdout));
}
