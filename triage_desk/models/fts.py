"""FTS5 tables are created by hand in migrations (Alembic cannot model virtual tables).

`include_object` keeps them and their shadow tables out of autogenerate and `compare_metadata`:
    context.configure(..., include_object=include_object)
"""

from __future__ import annotations

import re

FTS_TABLE = re.compile(r"^\w+_fts(_data|_idx|_docsize|_config|_content)?$")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and reflected and compare_to is None and FTS_TABLE.match(name or ""))
