"""The error shape, as serializers: used only to document it in the OpenAPI schema."""

from rest_framework import serializers

from api.exceptions import ERROR_TYPES


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="The field the error is about, or null for the whole request."
    )
    code = serializers.CharField(help_text="A stable, machine-readable code.")
    message = serializers.CharField(help_text="A message for people, in the request language.")


class ErrorSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[(t, t) for t in ERROR_TYPES])
    errors = ErrorItemSerializer(many=True)
