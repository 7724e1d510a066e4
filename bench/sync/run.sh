#!/usr/bin/env bash
# Sync benchmark: linux-clk (10,464 messages) loaded into a local Dovecot, then
#   minimal raw UID FETCH of flags and of headers  vs  inboxd initial sync  vs  mbsync (if installed),
# plus no-change refreshes (cold sync_once and a running worker). Prints a Markdown table.
# Needs dovecot-imapd (and optionally isync). Environment knobs: see bench/sync/README.md.
#
# Usage: bench/sync/run.sh [MBOX[.gz]]   (default: the shared linux-clk corpus)
set -euo pipefail
cd "$(dirname "$0")/../.."
MBOX="${1:-/work/shared/corpora/linux-clk/linux-clk.2025-06_2026-01.mbox.gz}"
cargo build --release -q -p inboxd-imap-driver --example sync_bench
exec target/release/examples/sync_bench "$MBOX"
