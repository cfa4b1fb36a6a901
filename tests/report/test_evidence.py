from bridge.events import Transcript
from bridge.report.evidence import Quoter
from tests.golden import numbered, said, session


def quoter() -> Quoter:
    events = numbered(
        [
            session(),
            said(0, 2, "Sorry, I was deep in the node logs", "Maya"),
            said(2.5, 6, "The resize left each node with too little memory", "Maya"),
            said(7, 8, "Thanks, Maya.", "Rosa"),
            said(9, 10, "The nodes are stable now.", "Maya"),
        ]
    )
    return Quoter(1000.0, [e for e in events if isinstance(e, Transcript)])


def test_a_turn_is_quoted_whole_with_its_sentences_ended() -> None:
    q = quoter()
    ev = q.of_turn(q.said[0])
    assert ev.quote == "Sorry, I was deep in the node logs. The resize left each node with too little memory"
    assert (ev.at, ev.wall, ev.by, ev.seq) == (0, 1000.0, "Maya", 2)
    assert q.covers(ev) == [2, 3]


def test_a_turn_ends_when_someone_else_speaks() -> None:
    q = quoter()
    assert [s.seq for s in q.turn(q.said[1])] == [3]
    assert q.of_turn(q.said[3]).quote == "The nodes are stable now."


def test_evidence_of_a_line_or_part_of_it() -> None:
    q = quoter()
    assert q.of(q.said[2]).quote == "Thanks, Maya."
    assert q.of(q.said[2], "Thanks").quote == "Thanks"
    assert q.transcript(4) is q.said[2] and q.transcript(99) is None
