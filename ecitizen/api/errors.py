"""The error bodies every operation of the API may answer with, and their place in the OpenAPI document.

Besides what each operation declares, any operation may answer:

* **400** with :class:`ValidationErrorOut` when its parameters or body do not validate
  (``?limit=abc``, a missing field, JSON that does not parse);
* **401** with :class:`ErrorOut` when it needs a signed-in person and there is none;
* **403** with :class:`ErrorOut` when it changes something (POST, PUT, PATCH, DELETE) and the
  request carries no valid CSRF token.

:func:`document_common_errors` adds those answers to every operation of the generated
document, so that clients (and the contract test, ``tests/test_api_contract.py``) know them.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

REF = "#/components/schemas/{model}"
UNSAFE_METHODS = {"post", "put", "patch", "delete"}


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in the signed-in person's language.")
    code: str = Field("", description="A stable code for programs: not_found, invalid_amount, …")


class ValidationErrorItem(Schema):
    type: str = Field(description="Which rule failed, for programs: int_parsing, missing, less_than_equal, …")
    loc: list[str | int] = Field(description="Where: the part of the request, then the field.")
    msg: str = Field(description="The rule that failed, in English.")


class ValidationErrorOut(Schema):
    detail: str = Field(description="That the request is not valid, in the person's language.")
    errors: list[ValidationErrorItem]


def _response(description: str, model: type[Schema]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}},
    }


def document_common_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the common error answers (400, 401, 403) to every operation of an OpenAPI *schema*."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorOut, ValidationErrorOut):
        definition = model.model_json_schema(ref_template=REF)
        components.update(definition.pop("$defs", {}))
        components.setdefault(model.__name__, definition)
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            declared = {str(code) for code in responses}

            def add(code: int, answer: dict[str, Any], responses=responses, declared=declared) -> None:
                if str(code) not in declared:  # django-ninja keys them by int
                    responses[code] = answer

            add(400, _response("The parameters or the body are not valid.", ValidationErrorOut))
            if operation.get("security"):
                add(401, _response("Sign in first.", ErrorOut))
                if method.lower() in UNSAFE_METHODS:
                    add(403, _response("The CSRF token is missing or wrong.", ErrorOut))
    return schema
