//! Characters the PDFs must show: Typst drops a character no loaded font has,
//! silently, so each is an error naming its field before anything is typeset.

use crate::diag::Diagnostic;
use crate::intake::Loaded;
use crate::pdf::Typesetter;

/// Every text value of the intake holding a character no loaded font can show.
pub fn uncovered(loaded: &Loaded, typesetter: &Typesetter) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let value = serde_json::to_value(&loaded.intake).unwrap_or_default();
    walk(&value, String::new(), typesetter, &mut found);
    found
        .into_iter()
        .map(|(path, c)| {
            Diagnostic::error(
                path.clone(),
                format!("the character '{c}' (U+{:04X}) is in no bundled font and would vanish from the PDF", c as u32),
            )
            .at(loaded.positions.get(&path).copied())
            .hint("replace it, or give a font that has it with --font-dir DIR")
        })
        .collect()
}

/// Walks a value with owned paths (`a.b[2].c`), collecting the first uncovered character of each string.
fn walk(value: &serde_json::Value, path: String, typesetter: &Typesetter, out: &mut Vec<(String, char)>) {
    match value {
        serde_json::Value::String(s) => {
            if let Some(c) = s.chars().find(|c| !typesetter.covers(*c)) {
                out.push((path, c));
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{path}[{i}]"), typesetter, out);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let child = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                walk(v, child, typesetter, out);
            }
        }
        _ => {}
    }
}
