"""Print the API's OpenAPI schema: `python -m kehu.api_schema > docs/openapi.json`.

The committed docs/openapi.json must equal this output (a test checks it).
"""

import json
import os
import sys


def schema_text() -> str:
    """The OpenAPI schema as stable, human-diffable JSON (sorted keys, trailing newline)."""
    from kehu.api import api

    schema = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    import django

    django.setup()
    sys.stdout.write(schema_text())


if __name__ == "__main__":
    main()
