//! From bytes to a node tree: size and encoding checks, a nesting pre-check that keeps the
//! (recursive) YAML parser away from hostile input, and marked-yaml errors turned into
//! located diagnostics. JSON files go through the same YAML parser (JSON is YAML), with a
//! JSON parser of our own as fallback for the valid JSON that the YAML parser refuses.

use super::error::Diagnostic;
use super::json;
use super::located::Loc;
use crate::i18n::tr;
use marked_yaml::{LoadError, LoaderOptions, Node};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Deeper nesting is refused.
pub const MAX_DEPTH: usize = 64;

fn diagnostic(
    file: &Arc<PathBuf>,
    line: usize,
    col: usize,
    msg: impl Into<String>,
    help: impl Into<String>,
) -> Diagnostic {
    Diagnostic::new(&Loc::new(file.clone(), line.max(1), col.max(1)), msg, help)
}

/// Why a user-named file could not be read (see [`read_regular`]).
#[derive(Debug)]
pub enum ReadError {
    /// open(2) or read(2) failed.
    Io(std::io::Error),
    /// Not a regular file: what it is ("a FIFO", "a directory", ...).
    NotRegular(&'static str),
    /// Larger than the cap (bytes).
    TooBig(usize),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotRegular(kind) => write!(f, "not a regular file ({kind})"),
            ReadError::TooBig(cap) => write!(f, "larger than {} bytes", cap),
        }
    }
}

/// What a non-regular file is, in words.
fn kind_of(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_dir() {
        "a directory"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else {
        "not a file"
    }
}

/// Read a file that a user named, never blocking on it: opened with O_NONBLOCK (a FIFO
/// without a writer, or a device, cannot hold the open), checked to be a regular file on the
/// open descriptor (fstat, so no race with a rename between a stat and the open), and read up
/// to `cap` bytes (one more means [`ReadError::TooBig`]). Every file ecsnet reads from a
/// user's path goes through here: scenarios, `file:` task definitions, `--results`.
pub fn read_regular(path: &Path, cap: usize) -> Result<Vec<u8>, ReadError> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(ReadError::Io)?;
    let md = f.metadata().map_err(ReadError::Io)?;
    if !md.file_type().is_file() {
        return Err(ReadError::NotRegular(kind_of(&md.file_type())));
    }
    let mut buf = Vec::with_capacity((md.len() as usize).min(cap) + 1);
    f.take(cap as u64 + 1).read_to_end(&mut buf).map_err(ReadError::Io)?;
    if buf.len() > cap {
        return Err(ReadError::TooBig(cap));
    }
    Ok(buf)
}

/// Read a file as UTF-8 text, refusing large files and special ones. `at`: where the file was
/// referenced from (for errors about a file that cannot be read); else the errors point at the
/// file itself.
pub(crate) fn read_text(path: &Path, file: &Arc<PathBuf>, at: Option<&Loc>) -> Result<String, Diagnostic> {
    let here = || at.cloned().unwrap_or_else(|| Loc::new(file.clone(), 1, 1));
    let buf = match read_regular(path, MAX_FILE_BYTES) {
        Ok(b) => b,
        Err(ReadError::TooBig(_)) => return Err(too_big(file)),
        Err(ReadError::NotRegular(kind)) => {
            return Err(Diagnostic::new(
                &here(),
                tr!(
                    "file-not-regular",
                    "`{ $path }`: not a regular file ({ $kind })",
                    path = path.display(),
                    kind = kind_words(kind)
                ),
                tr!(
                    "file-not-regular-help",
                    "name a regular file: ecsnet does not read pipes, sockets, devices or directories"
                ),
            ));
        }
        Err(ReadError::Io(e)) => {
            return Err(Diagnostic::new(
                &here(),
                tr!("file-cannot-read", "cannot read `{ $path }`: { $error }", path = path.display(), error = e),
                if at.is_some() {
                    tr!("file-relative-help", "the path is relative to the directory of the scenario file")
                } else {
                    String::new()
                },
            ));
        }
    };
    decode(buf, file)
}

/// A non-regular file's kind (from [`kind_of`]) in the user's language.
fn kind_words(kind: &str) -> String {
    match kind {
        "a FIFO" => tr!("file-kind-fifo", "a FIFO"),
        "a directory" => tr!("file-kind-directory", "a directory"),
        "a socket" => tr!("file-kind-socket", "a socket"),
        "a character device" => tr!("file-kind-char-device", "a character device"),
        "a block device" => tr!("file-kind-block-device", "a block device"),
        _ => tr!("file-kind-other", "not a file"),
    }
}

fn too_big(file: &Arc<PathBuf>) -> Diagnostic {
    diagnostic(
        file,
        1,
        1,
        tr!(
            "file-too-big",
            "file is larger than { $mib } MiB; ecsnet refuses to parse it",
            mib = MAX_FILE_BYTES / (1024 * 1024)
        ),
        tr!("file-too-big-help", "scenario and task definition files are small; check that this is the right file"),
    )
}

fn decode(buf: Vec<u8>, file: &Arc<PathBuf>) -> Result<String, Diagnostic> {
    match String::from_utf8(buf) {
        Ok(s) => Ok(s),
        Err(e) => {
            let ok = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = ok.iter().filter(|b| **b == b'\n').count() + 1;
            let line_start = ok.iter().rposition(|b| *b == b'\n').map(|p| p + 1).unwrap_or(0);
            let col = String::from_utf8_lossy(&ok[line_start..]).chars().count() + 1;
            Err(diagnostic(
                file,
                line,
                col,
                tr!("file-not-utf8", "file is not valid UTF-8"),
                tr!("file-not-utf8-help", "save the file as UTF-8"),
            ))
        }
    }
}

/// Checks on the raw text before the YAML parser sees it.
pub(crate) fn precheck(text: &str, file: &Arc<PathBuf>) -> Result<(), Diagnostic> {
    if text.len() > MAX_FILE_BYTES {
        return Err(too_big(file));
    }
    if let Some((line, col)) = nul_position(text) {
        return Err(diagnostic(
            file,
            line,
            col,
            tr!("file-nul", "file contains a NUL character"),
            tr!("file-nul-help", "this does not look like a text file"),
        ));
    }
    nesting_scan(text, file)?;
    second_document(text, file)
}

fn nul_position(text: &str) -> Option<(usize, usize)> {
    let pos = text.find('\0')?;
    let before = &text[..pos];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map(|p| p + 1).unwrap_or(0);
    Some((line, before[start..].chars().count() + 1))
}

fn deep(file: &Arc<PathBuf>, line: usize, col: usize) -> Diagnostic {
    diagnostic(
        file,
        line,
        col,
        tr!("file-too-deep", "nesting is deeper than { $max } levels", max = MAX_DEPTH),
        tr!(
            "file-too-deep-help",
            "a scenario needs only a few levels of nesting; check the indentation and the brackets here"
        ),
    )
}

/// Estimate the nesting depth line by line, without parsing.
///
/// Safety argument: the YAML parser recurses once per nested node. Flow nesting (`[`, `{`) is
/// capped at 255 by the scanner itself; block nesting needs a strictly larger indentation (or a
/// compact `- `, `? `, `: ` on the same line) per level, except a block sequence directly under a
/// mapping key at the same column. The stack of open indentation columns computed below is thus
/// at least half the real block depth, whatever quotes or scalars the line contains, because it
/// looks at every line. Limiting it keeps the parser's recursion small. The bracket count is only
/// there to give a friendly located message for flow nesting.
fn nesting_scan(text: &str, file: &Arc<PathBuf>) -> Result<(), Diagnostic> {
    let mut scan = NestingScan::default();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let chars: Vec<char> = line.chars().collect();
        if let Err(col) = scan.line(&chars) {
            return Err(deep(file, i + 1, col));
        }
    }
    Ok(())
}

/// What `nesting_scan` carries from line to line.
#[derive(Default)]
struct NestingScan {
    /// Open block indentation columns.
    stack: Vec<usize>,
    /// Open flow brackets.
    flow: usize,
    /// Inside a quoted scalar that goes on over lines.
    quote: Option<char>,
    /// Inside a block scalar: lines indented more than this are its content.
    block_scalar: Option<usize>,
}

impl NestingScan {
    /// One line; Err(column) where the depth goes past the limit.
    fn line(&mut self, chars: &[char]) -> Result<(), usize> {
        let indent = chars.iter().take_while(|c| **c == ' ').count();
        let blank = chars[indent..].iter().all(|c| c.is_whitespace());
        if let Some(parent) = self.block_scalar {
            if blank || indent > parent {
                return Ok(());
            }
            self.block_scalar = None;
        }
        if blank || chars.get(indent) == Some(&'#') {
            return Ok(());
        }
        self.block_structure(chars, indent)?;
        let content_end = self.flow_brackets(chars)?;
        if self.quote.is_none() && is_block_scalar_header(&chars[..content_end]) {
            self.block_scalar = self.stack.last().copied();
        }
        Ok(())
    }

    /// Block structure: the line's first node and compact nested nodes after `- `, `? `, `: `.
    fn block_structure(&mut self, chars: &[char], indent: usize) -> Result<(), usize> {
        let mut cols = vec![indent];
        let mut p = indent;
        while p < chars.len() {
            let c = chars[p];
            let next_blank = chars.get(p + 1).is_none_or(|n| *n == ' ' || *n == '\t');
            if (c == '-' || c == '?' || c == ':') && next_blank {
                p += 1;
                while p < chars.len() && (chars[p] == ' ' || chars[p] == '\t') {
                    p += 1;
                }
                if p < chars.len() && chars[p] != '#' {
                    cols.push(p);
                    continue;
                }
            }
            break;
        }
        while self.stack.last().is_some_and(|top| *top > indent) {
            self.stack.pop();
        }
        for c in cols {
            if self.stack.last().is_none_or(|top| *top < c) {
                self.stack.push(c);
            }
            if self.stack.len() + self.flow > MAX_DEPTH {
                return Err(c + 1);
            }
        }
        Ok(())
    }

    /// Flow brackets (for the message) and quotes; returns where a comment starts (or the end).
    fn flow_brackets(&mut self, chars: &[char]) -> Result<usize, usize> {
        let mut prev_sig: Option<char> = None; // previous non-blank char outside quotes
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            if let Some(q) = self.quote {
                if c == '\\' && q == '"' {
                    j += 2;
                    continue;
                }
                if c == q {
                    if q == '\'' && chars.get(j + 1) == Some(&'\'') {
                        j += 2;
                        continue;
                    }
                    self.quote = None;
                    prev_sig = Some(c);
                }
                j += 1;
                continue;
            }
            let token_start = matches!(prev_sig, None | Some('[' | '{' | ',' | ':' | '-' | '?'))
                && (j == 0 || chars[j - 1] == ' ' || chars[j - 1] == '\t' || matches!(prev_sig, Some('[' | '{' | ',')));
            match c {
                '#' if j == 0 || chars[j - 1] == ' ' || chars[j - 1] == '\t' => return Ok(j),
                '"' | '\'' if token_start => self.quote = Some(c),
                '[' | '{' if token_start => {
                    self.flow += 1;
                    if self.stack.len() + self.flow > MAX_DEPTH {
                        return Err(j + 1);
                    }
                }
                ']' | '}' => self.flow = self.flow.saturating_sub(1),
                _ => {}
            }
            if c != ' ' && c != '\t' {
                prev_sig = Some(c);
            }
            j += 1;
        }
        Ok(chars.len())
    }
}

/// Does the line end with a block scalar indicator (`|`, `>-`, `|+2`, ...) after a blank?
fn is_block_scalar_header(chars: &[char]) -> bool {
    let mut end = chars.len();
    while end > 0 && (chars[end - 1] == ' ' || chars[end - 1] == '\t') {
        end -= 1;
    }
    let mut k = end;
    while k > 0 && (chars[k - 1] == '-' || chars[k - 1] == '+' || chars[k - 1].is_ascii_digit()) && end - k < 3 {
        k -= 1;
    }
    if k == 0 || !matches!(chars[k - 1], '|' | '>') {
        return false;
    }
    k -= 1;
    k == 0 || chars[k - 1] == ' ' || chars[k - 1] == '\t'
}

/// marked-yaml reads only the first document of a stream; refuse a second one.
fn second_document(text: &str, file: &Arc<PathBuf>) -> Result<(), Diagnostic> {
    let mut content = false;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let marker =
            |m: &str| line.starts_with(m) && line[m.len()..].chars().next().is_none_or(|c| c == ' ' || c == '\t');
        if marker("---") {
            if content {
                return Err(diagnostic(
                    file,
                    i + 1,
                    1,
                    tr!("yaml-second-document", "a second YAML document (`---`) is not supported"),
                    tr!("yaml-second-document-help", "put one scenario in each file"),
                ));
            }
            if !line[3..].trim().is_empty() && !line[3..].trim_start().starts_with('#') {
                content = true;
            }
            continue;
        }
        if marker("...") {
            continue;
        }
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') || (line.starts_with('%') && !content) {
            continue;
        }
        content = true;
    }
    Ok(())
}

/// Parse YAML text into a node tree whose top level is a mapping.
pub(crate) fn parse_yaml(text: &str, file: &Arc<PathBuf>, what: &str) -> Result<Node, Diagnostic> {
    precheck(text, file)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let opts = LoaderOptions::default().error_on_duplicate_keys(true).prevent_coercion(true);
    let node = marked_yaml::parse_yaml_with_options(0, text, opts).map_err(|e| load_error(e, file, what, text))?;
    check_depth(&node, file)?;
    Ok(node)
}

/// The real depth, computed without recursion.
fn check_depth(root: &Node, file: &Arc<PathBuf>) -> Result<(), Diagnostic> {
    let mut work: Vec<(&Node, usize)> = vec![(root, 1)];
    while let Some((n, depth)) = work.pop() {
        if depth > MAX_DEPTH {
            let (line, col) = n.span().start().map(|m| (m.line(), m.column())).unwrap_or((1, 1));
            return Err(deep(file, line, col));
        }
        match n {
            Node::Mapping(m) => work.extend(m.values().map(|v| (v, depth + 1))),
            Node::Sequence(s) => work.extend(s.iter().map(|v| (v, depth + 1))),
            Node::Scalar(_) => {}
        }
    }
    Ok(())
}

/// Where the anchor (`&name`) in front of the node at `index` starts, if there is one.
fn anchor_before(text: &str, index: usize) -> Option<(usize, usize)> {
    let chars: Vec<char> = text.chars().take(index).collect();
    let mut i = chars.len();
    while i > 0 && chars[i - 1].is_whitespace() {
        i -= 1;
    }
    let end = i;
    while i > 0 && !chars[i - 1].is_whitespace() {
        i -= 1;
    }
    if i == end || chars[i] != '&' {
        return None;
    }
    let line = chars[..i].iter().filter(|c| **c == '\n').count() + 1;
    let line_start = chars[..i].iter().rposition(|c| *c == '\n').map(|p| p + 1).unwrap_or(0);
    Some((line, i - line_start + 1))
}

/// "a scenario file", "a JSON task definition file" in the user's language.
fn file_words(what: &str) -> String {
    match what {
        "a scenario file" => tr!("file-words-scenario", "a scenario file"),
        "a JSON task definition file" => tr!("file-words-json", "a JSON task definition file"),
        other => other.to_string(),
    }
}

fn no_anchors() -> String {
    tr!(
        "yaml-no-anchors-help",
        "write the value out in full; ecsnet scenario files do not use YAML anchors (&), aliases (*) or merge keys (<<)"
    )
}

fn anchors_not_supported() -> String {
    tr!("yaml-no-anchors", "anchors and aliases are not supported")
}

fn load_error(e: LoadError, file: &Arc<PathBuf>, what: &str, text: &str) -> Diagnostic {
    let at = |m: &marked_yaml::Marker| (m.line(), m.column());
    match e {
        LoadError::TopLevelMustBeMapping(m) | LoadError::TopLevelMustBeSequence(m) => {
            let (l, c) = at(&m);
            diagnostic(
                file,
                l,
                c,
                tr!("yaml-top-not-mapping", "the top level of { $what } must be a mapping", what = file_words(what)),
                if what.contains("JSON") {
                    tr!(
                        "json-top-help",
                        "the file must hold one JSON object: `{ \"family\": ..., \"containerDefinitions\": [...] }`"
                    )
                } else {
                    tr!("yaml-top-help", "start the file with `version: 1` and `name: ...` on their own lines")
                },
            )
        }
        LoadError::UnexpectedAnchor(m) => {
            let (l, c) = anchor_before(text, m.character()).unwrap_or_else(|| at(&m));
            diagnostic(file, l, c, anchors_not_supported(), no_anchors())
        }
        LoadError::MappingKeyMustBeScalar(m) => {
            let (l, c) = at(&m);
            diagnostic(
                file,
                l,
                c,
                tr!("yaml-key-not-scalar", "mapping keys must be plain strings"),
                tr!("yaml-key-not-scalar-help", "use a field name as the key"),
            )
        }
        LoadError::UnexpectedTag(m) => {
            let (l, c) = at(&m);
            diagnostic(
                file,
                l,
                c,
                tr!("yaml-tags", "YAML tags (`!!str`, `!Ref`, ...) are not supported"),
                tr!("yaml-tags-help", "remove the tag; write plain values (quote a value to make it a string)"),
            )
        }
        LoadError::DuplicateKey(inner) => {
            let first = inner.prev_key.span().start().map(at).unwrap_or((1, 1));
            let (l, c) = inner.key.span().start().map(at).unwrap_or((1, 1));
            diagnostic(
                file,
                l,
                c,
                tr!("yaml-duplicate-key", "duplicate key `{ $key }`", key = super::walk::short(inner.key.as_str())),
                tr!(
                    "yaml-duplicate-key-help",
                    "it is already set at line { $line }:{ $col }; keep only one",
                    line = first.0,
                    col = first.1
                ),
            )
        }
        LoadError::ScanError(m, se) => {
            let (l, c) = at(&m);
            scan_error(file, l, c, se.info())
        }
    }
}

/// The YAML scanner's errors, with a help for the common ones.
fn scan_error(file: &Arc<PathBuf>, l: usize, c: usize, info: &str) -> Diagnostic {
    if info.contains("unknown anchor") {
        return diagnostic(file, l, c, anchors_not_supported(), no_anchors());
    }
    if info.contains("recursion limit") {
        return deep(file, l, c);
    }
    let help = if info.contains("tab") {
        tr!("yaml-tabs-help", "YAML does not allow tabs for indentation; use spaces")
    } else if info.contains("mapping values are not allowed") {
        tr!("yaml-colon-help", "check the indentation; a value containing `: ` must be quoted")
    } else {
        tr!("yaml-syntax-help", "check the indentation, brackets and quotes near here")
    };
    // The parser's own words stay as it writes them; ecsnet's frame and advice follow LANG.
    diagnostic(file, l, c, tr!("yaml-syntax", "YAML syntax error: { $detail }", detail = info), help)
}

/// Parse a JSON task definition file. The YAML parser is tried first; the valid JSON it refuses
/// (surrogate pair escapes, ...) goes through our own JSON parser; syntax errors in invalid JSON
/// are reported as serde_json sees them.
pub(crate) fn parse_json(text: &str, file: &Arc<PathBuf>) -> Result<Node, Diagnostic> {
    let what = "a JSON task definition file";
    precheck(text, file)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let opts = LoaderOptions::default().error_on_duplicate_keys(true).prevent_coercion(true);
    if let Ok(n) = marked_yaml::parse_yaml_with_options(0, text, opts) {
        check_depth(&n, file)?;
        return Ok(n);
    }
    match json::parse(text, MAX_DEPTH) {
        Ok(n) => {
            if n.as_mapping().is_none() {
                let top = LoadError::TopLevelMustBeMapping(marked_yaml::Marker::new(0, 0, 1, 1));
                return Err(load_error(top, file, what, text));
            }
            Ok(n)
        }
        Err(je) if !je.syntax => Err(diagnostic(file, je.line, je.col, je.message, je.help)),
        Err(je) => match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Err(se) if se.line() > 0 => {
                let msg = se.to_string();
                let msg = match msg.rfind(" at line ") {
                    Some(p) => msg[..p].to_string(),
                    None => msg,
                };
                Err(diagnostic(
                    file,
                    se.line(),
                    se.column(),
                    tr!("json-syntax", "JSON syntax error: { $detail }", detail = msg),
                    tr!("json-syntax-help", "check the brackets, commas and quotes near here"),
                ))
            }
            _ => Err(diagnostic(file, je.line, je.col, je.message, je.help)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f() -> Arc<PathBuf> {
        Arc::new(PathBuf::from("t.yaml"))
    }

    #[test]
    fn deep_flow_is_refused_quickly() {
        let text = format!("a: {}", "[".repeat(100_000));
        let t = std::time::Instant::now();
        let e = parse_yaml(&text, &f(), "a scenario").unwrap_err();
        assert!(e.message.contains("deeper than 64"), "{e}");
        assert_eq!((e.loc.line, e.loc.col), (1, 4 + 63));
        assert!(t.elapsed().as_secs() < 5);
    }

    #[test]
    fn deep_flow_at_line_start_is_refused() {
        let text = "[".repeat(100_000);
        let e = parse_yaml(&text, &f(), "a scenario").unwrap_err();
        assert!(e.message.contains("deeper than 64"), "{e}");
    }

    #[test]
    fn deep_block_lists_are_refused() {
        // 100k `- ` on one line (compact nested sequences)
        let text = format!("a:\n  {}x\n", "- ".repeat(100_000));
        let e = parse_yaml(&text, &f(), "a scenario").unwrap_err();
        assert!(e.message.contains("deeper than 64"), "{e}");
        assert_eq!(e.loc.line, 2);
        // and nested by indentation, one per line
        let mut text = String::from("a:\n");
        for i in 0..2_000usize {
            text.push_str(&" ".repeat(i + 1));
            text.push_str("-\n");
        }
        let e = parse_yaml(&text, &f(), "a scenario").unwrap_err();
        assert!(e.message.contains("deeper than 64"), "{e}");
    }

    #[test]
    fn deep_mappings_and_quotes_do_not_hide_depth() {
        let mut text = String::from("a: b:'c\n");
        for i in 0..200usize {
            text.push_str(&" ".repeat(i));
            text.push_str("k:\n");
        }
        assert!(parse_yaml(&text, &f(), "a scenario").is_err());
        let text = format!("a: \"x\" {}", "[\"]\", ".repeat(10_000));
        assert!(parse_yaml(&text, &f(), "a scenario").is_err());
    }

    #[test]
    fn moderate_nesting_is_fine() {
        let text = "a:\n  b:\n    - c: [1, [2, {d: e}]]\n      f: |\n        text\n            more text\n    - g\n";
        parse_yaml(text, &f(), "a scenario").unwrap();
    }

    #[test]
    fn second_document_is_refused() {
        let e = parse_yaml("a: 1\n---\nb: 2\n", &f(), "a scenario").unwrap_err();
        assert_eq!((e.loc.line, e.loc.col), (2, 1));
        parse_yaml("---\na: 1\n...\n", &f(), "a scenario").unwrap();
        parse_yaml("# c\n--- # x\na: 1\n", &f(), "a scenario").unwrap();
    }

    #[test]
    fn anchors_and_aliases() {
        let e = parse_yaml("a: &x 1\nb: *x\n", &f(), "a scenario").unwrap_err();
        assert!(e.message.contains("anchors and aliases are not supported"));
        assert_eq!((e.loc.line, e.loc.col), (1, 4));
        let e = parse_yaml("a:\n  &x\n  - 1\n", &f(), "a scenario").unwrap_err();
        assert_eq!((e.loc.line, e.loc.col), (2, 3));
        let e = parse_yaml("a: 1\nb: *x\n", &f(), "a scenario").unwrap_err();
        assert!(e.message.contains("anchors and aliases are not supported"));
    }

    #[test]
    fn nul_and_utf8() {
        let e = parse_yaml("a: 1\nb: \0\n", &f(), "a scenario").unwrap_err();
        assert_eq!((e.loc.line, e.loc.col), (2, 4));
        let e = decode(b"a: 1\nb: \xff\n".to_vec(), &f()).unwrap_err();
        assert_eq!((e.loc.line, e.loc.col), (2, 4));
    }

    #[test]
    fn json_fallbacks() {
        // surrogate pairs: refused by the YAML parser, fine for JSON
        let n = parse_json("{\"a\": \"\\ud83d\\ude00\", \"b\":\t1}", &f()).unwrap();
        assert_eq!(n.as_mapping().unwrap().get_scalar("a").unwrap().as_str(), "\u{1F600}");
        let e = parse_json("{\n  \"a\": 1,\n  \"b\": [1,\n}", &f()).unwrap_err();
        assert!(e.message.contains("JSON syntax error"), "{e}");
        assert_eq!(e.loc.line, 4);
        let e = parse_json("{\"a\": 1, \"a\": 2}", &f()).unwrap_err();
        assert!(e.message.contains("duplicate key"), "{e}");
        let e = parse_json("[1]", &f()).unwrap_err();
        assert!(e.message.contains("must be a mapping"), "{e}");
    }

    #[test]
    fn block_scalar_headers() {
        let c = |s: &str| is_block_scalar_header(&s.chars().collect::<Vec<_>>());
        assert!(c("a: |"));
        assert!(c("a: >-"));
        assert!(c("- |+2 "));
        assert!(c("|"));
        assert!(!c("a: b|"));
        assert!(!c("a: x"));
    }
}
