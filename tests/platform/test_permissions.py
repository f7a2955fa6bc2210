from eventops.accounts.permissions import can_platform

from ..factories import make_user


def test_who_may_do_what_on_the_platform(app, alliance):
    organizer, managers = alliance["organizer"], alliance["managers"]
    admin = make_user("admin@example.cn", admin=True)
    stranger = make_user("nobody@example.cn")
    gov, association = managers["广州市卫生健康委员会"], managers["广州市生物医药行业协会"]
    hospital = managers["广东省中医院"]
    for user in (organizer, admin):
        assert all(can_platform(user, p) for p in ("platform.review", "platform.edit", "policy.submit"))
    for user in (gov, association):
        assert can_platform(user, "policy.submit") and not can_platform(user, "platform.review")
    for user in (hospital, stranger, None):
        assert not any(can_platform(user, p) for p in ("platform.review", "platform.edit", "policy.submit"))
