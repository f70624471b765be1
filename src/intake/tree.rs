//! An intake as an ordered tree whose fields may carry comments, written out as
//! block YAML in the order its fields were put: the starter an import writes
//! (each value saying where it came from, or what is left to fill) and the
//! intake the interview edits and saves.

use std::fmt::Write as _;

use serde_json::{Map, Value};

pub use crate::yaml::{EXAMPLE_TAG, FILL_TAG};

/// A value of the starter intake.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// A scalar already known (a number, a date, a word of an enumeration, text).
    Value(Value),
    /// Left for the user: written `!fill`, refused by `check` until replaced.
    Fill,
    /// A starter's example value, kept marked `!example` (refused by `check` until replaced).
    Example(Value),
    /// A mapping, in the contract's order.
    Map(Vec<Field>),
    /// A list.
    Seq(Vec<Node>),
}

/// One field of a mapping, with its comment.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The field's name in the contract.
    pub key: String,
    /// Its value.
    pub value: Node,
    /// The comment beside it (provenance, or what to fill in).
    pub note: Option<String>,
}

impl Node {
    /// An empty mapping.
    pub fn map() -> Node {
        Node::Map(Vec::new())
    }

    /// Adds a field to a mapping (no-op on anything else).
    pub fn set(&mut self, key: &str, value: Node, note: Option<String>) {
        if let Node::Map(fields) = self {
            fields.push(Field { key: key.into(), value, note });
        }
    }

    /// Adds a field whose value is known.
    pub fn put(&mut self, key: &str, value: impl Into<Value>, note: Option<String>) {
        self.set(key, Node::Value(value.into()), note);
    }

    /// Adds a field left for the user, saying what belongs there.
    pub fn fill(&mut self, key: &str, what: &str) {
        self.set(key, Node::Fill, Some(what.into()));
    }

    /// The field `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(fields) => fields.iter().find(|f| f.key == key).map(|f| &f.value),
            _ => None,
        }
    }

    /// Whether a mapping or list holds nothing.
    pub fn is_empty(&self) -> bool {
        matches!(self, Node::Map(f) if f.is_empty()) || matches!(self, Node::Seq(s) if s.is_empty())
    }

    /// The YAML paths of every value left to fill, as `check` names them (`a.b[0].c`).
    pub fn fills(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_fills("", &mut out);
        out
    }

    fn collect_fills(&self, at: &str, out: &mut Vec<String>) {
        match self {
            Node::Fill => out.push(at.to_string()),
            Node::Value(_) | Node::Example(_) => {}
            Node::Map(fields) => {
                for f in fields {
                    let here = if at.is_empty() { f.key.clone() } else { format!("{at}.{}", f.key) };
                    f.value.collect_fills(&here, out);
                }
            }
            Node::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    item.collect_fills(&format!("{at}[{i}]"), out);
                }
            }
        }
    }

    /// The tree as JSON, each value to fill as `null` (for tests and tools).
    pub fn to_json(&self) -> Value {
        match self {
            Node::Value(v) | Node::Example(v) => v.clone(),
            Node::Fill => Value::Null,
            Node::Map(fields) => {
                Value::Object(fields.iter().map(|f| (f.key.clone(), f.value.to_json())).collect::<Map<_, _>>())
            }
            Node::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
        }
    }

    /// The tree as commented block YAML.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        if let Node::Map(fields) = self {
            write_fields(&mut out, fields, 0, None);
        }
        out
    }
}

/// Writes a mapping's fields at `indent`; `first` is the `- ` prefix of a list item's first line.
fn write_fields(out: &mut String, fields: &[Field], indent: usize, mut first: Option<&str>) {
    for f in fields {
        let pad = match first.take() {
            Some(dash) => format!("{}{dash}", " ".repeat(indent.saturating_sub(dash.len()))),
            None => " ".repeat(indent),
        };
        let note = f.note.as_deref().map(comment).unwrap_or_default();
        match &f.value {
            Node::Map(inner) if !inner.is_empty() => {
                let _ = writeln!(out, "{pad}{}:{note}", f.key);
                write_fields(out, inner, indent + 2, None);
            }
            Node::Seq(items) if !items.is_empty() => {
                let _ = writeln!(out, "{pad}{}:{note}", f.key);
                for item in items {
                    match item {
                        Node::Map(inner) if !inner.is_empty() => write_fields(out, inner, indent + 4, Some("- ")),
                        other => {
                            let _ = writeln!(out, "{}  - {}", " ".repeat(indent), scalar(other));
                        }
                    }
                }
            }
            other => {
                let _ = writeln!(out, "{pad}{}: {}{note}", f.key, scalar(other));
            }
        }
    }
}

fn comment(note: &str) -> String {
    // One line: a comment cannot hold a line break.
    let one: String = note.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    format!("   # {one}")
}

fn scalar(node: &Node) -> String {
    match node {
        Node::Fill => FILL_TAG.to_string(),
        Node::Example(v) => format!("{EXAMPLE_TAG} {}", scalar(&Node::Value(v.clone()))),
        Node::Map(_) => "{}".into(),
        Node::Seq(_) => "[]".into(),
        Node::Value(Value::String(s)) if plain(s) => s.clone(),
        // JSON's double-quoted strings are YAML's.
        Node::Value(v) => v.to_string(),
    }
}

/// Whether text can stand unquoted and still read back as the same text: a
/// date, a kebab-case word of an enumeration.
fn plain(s: &str) -> bool {
    let date = s.len() == 10 && crate::date::Date::parse(s).is_ok();
    let word = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && !matches!(s, "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n");
    date || word
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tree_writes_as_commented_yaml_in_its_order() {
        let mut root = Node::map();
        root.put("authpack", 1, None);
        let mut patient = Node::map();
        patient.put("last_name", "O'Brien: \"Jr\"", Some("from Patient/p1".into()));
        patient.put("date_of_birth", "1979-08-23", None);
        root.set("patient", patient, None);
        let mut trial = Node::map();
        trial.put("drug", "sertraline", Some("from MedicationStatement/m1".into()));
        trial.fill("outcome", "how it went: no-response | partial-response");
        root.set("trials", Node::Seq(vec![trial]), None);
        let yaml = root.to_yaml();
        assert_eq!(
            yaml,
            "authpack: 1\npatient:\n  last_name: \"O'Brien: \\\"Jr\\\"\"   # from Patient/p1\n  date_of_birth: 1979-08-23\n\
             trials:\n  - drug: sertraline   # from MedicationStatement/m1\n    outcome: !fill   # how it went: no-response | partial-response\n"
        );
        assert_eq!(root.fills(), vec!["trials[0].outcome"]);
        assert_eq!(root.to_json()["trials"][0]["outcome"], json!(null));
    }
}
