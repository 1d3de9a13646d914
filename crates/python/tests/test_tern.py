"""tern's Python API, run against the installed wheel (cargo xtask test)."""

import datetime
import decimal
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

import tern

ENDLESS = ("SELECT COUNT(*) FROM $satellites a, $satellites b, $satellites c, "
           "$satellites d, $satellites e")


def run_python(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=timeout)


# --- queries and results -------------------------------------------------

def test_query_returns_rows_as_python_values():
    r = tern.query("SELECT id, name FROM $planets WHERE id <= 3 ORDER BY id")
    assert r.columns == ["id", "name"]
    assert r.types == ["INTEGER", "VARCHAR"]
    assert len(r) == r.num_rows == 3
    assert r.fetchall() == [(1, "Mercury"), (2, "Venus"), (3, "Earth")]
    assert r.fetchone() == (1, "Mercury")
    assert repr(r) == "<tern.Result 3 rows (id INTEGER, name VARCHAR)>"


def test_every_type_becomes_the_python_value_one_expects():
    row = tern.query(
        "SELECT DATE '2024-02-29' AS d, TIMESTAMP '2024-02-29 23:59:58.25' AS ts, "
        "12.50 AS dec, [1, NULL, 3] AS l, NULL AS n, INTERVAL '3 days' AS iv, "
        "CAST('hi' AS BLOB) AS b, 1.5::DOUBLE AS f, true AS t, 'é' AS s, "
        "9223372036854775807 AS big"
    ).fetchone()
    assert row == (
        datetime.date(2024, 2, 29),
        datetime.datetime(2024, 2, 29, 23, 59, 58, 250000),
        decimal.Decimal("12.50"),
        [1, None, 3],
        None,
        datetime.timedelta(days=3),
        b"hi",
        1.5,
        True,
        "é",
        9223372036854775807,
    )


def test_values_python_cannot_hold_come_as_text():
    r = tern.query("SELECT DATE '9999-12-31' + INTERVAL '2 days'")
    assert r.fetchall() == [("+10000-01-02",)]


def test_several_statements_return_the_last_answer():
    con = tern.connect()
    r = con.query("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2); SELECT SUM(x) FROM t")
    assert r.fetchall() == [(3,)]


def test_the_docstring_examples_hold():
    import doctest
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    examples = 0
    for obj in (tern.query, tern.connect, tern.Connection, tern.Cursor, tern.Result):
        for test in finder.find(obj, getattr(obj, "__name__", "tern"), globs={}):
            examples += len(test.examples)
            runner.run(test)
    assert runner.failures == 0
    assert examples >= 12


def test_help_is_useful():
    assert "params" in tern.query.__doc__
    assert tern.query.__text_signature__ == "(sql, params=None)"
    assert "register" in dir(tern.Connection)
    assert "__arrow_c_stream__" in tern.Result.__doc__


# --- Arrow without copies ------------------------------------------------

def test_import_and_first_query_load_no_pyarrow():
    out = run_python("""
        import sys
        import tern
        assert tern.query("SELECT COUNT(*) FROM $planets").fetchall() == [(9,)]
        heavy = [m for m in ("pyarrow", "pandas", "polars", "numpy") if m in sys.modules]
        print("loaded:", heavy)
        tern.query("SELECT 1").arrow()
        print("pyarrow after arrow():", "pyarrow" in sys.modules)
    """)
    assert out.returncode == 0, out.stderr
    assert "loaded: []" in out.stdout
    assert "pyarrow after arrow(): True" in out.stdout


def test_results_leave_as_arrow_sharing_buffers():
    import pyarrow as pa
    r = tern.query("SELECT id, name FROM $planets ORDER BY id")
    a, b = pa.table(r), r.arrow()
    assert a.equals(b)
    assert a.column_names == ["id", "name"]
    assert a.num_rows == 9
    # Both exports point at the same memory: the result's own buffers.
    addr = lambda t: [buf.address for buf in t.column("id").chunks[0].buffers() if buf]
    assert addr(a) == addr(b)
    assert pa.schema(r) == a.schema  # __arrow_c_schema__


def test_a_registered_table_comes_back_in_the_same_memory():
    import pyarrow as pa
    table = pa.table({"x": pa.array(range(100_000)), "s": pa.array([str(i) for i in range(100_000)])})
    con = tern.connect()
    con.register("t", table)
    back = con.query("SELECT * FROM t").arrow()
    addr = lambda t, c: [buf.address for buf in t.column(c).chunks[0].buffers() if buf]
    # Into the engine and out again, not one buffer was copied.
    assert addr(back, "x") == addr(table, "x")
    assert addr(back, "s") == addr(table, "s")


def test_pandas_and_polars():
    import pandas as pd
    import polars as pl
    r = tern.query("SELECT name, id FROM $planets WHERE id > 7 ORDER BY id")
    df = r.to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert list(df["name"]) == ["Neptune", "Pluto"]
    assert r.df().equals(df)
    pf = r.to_polars()
    assert isinstance(pf, pl.DataFrame)
    assert pf["id"].to_list() == [8, 9]
    # Any PyCapsule consumer reads a Result directly.
    assert pl.DataFrame(r).shape == (2, 2)


def test_register_every_kind_of_table():
    import pandas as pd
    import polars as pl
    import pyarrow as pa
    con = tern.connect()
    table = pa.table({"x": [1, 2, 3], "s": ["a", "b", None]})
    con.register("arrow_table", table)
    con.register("reader", pa.RecordBatchReader.from_batches(table.schema, table.to_batches()))
    con.register("pandas", pd.DataFrame({"x": [10, 20]}))
    con.register("polars", pl.DataFrame({"x": [100]}))
    con.register("result", tern.query("SELECT 1000 AS x"))
    con.register("empty", table.slice(0, 0))
    r = con.query(
        "SELECT (SELECT SUM(x) FROM arrow_table) + (SELECT SUM(x) FROM reader) "
        "+ (SELECT SUM(x) FROM pandas) + (SELECT SUM(x) FROM polars) "
        "+ (SELECT SUM(x) FROM result) + (SELECT COUNT(*) FROM empty)"
    )
    assert r.fetchall() == [(6 + 6 + 30 + 100 + 1000 + 0,)]
    assert con.query("SELECT s FROM arrow_table WHERE s IS NULL").fetchall() == [(None,)]
    with pytest.raises(tern.InterfaceError, match="cannot register a dict"):
        con.register("bad", {"x": [1]})


def test_dictionary_columns_read_as_their_values():
    import pyarrow as pa
    con = tern.connect()
    con.register("d", pa.table({"k": pa.array(["a", "b", None, "a"]).dictionary_encode()}))
    cur = con.execute("SELECT k FROM d")
    assert [cur.fetchone() for _ in range(2)] == [("a",), ("b",)]
    assert cur.fetchall() == [(None,), ("a",)]


def test_register_file(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    path = tmp_path / "trips.parquet"
    pq.write_table(pa.table({"km": [1.5, 2.5, 4.0]}), path)
    con = tern.connect()
    con.register_file("trips", str(path))
    assert con.query("SELECT SUM(km) FROM trips").fetchall() == [(8.0,)]
    assert tern.query(f"SELECT COUNT(*) FROM '{path}'").fetchall() == [(3,)]


# --- parameters ----------------------------------------------------------

def test_parameters_by_position_and_name():
    q = "SELECT name FROM $planets WHERE id = ? OR id = ? ORDER BY id"
    assert tern.query(q, [3, 4]).fetchall() == [("Earth",), ("Mars",)]
    assert tern.query(q, (3, 4)).fetchall() == [("Earth",), ("Mars",)]
    assert tern.query("SELECT $2 - $1", [1, 10]).fetchall() == [(9,)]
    assert tern.query("SELECT :a || $b", {"a": "x", "b": "y"}).fetchall() == [("xy",)]
    assert tern.query("SELECT $a", {"$a": 1}).fetchall() == [(1,)]


def test_a_parameter_is_a_value_never_sql():
    hostile = "x' OR '1'='1"
    assert tern.query("SELECT COUNT(*) FROM $planets WHERE name = ?", [hostile]).fetchall() == [(0,)]
    assert tern.query("SELECT ?", ["'); DROP TABLE t; --"]).fetchall() == [("'); DROP TABLE t; --",)]


def test_parameter_types_round_trip():
    values = [None, True, -7, 0.1, "tern", b"\x00\xff", decimal.Decimal("-12.50"),
              datetime.date(2024, 2, 29), datetime.datetime(2024, 2, 29, 1, 2, 3, 4),
              2 ** 70]
    sql = "SELECT " + ", ".join("?" for _ in values)
    assert tern.query(sql, values).fetchone() == tuple(values[:-1]) + (decimal.Decimal(2 ** 70),)
    aware = datetime.datetime(2024, 1, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert tern.query("SELECT ?", [aware]).fetchone() == (datetime.datetime(2024, 1, 1, 10, 0),)


def test_parameter_mistakes():
    with pytest.raises(tern.ProgrammingError, match=r"no value for parameter \?") as e:
        tern.query("SELECT ?, ?", [1])
    assert (e.value.line, e.value.column) == (1, 11)
    with pytest.raises(tern.ProgrammingError, match="no parameter"):
        tern.query("SELECT 1", {"unused": 1})
    with pytest.raises(tern.InterfaceError, match="not a string") as e:
        tern.query("SELECT ?", "abc")
    assert (e.value.line, e.value.column) == (None, None)
    with pytest.raises(tern.ProgrammingError, match=r"no value for parameter \?") as e:
        tern.query("SELECT 1,\n ?")
    assert (e.value.line, e.value.column) == (2, 2)
    with pytest.raises(tern.InterfaceError, match="datetime.time cannot be a parameter"):
        tern.query("SELECT ?", [datetime.time(1, 2)])


# --- errors --------------------------------------------------------------

def test_errors_are_dbapi_classes_with_the_engines_message_and_position():
    with pytest.raises(tern.ProgrammingError) as e:
        tern.query("SELECT nme FROM $planets")
    assert "did you mean 'name'" in str(e.value)
    assert (e.value.line, e.value.column) == (1, 8)
    assert isinstance(e.value, tern.DatabaseError) and isinstance(e.value, tern.Error)
    with pytest.raises(tern.ProgrammingError) as e:
        tern.query("SELECT 1;\nSELEC 2")
    assert (e.value.line, e.value.column) == (2, 1)
    with pytest.raises(tern.NotSupportedError):
        tern.query("SELECT CAST('1' AS TIME)")
    with pytest.raises(tern.OperationalError):
        tern.query("SELECT * FROM '/no/such/file.parquet'")
    con = tern.connect()
    con.query("CREATE TABLE t (x INTEGER NOT NULL)")
    with pytest.raises(tern.IntegrityError):
        con.query("INSERT INTO t VALUES (NULL)")
    with pytest.raises(tern.DataError):
        tern.query("SELECT CAST(name AS INTEGER) FROM $planets")


# --- DB-API 2.0 ----------------------------------------------------------

def test_dbapi_module_globals():
    assert tern.apilevel == "2.0"
    assert tern.threadsafety == 2
    assert tern.paramstyle == "qmark"
    assert isinstance(tern.__version__, str)


def test_dbapi_cursor():
    con = tern.connect()
    cur = con.cursor()
    assert cur.description is None
    assert cur.execute("SELECT id, name FROM $planets WHERE id < ? ORDER BY id", [5]) is cur
    assert cur.description == [("id", "INTEGER", None, None, None, None, True),
                               ("name", "VARCHAR", None, None, None, None, True)]
    assert cur.rowcount == -1
    assert cur.fetchone() == (1, "Mercury")
    assert cur.fetchmany() == [(2, "Venus")]
    cur.arraysize = 5
    assert cur.fetchmany() == [(3, "Earth"), (4, "Mars")]
    assert cur.fetchone() is None
    assert cur.fetchall() == []
    assert [r for r in cur.execute("SELECT id FROM $planets WHERE id > 7 ORDER BY id")] == [(8,), (9,)]
    cur.execute("CREATE TABLE t (x INTEGER, y VARCHAR)")
    cur.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b"), (3, None)])
    assert con.execute("SELECT COUNT(*), COUNT(y) FROM t").fetchall() == [(3, 2)]
    assert cur.connection is con
    cur.close()
    with pytest.raises(tern.ProgrammingError, match="closed"):
        cur.fetchone()
    con.commit()
    with pytest.raises(tern.NotSupportedError):
        con.rollback()
    with con.cursor() as c2:
        assert c2.execute("SELECT 1").fetchall() == [(1,)]
    with pytest.raises(tern.ProgrammingError):
        c2.fetchall()
    with tern.connect() as c3:
        c3.query("SELECT 1")
    with pytest.raises(tern.ProgrammingError, match="connection is closed"):
        c3.query("SELECT 1")


# --- threads, the GIL and Ctrl-C -----------------------------------------

def test_threads_share_one_connection():
    con = tern.connect()
    con.query("CREATE TABLE n AS SELECT * FROM generate_series(1, 10000) AS g(v)")
    results, errors = {}, []

    def work(i):
        try:
            for _ in range(20):
                results[i] = con.query("SELECT SUM(v) FROM n WHERE v % 8 = ?", [i]).fetchall()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i in range(8):
        assert results[i] == [(sum(v for v in range(1, 10001) if v % 8 == i),)]


def test_a_running_query_holds_no_gil_and_interrupt_stops_it():
    con = tern.connect()
    outcome = []

    def long_query():
        try:
            con.query(ENDLESS)
            outcome.append("finished")
        except tern.OperationalError as e:
            outcome.append(str(e))

    t = threading.Thread(target=long_query)
    t.start()
    # This thread runs Python while the query runs: the query released the
    # GIL. (Were it held, interrupt() would only run after the query.)
    while not outcome and t.is_alive():
        con.interrupt()
        t.join(0.05)
    t.join(60)
    assert not t.is_alive()
    assert outcome and "cancelled" in outcome[0], outcome
    assert con.query("SELECT 42").fetchall() == [(42,)]


def test_ctrl_c_interrupts_a_long_query_cleanly():
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, tern
            print("ready", flush=True)
            try:
                tern.query({ENDLESS!r})
                print("finished")
            except KeyboardInterrupt:
                print("interrupted", flush=True)
            print(tern.query("SELECT 40 + 2").fetchall(), flush=True)
        """)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    # Until it is interrupted: a signal sent before the query starts is
    # taken by Python itself, so send again while the child runs.
    out = ""
    while child.poll() is None:
        child.send_signal(signal.SIGINT)
        try:
            out, err = child.communicate(timeout=0.5)
        except subprocess.TimeoutExpired:
            continue
    assert child.returncode == 0, err
    assert out.splitlines() == ["interrupted", "[(42,)]"]


# --- caches --------------------------------------------------------------

@pytest.fixture()
def parquet_file(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    path = tmp_path / "blocks.parquet"
    pq.write_table(pa.table({"v": list(range(50_000))}), path)
    return str(path)


@pytest.mark.parametrize("cache_server", ["redis", "valkey", "memcached"], indirect=True)
def test_caches_through_python(cache_server, parquet_file, monkeypatch):
    monkeypatch.setenv("TERN_CACHE_KEY", "a secret shared by the workers of this test")
    sql = f"SELECT SUM(v) FROM '{parquet_file}'"
    first = tern.connect().cache(cache_server, local_files=True)
    assert first.query(sql).fetchall() == [(sum(range(50_000)),)]
    report = first.cache_report()
    assert report["remote"]["sets"] > 0, report
    # Another connection (a fresh buffer pool) reads the blocks from the cache.
    second = tern.connect().cache(cache_server, local_files=True)
    assert second.query(sql).fetchall() == [(sum(range(50_000)),)]
    report = second.cache_report()
    assert report["remote"]["hits"] > 0, report
    assert report["remote_name"] in ("redis", "valkey", "memcached")
    with pytest.raises(tern.ProgrammingError, match="before the connection's first query"):
        second.cache(cache_server)


def test_a_dead_cache_never_fails_a_query(parquet_file, monkeypatch):
    from conftest import free_port
    monkeypatch.setenv("TERN_CACHE_KEY", "a secret shared by the workers of this test")
    con = tern.connect().cache(f"redis://127.0.0.1:{free_port()}", local_files=True)
    assert con.query(f"SELECT COUNT(*) FROM '{parquet_file}'").fetchall() == [(50_000,)]
    assert con.cache_report()["remote"]["errors"] > 0
    with pytest.raises(tern.ProgrammingError, match="redis://"):
        tern.connect().cache("ftp://nowhere")


def test_the_cache_needs_a_secret(monkeypatch):
    monkeypatch.delenv("TERN_CACHE_KEY", raising=False)
    monkeypatch.delenv("TERN_CACHE_UNAUTHENTICATED", raising=False)
    with pytest.raises(tern.ProgrammingError, match="TERN_CACHE_KEY"):
        tern.connect().cache("redis://127.0.0.1:1")


# --- docs/python.md ------------------------------------------------------

def test_the_guide_runs(tmp_path, monkeypatch):
    """Every ```python block of docs/python.md, in order, in one namespace."""
    docs = os.environ.get("TERN_PYTHON_DOCS")
    if not docs:
        pytest.skip("TERN_PYTHON_DOCS names docs/python.md (cargo xtask test sets it)")
    text = open(docs, encoding="utf-8").read()
    blocks, inside, current = [], False, []
    for line in text.splitlines():
        if line.strip() == "```python":
            inside, current = True, []
        elif line.strip() == "```" and inside:
            inside = False
            blocks.append("\n".join(current))
        elif inside:
            current.append(line)
    assert len(blocks) >= 5, "the guide has its examples"
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        exec(compile(block, docs, "exec"), namespace)  # noqa: S102 - our own docs
