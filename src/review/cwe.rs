//! The project's own CWE catalogue. Links in diagnostics come only from here, never from a
//! model: a model could send the user anywhere.

/// CWE entries a Python review commonly names.
const KNOWN: &[u32] = &[
    20, 22, 77, 78, 79, 89, 90, 94, 95, 183, 190, 200, 209, 250, 259, 276, 287, 295, 307, 311, 312,
    319, 326, 327, 328, 330, 338, 347, 352, 362, 367, 377, 400, 434, 476, 489, 501, 502, 532, 601,
    611, 614, 617, 639, 643, 732, 770, 776, 798, 862, 863, 915, 918, 1004, 1088, 1327, 1333, 1427,
];

/// The MITRE page of a known CWE, from ids written `CWE-78`, `cwe-78` or `78`.
pub fn cwe_link(id: &str) -> Option<String> {
    let number: u32 = id
        .trim()
        .trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '-')
        .parse()
        .ok()?;
    KNOWN
        .contains(&number)
        .then(|| format!("https://cwe.mitre.org/data/definitions/{number}.html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids_link_to_mitre() {
        assert_eq!(
            cwe_link("CWE-78").as_deref(),
            Some("https://cwe.mitre.org/data/definitions/78.html")
        );
        assert_eq!(
            cwe_link("cwe-502").as_deref(),
            Some("https://cwe.mitre.org/data/definitions/502.html")
        );
    }

    #[test]
    fn unknown_or_malformed_ids_get_no_link() {
        assert_eq!(cwe_link("CWE-99999"), None);
        assert_eq!(cwe_link("https://evil.example/CWE-78"), None);
    }
}
