//! The interview's questions: the intake's JSON Schema read as a tree of
//! fields, each with its label, its help (the schema's description) and the
//! kind of answer it takes, in the order the starter intake lists them.
//!
//! The same tree turns the posted form back into the intake: a field whose
//! answer is what the page showed leaves the document's value untouched (so an
//! intake opened and saved keeps its values and types), an emptied field is
//! removed, and anything the interview has no question for is carried through.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value as Json;

use crate::intake::tree::{Field as Entry, Node};

/// The kind of answer a field takes.
#[derive(Clone, Debug)]
pub enum Kind {
    /// One line of text.
    Text,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// A number.
    Number,
    /// Yes or no.
    Bool,
    /// One of a list: the value and what it means; `true`/`false` stand for booleans.
    Choice(Vec<(String, String)>),
    /// A list of short texts, one a line.
    Lines,
    /// A group of fields.
    Group(Vec<Field>),
    /// Repeating rows, each a group.
    Rows(Vec<Field>),
    /// Anything else, written as YAML.
    Yaml,
}

/// One question.
#[derive(Clone, Debug)]
pub struct Field {
    /// The intake's key.
    pub key: String,
    /// What the schema says it is.
    pub help: String,
    /// Whether the intake requires it (within its block).
    pub required: bool,
    /// The answer it takes.
    pub kind: Kind,
}

impl Field {
    /// The key in words: `date_of_birth` as "Date of birth".
    pub fn label(&self) -> String {
        label(&self.key)
    }
}

/// A key in words.
pub fn label(key: &str) -> String {
    let words = key.replace('_', " ");
    let mut chars = words.chars();
    let spoken = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    // Abbreviations read as such.
    spoken
        .split(' ')
        .map(|w| match w {
            "npi" | "Npi" => "NPI".to_string(),
            "ndc" | "Ndc" => "NDC".to_string(),
            "id" => "ID".to_string(),
            "mg" => "(mg)".to_string(),
            "rems" | "Rems" => "REMS".to_string(),
            "pdmp" | "Pdmp" => "PDMP".to_string(),
            w => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The intake's blocks, in the interview's order.
pub fn blocks() -> &'static [Field] {
    static BLOCKS: OnceLock<Vec<Field>> = OnceLock::new();
    BLOCKS.get_or_init(|| {
        let schema: Json = serde_json::from_str(&crate::intake::schema_json()).expect("the schema is JSON");
        let order = key_order();
        let reader = Reader { defs: &schema["$defs"], order: &order };
        match reader.kind(&schema, "", 0) {
            Kind::Group(fields) => fields.into_iter().filter(|f| f.key != "authpack").collect(),
            _ => unreachable!("the intake is an object"),
        }
    })
}

/// Every key's place in the starter intakes, by its path without indices
/// (`patient.address.city`): the order the contract lists them in.
fn key_order() -> HashMap<String, usize> {
    let mut order = HashMap::new();
    for therapy in ["esketamine-nasal", "ketamine-iv"] {
        for kind in ["initial", "continuation", "appeal", "claim"] {
            let text = crate::intake::starter::starter(therapy, kind);
            let mut stack: Vec<(usize, String)> = Vec::new();
            for line in text.lines() {
                let trimmed = line.trim_start();
                if trimmed.starts_with('#') || trimmed.is_empty() {
                    continue;
                }
                let mut indent = line.len() - trimmed.len();
                let item = trimmed.strip_prefix("- ");
                let body = item.unwrap_or(trimmed);
                if item.is_some() {
                    indent += 2;
                }
                let Some((key, _)) = body.split_once(':') else { continue };
                if key.contains(' ') || key.starts_with(['"', '\'', '-']) {
                    continue;
                }
                while stack.last().is_some_and(|(i, _)| *i >= indent) {
                    stack.pop();
                }
                let path = match stack.last() {
                    Some((_, parent)) => format!("{parent}.{key}"),
                    None => key.to_string(),
                };
                let next = order.len();
                order.entry(path.clone()).or_insert(next);
                stack.push((indent, path));
            }
        }
    }
    order
}

struct Reader<'a> {
    defs: &'a Json,
    order: &'a HashMap<String, usize>,
}

impl Reader<'_> {
    /// The schema a `$ref`, or an `anyOf` of one schema and null, stands for.
    fn resolve<'s>(&'s self, node: &'s Json) -> &'s Json {
        if let Some(name) = node.get("$ref").and_then(Json::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
            return self.resolve(&self.defs[name]);
        }
        if let Some(any) = node.get("anyOf").and_then(Json::as_array) {
            let real: Vec<&Json> = any.iter().filter(|s| s.get("type") != Some(&Json::from("null"))).collect();
            if let [one] = real.as_slice() {
                return self.resolve(one);
            }
        }
        node
    }

    fn kind(&self, node: &Json, path: &str, depth: usize) -> Kind {
        let node = self.resolve(node);
        if let Some(options) = node.get("oneOf").and_then(Json::as_array) {
            let mut choices = Vec::new();
            for o in options {
                let o = self.resolve(o);
                let meaning = o.get("description").and_then(Json::as_str).unwrap_or("").to_string();
                match (o.get("const"), o.get("type").and_then(Json::as_str)) {
                    (Some(Json::String(v)), _) => choices.push((v.clone(), meaning)),
                    (None, Some("boolean")) => {
                        choices.push(("true".into(), "Yes".into()));
                        choices.push(("false".into(), "No".into()));
                    }
                    _ => return Kind::Yaml,
                }
            }
            return Kind::Choice(choices);
        }
        let types: Vec<&str> = match node.get("type") {
            Some(Json::String(t)) => vec![t.as_str()],
            Some(Json::Array(t)) => t.iter().filter_map(Json::as_str).filter(|t| *t != "null").collect(),
            _ => vec![],
        };
        let is_date = node.get("pattern").and_then(Json::as_str) == Some("^[0-9]{4}-[0-9]{2}-[0-9]{2}$");
        match types.as_slice() {
            ["string"] if is_date => Kind::Date,
            ["string"] | ["string", "integer"] => Kind::Text,
            ["number"] | ["integer"] => Kind::Number,
            ["boolean"] => Kind::Bool,
            ["object"] if node.get("properties").is_some() && depth < 6 => Kind::Group(self.fields(node, path, depth)),
            ["array"] => {
                let items = self.resolve(&node["items"]);
                match self.kind(items, path, depth + 1) {
                    Kind::Group(fields) => Kind::Rows(fields),
                    Kind::Text | Kind::Choice(_) => Kind::Lines,
                    _ => Kind::Yaml,
                }
            }
            _ => Kind::Yaml,
        }
    }

    fn fields(&self, node: &Json, path: &str, depth: usize) -> Vec<Field> {
        let required: Vec<&str> =
            node.get("required").and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str).collect();
        let mut fields: Vec<Field> = node["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(key, schema)| {
                let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                let help = schema
                    .get("description")
                    .or_else(|| self.resolve(schema).get("description"))
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string();
                Field {
                    key: key.clone(),
                    help,
                    required: required.contains(&key.as_str()),
                    kind: self.kind(schema, &at, depth + 1),
                }
            })
            .collect();
        let place = |f: &Field| {
            let at = if path.is_empty() { f.key.clone() } else { format!("{path}.{}", f.key) };
            self.order.get(&at).copied().unwrap_or(usize::MAX)
        };
        fields.sort_by(|a, b| place(a).cmp(&place(b)).then(a.key.cmp(&b.key)));
        fields
    }
}

/// A field's path in the intake, as diagnostics name it: `treatment_history.antidepressants[0].drug`.
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_string() } else { format!("{parent}.{key}") }
}

/// What the page shows for a value.
pub fn shown(kind: &Kind, value: Option<&Node>) -> String {
    match (kind, value) {
        (_, None) => String::new(),
        (Kind::Lines, Some(Node::Seq(items))) => items.iter().map(scalar).collect::<Vec<_>>().join("\n"),
        (Kind::Yaml, Some(v @ (Node::Map(_) | Node::Seq(_)))) => {
            let mut wrapper = Node::map();
            wrapper.set("v", v.clone(), None);
            // The value's own lines, without the wrapper's key.
            wrapper.to_yaml().lines().skip(1).map(|l| l.get(2..).unwrap_or("")).collect::<Vec<_>>().join("\n")
        }
        (_, Some(v)) => scalar(v),
    }
}

fn scalar(v: &Node) -> String {
    match v {
        Node::Value(Json::String(s)) | Node::Example(Json::String(s)) => s.clone(),
        Node::Value(Json::Null) | Node::Fill => String::new(),
        Node::Value(v) | Node::Example(v) => v.to_string(),
        Node::Map(_) | Node::Seq(_) => String::new(),
    }
}

/// The value an answer stands for; `None` when it is empty. A number or yes/no
/// that does not read as one is kept as text, for `check` to name.
pub fn value(kind: &Kind, answer: &str) -> Option<Node> {
    let answer = answer.trim_end_matches(['\r', '\n']);
    let text = answer.trim();
    if text.is_empty() {
        return None;
    }
    let json = match kind {
        Kind::Number => text
            .parse::<i64>()
            .map(Json::from)
            .or_else(|_| text.parse::<f64>().map(Json::from))
            .unwrap_or_else(|_| Json::from(text)),
        Kind::Bool | Kind::Choice(_) => match text {
            "true" => Json::Bool(true),
            "false" => Json::Bool(false),
            t => Json::from(t),
        },
        Kind::Lines => {
            let lines = answer.lines().map(str::trim).filter(|l| !l.is_empty());
            return Some(Node::Seq(lines.map(|l| Node::Value(l.into())).collect()));
        }
        Kind::Yaml => {
            let wrapped = format!("v:\n{}", answer.lines().map(|l| format!("  {l}\n")).collect::<String>());
            return match crate::yaml::tree(&wrapped) {
                Ok(Node::Map(mut fields)) if fields.len() == 1 => Some(fields.remove(0).value),
                _ => Some(Node::Value(text.into())),
            };
        }
        _ => Json::from(text),
    };
    Some(Node::Value(json))
}

/// One step of a path: a key, or an index into a list.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// `a.b[2].c` as its steps.
pub fn steps(path: &str) -> Option<Vec<Step>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() {
            return None;
        }
        out.push(Step::Key(key.to_string()));
        while let Some(r) = rest.strip_prefix('[') {
            let (n, tail) = r.split_once(']')?;
            out.push(Step::Index(n.parse().ok()?));
            rest = tail;
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

/// The value at a path, when there is one.
pub fn get<'v>(doc: &'v Node, path: &[Step]) -> Option<&'v Node> {
    path.iter().try_fold(doc, |v, s| match (s, v) {
        (Step::Key(k), Node::Map(fields)) => fields.iter().find(|f| &f.key == k).map(|f| &f.value),
        (Step::Index(i), Node::Seq(items)) => items.get(*i),
        _ => None,
    })
}

/// Sets (or, with `None`, removes) the value at a path, making the maps on
/// the way; a new key goes where the interview asks it. A row past the end of
/// a list is never made.
pub fn set(doc: &mut Node, path: &[Step], value: Option<Node>) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut here = doc;
    for (i, step) in parents.iter().enumerate() {
        if matches!(here, Node::Value(Json::Null) | Node::Fill) {
            *here = Node::map();
        }
        here = match (step, here) {
            (Step::Key(k), Node::Map(fields)) => {
                let at = match fields.iter().position(|f| &f.key == k) {
                    Some(at) => at,
                    None if value.is_none() => return,
                    None => {
                        let empty = match &path[i + 1] {
                            Step::Index(_) => Node::Seq(Vec::new()),
                            Step::Key(_) => Node::map(),
                        };
                        insert(fields, &path[..=i], Entry { key: k.clone(), value: empty, note: None })
                    }
                };
                &mut fields[at].value
            }
            (Step::Index(n), Node::Seq(items)) if *n < items.len() => &mut items[*n],
            _ => return,
        };
    }
    if matches!(here, Node::Value(Json::Null) | Node::Fill) && value.is_some() {
        *here = Node::map();
    }
    match (last, here, value) {
        (Step::Key(k), Node::Map(fields), Some(v)) => match fields.iter_mut().find(|f| &f.key == k) {
            Some(f) => f.value = v,
            None => {
                insert(fields, path, Entry { key: k.clone(), value: v, note: None });
            }
        },
        (Step::Key(k), Node::Map(fields), None) => fields.retain(|f| &f.key != k),
        (Step::Index(n), Node::Seq(items), Some(v)) if *n < items.len() => items[*n] = v,
        (Step::Index(n), Node::Seq(items), None) if *n < items.len() => {
            items.remove(*n);
        }
        _ => {}
    }
}

/// Puts a new field of a mapping where the interview lists it; returns its index.
fn insert(fields: &mut Vec<Entry>, path: &[Step], entry: Entry) -> usize {
    let siblings: Vec<&str> = match path.split_last().map(|(_, p)| p) {
        Some([]) => blocks().iter().map(|f| f.key.as_str()).collect(),
        Some(parent) => match field_at(parent).map(|f| &f.kind) {
            Some(Kind::Group(inner) | Kind::Rows(inner)) => inner.iter().map(|f| f.key.as_str()).collect(),
            _ => Vec::new(),
        },
        None => Vec::new(),
    };
    let rank = |key: &str| siblings.iter().position(|k| *k == key).unwrap_or(usize::MAX);
    let mine = rank(&entry.key);
    let at = fields.iter().position(|f| rank(&f.key) > mine && rank(&f.key) != usize::MAX).unwrap_or(fields.len());
    fields.insert(at, entry);
    at
}

/// The field a path's question is; rows' indices skipped.
pub fn field_at(path: &[Step]) -> Option<&'static Field> {
    let mut fields: &[Field] = blocks();
    let mut found = None;
    for step in path {
        if let Step::Key(k) = step {
            let f = fields.iter().find(|f| &f.key == k)?;
            fields = match &f.kind {
                Kind::Group(inner) | Kind::Rows(inner) => inner,
                _ => &[],
            };
            found = Some(f);
        }
    }
    found
}

/// Drops what an emptied form leaves behind: empty maps and lists, and nulls.
pub fn prune(v: &mut Node) {
    match v {
        Node::Map(fields) => {
            for f in fields.iter_mut() {
                prune(&mut f.value);
            }
            fields.retain(|f| !is_empty(&f.value));
        }
        Node::Seq(items) => {
            // An empty row stays (until removed), so rows keep the numbers the page shows.
            for item in items.iter_mut() {
                prune(item);
            }
            items.retain(|c| !matches!(c, Node::Value(Json::Null)));
        }
        _ => {}
    }
}

fn is_empty(v: &Node) -> bool {
    matches!(v, Node::Value(Json::Null)) || v.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_reads_as_the_contracts_blocks_in_its_order() {
        let keys: Vec<&str> = blocks().iter().map(|f| f.key.as_str()).collect();
        assert_eq!(&keys[..4], ["request", "patient", "payer", "prescriber"], "{keys:?}");
        let patient = blocks().iter().find(|f| f.key == "patient").unwrap();
        let Kind::Group(fields) = &patient.kind else { panic!("patient is a group") };
        let names: Vec<&str> = fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(&names[..2], ["first_name", "last_name"], "{names:?}");
        assert!(fields.iter().any(|f| f.key == "date_of_birth" && matches!(f.kind, Kind::Date) && f.required));
        let outcome = field_at(&steps("treatment_history.antidepressants[3].outcome").unwrap()).unwrap();
        let Kind::Choice(choices) = &outcome.kind else { panic!("an outcome is a choice") };
        assert!(choices.iter().any(|(v, m)| v == "no-response" && m.contains("No meaningful improvement")));
        assert!(!outcome.help.is_empty());
    }

    #[test]
    fn answers_set_and_remove_values_on_their_paths_in_the_contracts_order() {
        let mut doc = Node::map();
        set(&mut doc, &steps("patient.address.city").unwrap(), Some(Node::Value("Lakewood".into())));
        set(&mut doc, &steps("request.date").unwrap(), value(&Kind::Date, "2026-11-20"));
        set(&mut doc, &steps("diagnoses").unwrap(), Some(Node::Seq(vec![Node::map()])));
        set(&mut doc, &steps("diagnoses[0].code").unwrap(), value(&Kind::Text, "F33.2"));
        set(&mut doc, &steps("diagnoses[3].code").unwrap(), value(&Kind::Text, "F32.9"));
        assert_eq!(
            doc.to_yaml(),
            "request:\n  date: 2026-11-20\npatient:\n  address:\n    city: \"Lakewood\"\ndiagnoses:\n  - code: \"F33.2\"\n"
        );
        set(&mut doc, &steps("patient.address.city").unwrap(), None);
        prune(&mut doc);
        assert_eq!(doc.to_yaml(), "request:\n  date: 2026-11-20\ndiagnoses:\n  - code: \"F33.2\"\n");
        assert_eq!(value(&Kind::Number, "200"), Some(Node::Value(200.into())));
        assert_eq!(value(&Kind::Number, "12.5"), Some(Node::Value(12.5.into())));
        assert_eq!(value(&Kind::Number, "a lot"), Some(Node::Value("a lot".into())));
        assert_eq!(
            value(&Kind::Lines, "F33.2\n\nF41.1\n"),
            Some(Node::Seq(vec![Node::Value("F33.2".into()), Node::Value("F41.1".into())]))
        );
        assert_eq!(value(&Kind::Text, "  "), None);
        assert_eq!(
            steps("a.b[2].c"),
            Some(vec![Step::Key("a".into()), Step::Key("b".into()), Step::Index(2), Step::Key("c".into())])
        );
        assert_eq!(steps("a..b"), None);
    }
}
