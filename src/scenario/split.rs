//! The top-level `expect:` block of a scenario's text, blanked line for line (locations stay
//! where they are) so that the rest parses without it. Only the plain block form is
//! recognised: the key at column 0 and its items indented or starting with `-`; anything else
//! (a document marker, a flow sequence spread over lines, a small block) is not split.

/// Below this many lines the block is parsed with the rest: splitting would not pay.
const MIN_LINES: usize = 200;

/// The text without its `expect:` block, or None when it has none worth splitting off.
pub fn without_expect(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let (mut inside, mut found, mut lines) = (false, false, 0usize);
    for line in text.split_inclusive('\n') {
        if line.starts_with("---") || line.starts_with("...") {
            return None;
        }
        let top_key = line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '"' || c == '\'');
        if top_key {
            inside = false;
            if let Some(rest) = line.strip_prefix("expect:") {
                if found || !rest.trim().is_empty() {
                    return None; // twice, or inline (`expect: [...]`): not the block form
                }
                found = true;
                inside = true;
            }
        } else if inside && !line.trim().is_empty() && !line.starts_with([' ', '-', '#']) {
            return None; // a flow sequence's line at column 0: not the block form
        }
        if inside {
            lines += 1;
            out.push_str(if line.ends_with('\n') { "\n" } else { "" });
        } else {
            out.push_str(line);
        }
    }
    (found && lines > MIN_LINES).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(items: &str) -> String {
        items.repeat(MIN_LINES + 1)
    }

    #[test]
    fn blanks_the_block_line_for_line() {
        let text = format!("version: 1\nexpect:\n{}tasks: []\n", big("  - {from: a, to: b}\n"));
        let out = without_expect(&text).unwrap();
        assert_eq!(out.lines().count(), text.lines().count());
        assert!(out.starts_with("version: 1\n\n\n"));
        assert!(out.ends_with("\ntasks: []\n"));
        assert!(!out.contains("from"));
    }

    #[test]
    fn items_at_column_zero_and_comments_belong_to_the_block() {
        let text = format!("expect:\n# all pairs\n{}", big("- {from: a, to: b}\n"));
        assert_eq!(without_expect(&text).unwrap().trim(), "");
    }

    #[test]
    fn other_forms_are_not_split() {
        let small = "expect:\n  - {from: a, to: b}\n";
        assert!(without_expect(small).is_none());
        assert!(without_expect(&format!("expect: [\n{}]\n", big("{from: a, to: b},\n"))).is_none());
        assert!(without_expect(&format!("---\nexpect:\n{}", big("  - x\n"))).is_none());
        assert!(without_expect(&format!("expect:\n{}expect:\n", big("  - x\n"))).is_none());
        assert!(without_expect("version: 1\n").is_none());
    }
}
