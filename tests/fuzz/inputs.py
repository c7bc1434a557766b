"""What the fuzzers feed in: valid seed inputs per target, and hypothesis strategies that break them.

Random bytes mostly stop at the first UTF-8 check, so the strategies start from a valid input of
each loader format and mutate it field by field (values chosen to hit parsers' edges: numbers
that overflow, names the platform reserves, NUL, backticks, quotes, line separators) before an
optional raw byte-level mutation. The seeds double as the atheris corpus in ``bench/fuzz.py``.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from tests.integration.conftest import AUTH

#: Per format: file name -> (kind, header row or None, rows). ``kind`` is ``tsv`` or ``csv``.
Layout = dict[str, tuple[str, list[str] | None, list[list[str]]]]

SEEDS: dict[str, Layout] = {
    "triples": {
        "train.txt": ("tsv", None, [["a", "LIKES", "b"], ["b", "music.artist.genre", "c"], ["c", "LIKES", "a"]]),
        "names.txt": ("tsv", None, [["a", "Alice"], ["b", "Bob"]]),
    },
    "csv": {
        "nodes.csv": ("csv", ["id", "labels", "name", "age:int", "score:float", "ok:bool", "tags:list"],
                      [["n1", "Person", "Ann", "30", "0.5", "true", "x|y"],
                       ["n2", "Person|Author", "Bo", "", "-1e3", "no", ""]]),
        "edges.csv": ("csv", ["head", "relation", "tail", "since:int"],
                      [["n1", "KNOWS", "n2", "2001"], ["n2", "KNOWS", "n1", ""]]),
    },
    "lastfm": {
        "artists.dat": ("tsv", ["id", "name", "url", "pictureURL"],
                        [["1", "MALICE MIZER", "http://www.last.fm/music/MALICE+MIZER", "http://x/1.jpg"],
                         ["2", "Diary of Dreams", "", ""]]),
        "item_index2entity_id.txt": ("tsv", None, [["1", "0"], ["2", "1"]]),
        "user_artists.dat": ("tsv", ["userID", "artistID", "weight"], [["2", "1", "13883"], ["3", "2", "5"]]),
        "kg.txt": ("tsv", None, [["0", "music.artist.genre", "5"], ["1", "music.artist.origin", "0"]]),
    },
    "movies": {
        "sub_user.csv": ("csv", ["user_id"], [["u_1"], ["u_2"]]),
        "sub_movie.csv": ("csv", ["movie_id", "name"], [["1", "Cowboy Bebop"], ["3", "Shadows in Paradise"],
                                                        ["3", "Varjoja paratiisissa"]]),
        "sub_genre.csv": ("csv", ["genre_id", "name_y"], [["g_11", "Space Opera"]]),
        "sub_people.csv": ("csv", ["people_id", "name", "birth_date"], [["p_1", "Darine Hamze", "\\N"]]),
        "sub_actor.csv": ("csv", ["people_id", "name", "birth_date"], [["p_2", "Kati Outinen", "1961-08-17"]]),
        "sub_director.csv": ("csv", ["people_id", "name", "birth_date"], [["p_3", "Aki Kaurismäki", "1957-04-04"]]),
        "sub_actor_act_movie.csv": ("csv", ["people_id", "movie_id"], [["p_2", "3"]]),
        "sub_director_direct_movie.csv": ("csv", ["people_id", "movie_id"], [["p_3", "3"]]),
        "sub_movie_withgenre_genre.csv": ("csv", ["movie_id", "genre_id"], [["1", "g_11"], ["3", "g_18"]]),
        "sub_user_watched_movies.csv": ("csv", ["user_id", "rate", "movie_id"], [["u_1", "4.5", "1"]]),
    },
}

#: Cell values at the edges of what the parsers and the store accept.
SPECIAL = [
    "", " ", "\t", "\x00", "a\x00b", "\r", "\u2028", "\x85", "\ufeff", "\x1f", "é", "😀", "`", "a`b", "\\", '"', "'",
    "\\N", "|", "||", "inf", "-inf", "nan", "NaN", "1e999", "-0", "0x10", "1_000", "٣", "²", " 7 ", "1.5",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "9" * 30, "9" * 5000,
    "true", "yes", "PREDICTED", "Entity", "Job", "RelationType", "load_id", "id", "labels", "name:int", "x:nope",
    "x" * 129, "x" * 513, "/", "../..",
]

cells = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=12))


@st.composite
def _mutated_rows(draw: st.DrawFn, header: list[str] | None, rows: list[list[str]]) -> list[list[str]]:
    """The header (if any) and rows with a few random edits: set, add or drop a cell; add, copy or drop a row."""
    table = [list(r) for r in ([header] if header else []) + rows]
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["set", "set", "set", "add_cell", "drop_cell", "add_row", "copy_row", "drop_row"]))
        if not table or op == "add_row":
            table.insert(draw(st.integers(0, len(table))), draw(st.lists(cells, min_size=1, max_size=5)))
            continue
        row = draw(st.integers(0, len(table) - 1))
        if op == "set" and table[row]:
            table[row][draw(st.integers(0, len(table[row]) - 1))] = draw(cells)
        elif op == "add_cell":
            table[row].insert(draw(st.integers(0, len(table[row]))), draw(cells))
        elif op == "drop_cell" and table[row]:
            del table[row][draw(st.integers(0, len(table[row]) - 1))]
        elif op == "copy_row":
            table.append(list(table[row]))
        elif op == "drop_row":
            del table[row]
    return table


def render(kind: str, table: list[list[str]], newline: str = "\n") -> str:
    """A table as file text: tab-separated lines, or CSV with the quoting ``csv.writer`` chooses."""
    if kind == "tsv":
        return "".join("\t".join(row) + newline for row in table)
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(table)
    return out.getvalue()


def seed_files(fmt: str) -> dict[str, bytes]:
    """The valid input of ``fmt``, file name -> bytes."""
    return {name: render(kind, ([header] if header else []) + rows).encode()
            for name, (kind, header, rows) in SEEDS[fmt].items()}


@st.composite
def _byte_edit(draw: st.DrawFn, data: bytes) -> bytes:
    """Insert, overwrite or cut raw bytes (invalid UTF-8, stray quotes, lone CRs)."""
    at = draw(st.integers(0, len(data)))
    op = draw(st.sampled_from(["insert", "cut", "truncate"]))
    if op == "truncate":
        return data[:at]
    chunk = draw(st.one_of(st.binary(max_size=4), st.sampled_from([b'"', b"\r", b"\xff", b"\xc3", b"\xed\xa0\x80"])))
    return data[:at] + chunk + data[at + (len(chunk) if op == "cut" else 0):]


@st.composite
def loader_files(draw: st.DrawFn, fmt: str) -> dict[str, bytes]:
    """Files of one load of ``fmt``: mostly field-mutated seeds, sometimes byte-edited, sometimes pure noise."""
    files: dict[str, bytes] = {}
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    for name, (kind, header, rows) in SEEDS[fmt].items():
        if draw(st.integers(0, 9)) == 0:
            files[name] = draw(st.binary(max_size=64))
            continue
        table = draw(_mutated_rows(header, rows)) if draw(st.booleans()) else ([header] if header else []) + rows
        data = render(kind, table, newline).encode("utf-8", "surrogatepass")
        files[name] = draw(_byte_edit(data)) if draw(st.integers(0, 4)) == 0 else data
    return files


# -- job specs ------------------------------------------------------------------------------------

SPEC_FIELDS = ["model", "dim", "epochs", "batch_size", "lr", "optimizer", "regime", "loss", "num_negatives",
               "reg_weight", "seed", "device", "threads", "encoder", "max_length", "temperature", "structure_model",
               "relations", "top_k", "evaluate", "labels", "seeds", "hops", "valid_fraction", "test_fraction",
               "text_fields", "since", "rerank_top", "explain", "train"]

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(2**70), 2**70), st.floats(),
    st.text(max_size=20), st.sampled_from(["complex", "text", "hybrid", "rgcn", "cuda", "cpu", "auto", "LIKES",
                                           "PREDICTED", "a`b", "", " , ", "LIKES,HAS_GENRE", "1e999"]),
)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=10)
spec_dicts = st.dictionaries(st.one_of(st.sampled_from(SPEC_FIELDS), st.text(max_size=10)), json_values, max_size=6)
spec_inputs = st.one_of(spec_dicts, json_values)


def cli_spec(raw: dict[str, str]) -> dict[str, Any]:
    """A spec as CLI options give it: every value a string, numbers parsed the way ``int``/``float`` would."""
    spec: dict[str, Any] = {}
    for key, value in raw.items():
        for kind in (int, float):
            try:
                spec[key] = kind(value)
                break
            except (ValueError, OverflowError):
                continue
        else:
            spec[key] = value
    return spec


CLI_OPTIONS = ["--model", "--relations", "--epochs", "--dim", "--top-k", "--eval", "--no-eval", "--lr", "--seed",
               "--device", "--explain", "--rerank-top", "--since", "--inductive", "--text-fields", "--regime",
               "--structure-model", "--encoder-lr", "--batch-size", "--json", "--help"]
cli_args = st.lists(st.one_of(st.sampled_from(CLI_OPTIONS), st.text(max_size=10), json_values.map(str)), max_size=8)


# -- search and HTTP ------------------------------------------------------------------------------

#: Characters with a meaning to Lucene/RediSearch queries, Cypher strings or regexes.
SEARCH_SPECIAL = [*'+-&|!(){}[]^"~*?:\\/%@$`\'.,;<>=#_', "AND", "OR", "NOT", "\x00", "\u0301", "ß", "İ"]
search_texts = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.sampled_from(SEARCH_SPECIAL), st.text(max_size=6)), max_size=12).map("".join),
    st.sampled_from(["alice", "ALI", "Alise", "a*", "*", "\\", '"', "x" * 5000, "alice " * 200]),
)
query_values = st.one_of(st.sampled_from(["", "0", "1", "-1", "100", "101", "10001", "9" * 18, "9" * 25, "9" * 5000,
                                          "1.5", "²", "٣", "nan", "LIKES", "PREDICTED", "a`b", "alice", "2026-11-22",
                                          "x" * 3000, "\x00", "%", "pending"]), st.text(max_size=15))


#: (method, path with {} for the path parameter, the query or form names the view reads)
ROUTES = [
    ("GET", "/", []), ("GET", "/api/health", []),
    ("GET", "/api/entities", ["q", "limit"]),
    ("GET", "/api/entities/{}/neighbourhood", ["limit", "skip", "relation"]),
    ("POST", "/api/graph/edges", []), ("POST", "/api/cypher", []), ("POST", "/api/jobs", []),
    ("GET", "/api/jobs", ["status", "model", "relation", "since", "until", "limit"]),
    ("GET", "/api/jobs/{}", []), ("GET", "/api/jobs/{}/history", []), ("POST", "/api/jobs/{}/cancel", []),
    ("GET", "/api/users/{}/recommendations", ["relation", "k", "paths", "job"]),
    ("GET", "/console", ["query"]), ("GET", "/explore", ["q"]), ("GET", "/entity/{}", ["skip"]),
    ("GET", "/jobs", ["status"]), ("GET", "/jobs/new", []), ("GET", "/jobs/{}", []),
    ("POST", "/jobs/new", ["model", "relations", "epochs", "dim", "top_k", "device"]),
    ("GET", "/predictions", ["job", "relation", "status", "min_score"]),
    ("POST", "/predictions/decide", ["decision", "chosen", "back"]), ("POST", "/predictions/retract", ["job"]),
    ("GET", "/recommendations", ["user", "relation", "k", "paths"]),
    ("GET", "/signin", ["next"]), ("POST", "/signin", ["name", "password", "csrf_token"]), ("POST", "/signout", []),
    ("GET", "/vendor/{}", []), ("GET", "/static/{}", []),
]
path_values = st.one_of(st.sampled_from(["alice", "matrix", "LIKES", "nobody", "0", "a/b", "..", "%00", "x" * 600]),
                        st.text(min_size=1, max_size=12))
bodies = st.one_of(spec_inputs, json_values, st.fixed_dictionaries(
    {"query": st.one_of(st.sampled_from(["RETURN 1", "MATCH (n) RETURN n", "RETURN $x", ""]), st.text(max_size=30)),
     "params": json_values, "write": json_values}), st.fixed_dictionaries({"ids": json_values}))


@st.composite
def http_requests(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    """A route and the values of one call of it."""
    method, template, names = draw(st.sampled_from(ROUTES))
    path = template.format(quote(draw(path_values), safe=""))
    values = draw(st.dictionaries(st.one_of(st.sampled_from(names or ["x"]), st.text(max_size=5)), query_values,
                                  max_size=4))
    kwargs: dict[str, Any] = {"headers": AUTH if draw(st.booleans()) else {}}
    if method == "GET":
        kwargs["query_string"] = values
    elif template.startswith("/api/"):
        kind = draw(st.sampled_from(["json", "json", "text", "none"]))
        if kind == "json":
            kwargs["json"] = draw(bodies)
        elif kind == "text":
            kwargs |= {"data": draw(st.text(max_size=40)), "content_type": "application/json"}
    else:
        kwargs["data"] = values
    return method, path, kwargs
