//! `inboxd watch` as a user runs it: the real binary against a real server on loopback. It must create its
//! waitset, long-poll, and print `ACCOUNT changeid=N` when the account changes.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use inboxd_model::{ItemType, Timestamp};
use inboxd_server::{ServerConfig, auth::hash_password};
use inboxd_store::{NewAccount, folder_ids};

/// Forwards the lines of a child's pipe to a channel (so the test can wait with a bound).
fn lines(pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// The first line containing `needle`, waiting at most `limit`.
fn wait_for(rx: &mpsc::Receiver<String>, needle: &str, limit: Duration) -> Option<String> {
    let deadline = inboxd_server::clock::monotonic_now() + limit;
    while let Some(left) = deadline.checked_duration_since(inboxd_server::clock::monotonic_now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return Some(line),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_a_line_when_the_account_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(dir.path());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.admin_listen = "127.0.0.1:0".parse().unwrap();
    config.sync = None;
    let server = inboxd_server::start(config).await.unwrap();
    let store = server.app.store.clone();
    let new = NewAccount {
        name: "watcher@example.test".into(),
        password_hash: hash_password("pw").unwrap(),
        admin: false,
        imap: None,
    };
    let account = store.create_account(new, Timestamp(1)).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_inboxd"))
        .args([
            "watch",
            "--url",
            &format!("http://{}/service/soap", server.user_addr),
        ])
        .args([
            "--user",
            "watcher@example.test",
            "--password",
            "pw",
            "--types",
            "c",
            "--timeout",
            "60",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = lines(child.stdout.take().unwrap());
    let err = lines(child.stderr.take().unwrap());
    let ready = wait_for(&err, "watch: waitset", Duration::from_secs(30));
    assert!(ready.is_some(), "the watcher never created its waitset");

    let attrs = [("firstName".to_string(), "Watched".to_string())]
        .into_iter()
        .collect();
    let committed = store
        .commit(&account.id, Timestamp(2), |txn| {
            txn.create_item(ItemType::Contact, folder_ids::CONTACTS, &attrs)
        })
        .unwrap();
    let change = committed.event.unwrap().change_id;
    let line = wait_for(&out, account.id.as_str(), Duration::from_secs(30));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(line, Some(format!("{} changeid={}", account.id, change.0)));
    server.shutdown().await;
}
