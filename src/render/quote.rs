//! Quoting of user-given strings in the text plan, so that every value
//! stays on its own line and reads back unchanged.

use std::borrow::Cow;
use std::fmt::Write;

/// Quotes `text` for one line of the text plan.
///
/// Text made only of characters a POSIX shell reads literally stays as it
/// is; other text is shell-quoted with `shlex`. Either way `shlex::split`
/// returns it unchanged. Text with control characters, which `shlex` would keep raw
/// and which could spill a value onto lines that look like plan entries,
/// is written in the ANSI-C form `$'...'` (bash, zsh, ksh) instead.
pub fn quote_for_review(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_control) {
        return Cow::Owned(ansi_c_quote(text));
    }
    if !text.is_empty() && text.chars().all(is_plain) {
        return Cow::Borrowed(text);
    }
    // try_quote only fails on NUL, which is a control character.
    shlex::try_quote(text).unwrap_or_else(|_| Cow::Owned(ansi_c_quote(text)))
}

/// Escapes control characters only, for prose such as a description,
/// where shell quotes would be noise.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_control) {
        Cow::Owned(ansi_c_quote(text))
    } else {
        Cow::Borrowed(text)
    }
}

/// Characters that need no quoting anywhere in a shell word. `shlex` also
/// quotes `=`, which only matters for a command's first word.
fn is_plain(character: char) -> bool {
    character.is_ascii_alphanumeric() || "-_=+./,:@%".contains(character)
}

fn ansi_c_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 3);
    quoted.push_str("$'");
    for character in text.chars() {
        match character {
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            '\\' => quoted.push_str("\\\\"),
            '\'' => quoted.push_str("\\'"),
            c if c.is_control() => {
                // Writing to a String cannot fail.
                let _ = write!(quoted, "\\u{:04x}", u32::from(c));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('\'');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_unquoted() {
        assert_eq!(quote_for_review("--epochs"), "--epochs");
        assert_eq!(
            quote_for_review("/opt/trainc/train.py"),
            "/opt/trainc/train.py"
        );
        assert_eq!(quote_for_review("--nnodes=4"), "--nnodes=4");
    }

    #[test]
    fn shell_syntax_round_trips_through_shlex() {
        for text in [
            "a b", "it's", "$(id)", "`id`", "", "\"q\"", "EOF", "a=b c", "~user", "*",
        ] {
            let quoted = quote_for_review(text);
            assert_eq!(
                shlex::split(&quoted),
                Some(vec![text.to_string()]),
                "{quoted}"
            );
        }
    }

    #[test]
    fn control_characters_stay_on_one_line() {
        assert_eq!(quote_for_review("a\nb"), "$'a\\nb'");
        assert_eq!(quote_for_review("it's\t\\"), "$'it\\'s\\t\\\\'");
        assert_eq!(quote_for_review("nul\0"), "$'nul\\u0000'");
    }
}
