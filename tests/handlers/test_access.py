"""Deny by default (handlers/access.py): a route whose handler does not say who may call a method stops the start."""

from __future__ import annotations

import pytest

import app as app_module
from handlers.access import (
    UndeclaredAccess,
    check_routes,
    no_personal_data,
    personal_data_of,
    proved_by,
    public,
    reveals_personal_data,
)
from handlers.base import ApiHandler
from handlers.docking.base import DockingHandler
from handlers.mp.base import MpHandler
from handlers.office.base import OfficeHandler
from handlers.pages import PageHandler


class Undeclared(ApiHandler):
    """A handler of no front (no proof of its own) whose GET says nothing."""

    def get(self) -> None:
        self.send_json({"open": True})


class HalfDeclared(ApiHandler):
    @public
    def get(self) -> None:
        self.send_json({})

    def post(self) -> None:  # forgotten
        self.send_json({})


class BorrowedProof(ApiHandler):
    @proved_by("mp_token")  # no bearer token is read by a bare ApiHandler: nothing would check it
    def get(self) -> None:
        self.send_json({})


class PublicClass(PageHandler):
    proof = "public"  # a whole class opened at once: public is declared per method

    def get(self) -> None:
        self.render_page("h5/home.html")


class NoCheck(ApiHandler):
    proof = "person_session"  # a front's proof named where no prepare checks it

    def get(self) -> None:
        self.send_json({})


class Page(PageHandler):
    """A page that says nothing: it needs the person's session, its front's proof (deny by default)."""

    def get(self) -> None:
        self.render_page("h5/home.html")


class Mini(MpHandler):
    @public
    def post(self) -> None:
        self.send_json({})

    def delete(self) -> None:  # the mini-program's token
        self.send_json({})


def test_a_made_up_undeclared_handler_makes_make_app_refuse_to_start(settings, monkeypatch):
    monkeypatch.setattr(app_module, "ROUTES", [*app_module.ROUTES, (r"/made-up", Undeclared)])
    with pytest.raises(UndeclaredAccess) as refused:
        app_module.make_app(settings)
    message = str(refused.value)
    assert "tests.handlers.test_access.Undeclared.get (GET)" in message
    assert "declares neither @public nor a proof" in message
    assert message.count("\n") == 1  # that handler alone: every route of the project declares its methods


def test_each_way_of_leaving_a_method_unclear_is_named():
    routes = [(f"/{cls.__name__}", cls) for cls in (HalfDeclared, BorrowedProof, PublicClass, NoCheck)]
    with pytest.raises(UndeclaredAccess) as refused:
        check_routes(routes)
    problems = str(refused.value).splitlines()[1:]
    assert len(problems) == 4
    assert "HalfDeclared.post (POST) declares neither @public nor a proof" in problems[0]
    assert "BorrowedProof.get (GET) declares 'mp_token', which its front does not check" in problems[1]
    assert "PublicClass: its class-wide proof 'public' is not a front's" in problems[2]
    assert "NoCheck: NoCheck names the proof 'person_session' but has no prepare that checks it" in problems[3]


def test_a_front_s_handler_inherits_its_proof_and_an_unknown_proof_is_refused_where_it_is_written():
    check_routes([("/page", Page), ("/mini", Mini)])  # nothing to say: the fronts' proofs
    with pytest.raises(UndeclaredAccess, match="unknown proof 'wechat'"):
        proved_by("wechat")


class StaffPageSayingNothing(OfficeHandler):
    """A back-office page that does not say whether it shows personal data: staff read other people's."""

    def get(self) -> None:
        self.render_page("office/queue.html")

    @public  # a sign-in: nobody is signed in to look at anything, so nothing to declare
    def post(self) -> None:
        self.redirect("/office/")


@no_personal_data
class StaffPageOfCentres(OfficeHandler):
    def get(self) -> None:
        self.render_page("office/centres.html")

    @reveals_personal_data("case_view")  # the method's own declaration wins over its class's
    def post(self) -> None:
        self.render_page("office/case.html")


class PartnerCallSayingNothing(DockingHandler):
    async def get(self) -> None:
        self.send_json({})


def test_a_looking_front_s_method_that_does_not_say_whether_it_reveals_personal_data_refuses_the_start(
    settings, monkeypatch
):
    made_up = [(r"/office/made-up", StaffPageSayingNothing), (r"/api/docking/made-up", PartnerCallSayingNothing)]
    monkeypatch.setattr(app_module, "ROUTES", [*app_module.ROUTES, *made_up])
    with pytest.raises(UndeclaredAccess) as refused:
        app_module.make_app(settings)
    problems = str(refused.value).splitlines()[1:]
    assert problems == [
        "tests.handlers.test_access.StaffPageSayingNothing.get (GET) says neither @reveals_personal_data(...) nor "
        "@no_personal_data",
        "tests.handlers.test_access.PartnerCallSayingNothing.get (GET) says neither @reveals_personal_data(...) nor "
        "@no_personal_data",
    ]  # those alone: every route of the project says it


def test_a_declaration_above_a_class_covers_its_methods_and_the_parties_fronts_read_their_own():
    check_routes([("/office/centres-like", StaffPageOfCentres)])
    assert personal_data_of(StaffPageOfCentres, "GET") == "none"
    assert personal_data_of(StaffPageOfCentres, "POST") == "case_view"
    assert personal_data_of(StaffPageOfCentres, "HEAD") == "none"  # as GET
    assert personal_data_of(Page, "GET") == personal_data_of(Mini, "POST") == "own"  # the front's: their own cases
    with pytest.raises(UndeclaredAccess, match="a look is named by lower-case letters"):
        reveals_personal_data("Case View")
