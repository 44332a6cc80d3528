//! What an answer may not use: the few things that make the compiler read a file for
//! it, or that place code where it runs before `main` or in another's stead.
//!
//! The compiler reads the work tree, where the other exercises' solutions are, so
//! `include_str!("callback.rs")` in an answer would carry them into a panic message and
//! onto the card. No lesson answer needs any of these, and the grader fails an answer
//! that has one before building it. The sandbox still hides every other copy from the
//! compiler, so `include_str!` of a classmate's file would not compile anyway.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// Names an answer may not use at all: the compiler reads files (`include*`, and the
/// assembler's `.incbin` in `asm!`), loads a module from a path (`mod`, with `#[path]`),
/// or builds either of these from parts (`macro_rules!`).
const ANYWHERE: [&str; 8] = [
    "include",
    "include_str",
    "include_bytes",
    "asm",
    "global_asm",
    "naked_asm",
    "mod",
    "macro_rules",
];

/// Attributes an answer may not use: they run code before `main`, export or replace a
/// symbol, link another file, or load a module from a path.
const IN_ATTRIBUTES: [&str; 8] = [
    "link_section",
    "used",
    "no_mangle",
    "export_name",
    "link",
    "link_name",
    "naked",
    "path",
];

/// Why `body` (an answer's lines) is refused, or `None` when it may be built.
pub fn refusal(body: &[String]) -> Option<String> {
    let text = body.join("\n");
    let found = match text.parse::<TokenStream>() {
        Ok(tokens) => find(tokens, false),
        // Not even tokens: refuse on the words alone (the build would fail anyway).
        Err(_) => ANYWHERE
            .iter()
            .chain(&IN_ATTRIBUTES)
            .find(|word| has_word(&text, word))
            .map(|word| word.to_string()),
    }?;
    Some(format!(
        "the answer uses `{found}`, which the grader does not build: it lets the compiler read files or run code outside the answer's function"
    ))
}

fn find(tokens: TokenStream, in_attribute: bool) -> Option<String> {
    let mut after_hash = false;
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => {
                let name = ident.to_string();
                let name = name.strip_prefix("r#").unwrap_or(&name);
                if ANYWHERE.contains(&name) || (in_attribute && IN_ATTRIBUTES.contains(&name)) {
                    return Some(name.to_owned());
                }
                after_hash = false;
            }
            TokenTree::Punct(punct) => {
                // `#[..]` and `#![..]`: the `!` keeps the attribute open.
                after_hash = punct.as_char() == '#' || (after_hash && punct.as_char() == '!');
            }
            TokenTree::Group(group) => {
                let attribute =
                    in_attribute || (after_hash && group.delimiter() == Delimiter::Bracket);
                if let Some(found) = find(group.stream(), attribute) {
                    return Some(found);
                }
                after_hash = false;
            }
            TokenTree::Literal(_) => after_hash = false,
        }
    }
    None
}

fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let is_ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !is_ident(before) && !is_ident(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> Option<String> {
        refusal(&text.lines().map(str::to_owned).collect::<Vec<_>>())
    }

    #[test]
    fn reading_files_at_compile_time_is_refused() {
        for answer in [
            r#"panic!("{}", include_str!("callback.rs"));"#,
            r#"let s = std::include_bytes!("/etc/passwd");"#,
            r#"use core::include_str as grab; grab!("x");"#,
            r#"#[path = "../../other/src/lib.rs"] mod other;"#,
            r#"macro_rules! m { ($i:ident) => { $i!("x") } }"#,
            r#"#[cfg_attr(all(), link_section = ".init_array")] static S: u8 = 0;"#,
            r#"#[used] static KEEP: u8 = 0;"#,
            r#"#[unsafe(no_mangle)] extern "C" fn exit() {}"#,
            r#"std::arch::global_asm!(".incbin \"x\"");"#,
            r#"let r#include_str = 1;"#,
        ] {
            assert!(refused(answer).is_some(), "{answer}");
        }
    }

    #[test]
    fn an_ordinary_answer_is_built() {
        for answer in [
            "record = returned;\ntokio::time::sleep(QUEUE_FULL_BACKOFF).await;",
            r#"let path = "included"; // include_str! is only a comment here"#,
            r#"println!("mod {} used {}", 1, "include_str!");"#,
            "#[allow(unused)] let used = 1;",
            "let link = 2; let naked = link + 1;",
        ] {
            assert_eq!(refused(answer), None, "{answer}");
        }
    }
}
