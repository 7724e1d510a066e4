//! Base subject extraction (RFC 5256 §2.1), extended with common localized reply/forward prefixes.
//!
//! What belongs here: subject text → base subject. What does not: RFC 2047 decoding (the caller
//! passes decoded text, e.g. from mail-parser) and any subject-based threading decision.
//!
//! The exact steps are documented on [`base_subject`] (this module is private).

/// Reply/forward words recognized before `:` (ASCII ones case-insensitively).
/// Beyond RFC 5256's re/fw/fwd: German (aw, wg), Scandinavian (sv, vs), Dutch (antw), French (tr),
/// Italian (rif), Spanish/Portuguese (ref, enc), Polish (odp), Outlook's fs, and Chinese forms.
/// Longest first so `fwd` wins over `fw`.
const REFWD_WORDS: &[&str] = &[
    "回复", "回覆", "答复", "转发", "轉寄", "轉發", "antw", "fwd", "rif", "ref", "odp", "enc",
    "re", "fw", "aw", "sv", "vs", "wg", "tr", "fs",
];

/// Returns the RFC 5256 §2.1 base subject of a (decoded) subject. Never panics; linear time.
///
/// Steps (the case of the remaining text is kept):
/// 1. whitespace runs (incl. tabs, CR, LF from folding) become one space, ends trimmed;
/// 2. trailing `(fwd)` and whitespace are removed, repeatedly;
/// 3. leading `*[blob] refwd` leaders are removed, where refwd is a reply/forward word (`re`,
///    `fw`, `fwd`, and the localized `aw`, `sv`, `vs`, `wg`, `antw`, `tr`, `rif`, `ref`, `enc`,
///    `odp`, `fs`, `回复`, `转发`, ...; ASCII case-insensitive), optional whitespace, an optional
///    counter (`[2]`, `(2)`, `^2`) and `:` (or `：`);
/// 4. a leading `[blob]` (list tag, `[PATCH v2 1/3]`) is removed if something non-empty remains;
/// 5. 3 and 4 repeat until nothing changes;
/// 6. a `[fwd: ...]` wrapper is removed and processing restarts at 2.
///
/// ```
/// use inboxd_threading::base_subject;
/// assert_eq!(base_subject("Re[2]: [list] AW: Hi (fwd)"), "Hi");
/// assert_eq!(base_subject("[Fwd: Re: Hi]"), "Hi");
/// assert_eq!(base_subject("[PATCH]"), "[PATCH]");
/// ```
pub fn base_subject(subject: &str) -> String {
    let folded = fold_whitespace(subject);
    let mut s = folded.as_str();
    loop {
        s = strip_trailers(s);
        s = strip_leaders(s);
        match strip_fwd_wrapper(s) {
            Some(inner) => s = inner,
            None => return s.to_owned(),
        }
    }
}

/// Step 1: every whitespace run becomes a single space.
fn fold_whitespace(subject: &str) -> String {
    let mut out = String::with_capacity(subject.len());
    let mut in_space = false;
    for c in subject.chars() {
        if c.is_whitespace() {
            in_space = true;
            continue;
        }
        if in_space && !out.is_empty() {
            out.push(' ');
        }
        in_space = false;
        out.push(c);
    }
    out
}

/// Step 2: removes trailing `(fwd)` and spaces.
fn strip_trailers(mut s: &str) -> &str {
    loop {
        let trimmed = s.trim_end_matches(' ');
        let trimmed = match strip_suffix_ignore_case(trimmed, "(fwd)") {
            Some(t) => t,
            None => trimmed,
        };
        if trimmed.len() == s.len() {
            return s;
        }
        s = trimmed;
    }
}

/// Steps 3-5: removes leaders and, when something remains, leading blobs.
fn strip_leaders(mut s: &str) -> &str {
    loop {
        s = s.trim_start_matches(' ');
        let (blobs_len, rest) = skip_blobs(s);
        if let Some(after) = strip_refwd(rest) {
            s = after;
            continue;
        }
        // The leader failed at `rest`; every retry after removing single blobs fails there too,
        // so step 4 can drop the whole blob run at once (this keeps `[a][a][a]...` linear).
        if rest.is_empty() {
            return strip_blobs_keeping_last(s);
        }
        if blobs_len == 0 {
            return s;
        }
        s = rest;
    }
}

/// When only blobs remain, step 4 removes all but the last (removing it would leave nothing).
fn strip_blobs_keeping_last(mut s: &str) -> &str {
    while let Some(after) = skip_blob(s) {
        if after.trim_start_matches(' ').is_empty() {
            return s;
        }
        s = after.trim_start_matches(' ');
    }
    s
}

/// Skips `*subj-blob` and the spaces after each; returns the skipped byte length and the rest.
fn skip_blobs(s: &str) -> (usize, &str) {
    let mut rest = s;
    while let Some(after) = skip_blob(rest) {
        rest = after.trim_start_matches(' ');
    }
    (s.len() - rest.len(), rest)
}

/// Skips one `[...]` blob (no nested brackets), without the whitespace after it.
fn skip_blob(s: &str) -> Option<&str> {
    let body = s.strip_prefix('[')?;
    let end = body.find(['[', ']'])?;
    body.get(end..)?.strip_prefix(']')
}

/// Matches `word *WSP [counter] *WSP ":"` at the start of `s`; returns the text after the colon.
fn strip_refwd(s: &str) -> Option<&str> {
    let after_word = REFWD_WORDS
        .iter()
        .find_map(|word| strip_prefix_ignore_case(s, word))?;
    let mut rest = after_word.trim_start_matches(' ');
    rest = skip_counter(rest).trim_start_matches(' ');
    rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))
}

/// Skips a reply counter: `[2]` (any blob, as RFC 5256 allows), `(2)` or `^2`.
fn skip_counter(s: &str) -> &str {
    if let Some(after) = skip_blob(s) {
        return after;
    }
    if let Some(body) = s.strip_prefix('(') {
        let digits = body.trim_start_matches(|c: char| c.is_ascii_digit());
        if digits.len() < body.len()
            && let Some(after) = digits.strip_prefix(')')
        {
            return after;
        }
    }
    if let Some(body) = s.strip_prefix('^') {
        let digits = body.trim_start_matches(|c: char| c.is_ascii_digit());
        if digits.len() < body.len() {
            return digits;
        }
    }
    s
}

/// Step 6: `[fwd: inner]` → `inner`.
fn strip_fwd_wrapper(s: &str) -> Option<&str> {
    let inner = strip_prefix_ignore_case(s, "[fwd:")?;
    inner.strip_suffix(']')
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

fn strip_suffix_ignore_case<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let tail = s.get(cut..)?;
    if tail.eq_ignore_ascii_case(suffix) {
        s.get(..cut)
    } else {
        None
    }
}
