//! SearchRequest over the synced store: `types="conversation"` (default) or `"message"`, a `<query>`, `sortBy`
//! `dateDesc` (default) / `dateAsc`, `limit` (default 10, at most 1000) and `offset`.
//!
//! # Supported query language (a subset of Zimbra's)
//! Terms:
//! - `in:NAME`, `in:"Some Folder"`, `in:/Inbox/Sub`, `in:Inbox/Sub`: messages directly in that folder (not its
//!   subfolders). `inbox`, `sent`, `trash`, `junk`, `drafts` name the system folders; other names are paths
//!   from the root, compared case-insensitively per component. Unknown → `mail.NO_SUCH_FOLDER`.
//!   `inid:ID`: the folder with that id. Several folder terms combine like any others (`in:a or in:b`).
//! - `is:unread`, `is:read`, `is:flagged`, `is:unflagged`.
//! - A bare word, a `"quoted phrase"` or `subject:word`: the subject contains it (substring, ASCII
//!   case-insensitive); a trailing `*` is dropped (prefix match is implied by substring match), so `*`
//!   alone matches everything.
//! - `from:X`, `to:X`, `cc:X`: X (a word or `"quoted phrase"`) occurs in the email or display name of one
//!   From / To / Cc address (substring, ASCII case-insensitive); `tocc:X`: in a To or a Cc address.
//!
//! Operators, loosest first (Zimbra's precedence, from its `ZimbraQuery.ParseTree.build`: each `or` starts a
//! new group of ANDed terms):
//! - `a or b`: either matches; so `a b or c` is `(a AND b) OR c` and `a or b c` is `a OR (b AND c)`;
//! - terms side by side, or joined by `and`, must all match;
//! - `-term` / `not term` negates a term, a parenthesized group or another negation (`-in:sent`: not in Sent);
//! - `( … )` groups: `(from:ann or from:bob) is:unread`.
//!
//! Unquoted words and values end at whitespace or a parenthesis (quote a folder name holding one); `or`,
//! `and`, `not` in quotes are words. Limits: at most 64 terms, parentheses and negations nested at most 16
//! deep. Unknown fields (`has:`, `date:`, …), `is:` values other than the four, `+term`, unbalanced
//! parentheses or quotes, a field without a value and a dangling operator → `service.INVALID_REQUEST`.
//!
//! Trash is searched only when the query names it in a folder term that is not negated, and likewise Junk
//! (Zimbra's default: `-in:sent` searches neither, `in:trash or x` searches Trash but not Junk). An empty
//! query is `in:inbox` (Zimbra's initial search). Bodies are not searched: the store keeps none.
//!
//! Response: `<SearchResponse sortBy offset more>` with `<c>` hits, each holding its matching messages as
//! `<m id l f d/>` (Zimbra's conversation hit shape), or full `<m>` hits.

mod lex;
mod query;

use inboxd_soap::{Element, Fault, NS_MAIL};
use inboxd_store::{ConversationHit, MessageMatch, SortOrder};

use super::folder::FolderTree;
use super::{get_msg, render};
use crate::cx::Cx;
use query::parse_query;

const DEFAULT_LIMIT: u32 = 10;
const MAX_LIMIT: u32 = 1000;

pub fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let conversations = match req.scalar("types").as_deref().map(str::trim) {
        None | Some("") | Some("conversation") => true,
        Some("message") => false,
        Some(other) => {
            return Err(Fault::invalid_request(format!(
                "unsupported types {other:?}: use conversation or message"
            )));
        }
    };
    let (sort, sort_name) = match req.scalar("sortBy").as_deref().map(str::trim) {
        None | Some("") => (SortOrder::DateDesc, "dateDesc"),
        Some(s) if s.eq_ignore_ascii_case("dateDesc") => (SortOrder::DateDesc, "dateDesc"),
        Some(s) if s.eq_ignore_ascii_case("dateAsc") => (SortOrder::DateAsc, "dateAsc"),
        Some(other) => {
            return Err(Fault::invalid_request(format!(
                "unsupported sortBy {other:?}: use dateDesc or dateAsc"
            )));
        }
    };
    let limit = match req.int_opt::<u32>("limit")? {
        None | Some(0) => DEFAULT_LIMIT,
        Some(n) => n.min(MAX_LIMIT),
    };
    let offset = req.int_opt::<u64>("offset")?.unwrap_or(0);
    let text = req.scalar("query").unwrap_or_default();
    let folders = cx
        .app
        .store
        .folders(&account.id)
        .map_err(crate::store_fault)?;
    let query = parse_query(&text, &FolderTree::new(&folders))?;

    let mut resp = Element::ns("SearchResponse", NS_MAIL)
        .with_attr("sortBy", sort_name)
        .with_attr("offset", offset);
    let store = &cx.app.store;
    let more = if conversations {
        let page = store
            .search_conversations(&account.id, &query, sort, limit, offset)
            .map_err(crate::store_fault)?;
        resp.children = page.hits.iter().map(conversation_hit).collect();
        page.more
    } else {
        let page = store
            .search_messages(&account.id, &query, sort, limit, offset)
            .map_err(crate::store_fault)?;
        resp.children = page.hits.iter().map(get_msg::message).collect();
        page.more
    };
    Ok(resp.with_attr("more", more))
}

/// A `<c>` hit: the conversation summary with its matching messages as short `<m>` elements.
fn conversation_hit(hit: &ConversationHit) -> Element {
    let mut c = get_msg::zimbra_shape(render::conversation(&hit.conversation));
    // The conversation's `d` is its latest matching message, the date the hit sorts by.
    c.set_attr("d", hit.sort_date.as_millis());
    for m in &hit.matches {
        c.push(message_ref(m));
    }
    c
}

fn message_ref(m: &MessageMatch) -> Element {
    Element::new("m")
        .with_attr("id", m.id.0)
        .with_attr("l", m.folder.0)
        .with_attr("f", match_flags(m))
        .with_attr("d", m.date.as_millis())
        .json_list()
}

/// The flag letters `render::message` writes (`u` unread, `f` flagged, `a` attachment, `r` replied, `d`
/// draft), for the light match rows; a unit test keeps the two in step.
fn match_flags(m: &MessageMatch) -> String {
    let checks = [
        (!m.has_flag("\\Seen"), 'u'),
        (m.has_flag("\\Flagged"), 'f'),
        (m.has_attachments, 'a'),
        (m.has_flag("\\Answered"), 'r'),
        (m.has_flag("\\Draft"), 'd'),
    ];
    checks
        .into_iter()
        .filter_map(|(on, letter)| on.then_some(letter))
        .collect()
}

#[cfg(test)]
mod tests {
    use inboxd_model::ItemId;
    use inboxd_store::folder_ids;

    use super::*;

    #[test]
    fn match_flags_agree_with_render() {
        let all = ["\\Seen", "\\Flagged", "\\Answered", "\\Draft"];
        for mask in 0..32u32 {
            let flags: Vec<String> = (0..4)
                .filter(|b| mask & (1 << b) != 0)
                .map(|b| all[b].to_string())
                .collect();
            let attach = mask & 16 != 0;
            let m = MessageMatch {
                id: ItemId(300),
                folder: folder_ids::INBOX,
                date: inboxd_model::Timestamp(5),
                flags: flags.clone(),
                has_attachments: attach,
            };
            let full = inboxd_store::Message {
                id: ItemId(300),
                folder: folder_ids::INBOX,
                conversation: None,
                imap_uid: None,
                message_id: None,
                in_reply_to: vec![],
                references: vec![],
                subject: String::new(),
                from: vec![],
                to: vec![],
                cc: vec![],
                date: inboxd_model::Timestamp(5),
                internal_date: inboxd_model::Timestamp(5),
                size: 0,
                flags,
                snippet: None,
                has_attachments: attach,
                body_fetched: false,
                created_change: inboxd_model::ChangeId(1),
                mod_change: inboxd_model::ChangeId(1),
            };
            let rendered = render::message(&full);
            assert_eq!(
                rendered.attr("f").as_deref(),
                Some(match_flags(&m).as_str())
            );
        }
    }
}
