//! Threading of real message files: our own fixtures under `test-data/threads` (always), and
//! notmuch's threading corpora when `/work/shared/corpora/notmuch` exists on this machine.

mod common;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use inboxd_threading::{HeaderIdMap, ThreadHeaders, canonical, reference_threads};

const NOTMUCH: &str = "/work/shared/corpora/notmuch";

/// Every regular file under `dir`, recursively, sorted by path.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn load(paths: &[PathBuf]) -> Vec<(usize, ThreadHeaders)> {
    paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let raw = fs::read(p).unwrap();
            (i, common::thread_headers(&raw).unwrap_or_default())
        })
        .collect()
}

/// Groups with `HeaderIdMap` in the given arrival order; canonical partition of indices.
fn map_threads(messages: &[(usize, ThreadHeaders)], order: &[usize]) -> Vec<Vec<usize>> {
    let mut map: HeaderIdMap<usize> = HeaderIdMap::new();
    let mut next = 0;
    let mut at_arrival = HashMap::new();
    for &i in order {
        let a = map.assign(&messages[i].1, || {
            next += 1;
            next
        });
        at_arrival.insert(i, a.conversation);
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, headers) in messages {
        let conv = map.lookup(headers).target().unwrap_or(at_arrival[i]);
        groups.entry(conv).or_default().push(*i);
    }
    canonical(groups.into_values().collect())
}

/// Checks the map (in file order and reversed) against the reference; returns the grouping.
fn threads_checked(messages: &[(usize, ThreadHeaders)]) -> Vec<Vec<usize>> {
    let reference = reference_threads(messages);
    let forward: Vec<usize> = (0..messages.len()).collect();
    let backward: Vec<usize> = forward.iter().rev().copied().collect();
    assert_eq!(map_threads(messages, &forward), reference);
    assert_eq!(map_threads(messages, &backward), reference);
    reference
}

fn sizes(groups: &[Vec<usize>]) -> Vec<usize> {
    let mut sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    sizes.sort_unstable();
    sizes
}

#[test]
fn own_fixtures_thread_as_expected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/threads");
    let paths: Vec<PathBuf> = files_under(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    let name = |i: usize| paths[i].file_stem().unwrap().to_string_lossy().into_owned();
    let got: Vec<Vec<String>> = threads_checked(&load(&paths))
        .into_iter()
        .map(|g| g.into_iter().map(name).collect())
        .collect();
    let expected_text = fs::read_to_string(dir.join("EXPECTED")).unwrap();
    let expected: Vec<Vec<String>> = expected_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect();
    assert_eq!(canonical(got), canonical(expected));
}

/// notmuch's `threading` corpus (T510-thread-replies): a reply-to-ghost thread of 6 messages,
/// an RT ticket thread of 3 joined through a phantom reference, and a 3-message thread whose
/// References has a typo that In-Reply-To repairs.
#[test]
fn notmuch_threading_corpus_when_present() {
    let dir = Path::new(NOTMUCH).join("threading");
    if !dir.is_dir() {
        return;
    }
    let groups = threads_checked(&load(&files_under(&dir)));
    assert_eq!(sizes(&groups), vec![3, 3, 6]);
}

/// notmuch's `default` corpus against T080's thread list in EXPECTED-THREADS.txt: the per-thread
/// file counts (`[matched/total(files)]`) must match ours exactly as a multiset.
#[test]
fn notmuch_default_corpus_when_present() {
    let dir = Path::new(NOTMUCH).join("default");
    let Ok(expected_text) = fs::read_to_string(Path::new(NOTMUCH).join("EXPECTED-THREADS.txt"))
    else {
        return;
    };
    if !dir.is_dir() {
        return;
    }
    let mut expected: Vec<usize> = expected_text
        .lines()
        .skip_while(|l| !l.starts_with("## 1."))
        .take_while(|l| !l.starts_with("## 2."))
        .filter(|l| l.starts_with("thread:"))
        .filter_map(file_count)
        .collect();
    expected.sort_unstable();
    assert_eq!(expected.len(), 24);
    let groups = threads_checked(&load(&files_under(&dir)));
    assert_eq!(sizes(&groups), expected);
}

/// `[m/n]` → n, `[m/n(f)]` → f (duplicates make f > n; we count files, they are messages to us).
fn file_count(line: &str) -> Option<usize> {
    let start = line.find('[')?;
    let end = line[start..].find(']')? + start;
    let inner = &line[start + 1..end];
    let total = inner.split('/').nth(1)?;
    match total.split_once('(') {
        Some((_, files)) => files.trim_end_matches(')').parse().ok(),
        None => total.parse().ok(),
    }
}
