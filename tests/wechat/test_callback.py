"""The official account's callback, driven the way WeChat drives it, in plain and safe (AES) mode."""

from __future__ import annotations

import asyncio
import time

import pytest
from wechatpy import parse_message

from services.accounts.persons import person_for_identity
from services.intake.submission import submit_application
from tests.support.app import OA_APP_ID
from tests.support.samples import worker_body
from tests.support.store import engine
from tests.support.wechat_sender import WeChatSender, event_xml, new_aes_key, text_xml
from wechat.callback import CallbackRejected, parse_xml, read_message

TOKEN = "test-callback-token"
AES_KEY = new_aes_key()

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + "]><xml><ToUserName>gh</ToUserName><FromUserName>o-x</FromUserName><CreateTime>1</CreateTime>"
    + "<MsgType>text</MsgType><Content>&j;</Content><MsgId>1</MsgId></xml>"
)


@pytest.fixture(params=["plain", "aes"])
def mode(request):
    return request.param


@pytest.fixture
def env_overrides(mode):
    env = {"WECHAT_TOKEN": TOKEN}
    if mode == "aes":
        env["WECHAT_AES_KEY"] = AES_KEY
    return env


@pytest.fixture
def sender(mode):
    return WeChatSender(TOKEN, OA_APP_ID, AES_KEY if mode == "aes" else "")


class Callback:
    def __init__(self, http_client, base_url, sender, public):
        self.http_client, self.base_url, self.sender, self.public = http_client, base_url, sender, public

    async def post(self, xml, **kwargs):
        path, body = self.sender.post(xml, **kwargs)
        return await self.raw(path, body)

    async def raw(self, path, body):
        return await self.http_client.fetch(self.base_url + path, method="POST", body=body, raise_error=False)

    async def reply(self, xml, **kwargs):
        response = await self.post(xml, **kwargs)
        assert response.code == 200, response.body
        return self.sender.read_reply(response.body)


@pytest.fixture
def callback(http_client, base_url, sender, app):
    return Callback(http_client, base_url, sender, app.settings["services"].ctx.settings.public_base_url)


async def wait_for(predicate, seconds=3.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


# --- GET: the address check -----------------------------------------------------------------------


@pytest.mark.gen_test
async def test_get_echoes_echostr_only_when_signed(http_client, base_url, sender, app):
    ok = await http_client.fetch(base_url + sender.echo("1234567890abc"), raise_error=False)
    assert ok.code == 200 and ok.body == b"1234567890abc"
    bad = await http_client.fetch(base_url + sender.echo("1234567890abc", bad=True), raise_error=False)
    assert bad.code == 403
    stale = await http_client.fetch(base_url + sender.echo("x", timestamp=int(time.time()) - 600), raise_error=False)
    assert stale.code == 403


# --- answers --------------------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_progress_without_cases_says_so_and_links_to_apply(callback):
    fields = await callback.reply(text_xml("o-nobody", "进度", msg_id=1001))
    assert fields["MsgType"] == "text"
    assert fields["ToUserName"] == "o-nobody" and fields["FromUserName"] == "gh_test"
    assert "还没有" in fields["Content"] and f"{callback.public}/h5/apply" in fields["Content"]


@pytest.mark.gen_test
async def test_progress_lists_the_senders_cases_with_status_and_link(callback, app):
    ctx = app.settings["services"].ctx
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-worker-1")
    case, _ = await submit_application(ctx, person, "wechat-callback-1", worker_body() | {"evidence": []}, "h5")
    serial = case["serial"]
    for word, msg_id in (("进度", 2001), ("我的申请", 2002)):
        content = (await callback.reply(text_xml("o-worker-1", word, msg_id=msg_id)))["Content"]
        assert serial in content and "已提交" in content
        assert f"{callback.public}/h5/cases/{serial}" in content
    other = (await callback.reply(text_xml("o-someone-else", "进度", msg_id=2003)))["Content"]
    assert serial not in other


@pytest.mark.gen_test
async def test_subscribe_is_welcomed_and_unionid_learned_after_the_reply(callback, wechat, app):
    wechat.state.unionids["o-new"] = "union-42"
    fields = await callback.reply(event_xml("o-new", "subscribe"))
    assert "在线申请劳动人事争议调解" in fields["Content"] and "进度" in fields["Content"]
    await wait_for(lambda: wechat.state.calls("/cgi-bin/user/info"))
    identities = engine(app.settings["services"].ctx)["identities"]._collection  # mongomock's own: read at once
    await wait_for(lambda: identities.find_one({"_id": "wechat_unionid::union-42"}))
    [token_call] = wechat.state.calls("/cgi-bin/stable_token")  # the shared token, fetched once
    assert b'"force_refresh": false' in token_call.body


@pytest.mark.gen_test
async def test_menu_clicks_answer_from_configuration(callback):
    progress = await callback.reply(event_xml("o-clicker", "CLICK", key="MY_PROGRESS"))
    assert "还没有" in progress["Content"]
    contact = await callback.reply(event_xml("o-clicker", "CLICK", key="CONTACT_US", created=int(time.time()) - 1))
    assert "调解中心" in contact["Content"]
    unknown = await callback.reply(event_xml("o-clicker", "CLICK", key="NO_SUCH", created=int(time.time()) - 2))
    assert "进度" in unknown["Content"]


@pytest.mark.gen_test
async def test_other_messages_get_short_help_and_unsubscribe_gets_success(callback):
    help_text = (await callback.reply(text_xml("o-x", "你好", msg_id=3001)))["Content"]
    assert "进度" in help_text and f"{callback.public}/h5/apply" in help_text
    response = await callback.post(event_xml("o-x", "unsubscribe"))
    assert response.code == 200 and response.body == b"success"
    empty = text_xml("o-x", "", msg_id=3002).replace("<![CDATA[]]>", "")  # <Content></Content>
    assert "进度" in (await callback.reply(empty))["Content"]


# --- retries: same reply, acted on once --------------------------------------------------------------


@pytest.mark.gen_test
async def test_a_retry_gets_the_identical_reply_and_is_acted_on_once(callback, wechat):
    created = int(time.time()) - 3
    xml = event_xml("o-retry", "subscribe", created=created)
    first_path, body = callback.sender.post(xml, nonce="111111")
    first = await callback.raw(first_path, body)
    same_nonce = await callback.raw(first_path, body)  # WeChat's retry repeating everything
    other_nonce = await callback.post(xml, nonce="222222")  # a retry with a fresh nonce
    assert first.code == same_nonce.code == other_nonce.code == 200
    replies = [callback.sender.read_reply(r.body) for r in (first, same_nonce, other_nonce)]
    assert replies[0] == replies[1] == replies[2]
    assert replies[0]["CreateTime"]  # the stored reply, not a new one made later
    await wait_for(lambda: wechat.state.calls("/cgi-bin/user/info"))
    await asyncio.sleep(0.1)
    assert len(wechat.state.calls("/cgi-bin/user/info")) == 1  # acted on once

    text = text_xml("o-retry", "进度", msg_id=4001)
    assert await callback.reply(text) == await callback.reply(text)


@pytest.mark.gen_test
async def test_repeated_nonce_with_another_message_is_refused(callback):
    assert (await callback.post(text_xml("o-a", "进度", msg_id=5001), nonce="424242")).code == 200
    replay = await callback.post(text_xml("o-a", "进度", msg_id=5002), nonce="424242")
    assert replay.code == 403


@pytest.mark.gen_test
async def test_a_refused_replay_changes_nothing(callback, app):
    db = app.settings["services"].ctx.db
    now = int(time.time())
    assert (await callback.post(text_xml("o-a", "进度", msg_id=5101), timestamp=now, nonce="515151")).code == 200
    before = (await db["persons"].count_documents({}), await db["identities"].count_documents({}))
    for number in range(3):  # the captured query replayed with other senders and messages
        forged = text_xml(f"o-forged-{number}", "进度", msg_id=5102 + number)
        assert (await callback.post(forged, timestamp=now, nonce="515151")).code == 403
    assert (await db["persons"].count_documents({}), await db["identities"].count_documents({})) == before
    assert await db["wechat_messages"].count_documents({"_id": {"$in": ["msg:5102", "msg:5103", "msg:5104"]}}) == 0


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_stale_or_future_timestamp_is_refused(callback):
    old = await callback.post(text_xml("o-a", "进度", msg_id=6001), timestamp=int(time.time()) - 301)
    future = await callback.post(text_xml("o-a", "进度", msg_id=6002), timestamp=int(time.time()) + 400)
    assert old.code == 403 and future.code == 403


@pytest.mark.gen_test
async def test_bad_signature_is_refused(callback, sender):
    path, body = sender.post(text_xml("o-a", "进度", msg_id=7001))
    tampered = path.replace(path.split("signature=")[1][:40], "0" * 40, 1)
    assert (await callback.raw(tampered, body)).code == 403
    assert (await callback.raw("/wechat/callback", body)).code == 403  # nothing signed at all


@pytest.mark.gen_test
async def test_bad_msg_signature_is_refused_in_safe_mode(callback, sender, mode):
    if mode != "aes":
        pytest.skip("safe mode only")
    path, body = sender.post(text_xml("o-a", "进度", msg_id=7101))
    signature = path.split("msg_signature=")[1][:40]
    assert (await callback.raw(path.replace(signature, "f" * 40), body)).code == 403


@pytest.mark.gen_test
async def test_malformed_xml_is_400(callback):
    assert (await callback.post("<xml><ToUserName>gh</ToUserName>")).code == 400
    assert (await callback.post("not xml at all")).code == 400
    assert (await callback.post("<xml><MsgType>text</MsgType></xml>")).code == 400  # no sender, no time


@pytest.mark.gen_test
async def test_billion_laughs_is_400_fast(callback, sender, mode):
    began = time.perf_counter()
    response = await callback.post(BILLION_LAUGHS)  # plain: the body; safe mode: inside Encrypt
    assert response.code == 400
    if mode == "aes":  # and as the outer envelope itself
        path, _ = sender.post(text_xml("o-a", "进度", msg_id=8001))
        assert (await callback.raw(path, BILLION_LAUGHS.encode())).code == 400
    assert time.perf_counter() - began < 0.5


HEAD = "<xml><ToUserName>gh</ToUserName><FromUserName>o-a</FromUserName><CreateTime>1700000000</CreateTime>"


@pytest.mark.parametrize(
    "xml, code",
    [
        ('<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>', "xml_forbidden"),
        ('<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/x.dtd"><xml/>', "xml_forbidden"),
        ('<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p">%p;]><xml/>', "xml_forbidden"),
        ('<!DOCTYPE xml [<!ENTITY u SYSTEM "x" NDATA gif>]><xml/>', "xml_forbidden"),
        ("<xml><Content>&undefined;</Content></xml>", "xml_malformed"),
        ("<notxml><MsgType>text</MsgType></notxml>", "xml_malformed"),
        ("<xml><a></b></xml>", "xml_malformed"),
        ("<xml>just text</xml>", None),
    ],
)
def test_xml_with_dtds_entities_or_bad_structure_is_refused(xml, code):
    if code is None:
        assert parse_xml(xml.encode()) == {}
        return
    with pytest.raises(CallbackRejected) as refused:
        parse_xml(xml.encode())
    assert (refused.value.status, refused.value.code) == (400, code)


def test_escaped_text_and_cdata_are_read_as_wechat_means_them():
    content = "<Content>  a &amp; b &lt;c&gt; <![CDATA[<d>]]>  </Content>"
    xml = f"{HEAD}<MsgType>text</MsgType>{content}<MsgId>1</MsgId></xml>"
    assert parse_xml(xml.encode())["Content"] == "a & b <c> <d>"
    declared = '<?xml version="1.0" encoding="ISO-8859-1"?>' + HEAD + "<Content>进度</Content></xml>"
    assert parse_xml(declared.encode())["Content"] == "进度"  # WeChat's bytes are UTF-8, whatever they say


@pytest.mark.gen_test
async def test_message_for_another_appid_is_refused(callback, mode):
    if mode != "aes":
        pytest.skip("the AppID travels inside encrypted messages only")
    response = await callback.post(text_xml("o-a", "进度", msg_id=9001), app_id="wx-someone-else")
    assert response.code == 403


@pytest.mark.gen_test
async def test_mode_mismatch_is_400(callback, mode):
    other = WeChatSender(TOKEN, OA_APP_ID, "" if mode == "aes" else AES_KEY)
    path, body = other.post(text_xml("o-a", "进度", msg_id=9101))
    assert (await callback.raw(path, body)).code == 400


# --- WeChat down -------------------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_passive_reply_goes_out_while_wechat_api_is_down(callback, wechat):
    wechat.state.mode = "down"
    began = time.perf_counter()
    fields = await callback.reply(event_xml("o-down", "subscribe"))
    assert "在线申请劳动人事争议调解" in fields["Content"]
    assert time.perf_counter() - began < 0.5
    await wait_for(lambda: wechat.state.calls("/cgi-bin/stable_token"))  # the slow work tried, after replying


# Messages of every shape WeChat sends an official account (texts from WeChat's documentation),
# read by us with one safe parse and by wechatpy's own parse_message: same class, same fields.
WECHAT_MESSAGES = [
    text_xml("o-a", "  进度  ", msg_id=1),
    event_xml("o-a", "subscribe"),
    event_xml("o-a", "subscribe", key="qrscene_123"),
    event_xml("o-a", "subscribe", key="scanbarcode|EAN_13|6901234567892"),
    event_xml("o-a", "unsubscribe"),
    event_xml("o-a", "SCAN", key="123"),
    event_xml("o-a", "CLICK", key="my_cases"),
    event_xml("o-a", "VIEW", key="https://example.org/h5/apply"),
    "<xml><ToUserName>gh</ToUserName><FromUserName>o-a</FromUserName><CreateTime>1700000000</CreateTime>"
    "<MsgType>image</MsgType><PicUrl>http://p/1.jpg</PicUrl><MediaId>m1</MediaId><MsgId>2</MsgId></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName>o-a</FromUserName><CreateTime>1700000000</CreateTime>"
    "<MsgType>location</MsgType><Location_X>23.1</Location_X><Location_Y>113.3</Location_Y><Scale>20</Scale>"
    "<Label><![CDATA[广州]]></Label><MsgId>3</MsgId></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName>o-a</FromUserName><CreateTime>1700000000</CreateTime>"
    "<MsgType>event</MsgType><Event>scancode_push</Event><EventKey>k</EventKey>"
    "<ScanCodeInfo><ScanType>qrcode</ScanType><ScanResult>1</ScanResult></ScanCodeInfo></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName>o-a</FromUserName><CreateTime>1700000000</CreateTime>"
    "<MsgType>event</MsgType><Event>pic_sysphoto</Event><EventKey>k</EventKey><SendPicsInfo><Count>2</Count>"
    "<PicList><item><PicMd5Sum>a</PicMd5Sum></item><item><PicMd5Sum>b</PicMd5Sum></item></PicList>"
    "</SendPicsInfo></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName>o-a</FromUserName><CreateTime>1700000000</CreateTime>"
    "<MsgType>event</MsgType><Event>TEMPLATESENDJOBFINISH</Event><MsgID>4</MsgID><Status>success</Status></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName>o-a</FromUserName><CreateTime>1700000000</CreateTime>"
    "<MsgType>device_text</MsgType><DeviceType>t</DeviceType><DeviceID>d</DeviceID><Content>aGk=</Content>"
    "<SessionID>1</SessionID><MsgID>5</MsgID><OpenID>o-a</OpenID></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName>o-a</FromUserName><CreateTime>1700000000</CreateTime>"
    "<MsgType>shortvideo_unknown</MsgType><MsgId>6</MsgId></xml>",
]


@pytest.mark.parametrize("xml", WECHAT_MESSAGES)
def test_one_safe_parse_reads_messages_as_wechatpy_does(xml):
    ours, theirs = read_message(parse_xml(xml.encode())), parse_message(xml)
    assert type(ours) is type(theirs)
    assert dict(ours._data) == dict(theirs._data)
    for name in type(theirs)._fields:
        assert getattr(ours, name) == getattr(theirs, name), name


def test_own_crypto_reply_and_signature_match_wechatpys():
    """wechat/callback.py writes WeChat's AES scheme, the text reply and the signature itself (issue 24): each
    against wechatpy's own, both ways."""
    import base64 as b64

    from wechatpy import create_reply
    from wechatpy.crypto import PrpCrypto
    from wechatpy.messages import TextMessage
    from wechatpy.utils import WeChatSigner

    from wechat.callback import SafeMode, signature, text_reply

    key, app_id = new_aes_key(), "wx-own-crypto"
    ours, theirs = SafeMode("token", key, app_id), PrpCrypto(b64.b64decode(key + "="))
    for text in ("<xml>短</xml>", "x" * 11, "y" * 12, "z" * 300):  # paddings of every kind, a full block among them
        assert theirs.decrypt(ours.encrypt(text), app_id) == text
        assert len(ours.encrypt(text)) == len(theirs.encrypt(text, app_id))  # the same padding
        assert ours.decrypt(theirs.encrypt(text, app_id).decode()) == text
    with pytest.raises(CallbackRejected) as refused:
        ours.decrypt(theirs.encrypt("<xml/>", "wx-another").decode())
    assert refused.value.status == 403
    signer = WeChatSigner()
    signer.add_data("token", "1700000000", "nonce", "密文")
    assert signature("token", "1700000000", "nonce", "密文") == signer.signature
    message = TextMessage({"ToUserName": "gh_1", "FromUserName": "o_x", "MsgType": "text", "Content": "hi"})
    mine, wechatpys = text_reply(message, "帮助"), create_reply("帮助", message, render=True)
    assert mine.split("<CreateTime>")[0] == wechatpys.split("<CreateTime>")[0]
