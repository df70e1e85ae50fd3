"""The letterhead a claimed notification carries: the settings of its own server and the names its
people go by there, read for a whole batch in the claim's transaction (R14), on each backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from core import outbox
from core.domain import Actor, NotificationKind
from core.letterhead import mentioned
from core.packs import grant_pack
from core.seats import register_mentor
from core.service import Service
from core.sessions import complete_session
from core.settings import ServerFacts, set_server_setting
from tests.conftest import ADMIN, GUILD
from tests.core.helpers import OTHER_ADMIN, OTHER_GUILD

MENTOR, STUDENT = 10, 20
# The same two people in two programs, known by other names in each.
NAMES = {GUILD: {MENTOR: "Ana", STUDENT: "Mia"}, OTHER_GUILD: {MENTOR: "Prof. Alvarez", STUDENT: "Mia R."}}
ADMINS = {GUILD: ADMIN, OTHER_GUILD: OTHER_ADMIN}


async def one_left_and_grace_in(service: Service, guild_id: int, done: int = 2) -> None:
    """A pack of 2 with ``done`` sessions done in ``guild_id``: the student is owed *one left* (and
    with both done, *pack complete*, the mentor the news that the seat is in grace); each text
    mentions the other person."""
    names, admin = NAMES[guild_id], ADMINS[guild_id]
    await service.write(
        register_mentor,
        guild_id=guild_id,
        actor=admin,
        mentor_user_id=MENTOR,
        mentor_name=names[MENTOR],
        seats_capacity=2,
    )
    await service.write(
        grant_pack,
        guild_id=guild_id,
        actor=admin,
        student_user_id=STUDENT,
        student_name=names[STUDENT],
        mentor_user_id=MENTOR,
        sessions_count=2,
    )
    for _ in range(done):
        await service.write(complete_session, guild_id=guild_id, actor=Actor(MENTOR), student_user_id=STUDENT)


async def test_each_notification_of_a_batch_carries_its_own_servers_settings_and_names(
    service: Service,
) -> None:
    await one_left_and_grace_in(service, GUILD)
    await one_left_and_grace_in(service, OTHER_GUILD)
    await service.write(
        set_server_setting,
        guild_id=GUILD,
        actor=ADMIN,
        name="renew_url",
        text="https://first.example/renew",
        facts=ServerFacts(),
    )

    batch = await service.write(outbox.claim)

    assert {item.guild_id for item in batch.items} == {GUILD, OTHER_GUILD}
    assert {item.kind for item in batch.items} >= {
        NotificationKind.PACK_COMPLETE,
        NotificationKind.GRACE_STARTED,
    }
    for item in batch.items:
        people = mentioned(item.body)
        assert people, item.body  # every one of these names someone
        assert item.letterhead.names == {user: NAMES[item.guild_id][user] for user in people}
        expected_url = "https://first.example/renew" if item.guild_id == GUILD else None
        assert item.letterhead.policy.renew_url == expected_url


async def test_a_claim_reads_a_whole_batch_in_the_same_few_statements(service: Service) -> None:
    """Set-based, not a statement per row: the lease and the letterheads of the batch are one
    statement each, however many notifications and servers the batch holds."""
    for guild_id in (GUILD, OTHER_GUILD):
        await one_left_and_grace_in(service, guild_id, done=1)
        await service.write(
            grant_pack,
            guild_id=guild_id,
            actor=ADMINS[guild_id],
            student_user_id=STUDENT + 1,
            student_name="Noor",
            mentor_user_id=MENTOR,
            sessions_count=2,
        )
        await service.write(
            complete_session, guild_id=guild_id, actor=Actor(MENTOR), student_user_id=STUDENT + 1
        )
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement.split(None, 1)[0].upper())

    event.listen(service.db.sync_engine, "before_cursor_execute", count)
    try:
        batch = await service.write(outbox.claim)
    finally:
        event.remove(service.db.sync_engine, "before_cursor_execute", count)

    assert (len(batch.items), batch.dropped) == (4, 0)
    # BEGIN (SQLite's BEGIN IMMEDIATE goes through the driver too), the lease, the letterheads.
    assert [statement for statement in sent if statement != "BEGIN"] == ["UPDATE", "SELECT"]
