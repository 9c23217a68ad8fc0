from django.apps import AppConfig


class MemesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "memes"
