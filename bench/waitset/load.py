#!/usr/bin/env python3
"""WaitSet load generator for bench/waitset/run (stdlib only, asyncio, raw HTTP/1.1 + Zimbra JSON SOAP).

For each N in --waiters: creates N admin waitsets (each watching one of --accounts accounts), parks one
blocking AdminWaitSetRequest per waitset on its own TCP connection, then measures
  * server RSS per parked waiter (VmRSS delta / N),
  * notify latency: commit (CreateContactRequest) -> every waiter of that account answered, p50/p99,
  * commits/s with all waiters parked (waiters re-park after each wake, as real clients do).
Prints a markdown table row per N.
"""
import argparse
import asyncio
import json
import statistics
import time


class Conn:
    """One keep-alive HTTP/1.1 connection posting JSON SOAP."""

    def __init__(self, host, port, path):
        self.host, self.port, self.path = host, port, path
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def call(self, name, ns, attrs, token=None):
        ctx = {"_jsns": "urn:zimbra"}
        if token:
            ctx["authToken"] = {"_content": token}
        body = dict(attrs)
        body["_jsns"] = ns
        payload = json.dumps({"Header": {"context": ctx}, "Body": {name: body}}).encode()
        head = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
        if self.writer is None:
            await self.open()
        self.writer.write(head.encode() + payload)
        await self.writer.drain()
        return await self.read_response()

    async def read_response(self):
        status = await self.reader.readline()
        if not status:
            raise ConnectionError("connection closed")
        length, chunked = None, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            k, _, v = line.decode().partition(":")
            k = k.strip().lower()
            if k == "content-length":
                length = int(v.strip())
            elif k == "transfer-encoding" and "chunked" in v.lower():
                chunked = True
        if chunked:
            data = b""
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    break
                data += await self.reader.readexactly(size)
                await self.reader.readline()
        else:
            data = await self.reader.readexactly(length or 0)
        doc = json.loads(data)
        body = doc.get("Body", doc)
        if "Fault" in body:
            raise RuntimeError(json.dumps(body["Fault"]))
        return next(iter(body.values()))

    def close(self):
        if self.writer:
            self.writer.close()


ADMIN_NS, MAIL_NS, ACCT_NS = "urn:zimbraAdmin", "urn:zimbraMail", "urn:zimbraAccount"


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def setup_accounts(a, admin_tok, u, m, run_id):
    ids, toks = [], []
    for i in range(m):
        name = f"bench{run_id}-{i}@bench.test"
        r = await a.call("CreateAccountRequest", ADMIN_NS, {"name": name, "password": "pw"}, admin_tok)
        acct = r["account"]
        acct = acct[0] if isinstance(acct, list) else acct
        ids.append(acct["id"])
        r = await u.call("AuthRequest", ACCT_NS, {"account": {"by": "name", "_content": name},
                                                   "password": {"_content": "pw"}})
        tok = r["authToken"]
        toks.append(tok[0]["_content"] if isinstance(tok, list) else tok["_content"] if isinstance(tok, dict) else tok)
    return ids, toks


class Waiter:
    def __init__(self, args, ws, acct_idx):
        self.conn = Conn(args.host, args.admin_port, "/service/admin/soap")
        self.ws, self.acct_idx, self.seq = ws, acct_idx, "0"
        self.task = None

    def park(self, admin_tok, on_answer):
        async def go():
            r = await self.conn.call("AdminWaitSetRequest", ADMIN_NS,
                                     {"waitSet": self.ws, "seq": self.seq, "block": "1", "timeout": "3600"},
                                     admin_tok)
            now = time.perf_counter()
            self.seq = r.get("seq", self.seq)
            on_answer(self, now, r)
        self.task = asyncio.ensure_future(go())


async def run_n(args, n, admin_tok, ids, toks, pid):
    a = Conn(args.host, args.admin_port, "/service/admin/soap")
    wsids = []
    for i in range(n):
        r = await a.call("AdminCreateWaitSetRequest", ADMIN_NS,
                         {"defTypes": "c", "add": {"a": [{"id": ids[i % len(ids)]}]}}, admin_tok)
        wsids.append(r["waitSet"])
    waiters = [Waiter(args, ws, i % len(ids)) for i, ws in enumerate(wsids)]
    for w in waiters:
        await w.conn.open()
    rss0 = rss_kb(pid)
    answered = {}

    def on_answer(w, now, r):
        answered.setdefault(w.acct_idx, []).append(now)

    for w in waiters:
        w.park(admin_tok, on_answer)
    await asyncio.sleep(args.settle)
    rss1 = rss_kb(pid)
    per_waiter_kb = (rss1 - rss0) / n

    # Notify latency: one commit at a time, wait for all waiters of that account, re-park them.
    u = Conn(args.host, args.user_port, "/service/soap")
    latencies = []
    by_acct = {}
    for w in waiters:
        by_acct.setdefault(w.acct_idx, []).append(w)
    for r in range(args.rounds):
        k = r % len(ids)
        answered.clear()
        t0 = time.perf_counter()
        await u.call("CreateContactRequest", MAIL_NS, {"cn": {"a": [{"n": "firstName", "_content": f"c{r}"}]}}, toks[k])
        await asyncio.gather(*(w.task for w in by_acct[k]))
        latencies.extend((t - t0) * 1000 for t in answered.get(k, []))
        for w in by_acct[k]:
            w.park(admin_tok, on_answer)

    # Throughput: concurrent committers while waiters wake and re-park.
    async def repark_loop(w):
        while not stop.is_set():
            await w.task
            if stop.is_set():
                break
            w.park(admin_tok, on_answer)

    stop = asyncio.Event()
    reparkers = [asyncio.ensure_future(repark_loop(w)) for w in waiters]
    commits = 0

    async def committer(c):
        nonlocal commits
        conn = Conn(args.host, args.user_port, "/service/soap")
        end = time.perf_counter() + args.duration
        i = c
        while time.perf_counter() < end:
            await conn.call("CreateContactRequest", MAIL_NS, {"cn": {"a": [{"n": "firstName", "_content": "x"}]}},
                            toks[i % len(toks)])
            commits += 1
            i += args.committers
        conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(committer(c) for c in range(args.committers)))
    cps = commits / (time.perf_counter() - t0)
    stop.set()
    for w in waiters:
        w.conn.close()
    for t in reparkers:
        t.cancel()
    await asyncio.gather(*reparkers, return_exceptions=True)
    for w in waiters:
        if w.task:
            w.task.cancel()
    a.close()
    u.close()
    return per_waiter_kb, cps, pct(latencies, 50), pct(latencies, 99), len(latencies)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--user-port", type=int, required=True)
    p.add_argument("--admin-port", type=int, required=True)
    p.add_argument("--admin", default="admin@bench.test")
    p.add_argument("--password", default="pw")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--waiters", default="1000,10000")
    p.add_argument("--accounts", type=int, default=100)
    p.add_argument("--rounds", type=int, default=200)
    p.add_argument("--committers", type=int, default=8)
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--settle", type=float, default=3.0)
    args = p.parse_args()

    a = Conn(args.host, args.admin_port, "/service/admin/soap")
    r = await a.call("AuthRequest", ADMIN_NS, {"name": {"_content": args.admin}, "password": {"_content": args.password}})
    tok = r["authToken"]
    admin_tok = tok[0]["_content"] if isinstance(tok, list) else tok["_content"] if isinstance(tok, dict) else tok
    u = Conn(args.host, args.user_port, "/service/soap")
    print("| parked waiters | RSS/waiter (KiB) | commits/s (parked) | notify p50 (ms) | notify p99 (ms) | samples |")
    print("|---:|---:|---:|---:|---:|---:|")
    for run_id, n in enumerate(int(x) for x in args.waiters.split(",")):
        ids, toks = await setup_accounts(a, admin_tok, u, args.accounts, run_id)
        kb, cps, p50, p99, samples = await run_n(args, n, admin_tok, ids, toks, args.pid)
        print(f"| {n} | {kb:.1f} | {cps:.0f} | {p50:.2f} | {p99:.2f} | {samples} |", flush=True)
    a.close()
    u.close()


if __name__ == "__main__":
    asyncio.run(main())
