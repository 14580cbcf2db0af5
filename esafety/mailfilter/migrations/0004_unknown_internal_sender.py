# The school's choice for mail sent from an address in its domains that esafety's directory
# does not know. Existing schools get the default (hold) too: the filter keeps its old
# behaviour until the next publish carries the choice (engine.py, _unknown_internal_sender).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mailfilter', '0003_filteredmessage'),
    ]

    operations = [
        migrations.AddField(
            model_name='mailfiltersettings',
            name='unknown_internal_sender',
            field=models.CharField(choices=[('hold', 'Hold it for review: nothing goes outside the school until someone has checked it'), ('pupil', 'Treat the sender as a pupil: they may email approved recipients only'), ('staff', "Treat the sender as staff: only if your pupils' addresses are in a separate domain")], default='hold', max_length=10),
        ),
    ]
