"""Shorthands for documenting viewsets with drf-spectacular."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema


def crud_schema(
    noun: str,
    read,
    create=None,
    update=None,
    *,
    lookup: str = "slug",
    description: str = "",
    delete: bool = True,
    plural: str | None = None,
) -> dict:
    """extend_schema for list / retrieve / create / update / partial_update / destroy."""
    plural = plural or f"{noun}s"
    path = []
    if lookup == "id":
        path = [
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=f"The {noun}'s id."
            )
        ]
    schemas = {
        "list": extend_schema(summary=f"List {plural}", description=description, responses=read),
        "retrieve": extend_schema(
            summary=f"One {noun}", description=description, parameters=path, responses=read
        ),
    }
    if create is not None:
        schemas["create"] = extend_schema(
            summary=f"Create a {noun}", request=create, responses={201: read}
        )
    if update is not None:
        schemas["update"] = extend_schema(
            summary=f"Replace a {noun}'s editable fields",
            parameters=path,
            request=update,
            responses=read,
        )
        schemas["partial_update"] = extend_schema(
            summary=f"Change some of a {noun}'s fields",
            parameters=path,
            request=update,
            responses=read,
        )
    if delete:
        schemas["destroy"] = extend_schema(
            summary=f"Delete a {noun}", parameters=path, request=None, responses={204: None}
        )
    return schemas
