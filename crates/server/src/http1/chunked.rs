//! Sans-IO decoder for `Transfer-Encoding: chunked` request bodies: chunk framing in, body bytes out,
//! trailers skipped. No reading here; `request` feeds it what the socket gave.

/// Longest chunk-size line (with extensions) or trailer section accepted.
const MAX_LINE: usize = 4096;
const MAX_TRAILERS: usize = 16 * 1024;

/// Why a chunked body was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkError {
    /// Bad framing: not a hex size, no CRLF after the data, an overlong line.
    Malformed,
    /// The decoded body would exceed the limit.
    TooLarge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Size,
    Data(u64),
    DataEnd,
    Trailers { seen: usize },
    Done,
}

/// Decodes one chunked body incrementally.
#[derive(Debug)]
pub(crate) struct Decoder {
    state: State,
    max: usize,
}

impl Decoder {
    /// A decoder that refuses bodies over `max` decoded bytes.
    pub(crate) fn new(max: usize) -> Self {
        Decoder {
            state: State::Size,
            max,
        }
    }

    /// Whether the last chunk and the trailers have been read.
    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Consumes what it can of `input`, appending body bytes to `out`; returns how many input bytes
    /// were used. Stops at the end of the body: anything after it belongs to the next request.
    pub(crate) fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, ChunkError> {
        let mut used = 0;
        // Bounded: every pass either consumes input, changes state towards Done, or returns.
        while let Some(rest) = input.get(used..) {
            let step = match self.state {
                State::Done => return Ok(used),
                State::Size => self.size(rest, out.len())?,
                State::Data(left) => {
                    let n = usize::try_from(left).unwrap_or(usize::MAX).min(rest.len());
                    out.extend_from_slice(rest.get(..n).unwrap_or_default());
                    let left = left - n as u64;
                    self.state = if left == 0 {
                        State::DataEnd
                    } else {
                        State::Data(left)
                    };
                    Some(n)
                }
                State::DataEnd => match rest {
                    [b'\r', b'\n', ..] => {
                        self.state = State::Size;
                        Some(2)
                    }
                    [] | [b'\r'] => None,
                    _ => return Err(ChunkError::Malformed),
                },
                State::Trailers { seen } => self.trailer_line(rest, seen)?,
            };
            match step {
                Some(n) if n > 0 || self.state == State::Done => used += n,
                _ => return Ok(used),
            }
        }
        Ok(used)
    }

    fn size(&mut self, rest: &[u8], decoded: usize) -> Result<Option<usize>, ChunkError> {
        match httparse::parse_chunk_size(rest) {
            Ok(httparse::Status::Complete((n, 0))) => {
                self.state = State::Trailers { seen: 0 };
                Ok(Some(n))
            }
            Ok(httparse::Status::Complete((n, size))) => {
                if size > (self.max.saturating_sub(decoded)) as u64 {
                    return Err(ChunkError::TooLarge);
                }
                self.state = State::Data(size);
                Ok(Some(n))
            }
            Ok(httparse::Status::Partial) if rest.len() > MAX_LINE => Err(ChunkError::Malformed),
            Ok(httparse::Status::Partial) => Ok(None),
            Err(_) => Err(ChunkError::Malformed),
        }
    }

    /// One trailer line (ignored), or the empty line that ends the body.
    fn trailer_line(&mut self, rest: &[u8], seen: usize) -> Result<Option<usize>, ChunkError> {
        let Some(end) = rest.windows(2).position(|w| w == b"\r\n") else {
            if seen + rest.len() > MAX_TRAILERS {
                return Err(ChunkError::Malformed);
            }
            return Ok(None);
        };
        let seen = seen + end + 2;
        if seen > MAX_TRAILERS {
            return Err(ChunkError::Malformed);
        }
        self.state = if end == 0 {
            State::Done
        } else {
            State::Trailers { seen }
        };
        Ok(Some(end + 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(parts: &[&[u8]], max: usize) -> Result<(Vec<u8>, Vec<u8>), ChunkError> {
        let mut d = Decoder::new(max);
        let mut input = Vec::new();
        let mut out = Vec::new();
        for part in parts {
            input.extend_from_slice(part);
            let used = d.feed(&input, &mut out)?;
            input.drain(..used);
        }
        assert!(d.is_done(), "not done; left {input:?}");
        Ok((out, input))
    }

    #[test]
    fn decodes_chunks_byte_by_byte_and_keeps_what_follows() {
        let wire = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        let parts: Vec<&[u8]> = wire.chunks(1).collect();
        let (body, rest) = decode_all(&parts, 100).unwrap();
        assert_eq!(body, b"hello world");
        assert_eq!(rest, b"NEXT");
        let (body, rest) = decode_all(&[wire], 100).unwrap();
        assert_eq!(
            (body.as_slice(), rest.as_slice()),
            (&b"hello world"[..], &b"NEXT"[..])
        );
    }

    #[test]
    fn refuses_bad_framing_and_oversize() {
        assert_eq!(decode_all(&[b"zz\r\n"], 100), Err(ChunkError::Malformed));
        assert_eq!(
            decode_all(&[b"2\r\nabX\r\n"], 100),
            Err(ChunkError::Malformed)
        );
        assert_eq!(decode_all(&[b"8\r\n"], 4), Err(ChunkError::TooLarge));
        assert_eq!(
            decode_all(&[b"3\r\nabc\r\n3\r\n"], 4),
            Err(ChunkError::TooLarge)
        );
    }
}
