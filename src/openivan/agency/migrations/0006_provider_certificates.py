"""Providers' certificates get rows of their own, to be added and removed one by one and
watched for their end. Those registered before are known by their thumbprint only."""

import django.db.models.deletion
from django.db import migrations, models


def from_thumbprints(apps, schema_editor):  # type: ignore[no-untyped-def]
    rows = apps.get_model("agency", "ProviderCertificate")
    for provider in apps.get_model("agency", "IvanProvider").objects.all():
        rows.objects.bulk_create(
            rows(provider=provider, thumbprint=thumbprint, added_at=provider.created_at)
            for thumbprint in provider.certificate_thumbprints)


class Migration(migrations.Migration):

    dependencies = [
        ('agency', '0005_review_reason_codes'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProviderCertificate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('thumbprint', models.CharField(max_length=64)),
                ('subject', models.CharField(blank=True, max_length=500)),
                ('serial', models.CharField(blank=True, max_length=64)),
                ('valid_to', models.DateTimeField(blank=True, null=True)),
                ('added_at', models.DateTimeField()),
                ('provider', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='certificates', to='agency.ivanprovider')),
            ],
            options={
                'ordering': ['added_at', 'id'],
                'constraints': [models.UniqueConstraint(fields=('provider', 'thumbprint'), name='provider_certificate_once')],
            },
        ),
        migrations.RunPython(from_thumbprints, migrations.RunPython.noop),
    ]
