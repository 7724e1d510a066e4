//! Identifier newtypes the engine allocates itself.
//!
//! What belongs here: the small `Copy` ids for folders, messages (umids), conversations, flag sets and durable
//! tasks. What does not: IMAP UIDs (plain `u32` on the wire) or header Message-IDs (strings, see `headers`).

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident($inner:ty), $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

id_type!(
    /// A folder of this account, allocated when LIST first shows its path (1, 2, 3…; never reused).
    FolderId(u32),
    "f"
);
id_type!(
    /// A "unique message id": our own name for one message copy in one folder. Stable across flag changes and
    /// conversation merges; the location map says where the message currently lives.
    Umid(u64),
    "m"
);
id_type!(
    /// A conversation: the umid of the message that founded it (as Gmail's thread id is its first message's id).
    ConvId(u64),
    "c"
);
id_type!(
    /// A slot in the deduplicated, reference-counted flag-set table.
    FlagSetId(u32),
    "s"
);
id_type!(
    /// A durable task in the account's task queue (`plan`).
    TaskId(u64),
    "t"
);

impl ConvId {
    /// The conversation a new message founds: named after that message's umid.
    pub fn founded_by(umid: Umid) -> Self {
        ConvId(umid.0)
    }
}
