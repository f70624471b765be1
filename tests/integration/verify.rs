//! `verify` names every entry that changed, went missing or was added.

use std::io::{Cursor, Read, Write};

use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use crate::harness::{authpack, build, packet_bytes, root};

/// Rewrites a packet, letting `edit` change, drop or add entries.
fn rewrite(bytes: &[u8], edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>, add: Option<(&str, &[u8])>) -> Vec<u8> {
    rewrite_with(bytes, SimpleFileOptions::default(), edit, add)
}

fn rewrite_with(
    bytes: &[u8],
    options: SimpleFileOptions,
    edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>,
    add: Option<(&str, &[u8])>,
) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut content = Vec::new();
        f.read_to_end(&mut content).unwrap();
        if let Some(content) = edit(&name, content) {
            out.start_file(name, options).unwrap();
            out.write_all(&content).unwrap();
        }
    }
    if let Some((name, content)) = add {
        out.start_file(name, options).unwrap();
        out.write_all(content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn verify_output(bytes: &[u8]) -> (Option<i32>, String) {
    verify_with(bytes, &[])
}

fn verify_with(bytes: &[u8], flags: &[&str]) -> (Option<i32>, String) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("p.zip");
    std::fs::write(&path, bytes).unwrap();
    let mut args = vec!["verify", "p.zip"];
    args.extend_from_slice(flags);
    let out = authpack(tmp.path(), &args);
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Replaces the first `count` occurrences of `from` with `to` (the same length) in raw zip bytes.
fn patch(bytes: &[u8], from: &[u8], to: &[u8], count: usize) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = bytes.to_vec();
    let mut done = 0;
    let mut i = 0;
    while done < count && i + from.len() <= out.len() {
        if &out[i..i + from.len()] == from {
            out[i..i + from.len()].copy_from_slice(to);
            done += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert_eq!(done, count, "patched {done} of {count}");
    out
}

/// The sample packet rewritten with every entry stored uncompressed, so its bytes can be patched in place.
fn stored_packet() -> Vec<u8> {
    rewrite_with(&sample_packet(), stored(), |_, c| Some(c), None)
}

fn stored() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Stored)
}

fn sample_packet() -> Vec<u8> {
    packet_bytes(&build(&root().join("samples/esketamine-trd-initial/intake.yaml")))
}

#[test]
fn a_second_entry_of_the_same_name_is_an_alteration_whichever_copy_a_reader_shows() {
    // A tampered crosswalk is placed first under a near name, then renamed in both headers to the
    // real name: readers that take the first copy show the forgery.
    let original = sample_packet();
    let forged = rewrite_with(
        &original,
        stored(),
        |_, c| Some(c),
        Some(("criteria-crosswalk.mX", b"Every criterion is met.\n")),
    );
    let forged = patch(&forged, b"criteria-crosswalk.mX", b"criteria-crosswalk.md", 2);
    let (code, out) = verify_output(&forged);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("altered  two entries share a name"), "{out}");
    assert!(out.contains("ALTERED"), "{out}");
    assert!(!out.contains(": intact"), "{out}");
}

#[test]
fn a_local_header_that_disagrees_with_the_directory_is_an_alteration() {
    let stored = stored_packet();
    assert_eq!(verify_output(&stored).0, Some(0), "the stored rewrite alone is intact");
    // The local header comes first in the file; the central directory's copy of the name is left.
    let (code, out) = verify_output(&patch(&stored, b"criteria-crosswalk.md", b"criteria-crosswalk.mX", 1));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("altered  the entries' own headers disagree with the zip's directory"), "{out}");
}

#[test]
fn a_flipped_bit_is_a_changed_entry_named_in_text_and_json_with_exit_1() {
    let stored = stored_packet();
    // The crosswalk's own words, stored uncompressed: one letter changed, its size and CRC left as they were.
    let at = {
        let mut zip = zip::ZipArchive::new(Cursor::new(&stored[..])).unwrap();
        let entry = zip.by_name("criteria-crosswalk.md").unwrap();
        entry.data_start().unwrap() as usize + 10
    };
    let mut flipped = stored.clone();
    flipped[at] ^= 0x01;
    let (code, out) = verify_output(&flipped);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("changed  criteria-crosswalk.md"), "{out}");
    let (code, json) = verify_with(&flipped, &["--json"]);
    assert_eq!(code, Some(1), "{json}");
    let report: serde_json::Value = serde_json::from_str(&json).expect("the JSON report is printed");
    assert_eq!(report["intact"], false);
    assert_eq!(report["entries"]["changed"], serde_json::json!(["criteria-crosswalk.md"]));
}

#[test]
fn too_many_entries_or_a_huge_manifest_are_alterations_found_without_reading_them() {
    let original = sample_packet();
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut source = zip::ZipArchive::new(Cursor::new(&original[..])).unwrap();
    for i in 0..source.len() {
        zip.raw_copy_file(source.by_index_raw(i).unwrap()).unwrap();
    }
    for i in 0..1_200 {
        zip.start_file(format!("extra/{i:05}"), SimpleFileOptions::default()).unwrap();
    }
    let crowded = zip.finish().unwrap().into_inner();
    let (code, out) = verify_output(&crowded);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("more than the 1000 a packet can"), "{out}");

    // Five MiB of spaces compress to a few kilobytes.
    let huge =
        rewrite(&original, |n, c| Some(if n == "manifest.json" { [c, vec![b' '; 5 << 20]].concat() } else { c }), None);
    assert!(huge.len() < original.len() + 100_000);
    let (code, out) = verify_output(&huge);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("altered  manifest.json is larger than the 4 MiB a manifest can be"), "{out}");
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
