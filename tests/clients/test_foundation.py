"""python-zimbra 2.4, unmodified: admin auth -> CreateAccount -> user auth -> CreateContact -> SyncRequest,
in XML and in JSON, plus faults for a wrong password and an unknown request."""
from pythonzimbra.communication import Communication

from zimbra_common import ADMIN_URL, USER_URL, admin_token, new_user, ok, send, user_token


def as_list(x):
    return x if isinstance(x, list) else [x]


def contact_round_trip(token, request_type):
    first = ok(USER_URL, token, "SyncRequest", {}, "urn:zimbraMail", request_type)
    before = int(first["token"])
    created = ok(USER_URL, token, "CreateContactRequest",
                 {"cn": {"a": [{"n": "firstName", "_content": "Ada"},
                               {"n": "email", "_content": "ada@example.test"}]}},
                 "urn:zimbraMail", request_type)
    cid = str(created["cn"]["id"])
    delta = ok(USER_URL, token, "SyncRequest", {"token": str(before)}, "urn:zimbraMail", request_type)
    assert int(delta["token"]) > before, (before, delta)
    ids = [str(c["id"]) for c in as_list(delta.get("cn", []))]
    assert cid in ids, delta
    return cid


def batch(token, request_type):
    """python-zimbra's batch mode: two requests in one BatchRequest, answered by requestId."""
    comm = Communication(USER_URL, timeout=60)
    req = comm.gen_request(token=token, request_type=request_type, set_batch=True)
    first = req.add_request("SyncRequest", {}, "urn:zimbraMail")
    second = req.add_request("NoSuchThingRequest", {}, "urn:zimbraMail")
    resp = comm.send_request(req)
    assert resp.is_batch(), resp.get_response()
    info = resp.get_batch()
    assert info["hasFault"], info
    assert "SyncResponse" in resp.get_response(first), resp.get_response(first)
    # (python-zimbra's batch get_fault_code() assumes every child failed; read the child instead.)
    assert "Fault" in resp.get_response(second), resp.get_response(second)


def main():
    admin = admin_token()
    name, account_id, password = new_user(admin)
    for request_type in ("xml", "json"):
        token = user_token(name, password)
        contact_round_trip(token, request_type)
        batch(token, request_type)
    # A wrong password is a fault (account.AUTH_FAILED), not a token.
    data, fault, _ = send(USER_URL, None, "AuthRequest",
                          {"account": {"by": "name", "_content": name}, "password": {"_content": "nope"}},
                          "urn:zimbraAccount")
    assert fault, data
    # An unknown request is a fault and the server keeps serving.
    data, fault, _ = send(USER_URL, token, "NoSuchThingRequest", {}, "urn:zimbraMail")
    assert fault, data
    got = ok(ADMIN_URL, admin, "GetAccountRequest", {"account": {"by": "id", "_content": account_id}},
             "urn:zimbraAdmin")
    assert got["account"]["name"] == name, got


if __name__ == "__main__":
    main()
