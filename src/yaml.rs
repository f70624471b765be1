//! YAML to typed values, reporting every problem at once: the one loading path
//! for every YAML file a user edits (intakes, policy profiles, the evidence library).
//!
//! The text is normalised (CR and CRLF become LF) and parsed once, with resource
//! limits, into a tree of nodes that remember their line, column and tag. A serde
//! `Deserializer` over that tree then fills the typed value. Where a value does
//! not fit (an unknown field, a misspelt enumeration, text where a number belongs,
//! an invalid date) it records a diagnostic with the path and position and
//! carries on with a placeholder, so one run reports every problem; the paths
//! that hold placeholders are kept, so later checks can skip exactly what rests
//! on them. Any diagnostic means the typed value is not used to build.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, Visitor};
use serde::{Deserialize, forward_to_deserialize_any};
use serde_saphyr::{Budget, Options, Spanned, Tagged};

use crate::diag::{Diagnostic, Pos, did_you_mean};

/// Where each value of the intake is, by YAML path.
pub type Positions = BTreeMap<String, Pos>;

/// Files larger than this are refused before parsing: a real intake is a few KB.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

/// The tag that marks a starter's example value: an intake still holding one is refused.
pub const EXAMPLE_TAG: &str = "!example";

/// The tag an import (`authpack import fhir`) puts on a value its source could
/// not supply: an intake still holding one is refused, naming each field.
pub const FILL_TAG: &str = "!fill";

/// Tags a value may carry: YAML's core schema, [`EXAMPLE_TAG`] and [`FILL_TAG`].
const ALLOWED_TAGS: &[&str] = &[
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
    EXAMPLE_TAG,
    FILL_TAG,
];

/// A parsed YAML value with its position and tag.
#[derive(Debug)]
struct Node {
    value: Value,
    pos: Pos,
    tag: Option<String>,
}

#[derive(Debug)]
enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

#[derive(Debug)]
struct Key {
    name: String,
    pos: Pos,
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "true/false",
            Value::Int(_) => "a whole number",
            Value::Float(_) => "a number",
            Value::Str(_) => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The value as a message quotes it, with a leading space: ` 'trd'`, ` 8`;
    /// empty for a list or mapping.
    fn quoted(&self) -> String {
        match self {
            Value::Str(s) => format!(" '{}'", preview(s)),
            Value::Int(i) => format!(" {i}"),
            Value::Float(f) => format!(" {f}"),
            Value::Bool(b) => format!(" {b}"),
            _ => String::new(),
        }
    }
}

/// A scalar type whose text the deserializer validates in place, so that a bad
/// value becomes a diagnostic rather than the end of the run.
pub(crate) struct Checked {
    /// The newtype name the type passes to `deserialize_newtype_struct`.
    pub name: &'static str,
    /// Validates the text, explaining what is wrong.
    pub validate: fn(&str) -> Result<(), String>,
    /// A valid stand-in used after an error has been recorded.
    pub placeholder: &'static str,
    /// What the value is, for messages ("date", "NPI").
    pub what: &'static str,
}

/// What reading a file gave: the value (with placeholders where values did not fit,
/// when `diagnostics` is not empty), the positions, the paths that hold
/// placeholders, and the problems.
pub(crate) struct Read<T> {
    pub value: Option<T>,
    pub positions: Positions,
    pub placeholders: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Line breaks as LF: CommonMark ends a line at a bare CR too, so every stage sees one kind.
pub fn normalise_line_breaks(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n").into() } else { text.into() }
}

/// A character no text field may hold: C0 and C1 controls other than tab and
/// newline, DEL, bidirectional embeddings, overrides and isolates, and
/// zero-width characters (they hide or reorder what a reader sees).
pub fn forbidden_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The scalar types a data file (a policy profile, the evidence library, a
/// reference table) validates as it is read: dates.
pub(crate) const DATES: &[Checked] = &[Checked {
    name: crate::date::DATE_TYPE_NAME,
    validate: |t| crate::date::Date::parse(t).map(drop),
    placeholder: "2000-01-01",
    what: "date",
}];

/// Parses a bundled data file, which tests prove loads; a failure is a bug.
pub(crate) fn bundled<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> T {
    from_str::<T>(text, DATES).map(|(v, _)| v).unwrap_or_else(|d| panic!("bundled {name} does not load: {d:?}"))
}

/// Parses `text` and deserializes it as `T`, or returns every problem found.
pub(crate) fn from_str<T: for<'de> Deserialize<'de>>(
    text: &str,
    checked: &'static [Checked],
) -> Result<(T, Positions), Vec<Diagnostic>> {
    let read = read::<T>(text, checked);
    match read.value {
        Some(value) if read.diagnostics.is_empty() => Ok((value, read.positions)),
        _ => Err(read.diagnostics),
    }
}

/// Parses `text` and deserializes it as `T`, keeping a placeholder-filled value
/// alongside the problems so later checks can still run on the rest.
pub(crate) fn read<T: for<'de> Deserialize<'de>>(text: &str, checked: &'static [Checked]) -> Read<T> {
    let fail = |d: Vec<Diagnostic>| Read {
        value: None,
        positions: Positions::new(),
        placeholders: Vec::new(),
        diagnostics: d,
    };
    if text.len() > MAX_INPUT_BYTES {
        return fail(vec![Diagnostic::error(
            "",
            format!("the intake is {} bytes; the most accepted is {MAX_INPUT_BYTES}", text.len()),
        )]);
    }
    if text.trim().is_empty() {
        return fail(vec![
            Diagnostic::error("", "the intake is empty")
                .hint("run `authpack init` to write a commented starter intake"),
        ]);
    }
    let text = normalise_line_breaks(text);
    let root = match parse(&text) {
        Ok(root) => root,
        Err(d) => return fail(vec![d]),
    };
    let ctx = Ctx {
        diagnostics: RefCell::new(Vec::new()),
        positions: RefCell::new(BTreeMap::new()),
        placeholders: RefCell::new(Vec::new()),
        checked,
    };
    let de = NodeDe { node: Some(&root), pos: root.pos, path: String::new(), ctx: &ctx, quiet: false };
    de.check_tag();
    let result = T::deserialize(de);
    let mut diagnostics = ctx.diagnostics.into_inner();
    let value = match result {
        Ok(value) => Some(value),
        Err(e) => {
            diagnostics.push(Diagnostic::error(e.path, e.message).at(e.pos));
            None
        }
    };
    crate::diag::sort(&mut diagnostics);
    Read { value, positions: ctx.positions.into_inner(), placeholders: ctx.placeholders.into_inner(), diagnostics }
}

/// An intake's text as an ordered tree of its values, for editing: the same
/// parse (and limits) as loading, every field in its place, `!fill` and
/// `!example` marks kept. Types are not checked; `check` does that.
pub(crate) fn tree(text: &str) -> Result<crate::intake::tree::Node, Diagnostic> {
    fn convert(node: Node) -> crate::intake::tree::Node {
        use crate::intake::tree::{Field, Node as Tree};
        let json = |v: Value| match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => b.into(),
            Value::Int(i) => i64::try_from(i).map(Into::into).unwrap_or_else(|_| i.to_string().into()),
            Value::Float(f) => serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into),
            Value::Str(s) => s.into(),
            Value::Seq(_) | Value::Map(_) => unreachable!("scalars only"),
        };
        match (node.tag.as_deref(), node.value) {
            (Some(FILL_TAG), _) => Tree::Fill,
            (_, Value::Seq(items)) => Tree::Seq(items.into_iter().map(convert).collect()),
            (_, Value::Map(fields)) => Tree::Map(
                fields.into_iter().map(|(k, v)| Field { key: k.name, value: convert(v), note: None }).collect(),
            ),
            (Some(EXAMPLE_TAG), v) => Tree::Example(json(v)),
            (_, v) => Tree::Value(json(v)),
        }
    }
    parse(&normalise_line_breaks(text)).map(convert)
}

fn parse(text: &str) -> Result<Node, Diagnostic> {
    let mut budget = Budget::default();
    budget.max_depth = 32;
    budget.max_nodes = 100_000;
    budget.max_events = 200_000;
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_total_scalar_bytes = MAX_INPUT_BYTES;
    budget.max_documents = 1;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    // Duplicate keys reach authpack's deserializer, which reports them with their path.
    options.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::PassThrough;
    let spanned: RawSpanned = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let pos = e.location().map(|l| Pos { line: l.line() as u32, column: l.column() as u32 });
        let message = e.without_snippet().to_string();
        if message.contains("budget") && message.to_ascii_lowercase().contains("document") {
            Diagnostic::error("", "an intake is one YAML document, but a second one starts here")
                .at(pos)
                .hint("remove the `---` line and what follows, or make it a separate intake file")
        } else if message.contains("budget") || message.contains("recursion limit") {
            Diagnostic::error("", "the file is too large or too deeply nested to be an intake")
                .at(pos)
                .hint("an intake nests at most 32 levels, holds at most 100000 values and 1000 aliases")
        } else {
            Diagnostic::error("", format!("the file is not valid YAML: {message}"))
                .at(pos)
                .hint("check indentation, quotes and colons near that line")
        }
    })?;
    let root = spanned_to_node(spanned);
    match root.value {
        Value::Map(_) => Ok(root),
        Value::Null => Err(Diagnostic::error("", "the intake is empty (it holds only comments)")
            .hint("run `authpack init` to write a commented starter intake")),
        _ => Err(Diagnostic::error("", format!("the intake must be a mapping of fields, not {}", root.value.kind()))
            .at(Some(root.pos))),
    }
}

/// What serde-saphyr builds; converted to [`Node`] once parsing succeeds.
struct RawNode(Value);

/// A raw node with its position and tag, as serde-saphyr reports them.
type RawSpanned = Spanned<Tagged<RawNode>>;

fn location_pos(l: serde_saphyr::Location) -> Pos {
    Pos { line: l.line() as u32, column: l.column() as u32 }
}

fn spanned_to_node(s: RawSpanned) -> Node {
    let Tagged(raw, tag) = s.value;
    // A value left to fill is nothing yet, whatever text follows the mark.
    let value = if tag.as_deref() == Some(FILL_TAG) { Value::Null } else { raw.0 };
    Node { value, pos: location_pos(s.referenced), tag }
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawNode;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawNode, E> {
        Ok(RawNode(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawNode, E> {
        Ok(RawNode(Value::Int(v.into())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawNode, E> {
        Ok(RawNode(Value::Int(v.into())))
    }
    fn visit_i128<E>(self, v: i128) -> Result<RawNode, E> {
        Ok(RawNode(Value::Int(v)))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawNode, E> {
        i128::try_from(v).map(|v| RawNode(Value::Int(v))).map_err(|_| E::custom("number too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawNode, E> {
        Ok(RawNode(Value::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawNode, E> {
        Ok(RawNode(Value::Str(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<RawNode, E> {
        Ok(RawNode(Value::Str(v)))
    }
    fn visit_unit<E>(self) -> Result<RawNode, E> {
        Ok(RawNode(Value::Null))
    }
    fn visit_none<E>(self) -> Result<RawNode, E> {
        Ok(RawNode(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
        RawNode::deserialize(d)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawNode, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<RawSpanned>()? {
            items.push(spanned_to_node(item));
        }
        Ok(RawNode(Value::Seq(items)))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<RawNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<RawSpanned>()? {
            let name = match key.value.0.0 {
                Value::Str(s) => s,
                Value::Int(i) => i.to_string(),
                Value::Bool(b) => b.to_string(),
                other => return Err(de::Error::custom(format!("a field name must be text, not {}", other.kind()))),
            };
            let value = spanned_to_node(map.next_value::<RawSpanned>()?);
            entries.push((Key { name, pos: location_pos(key.referenced) }, value));
        }
        Ok(RawNode(Value::Map(entries)))
    }
}

struct Ctx {
    diagnostics: RefCell<Vec<Diagnostic>>,
    positions: RefCell<Positions>,
    /// Paths whose value did not fit and holds a placeholder.
    placeholders: RefCell<Vec<String>>,
    checked: &'static [Checked],
}

/// An error that could not be recovered from in place (a type's own
/// `Deserialize` refused a value); it ends deserialization.
#[derive(Debug)]
pub(crate) struct Error {
    path: String,
    pos: Option<Pos>,
    message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        Error { path: String::new(), pos: None, message: msg.to_string() }
    }
}

/// Deserializes one node; `node` is `None` for a field the intake leaves out.
#[derive(Clone)]
struct NodeDe<'a> {
    node: Option<&'a Node>,
    pos: Pos,
    path: String,
    ctx: &'a Ctx,
    /// Set below a value already reported, so one problem is not reported many times.
    quiet: bool,
}

impl<'a> NodeDe<'a> {
    /// Reports that this value does not fit: a placeholder stands in for it.
    fn report(&self, message: String, hints: Vec<String>) {
        self.ctx.placeholders.borrow_mut().push(self.path.clone());
        self.report_at(self.pos, message, hints);
    }

    /// Reports a problem at `pos` without replacing any value.
    fn report_at(&self, pos: Pos, message: String, hints: Vec<String>) {
        if self.quiet {
            return;
        }
        let mut d = Diagnostic::error(self.path.clone(), message).at(Some(pos));
        d.hints = hints;
        self.ctx.diagnostics.borrow_mut().push(d);
    }

    /// Reports a tag outside YAML's core schema, and a starter's example value left in place.
    fn check_tag(&self) {
        let Some(node) = self.node else { return };
        let Some(tag) = node.tag.as_deref() else { return };
        if tag == FILL_TAG {
            self.report(
                "is still to be filled in: the import could not read it from the records".into(),
                vec![format!("write this patient's value (the comment beside it says what is allowed) and remove the {FILL_TAG} mark, or delete the line if it does not apply")],
            );
        } else if tag == EXAMPLE_TAG {
            let shown = node.value.quoted();
            self.report_at(
                node.pos,
                format!("still holds the starter's example value{shown}"),
                vec![format!("replace it with this patient's own value and remove the {EXAMPLE_TAG} mark")],
            );
        } else if !ALLOWED_TAGS.contains(&tag) {
            self.report_at(
                node.pos,
                format!("the tag '{}' is not allowed", preview(tag)),
                vec!["remove the tag: values are plain YAML text, numbers, dates, lists and mappings".into()],
            );
        }
    }

    fn missing(&self, what: &str) {
        let field = self.path.rsplit('.').next().unwrap_or(&self.path);
        let hint = if self.path == "authpack" {
            "add `authpack: 1` as the first line (the intake format version)".to_string()
        } else {
            format!("add {field}: ({what})")
        };
        self.report(format!("required field '{field}' is missing"), vec![hint]);
    }

    /// Reports that the node is not what the type wants, unless it is absent (then: missing).
    fn mismatch(&self, wanted: &str) {
        match self.node {
            None => self.missing(wanted),
            Some(Node { value: Value::Null, .. }) => {
                self.report(format!("expected {wanted}, found nothing"), vec!["give a value or remove the line".into()])
            }
            Some(node) => self
                .report(format!("expected {wanted}, found {}{}", node.value.kind(), node.value.quoted()), Vec::new()),
        }
    }

    fn child(&self, node: Option<&'a Node>, pos: Pos, path: String) -> NodeDe<'a> {
        if let Some(node) = node {
            self.ctx.positions.borrow_mut().insert(path.clone(), node.pos);
        }
        let child = NodeDe { node, pos, path, ctx: self.ctx, quiet: self.quiet };
        child.check_tag();
        // Left to fill: said once above; the type's own "found nothing" would say it twice.
        if node.and_then(|n| n.tag.as_deref()) == Some(FILL_TAG) { child.quieted() } else { child }
    }

    fn quieted(mut self) -> Self {
        self.quiet = true;
        self
    }

    fn with_path(&self, mut e: Error) -> Error {
        if e.pos.is_none() {
            e.path = self.path.clone();
            e.pos = Some(self.pos);
        }
        e
    }

    fn int(&self, wanted: &str, lo: i128, hi: i128) -> i128 {
        match self.node.map(|n| &n.value) {
            Some(Value::Int(i)) if (lo..=hi).contains(i) => *i,
            Some(Value::Int(i)) => {
                self.report(format!("{i} is out of range; expected {wanted}"), Vec::new());
                lo.max(0)
            }
            // `1.0` is a number with a fraction, even when the fraction is zero: a whole number is written `1`.
            Some(Value::Float(f)) if f.fract() == 0.0 && f.abs() < 1e15 => {
                self.report(
                    format!("expected {wanted}, found a number with a decimal point"),
                    vec![format!("write it without the decimal point: {}", *f as i64)],
                );
                lo.max(0)
            }
            _ => {
                self.mismatch(wanted);
                lo.max(0)
            }
        }
    }

    fn float(&self) -> f64 {
        match self.node.map(|n| &n.value) {
            Some(Value::Int(i)) => *i as f64,
            Some(Value::Float(f)) if f.is_finite() => *f,
            _ => {
                self.mismatch("a number");
                0.0
            }
        }
    }

    fn text(&self) -> Option<&'a str> {
        match self.node.map(|n| &n.value) {
            Some(Value::Str(s)) => {
                if let Some(c) = s.chars().find(|c| forbidden_char(*c)) {
                    self.report_at(
                        self.pos,
                        format!("holds the invisible control character U+{:04X}", c as u32),
                        vec![
                            "retype the value: control, bidirectional and zero-width characters are not allowed".into(),
                        ],
                    );
                }
                Some(s)
            }
            Some(Value::Int(_) | Value::Float(_) | Value::Bool(_)) => {
                self.report(
                    format!("expected text, found {}", self.node.map_or("", |n| n.value.kind())),
                    vec!["put the value in quotes, for example \"0123\"".into()],
                );
                None
            }
            _ => {
                self.mismatch("text");
                None
            }
        }
    }
}

macro_rules! deserialize_int {
    ($($method:ident $visit:ident $ty:ty, $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let v = self.int($what, <$ty>::MIN as i128, <$ty>::MAX as i128);
            visitor.$visit(v as $ty).map_err(|e| self.with_path(e))
        }
    )*};
}

impl<'de, 'a> Deserializer<'de> for NodeDe<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.map(|n| &n.value) {
            None | Some(Value::Null) => visitor.visit_unit(),
            Some(Value::Bool(b)) => visitor.visit_bool(*b),
            Some(Value::Int(i)) => match (i64::try_from(*i), u64::try_from(*i)) {
                (Ok(v), _) => visitor.visit_i64(v),
                (_, Ok(v)) => visitor.visit_u64(v),
                _ => visitor.visit_i128(*i),
            },
            Some(Value::Float(f)) => visitor.visit_f64(*f),
            Some(Value::Str(s)) => visitor.visit_str(s),
            Some(Value::Seq(_)) => self.deserialize_seq(visitor),
            Some(Value::Map(_)) => self.deserialize_map(visitor),
        }
    }

    deserialize_int! {
        deserialize_u8 visit_u8 u8, "a whole number from 0 to 255";
        deserialize_u16 visit_u16 u16, "a whole number from 0 to 65535";
        deserialize_u32 visit_u32 u32, "a whole number, 0 or more";
        deserialize_u64 visit_u64 u64, "a whole number, 0 or more";
        deserialize_i8 visit_i8 i8, "a whole number";
        deserialize_i16 visit_i16 i16, "a whole number";
        deserialize_i32 visit_i32 i32, "a whole number";
        deserialize_i64 visit_i64 i64, "a whole number";
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let v = self.float();
        visitor.visit_f64(v).map_err(|e| self.with_path(e))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let v = match self.node.map(|n| &n.value) {
            Some(Value::Bool(b)) => *b,
            _ => {
                self.mismatch("true or false");
                false
            }
        };
        visitor.visit_bool(v).map_err(|e| self.with_path(e))
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let v = self.text().unwrap_or_default();
        visitor.visit_str(v).map_err(|e| self.with_path(e))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.map(|n| &n.value) {
            None | Some(Value::Null) => visitor.visit_none(),
            Some(_) => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Error> {
        let Some(checked) = self.ctx.checked.iter().find(|c| c.name == name) else {
            return visitor.visit_newtype_struct(self);
        };
        let text = self.text();
        let valid = match text {
            Some(t) => match (checked.validate)(t) {
                Ok(()) => Some(t),
                Err(why) => {
                    self.report(format!("invalid {} '{}': {why}", checked.what, preview(t)), Vec::new());
                    None
                }
            },
            None => None,
        };
        let value = valid.unwrap_or(checked.placeholder);
        visitor
            .visit_newtype_struct(value.into_deserializer())
            .map_err(|e: de::value::Error| self.with_path(de::Error::custom(e)))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let items: &[Node] = match self.node.map(|n| &n.value) {
            Some(Value::Seq(items)) => items,
            None | Some(Value::Null) => &[],
            Some(_) => {
                self.mismatch("a list (items starting with '- ')");
                &[]
            }
        };
        let seq = SeqDe { parent: &self, items: items.iter().enumerate() };
        visitor.visit_seq(seq).map_err(|e| self.with_path(e))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let entries: Vec<(String, Pos, Option<&Node>)> = match self.node.map(|n| &n.value) {
            Some(Value::Map(entries)) => entries.iter().map(|(k, v)| (k.name.clone(), v.pos, Some(v))).collect(),
            None | Some(Value::Null) => Vec::new(),
            Some(_) => {
                self.mismatch("a mapping");
                Vec::new()
            }
        };
        visitor
            .visit_map(MapDe { parent: &self, entries: entries.into_iter(), next: None })
            .map_err(|e| self.with_path(e))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let (entries, this) = match self.node.map(|n| &n.value) {
            Some(Value::Map(entries)) => (entries.as_slice(), self.clone()),
            _ => {
                self.mismatch(&format!("a mapping with fields {}", fields.join(", ")));
                (&[][..], self.clone().quieted())
            }
        };
        let mut seen: Vec<&str> = Vec::new();
        let mut out: Vec<(String, Pos, Option<&Node>)> = Vec::new();
        for (key, value) in entries {
            if let Some(field) = fields.iter().find(|f| **f == key.name) {
                if seen.contains(field) {
                    this.report_at(key.pos, format!("field '{}' is given twice", key.name), vec!["keep one".into()]);
                    continue;
                }
                seen.push(field);
                out.push((key.name.clone(), value.pos, Some(value)));
            } else {
                let hints = choice_hints(&key.name, fields, "allowed here");
                let at = this.path_of(&key.name);
                let reporter = NodeDe { path: at, ..this.clone() };
                reporter.report_at(key.pos, format!("unknown field '{}'", preview(&key.name)), hints);
            }
        }
        for field in fields {
            if !seen.contains(field) {
                out.push(((*field).to_string(), this.pos, None));
            }
        }
        let map = MapDe { parent: &this, entries: out.into_iter(), next: None };
        visitor.visit_map(map).map_err(|e| this.with_path(e))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let chosen = match self.node.map(|n| &n.value) {
            Some(Value::Str(s)) if variants.contains(&s.as_str()) => s.as_str(),
            Some(Value::Str(s)) => {
                let hints = choice_hints(s, variants, "expected one of");
                self.report(format!("unknown value '{}'", preview(s)), hints);
                variants[0]
            }
            _ => {
                let wanted = format!("one of: {}", variants.join(", "));
                self.mismatch(&wanted);
                variants[0]
            }
        };
        visitor
            .visit_enum(chosen.into_deserializer())
            .map_err(|e: de::value::Error| self.with_path(de::Error::custom(e)))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! { i128 u128 bytes byte_buf }
}

impl NodeDe<'_> {
    fn path_of(&self, field: &str) -> String {
        if self.path.is_empty() { field.to_string() } else { format!("{}.{field}", self.path) }
    }
}

/// The hints for a word that is not one of `choices`: the closest choice, when
/// one is close, then every choice after `label`.
fn choice_hints(word: &str, choices: &[&str], label: &str) -> Vec<String> {
    let close = did_you_mean(word, choices.iter().copied()).map(|c| format!("did you mean '{c}'?"));
    close.into_iter().chain([format!("{label}: {}", choices.join(", "))]).collect()
}

/// At most 40 characters of a user's value, for messages: enough to find it, no more.
pub(crate) fn preview(text: &str) -> String {
    let taken: String = text.chars().take(40).collect();
    let mut out = crate::diag::shown(&taken).into_owned();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

struct SeqDe<'p, 'a, I> {
    parent: &'p NodeDe<'a>,
    items: I,
}

impl<'de, 'a, I: Iterator<Item = (usize, &'a Node)>> de::SeqAccess<'de> for SeqDe<'_, 'a, I> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some((i, node)) => {
                let path = format!("{}[{i}]", self.parent.path);
                seed.deserialize(self.parent.child(Some(node), node.pos, path)).map(Some)
            }
            None => Ok(None),
        }
    }
}

struct MapDe<'p, 'a, I> {
    parent: &'p NodeDe<'a>,
    entries: I,
    next: Option<(String, Pos, Option<&'a Node>)>,
}

impl<'de, 'a, I: Iterator<Item = (String, Pos, Option<&'a Node>)>> de::MapAccess<'de> for MapDe<'_, 'a, I> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some(entry) => {
                let key: de::value::StringDeserializer<Error> = entry.0.clone().into_deserializer();
                self.next = Some(entry);
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (name, pos, node) = self.next.take().expect("next_value_seed follows next_key_seed");
        let path = self.parent.path_of(&name);
        seed.deserialize(self.parent.child(node, pos, path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        count: u32,
        kind: Kind,
        note: Option<String>,
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        dose: f64,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    enum Kind {
        First,
        SecondKind,
    }

    fn errors(text: &str) -> Vec<String> {
        match from_str::<Doc>(text, &[]) {
            Ok(_) => Vec::new(),
            Err(d) => d.iter().map(|d| format!("{}@{}: {}", d.path, d.line.unwrap_or(0), d.message)).collect(),
        }
    }

    #[test]
    fn a_good_document_loads_with_positions() {
        let (doc, positions) =
            from_str::<Doc>("name: a\ncount: 2\nkind: second-kind\nitems:\n  - dose: 1.5\n", &[]).unwrap();
        assert_eq!(doc.items[0].dose, 1.5);
        assert_eq!(positions["items[0].dose"], Pos { line: 5, column: 11 });
    }

    #[test]
    fn every_problem_is_reported_in_one_run() {
        let found = errors("nam: a\ncount: many\nkind: secnd-kind\nitems:\n  - dose: x\n    extra: 1\n");
        assert_eq!(
            found,
            [
                "nam@1: unknown field 'nam'",
                "name@1: required field 'name' is missing",
                "count@2: expected a whole number, 0 or more, found text 'many'",
                "kind@3: unknown value 'secnd-kind'",
                "items[0].dose@5: expected a number, found text 'x'",
                "items[0].extra@6: unknown field 'extra'",
            ]
        );
    }

    #[test]
    fn a_whole_number_is_written_without_a_fraction() {
        let found = errors("name: a\ncount: 1.0\nkind: first\nitems: []\n");
        assert_eq!(found, ["count@2: expected a whole number, 0 or more, found a number with a decimal point"]);
        assert!(errors("name: a\ncount: 1\nkind: first\nitems: []\n").is_empty());
    }

    #[test]
    fn numbers_for_text_and_wrong_shapes_are_reported() {
        let found = errors("name: 12\ncount: -1\nkind: [a]\nitems: {dose: 1}\n");
        assert_eq!(found.len(), 4, "{found:?}");
    }

    #[test]
    fn syntax_errors_and_bombs_stop_early_with_a_position() {
        let err = from_str::<Doc>("name: [unclosed\n", &[]).unwrap_err();
        assert!(err[0].message.starts_with("the file is not valid YAML"), "{err:?}");
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(from_str::<Doc>(&deep, &[]).is_err());
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        assert!(from_str::<Doc>(bomb, &[]).is_err());
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        count: u32,
        dose: f64,
        flag: bool,
        code: String,
    }

    #[test]
    fn an_example_value_is_one_error_naming_its_field_and_other_tags_are_refused() {
        let text = "name: !example Dana\ncount: !example 8\ndose: !example 0.5\nflag: !example true\ncode: !example \"62704\"\n";
        let d = from_str::<Doc>(text, &[]).unwrap_err();
        let paths: Vec<&str> = d.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["name", "count", "dose", "flag", "code"], "{d:?}");
        assert!(d.iter().all(|d| d.message.starts_with("still holds the starter's example value")), "{d:?}");
        let d = from_str::<Doc>("name: !!binary aGk=\ncount: 1\ndose: 1\nflag: true\ncode: x\n", &[]).unwrap_err();
        assert!(d.iter().any(|d| d.path == "name" && d.message.contains("tag")), "{d:?}");
        let d = from_str::<Doc>("name: !!python/object:os.system x\ncount: 1\ndose: 1\nflag: true\ncode: x\n", &[])
            .unwrap_err();
        assert!(d.iter().any(|d| d.path == "name" && d.message.contains("tag")), "{d:?}");
        let ok = from_str::<Doc>("name: !!str x\ncount: !!int 1\ndose: 1\nflag: true\ncode: x\n", &[]);
        assert!(ok.is_ok(), "{:?}", ok.err());
    }
}
