//! Any bytes as an intake: load, check, assess, evaluate against every bundled
//! profile, then the whole pipeline to Markdown documents. Nothing may panic,
//! hang or grow without bound, whatever the input.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use authpack::Settings;
use authpack::policy::PolicySet;
use authpack::render::Templates;
use libfuzzer_sys::fuzz_target;

fn fixtures() -> &'static (Templates, PolicySet) {
    static ONE: OnceLock<(Templates, PolicySet)> = OnceLock::new();
    ONE.get_or_init(|| (Templates::load(None).expect("templates compile"), PolicySet::bundled()))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (templates, policies) = fixtures();
    let (loaded, problems) = authpack::intake::read_intake(text);
    if let Some(loaded) = loaded.filter(|_| problems.is_empty()) {
        let _ = authpack::check::check(&loaded);
        let facts = authpack::assess::assess(&loaded.intake);
        for profile in policies.profiles.values() {
            let _ = authpack::policy::evaluate(profile, &loaded.intake, &facts);
        }
    }
    // Records resolve under a folder that does not exist: the fuzzer never reads real files.
    let settings = Settings::new(templates, policies, None);
    let _ = authpack::prepare(text, Path::new("/nonexistent/authpack-fuzz"), &settings);
});
