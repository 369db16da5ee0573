//! Numbers and text for people, and identifiers in programme data.

/// A count with thousands separators: 26078 -> "26,078".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A sentence from a message: its first letter upper-cased ("there is no..." -> "There is no...").
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

/// Whether an id in programme data (a rule set, a template) is letters, digits, '-' or '_'.
pub fn is_data_id(id: &str) -> bool {
    !id.trim().is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Characters that have no place in a name, an address or a message: control characters (NUL,
/// escape, delete, the C1 range) and the invisible marks that reorder how text is displayed.
pub fn is_unwanted(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether every byte is printable ASCII (0x20 to 0x7e), eight bytes at a time: a word has a
/// byte at or above 0x80, below 0x20, or equal to 0x7f exactly when these masks say so (the
/// "has less than" and "has zero byte" tests on machine words).
pub fn printable_ascii(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = b.chunks_exact(8);
    for c in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let w = u64::from_le_bytes(w);
        let below_space = w.wrapping_sub(ONES * 0x20) & !w;
        let delete = (w ^ (ONES * 0x7f)).wrapping_sub(ONES) & !(w ^ (ONES * 0x7f));
        if (w | below_space | delete) & HIGH != 0 {
            return false;
        }
    }
    words.remainder().iter().all(|&x| (0x20..0x7f).contains(&x))
}

/// `s` without unwanted characters, tabs and line breaks becoming spaces; `None` when `s` has none
/// to remove (the common case, which allocates nothing).
pub fn without_controls(s: &str) -> Option<String> {
    // Nearly every cell is printable ASCII: settle that without decoding characters.
    if printable_ascii(s.as_bytes()) || !s.chars().any(is_unwanted) {
        return None;
    }
    Some(
        s.chars()
            .filter_map(|c| if matches!(c, '\t' | '\n' | '\r') { Some(' ') } else { (!is_unwanted(c)).then_some(c) })
            .collect(),
    )
}

/// Text for a terminal: control characters are shown as escapes (`\u{1b}`), so that a value from
/// a file or a form cannot move the cursor, change colours or rewrite what was printed.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unwanted) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars().map(|c| if is_unwanted(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect(),
    )
}

/// As [`printable`] for text of several lines: line ends are kept, every other control
/// character is escaped.
pub fn printable_lines(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_unwanted(c)) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(s.split('\n').map(printable).collect::<Vec<_>>().join("\n"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn printable_ascii_is_told_apart_a_word_at_a_time() {
        for s in ["", "a", "St Mary's C of E Primary School, Bradford (VA)", "~~~~~~~~~~~~~~~~ !!!!!!!!"] {
            assert!(super::printable_ascii(s.as_bytes()), "{s:?}");
        }
        for (i, bad) in [0x00u8, 0x09, 0x0a, 0x1b, 0x1f, 0x7f, 0x80, 0xc3, 0xff].iter().enumerate() {
            for at in 0..20 {
                let mut v = b"abcdefghijklmnopqrst".to_vec();
                v[at] = *bad;
                assert!(!super::printable_ascii(&v), "byte {bad:#x} at {at} ({i})");
            }
        }
    }

    #[test]
    fn control_characters_are_removed_or_escaped() {
        assert_eq!(super::without_controls("St Mary's"), None);
        assert_eq!(super::without_controls("St\u{0} Mary's\u{1b}[31m").as_deref(), Some("St Mary's[31m"));
        assert_eq!(super::without_controls("Line one\nline two").as_deref(), Some("Line one line two"));
        assert_eq!(super::without_controls("\u{202e}evil").as_deref(), Some("evil"));
        assert_eq!(super::printable("plain"), "plain");
        assert_eq!(super::printable("red\u{1b}[31m"), "red\\u{1b}[31m");
        assert_eq!(super::printable_lines("a\u{1b}[2J\nb\n"), "a\\u{1b}[2J\nb\n");
    }

    #[test]
    fn messages_become_sentences_and_ids_are_checked() {
        assert_eq!(super::capitalise("there is no programme 3"), "There is no programme 3");
        assert_eq!(super::capitalise(""), "");
        assert!(super::is_data_id("tlif-2017") && !super::is_data_id("tlif 2017") && !super::is_data_id(" "));
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(26078), "26,078");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }
}
