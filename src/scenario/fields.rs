//! Field tables: each block of the format declares its fields once (name, value shape, whether
//! it is required, a one-line doc). The walker's unknown-field checks and "did you mean" read
//! these tables, and so does the JSON Schema (`schema.rs`), so the two cannot drift apart.

/// The fields of one block (a mapping) of the file.
pub struct Table {
    /// The block's id in the JSON Schema's `definitions`.
    pub id: &'static str,
    /// What the block is, one line.
    pub doc: &'static str,
    pub fields: &'static [Field],
    /// Unknown fields are errors (ecsnet's own blocks); else they are accepted and ignored, as
    /// in the AWS blocks pasted from the ECS API.
    pub strict: bool,
    /// Rules between fields that the JSON Schema can express.
    pub rules: &'static [Rule],
}

pub struct Field {
    pub name: &'static str,
    pub shape: Shape,
    pub presence: Presence,
    pub doc: &'static str,
    /// The value used when the field is absent, as JSON text (`"300"`, `"\"us-east-1\""`).
    pub default: Option<&'static str>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    /// An AWS field ecsnet accepts without using or checking it (listed for editors).
    Ignored,
}

/// The shape of a value, as written in YAML.
pub enum Shape {
    /// Any text.
    Text,
    /// An ecsnet object name: `[a-z0-9-]`, 1-40 characters.
    Name,
    /// An ECS name (container, family): letters, digits, `-` and `_`, 1-255 characters.
    EcsName,
    /// Text that must match a regular expression (for the schema; the parser checks it by hand).
    Pattern(&'static str),
    /// One of several shapes (`ports: 443` or `ports: 8000-8010`).
    AnyOf(&'static [Shape]),
    Bool,
    /// A whole number in a range; also accepted as a string of digits.
    Int {
        min: u64,
        max: u64,
    },
    /// One of fixed words.
    Enum(&'static [&'static str]),
    Ipv4,
    /// A CIDR block, host bits zero.
    Cidr,
    /// `443` or `8000-8010`.
    PortRange,
    /// `443/tcp`, `53/udp` or `443`.
    PortProto,
    List(&'static Shape),
    /// A nested block.
    Block(&'static Table),
    /// List entries that are one of several blocks, chosen by which keys an entry has.
    Variants(&'static [Variant]),
    /// `key: value` pairs of text.
    TextMap,
    /// Any value (an ignored AWS field).
    Any,
}

/// A block that an entry is when it has one of `when` keys (the last variant has none: it is
/// the default).
pub struct Variant {
    pub when: &'static [&'static str],
    pub table: &'static Table,
}

/// Constraints between the fields of a block.
pub enum Rule {
    /// Exactly one of these fields.
    ExactlyOne(&'static [&'static str]),
    /// When `field` is one of `values`, `then` is required.
    RequiredWhen { field: &'static str, values: &'static [&'static str], then: &'static str },
    /// When `field` is one of `values`, `then` must be absent.
    ForbiddenWhen { field: &'static str, values: &'static [&'static str], then: &'static str },
}

impl Table {
    /// The names of the fields the parser knows (ignored AWS fields excluded), in table order:
    /// the order of "valid fields in ..." messages and of "did you mean" ties.
    pub fn known(&self) -> Vec<&'static str> {
        self.fields.iter().filter(|f| f.presence != Presence::Ignored).map(|f| f.name).collect()
    }
}

/// A required field.
pub const fn req(name: &'static str, shape: Shape, doc: &'static str) -> Field {
    Field { name, shape, presence: Presence::Required, doc, default: None }
}

/// An optional field.
pub const fn opt(name: &'static str, shape: Shape, doc: &'static str) -> Field {
    Field { name, shape, presence: Presence::Optional, doc, default: None }
}

/// An optional field with a default (JSON text).
pub const fn def(name: &'static str, shape: Shape, default: &'static str, doc: &'static str) -> Field {
    Field { name, shape, presence: Presence::Optional, doc, default: Some(default) }
}

/// An AWS field accepted and ignored.
pub const fn ignored(name: &'static str, doc: &'static str) -> Field {
    Field { name, shape: Shape::Any, presence: Presence::Ignored, doc, default: None }
}
