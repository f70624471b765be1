//! Starter intakes: the commented intake `authpack init` writes, for a therapy and a kind of request.

/// The starter intake, with the therapy and kind filled in.
pub fn starter(therapy: &str, kind: &str) -> String {
    let text = include_str!("../../packet-templates/starter-intake.yaml");
    let (dose, services) = match therapy {
        "esketamine-nasal" => (
            "    dose_mg: 56\n    dose_mg_per_kg: null\n    infusion_minutes: null\n    frequency: twice-weekly\n",
            "    - code: G2082\n      units: 8\n",
        ),
        "ketamine-iv" => (
            "    dose_mg: null\n    dose_mg_per_kg: 0.5\n    infusion_minutes: 40\n    frequency: twice-weekly\n",
            "    - code: J3490\n      units: 6\n    - code: \"96365\"\n      units: 6\n",
        ),
        _ => (
            "    dose_mg: null\n    dose_mg_per_kg: 0.5\n    infusion_minutes: null\n    frequency: twice-weekly\n",
            "    - code: J3490\n      units: 6\n    - code: \"96372\"\n      units: 6\n",
        ),
    };
    let phase = match (therapy, kind) {
        ("esketamine-nasal", "continuation") => "maintenance",
        ("esketamine-nasal", _) => "induction",
        _ => "course",
    };
    let appeal = if kind == "appeal" {
        "appeal:\n  level: first-internal              # first-internal | second-internal | external-review\n  denial_date: 2026-10-02             # the date printed on the denial notice\n  received_date: 2026-10-06\n  reference_number: UM-2026-000000\n  denial_reason: \"Quote the reason exactly as the notice gives it.\"\n  denial_basis: step-therapy           # not-medically-necessary | experimental | step-therapy |\n                                      #   missing-documentation | site-of-care | benefit-exclusion | other\n  appellant: provider                 # provider | patient | representative\n  request_peer_to_peer: true\n  request_claim_file: true\n"
    } else {
        "appeal: null                          # required when request.kind is appeal\n"
    };
    text.replace("{{kind}}", kind)
        .replace("{{therapy}}", therapy)
        .replace("{{phase}}", phase)
        .replace("{{dose}}\n", dose)
        .replace("{{services}}\n", services)
        .replace("{{appeal}}\n", appeal)
}

/// The value of the first `key:` line of a starter (its comment removed).
pub fn starter_value(text: &str, key: &str) -> Option<String> {
    let line = text.lines().find(|l| l.trim_start().starts_with(&format!("{key}:")))?;
    let value = line.split_once(':')?.1;
    let value = value.split(" #").next().unwrap_or(value).trim().trim_matches('"');
    Some(value.to_string())
}

/// The starter with the first `key:` line's value replaced by `value`, as a quoted YAML string.
pub fn replace_value(text: &str, key: &str, value: &str) -> String {
    let quoted = serde_json::to_string(value).expect("a string serializes");
    let mut done = false;
    let mut out = String::with_capacity(text.len() + value.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !done && trimmed.starts_with(&format!("{key}:")) {
            let indent = &line[..line.len() - trimmed.len()];
            let comment = trimmed.find(" #").map(|i| trimmed[i..].trim_end().to_string()).unwrap_or_default();
            out.push_str(&format!(
                "{indent}{key}: {quoted}{}{}\n",
                if comment.is_empty() { "" } else { "   " },
                comment.trim_start()
            ));
            done = true;
        } else {
            out.push_str(line);
        }
    }
    out
}
