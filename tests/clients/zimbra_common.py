"""Shared helpers for the python-zimbra client tests: auth, one request, fault checks."""
import os
import uuid

from pythonzimbra.communication import Communication
from pythonzimbra.tools import auth

USER_URL = os.environ["INBOXD_USER_URL"]
ADMIN_URL = os.environ["INBOXD_ADMIN_URL"]
ADMIN_NAME = os.environ["INBOXD_ADMIN_NAME"]
ADMIN_PASSWORD = os.environ["INBOXD_ADMIN_PASSWORD"]


def admin_token():
    token = auth.authenticate(ADMIN_URL, ADMIN_NAME, ADMIN_PASSWORD, admin_auth=True, use_password=True)
    assert token, "admin auth failed"
    return token


def user_token(name, password):
    token = auth.authenticate(USER_URL, name, password, use_password=True)
    assert token, "user auth failed for %s" % name
    return token


def send(url, token, name, body, ns, request_type="xml", timeout=60):
    """Sends one request; returns (response dict, is_fault, raw response object)."""
    comm = Communication(url, timeout=timeout)
    req = comm.gen_request(token=token, request_type=request_type)
    req.add_request(name, body, ns)
    resp = comm.send_request(req)
    return resp.get_response(), resp.is_fault(), resp


def ok(url, token, name, body, ns, request_type="xml", timeout=60):
    data, fault, resp = send(url, token, name, body, ns, request_type, timeout)
    assert not fault, "%s faulted: %r" % (name, data)
    return data[name.replace("Request", "Response")]


def new_user(admin_tok, password="user pw 1"):
    name = "user-%s@example.test" % uuid.uuid4().hex[:8]
    created = ok(ADMIN_URL, admin_tok, "CreateAccountRequest", {"name": name, "password": password},
                 "urn:zimbraAdmin")
    account = created["account"]
    assert account["name"] == name, account
    return name, account["id"], password
