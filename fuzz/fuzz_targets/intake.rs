//! Any bytes as an intake: load, evaluate against every bundled profile, then
//! the whole build to Markdown documents. Nothing may panic, hang or grow
//! without bound, whatever the input.

#![no_main]

use std::sync::OnceLock;

use authpack::{Input, Pack, Settings};
use libfuzzer_sys::fuzz_target;

fn pack() -> &'static Pack {
    static ONE: OnceLock<Pack> = OnceLock::new();
    ONE.get_or_init(Pack::bundled)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let pack = pack();
    let load = authpack::intake::load(text);
    if let Some(loaded) = load.loaded.filter(|_| load.diagnostics.is_empty()) {
        let facts = authpack::assess::assess(&loaded.intake);
        for profile in pack.policies.profiles.values() {
            let _ = authpack::policy::evaluate(profile, &loaded.intake, &facts);
        }
    }
    // Records resolve under a folder that does not exist: the fuzzer never reads real files.
    let settings = Settings { pack, policy: None, typesetter: None, markdown: true, redact: false, fhir: false };
    let input = Input { text: text.to_string(), folder: "/nonexistent/authpack-fuzz".into() };
    let _ = authpack::build(&input, &settings);
});
