"""Two reviewers publish one policy at the same instant: it is published and pushed once (threads,
HTTP; PostgreSQL in CI's second run)."""
import threading

from sqlalchemy import func, select

from eventops.core.models import MailMessage
from eventops.extensions import db
from eventops.platform import policies
from eventops.platform.models import Policy, PolicyPush

from ..factories import grant, login, make_user
from .conftest import policy_data


def test_two_reviewers_publish_one_policy_at_once(app, alliance):
    organizer = alliance["organizer"]
    second = make_user("second-reviewer@example.cn")
    grant(second, alliance["events"][1])
    clients = []
    for user in (organizer, second):
        client = app.test_client()
        login(client, user)
        clients.append(client)
    for round_ in range(4):
        with app.test_request_context():
            policy = policies.submit(policy_data(title_zh=f"核医药专项政策{round_}", topics=["核医药"]), actor=organizer)
            db.session.commit()
        mails_before = db.session.scalar(select(func.count()).select_from(MailMessage))
        barrier = threading.Barrier(2)
        statuses = []

        def worker(n, policy_id=policy.id):
            barrier.wait()
            response = clients[n].post(f"/platform/manage/policies/{policy_id}/review", data={"decision": "publish"})
            statuses.append(response.status_code)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        db.session.expire_all()
        assert statuses == [302, 302]  # the loser is told so, nothing breaks
        assert db.session.get(Policy, policy.id).status == "published"
        pushes = db.session.scalar(select(func.count()).select_from(PolicyPush).where(PolicyPush.policy_id == policy.id))
        assert pushes == 2  # the hospital and the company of 核医药, once each
        mails = db.session.scalar(select(func.count()).select_from(MailMessage)) - mails_before
        assert mails == 2
