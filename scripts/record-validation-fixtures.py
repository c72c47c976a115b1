#!/usr/bin/python3
"""Record Nova Zed's real JSON-schema validation of image-metadata request
bodies (nova.api.validation with the image_metadata schemas, v2.1 and legacy
v2 mode) into translate/testdata/metadata_validation.json, as the oracle of
imagegw's validator unit test. Needs Debian's python3-nova (Zed):

    apt-get install python3-nova && scripts/record-validation-fixtures.py
"""
import json
import os
import warnings

warnings.filterwarnings("ignore")
from nova.api.openstack.compute.schemas import image_metadata as schemas  # noqa: E402
from nova.api.validation import validators  # noqa: E402
import nova  # noqa: E402

BODIES = [
    'null', '[]', '{}', '1', '1.5', 'true', '"str"', '{"metadata": null}', '{"metadata": "x"}',
    '{"metadata": []}', '{"metadata": 1}', '{"metadata": {}}', '{"metadata": {"a": "1"}}',
    '{"metadata": {"a": 1}}', '{"metadata": {"a": 1.5}}', '{"metadata": {"a": null}}',
    '{"metadata": {"a": true}}', '{"metadata": {"a": [1, "x"]}}', '{"metadata": {"a": {"b": "c"}}}',
    '{"metadata": {"a": "' + 'v' * 255 + '"}}', '{"metadata": {"a": "' + 'v' * 256 + '"}}',
    '{"metadata": {"' + 'k' * 255 + '": "v"}}', '{"metadata": {"' + 'k' * 256 + '": "v"}}',
    '{"metadata": {"a/b": "1"}}', '{"metadata": {"a/b": "1", "c$": "2"}}', '{"metadata": {"": "1"}}',
    '{"metadata": {"\\u00e9": "1"}}', '{"metadata": {"ok": "1", "a/b": "2"}}', '{"metadata": {"a": "\\u00e9"}}',
    '{"metadata": {"key with spaces": "v", "k.e:y-_": "v"}}', '{"metadata": {"abc\\n": "v"}}',
    '{"metadata": {"a": 1, "b": 2}}', '{"metadata": {"b": 2, "a": "x"}}', '{"metadata": {"a/b": 1}}',
    '{"metadata": {}, "extra": 1}', '{"metadata": {}, "x": 1, "b": 2}', '{"extra": 1}',
    '{"metadata": {"a": "1"}, "meta": {"a": "1"}}', '{"meta": {"a": "1"}}', '{"meta": {}}',
    '{"meta": {"a": "1", "b": "2"}}', '{"meta": {"a": 1}}', '{"meta": {"a/b": "1"}}', '{"meta": "x"}',
    '{"meta": {"\\u00e9": "1", "a": "2"}}', '{"meta": {"a": "1"}, "x": 1}', '{"meta": null}',
    '{"metadata": {"a": "it\'s"}}', '{"metadata": {"a": 1}, "x": 2}', '{"metadata": {"q\\"": "1"}}',
    '{"metadata": {"a": "1", "a": 2}}', '{"metadata": {"a": -0.0}}', '{"metadata": {"a": 1e400}}',
    '{"metadata": {"a": 100000000000000000000}}', '{"metadata": {"a": 1.0}}', '{"metadata": {"a": 2.5e-7}}',
]


def validate(schema, body, legacy):
    v = validators._SchemaValidator(schema, relax_additional_properties=legacy)
    try:
        v.validate(body)
        return None, body
    except Exception as e:  # nova.exception.ValidationError
        return e.kwargs.get("detail", str(e)), None


cases = []
for raw in BODIES:
    for route, schema in (("metadata", schemas.create), ("meta", schemas.update)):
        for legacy in (False, True):
            body = json.loads(raw)
            err, stripped = validate(schema, body, legacy)
            cases.append({"body": raw, "route": route, "legacy": legacy, "error": err,
                          # legacy mode strips unknown top-level keys
                          "valid_body": json.dumps(stripped) if err is None else None})
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "translate", "testdata",
                   "metadata_validation.json")
with open(out, "w") as f:
    json.dump({"nova": nova.__path__[0], "cases": cases}, f, indent=1)
print("recorded %d validation cases -> %s" % (len(cases), os.path.normpath(out)))
