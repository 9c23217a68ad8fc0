from django.db import migrations


def seed(apps, schema_editor):
    from memes.services.captions import caption_seed

    caption_seed(caption_model=apps.get_model("memes", "Caption"))


def unseed(apps, schema_editor):
    apps.get_model("memes", "Caption").objects.filter(source="seed").delete()


class Migration(migrations.Migration):
    dependencies = [("memes", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
