"""The stand-ins on ports a person chooses (STANDIN_PORTS, app.py --standin-ports; docs/tour.md), and manage.py finding
the token scripts/serve.sh made for its server (issue 25, item 13)."""

from __future__ import annotations

import pytest
from tornado.testing import bind_unused_port

from settings import SettingsError, load_settings
from standins.server import StandInPortTaken
from standins.wechat import WeChatStandIn
from tests.support.app import ROOT, server_environ


def test_standin_ports_are_read_and_checked():
    assert load_settings(ROOT / "config.yaml", environ=server_environ("http://127.0.0.1:9/")).standin_ports == 0
    chosen = load_settings(ROOT / "config.yaml", environ=server_environ("http://127.0.0.1:9/", STANDIN_PORTS="9100"))
    assert chosen.standin_ports == 9100
    for wrong in ("80", "nine", "70000"):
        with pytest.raises(SettingsError, match="STANDIN_PORTS"):
            load_settings(ROOT / "config.yaml", environ=server_environ("http://127.0.0.1:9/", STANDIN_PORTS=wrong))


def test_a_standin_listens_on_the_port_chosen_and_says_when_it_is_taken(io_loop):
    sock, port = bind_unused_port()
    sock.close()
    standin = WeChatStandIn({"app": "secret"})
    assert standin.start(port=port) == f"http://127.0.0.1:{port}/"
    try:
        with pytest.raises(StandInPortTaken, match=f"stand-in port {port} on 127.0.0.1 cannot be used"):
            WeChatStandIn({"app": "secret"}).start(port=port)
    finally:
        standin.stop()


def test_manage_takes_the_token_serve_sh_made_when_none_is_set(monkeypatch, tmp_path, capsys):
    import os

    import manage

    token = tmp_path / "admin-token"
    token.write_text("t" * 43 + "\n", encoding="utf-8")
    monkeypatch.setattr(manage, "SERVE_SH_TOKEN", token)
    monkeypatch.delenv("ADMIN_TOKEN", raising=False)
    monkeypatch.setenv("MONGODB_URI", "mongomock://")
    assert manage.main(["menu", "show"]) == 0
    assert os.environ["ADMIN_TOKEN"] == "t" * 43
    monkeypatch.setenv("ADMIN_TOKEN", "x" * 30)  # one set by hand wins
    assert manage.main(["menu", "show"]) == 0 and os.environ["ADMIN_TOKEN"] == "x" * 30
