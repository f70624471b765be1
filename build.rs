//! Decompresses the bundled ICD-10-CM table and FHIR R4 JSON schema into
//! `OUT_DIR`, so the binary carries them as plain text: no decompression at
//! run time.

use std::io::Read;
use std::path::PathBuf;

fn main() {
    unpack("src/data/icd10cm/icd10cm.tsv.gz", "icd10cm.tsv");
    unpack("src/data/fhir/fhir.schema.json.gz", "fhir.schema.json");
}

fn unpack(source: &str, name: &str) {
    println!("cargo::rerun-if-changed={source}");
    let compressed = std::fs::read(source).unwrap_or_else(|e| panic!("{source} is in the repository: {e}"));
    let mut text = String::with_capacity(8 * 1024 * 1024);
    flate2::read::GzDecoder::new(compressed.as_slice())
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{source} decompresses: {e}"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join(name);
    std::fs::write(out, text).expect("OUT_DIR is writable");
}
