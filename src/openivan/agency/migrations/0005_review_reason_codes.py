"""Review reasons become codes, shown in the reader's language: the rows written before kept
the Vietnamese sentence itself, the only reason there was."""

from django.db import migrations, models

OLD_TEXT, CODE = "đơn vị chưa có mã đơn vị BHXH", "no_unit_code"


def to_codes(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("agency", "Dossier").objects.filter(review_reason=OLD_TEXT).update(
        review_reason=CODE)


def to_text(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("agency", "Dossier").objects.filter(review_reason=CODE).update(
        review_reason=OLD_TEXT)


class Migration(migrations.Migration):

    dependencies = [
        ("agency", "0004_console_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dossier",
            name="review_reason",
            field=models.CharField(blank=True, choices=[
                ("no_unit_code", "the unit has no BHXH unit code yet")], max_length=300),
        ),
        migrations.RunPython(to_codes, to_text),
    ]
