//! GetMsgRequest `<m id="…" [read="1"] [html="1"]/>`: one message of the target account with what the store
//! holds: folder, conversation, flags, size, date, addresses (`<e t="f|t|c">`), subject `<su>`, snippet `<fr>`,
//! Message-ID `<mid>`, In-Reply-To `<irt>`, and the body parts `<mp>` once fetched.
//!
//! Bodies are fetched on demand: when the store has no parts for the message yet and the account's IMAP worker
//! is online, the worker is asked for the body and this request waits for it (polling the store, at most
//! [`BODY_WAIT`]). Without a worker, offline, or past the wait, the answer has the headers and snippet only, as
//! before — never a fault. Parts render as Zimbra does, `<mp part="N" ct="…" s="SIZE" [filename="…"]
//! [body="1"]><content>TEXT</content></mp>`; several parts sit inside one `<mp part="TEXT"
//! ct="multipart/mixed">` (the engine flattens the MIME tree, so deeper nesting is not reproduced). Only inline
//! text parts carry `<content>`; the first of them (`text/html` first when `html="1"`, else `text/plain`
//! first) is marked `body="1"`.
//!
//! `read="1"` is accepted but does not change flags: marking read is a flag change that must reach the IMAP
//! server, which is the sync engine's job (MsgActionRequest), not a side effect of a read. An id that is not a
//! message of the target account (another account's, a folder, a conversation) is `mail.NO_SUCH_MSG`.

use std::time::Duration;

use inboxd_imap_driver::{StoredPart, stored_body};
use inboxd_model::{AccountId, ItemId};
use inboxd_soap::{Element, Fault, NS_MAIL};
use inboxd_store::{Item, Message};

use super::{parse_id, render};
use crate::cx::Cx;

pub fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let spec = req
        .child("m")
        .ok_or_else(|| Fault::invalid_request("missing <m>"))?;
    let id = parse_id(&spec.required("id")?)?;
    // Validated for the client's sake even though it changes nothing yet (see the module docs).
    spec.bool_opt("read")?;
    let html = spec.bool_opt("html")?.unwrap_or(false);
    let mut m = load(cx, &account.id, id)?;
    let mut parts = stored_body(&cx.app.store, &account.id, id).map_err(crate::store_fault)?;
    if parts.is_none() && m.imap_uid.is_some() && cx.app.sync.fetch_body(&account.id, id) {
        parts = wait_for_body(cx, &account.id, id)?;
        if parts.is_some() {
            // The fetch also refreshed the snippet and attachment flag.
            m = load(cx, &account.id, id)?;
        }
    }
    let mut el = message(&m);
    if let Some(irt) = m.in_reply_to.first() {
        el.push(Element::text_child("irt", format!("<{irt}>")).json_attr());
    }
    if let Some(parts) = parts.filter(|p| !p.is_empty()) {
        el.push(mime_parts(&parts, html));
    }
    Ok(Element::ns("GetMsgResponse", NS_MAIL).with_child(el))
}

/// How long a GetMsgRequest waits for a body the worker is fetching.
pub const BODY_WAIT: Duration = Duration::from_secs(15);
const BODY_POLL: Duration = Duration::from_millis(50);

fn load(cx: &Cx, account: &AccountId, id: ItemId) -> Result<Message, Fault> {
    match cx.app.store.item(account, id).map_err(crate::store_fault)? {
        Some(Item::Message(m)) => Ok(m),
        _ => Err(no_such_msg(id)),
    }
}

/// Polls the store until the body's parts are stored or [`BODY_WAIT`] passes. Handlers run on the blocking
/// pool, so sleeping here parks no async task.
fn wait_for_body(
    cx: &Cx,
    account: &AccountId,
    id: ItemId,
) -> Result<Option<Vec<StoredPart>>, Fault> {
    let rounds = BODY_WAIT.as_millis() / BODY_POLL.as_millis();
    for _ in 0..rounds {
        std::thread::sleep(BODY_POLL);
        if let Some(parts) = stored_body(&cx.app.store, account, id).map_err(crate::store_fault)? {
            return Ok(Some(parts));
        }
    }
    tracing::info!(%account, %id, "body not fetched in time; answering without parts");
    Ok(None)
}

/// The `<mp>` tree of stored parts: one part as is, several inside a `multipart/mixed` wrapper.
fn mime_parts(parts: &[StoredPart], html: bool) -> Element {
    let body = body_index(parts, html);
    let mut rendered: Vec<Element> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| mime_part(i + 1, p, body == Some(i)))
        .collect();
    if rendered.len() == 1
        && let Some(only) = rendered.pop()
    {
        return only;
    }
    let mut wrapper = Element::new("mp")
        .with_attr("part", "TEXT")
        .with_attr("ct", "multipart/mixed")
        .json_list();
    wrapper.children = rendered;
    wrapper
}

/// Inline text parts: text without a file name.
fn is_inline_text(p: &StoredPart) -> bool {
    p.text.is_some() && p.file_name.is_none()
}

/// The part Zimbra marks `body="1"`: the preferred inline text type, else the first inline text part.
fn body_index(parts: &[StoredPart], html: bool) -> Option<usize> {
    let preferred = if html { "text/html" } else { "text/plain" };
    parts
        .iter()
        .position(|p| is_inline_text(p) && p.content_type.eq_ignore_ascii_case(preferred))
        .or_else(|| parts.iter().position(is_inline_text))
}

fn mime_part(number: usize, p: &StoredPart, body: bool) -> Element {
    let mut el = Element::new("mp")
        .with_attr("part", number.to_string())
        .with_attr("ct", p.content_type.as_str())
        .with_attr("s", i64::try_from(p.size).unwrap_or(i64::MAX));
    if let Some(name) = &p.file_name {
        el.set_attr("filename", name.as_str());
    }
    if body {
        el.set_attr("body", true);
    }
    if is_inline_text(p)
        && let Some(text) = &p.text
    {
        el.push(Element::text_child("content", text.as_str()).json_attr());
    }
    el.json_list()
}

/// `mail.NO_SUCH_MSG`, as Zimbra reports a missing message.
pub fn no_such_msg(id: ItemId) -> Fault {
    Fault::new("mail.NO_SUCH_MSG", format!("no such message: {id}")).with_arg(
        "itemId",
        inboxd_soap::ArgKind::Iid,
        id.to_string(),
    )
}

/// A message as the mail read requests return it: the shared rendering in Zimbra's read shape.
pub fn message(m: &Message) -> Element {
    zimbra_shape(render::message(m))
}

/// Zimbra's read shape of a `<m>` or `<c>`: the subject as a `<su>` child after the addresses instead of an
/// attribute (an empty subject is left out), and the text children `<su>`, `<fr>`, `<mid>` as plain JSON keys
/// (`"fr":"…"`), as Zimbra writes them.
pub fn zimbra_shape(mut el: Element) -> Element {
    if let Some(pos) = el.attrs.iter().position(|(k, _)| k == "su") {
        let (_, subject) = el.attrs.remove(pos);
        let subject = subject.as_text().into_owned();
        if !subject.is_empty() {
            let at = el
                .children
                .iter()
                .position(|c| c.name != "e")
                .unwrap_or(el.children.len());
            el.children.insert(at, Element::text_child("su", subject));
        }
    }
    for child in &mut el.children {
        if matches!(child.name.as_str(), "su" | "fr" | "mid") {
            child.json = inboxd_soap::JsonShape::Attr;
        }
    }
    el
}
