from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("signing", "0001_signed_request_nonce"),
        ("intake_telephony", "0003_signed_request_nonce_moved_to_signing"),
    ]

    operations = [
        # renames intake_telephony_signedrequestnonce to signing_signedrequestnonce, rows kept
        migrations.AlterModelTable(name="signedrequestnonce", table=None),
    ]
