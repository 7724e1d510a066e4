//! Line scanning of header blocks: where a field's value ends, and where the next field that may be
//! wanted starts.
//!
//! What belongs here: finding the line feed that ends a field (the first one not followed by a
//! blank), the scan every line of a whole header block costs, wanted or not, and skipping runs of
//! fields whose first letter rules them out. What does not: what a line holds (`fast::classify`)
//! and value grammars.
//!
//! Why not plain `memchr::memchr`: a whole block is ~130 short lines (~55 bytes: Received, DKIM and
//! ARC lines, most of them skipped), so the search itself is short and memchr's per-call dispatch
//! (an indirect call through a function pointer chosen at run time, then its searcher's setup) is a
//! good part of each call. The AVX2 searcher is built once and called directly when the CPU has it.
//! Tried and dropped (callgrind, linux-clk whole blocks): a one-pass scan of 64 (or 16) bytes at a
//! time for line feeds not followed by a blank, written as byte compares over fixed-size arrays so
//! that LLVM emits SSE2 compares (no `unsafe`): ~257 instructions per field against memchr's ~195,
//! as SSE2 (the build's baseline) looks at 16 bytes per compare where memchr's AVX2 searcher looks at
//! 32, and no safe form found gives a byte mask (`pmovmskb`) to walk; searching a bounded window
//! (96 bytes) per call cost more, too.

use std::sync::OnceLock;

/// Where the value starting at `start` ends: after the first line feed not followed by SP or HT (a
/// continuation line), or at the end of the block when there is none.
#[inline(always)]
pub(super) fn value_end(raw: &[u8], start: usize) -> usize {
    line_after(raw, start, |b| b != b' ' && b != b'\t')
}

/// Where the next line that may matter starts, skipping fields from `start` (where a field the caller
/// does not want begins): the start of the first line after that field that is no continuation and
/// starts with a wanted field's first letter (any case), a line feed or a carriage return (the blank
/// line, or junk the caller looks at), or the end of the block. The same as calling [`value_end`]
/// again for every field in between, in one loop: of the ~40 fields of a list mail's block, ~30 are
/// skipped (Received, DKIM, ARC, X-…), and most start with another letter.
#[inline(always)]
pub(super) fn skip_fields(raw: &[u8], start: usize) -> usize {
    line_after(raw, start, |b| b != b' ' && b != b'\t' && may_matter(b))
}

/// The start of the first line after `start` whose first byte `stops` (a line feed as the block's last
/// byte ends the search there too), or the end of the block. Inlined into each caller with its own test.
#[inline(always)]
fn line_after(raw: &[u8], start: usize, stops: impl Fn(u8) -> bool) -> usize {
    let finder = LineFeeds::get();
    let mut from = start;
    while let Some(i) = raw.get(from..).and_then(|r| finder.find(r)) {
        let after = from + i + 1;
        match raw.get(after) {
            Some(&b) if !stops(b) => from = after,
            _ => return after,
        }
    }
    raw.len()
}

/// Whether a line starting with `b` may be a wanted field or the end of the fields: the first letters
/// of From, To, Cc, Subject, Date, Message-ID, References, In-Reply-To (`| 0x20` lowercases a letter
/// and maps no other byte onto a lowercase letter), a line feed or a carriage return.
fn may_matter(b: u8) -> bool {
    matches!(
        b | 0x20,
        b'f' | b't' | b'c' | b's' | b'd' | b'm' | b'r' | b'i'
    ) || b == b'\n'
        || b == b'\r'
}

/// A line feed searcher: memchr's AVX2 one held directly when available, else `memchr::memchr`.
#[derive(Clone, Copy, Debug)]
struct LineFeeds {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<memchr::arch::x86_64::avx2::memchr::One>,
}

impl LineFeeds {
    /// The process-wide searcher (CPU features do not change while running).
    fn get() -> &'static LineFeeds {
        static FINDER: OnceLock<LineFeeds> = OnceLock::new();
        FINDER.get_or_init(|| LineFeeds {
            #[cfg(target_arch = "x86_64")]
            avx2: memchr::arch::x86_64::avx2::memchr::One::new(b'\n'),
        })
    }

    /// The offset of the first line feed in `haystack`.
    fn find(&self, haystack: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(one) = &self.avx2 {
            return one.find(haystack);
        }
        memchr::memchr(b'\n', haystack)
    }
}

#[cfg(test)]
mod tests {
    use super::{skip_fields, value_end};

    /// The definition: the first line feed from `start` on that is not followed by a blank.
    fn reference(raw: &[u8], start: usize) -> usize {
        let mut i = start;
        while i < raw.len() {
            if raw[i] == b'\n' && !matches!(raw.get(i + 1), Some(b' ' | b'\t')) {
                return i + 1;
            }
            i += 1;
        }
        raw.len()
    }

    fn check(raw: &[u8]) {
        for start in 0..=raw.len() + 1 {
            assert_eq!(
                value_end(raw, start),
                reference(raw, start),
                "start {start} in {:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn ends_at_the_first_line_feed_not_followed_by_a_blank() {
        let crlf = b"Subject: a\r\n b\r\n\tc\r\nTo: d\r\n\r\n";
        assert_eq!(value_end(crlf, 8), 20);
        let lf = b"Subject: a\n b\n\tc\nTo: d\n\n";
        assert_eq!(value_end(lf, 8), 17);
        for raw in [&crlf[..], &lf[..]] {
            check(raw);
        }
    }

    #[test]
    fn block_without_blank_line_or_final_line_feed_ends_at_its_end() {
        assert_eq!(value_end(b"To: a\r\n b", 3), 9);
        assert_eq!(value_end(b"To: a\r\n", 3), 7);
        for raw in [&b"To: a\r\n b"[..], b"To: a\r\n", b"To: a\r\n ", b""] {
            check(raw);
        }
    }

    #[test]
    fn a_lone_carriage_return_is_no_line_end() {
        assert_eq!(value_end(b"To: a\rb\r c\r\nCc: d", 3), 12);
        check(b"To: a\rb\r c\r\nCc: d\r\r\n\r\n");
    }

    #[test]
    fn line_feeds_on_both_sides_of_vector_widths() {
        // The searcher reads 16/32/64/128 bytes at a time: line feeds (plain, folded, last byte)
        // around each of those boundaries.
        for len in [1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200] {
            for at in 0..len {
                for next in [b'x', b' ', b'\t', b'\n', b'\r'] {
                    let mut raw = vec![b'a'; len];
                    raw[at] = b'\n';
                    if let Some(b) = raw.get_mut(at + 1) {
                        *b = next;
                    }
                    assert_eq!(value_end(&raw, 0), reference(&raw, 0), "{len} {at} {next}");
                    assert_eq!(
                        value_end(&raw, at),
                        reference(&raw, at),
                        "{len} {at} {next}"
                    );
                }
            }
        }
    }

    #[test]
    fn huge_folded_values() {
        let mut raw = b"References:".to_vec();
        for i in 0..5000 {
            raw.extend_from_slice(format!(" <{i}@example.org>\r\n").as_bytes());
        }
        raw.extend_from_slice(b"To: a\r\n\r\n");
        assert_eq!(value_end(&raw, 11), raw.len() - 9);
        let long_line = [b"Subject: ".as_slice(), &[b'x'; 100_000], b"\r\n\r\n"].concat();
        assert_eq!(value_end(&long_line, 8), long_line.len() - 2);
    }

    /// The definition of `skip_fields`: `reference` again until the line there may matter.
    fn skip_reference(raw: &[u8], start: usize) -> usize {
        let mut end = reference(raw, start);
        while let Some(&b) = raw.get(end) {
            let wanted = b"FTCSDMRIftcsdmri\n\r".contains(&b);
            if wanted {
                break;
            }
            end = reference(raw, end);
        }
        end
    }

    fn check_skip(raw: &[u8]) {
        for start in 0..=raw.len() + 1 {
            assert_eq!(
                skip_fields(raw, start),
                skip_reference(raw, start),
                "start {start} in {:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn skips_fields_up_to_a_wanted_letter_or_the_blank_line() {
        let crlf =
            b"Received: a\r\n b\r\nX-A: c\r\n\td\r\nARC-Seal: e\r\nreceived: f\r\nTo: g\r\n\r\n";
        assert_eq!(skip_fields(crlf, 0), 42);
        assert_eq!(&crlf[42..], b"received: f\r\nTo: g\r\n\r\n");
        assert_eq!(skip_fields(crlf, 42), 55);
        let lf = b"X-A: a\n b\nList-Id: c\n\n";
        assert_eq!(skip_fields(lf, 0), 21);
        let first_letters = [
            &b"X: a\r\nFrom: b\r\n"[..],
            b"X: a\r\ntO: b\r\n",
            b"X: a\r\ncc: b\r\n",
            b"X: a\r\nsubject: b\r\n",
            b"X: a\r\nDATE: b\r\n",
            b"X: a\r\nmessage-id: b\r\n",
            b"X: a\r\nReferences: b\r\n",
            b"X: a\r\nin-reply-to: b\r\n",
            b"X: a\r\n\rjunk\r\n",
        ];
        for raw in first_letters {
            assert_eq!(skip_fields(raw, 0), 6);
        }
        for raw in [&crlf[..], &lf[..]].into_iter().chain(first_letters) {
            check_skip(raw);
        }
    }

    #[test]
    fn skipping_ends_at_the_block_end() {
        for raw in [
            &b"X: a\r\n b"[..],
            b"X: a\r\n",
            b"X: a\n",
            b"X: a\r\nY: b",
            b"X: a\r\n\t",
            b"X: a\n\n",
            b"\n",
            b"",
        ] {
            check_skip(raw);
        }
        assert_eq!(skip_fields(b"X: a\r\nY: b", 0), 10);
        assert_eq!(skip_fields(b"X: a\r\n", 0), 6);
    }

    #[test]
    fn skipping_matches_the_definition_at_every_first_byte() {
        for len in [1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200] {
            for first in 0..=255u8 {
                for next in [b'x', b' ', b'\t', b'\n'] {
                    // Two lines: an unwanted field of `len` bytes, then one starting with `first`.
                    let mut raw = vec![b'a'; len];
                    raw[len - 1] = b'\n';
                    raw.extend_from_slice(&[first, next, b'\n', b'Z', b'\n']);
                    assert_eq!(
                        skip_fields(&raw, 0),
                        skip_reference(&raw, 0),
                        "{len} {first} {next}"
                    );
                }
            }
        }
    }
}
