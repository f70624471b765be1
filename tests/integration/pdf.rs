//! The PDFs: every page of the fax carries the patient's identifiers, the cover
//! states the true total, every enclosure page is there, and text from the
//! intake comes out literally. Text is extracted with poppler's pdftotext.

use std::io::Read;
use std::process::Command;

use crate::harness::{build, build_text, packet_bytes, root, scenarios};

/// The text of a whole PDF.
pub fn pdf_text(pdf: &[u8]) -> String {
    pdf_pages(pdf).join("\n")
}

/// The text of each page of a PDF.
pub fn pdf_pages(pdf: &[u8]) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is installed (.ci/run installs poppler-utils)");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_fax_page_carries_the_identifiers_and_the_cover_states_the_true_total() {
    for (name, dir) in scenarios(&root().join("samples")) {
        let prepared = build(&dir.join("intake.yaml"));
        let intake = &prepared.reading.checked.intake;
        let fax = prepared.bytes("fax-combined.pdf").expect("a combined PDF");
        let texts = pdf_pages(fax);
        assert_eq!(Some(texts.len()), prepared.fax_pages, "{name}: page count");
        let patient = format!("{} {}", intake.patient.first_name, intake.patient.last_name);
        for (i, page) in texts.iter().enumerate() {
            let flat = squash(page);
            assert!(flat.contains(&patient), "{name}: page {} lacks the patient's name", i + 1);
            assert!(flat.contains(&intake.patient.date_of_birth.to_string()), "{name}: page {} lacks the DOB", i + 1);
            assert!(flat.contains(&intake.patient.member_id), "{name}: page {} lacks the member ID", i + 1);
            assert!(
                flat.contains(&format!("fax page {} of {}", i + 1, texts.len())),
                "{name}: page {} numbering",
                i + 1
            );
        }
        let cover = squash(&texts[0]);
        assert!(
            cover.contains(&format!("{}, including this cover sheet", texts.len())),
            "{name}: cover total\n{cover}"
        );

        // Every page of every enclosure is placed, in order.
        for r in &prepared.reading.checked.records {
            let bytes = r.bytes().expect("a faxed record is held").to_vec();
            let n = if r.entry.ends_with(".pdf") { hayro_syntax::Pdf::new(bytes).unwrap().pages().len() } else { 1 };
            for k in 1..=n {
                let label = squash(&format!("Enclosure: {} (", r.title));
                let found = texts
                    .iter()
                    .any(|t| squash(t).contains(&label) && squash(t).contains(&format!("page {k} of {n})")));
                assert!(found, "{name}: {} page {k} of {n} is missing", r.title);
            }
        }
        insta::assert_snapshot!(
            format!("{name}__fax_text"),
            texts.iter().map(|t| squash(t)).collect::<Vec<_>>().join("\n--- page ---\n")
        );
    }
}

#[test]
fn every_document_has_its_pdf_and_the_packet_holds_them() {
    let dir = root().join("samples/ketamine-iv-appeal");
    let prepared = build(&dir.join("intake.yaml"));
    let bytes = packet_bytes(&prepared);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    for d in &prepared.documents {
        let pdf_name = d.name.replace(".md", ".pdf");
        let mut pdf = Vec::new();
        zip.by_name(&pdf_name).unwrap_or_else(|_| panic!("{pdf_name} in the packet")).read_to_end(&mut pdf).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{pdf_name}");
        let text = squash(&pdf_pages(&pdf).join(" "));
        let first_heading =
            d.markdown.lines().find(|l| l.starts_with("# ")).map(|l| squash(l.trim_start_matches("# ")));
        if let Some(h) = first_heading {
            assert!(text.contains(&h), "{pdf_name} shows its heading '{h}'");
        }
    }
    zip.by_name("fax-combined.pdf").unwrap();
}

#[test]
fn hostile_text_comes_out_of_the_pdf_literally() {
    let hostile = [
        r#"#read("/etc/passwd")"#,
        r#"#import "x""#,
        "#set page(width: 1cm)",
        "$x$",
        "*bold*",
        "_it_",
        "<label>",
        "@ref",
        "`raw`",
        r"back\slash",
        "[unbalanced",
        "{{ x }}",
        "{% if x %}",
    ];
    let text = std::fs::read_to_string(root().join("samples/esketamine-trd-initial/intake.yaml")).unwrap();
    let start = text.find("clinical_summary:").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let mut block = String::from("clinical_summary: |\n");
    for line in hostile.iter().chain(["= heading", "- dash", "+ plus", "# hash", "> quote", "| pipe", "1. one"].iter())
    {
        block.push_str(&format!("  {line}\n"));
    }
    let intake = format!("{}{}{}", &text[..start], block, &text[end..]);
    let prepared = build_text(&intake, &root().join("samples/esketamine-trd-initial"));
    let letter = prepared.bytes("letter-of-medical-necessity.pdf").unwrap();
    let flat = squash(&pdf_pages(letter).join(" "));
    for h in hostile {
        assert!(flat.contains(h), "'{h}' is not literal in the letter PDF");
    }
    for h in ["= heading", "- dash", "+ plus", "# hash", "> quote", "| pipe", "1. one"] {
        assert!(flat.contains(h), "'{h}' at a line start is not literal");
    }
    assert!(!flat.contains("root:x:0:0"), "no file was read");
}

/// A copy of the TRD sample in a temporary folder, with `intake` as its intake.
fn sample_with(intake: &str) -> tempfile::TempDir {
    let dir = root().join("samples/esketamine-trd-initial");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("intake.yaml"), intake).unwrap();
    std::fs::create_dir(tmp.path().join("records")).unwrap();
    for entry in std::fs::read_dir(dir.join("records")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), tmp.path().join("records").join(entry.file_name())).unwrap();
    }
    tmp
}

/// `check` and `build` with the same options: both exit codes, and build's stderr.
fn both(dir: &std::path::Path, options: &[&str]) -> (Option<i32>, Option<i32>, String) {
    let mut check = vec!["check", "intake.yaml"];
    check.extend(options);
    let mut build = vec!["build", "intake.yaml", "-o", "p.zip", "--force"];
    build.extend(options);
    let checked = crate::harness::authpack(dir, &check);
    let built = crate::harness::authpack(dir, &build);
    (checked.status.code(), built.status.code(), String::from_utf8_lossy(&built.stderr).into_owned())
}

#[test]
fn a_character_no_font_has_is_an_error_in_check_and_build_until_a_font_dir_supplies_it() {
    let text = std::fs::read_to_string(root().join("samples/esketamine-trd-initial/intake.yaml")).unwrap();
    // U+2D30 TIFINAGH LETTER YA: in DejaVu Sans, in none of the bundled fonts.
    let tmp = sample_with(&text.replacen("first_name: Theresa", "first_name: \"Theresa \u{2d30}\"", 1));
    let (check, build, stderr) = both(tmp.path(), &[]);
    assert_eq!((check, build), (Some(1), Some(1)), "{stderr}");
    assert!(
        stderr.contains("patient.first_name") && stderr.contains("U+2D30") && stderr.contains("--font-dir"),
        "{stderr}"
    );
    assert!(!tmp.path().join("p.zip").exists());
    // Markdown alone needs no font: both accept it.
    assert_eq!(both(tmp.path(), &["--format", "md"]).0, Some(0));
    assert_eq!(both(tmp.path(), &["--format", "md"]).1, Some(0));
    // With a font that has it, both accept it, and the character is in the PDF.
    let (check, build, stderr) = both(tmp.path(), &["--font-dir", "/usr/share/fonts/truetype/dejavu"]);
    assert_eq!((check, build), (Some(0), Some(0)), "{stderr}");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(tmp.path().join("p.zip")).unwrap()).unwrap();
    let mut letter = Vec::new();
    zip.by_name("letter-of-medical-necessity.pdf").unwrap().read_to_end(&mut letter).unwrap();
    assert!(pdf_pages(&letter).join(" ").contains('\u{2d30}'), "the character is in the PDF");
}

#[test]
fn a_damaged_enclosure_is_refused_by_check_and_build_alike_naming_it() {
    let text = std::fs::read_to_string(root().join("samples/esketamine-trd-initial/intake.yaml")).unwrap();
    let tmp = sample_with(&text);
    std::fs::write(tmp.path().join("records/rating-scales-2026-11-06.pdf"), b"%PDF-1.4\nthis is not really a pdf\n")
        .unwrap();
    let (check, build, stderr) = both(tmp.path(), &[]);
    assert_eq!((check, build), (Some(1), Some(1)), "{stderr}");
    assert!(stderr.contains("attachments[1].file") && stderr.contains("damaged"), "{stderr}");
    assert!(!tmp.path().join("p.zip").exists());
    // Without PDFs the record is only enclosed, but a damaged record helps no reviewer: refused alike.
    let (check, build, stderr) = both(tmp.path(), &["--format", "md"]);
    assert_eq!((check, build), (Some(1), Some(1)), "{stderr}");
    assert!(stderr.contains("attachments[1].file") && stderr.contains("damaged"), "{stderr}");
}

/// Every word's right edge on every page of a PDF, with the page's width, from `pdftotext -bbox`.
fn word_edges(pdf: &[u8]) -> Vec<(f64, f64, String)> {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext").arg("-bbox").arg(&path).arg("-").output().unwrap();
    let html = String::from_utf8_lossy(&out.stdout).into_owned();
    let attr = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    let mut width = 0.0;
    let mut edges = Vec::new();
    for tag in html.split('<').skip(1) {
        if tag.starts_with("page ") {
            width = attr(tag, "width");
        } else if tag.starts_with("word ") {
            let word = tag.split('>').nth(1).unwrap_or_default().to_string();
            edges.push((attr(tag, "xMax"), width, word));
        }
    }
    edges
}

#[test]
fn a_long_unbroken_name_or_word_wraps_inside_the_page() {
    let text = std::fs::read_to_string(root().join("samples/esketamine-trd-initial/intake.yaml")).unwrap();
    let long_name = format!("Vandermolen{}", "x".repeat(110));
    let long_word = "Unbroken".repeat(40);
    let text = text.replacen("last_name: Vandermolen", &format!("last_name: {long_name}"), 1).replacen(
        "clinical_summary: |\n",
        &format!("clinical_summary: |\n  {long_word}\n"),
        1,
    );
    assert!(text.contains(&long_name), "the sample's patient is Vandermolen");
    let tmp = sample_with(&text);
    let (_, build, stderr) = both(tmp.path(), &[]);
    assert_eq!(build, Some(0), "{stderr}");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(tmp.path().join("p.zip")).unwrap()).unwrap();
    for name in ["letter-of-medical-necessity.pdf", "cover-sheet.pdf", "criteria-crosswalk.pdf"] {
        let mut pdf = Vec::new();
        zip.by_name(name).unwrap().read_to_end(&mut pdf).unwrap();
        let edges = word_edges(&pdf);
        assert!(edges.iter().any(|(_, _, w)| w.contains("xxxxxxxxxx")), "{name}: the name is there");
        for (right, width, word) in &edges {
            assert!(right <= width, "{name}: '{word}' ends at {right}, past the page's {width}");
        }
    }
}
