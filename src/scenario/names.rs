//! Names and words in messages: what a valid object name is, "did you mean", and how user text
//! is quoted. A leaf: used by the walker and the node parser alike.

/// A user string cut to a printable length, control characters escaped.
pub(crate) fn short(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i >= 60 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) fn quoted_list(items: &[&str]) -> String {
    let v: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    v.join(", ")
}

/// Like `quoted_list` for owned names, cut after 12.
pub(crate) fn names_list<'s>(items: impl Iterator<Item = &'s str>) -> String {
    let v: Vec<String> = items.map(|s| format!("`{s}`")).collect();
    if v.len() > 12 { format!("{}, … ({} in all)", v[..12].join(", "), v.len()) } else { v.join(", ") }
}

/// Edit distance (with adjacent transpositions), or None when it is certainly above `limit`.
pub(crate) fn levenshtein(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit || a.len() > 64 || b.len() > 64 {
        return None;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, x) in d.iter_mut().take(w).enumerate() {
        *x = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j - 1] + cost).min(d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    let r = d[a.len() * w + b.len()];
    (r <= limit).then_some(r)
}

/// The closest candidate: a case-insensitive match, else edit distance <= 2.
pub fn suggest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    if let Some(c) = candidates.iter().find(|c| c.eq_ignore_ascii_case(word)) {
        return Some(c);
    }
    let limit = if word.chars().count() <= 3 { 1 } else { 2 };
    candidates
        .iter()
        .filter_map(|c| levenshtein(word, c, limit).map(|d| (d, *c)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ecsnet object names: `[a-z0-9-]`, 1..=max characters.
pub(crate) fn name_ok(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A valid name derived from an invalid one, for help texts.
pub(crate) fn sanitize_name(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out: String = out.trim_matches('-').chars().take(max).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() { "name-1".to_string() } else { out }
}

/// A DNS label as Route 53 and resolvers take it: 1-63 letters, digits, `-` or `_`, not
/// starting or ending with `-`.
pub(crate) fn dns_label_ok(l: &str) -> bool {
    (1..=63).contains(&l.len())
        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !l.starts_with('-')
        && !l.ends_with('-')
}
