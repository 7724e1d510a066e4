//! Stored items as Zimbra elements: `<folder>`, `<cn>`, `<appt>`, `<task>`, `<doc>`, `<m>`, `<c>`.
//!
//! Common attributes: `id`, `l` (folder), `ms` (change id of the last modification), `rev` (change id of
//! creation). Typed items carry their attributes as `<a n="key">value</a>`. Message and conversation flags use
//! Zimbra's letters: `u` unread, `f` flagged, `a` has attachment, `r` replied, `d` draft.

use inboxd_model::ItemType;
use inboxd_soap::Element;
use inboxd_store::{Address, Conversation, Folder, GenericItem, Item, Message};

/// The element for any item.
pub fn item(item: &Item) -> Element {
    match item {
        Item::Folder(f) => folder(f),
        Item::Message(m) => message(m),
        Item::Conversation(c) => conversation(c),
        Item::Generic(g) => generic(g),
    }
}

pub fn generic_name(t: ItemType) -> &'static str {
    match t {
        ItemType::Contact => "cn",
        ItemType::Appointment => "appt",
        ItemType::Task => "task",
        ItemType::Document => "doc",
        ItemType::Folder => "folder",
        ItemType::Message => "m",
    }
}

fn view_name(t: ItemType) -> &'static str {
    match t {
        ItemType::Folder => "folder",
        ItemType::Message => "message",
        ItemType::Contact => "contact",
        ItemType::Appointment => "appointment",
        ItemType::Task => "task",
        ItemType::Document => "document",
    }
}

pub fn folder(f: &Folder) -> Element {
    let mut el = Element::new("folder")
        .with_attr("id", f.id.0)
        .with_attr("name", f.name.as_str());
    el.set_attr("l", f.parent.map_or(0, |p| p.0));
    if let Some(view) = f.view {
        el.set_attr("view", view_name(view));
    }
    if let Some(path) = &f.imap_path {
        el.set_attr("imapPath", path.as_str());
    }
    if let Some(su) = &f.special_use {
        el.set_attr("specialUse", su.as_str());
    }
    el.with_attr("ms", f.mod_change.0)
        .with_attr("rev", f.created_change.0)
        .json_list()
}

pub fn generic(g: &GenericItem) -> Element {
    let mut el = Element::new(generic_name(g.item_type))
        .with_attr("id", g.id.0)
        .with_attr("l", g.folder.0)
        .with_attr("ms", g.mod_change.0)
        .with_attr("rev", g.created_change.0);
    for (k, v) in &g.attrs {
        el.push(
            Element::new("a")
                .with_attr("n", k.as_str())
                .with_text(v.as_str())
                .json_list(),
        );
    }
    el.json_list()
}

fn message_flags(m: &Message) -> String {
    let mut f = String::new();
    let checks = [
        (m.is_unread(), 'u'),
        (m.is_flagged(), 'f'),
        (m.has_attachments, 'a'),
        (m.has_flag("\\Answered"), 'r'),
        (m.has_flag("\\Draft"), 'd'),
    ];
    for (on, letter) in checks {
        if on {
            f.push(letter);
        }
    }
    f
}

fn address(kind: &str, a: &Address) -> Element {
    let mut el = Element::new("e")
        .with_attr("t", kind)
        .with_attr("a", a.email.as_str());
    if let Some(name) = &a.name {
        el.set_attr("p", name.as_str());
    }
    el.json_list()
}

pub fn message(m: &Message) -> Element {
    let mut el = Element::new("m")
        .with_attr("id", m.id.0)
        .with_attr("l", m.folder.0)
        .with_attr("f", message_flags(m))
        .with_attr("s", m.size)
        .with_attr("d", m.date.as_millis())
        .with_attr("su", m.subject.as_str())
        .with_attr("ms", m.mod_change.0)
        .with_attr("rev", m.created_change.0);
    if let Some(cid) = m.conversation {
        el.set_attr("cid", cid.0);
    }
    if let Some(uid) = m.imap_uid {
        el.set_attr("i4uid", uid);
    }
    for (kind, list) in [("f", &m.from), ("t", &m.to), ("c", &m.cc)] {
        for a in list {
            el.push(address(kind, a));
        }
    }
    if let Some(snippet) = &m.snippet {
        el.push(Element::text_child("fr", snippet.as_str()));
    }
    if let Some(mid) = &m.message_id {
        el.push(Element::text_child("mid", format!("<{mid}>")));
    }
    el.json_list()
}

pub fn conversation(c: &Conversation) -> Element {
    let mut flags = String::new();
    if c.unread_count > 0 {
        flags.push('u');
    }
    if c.flagged {
        flags.push('f');
    }
    if c.has_attachments {
        flags.push('a');
    }
    let mut el = Element::new("c")
        .with_attr("id", c.id.0)
        .with_attr("n", c.message_count)
        .with_attr("u", c.unread_count)
        .with_attr("f", flags)
        .with_attr("d", c.last_date.as_millis())
        .with_attr("su", c.subject.as_str())
        .with_attr("ms", c.mod_change.0)
        .with_attr("rev", c.created_change.0);
    for a in &c.participants {
        el.push(address("f", a));
    }
    if let Some(snippet) = &c.snippet {
        el.push(Element::text_child("fr", snippet.as_str()));
    }
    el.json_list()
}
