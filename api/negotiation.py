"""The API speaks JSON whatever the Accept header asks for: no 406, one shape of answer."""

from rest_framework.negotiation import BaseContentNegotiation


class JSONOnlyNegotiation(BaseContentNegotiation):
    def select_parser(self, request, parsers):
        content_type = request.content_type or ""
        for parser in parsers:
            if content_type.split(";")[0].strip().lower() == parser.media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type
