"""The controlled vocabularies, as the API lists them."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers


class TermSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class VocabularySerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The field name that takes these codes.")
    label = serializers.CharField()
    multiple = serializers.BooleanField(help_text="Whether a record takes several codes.")
    used_by = serializers.ListField(child=serializers.CharField())
    terms = TermSerializer(many=True)


@extend_schema_serializer(many=False)
class TaxonomySerializer(serializers.Serializer):
    vocabularies = VocabularySerializer(many=True)
