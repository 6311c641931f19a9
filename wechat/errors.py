"""What a WeChat call can come to besides an answer: WeChat down, or WeChat refusing with its errcode."""

from __future__ import annotations


class WeChatUnavailable(Exception):
    """WeChat did not answer (network, timeout, HTTP error): the caller says 503."""


class WeChatRefused(Exception):
    """WeChat answered with an error code."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
