//! GetFolderRequest: the folder tree (`<folder l="ID"/>` or `<folder path="/Inbox"/>` selects a subtree; `depth`
//! limits it), nested as Zimbra does, root `USER_ROOT` with id 1. Message folders carry `n` (messages directly in
//! the folder) and `u` (those without `\Seen`), from one grouped store query.

use std::collections::BTreeMap;

use inboxd_model::{ItemId, ItemType};
use inboxd_soap::{Element, Fault, NS_MAIL};
use inboxd_store::{Folder, folder_ids};

use super::{parse_id, render};
use crate::cx::Cx;

pub fn handle_get(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let folders = cx
        .app
        .store
        .folders(&account.id)
        .map_err(crate::store_fault)?;
    let counts = cx
        .app
        .store
        .folder_counts(&account.id)
        .map_err(crate::store_fault)?;
    let tree = FolderTree::new(&folders).with_counts(counts);
    let start = match req.child("folder") {
        Some(spec) => match (
            spec.scalar("l").or_else(|| spec.scalar("id")),
            spec.scalar("path"),
        ) {
            (Some(id), _) => parse_id(&id)?,
            (None, Some(path)) => tree
                .by_path(&path)
                .ok_or_else(|| Fault::no_such_folder(&path))?,
            (None, None) => folder_ids::ROOT,
        },
        None => folder_ids::ROOT,
    };
    let depth = req
        .int_opt::<i64>("depth")?
        .filter(|d| *d >= 0)
        .map(|d| d as usize);
    let el = tree
        .render(start, depth)
        .ok_or_else(|| Fault::no_such_folder(start))?;
    Ok(Element::ns("GetFolderResponse", NS_MAIL).with_child(el))
}

/// Folders indexed by id and by parent, for rendering subtrees and resolving paths.
pub struct FolderTree<'a> {
    by_id: BTreeMap<ItemId, &'a Folder>,
    children: BTreeMap<ItemId, Vec<&'a Folder>>,
    /// (messages, unread) per folder; when set, message folders render `n` and `u`.
    counts: Option<BTreeMap<ItemId, (u32, u32)>>,
}

impl<'a> FolderTree<'a> {
    pub fn new(folders: &'a [Folder]) -> Self {
        let mut children: BTreeMap<ItemId, Vec<&Folder>> = BTreeMap::new();
        for f in folders {
            if let Some(parent) = f.parent {
                children.entry(parent).or_default().push(f);
            }
        }
        Self {
            by_id: folders.iter().map(|f| (f.id, f)).collect(),
            children,
            counts: None,
        }
    }

    /// Renders message folders with these (messages, unread) counts; folders absent from the map have none.
    pub fn with_counts(mut self, counts: BTreeMap<ItemId, (u32, u32)>) -> Self {
        self.counts = Some(counts);
        self
    }

    /// The folder with this id.
    pub fn get(&self, id: ItemId) -> Option<&'a Folder> {
        self.by_id.get(&id).copied()
    }

    /// `/Inbox/Sub` (case-insensitive per component, as Zimbra paths are).
    pub fn by_path(&self, path: &str) -> Option<ItemId> {
        let mut at = folder_ids::ROOT;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let kids = self.children.get(&at)?;
            at = kids.iter().find(|f| f.name.eq_ignore_ascii_case(part))?.id;
        }
        Some(at)
    }

    /// The folder with its subfolders nested, `depth` levels deep (`None`: all).
    pub fn render(&self, id: ItemId, depth: Option<usize>) -> Option<Element> {
        let folder = self.by_id.get(&id)?;
        let mut el = render::folder(folder);
        if let Some(counts) = &self.counts
            && folder.view == Some(ItemType::Message)
        {
            let (n, u) = counts.get(&id).copied().unwrap_or_default();
            el.set_attr("n", n);
            el.set_attr("u", u);
        }
        if depth != Some(0) {
            for child in self.children.get(&id).into_iter().flatten() {
                if let Some(sub) = self.render(child.id, depth.map(|d| d - 1)) {
                    el.push(sub);
                }
            }
        }
        Some(el)
    }
}
