"""REST API for memes: APIViews with nested Input serializers calling memes.services/selectors."""
