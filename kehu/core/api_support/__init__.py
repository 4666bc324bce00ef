"""What every API route shares, one concept a module: who is calling (`auth`), the error shapes
(`errors`), what a request may hold (`inputs`), ETags and If-Match (`etags`), cursor pages
(`lists`), stable operation ids (`operation_ids`) and trusted output (`output`).

Routes import these names from here (`from kehu.core.api_support import ApiRequest, ...`).
"""

from kehu.core.api_support.auth import AUTH, ApiRequest, BearerAuth, SessionAuth
from kehu.core.api_support.errors import (
    CREATE_ERRORS,
    PATCH_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ConflictOut,
    ErrorOut,
    ValidationErrorOut,
    django_errors,
    install_error_handlers,
    renamed_fields,
    validation_response,
)
from kehu.core.api_support.etags import (
    ETAG_HEADER,
    IF_MATCH,
    WITH_ETAG,
    etag,
    expected_version,
    set_etag,
)
from kehu.core.api_support.inputs import PATH_ID, Input, QueryParams, RowId, check_query_text
from kehu.core.api_support.lists import OwnerFilter, PageParams, owned_by, page_of
from kehu.core.api_support.operation_ids import OPERATION_ID_MODULES, operation_module
from kehu.core.api_support.output import trusted

__all__ = [
    "AUTH",
    "CREATE_ERRORS",
    "ETAG_HEADER",
    "IF_MATCH",
    "OPERATION_ID_MODULES",
    "PATCH_ERRORS",
    "PATH_ID",
    "READ_ERRORS",
    "WITH_ETAG",
    "WRITE_ERRORS",
    "ApiRequest",
    "BearerAuth",
    "ConflictOut",
    "ErrorOut",
    "Input",
    "OwnerFilter",
    "PageParams",
    "RowId",
    "SessionAuth",
    "ValidationErrorOut",
    "check_query_text",
    "QueryParams",
    "django_errors",
    "etag",
    "expected_version",
    "install_error_handlers",
    "operation_module",
    "owned_by",
    "page_of",
    "renamed_fields",
    "set_etag",
    "trusted",
    "validation_response",
]
