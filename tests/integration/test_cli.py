"""The kgplatform CLI as a user runs it: a separate process against the embedded server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import TINY_KG


def _json(result: tuple[int, str, str]) -> Any:
    code, out, err = result
    assert code == 0, err
    return json.loads(out)


def test_load_query_stats_export(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    loaded = _json(kg("load", str(TINY_KG), "--format", "triples", "--json"))
    assert (loaded["entities"], loaded["edges"], loaded["rows_read"]) == (12, 14, 14)
    rows = _json(kg("query", "MATCH (p:Entity {id: $who})-[:LIKES]->(m) RETURN m.id AS m ORDER BY m",
                    "--param", "who=alice", "--json"))
    assert rows == {"columns": ["m"], "rows": [["inception"], ["matrix"]], "truncated": False}
    capped = _json(kg("--json", "query", "MATCH (n:Entity) RETURN n.id", "--limit", "5"))
    assert len(capped["rows"]) == 5 and capped["truncated"]
    stats = _json(kg("stats", "--json"))
    assert stats["entities"] == 12 and stats["relations"]["LIKES"] == 5
    out = tmp_path / "facts.tsv"
    assert _json(kg("export", str(out), "--format", "triples", "--json"))["edges"] == 14
    assert sorted(out.read_text().splitlines()) == sorted(TINY_KG.read_text().splitlines())


def test_writes_need_the_write_flag(kg) -> None:  # type: ignore[no-untyped-def]
    code, _, err = kg("query", "CREATE (:Entity {id: 'x'})")
    assert code == 4 and "may only read" in err
    assert _json(kg("query", "--write", "CREATE (n:Entity {id: $id}) RETURN n.id", "--param", "id=x", "--json"))[
        "rows"] == [["x"]]
    code, _, err = kg("query", "MATCH (n RETURN n")
    assert code == 4 and err.startswith("error:")


def test_bad_input_exit_code_and_message(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tR\tb\na\tR\n")
    code, _, err = kg("load", str(bad), "--format", "triples")
    assert code == 2 and f"{bad}:2" in err and "expected 3 non-empty tab-separated fields" in err
    assert _json(kg("stats", "--json"))["entities"] == 0
    code, _, err = kg("query", "RETURN 1", "--param", "novalue")
    assert code == 2 and "NAME=VALUE" in err


def test_demo_no_serve(kg) -> None:  # type: ignore[no-untyped-def]
    result = _json(kg("demo", "--no-serve", "--json"))
    labels = result["stats"]["labels"]
    assert labels["Movie"] >= 150 and labels["User"] > 0 and labels["Person"] > 0 and labels["Genre"] > 0
    assert result["served"] is False and result["url"] is None
    job = result["job"]  # completed on a worker the demo started
    assert job["status"] == "succeeded" and job["relations"] == ["WATCHED"] and job["written"] > 0
    assert job["worker"] and not job["worker"].startswith("cli:")
    again = _json(kg("demo", "--no-serve", "--json"))
    assert again["stats"] == result["stats"]  # idempotent: the graph, and the job is not run twice
    assert again["job"]["job_id"] == job["job_id"]


def test_complete_and_review_predictions(kg) -> None:  # type: ignore[no-untyped-def]
    _json(kg("load", str(TINY_KG), "--format", "triples", "--json"))
    job = _json(kg("complete", "--model", "distmult", "--relations", "LIKES", "--epochs", "4", "--dim", "8",
                   "--top-k", "2", "--seed", "1", "--explain", "2", "--json"))
    assert {"job_id", "status", "metrics", "written"} <= job.keys() and job["status"] == "succeeded"
    assert _json(kg("jobs", "show", job["job_id"], "--json"))["spec"]["explain"] == 2
    assert {"mrr", "hits@1", "hits@3", "hits@10"} <= job["metrics"].keys() and job["written"] > 0
    listed = _json(kg("predictions", "list", "--job", job["job_id"], "--json"))
    assert len(listed) == job["written"] and all(p["relation"] == "LIKES" for p in listed)
    recommended = _json(kg("recommend", listed[0]["head"], "--relation", "LIKES", "--k", "2", "--json"))
    assert recommended["user"] == listed[0]["head"] and recommended["job_id"] == job["job_id"]
    assert recommended["items"] and {"id", "name", "score", "paths"} <= recommended["items"][0].keys()
    code, _, err = kg("recommend", "nobody", "--relation", "LIKES")
    assert code == 2 and "nobody" in err
    first, *rest = listed
    decided = _json(kg("predictions", "accept", first["head"], "LIKES", first["tail"], "--job", job["job_id"],
                       "--json"))
    assert decided["accepted"] is True
    assert _json(kg("stats", "--json"))["relations"]["LIKES"] == 6  # 5 facts + the accepted one
    if rest:
        assert _json(kg("predictions", "reject", rest[0]["head"], "LIKES", rest[0]["tail"], "--job",
                        job["job_id"], "--json"))["rejected"] is True
    code, _, _ = kg("predictions", "accept", "nobody", "LIKES", "nothing", "--job", job["job_id"])
    assert code == 1
    assert _json(kg("predictions", "retract", "--job", job["job_id"], "--json"))["retracted"] == job["written"]
    assert _json(kg("predictions", "list", "--json")) == []
    code, _, err = kg("complete", "--model", "bert")
    assert code == 2 and "bert" in err
    code, _, err = kg("complete", "--explain", "11")
    assert code == 2 and "explain" in err
