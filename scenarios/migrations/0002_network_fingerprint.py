# A run stores the fingerprint of the network file it was computed on, beside the file itself:
# the scenario list tells a stale run from the current network's fingerprint alone, without
# reading every snapshot. Runs made before this get theirs from their stored snapshot.

import hashlib
import json

from django.db import migrations, models


def fingerprint(document):
    # As scenarios.compute.network_fingerprint computes it; kept here as it was at this
    # migration, so that the migration means the same whatever that function becomes.
    text = json.dumps(document, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def backfill(apps, schema_editor):
    Scenario = apps.get_model('scenarios', 'Scenario')
    db = schema_editor.connection.alias
    rows = Scenario.objects.using(db).filter(network_snapshot__isnull=False)
    for pk, snapshot in rows.values_list('pk', 'network_snapshot').iterator(chunk_size=50):
        Scenario.objects.using(db).filter(pk=pk).update(network_fingerprint=fingerprint(snapshot))


class Migration(migrations.Migration):

    dependencies = [
        ('scenarios', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='scenario',
            name='network_fingerprint',
            field=models.CharField(blank=True, help_text='compute.network_fingerprint of the snapshot: tells a stale run without reading it.', max_length=64),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
