"""Expected rows for the CSV ingest fixtures, read with Python's csv module (the reference reader).

Writes Tests/TextNLPPipelineTests/Fixtures/ingest/expected.json: for each good CSV fixture, the rows as
dicts keyed by the header. Run with scripts/python-env's interpreter: `.venv/bin/python scripts/make-pipeline-fixtures.py`.
"""
import csv
import json
import os

here = os.path.join(os.path.dirname(__file__), "..", "Tests", "TextNLPPipelineTests", "Fixtures", "ingest")
expected = {}
for name, delimiter in [("good.csv", ","), ("semicolon.csv", ";")]:
    with open(os.path.join(here, name), newline="", encoding="utf-8") as f:
        reader = csv.reader(f, delimiter=delimiter)
        header = [h.strip() for h in next(reader)]
        expected[name] = [dict(zip(header, row)) for row in reader if row]
with open(os.path.join(here, "expected.json"), "w", encoding="utf-8") as f:
    json.dump(expected, f, ensure_ascii=False, indent=1)
    f.write("\n")
print("wrote", os.path.join(here, "expected.json"))
