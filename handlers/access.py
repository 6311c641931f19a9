"""Deny by default: who may call each method of each route, declared once and checked at start.

Every front's base class names the proof it checks in `prepare`, before any method runs (its `proof`): a page
the person's session, the back office the staff member's session, the mini-program our bearer token, docking
the partner's signature, the administrative endpoint ADMIN_TOKEN from this machine. A method of such a front
needs that proof unless it says otherwise, right above it:

    @public                      # anyone: a sign-in page, reference data, the progress check, ...
    def get(self) -> None: ...

    @proved_by(WECHAT_SIGNATURE)  # not a session: the handler (or its service) checks this proof itself
    async def post(self) -> None: ...

A class that is no front's (a bare ApiHandler, a static file handler) has no proof of its own, so each of its
methods must say one of these. `check_routes` refuses the route table (and so the start) if any method says
nothing, names a proof outside the closed vocabulary below, or names a front's proof its class does not check.
A method the handler does not define is not served (405, whoever asks) and needs no declaration.

Every look at personal data is recorded (docs/privacy.md#every-look-is-recorded). On the fronts whose callers read
other people's data (the back office, a court's or institute's docking, the administrative front's backup), each
method says whether it reveals any:

    @reveals_personal_data("case_view")   # recorded in the audit log (who, what, when) before the answer leaves
    async def get(self, serial: str) -> None: ...

    @no_personal_data                     # centres, holidays, the library: nothing about a person
    async def post(self) -> None: ...

(either one written above a class covers the methods that class defines). `check_routes` refuses the start when a
method of such a front says neither. On the parties' own fronts the caller's proof already says whose data it is
(their own cases, their own files): those fronts declare it once (`personal_data = OWN_DATA`), and a method may
still declare `@reveals_personal_data` to be recorded (a copy of one's data given).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import tornado.web
from tornado.routing import URLSpec

# Nothing to prove. Only ever declared per method (@public), never as a class's proof.
PUBLIC = "public"
# Proofs a front's base class checks in `prepare`; a refused caller never reaches the method.
PERSON_SESSION = "person_session"  # the person's session cookie (H5 and portal pages, their JSON)
STAFF_SESSION = "staff_session"  # a staff member's session cookie (the back office)
MP_TOKEN = "mp_token"  # our bearer token from POST /api/mp/session (the mini-program)
PARTNER_SIGNATURE = "partner_signature"  # a court's or institute's HMAC-SM3 signature (docking)
ADMIN_TOKEN = "admin_token"  # ADMIN_TOKEN from a loopback peer, on the administrative listener (manage.py)
# Proofs the handler or its service checks itself, in its own protocol's terms.
WECHAT_SIGNATURE = "wechat_signature"  # WeChat's signature of the callback's query (and message)
CARD_SIGNATURE = "card_signature"  # the card platform's SM2 signature of its notification
INVITATION_TOKEN = "invitation_token"  # the invitation link's token; claiming it also needs the SMS code
TICKET_BINDING = "ticket_binding"  # a card login ticket's secret, kept in the signed cookie of the browser that asked
OPERATOR = "operator"  # the machine itself (loopback) or the holder of an operator's token (handlers/metrics.py)

FRONT_PROOFS = frozenset({PERSON_SESSION, STAFF_SESSION, MP_TOKEN, PARTNER_SIGNATURE, ADMIN_TOKEN})
OWN_PROOFS = frozenset({WECHAT_SIGNATURE, CARD_SIGNATURE, INVITATION_TOKEN, TICKET_BINDING, OPERATOR})
PROOFS = frozenset({PUBLIC}) | FRONT_PROOFS | OWN_PROOFS

METHODS = ("get", "head", "post", "put", "delete", "patch", "options")
_ATTRIBUTE = "_proof"
_SAME_AS_GET = "_same_as_get"

F = TypeVar("F", bound=Callable[..., Any])


# Whether a method reveals personal data (docs/privacy.md#every-look-is-recorded).
NO_PERSONAL_DATA = "none"
OWN_DATA = "own"  # a front whose proof limits its callers to their own data (declared once, on the front's base)
_PERSONAL = "_personal_data"
# Fronts whose callers read other people's data: every method served there declares whether it reveals any (the
# administrative front's backup holds every record).
LOOKING_FRONTS = frozenset({STAFF_SESSION, PARTNER_SIGNATURE, ADMIN_TOKEN})
_WHAT = frozenset("abcdefghijklmnopqrstuvwxyz_")


class UndeclaredAccess(RuntimeError):
    """A route whose handler does not say who may call one of its methods: the application does not start."""


def proved_by(proof: str) -> Callable[[F], F]:
    """Declare that this method is called with `proof` instead of its front's (see the vocabulary above)."""
    if proof not in PROOFS:
        raise UndeclaredAccess(f"unknown proof {proof!r} (one of {', '.join(sorted(PROOFS))})")

    def mark(method: F) -> F:
        setattr(method, _ATTRIBUTE, proof)
        return method

    return mark


def public(method: F) -> F:
    """Declare that anyone may call this method, signed in or not."""
    return proved_by(PUBLIC)(method)


def reveals_personal_data(what: str) -> Callable[[F], F]:
    """Declare that this method (or every method the class defines) shows personal data: each answer that shows it
    is recorded in the audit log as `what` (a word of lower-case letters and `_`), with who and when."""
    if not what or not set(what) <= _WHAT or what in (NO_PERSONAL_DATA, OWN_DATA):
        raise UndeclaredAccess(f"a look is named by lower-case letters and _, not {what!r}")

    def mark(target: F) -> F:
        setattr(target, _PERSONAL, what)
        return target

    return mark


def no_personal_data(target: F) -> F:
    """Declare that this method (or every method the class defines) shows nothing about a person."""
    setattr(target, _PERSONAL, NO_PERSONAL_DATA)
    return target


def personal_data_of(cls: type, method: str) -> str | None:
    """What `cls`'s HTTP method (any case) declares it reveals: a look's name, NO_PERSONAL_DATA, OWN_DATA (its
    front's), or None when nothing is declared. The method's own declaration first, then one written above the
    class that defines the method, then the front's."""
    name = method.lower()
    own = getattr(cls, name, None)
    if name == "head" and getattr(own, _SAME_AS_GET, False):
        name, own = "get", getattr(cls, "get", None)
    declared = getattr(own, _PERSONAL, None)
    if declared is None:
        owner = next((c for c in cls.__mro__ if name in vars(c)), None)
        declared = vars(owner).get(_PERSONAL) if owner is not None else None
    return declared or getattr(cls, "personal_data", None)


def personal_data_problems(cls: type) -> list[str]:
    """The methods of a looking front's handler (the back office, docking) that do not say whether they reveal
    personal data; the parties' own fronts declare it once for the front."""
    if getattr(cls, "proof", None) not in LOOKING_FRONTS:
        return []
    name = f"{cls.__module__}.{cls.__qualname__}"
    problems = []
    for method in METHODS:
        if not served(cls, method) or method == "head" and getattr(getattr(cls, method), _SAME_AS_GET, False):
            continue
        if proof_of(cls, method) == PUBLIC:
            continue  # a sign-in page: nobody is signed in to look at anything
        declared = personal_data_of(cls, method)
        if declared is None or declared == OWN_DATA:
            problems.append(
                f"{name}.{method} ({method.upper()}) says neither @reveals_personal_data(...) nor @no_personal_data"
            )
    return problems


def same_as_get(method: F) -> F:
    """Mark a HEAD method that answers as GET does (without the body): served and declared as GET is."""
    setattr(method, _SAME_AS_GET, True)
    return method


def served(cls: type, method: str) -> bool:
    """Whether the handler answers this HTTP method (lower case) rather than Tornado's 405."""
    own = getattr(cls, method, None)
    if own is None or own is getattr(tornado.web.RequestHandler, method):
        return False
    if method == "head" and getattr(own, _SAME_AS_GET, False):  # ServiceHandler.head: GET without the body
        return served(cls, "get")
    return True


def proof_of(cls: type, method: str) -> str | None:
    """The proof a caller of `cls`'s HTTP method (any case) must bring, or None when nothing is declared."""
    name = method.lower()
    own = getattr(cls, name, None)
    if name == "head" and getattr(own, _SAME_AS_GET, False):
        name, own = "get", getattr(cls, "get", None)
    declared = getattr(own, _ATTRIBUTE, None)
    return declared or getattr(cls, "proof", None)


def problems_of(cls: type) -> list[str]:
    """What is wrong with the declarations of one handler class (empty when every served method is declared)."""
    name = f"{cls.__module__}.{cls.__qualname__}"
    front = getattr(cls, "proof", None)
    if front is not None and front not in FRONT_PROOFS:
        return [f"{name}: its class-wide proof {front!r} is not a front's (declare @public per method)"]
    if front is not None:
        owner = next(c for c in cls.__mro__ if "proof" in vars(c))
        if "prepare" not in vars(owner):
            return [f"{name}: {owner.__qualname__} names the proof {front!r} but has no prepare that checks it"]
    problems = []
    for method in METHODS:
        if not served(cls, method) or method == "head" and getattr(getattr(cls, method), _SAME_AS_GET, False):
            continue  # not served (405 to anyone), or HEAD served and declared as GET is
        proof = proof_of(cls, method)
        where = f"{name}.{method} ({method.upper()})"
        if proof is None:
            problems.append(f"{where} declares neither @public nor a proof (@proved_by)")
        elif proof not in PROOFS:
            problems.append(f"{where} declares the unknown proof {proof!r}")
        elif proof in FRONT_PROOFS and proof != front:
            problems.append(f"{where} declares {proof!r}, which its front does not check (it checks {front!r})")
    return problems


def check_routes(routes: Iterable[Any], *extra: type) -> None:
    """Refuse a route table with a method nobody declared (raises UndeclaredAccess naming each one)."""
    classes: list[type] = list(extra)
    for route in routes:
        handler = route.handler_class if isinstance(route, URLSpec) else route[1]
        if handler not in classes:
            classes.append(handler)
    problems = [problem for cls in classes for problem in problems_of(cls)]
    if problems:
        raise UndeclaredAccess("who may call these is not declared (handlers/access.py):\n" + "\n".join(problems))
    unsaid = [problem for cls in classes for problem in personal_data_problems(cls)]
    if unsaid:
        raise UndeclaredAccess(
            "whether these reveal personal data is not declared (handlers/access.py):\n" + "\n".join(unsaid)
        )
