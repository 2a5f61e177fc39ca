# The Scenario model, moved here from the capacity app: its table (capacity_scenario) and its
# rows stay, so this creates it in Django's state only. The content type moves with it, so
# the permissions already granted on it (view, add, change, delete, apply) keep working.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_move(apps, schema_editor, *, old, new):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    if ContentType.objects.using(db).filter(app_label=new, model='scenario').exists():
        return
    ContentType.objects.using(db).filter(app_label=old, model='scenario').update(app_label=new)


def forwards(apps, schema_editor):
    content_type_move(apps, schema_editor, old='capacity', new='scenarios')


def backwards(apps, schema_editor):
    content_type_move(apps, schema_editor, old='scenarios', new='capacity')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('capacity', '0005_scenario_to_scenarios_app'),
        ('clinics', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Scenario',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('document', models.JSONField(help_text='The scenario file (DESIGN §4).')),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed'), ('applied', 'Applied')], default='draft', max_length=8)),
                        ('progress_done', models.PositiveIntegerField(default=0)),
                        ('progress_total', models.PositiveIntegerField(default=0)),
                        ('problems', models.JSONField(blank=True, default=list)),
                        ('results', models.JSONField(blank=True, null=True)),
                        ('ran_document', models.JSONField(blank=True, help_text='The file the results were computed for.', null=True)),
                        ('network_snapshot', models.JSONField(blank=True, help_text='The network file the results were computed on.', null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('ran_at', models.DateTimeField(blank=True, null=True)),
                        ('applied_at', models.DateTimeField(blank=True, null=True)),
                        ('applied_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('applied_import', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='clinics.networkimport')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'capacity_scenario',
                        'ordering': ['-updated_at', '-pk'],
                        'permissions': [('apply_scenario', 'Can apply a scenario to the network')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
