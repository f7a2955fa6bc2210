"""Two organizers assign one booth at the same instant: exactly one succeeds (threads, HTTP,
PostgreSQL in CI's second run)."""
import threading

from eventops.extensions import db
from eventops.core.models import AuditEntry
from eventops.exhibitors.models import Booth

from ..factories import login, make_user


def test_two_organizers_assign_one_booth_at_once(app, showcase, organizer):
    event = showcase["event"]
    second = make_user("second-organizer@example.cn")
    from ..factories import grant
    grant(second, event)
    booth_id, url = showcase["booths"][0].id, f"/manage/{event.slug}/showcase/booths/assign"
    profiles = [showcase["profiles"]["广东省中医院"].id, showcase["profiles"]["暨南大学附属第一医院"].id]
    clients = []
    for user in (organizer, second):
        client = app.test_client()
        login(client, user)
        clients.append(client)
    for round_ in range(5):  # several rounds: each one a fresh race for a free booth
        barrier = threading.Barrier(2)

        def worker(n):
            barrier.wait()
            clients[n].post(url, data={"booth": booth_id, "profile": profiles[n]})

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        db.session.expire_all()
        booth = db.session.get(Booth, booth_id)
        assert booth.profile_id in profiles
        assigned = db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "booth.assign"))
        assert assigned == round_ + 1  # exactly one of the two got the booth
        db.session.execute(db.update(Booth).where(Booth.id == booth_id).values(profile_id=None))
        db.session.commit()
