//! Properties of any built packet: it reopens, its manifest matches its bytes,
//! entries are sorted with fixed times and modes, and a rebuild is byte-identical.
//! Intakes are generated from the main sample with arbitrary free text and values.

use std::io::{Cursor, Read};

use proptest::prelude::*;

use crate::harness::{build_text, packet_bytes, root};

fn sample() -> String {
    std::fs::read_to_string(root().join("samples/esketamine-trd-initial/intake.yaml")).unwrap()
}

/// The sample with a new clinical summary, first trial dose and latest MADRS score.
fn variant(summary: &str, dose: u32, madrs: u32) -> String {
    let text = sample();
    let start = text.find("clinical_summary:").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let quoted = serde_json::to_string(summary).unwrap();
    let text = format!("{}clinical_summary: {quoted}{}", &text[..start], &text[end..]);
    text.replacen("max_dose_mg: 150", &format!("max_dose_mg: {dose}"), 1).replacen(
        "score: 33",
        &format!("score: {madrs}"),
        1,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_packet_reopens_verifies_and_rebuilds_identically(summary in "\\PC{0,200}", dose in 1u32..400, madrs in 0u32..=60) {
        let base = root().join("samples/esketamine-trd-initial");
        // Characters no bundled font has are refused by design (tested in pdf.rs); keep to the rest.
        let summary: String = summary.chars().map(|c| if crate::harness::typesetter().covers(c) { c } else { '?' }).collect();
        let prepared = build_text(&variant(&summary, dose, madrs), &base);
        let bytes = packet_bytes(&prepared);
        prop_assert_eq!(&bytes, &packet_bytes(&prepared));

        let verification = authpack::package::verify_packet(Cursor::new(&bytes), None).unwrap();
        prop_assert!(verification.is_intact(), "{:?}", verification);

        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        let names: Vec<String> = (0..zip.len()).map(|i| zip.by_index(i).unwrap().name().unwrap().into_owned()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        prop_assert_eq!(&names, &sorted);
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            prop_assert_eq!(f.unix_mode().map(|m| m & 0o777), Some(0o600));
            let mut content = Vec::new();
            f.read_to_end(&mut content).unwrap();
        }
        let letter = prepared.documents.iter().find(|d| d.name.starts_with("letter")).unwrap();
        let escaped = authpack::render::escape_markdown(summary.trim());
        prop_assert!(summary.trim().is_empty() || letter.markdown.contains(escaped.lines().next().unwrap_or("")));
    }
}

#[test]
fn text_that_looks_like_markup_or_templates_stays_literal() {
    let hostile = "*bold* _it_ `raw` <b>x</b> [link](http://x) {{ intake }} {% if x %} # heading | pipe \\ $x$ #read(\"/etc/passwd\")";
    let base = root().join("samples/esketamine-trd-initial");
    let prepared = build_text(&variant(hostile, 150, 33), &base);
    let letter = &prepared.documents.iter().find(|d| d.name.starts_with("letter")).unwrap().markdown;
    assert!(letter.contains(r"\*bold\* \_it\_ \`raw\` \<b\>x\</b\> \[link\](http://x) {{ intake }} {% if x %} \# heading \| pipe \\ $x$ \#read"), "{letter}");
}
