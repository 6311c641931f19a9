"""An audit record (services/accounts/audit.py): who (login, role, centre), what and when are the record's own fields;
a detail never takes one of their names, so a centre acted upon never passes for the centre of who acted."""

from __future__ import annotations

import pytest

from services.accounts import audit
from services.accounts.staff import StaffMember

ADMIN = StaffMember("city.admin", "市中心管理员", "centre_admin", "sh-city")


@pytest.mark.gen_test
async def test_a_detail_named_like_a_field_of_the_record_is_refused_and_nothing_written(ctx):
    for clash in ("centre", "who", "at"):
        with pytest.raises(ValueError, match=clash):
            await audit.record(ctx, ADMIN, "centre_create", "", **{clash: "sh-minhang"})
    assert await ctx.db["audit"].count_documents({}) == 0
    await audit.record(ctx, ADMIN, "centre_create", "", subject_centre="sh-minhang")
    record = await ctx.db["audit"].find_one({})
    assert (record["who"], record["centre"], record["subject_centre"]) == ("city.admin", "sh-city", "sh-minhang")
