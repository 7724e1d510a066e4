-- 0004: indexes for the mail read API (SearchRequest pages sorted by date within a folder, conversation hits).
-- Measured with bench/search on linux-clk (10k messages): message first page 11 → 3 ms, conversation pages
-- 18-20 → 5-6 ms (see BENCHMARKS.md).
CREATE INDEX messages_folder_date ON messages (account, folder, date);
CREATE INDEX messages_folder_conversation_date ON messages (account, folder, conversation, date);
