//! Budgets: how much one intake may hold, so no accepted intake can exhaust the
//! machine. Each is far above any real request or appeal, each refusal names the
//! field, and all are checked before a record is opened. The intake file itself is
//! capped at [`crate::yaml::MAX_INPUT_BYTES`] and its YAML nesting and aliases in
//! [`crate::yaml`].

use serde_json::Value;

use crate::diag::Diagnostic;
use crate::intake::{Intake, Positions};

/// The most records one packet encloses.
pub const MAX_RECORDS: usize = 100;
/// The most entries of any other list, unless [`LISTS`] says otherwise.
pub const MAX_LIST: usize = 50;
/// Lists that may be longer than [`MAX_LIST`], by path (indices left out).
pub const LISTS: &[(&str, usize)] =
    &[("attachments", MAX_RECORDS), ("sessions", 200), ("calls", 200), ("assessments", 300)];
/// The most characters of one text value (a clinical summary of about 3,000 words).
pub const MAX_TEXT: usize = 20_000;
/// The most characters of all the intake's text together.
pub const MAX_TOTAL_TEXT: usize = 200_000;
/// The most any one amount of money may be, in dollars ([`crate::assess::cost::MAX_CHARGE_CENTS`]).
pub const MAX_DOLLARS: f64 = 1_000_000.0;
/// The fields that hold money, wherever they appear.
const MONEY: &[&str] = &[
    "charge",
    "paid",
    "charge_per_session",
    "drug_charge_per_session",
    "deductible_remaining",
    "copay_per_session",
    "out_of_pocket_remaining",
    "allowed_per_session",
];

/// Every budget the intake exceeds, as errors naming the field.
pub fn exceeded(intake: &Intake, positions: &Positions) -> Vec<Diagnostic> {
    let Ok(tree) = serde_json::to_value(intake) else { return Vec::new() };
    let mut walk = Walk { positions, out: Vec::new(), total: 0 };
    walk.value(&tree, &mut String::new(), &mut String::new());
    if walk.total > MAX_TOTAL_TEXT {
        walk.out.push(
            Diagnostic::error(
                "",
                format!("the intake holds {} characters of text, over the {MAX_TOTAL_TEXT} it may", walk.total),
            )
            .hint("shorten the free text (summaries, notes); the records carry the detail"),
        );
    }
    walk.out
}

struct Walk<'a> {
    positions: &'a Positions,
    out: Vec<Diagnostic>,
    total: usize,
}

impl Walk<'_> {
    /// Walks `value` at `path` (`calls[3].notes`); `shape` is the path without indices (`calls.notes`).
    fn value(&mut self, value: &Value, path: &mut String, shape: &mut String) {
        match value {
            Value::String(s) => {
                let n = s.chars().count();
                self.total += n;
                if n > MAX_TEXT {
                    self.error(
                        path,
                        format!("holds {n} characters, over the {MAX_TEXT} one value may"),
                        "shorten it; enclose the full text as a record",
                    );
                }
            }
            Value::Number(n) => {
                let key = shape.rsplit('.').next().unwrap_or_default();
                if MONEY.contains(&key) && n.as_f64().is_some_and(|d| d > MAX_DOLLARS) {
                    self.error(
                        path,
                        "is over $1,000,000.00, the most one amount may be".to_string(),
                        "give the amount in dollars and cents, like 1250.00",
                    );
                }
            }
            Value::Array(items) => {
                let max = LISTS.iter().find(|(p, _)| p == shape).map_or(MAX_LIST, |(_, m)| *m);
                if items.len() > max {
                    let what = if shape == "attachments" { "records" } else { "entries" };
                    self.error(
                        path,
                        format!("holds {} {what}, over the {max} it may", items.len()),
                        "keep the entries that bear on this request",
                    );
                    return;
                }
                for (i, item) in items.iter().enumerate() {
                    let (at, was) = (path.len(), shape.len());
                    path.push_str(&format!("[{i}]"));
                    self.value(item, path, shape);
                    path.truncate(at);
                    shape.truncate(was);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let (at, was) = (path.len(), shape.len());
                    for p in [&mut *path, &mut *shape] {
                        if !p.is_empty() {
                            p.push('.');
                        }
                        p.push_str(key);
                    }
                    self.value(item, path, shape);
                    path.truncate(at);
                    shape.truncate(was);
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }

    fn error(&mut self, path: &str, message: String, hint: &str) {
        let pos = self.positions.get(path).copied();
        self.out.push(Diagnostic::error(path, message).at(pos).hint(hint));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_money_budget_is_the_cost_model_s() {
        assert_eq!(crate::assess::cost::cents(MAX_DOLLARS), Some(crate::assess::cost::MAX_CHARGE_CENTS));
    }

    #[test]
    fn every_list_with_its_own_budget_is_a_list_of_the_intake() {
        let schema = serde_json::to_string(&schemars::schema_for!(Intake)).unwrap();
        for (path, _) in LISTS {
            assert!(schema.contains(&format!("\"{path}\"")), "{path}");
        }
        for key in MONEY {
            assert!(schema.contains(&format!("\"{key}\"")), "{key}");
        }
    }
}
