//! Where statements end: at a `;` outside quotes and comments. The shell
//! reads lines until the text so far ends a statement, and `.read` runs a
//! file's statements one by one.

/// `text` cut into statements: each complete one (without its `;`, never
/// only blanks and comments), and what follows the last `;` — an unfinished
/// statement, or `None` when there is nothing but blanks and comments.
pub fn split(text: &str) -> (Vec<&str>, Option<&str>) {
    #[derive(PartialEq)]
    enum State {
        Code,
        Quote(u8),
        LineComment,
        BlockComment,
    }
    let bytes = text.as_bytes();
    let mut state = State::Code;
    let mut statements = Vec::new();
    let mut start = 0;
    // Whether the current statement has anything but blanks and comments.
    let mut content = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        match state {
            State::Code => match b {
                b';' => {
                    if content {
                        statements.push(&text[start..i]);
                    }
                    start = i + 1;
                    content = false;
                }
                b'\'' | b'"' | b'`' => {
                    state = State::Quote(b);
                    content = true;
                }
                b'-' if next == Some(b'-') => {
                    state = State::LineComment;
                    i += 1;
                }
                b'/' if next == Some(b'*') => {
                    state = State::BlockComment;
                    i += 1;
                }
                b if b.is_ascii_whitespace() => {}
                _ => content = true,
            },
            // A doubled quote inside is one quote: leaving and entering
            // again gives the same state.
            State::Quote(q) if b == q => state = State::Code,
            State::Quote(_) => {}
            State::LineComment if b == b'\n' => state = State::Code,
            State::LineComment => {}
            State::BlockComment if b == b'*' && next == Some(b'/') => {
                state = State::Code;
                i += 1;
            }
            State::BlockComment => {}
        }
        i += 1;
    }
    // An open quote or block comment is unfinished text even when empty.
    let open = matches!(state, State::Quote(_) | State::BlockComment);
    let rest = (content || open).then(|| &text[start..]);
    (statements, rest)
}

/// Whether the cursor's end of `text` sits inside an unclosed `'` string:
/// where it starts (after the quote), for completing file names.
pub fn open_string(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut open: Option<(u8, usize)> = None;
    let mut comment: Option<bool> = None; // Some(true): line, Some(false): block
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        match (open, comment) {
            (Some((q, _)), _) if b == q => open = None,
            (Some(_), _) => {}
            (None, Some(true)) if b == b'\n' => comment = None,
            (None, Some(false)) if b == b'*' && next == Some(b'/') => {
                comment = None;
                i += 1;
            }
            (None, Some(_)) => {}
            (None, None) => match b {
                b'\'' | b'"' => open = Some((b, i + 1)),
                b'-' if next == Some(b'-') => comment = Some(true),
                b'/' if next == Some(b'*') => comment = Some(false),
                _ => {}
            },
        }
        i += 1;
    }
    match open {
        Some((b'\'', at)) => Some(at),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_end_at_semicolons_outside_quotes_and_comments() {
        assert_eq!(
            split("SELECT 1; SELECT 2;"),
            (vec!["SELECT 1", " SELECT 2"], None)
        );
        assert_eq!(split("SELECT ';' AS x;"), (vec!["SELECT ';' AS x"], None));
        assert_eq!(split("SELECT 1 -- ;\n"), (vec![], Some("SELECT 1 -- ;\n")));
        assert_eq!(split("SELECT /* ; */ 1;"), (vec!["SELECT /* ; */ 1"], None));
        assert_eq!(split("SELECT 'it''s;'"), (vec![], Some("SELECT 'it''s;'")));
        assert_eq!(split("SELECT 1;\nFROM"), (vec!["SELECT 1"], Some("\nFROM")));
        // Nothing but blanks and comments is no statement.
        assert_eq!(split("  -- a note\n ;; "), (vec![], None));
        assert_eq!(split(""), (vec![], None));
        // An open quote is unfinished even when nothing else is there.
        assert_eq!(split("SELECT 1; '"), (vec!["SELECT 1"], Some(" '")));
        assert_eq!(split("/* open"), (vec![], Some("/* open")));
    }

    #[test]
    fn open_strings_are_found() {
        assert_eq!(open_string("SELECT * FROM 'data/"), Some(15));
        assert_eq!(open_string("SELECT * FROM 'a.csv' WHERE"), None);
        assert_eq!(open_string("SELECT \"col"), None);
        assert_eq!(open_string("-- it's\nSELECT '"), Some(16));
    }
}
