//! A small JSON parser that produces a `marked_yaml` node tree with line/column markers, for
//! the valid JSON the YAML parser refuses. Iterative depth limit, no recursion beyond it.

use crate::i18n::tr;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, MarkedSequenceNode};
use marked_yaml::{Marker, Node, Span};
use std::collections::HashSet;

pub(crate) struct JsonError {
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub help: String,
    /// A syntax error (as opposed to a duplicate key or too deep nesting).
    pub syntax: bool,
}

/// The parser's position in the text.
struct Parser<'t> {
    chars: std::iter::Peekable<std::str::Chars<'t>>,
    index: usize,
    line: usize,
    col: usize,
    max_depth: usize,
}

pub(crate) fn parse(text: &str, max_depth: usize) -> Result<Node, JsonError> {
    let mut p = Parser { chars: text.chars().peekable(), index: 0, line: 1, col: 1, max_depth };
    p.ws();
    let n = p.value(1)?;
    p.ws();
    if p.peek().is_some() {
        return Err(p.err("unexpected characters after the JSON value"));
    }
    Ok(n)
}

impl Parser<'_> {
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        self.index += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn mark(&self) -> Marker {
        Marker::new(0, self.index, self.line, self.col)
    }

    fn err(&self, msg: &str) -> JsonError {
        JsonError {
            line: self.line,
            col: self.col,
            message: tr!("json-syntax", "JSON syntax error: { $detail }", detail = msg),
            help: tr!("json-syntax-help", "check the brackets, commas and quotes near here"),
            syntax: true,
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    fn expect(&mut self, c: char) -> Result<(), JsonError> {
        if self.peek() == Some(c) {
            self.bump();
            Ok(())
        } else {
            Err(self.err(&format!("expected `{c}`")))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, JsonError> {
        if depth > self.max_depth {
            return Err(JsonError {
                line: self.line,
                col: self.col,
                message: tr!("file-too-deep", "nesting is deeper than { $max } levels", max = self.max_depth),
                help: tr!("json-too-deep-help", "a task definition needs only a few levels of nesting"),
                syntax: false,
            });
        }
        let start = self.mark();
        match self.peek() {
            Some('{') => self.object(start, depth),
            Some('[') => self.array(start, depth),
            Some('"') => {
                let s = self.string()?;
                let mut n = MarkedScalarNode::new(Span::new_start(start), s);
                n.set_coerce(false);
                Ok(Node::Scalar(n))
            }
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(start),
            Some(c) if c.is_ascii_alphabetic() => self.literal(start),
            _ => Err(self.err("expected a value")),
        }
    }

    /// `{ "key": value, ... }`, keys unique.
    fn object(&mut self, start: Marker, depth: usize) -> Result<Node, JsonError> {
        self.bump();
        let mut map = MarkedMappingNode::new_empty(Span::new_start(start));
        let mut keys = HashSet::new();
        self.ws();
        if self.peek() == Some('}') {
            self.bump();
            return Ok(Node::Mapping(map));
        }
        loop {
            self.ws();
            let kmark = self.mark();
            if self.peek() != Some('"') {
                return Err(self.err("expected a string key"));
            }
            let key = self.string()?;
            if !keys.insert(key.clone()) {
                return Err(JsonError {
                    line: kmark.line(),
                    col: kmark.column(),
                    message: tr!("yaml-duplicate-key", "duplicate key `{ $key }`", key = super::walk::short(&key)),
                    help: tr!("json-duplicate-key-help", "keep only one"),
                    syntax: false,
                });
            }
            let mut k = MarkedScalarNode::new(Span::new_start(kmark), key);
            k.set_coerce(false);
            self.ws();
            self.expect(':')?;
            self.ws();
            let v = self.value(depth + 1)?;
            map.insert(k, v);
            self.ws();
            match self.bump() {
                Some(',') => continue,
                Some('}') => break,
                _ => return Err(self.err("expected `,` or `}`")),
            }
        }
        Ok(Node::Mapping(map))
    }

    /// `[ value, ... ]`.
    fn array(&mut self, start: Marker, depth: usize) -> Result<Node, JsonError> {
        self.bump();
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(']') {
            self.bump();
            return Ok(Node::Sequence(MarkedSequenceNode::new(Span::new_start(start), items)));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.bump() {
                Some(',') => continue,
                Some(']') => break,
                _ => return Err(self.err("expected `,` or `]`")),
            }
        }
        Ok(Node::Sequence(MarkedSequenceNode::new(Span::new_start(start), items)))
    }

    /// A number, kept as its text (as the YAML parser does).
    fn number(&mut self, start: Marker) -> Result<Node, JsonError> {
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E') {
                s.push(c);
                self.bump();
            } else {
                break;
            }
        }
        if !valid_number(&s) {
            return Err(self.err("invalid number"));
        }
        Ok(Node::Scalar(MarkedScalarNode::new(Span::new_start(start), s)))
    }

    /// `true`, `false` or `null`.
    fn literal(&mut self, start: Marker) -> Result<Node, JsonError> {
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_alphabetic() && s.len() < 8 {
                s.push(c);
                self.bump();
            } else {
                break;
            }
        }
        if !matches!(s.as_str(), "true" | "false" | "null") {
            return Err(self.err("expected a value"));
        }
        Ok(Node::Scalar(MarkedScalarNode::new(Span::new_start(start), s)))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self.bump().and_then(|c| c.to_digit(16)).ok_or_else(|| self.err("invalid \\u escape"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.expect('"')?;
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(self.err("unterminated string")),
                Some('"') => return Ok(s),
                Some('\\') => match self.bump() {
                    Some('"') => s.push('"'),
                    Some('\\') => s.push('\\'),
                    Some('/') => s.push('/'),
                    Some('b') => s.push('\u{8}'),
                    Some('f') => s.push('\u{c}'),
                    Some('n') => s.push('\n'),
                    Some('r') => s.push('\r'),
                    Some('t') => s.push('\t'),
                    Some('u') => {
                        let hi = self.hex4()?;
                        let c = if (0xD800..0xDC00).contains(&hi) {
                            if self.peek() == Some('\\') {
                                self.bump();
                                if self.bump() != Some('u') {
                                    return Err(self.err("invalid surrogate pair"));
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("invalid surrogate pair"));
                                }
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            } else {
                                None
                            }
                        } else {
                            char::from_u32(hi)
                        };
                        s.push(c.unwrap_or('\u{FFFD}'));
                    }
                    _ => return Err(self.err("invalid escape")),
                },
                Some(c) if (c as u32) < 0x20 => return Err(self.err("control character in string")),
                Some(c) => s.push(c),
            }
        }
    }
}

fn valid_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_len = i - int_start;
    if int_len == 0 || (int_len > 1 && b[int_start] == b'0') {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == f {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_positions() {
        let n = parse("{\n  \"a\": [1, -2.5e3, true, null],\n  \"b\": \"x\\u00e9\\ud83d\\ude00\"\n}", 64).ok().unwrap();
        let m = n.as_mapping().unwrap();
        let a = m.get_sequence("a").unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(a[1].as_scalar().unwrap().as_str(), "-2.5e3");
        let b = m.get_scalar("b").unwrap();
        assert_eq!(b.as_str(), "x\u{e9}\u{1F600}");
        assert!(!b.may_coerce());
        let start = b.span().start().unwrap();
        assert_eq!((start.line(), start.column()), (3, 8));
    }

    #[test]
    fn errors() {
        assert!(parse("{\"a\": 01}", 64).is_err());
        assert!(parse("{\"a\": 1,}", 64).is_err());
        assert!(parse("{\"a\" 1}", 64).is_err());
        assert!(parse("{\"a\": \"\\x\"}", 64).is_err());
        assert!(parse("{} x", 64).is_err());
        let e = parse("{\"a\": 1, \"a\": 2}", 64).err().unwrap();
        assert!(!e.syntax && e.message.contains("duplicate"));
        let e = parse(&"[".repeat(100_000), 64).err().unwrap();
        assert!(!e.syntax && e.message.contains("deeper"));
    }
}
