//! GetMsgRequest `<m id="…" [read="1"]/>`: one message of the target account with what the store holds:
//! folder, conversation, flags, size, date, addresses (`<e t="f|t|c">`), subject `<su>`, snippet `<fr>`,
//! Message-ID `<mid>` and In-Reply-To `<irt>`.
//!
//! Bodies: the store keeps none yet, so there are no `<mp>` parts; they appear once the sync engine fetches
//! bodies on demand. Nothing here invents body content. `read="1"` is accepted but does not change flags: marking
//! read is a flag change that must reach the IMAP server, which is the sync engine's job (MsgActionRequest), not
//! a side effect of a read. An id that is not a message of the target account (another account's, a folder, a
//! conversation) is `mail.NO_SUCH_MSG`.

use inboxd_model::ItemId;
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
    let item = cx
        .app
        .store
        .item(&account.id, id)
        .map_err(crate::store_fault)?;
    let Some(Item::Message(m)) = item else {
        return Err(no_such_msg(id));
    };
    let mut el = message(&m);
    if let Some(irt) = m.in_reply_to.first() {
        el.push(Element::text_child("irt", format!("<{irt}>")).json_attr());
    }
    Ok(Element::ns("GetMsgResponse", NS_MAIL).with_child(el))
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
