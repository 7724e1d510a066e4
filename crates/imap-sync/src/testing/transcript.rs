//! Transcript tests: scripted server lines in, expected client command lines out, batches collected.
//!
//! Script syntax, one item per line (leading whitespace ignored, `#` comments and blank lines skipped):
//! - `C: <command line>`: the next command the engine sends, encoded with `wire::encode` and tag `A<n>`
//!   (n counts from 1), without the trailing CRLF.
//! - `S: <server line>`: server bytes (CRLF appended); complete responses are parsed with
//!   `wire::parse_response` and fed to the engine, so a literal may span several `S:` lines.
//! - `!sync`: feeds `Input::SyncNow`. `!grow <folder id>` feeds `Input::Grow`. `!body <umid>` feeds
//!   `Input::FetchBody`.
//!
//! The engine is woken with `Input::Timer` first; `Action::Connect` is answered with `Input::Connected` (no
//! capabilities) automatically.

use std::collections::VecDeque;

use inboxd_model::Timestamp;

use crate::wire::{encode, parse_response};
use crate::{AccountSync, Action, Batch, FolderId, Input, Umid};

/// What a transcript run produced.
#[derive(Debug)]
pub struct TranscriptOutcome {
    pub engine: AccountSync,
    pub batches: Vec<Batch>,
}

/// Runs `script` against `engine` at time `now`; `Err` describes the first mismatch.
pub fn run_transcript(
    mut engine: AccountSync,
    script: &str,
    now: Timestamp,
) -> Result<TranscriptOutcome, String> {
    // Wake the engine so that a fresh one connects.
    engine.handle(Input::Timer, now);
    let mut r = Runner {
        engine,
        now,
        batches: Vec::new(),
        sent: VecDeque::new(),
        tag: 0,
        buf: Vec::new(),
    };
    r.drain();
    for (n, line) in script.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        r.line(line).map_err(|e| format!("line {}: {e}", n + 1))?;
    }
    if let Some(extra) = r.sent.front() {
        return Err(format!("unexpected further command: {extra}"));
    }
    Ok(TranscriptOutcome {
        engine: r.engine,
        batches: r.batches,
    })
}

struct Runner {
    engine: AccountSync,
    now: Timestamp,
    batches: Vec<Batch>,
    /// Encoded commands not yet matched by a `C:` line.
    sent: VecDeque<String>,
    tag: u32,
    buf: Vec<u8>,
}

impl Runner {
    fn line(&mut self, line: &str) -> Result<(), String> {
        if let Some(want) = line.strip_prefix("C:") {
            let got = self.sent.pop_front().ok_or("engine sent nothing")?;
            if got != want.trim() {
                return Err(format!("expected command\n  {}\ngot\n  {got}", want.trim()));
            }
            return Ok(());
        }
        if let Some(text) = line.strip_prefix("S:") {
            let text = text.strip_prefix(' ').unwrap_or(text);
            self.buf.extend_from_slice(text.as_bytes());
            self.buf.extend_from_slice(b"\r\n");
            return self.feed();
        }
        let input = match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["!sync"] => Input::SyncNow,
            ["!grow", f] => Input::Grow {
                folder: FolderId(f.parse().map_err(|_| "bad folder id")?),
            },
            ["!body", u] => Input::FetchBody {
                umid: Umid(u.parse().map_err(|_| "bad umid")?),
            },
            _ => return Err(format!("unknown script line {line:?}")),
        };
        self.engine.handle(input, self.now);
        self.drain();
        Ok(())
    }

    fn feed(&mut self) -> Result<(), String> {
        loop {
            match parse_response(&self.buf) {
                Ok((resp, used)) => {
                    self.buf.drain(..used.min(self.buf.len()));
                    self.engine.handle(Input::Response(resp), self.now);
                    self.drain();
                }
                Err(crate::wire::ParseError::Incomplete) => return Ok(()),
                Err(e) => return Err(format!("server line does not parse: {e}")),
            }
        }
    }

    fn drain(&mut self) {
        while let Some(action) = self.engine.poll_action() {
            match action {
                Action::Connect => self.engine.handle(
                    Input::Connected {
                        capabilities: Vec::new(),
                        preauthenticated: false,
                    },
                    self.now,
                ),
                Action::Send(cmd) => {
                    self.tag += 1;
                    let bytes: Vec<u8> = encode(&format!("A{}", self.tag), &cmd).concat();
                    let text = String::from_utf8_lossy(&bytes);
                    self.sent
                        .push_back(text.trim_end_matches("\r\n").to_owned());
                }
                Action::Store(b) => {
                    let seq = b.seq;
                    self.batches.push(b);
                    self.engine.handle(Input::BatchApplied { seq }, self.now);
                }
                Action::Disconnect => self.engine.handle(Input::Disconnected, self.now),
            }
        }
    }
}
