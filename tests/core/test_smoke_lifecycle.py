"""A pack from grant to release, on each backend: the rules the later tests take apart."""

from tests.conftest import Program


async def test_a_pack_goes_from_grant_to_release(program: Program) -> None:
    await program.mentor(seats=1)
    granted = await program.grant(sessions=2)
    first = await program.complete(key="a")
    last = await program.complete(key="b")
    assert (first.number, first.left, last.number, last.left) == (1, 1, 2, 0)
    assert await program.kinds() == ["one_left", "pack_complete", "grace_started"]
    assert (await program.seat(granted.seat_id)).status == "grace"
    await program.later(hours=72)
    report = await program.sweep()
    assert report.released_seats == (granted.seat_id,)
    assert (await program.seat(granted.seat_id)).status == "released"
