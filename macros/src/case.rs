//! Case conversion: what counts as a snake_case name, and the nearest one.

/// `[a-z_][a-z0-9_]*`, or `[a-zA-Z_][a-zA-Z0-9_]*` when `allow_upper`.
pub(crate) fn is_snake_identifier(name: &str, allow_upper: bool) -> bool {
    let mut chars = name.chars();
    let first_ok =
        |c: char| c == '_' || c.is_ascii_lowercase() || (allow_upper && c.is_ascii_uppercase());
    matches!(chars.next(), Some(c) if first_ok(c))
        && chars.all(|c| first_ok(c) || c.is_ascii_digit())
}

/// `Cv-Parse duration` -> `cv_parse_duration`: the nearest valid metric name, and
/// the label value of a variant (`PlainText` -> `plain_text`).
pub(crate) fn to_snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{trimmed}")
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_suggestions() {
        assert_eq!(
            to_snake_case("Cv-Parse duration_seconds"),
            "cv_parse_duration_seconds"
        );
        assert_eq!(to_snake_case("HTTPRequests"), "httprequests");
        assert_eq!(to_snake_case("PlainText"), "plain_text");
        assert_eq!(to_snake_case("V3_0"), "v3_0");
        assert_eq!(to_snake_case("1st"), "_1st");
    }

    #[test]
    fn snake_identifiers() {
        assert!(is_snake_identifier("cv_parse_total", false));
        assert!(is_snake_identifier("_x9", false));
        assert!(!is_snake_identifier("Cv", false));
        assert!(is_snake_identifier("Cv", true));
        assert!(!is_snake_identifier("9x", true));
        assert!(!is_snake_identifier("", true));
        assert!(!is_snake_identifier("a-b", true));
    }
}
