"""Writes the TPC-H answers at a small scale factor with DuckDB.

    python3 tests/tpch/answers.py target/tpch/sf0.01 tests/tpch/sf0.01

The data is what `cargo xtask tpch --sf 0.01` generates (the tpchgen crates,
deterministic); DuckDB (PyPI `duckdb`, 2.0.0 here) runs each query in
tests/tpch/queries over views of those Parquet files and writes its result
as CSV with a header line, as ../shared/bench/tpch/answers was made at SF 1.
"""
import pathlib
import sys

import duckdb

data, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
con = duckdb.connect()
for t in ["customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"]:
    con.execute(f"CREATE VIEW {t} AS SELECT * FROM '{data / (t + '.parquet')}'")
queries = pathlib.Path(__file__).parent / "queries"
for q in sorted(queries.glob("q*.sql")):
    sql = q.read_text().strip().rstrip(";")
    target = out / (q.stem + ".csv")
    con.execute(f"COPY ({sql}) TO '{target}' (HEADER, DELIMITER ',')")
    print(target)
print("duckdb", duckdb.__version__)
