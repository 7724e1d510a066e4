//! IMAP commands as values (RFC 3501 plus the few UID extensions the engine may use when advertised).
//!
//! What belongs here: the `Command` type and its argument types. Turning them into bytes lives in `encode.rs`;
//! server replies live in `response.rs`.

use super::UidSet;

/// One client command. Mailbox names are plain Unicode; the encoder applies modified UTF-7.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Command {
    Capability,
    Noop,
    Logout,
    StartTls,
    Login {
        user: String,
        password: String,
    },
    /// SASL PLAIN without SASL-IR: the credentials go in a second segment after the server's `+`.
    AuthenticatePlain {
        user: String,
        password: String,
    },
    /// `LIST reference pattern`; `pattern` may hold the `*` and `%` wildcards.
    List {
        reference: String,
        pattern: String,
    },
    Lsub {
        reference: String,
        pattern: String,
    },
    Select {
        mailbox: String,
    },
    Examine {
        mailbox: String,
    },
    Status {
        mailbox: String,
        items: Vec<StatusItem>,
    },
    UidFetch {
        set: UidSet,
        items: Vec<FetchAttr>,
    },
    UidSearch {
        criteria: SearchKey,
    },
    UidStore {
        set: UidSet,
        op: StoreOp,
        flags: Vec<String>,
        silent: bool,
    },
    UidCopy {
        set: UidSet,
        mailbox: String,
    },
    /// RFC 6851; only when `MOVE` is advertised.
    UidMove {
        set: UidSet,
        mailbox: String,
    },
    Expunge,
    /// RFC 4315; only when `UIDPLUS` is advertised.
    UidExpunge {
        set: UidSet,
    },
    Create {
        mailbox: String,
    },
    Delete {
        mailbox: String,
    },
    Rename {
        from: String,
        to: String,
    },
    Close,
    /// RFC 2177; only when `IDLE` is advertised. End it with [`Command::Done`].
    Idle,
    /// Ends IDLE: encodes as the bare line `DONE` (the tag is ignored).
    Done,
    /// `APPEND mailbox [(flags)] ["date"] {n}` + message; `date` is ms since the Unix epoch (sent as UTC).
    Append {
        mailbox: String,
        flags: Vec<String>,
        date: Option<i64>,
        message: Vec<u8>,
    },
}

impl Command {
    /// The command keyword, for logs and error messages (never includes arguments such as passwords).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Capability => "CAPABILITY",
            Command::Noop => "NOOP",
            Command::Logout => "LOGOUT",
            Command::StartTls => "STARTTLS",
            Command::Login { .. } => "LOGIN",
            Command::AuthenticatePlain { .. } => "AUTHENTICATE",
            Command::List { .. } => "LIST",
            Command::Lsub { .. } => "LSUB",
            Command::Select { .. } => "SELECT",
            Command::Examine { .. } => "EXAMINE",
            Command::Status { .. } => "STATUS",
            Command::UidFetch { .. } => "UID FETCH",
            Command::UidSearch { .. } => "UID SEARCH",
            Command::UidStore { .. } => "UID STORE",
            Command::UidCopy { .. } => "UID COPY",
            Command::UidMove { .. } => "UID MOVE",
            Command::Expunge => "EXPUNGE",
            Command::UidExpunge { .. } => "UID EXPUNGE",
            Command::Create { .. } => "CREATE",
            Command::Delete { .. } => "DELETE",
            Command::Rename { .. } => "RENAME",
            Command::Close => "CLOSE",
            Command::Idle => "IDLE",
            Command::Done => "DONE",
            Command::Append { .. } => "APPEND",
        }
    }
}

/// Items of a `STATUS` command.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum StatusItem {
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
}

impl StatusItem {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusItem::Messages => "MESSAGES",
            StatusItem::Recent => "RECENT",
            StatusItem::UidNext => "UIDNEXT",
            StatusItem::UidValidity => "UIDVALIDITY",
            StatusItem::Unseen => "UNSEEN",
        }
    }
}

/// Data items of a `UID FETCH` (the `UID` item is always returned by UID FETCH, asking for it is harmless).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum FetchAttr {
    Uid,
    Flags,
    InternalDate,
    Rfc822Size,
    Envelope,
    BodyStructure,
    /// `BODY.PEEK[HEADER]`
    BodyPeekHeader,
    /// `BODY.PEEK[HEADER.FIELDS (A B …)]`
    BodyPeekHeaderFields(Vec<String>),
    /// `BODY.PEEK[section]`, e.g. `""` for the whole message, `"TEXT"`, `"1.2"`.
    BodyPeek(String),
    /// `BODY.PEEK[section]<start.len>`
    BodyPeekPartial {
        section: String,
        start: u32,
        len: u32,
    },
}

/// How `UID STORE` changes flags.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum StoreOp {
    /// `+FLAGS`
    Add,
    /// `-FLAGS`
    Remove,
    /// `FLAGS`
    Replace,
}

/// `SEARCH` criteria. Dates are ms since the Unix epoch; the UTC calendar day is sent.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum SearchKey {
    All,
    Uid(UidSet),
    Since(i64),
    Before(i64),
    On(i64),
    SentSince(i64),
    SentBefore(i64),
    Header(String, String),
    Seen,
    Unseen,
    Flagged,
    Deleted,
    Undeleted,
    Keyword(String),
    Larger(u32),
    Smaller(u32),
    Not(Box<SearchKey>),
    Or(Box<SearchKey>, Box<SearchKey>),
    /// All of them (an empty list means `ALL`).
    And(Vec<SearchKey>),
}
