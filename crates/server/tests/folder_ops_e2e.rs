//! Folder changes end to end against a real Dovecot through the strict RFC 3501 proxy: CreateFolderRequest,
//! FolderActionRequest rename and delete (XML and JSON) change the store at once and reach the server as
//! CREATE / RENAME / DELETE; the created folder keeps its id when the sync adopts it, a renamed folder keeps
//! its id and its messages (nothing is re-synced), and a message can be moved into a created folder.

#[path = "../../imap-driver/tests/common/mod.rs"]
mod common;
mod ops_support;
mod support;

use inboxd_model::ItemId;
use inboxd_soap::{Element, Format, NS_MAIL};
use ops_support::env::{Env, count, setup};

async fn send(env: &Env, format: Format, body: Element) -> Element {
    let url = env.t.user_url();
    let r = env.t.send(&url, format, Some(&env.user), body).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    r.body
}

async fn create(env: &Env, format: Format, name: &str, parent: ItemId) -> ItemId {
    let req = Element::ns("CreateFolderRequest", NS_MAIL).with_child(
        Element::new("folder")
            .with_attr("name", name)
            .with_attr("l", parent.to_string()),
    );
    let body = send(env, format, req).await;
    let f = body.child("folder").expect("folder");
    assert_eq!(f.scalar("name").as_deref(), Some(name));
    ItemId(f.scalar("id").unwrap().parse().unwrap())
}

async fn folder_action(env: &Env, format: Format, op: &str, id: ItemId, name: Option<&str>) {
    let mut action = Element::new("action")
        .with_attr("op", op)
        .with_attr("id", id.to_string());
    if let Some(n) = name {
        action = action.with_attr("name", n);
    }
    let body = send(
        env,
        format,
        Element::ns("FolderActionRequest", NS_MAIL).with_child(action),
    )
    .await;
    assert_eq!(
        body.child("action").and_then(|a| a.scalar("op")).as_deref(),
        Some(op)
    );
}

fn path_of(env: &Env, id: ItemId) -> Option<String> {
    let folders = env.t.server.app.store.folders(&env.account).unwrap();
    folders
        .into_iter()
        .find(|f| f.id == id)
        .and_then(|f| f.imap_path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_rename_delete_reach_a_vanilla_server() {
    let env = setup(true, &[]).await;

    let projects = create(&env, Format::Soap12, "Projects", ItemId(1)).await;
    env.wait_upstream("Projects created", |u| u.contains_key("Projects"))
        .await;
    env.wait_mirrored().await;
    assert_eq!(
        path_of(&env, projects).as_deref(),
        Some("Projects"),
        "adopted, same id"
    );

    let q4 = create(&env, Format::Json, "Q4", projects).await;
    env.wait_upstream("Q4 created", |u| {
        u.keys()
            .any(|k| k.starts_with("Projects") && k.ends_with("Q4"))
    })
    .await;
    env.msg_action(Format::Json, "move", 1, Some(projects))
        .await;
    env.wait_upstream("moved into Projects", |u| count(u, "Projects") == 1)
        .await;
    env.wait_mirrored().await;

    folder_action(&env, Format::Json, "rename", projects, Some("Work")).await;
    let up = env
        .wait_upstream("renamed", |u| {
            u.contains_key("Work") && !u.contains_key("Projects")
        })
        .await;
    assert_eq!(count(&up, "Work"), 1, "the message moved with the folder");
    assert!(
        up.keys()
            .any(|k| k.starts_with("Work") && k.ends_with("Q4")),
        "{up:?}"
    );
    env.wait_mirrored().await;
    assert_eq!(
        path_of(&env, projects).as_deref(),
        Some("Work"),
        "same id, new path"
    );
    assert!(path_of(&env, q4).is_some_and(|p| p.starts_with("Work")));
    assert_eq!(
        env.msg(1).folder,
        projects,
        "the message stayed put (not re-synced)"
    );

    // A move into a folder created a moment ago, before the server has it: kept queued and carried out as
    // soon as the folder is mirrored (no further wake-up needed).
    let fresh = create(&env, Format::Json, "Fresh", ItemId(1)).await;
    env.msg_action(Format::Soap12, "move", 2, Some(fresh)).await;
    assert_eq!(env.msg(2).folder, fresh, "local at once");
    let up = env
        .wait_upstream("moved into Fresh", |u| count(u, "Fresh") == 1)
        .await;
    assert_eq!(count(&up, "INBOX"), 2);
    env.wait_mirrored().await;
    assert_eq!(env.msg(2).folder, fresh);

    let later = env.folder_id("Later");
    folder_action(&env, Format::Soap12, "delete", later, None).await;
    env.wait_upstream("Later deleted", |u| !u.contains_key("Later"))
        .await;
    env.wait_mirrored().await;
    assert!(path_of(&env, later).is_none());
    let strict = env.strict.as_ref().unwrap();
    assert!(strict.rejected().is_empty(), "{:?}", strict.rejected());
    env.t.server.shutdown().await;
}
