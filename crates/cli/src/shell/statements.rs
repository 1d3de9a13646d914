//! Where statements end: at a `;` outside quotes and comments. The shell
//! reads lines until the text so far ends a statement, and `.read` runs a
//! file's statements one by one.

/// Where a walk through SQL text is.
#[derive(Clone, Copy, PartialEq)]
enum State {
    Code,
    /// Inside a string or quoted name opened by `quote` at byte `from - 1`.
    Quote {
        quote: u8,
        from: usize,
    },
    LineComment,
    BlockComment,
}

/// Walks `text`, handing `code` each byte outside strings, quoted names and
/// comments (an opening quote included); the state at the end.
fn walk(text: &str, mut code: impl FnMut(usize, u8)) -> State {
    let bytes = text.as_bytes();
    let mut state = State::Code;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        match state {
            State::Code => match b {
                b'-' if next == Some(b'-') => {
                    state = State::LineComment;
                    i += 1;
                }
                b'/' if next == Some(b'*') => {
                    state = State::BlockComment;
                    i += 1;
                }
                _ => {
                    code(i, b);
                    if matches!(b, b'\'' | b'"' | b'`') {
                        state = State::Quote {
                            quote: b,
                            from: i + 1,
                        };
                    }
                }
            },
            // A doubled quote inside is one quote: leaving and entering
            // again gives the same state.
            State::Quote { quote, .. } if b == quote => state = State::Code,
            State::LineComment if b == b'\n' => state = State::Code,
            State::BlockComment if b == b'*' && next == Some(b'/') => {
                state = State::Code;
                i += 1;
            }
            State::Quote { .. } | State::LineComment | State::BlockComment => {}
        }
        i += 1;
    }
    state
}

/// `text` cut into statements: each complete one (without its `;`, never
/// only blanks and comments), and what follows the last `;` — an unfinished
/// statement, or `None` when there is nothing but blanks and comments.
pub fn split(text: &str) -> (Vec<&str>, Option<&str>) {
    let mut statements = Vec::new();
    let mut start = 0;
    // Whether the current statement has anything but blanks and comments.
    let mut content = false;
    let end = walk(text, |i, b| match b {
        b';' => {
            if content {
                statements.push(&text[start..i]);
            }
            start = i + 1;
            content = false;
        }
        b if b.is_ascii_whitespace() => {}
        _ => content = true,
    });
    // An open quote or block comment is unfinished text even when empty.
    let open = matches!(end, State::Quote { .. } | State::BlockComment);
    let rest = (content || open).then(|| &text[start..]);
    (statements, rest)
}

/// Whether the end of `text` (the cursor) sits inside an unclosed `'`
/// string: where the string's text starts, for completing file names.
pub fn open_string(text: &str) -> Option<usize> {
    match walk(text, |_, _| {}) {
        State::Quote { quote: b'\'', from } => Some(from),
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
