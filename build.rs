//! Decompresses the bundled ICD-10-CM table into `OUT_DIR`, so the binary
//! carries it as plain sorted text that lookups search in place: no
//! decompression at run time.

use std::io::Read;
use std::path::PathBuf;

fn main() {
    let source = "src/data/icd10cm/icd10cm.tsv.gz";
    println!("cargo::rerun-if-changed={source}");
    let compressed = std::fs::read(source).expect("the ICD-10-CM table is in the repository");
    let mut text = String::with_capacity(8 * 1024 * 1024);
    flate2::read::GzDecoder::new(compressed.as_slice())
        .read_to_string(&mut text)
        .expect("the ICD-10-CM table decompresses");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("icd10cm.tsv");
    std::fs::write(out, text).expect("OUT_DIR is writable");
}
