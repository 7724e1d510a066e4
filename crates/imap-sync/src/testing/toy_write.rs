//! The toy server's write commands: UID STORE, UID COPY, UID MOVE (when `MOVE` is advertised), EXPUNGE and
//! UID EXPUNGE (when `UIDPLUS` is), CREATE, RENAME (children follow) and DELETE. With `UIDPLUS`, COPY answers `[COPYUID …]` in its completion and MOVE in
//! an untagged OK first (RFC 6851). Unadvertised extensions answer BAD, as a strict server would.

use super::toy_server::{ToyServer, in_set};
use crate::wire::{Code, Command, Response, Status, StoreOp, UidSet, Untagged};

type Outcome = Option<(Status, &'static str)>;

impl ToyServer {
    fn has_cap(&self, cap: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(cap))
    }

    pub(crate) fn run_write(&mut self, cmd: &Command, out: &mut Vec<Response>) -> Outcome {
        let Some(path) = self.selected.clone() else {
            return Some((Status::Bad, "no mailbox selected"));
        };
        match cmd {
            Command::UidStore { set, op, flags, .. } => {
                self.store(&path, set, *op, flags);
                Some((Status::Ok, "stored"))
            }
            Command::UidCopy { set, mailbox } => self.copy(&path, set, mailbox, false, out),
            Command::UidMove { set, mailbox } if self.has_cap("MOVE") => {
                self.copy(&path, set, mailbox, true, out)
            }
            Command::Expunge => {
                self.expunge_where(&path, out, |_| true);
                Some((Status::Ok, "expunged"))
            }
            Command::UidExpunge { set } if self.has_cap("UIDPLUS") => {
                let set = set.clone();
                self.expunge_where(&path, out, |uid| {
                    set.ranges().iter().any(|(a, b)| (*a..=*b).contains(&uid))
                });
                Some((Status::Ok, "expunged"))
            }
            _ => Some((Status::Bad, "extension not advertised")),
        }
    }

    pub(crate) fn run_folder(&mut self, cmd: &Command) -> Outcome {
        match cmd {
            Command::Create { mailbox } if !self.mailboxes.contains_key(mailbox) => {
                self.add_mailbox(mailbox, &[]);
                Some((Status::Ok, "created"))
            }
            Command::Rename { from, to } if self.mailboxes.contains_key(from) => {
                let prefix = format!("{from}/");
                let moved: Vec<String> = self
                    .mailboxes
                    .keys()
                    .filter(|p| *p == from || p.starts_with(&prefix))
                    .cloned()
                    .collect();
                for path in moved {
                    if let Some(mb) = self.mailboxes.remove(&path) {
                        let rest = path.strip_prefix(from.as_str()).unwrap_or_default();
                        self.mailboxes.insert(format!("{to}{rest}"), mb);
                    }
                }
                Some((Status::Ok, "renamed"))
            }
            Command::Delete { mailbox } if self.mailboxes.remove(mailbox).is_some() => {
                Some((Status::Ok, "deleted"))
            }
            _ => Some((Status::No, "no such mailbox / already exists")),
        }
    }

    fn store(&mut self, path: &str, set: &UidSet, op: StoreOp, flags: &[String]) {
        let Some(mb) = self.mailboxes.get_mut(path) else {
            return;
        };
        let max_uid = mb.messages.last().map_or(0, |m| m.uid);
        for m in mb
            .messages
            .iter_mut()
            .filter(|m| in_set(set, m.uid, max_uid))
        {
            match op {
                StoreOp::Replace => m.flags = flags.to_vec(),
                StoreOp::Add => {
                    for f in flags {
                        if !m.flags.iter().any(|x| x.eq_ignore_ascii_case(f)) {
                            m.flags.push(f.clone());
                        }
                    }
                }
                StoreOp::Remove => m
                    .flags
                    .retain(|x| !flags.iter().any(|f| f.eq_ignore_ascii_case(x))),
            }
        }
    }

    fn copy(
        &mut self,
        path: &str,
        set: &UidSet,
        target: &str,
        remove: bool,
        out: &mut Vec<Response>,
    ) -> Outcome {
        let Some(src) = self.mailboxes.get(path) else {
            return Some((Status::No, "no such mailbox"));
        };
        let max_uid = src.messages.last().map_or(0, |m| m.uid);
        let picked: Vec<_> = src
            .messages
            .iter()
            .filter(|m| in_set(set, m.uid, max_uid))
            .cloned()
            .collect();
        let Some(dst) = self.mailboxes.get_mut(target) else {
            return Some((Status::No, "[TRYCREATE] no such mailbox"));
        };
        let validity = dst.uid_validity;
        let mut map = Vec::new();
        for mut m in picked {
            let old = m.uid;
            m.uid = dst.uid_next;
            dst.uid_next += 1;
            map.push((old, m.uid));
            dst.messages.push(m);
        }
        let code = match (
            UidSet::from_uids(map.iter().map(|p| p.0)),
            UidSet::from_uids(map.iter().map(|p| p.1)),
        ) {
            (Some(src), Some(dst)) if self.has_cap("UIDPLUS") => {
                Some(Code::CopyUid { validity, src, dst })
            }
            _ => None,
        };
        if remove {
            if let Some(code) = code {
                out.push(Response::Untagged(Untagged::Ok {
                    code: Some(code),
                    text: "moved".into(),
                }));
            }
            let moved: Vec<u32> = map.iter().map(|p| p.0).collect();
            self.expunge_where(path, out, |uid| moved.contains(&uid));
        } else {
            self.completion_code = code;
        }
        Some((Status::Ok, "copied"))
    }

    /// Expunges the `\Deleted` messages of `path` whose UID `pick` selects (MOVE: the moved ones, any flags).
    fn expunge_where(&mut self, path: &str, out: &mut Vec<Response>, pick: impl Fn(u32) -> bool) {
        let is_move = !matches!(
            self.received.last(),
            Some(Command::Expunge | Command::UidExpunge { .. })
        );
        let Some(mb) = self.mailboxes.get_mut(path) else {
            return;
        };
        let mut seq = 1u32;
        mb.messages.retain(|m| {
            let deleted = m.flags.iter().any(|f| f.eq_ignore_ascii_case("\\Deleted"));
            let gone = pick(m.uid) && (deleted || is_move);
            if gone {
                out.push(Response::Untagged(Untagged::Expunge(seq)));
            } else {
                seq += 1;
            }
            !gone
        });
    }
}
