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

#[cfg(test)]
mod tests {
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
