//! Parser tests: known answers from Dovecot-style transcripts, quirks, and properties (no panics, prefixes).

use super::*;
use proptest::prelude::*;

fn parse_one(s: &[u8]) -> Response {
    let (r, used) = parse_response(s).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        used,
        s.len(),
        "consumed all of {:?}",
        String::from_utf8_lossy(s)
    );
    r
}

fn untagged(s: &[u8]) -> Untagged {
    match parse_one(s) {
        Response::Untagged(u) => u,
        other => panic!("not untagged: {other:?}"),
    }
}

#[test]
fn greeting_and_capability() {
    assert_eq!(
        untagged(b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n"),
        Untagged::Ok {
            code: Some(Code::Capability(
                ["IMAP4rev1", "SASL-IR", "LOGIN-REFERRALS", "ID", "ENABLE", "IDLE", "LITERAL+", "AUTH=PLAIN"]
                    .map(String::from)
                    .to_vec()
            )),
            text: "Dovecot ready.".into()
        }
    );
    assert_eq!(
        untagged(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN\r\n"),
        Untagged::Capability(vec![
            "IMAP4rev1".into(),
            "AUTH=PLAIN".into(),
            "AUTH=LOGIN".into()
        ])
    );
    assert_eq!(
        parse_one(b"a1 OK [CAPABILITY IMAP4rev1] Logged in\r\n"),
        Response::Tagged {
            tag: "a1".into(),
            status: Status::Ok,
            code: Some(Code::Capability(vec!["IMAP4rev1".into()])),
            text: "Logged in".into()
        }
    );
}

#[test]
fn list_responses() {
    let Untagged::List(e) = untagged(b"* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n") else {
        panic!()
    };
    assert_eq!(e.attrs, ["\\HasNoChildren", "\\Sent"]);
    assert!(e.has_attr("\\sent"));
    assert_eq!((e.delimiter, e.mailbox.as_str()), (Some('/'), "Sent"));
    let Untagged::List(e) = untagged(b"* LIST (\\HasChildren) \".\" \"Entw&APw-rfe.A &- B\"\r\n")
    else {
        panic!()
    };
    assert_eq!(
        (e.delimiter, e.mailbox.as_str()),
        (Some('.'), "Entwürfe.A & B")
    );
    let Untagged::List(e) = untagged(b"* list () nil inbox\r\n") else {
        panic!()
    };
    assert_eq!((e.delimiter, e.mailbox.as_str()), (None, "INBOX"));
    let Untagged::Lsub(e) = untagged(b"* LSUB () \"/\" {4}\r\nA\"B/\r\n") else {
        panic!()
    };
    assert_eq!(e.mailbox, "A\"B/");
    // Some servers send raw UTF-8 inside quoted strings instead of modified UTF-7.
    let Untagged::List(e) = untagged(b"* LIST () \"/\" \"Caf\xc3\xa9\"\r\n") else {
        panic!()
    };
    assert_eq!(e.mailbox, "Caf\u{e9}");
}

#[test]
fn select_output() {
    let lines: &[(&[u8], Untagged)] = &[
        (
            b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n",
            Untagged::Flags(
                [
                    "\\Answered",
                    "\\Flagged",
                    "\\Deleted",
                    "\\Seen",
                    "\\Draft",
                    "$Forwarded",
                ]
                .map(String::from)
                .to_vec(),
            ),
        ),
        (
            b"* OK [PERMANENTFLAGS (\\Answered \\Seen \\*)] Flags permitted.\r\n",
            Untagged::Ok {
                code: Some(Code::PermanentFlags(vec![
                    "\\Answered".into(),
                    "\\Seen".into(),
                    "\\*".into(),
                ])),
                text: "Flags permitted.".into(),
            },
        ),
        (b"* 172 EXISTS\r\n", Untagged::Exists(172)),
        (b"* 1 RECENT\r\n", Untagged::Recent(1)),
        (
            b"* OK [UIDVALIDITY 1795415693] UIDs valid\r\n",
            Untagged::Ok {
                code: Some(Code::UidValidity(1_795_415_693)),
                text: "UIDs valid".into(),
            },
        ),
        (
            b"* OK [UIDNEXT 4392] Predicted next UID\r\n",
            Untagged::Ok {
                code: Some(Code::UidNext(4392)),
                text: "Predicted next UID".into(),
            },
        ),
        (
            b"* OK [HIGHESTMODSEQ 9081] Highest\r\n",
            Untagged::Ok {
                code: Some(Code::HighestModSeq(9081)),
                text: "Highest".into(),
            },
        ),
        (
            b"* OK [NOMODSEQ] No permanent modsequences\r\n",
            Untagged::Ok {
                code: Some(Code::Other("NOMODSEQ".into(), None)),
                text: "No permanent modsequences".into(),
            },
        ),
        (b"* 3 EXPUNGE\r\n", Untagged::Expunge(3)),
        (b"* SEARCH 2 84 882\r\n", Untagged::Search(vec![2, 84, 882])),
        (b"* SEARCH\r\n", Untagged::Search(vec![])),
        (
            b"* ENABLED CONDSTORE\r\n",
            Untagged::Other("ENABLED".into()),
        ),
    ];
    for (line, want) in lines {
        assert_eq!(&untagged(line), want, "{}", String::from_utf8_lossy(line));
    }
    assert_eq!(
        parse_one(b"A142 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n"),
        Response::Tagged {
            tag: "A142".into(),
            status: Status::Ok,
            code: Some(Code::ReadWrite),
            text: "Select completed (0.001 + 0.000 secs).".into()
        }
    );
    assert_eq!(
        untagged(b"* STATUS \"Sent Items\" (MESSAGES 231 UIDNEXT 44292 UIDVALIDITY 7)\r\n"),
        Untagged::Status {
            mailbox: "Sent Items".into(),
            items: MailboxStatus {
                messages: Some(231),
                uid_next: Some(44292),
                uid_validity: Some(7),
                ..Default::default()
            }
        }
    );
}

#[test]
fn fetch_with_header_literal() {
    let raw = b"* 12 FETCH (UID 4827 FLAGS (\\Seen $Label1) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 BODY[HEADER.FIELDS (MESSAGE-ID REFERENCES)] {28}\r\nMessage-ID: <a@b>\r\nX: \xc3\xa9\r\n\r\n MODSEQ (12) X-GM-THRID 99)\r\n";
    let Untagged::Fetch { seq, items } = untagged(raw) else {
        panic!()
    };
    assert_eq!(seq, 12);
    assert_eq!(
        items,
        [
            FetchItem::Uid(4827),
            FetchItem::Flags(vec!["\\Seen".into(), "$Label1".into()]),
            FetchItem::InternalDate(837_596_665_000),
            FetchItem::Rfc822Size(4286),
            FetchItem::Body {
                section: "HEADER.FIELDS (MESSAGE-ID REFERENCES)".into(),
                origin: None,
                data: Some(b"Message-ID: <a@b>\r\nX: \xc3\xa9\r\n\r\n".to_vec())
            },
            FetchItem::ModSeq(12),
            FetchItem::Other("X-GM-THRID".into()),
        ]
    );
    let Untagged::Fetch { items, .. } =
        untagged(b"* 1 FETCH (UID 1 BODY[TEXT]<0> \"hi\" BODY[1] NIL RFC822.HEADER {2}\r\nab)\r\n")
    else {
        panic!()
    };
    assert_eq!(
        items[1..],
        [
            FetchItem::Body {
                section: "TEXT".into(),
                origin: Some(0),
                data: Some(b"hi".to_vec())
            },
            FetchItem::Body {
                section: "1".into(),
                origin: None,
                data: None
            },
            FetchItem::Body {
                section: "HEADER".into(),
                origin: None,
                data: Some(b"ab".to_vec())
            },
        ]
    );
}

#[test]
fn fetch_envelope_and_bodystructure() {
    let raw = b"* 2 FETCH (ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700\" \"IMAP4rev1 WG mtg summary\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) NIL NIL ((NIL NIL \"imap\" \"cac.washington.edu\")) NIL NIL NIL \"<B27397-0100000@cac.washington.edu>\") BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92) UID 9)\r\n";
    let Untagged::Fetch { items, .. } = untagged(raw) else {
        panic!()
    };
    let FetchItem::Envelope(env) = &items[0] else {
        panic!()
    };
    assert_eq!(env.subject.as_deref(), Some("IMAP4rev1 WG mtg summary"));
    assert_eq!(env.from[0].name.as_deref(), Some("Terry Gray"));
    assert_eq!(env.to[0].mailbox.as_deref(), Some("imap"));
    assert!(env.cc.is_empty());
    assert_eq!(
        env.message_id.as_deref(),
        Some("<B27397-0100000@cac.washington.edu>")
    );
    assert!(
        matches!(&items[1], FetchItem::BodyStructure(b) if b.starts_with(b"(\"TEXT\"") && b.ends_with(b"92)"))
    );
    assert_eq!(items[2], FetchItem::Uid(9));
}

#[test]
fn uidplus_codes() {
    assert_eq!(
        parse_one(b"a5 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n"),
        Response::Tagged {
            tag: "a5".into(),
            status: Status::Ok,
            code: Some(Code::CopyUid {
                validity: 38505,
                src: UidSet::from_uids([304, 319, 320]).unwrap(),
                dst: UidSet::range(3956, 3958).unwrap()
            }),
            text: "Done".into()
        }
    );
    let Response::Tagged { code, .. } =
        parse_one(b"a6 OK [APPENDUID 1795415693 2] Append completed.\r\n")
    else {
        panic!()
    };
    assert_eq!(
        code,
        Some(Code::AppendUid {
            validity: 1_795_415_693,
            uid: 2
        })
    );
    let Response::Tagged { status, code, .. } =
        parse_one(b"a7 NO [TRYCREATE] Mailbox doesn't exist: Nope\r\n")
    else {
        panic!()
    };
    assert_eq!((status, code), (Status::No, Some(Code::TryCreate)));
}

#[test]
fn quirks_and_continuations() {
    assert_eq!(
        parse_one(b"+ idling\r\n"),
        Response::Continue("idling".into())
    );
    assert_eq!(parse_one(b"+\r\n"), Response::Continue(String::new()));
    assert_eq!(parse_one(b"+ {5}\n"), Response::Continue("{5}".into()));
    assert!(matches!(
        untagged(b"*  5   exists\r\n"),
        Untagged::Exists(5)
    ));
    assert!(matches!(
        untagged(b"* BYE Server shutting down\r\n"),
        Untagged::Bye { code: None, .. }
    ));
    assert!(matches!(
        parse_one(b"a1 ok\r\n"),
        Response::Tagged {
            status: Status::Ok,
            code: None,
            ..
        }
    ));
    let Untagged::Fetch { items, .. } =
        untagged(b"* 3 FETCH (FLAGS NIL UID 4 X-UNKNOWN (a (b \"c\")))\r\n")
    else {
        panic!()
    };
    assert_eq!(
        items,
        [
            FetchItem::Flags(vec![]),
            FetchItem::Uid(4),
            FetchItem::Other("X-UNKNOWN".into())
        ]
    );
}

#[test]
fn stream_of_responses_and_bad_lines() {
    let stream = b"* 1 EXISTS\r\n* 1 FETCH (UID oops)\r\n* 2 EXISTS\r\na1 OK done\r\n";
    let mut buf: &[u8] = stream;
    let mut got = Vec::new();
    let mut invalid = 0;
    while !buf.is_empty() {
        match parse_response(buf) {
            Ok((r, n)) => {
                got.push(r);
                buf = &buf[n..];
            }
            Err(ParseError::Invalid { line, .. }) => {
                assert_eq!(line, "* 1 FETCH (UID oops)");
                invalid += 1;
                buf = &buf[skip_line(buf).unwrap()..];
            }
            Err(ParseError::Incomplete) => panic!("incomplete"),
        }
    }
    assert_eq!((got.len(), invalid), (3, 1));
    assert_eq!(skip_line(b"* 1 EXISTS"), None);
}

const SAMPLES: &[&[u8]] = &[
    b"* 12 FETCH (UID 4827 BODY[HEADER] {12}\r\nSubject: x\r\n FLAGS (\\Seen))\r\n",
    b"* LIST (\\HasNoChildren) \"/\" {5}\r\nA/B C\r\n",
    b"a9 OK [COPYUID 1 1:3 7:9] done\r\n",
    b"* OK [UIDVALIDITY 5] x\r\n",
    b"* SEARCH 1 2 3\r\n",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_response(&bytes);
        let _ = skip_line(&bytes);
    }

    #[test]
    fn never_panics_on_mangled_samples(idx in 0..SAMPLES.len(), pos in 0usize..80, b in any::<u8>()) {
        let mut s = SAMPLES[idx].to_vec();
        let p = pos % s.len();
        s[p] = b;
        if let Err(ParseError::Invalid { .. }) = parse_response(&s) {
            prop_assert!(skip_line(&s).is_some_and(|n| n > 0 && n <= s.len()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn uid_sets_survive_a_search_and_copyuid_round_trip(uids in proptest::collection::vec(1u32..100_000, 1..50)) {
        let set = UidSet::from_uids(uids).unwrap();
        let cmd = encode("t", &Command::UidSearch { criteria: SearchKey::Uid(set.clone()) });
        let line = String::from_utf8(cmd.concat()).unwrap();
        let line = line.trim_end();
        let text = line.strip_prefix("t UID SEARCH UID ").unwrap();
        prop_assert_eq!(UidSet::parse(text), Some(set.clone()));
        let resp = format!("t OK [COPYUID 9 {set} {set}] ok\r\n");
        let (r, _) = parse_response(resp.as_bytes()).unwrap();
        let Response::Tagged { code: Some(Code::CopyUid { src, dst, .. }), .. } = r else {
            return Err(TestCaseError::fail("no COPYUID"));
        };
        prop_assert_eq!(&src, &set);
        prop_assert_eq!(&dst, &set);
    }
}

#[test]
fn every_proper_prefix_is_incomplete() {
    for sample in SAMPLES {
        for n in 0..sample.len() {
            assert_eq!(
                parse_response(&sample[..n]),
                Err(ParseError::Incomplete),
                "prefix {n} of {:?}",
                String::from_utf8_lossy(sample)
            );
        }
        assert!(parse_response(sample).is_ok());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// FETCH responses with arbitrary literal bodies (CR, LF, `{n}`, NUL, 8-bit): parsed back exactly, and
    /// every proper prefix is Incomplete.
    #[test]
    fn literal_bodies_round_trip(
        uid in 1u32..1_000_000,
        body in proptest::collection::vec(any::<u8>(), 0..120),
        flags in proptest::collection::vec("[A-Za-z$]{1,8}", 0..4),
    ) {
        let mut raw = format!("* 7 FETCH (UID {uid} FLAGS ({}) BODY[] {{{}}}\r\n", flags.join(" "), body.len()).into_bytes();
        raw.extend_from_slice(&body);
        raw.extend_from_slice(b")\r\n");
        let (r, used) = parse_response(&raw).unwrap();
        prop_assert_eq!(used, raw.len());
        let want = Response::Untagged(Untagged::Fetch {
            seq: 7,
            items: vec![
                FetchItem::Uid(uid),
                FetchItem::Flags(flags.clone()),
                FetchItem::Body { section: String::new(), origin: None, data: Some(body.clone()) },
            ],
        });
        prop_assert_eq!(r, want);
        for n in 0..raw.len() {
            prop_assert_eq!(parse_response(&raw[..n]), Err(ParseError::Incomplete));
        }
    }
}
