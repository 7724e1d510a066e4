//! IMAP server responses as values (RFC 3501 §7 plus UIDPLUS/CONDSTORE codes that servers send anyway).
//!
//! What belongs here: the response types the parser produces. Parsing lives in `parse.rs` and its helpers.

use super::UidSet;

/// One complete server response.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Response {
    /// `tag OK|NO|BAD [code] text`: completion of the command sent with `tag`.
    Tagged {
        tag: String,
        status: Status,
        code: Option<Code>,
        text: String,
    },
    /// `* …`
    Untagged(Untagged),
    /// `+ text`: the server waits for the next command segment (literal or SASL data).
    Continue(String),
}

/// Completion status of a tagged response.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Status {
    Ok,
    No,
    Bad,
}

/// Untagged responses (`* …`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Untagged {
    Capability(Vec<String>),
    /// `LIST`; `mailbox` is decoded from modified UTF-7 (kept as sent when it is not valid UTF-7).
    List(ListEntry),
    Lsub(ListEntry),
    Status {
        mailbox: String,
        items: MailboxStatus,
    },
    Flags(Vec<String>),
    Exists(u32),
    Recent(u32),
    Expunge(u32),
    Search(Vec<u32>),
    Fetch {
        seq: u32,
        items: Vec<FetchItem>,
    },
    Ok {
        code: Option<Code>,
        text: String,
    },
    No {
        code: Option<Code>,
        text: String,
    },
    Bad {
        code: Option<Code>,
        text: String,
    },
    Bye {
        code: Option<Code>,
        text: String,
    },
    PreAuth {
        code: Option<Code>,
        text: String,
    },
    /// Any other untagged response (ENABLED, ID, NAMESPACE, ESEARCH, …): its keyword, uppercased.
    Other(String),
}

/// One LIST/LSUB line.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ListEntry {
    /// Name attributes as sent, e.g. `\HasNoChildren`, `\Sent`.
    pub attrs: Vec<String>,
    pub delimiter: Option<char>,
    pub mailbox: String,
}

impl ListEntry {
    /// True if `attr` (e.g. `\Noselect`) is present, compared case-insensitively.
    pub fn has_attr(&self, attr: &str) -> bool {
        self.attrs.iter().any(|a| a.eq_ignore_ascii_case(attr))
    }
}

/// The items of an untagged STATUS response; absent items are `None`.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct MailboxStatus {
    pub messages: Option<u32>,
    pub recent: Option<u32>,
    pub uid_next: Option<u32>,
    pub uid_validity: Option<u32>,
    pub unseen: Option<u32>,
    pub highest_mod_seq: Option<u64>,
}

/// Response codes (`[…]` in OK/NO/BAD/BYE/PREAUTH).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Code {
    UidValidity(u32),
    UidNext(u32),
    Unseen(u32),
    PermanentFlags(Vec<String>),
    ReadOnly,
    ReadWrite,
    TryCreate,
    Alert,
    Capability(Vec<String>),
    /// RFC 4315. UIDs correspond pairwise in ascending order (what servers send for ascending sources).
    CopyUid {
        validity: u32,
        src: UidSet,
        dst: UidSet,
    },
    /// RFC 4315 (single-message APPEND).
    AppendUid {
        validity: u32,
        uid: u32,
    },
    HighestModSeq(u64),
    /// Any other code: uppercased name and the raw rest, if any.
    Other(String, Option<String>),
}

/// One item of a FETCH response.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum FetchItem {
    Uid(u32),
    Flags(Vec<String>),
    /// Milliseconds since the Unix epoch, from `"dd-Mon-yyyy hh:mm:ss +zzzz"`.
    InternalDate(i64),
    Rfc822Size(u32),
    /// `BODY[section]<origin>`; `section` is uppercased as sent (`HEADER`, `HEADER.FIELDS (MESSAGE-ID)`, `""`).
    /// `RFC822`, `RFC822.HEADER` and `RFC822.TEXT` map to sections `""`, `HEADER` and `TEXT`. NIL gives `None`.
    Body {
        section: String,
        origin: Option<u32>,
        data: Option<Vec<u8>>,
    },
    Envelope(Box<Envelope>),
    /// The raw parenthesized BODYSTRUCTURE (or BODY) value, literals inlined.
    BodyStructure(Vec<u8>),
    ModSeq(u64),
    /// Any other item: its uppercased name (its value is skipped).
    Other(String),
}

/// A parsed ENVELOPE. Strings are raw header values (RFC 2047 words are not decoded), lossily UTF-8.
#[derive(Clone, PartialEq, Eq, Default, Debug)]
pub struct Envelope {
    pub date: Option<String>,
    pub subject: Option<String>,
    pub from: Vec<Address>,
    pub sender: Vec<Address>,
    pub reply_to: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    pub in_reply_to: Option<String>,
    pub message_id: Option<String>,
}

/// One ENVELOPE address. Group syntax shows up as entries with `host: None`.
#[derive(Clone, PartialEq, Eq, Default, Debug)]
pub struct Address {
    pub name: Option<String>,
    pub adl: Option<String>,
    pub mailbox: Option<String>,
    pub host: Option<String>,
}
