//! A small YAML writer for the typed models of the generated files. `serde`
//! serializes a model into a tree of nodes, written in one fixed style:
//! block mappings and sequences indented by two, every string a
//! double-quoted scalar (JSON's escapes are a subset of YAML's), so nothing
//! in a help text or a label value can break the file. Four wrappers ask
//! for another style where the reader expects it: [`Block`] (a literal
//! block, for PromQL), [`Plain`] (durations such as `5m`), [`Flow`] (a
//! one-line list) and [`Single`] (a single-quoted scalar).
//!
//! A `None` leaves its key out, as `skip_serializing_if` would. It writes
//! what the models need and refuses the rest (bytes, enums with
//! data, maps whose keys are not strings) with an error, never a wrong file.

use crate::{escape_double_quoted, one_line, Settings};
use serde::ser;
use serde::Serialize;
use std::fmt;

const BLOCK: &str = "$metricate_ops::yaml::Block";
const PLAIN: &str = "$metricate_ops::yaml::Plain";
const FLOW: &str = "$metricate_ops::yaml::Flow";
const SINGLE: &str = "$metricate_ops::yaml::Single";

/// A string written as a literal block scalar (`|-`), line for line.
#[derive(Serialize)]
#[serde(rename = "$metricate_ops::yaml::Block")]
pub(crate) struct Block<'a>(pub(crate) &'a str);

/// A string written as it is, unquoted: for values the caller knows are
/// plain YAML scalars of the type the reader expects (`5m`, `15s`).
#[derive(Serialize)]
#[serde(rename = "$metricate_ops::yaml::Plain")]
pub(crate) struct Plain(pub(crate) String);

/// A sequence written on one line: `["a", "b"]`.
#[derive(Serialize)]
#[serde(rename = "$metricate_ops::yaml::Flow")]
pub(crate) struct Flow<T>(pub(crate) T);

/// A string written single-quoted: `'severity="page"'`.
#[derive(Serialize)]
#[serde(rename = "$metricate_ops::yaml::Single")]
pub(crate) struct Single<'a>(pub(crate) &'a str);

/// What the writer cannot write.
#[derive(Debug)]
pub(crate) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error(msg.to_string())
    }
}

fn unsupported(what: &str) -> Error {
    Error(format!("the YAML writer does not write {what}"))
}

/// A serialized value, before it is written.
#[derive(Debug, PartialEq)]
enum Node {
    /// `None` or `()`: the entry holding it is left out.
    Null,
    /// A string, written double-quoted.
    Str(String),
    /// A scalar as it is written.
    Scalar(String),
    /// A string to write as a literal block.
    Block(String),
    Seq(Vec<Node>),
    /// A sequence of scalars on one line.
    Flow(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// `text` double-quoted, with JSON's escapes (every control character, and
/// what YAML 1.1 readers take for line breaks, as `\uXXXX`).
fn quoted(text: &str) -> String {
    format!("\"{}\"", escape_double_quoted(text))
}

/// `text` single-quoted: a quote doubled, nothing else escaped.
fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Whether `key` can be written unquoted.
fn plain_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

struct NodeSerializer;

impl ser::Serializer for NodeSerializer {
    type Ok = Node;
    type Error = Error;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = ser::Impossible<Node, Error>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = ser::Impossible<Node, Error>;

    fn serialize_bool(self, v: bool) -> Result<Node, Error> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn serialize_i8(self, v: i8) -> Result<Node, Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Node, Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Node, Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Node, Error> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn serialize_u8(self, v: u8) -> Result<Node, Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Node, Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Node, Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Node, Error> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn serialize_f32(self, v: f32) -> Result<Node, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Node, Error> {
        Ok(Node::Scalar(if v.is_nan() {
            ".nan".to_owned()
        } else if v.is_infinite() {
            if v > 0.0 { ".inf" } else { "-.inf" }.to_owned()
        } else {
            v.to_string()
        }))
    }
    fn serialize_char(self, v: char) -> Result<Node, Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<Node, Error> {
        Ok(Node::Str(v.to_owned()))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Node, Error> {
        Err(unsupported("bytes"))
    }
    fn serialize_none(self) -> Result<Node, Error> {
        Ok(Node::Null)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Node, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Node, Error> {
        Ok(Node::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Node, Error> {
        Ok(Node::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Node, Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Node, Error> {
        let node = value.serialize(NodeSerializer)?;
        let text = |node: Node| match node {
            Node::Str(text) => Ok(text),
            other => Err(Error(format!("{name} holds a string, not {other:?}"))),
        };
        Ok(match name {
            BLOCK => Node::Block(text(node)?),
            PLAIN => Node::Scalar(text(node)?),
            SINGLE => Node::Scalar(single_quoted(&text(node)?)),
            FLOW => match node {
                Node::Seq(items)
                    if items
                        .iter()
                        .all(|item| matches!(item, Node::Str(_) | Node::Scalar(_))) =>
                {
                    Node::Flow(items)
                }
                other => return Err(Error(format!("a flow list holds scalars, not {other:?}"))),
            },
            _ => node,
        })
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Node, Error> {
        Err(unsupported("enum variants with data"))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, Error> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqBuilder, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(unsupported("enum variants with data"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapBuilder, Error> {
        Ok(MapBuilder {
            entries: Vec::new(),
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<MapBuilder, Error> {
        Ok(MapBuilder {
            entries: Vec::with_capacity(len),
            key: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(unsupported("enum variants with data"))
    }
}

struct SeqBuilder(Vec<Node>);

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Node;
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.0.push(value.serialize(NodeSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Node, Error> {
        Ok(Node::Seq(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Node;
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Node, Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Node;
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Node, Error> {
        ser::SerializeSeq::end(self)
    }
}

struct MapBuilder {
    entries: Vec<(String, Node)>,
    key: Option<String>,
}

impl MapBuilder {
    fn push(&mut self, key: String, value: Node) {
        // An absent value leaves its key out, as `skip_serializing_if` would.
        if value != Node::Null {
            self.entries.push((key, value));
        }
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Node;
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        let Node::Str(text) = key.serialize(NodeSerializer)? else {
            return Err(unsupported("map keys that are not strings"));
        };
        self.key = Some(if plain_key(&text) {
            text
        } else {
            quoted(&text)
        });
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| Error("a map value without its key".to_owned()))?;
        let value = value.serialize(NodeSerializer)?;
        self.push(key, value);
        Ok(())
    }
    fn end(self) -> Result<Node, Error> {
        Ok(Node::Map(self.entries))
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Node;
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let value = value.serialize(NodeSerializer)?;
        let key = if plain_key(key) {
            key.to_owned()
        } else {
            quoted(key)
        };
        self.push(key, value);
        Ok(())
    }
    fn end(self) -> Result<Node, Error> {
        Ok(Node::Map(self.entries))
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// The lines of a literal block at `indent`, after its `|-` indicator.
fn write_block(out: &mut String, indent: usize, text: &str) {
    // A first line that starts with a space would set the block's
    // indentation: say it instead.
    if text.starts_with(' ') {
        out.push_str(" |2-\n");
    } else {
        out.push_str(" |-\n");
    }
    for line in text.lines() {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn write_flow(out: &mut String, items: &[Node]) {
    out.push('[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        match item {
            Node::Str(text) => out.push_str(&quoted(text)),
            Node::Scalar(text) => out.push_str(text),
            _ => {}
        }
    }
    out.push(']');
}

/// `node` after a `key:` or `-` already written, its children at `indent`.
fn write_value(out: &mut String, indent: usize, node: &Node) {
    match node {
        Node::Null => out.push_str(" null\n"),
        Node::Str(text) => {
            out.push(' ');
            out.push_str(&quoted(text));
            out.push('\n');
        }
        Node::Scalar(text) => {
            out.push(' ');
            out.push_str(text);
            out.push('\n');
        }
        Node::Block(text) => write_block(out, indent, text),
        Node::Flow(items) => {
            out.push(' ');
            write_flow(out, items);
            out.push('\n');
        }
        Node::Seq(items) if items.is_empty() => out.push_str(" []\n"),
        Node::Map(entries) if entries.is_empty() => out.push_str(" {}\n"),
        Node::Seq(items) => {
            out.push('\n');
            write_seq(out, indent, items);
        }
        Node::Map(entries) => {
            out.push('\n');
            write_map(out, indent, entries);
        }
    }
}

fn write_map(out: &mut String, indent: usize, entries: &[(String, Node)]) {
    for (key, value) in entries {
        pad(out, indent);
        out.push_str(key);
        out.push(':');
        write_value(out, indent + 2, value);
    }
}

fn write_seq(out: &mut String, indent: usize, items: &[Node]) {
    for item in items {
        pad(out, indent);
        out.push('-');
        match item {
            // The first entry or item on the dash's line, the rest under it.
            Node::Map(entries) if !entries.is_empty() => {
                let mut nested = String::new();
                write_map(&mut nested, indent + 2, entries);
                out.push(' ');
                out.push_str(&nested[indent + 2..]);
            }
            Node::Seq(inner) if !inner.is_empty() => {
                let mut nested = String::new();
                write_seq(&mut nested, indent + 2, inner);
                out.push(' ');
                out.push_str(&nested[indent + 2..]);
            }
            other => write_value(out, indent + 2, other),
        }
    }
}

/// `value` as a YAML document; a blank line between its top-level entries
/// when `spaced`. The value must serialize as a map (a struct).
pub(crate) fn to_string<T: Serialize>(value: &T, spaced: bool) -> Result<String, Error> {
    let Node::Map(entries) = value.serialize(NodeSerializer)? else {
        return Err(unsupported("a document that is not a map"));
    };
    let mut out = String::new();
    for (index, entry) in entries.iter().enumerate() {
        if spaced && index > 0 {
            out.push('\n');
        }
        write_map(&mut out, 0, std::slice::from_ref(entry));
    }
    Ok(out)
}

/// The header every generated YAML file starts with.
fn header(what: &str, settings: &Settings) -> String {
    format!(
        "# {what} of `{}`, generated by metricate from the binary's metric catalogue.\n# Do not edit: regenerate it with the binary's `emit` command.\n",
        one_line(&settings.job)
    )
}

/// A generated YAML file: its header comment, then `model`.
pub(crate) fn document<T: Serialize>(
    what: &str,
    settings: &Settings,
    model: &T,
    spaced: bool,
) -> String {
    let body = to_string(model, spaced)
        .expect("the models of the generated files hold only what the writer writes");
    header(what, settings) + &body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Rule<'a> {
        name: &'a str,
        expr: Block<'a>,
        #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
        pending: Option<Plain>,
        absent: Option<u32>,
        targets: Flow<Vec<&'a str>>,
        matchers: Flow<[Single<'a>; 1]>,
        enabled: bool,
        empty: Vec<u32>,
    }

    #[derive(Serialize)]
    struct File<'a> {
        groups: Vec<Rule<'a>>,
        names: Vec<&'a str>,
    }

    #[test]
    fn scalars_and_blocks_survive_what_they_quote() {
        assert_eq!(
            quoted("a \"b\" {{ $c }}\n\u{1}"),
            r#""a \"b\" {{ $c }}\n\u0001""#
        );
        assert_eq!(quoted("a\u{2028}b"), r#""a\u2028b""#);
        // C1 controls are outside YAML's printable set, U+0085 included.
        assert_eq!(quoted("\u{80}\u{85}\u{9f}"), r#""\u0080\u0085\u009f""#);
        assert_eq!(single_quoted("it's"), "'it''s'");
        let file = File {
            groups: vec![Rule {
                name: "x: y",
                expr: Block("a\n  b\n\nc"),
                pending: Some(Plain("5m".to_owned())),
                absent: None,
                targets: Flow(vec!["a:1", "b:2"]),
                matchers: Flow([Single(r#"severity="page""#)]),
                enabled: true,
                empty: Vec::new(),
            }],
            names: vec!["rules.yml"],
        };
        let text = to_string(&file, true).expect("writable");
        assert_eq!(
            text,
            r#"groups:
  - name: "x: y"
    expr: |-
      a
        b

      c
    for: 5m
    targets: ["a:1", "b:2"]
    matchers: ['severity="page"']
    enabled: true
    empty: []

names:
  - "rules.yml"
"#
        );
        let indented = to_string(
            &Rule {
                name: "n",
                expr: Block("  leading\nnext"),
                pending: None,
                absent: Some(3),
                targets: Flow(Vec::new()),
                matchers: Flow([Single("")]),
                enabled: false,
                empty: vec![1],
            },
            false,
        )
        .expect("writable");
        assert!(
            indented.contains("expr: |2-\n    leading\n  next\n"),
            "{indented}"
        );
        assert!(indented.contains("absent: 3\n"), "{indented}");
        assert!(indented.contains("targets: []\n"), "{indented}");
        assert!(indented.contains("empty:\n  - 1\n"), "{indented}");
    }

    #[test]
    fn what_it_cannot_write_is_an_error() {
        assert!(to_string(&vec![1], false).is_err());
        assert!(to_string(&Flow(vec![vec![1]]), false).is_err());
        let mut keyed = std::collections::BTreeMap::new();
        keyed.insert(1, 2);
        assert!(to_string(&keyed, false).is_err());
    }
}
