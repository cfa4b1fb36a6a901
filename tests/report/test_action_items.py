import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from bridge.events import ActionItem, Correction, ItemDone, LoggedEvent
from bridge.report import timeline
from bridge.report.action_items import CSV_COLUMNS, to_csv, to_json, to_markdown
from tests.golden import INCIDENT, assert_golden, numbered, said, sample_events, session


def test_exports_match_the_golden_files() -> None:
    tl = timeline.build(sample_events())
    assert_golden("actions.md", to_markdown(tl))
    assert_golden("actions.csv", to_csv(tl).replace("\r\n", "\n"))  # the golden file is read as text
    assert_golden("actions.json", to_json(tl))


def test_csv_begins_with_title_and_description_and_says_what_the_post_mortem_says() -> None:
    tl = timeline.build(sample_events())
    text = to_csv(tl)
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS) and text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    entries = sorted([*tl.actions, *tl.follow_ups], key=lambda a: a.evidence.at)
    assert [r["seq"] for r in rows] == [str(a.seq) for a in entries]
    assert [r["status"] for r in rows] == [a.status for a in entries]
    for row, a in zip(rows, entries, strict=True):
        assert a.evidence.quote in row["description"]  # the words it came from, and when
        assert timeline.wall_clock(a.evidence.wall) in row["description"]
        assert row["title"].lower() == a.task.lower()


def test_json_holds_every_item_with_its_evidence() -> None:
    tl = timeline.build(sample_events())
    data = json.loads(to_json(tl))
    assert (data["actions_version"], data["incident"]) == (1, "sample-call")
    maya = next(x for x in data["items"] if x["title"] == "Find out why the nodes keep restarting")
    assert (maya["owner"], maya["status"], maya["type"], maya["done_by"]) == ("Maya", "done", "investigation", "Maya")
    assert maya["said_at_utc"].endswith("Z") and "Sorry, I was deep in the node logs" in maya["description"]


def item(quote: str, owner: str, task: str) -> ActionItem:
    return ActionItem(
        t=3.5,
        start=0.0,
        end=3.0,
        source=2,
        by="Ann",
        confidence=0.9,
        category=None,
        quote=quote,
        owner=owner,
        task=task,
    )


def incident(*corrections: Correction) -> list[LoggedEvent]:
    return numbered(
        [
            session(),
            said(0, 3, "Bob, restart the *cache* | now. Cy, page the DBA.", "Ann"),  # 2
            item("Bob, restart the *cache* | now.", "Bob", "restart the *cache*"),  # 3
            item("Cy, page the DBA.", "Cy", "page the DBA"),  # 4
            said(10, 12, "The cache is restarted.", "Bob"),  # 5
            ItemDone(t=12.5, ref=3, source=5, by="Bob"),
            *corrections,
        ]
    )


def test_corrections_apply_and_markdown_shows_what_was_said_as_it_was() -> None:
    edit = Correction(t=20, action="edit", ref=3, owner="Bob Li")
    text = to_markdown(timeline.build(incident(edit, Correction(t=21, action="dismiss", ref=4))))
    assert "page the DBA" not in text  # dismissed: extracted by mistake
    assert "- [x] **Bob Li**: Restart the \\*cache\\*" in text
    assert '"Bob, restart the \\*cache\\* \\| now."' in text and "Edited by the commander" in text
    marked = to_markdown(timeline.build(incident(Correction(t=30, action="done", ref=4))))
    assert "- [x] **Cy**: Page the DBA" in marked and "Marked done by the commander at 00:30 in the call" in marked


def test_the_command_writes_each_format(tmp_path: Path) -> None:
    out = tmp_path / "actions.csv"
    bridge = [sys.executable, "-m", "bridge.cli.main"]
    done = subprocess.run(
        [*bridge, "actions", str(INCIDENT), "--format", "csv", "--output", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == to_csv(timeline.build(sample_events())).encode()
    shown = subprocess.run([*bridge, "actions", str(INCIDENT), "--format", "json"], capture_output=True, text=True)
    assert json.loads(shown.stdout)["incident"] == "sample-call"
    missing = subprocess.run([*bridge, "actions", str(tmp_path / "nope")], capture_output=True, text=True)
    assert missing.returncode == 1 and len(missing.stderr.splitlines()) == 1 and "Traceback" not in missing.stderr
