"""Parses a metrics exposition with the Prometheus project's own Python parsers and prints the
families as JSON: `python3 parse_exposition.py prometheus|openmetrics < text`. A text the parser
rejects exits 1 with the parser's error on stderr."""
import json
import sys

fmt = sys.argv[1]
if fmt == "openmetrics":
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
else:
    from prometheus_client.parser import text_string_to_metric_families

try:
    families = [
        {
            "name": f.name,
            "type": f.type,
            "help": f.documentation,
            "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples],
        }
        for f in text_string_to_metric_families(sys.stdin.read())
    ]
except Exception as e:  # the parser's own error, for the test's message
    print(f"{type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
print(json.dumps(families))
