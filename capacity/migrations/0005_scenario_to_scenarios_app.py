# The Scenario model moved to the scenarios app (scenarios/migrations/0001_initial.py), which
# sits above marketing. Its table stays where it is, as capacity_scenario: only Django's state
# forgets it here, and the scenarios app takes it over.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('capacity', '0004_scenario'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Scenario')],
            database_operations=[],
        ),
    ]
