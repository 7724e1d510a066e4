//! Command → bytes. A command becomes one or more segments: every segment but the last ends with a
//! synchronizing literal header `{n}\r\n`, and the sender must wait for the server's `+` before sending the next.
//!
//! Strings go out as atoms when safe, quoted when 7-bit and plain, and as literals otherwise (8-bit, CR/LF,
//! NUL, quotes or backslashes, or longer than [`MAX_QUOTED`]). Mailbox names are modified UTF-7 first.

use super::command::{Command, FetchAttr, StoreOp};
use super::date::format_date_time;
use super::search::{needs_charset, search_key};
use super::utf7::encode_mailbox;

/// Longest string sent quoted; longer ones become literals.
pub const MAX_QUOTED: usize = 1000;

/// Encodes `cmd` with `tag` into segments (see the module docs). `Command::Done` ignores the tag.
/// Flags that are not valid IMAP flag atoms cannot be sent in any form and are dropped.
pub fn encode(tag: &str, cmd: &Command) -> Vec<Vec<u8>> {
    if matches!(cmd, Command::Done) {
        return vec![b"DONE\r\n".to_vec()];
    }
    let mut e = Enc::default();
    e.raw(tag);
    e.raw(" ");
    e.raw(cmd.name());
    args(&mut e, cmd);
    e.finish()
}

fn args(e: &mut Enc, cmd: &Command) {
    match cmd {
        Command::Login { user, password } => {
            e.sp_astring(user.as_bytes());
            e.sp_astring(password.as_bytes());
        }
        Command::AuthenticatePlain { user, password } => {
            e.raw(" PLAIN");
            let mut creds = vec![0u8];
            creds.extend_from_slice(user.as_bytes());
            creds.push(0);
            creds.extend_from_slice(password.as_bytes());
            e.continuation(base64(&creds).as_bytes());
        }
        Command::List { reference, pattern } | Command::Lsub { reference, pattern } => {
            e.sp_mailbox(reference);
            e.sp_pattern(pattern);
        }
        Command::Select { mailbox }
        | Command::Examine { mailbox }
        | Command::Create { mailbox }
        | Command::Delete { mailbox } => e.sp_mailbox(mailbox),
        Command::Status { mailbox, items } => {
            e.sp_mailbox(mailbox);
            let names: Vec<&str> = items.iter().map(|i| i.as_str()).collect();
            e.raw(&format!(" ({})", names.join(" ")));
        }
        Command::UidFetch { set, items } => {
            e.raw(&format!(" {set} ("));
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    e.raw(" ");
                }
                e.raw(&fetch_attr(item));
            }
            e.raw(")");
        }
        Command::UidSearch { criteria } => {
            if needs_charset(criteria) {
                e.raw(" CHARSET UTF-8");
            }
            e.raw(" ");
            search_key(e, criteria, true);
        }
        Command::UidStore {
            set,
            op,
            flags,
            silent,
        } => {
            let op = match op {
                StoreOp::Add => "+FLAGS",
                StoreOp::Remove => "-FLAGS",
                StoreOp::Replace => "FLAGS",
            };
            let silent = if *silent { ".SILENT" } else { "" };
            e.raw(&format!(" {set} {op}{silent} ({})", flag_list(flags)));
        }
        Command::UidCopy { set, mailbox } | Command::UidMove { set, mailbox } => {
            e.raw(&format!(" {set}"));
            e.sp_mailbox(mailbox);
        }
        Command::UidExpunge { set } => e.raw(&format!(" {set}")),
        Command::Rename { from, to } => {
            e.sp_mailbox(from);
            e.sp_mailbox(to);
        }
        Command::Append {
            mailbox,
            flags,
            date,
            message,
        } => {
            e.sp_mailbox(mailbox);
            let flags = flag_list(flags);
            if !flags.is_empty() {
                e.raw(&format!(" ({flags})"));
            }
            if let Some(ms) = date {
                e.raw(&format!(" \"{}\"", format_date_time(*ms)));
            }
            e.raw(" ");
            e.literal(message);
        }
        Command::Capability
        | Command::Noop
        | Command::Logout
        | Command::StartTls
        | Command::Expunge
        | Command::Close
        | Command::Idle
        | Command::Done => {}
    }
}

fn fetch_attr(a: &FetchAttr) -> String {
    match a {
        FetchAttr::Uid => "UID".into(),
        FetchAttr::Flags => "FLAGS".into(),
        FetchAttr::InternalDate => "INTERNALDATE".into(),
        FetchAttr::Rfc822Size => "RFC822.SIZE".into(),
        FetchAttr::Envelope => "ENVELOPE".into(),
        FetchAttr::BodyStructure => "BODYSTRUCTURE".into(),
        FetchAttr::BodyPeekHeader => "BODY.PEEK[HEADER]".into(),
        FetchAttr::BodyPeekHeaderFields(names) => {
            let names: Vec<&str> = names
                .iter()
                .map(String::as_str)
                .filter(|n| is_atom(n.as_bytes()))
                .collect();
            format!("BODY.PEEK[HEADER.FIELDS ({})]", names.join(" "))
        }
        FetchAttr::BodyPeek(section) => format!("BODY.PEEK[{}]", clean_section(section)),
        FetchAttr::BodyPeekPartial {
            section,
            start,
            len,
        } => format!("BODY.PEEK[{}]<{start}.{len}>", clean_section(section)),
    }
}

/// Sections are `1.2.TEXT`-style: keep only characters that can appear there.
fn clean_section(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect()
}

fn flag_list(flags: &[String]) -> String {
    let ok: Vec<&str> = flags
        .iter()
        .map(String::as_str)
        .filter(|f| is_flag(f))
        .collect();
    ok.join(" ")
}

/// `\Seen`-style system flags or keyword atoms.
fn is_flag(f: &str) -> bool {
    let body = f.strip_prefix('\\').unwrap_or(f);
    is_atom(body.as_bytes())
}

/// ATOM-CHAR+, also excluding `]` so the result is safe in every position.
pub(super) fn is_atom(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_atom_char(b))
}

fn is_atom_char(b: u8) -> bool {
    b > 0x20 && b < 0x7f && !b"(){%*\"\\]".contains(&b)
}

fn is_quotable(s: &[u8]) -> bool {
    s.len() <= MAX_QUOTED
        && s.iter()
            .all(|&b| b > 0 && b < 0x80 && b != b'\r' && b != b'\n' && b != b'"' && b != b'\\')
}

/// Builds segments, splitting after each literal header.
#[derive(Default)]
pub(super) struct Enc {
    done: Vec<Vec<u8>>,
    cur: Vec<u8>,
}

impl Enc {
    pub(super) fn raw(&mut self, s: &str) {
        self.cur.extend_from_slice(s.as_bytes());
    }

    fn sp_astring(&mut self, s: &[u8]) {
        self.raw(" ");
        if is_atom(s) && !s.eq_ignore_ascii_case(b"NIL") {
            self.cur.extend_from_slice(s);
        } else {
            self.string(s);
        }
    }

    pub(super) fn sp_string(&mut self, s: &[u8]) {
        self.raw(" ");
        self.string(s);
    }

    fn sp_mailbox(&mut self, name: &str) {
        self.sp_astring(encode_mailbox(name).as_bytes());
    }

    /// LIST patterns may carry the `*`/`%` wildcards unquoted.
    fn sp_pattern(&mut self, pattern: &str) {
        let enc = encode_mailbox(pattern);
        let unwild: Vec<u8> = enc.bytes().filter(|b| *b != b'*' && *b != b'%').collect();
        if !enc.is_empty() && (unwild.is_empty() || is_atom(&unwild)) {
            self.raw(" ");
            self.raw(&enc);
        } else {
            self.sp_string(enc.as_bytes());
        }
    }

    fn string(&mut self, s: &[u8]) {
        if is_quotable(s) {
            self.cur.push(b'"');
            self.cur.extend_from_slice(s);
            self.cur.push(b'"');
        } else {
            self.literal(s);
        }
    }

    fn literal(&mut self, s: &[u8]) {
        self.raw(&format!("{{{}}}\r\n", s.len()));
        self.done.push(std::mem::take(&mut self.cur));
        self.cur.extend_from_slice(s);
    }

    /// Ends the current line and starts a new segment (SASL response after `+`).
    fn continuation(&mut self, line: &[u8]) {
        self.raw("\r\n");
        self.done.push(std::mem::take(&mut self.cur));
        self.cur.extend_from_slice(line);
    }

    fn finish(mut self) -> Vec<Vec<u8>> {
        self.raw("\r\n");
        self.done.push(self.cur);
        self.done
    }
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
