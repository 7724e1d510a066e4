"""python-zimbra 2.4, unmodified, drives the WaitSet API in XML and JSON: a user's Create/Wait/Destroy (with a
request parked while another thread commits a change, seq acknowledgement, and the fault for a destroyed waitset),
and an admin allAccounts waitset with Query and Destroy."""
import threading
import time

from zimbra_common import ADMIN_URL, USER_URL, admin_token, new_user, ok, send, user_token


def as_list(x):
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def signalled(resp):
    return [a["id"] for a in as_list(resp.get("a"))]


def create_contact(token, request_type, name):
    ok(USER_URL, token, "CreateContactRequest",
       {"cn": {"a": [{"n": "firstName", "_content": name}]}}, "urn:zimbraMail", request_type)


def user_round(admin, request_type):
    name, account_id, password = new_user(admin)
    token = user_token(name, password)
    created = ok(USER_URL, token, "CreateWaitSetRequest",
                 {"defTypes": "c", "add": {"a": [{"id": account_id}]}}, "urn:zimbraMail", request_type)
    ws = created["waitSet"]
    assert str(created["seq"]) == "0", created
    assert created["defTypes"] == "c", created

    # Nothing changed yet: a non-blocking wait echoes our seq and names no account.
    idle = ok(USER_URL, token, "WaitSetRequest", {"waitSet": ws, "seq": "0", "block": "0"},
              "urn:zimbraMail", request_type)
    assert signalled(idle) == [], idle

    # Park a blocking wait; another thread commits a contact half a second later.
    timer = threading.Timer(0.5, create_contact, args=(token, request_type, "Parked"))
    timer.start()
    started = time.time()
    woke = ok(USER_URL, token, "WaitSetRequest",
              {"waitSet": ws, "seq": "0", "block": "1", "timeout": "60"}, "urn:zimbraMail", request_type,
              timeout=90)
    timer.join()
    assert signalled(woke) == [account_id], woke
    assert time.time() - started < 30, "the parked wait was answered by the commit, not the timeout"
    seq = str(woke["seq"])

    # Acknowledge: nothing new, so the answer is empty.
    acked = ok(USER_URL, token, "WaitSetRequest", {"waitSet": ws, "seq": seq, "block": "0"},
               "urn:zimbraMail", request_type)
    assert signalled(acked) == [], acked

    ok(USER_URL, token, "DestroyWaitSetRequest", {"waitSet": ws}, "urn:zimbraMail", request_type)
    data, fault, resp = send(USER_URL, token, "WaitSetRequest", {"waitSet": ws, "seq": seq},
                             "urn:zimbraMail", request_type)
    assert fault and resp.get_fault_code() == "admin.NO_SUCH_WAITSET", data
    return account_id, token


def admin_round(admin, request_type, account_id, user_tok):
    created = ok(ADMIN_URL, admin, "AdminCreateWaitSetRequest", {"defTypes": "all", "allAccounts": "1"},
                 "urn:zimbraAdmin", request_type)
    ws, seq = created["waitSet"], str(created["seq"])
    query = ok(ADMIN_URL, admin, "QueryWaitSetRequest", {"waitSet": ws}, "urn:zimbraAdmin", request_type)
    assert query["waitSet"]["id"] == ws, query
    create_contact(user_tok, request_type, "AllAccounts")
    woke = ok(ADMIN_URL, admin, "AdminWaitSetRequest",
              {"waitSet": ws, "seq": seq, "block": "1", "timeout": "30"}, "urn:zimbraAdmin", request_type,
              timeout=60)
    assert account_id in signalled(woke), woke
    ok(ADMIN_URL, admin, "AdminDestroyWaitSetRequest", {"waitSet": ws}, "urn:zimbraAdmin", request_type)


def main():
    admin = admin_token()
    for request_type in ("xml", "json"):
        account_id, user_tok = user_round(admin, request_type)
        admin_round(admin, request_type, account_id, user_tok)


if __name__ == "__main__":
    main()
