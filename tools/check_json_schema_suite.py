#!/usr/bin/env python3
"""Checks the JSON Schema suite (tests/data/json_schema/*.json) against the jsonschema package.

Each file is {"description", "schema", "valid": [...], "invalid": [...], "stricter": [...]}:
every "valid" instance must validate, every "invalid" one must not, and every "stricter" one
must validate (those are instances jsonschema accepts and Yak's grammar refuses by design:
properties out of the schema's order, an email outside the grammar's shape). Formats are
checked (FormatChecker); the check fails if date, time, date-time, uuid or email would be
skipped for a missing optional dependency (time and date-time need rfc3339-validator).

With --unit-tests PATH it then runs the JsonSchemaSuite GoogleTest of that yak_unit_tests
binary, which checks that each schema's grammar accepts the valid instances and refuses the
others, so the grammar agrees with jsonschema on every hand-written instance.

With --model-outputs FILE (the JSON lines JsonSchemaModel writes: the default model decoding
under each schema's grammar at temperature 0 and 1) every finished output must parse and
validate against its schema; prints the pass rates.

Usage: tools/check_json_schema_suite.py [--unit-tests build/tests/yak_unit_tests]
           [--model-outputs build/json_schema_model_outputs.jsonl] [SUITE_DIR]
"""
import argparse
import importlib.metadata
import json
import pathlib
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("check_json_schema_suite: the jsonschema package is missing "
             "(pip install -r tools/requirements-test.txt)")

REQUIRED_FORMATS = ("date", "time", "date-time", "uuid", "email")


def check_file(path, failures):
    suite = json.loads(path.read_text(encoding="utf-8"))
    schema = suite["schema"]
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as e:
        failures.append(f"{path.name}: the schema itself is invalid: {e.message}")
        return {}
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    missing = [f for f in REQUIRED_FORMATS if f not in cls.FORMAT_CHECKER.checkers]
    if missing:
        sys.exit(f"check_json_schema_suite: jsonschema cannot check formats {missing} "
                 "(install rfc3339-validator)")
    counts = {}
    for key, expect_valid in (("valid", True), ("invalid", False), ("stricter", True)):
        instances = suite.get(key, [])
        counts[key] = len(instances)
        for i, instance in enumerate(instances):
            if validator.is_valid(instance) != expect_valid:
                verdict = "rejects" if expect_valid else "accepts"
                failures.append(f"{path.name}: {key}[{i}] {json.dumps(instance, ensure_ascii=False)}: "
                                f"jsonschema {verdict} it")
    if not suite.get("valid"):
        failures.append(f"{path.name}: no valid instance")
    return counts


def check_model_outputs(path, suite_dir):
    """Every finished output parses and validates; returns the number of failures."""
    failures = 0
    by_temperature = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        stats = by_temperature.setdefault(row["temperature"], {"outputs": 0, "finished": 0, "valid": 0})
        stats["outputs"] += 1
        if not row["finished"]:
            continue
        stats["finished"] += 1
        schema = json.loads((suite_dir / row["file"]).read_text(encoding="utf-8"))["schema"]
        cls = jsonschema.validators.validator_for(schema)
        try:
            instance = json.loads(row["output"])
        except json.JSONDecodeError as e:
            print(f"FAIL model output for {row['file']} at temperature {row['temperature']} "
                  f"does not parse ({e}): {row['output']!r}")
            failures += 1
            continue
        errors = list(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(instance))
        if errors:
            print(f"FAIL model output for {row['file']} at temperature {row['temperature']} "
                  f"is invalid ({errors[0].message}): {row['output']!r}")
            failures += 1
        else:
            stats["valid"] += 1
    for temperature, s in sorted(by_temperature.items()):
        print(f"model outputs at temperature {temperature}: {s['outputs']} outputs, "
              f"{s['finished']} finished, {s['valid']} of those valid")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", nargs="?", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parent.parent / "tests/data/json_schema")
    parser.add_argument("--unit-tests", type=pathlib.Path,
                        help="yak_unit_tests binary: also run its JsonSchemaSuite test")
    parser.add_argument("--model-outputs", type=pathlib.Path,
                        help="JSON lines of model outputs (JsonSchemaModel) to validate")
    args = parser.parse_args()

    files = sorted(args.suite.glob("*.json"))
    if len(files) < 40:
        sys.exit(f"check_json_schema_suite: {len(files)} schemas in {args.suite}; expected at least 40")
    failures = []
    totals = {"valid": 0, "invalid": 0, "stricter": 0}
    for path in files:
        for key, n in check_file(path, failures).items():
            totals[key] += n
    for failure in failures:
        print("FAIL", failure)
    print(f"jsonschema {importlib.metadata.version('jsonschema')}: "
          f"{len(files)} schemas, {totals['valid']} valid, {totals['invalid']} invalid, "
          f"{totals['stricter']} stricter instances; {len(failures)} disagreements")
    if failures:
        return 1
    if args.model_outputs and check_model_outputs(args.model_outputs, args.suite):
        return 1
    if args.unit_tests:
        run = subprocess.run([str(args.unit_tests), "--gtest_filter=JsonSchemaSuite.*"],
                             capture_output=True, text=True, timeout=300)
        print(run.stdout[-4000:], run.stderr[-2000:], sep="")
        if run.returncode != 0 or "[  PASSED  ] 1 test" not in run.stdout:
            print("FAIL the grammar disagrees with jsonschema on the suite (JsonSchemaSuite)")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
