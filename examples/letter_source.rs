//! Writes the Typst source of a sample's letter (main.typ and layout.typ) into a
//! folder, so `typst compile` can typeset the same letter for a timing comparison
//! (see scripts/bench.sh). Usage: cargo run --release --example letter_source -- INTAKE OUT_DIR

use std::path::PathBuf;

use authpack::{Input, Pack, Settings, pdf};

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [intake, out] = args.as_slice() else {
        eprintln!("usage: letter_source INTAKE OUT_DIR");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(intake).expect("the intake reads");
    let pack = Pack::bundled();
    let typesetter = pdf::Typesetter::new(None, &pack.layout).expect("fonts load");
    let settings = Settings { pack: &pack, policy: None, typesetter: None, markdown: true, redact: false, fhir: false };
    let input = Input { text, folder: intake.parent().expect("a folder").to_path_buf() };
    let packet = authpack::build(&input, &settings).expect("the intake is valid");
    let letter = packet.documents.iter().find(|d| d.name.contains("letter")).expect("a letter");
    let info = pdf::page_info(&packet.reading.checked.intake, &letter.title);
    let (main, _) = typesetter
        .source(&info, &[pdf::Placed { part: pdf::Part::Document(&letter.markdown), fax: false }])
        .expect("source");
    std::fs::create_dir_all(out).expect("out folder");
    std::fs::write(out.join("main.typ"), main).expect("write main.typ");
    std::fs::write(out.join("layout.typ"), typesetter.layout()).expect("write layout.typ");
}
