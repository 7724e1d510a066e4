//! Known-answer tests for command encoding.

use super::*;

fn one(cmd: &Command) -> String {
    let segs = encode("a1", cmd);
    assert_eq!(segs.len(), 1, "{segs:?}");
    String::from_utf8(segs.into_iter().next().unwrap()).unwrap()
}

fn segs(cmd: &Command) -> Vec<String> {
    encode("a1", cmd)
        .into_iter()
        .map(|s| String::from_utf8_lossy(&s).into_owned())
        .collect()
}

#[test]
fn simple_commands() {
    assert_eq!(one(&Command::Capability), "a1 CAPABILITY\r\n");
    assert_eq!(one(&Command::Done), "DONE\r\n");
    assert_eq!(
        one(&Command::Login {
            user: "alice".into(),
            password: "p w".into()
        }),
        "a1 LOGIN alice \"p w\"\r\n"
    );
    assert_eq!(
        one(&Command::List {
            reference: String::new(),
            pattern: "*".into()
        }),
        "a1 LIST \"\" *\r\n"
    );
    assert_eq!(
        one(&Command::Select {
            mailbox: "Entwürfe".into()
        }),
        "a1 SELECT Entw&APw-rfe\r\n"
    );
    assert_eq!(
        one(&Command::Select {
            mailbox: "Sent Items".into()
        }),
        "a1 SELECT \"Sent Items\"\r\n"
    );
    assert_eq!(
        one(&Command::Status {
            mailbox: "INBOX".into(),
            items: vec![StatusItem::UidNext, StatusItem::UidValidity]
        }),
        "a1 STATUS INBOX (UIDNEXT UIDVALIDITY)\r\n"
    );
}

#[test]
fn fetch_store_search() {
    let set = UidSet::from_uids([1, 2, 3, 7]).unwrap();
    assert_eq!(
        one(&Command::UidFetch {
            set: set.clone(),
            items: vec![
                FetchAttr::Uid,
                FetchAttr::Flags,
                FetchAttr::BodyPeekHeaderFields(vec!["Message-ID".into(), "References".into()]),
                FetchAttr::BodyPeekPartial {
                    section: "TEXT".into(),
                    start: 0,
                    len: 512
                },
            ]
        }),
        "a1 UID FETCH 1:3,7 (UID FLAGS BODY.PEEK[HEADER.FIELDS (Message-ID References)] BODY.PEEK[TEXT]<0.512>)\r\n"
    );
    assert_eq!(
        one(&Command::UidStore {
            set: set.clone(),
            op: StoreOp::Add,
            flags: vec!["\\Seen".into(), "bad flag".into(), "$Junk".into()],
            silent: true
        }),
        "a1 UID STORE 1:3,7 +FLAGS.SILENT (\\Seen $Junk)\r\n"
    );
    assert_eq!(
        one(&Command::UidSearch {
            criteria: SearchKey::And(vec![
                SearchKey::Since(837_596_665_000),
                SearchKey::Not(Box::new(SearchKey::And(vec![
                    SearchKey::Deleted,
                    SearchKey::Seen
                ]))),
                SearchKey::Uid(set),
            ])
        }),
        "a1 UID SEARCH SINCE 17-Jul-1996 NOT (DELETED SEEN) UID 1:3,7\r\n"
    );
}

#[test]
fn literals_split_segments() {
    assert_eq!(
        segs(&Command::UidSearch {
            criteria: SearchKey::Header("Subject".into(), "grüße".into())
        }),
        [
            "a1 UID SEARCH CHARSET UTF-8 HEADER \"Subject\" {7}\r\n",
            "grüße\r\n"
        ]
    );
    assert_eq!(
        segs(&Command::Login {
            user: "bob".into(),
            password: "a\"b".into()
        }),
        ["a1 LOGIN bob {3}\r\n", "a\"b\r\n"]
    );
    assert_eq!(
        segs(&Command::Append {
            mailbox: "INBOX".into(),
            flags: vec!["\\Seen".into()],
            date: Some(0),
            message: b"Subject: x\r\n\r\nhi\r\n".to_vec()
        }),
        [
            "a1 APPEND INBOX (\\Seen) \"01-Jan-1970 00:00:00 +0000\" {18}\r\n",
            "Subject: x\r\n\r\nhi\r\n\r\n"
        ]
    );
    assert_eq!(
        segs(&Command::AuthenticatePlain {
            user: "alice".into(),
            password: "alicepw".into()
        }),
        ["a1 AUTHENTICATE PLAIN\r\n", "AGFsaWNlAGFsaWNlcHc=\r\n"]
    );
}
