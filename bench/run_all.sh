#!/bin/sh
# Measure all four data sets one after another (they must have been generated first; see
# docs/benchmarks.md), then write the tables into docs/benchmarks.md.
set -e
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG=postgres://postgres@127.0.0.1:5432
BUDGET=${BUDGET:-8}
$PY bench/measure.py --db sqlite:////tmp/kehu_bench/10k.sqlite3 --label sqlite-10k --budget "$BUDGET" --import-sizes 100000,300000
$PY bench/measure.py --db sqlite:////tmp/kehu_bench/1m.sqlite3 --label sqlite-1m --budget "$BUDGET" --import-sizes 100000
$PY bench/measure.py --db $PG/kehu_bench_10k --label pg-10k --budget "$BUDGET" --import-sizes 100000,300000
$PY bench/measure.py --db $PG/kehu_bench --label pg-1m --budget 6 --import-sizes 100000
$PY bench/report.py --write docs/benchmarks.md
