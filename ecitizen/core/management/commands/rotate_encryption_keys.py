"""Re-encrypt every encrypted column under the primary key.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones
after it), restart, run this command, then remove the old keys.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from ecitizen.core.audit import audit_record
from ecitizen.core.crypto import Keyring, keyring
from ecitizen.core.fields import EncryptedTextField
from ecitizen.core.models import AuditAction

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt personal data (and MFA secrets) under the primary key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        ring = keyring()
        totals: dict[str, int] = {}
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            totals[model._meta.label] = self._rotate_model(model, fields, ring)
        totals["mfa.Authenticator"] = self._rotate_mfa(ring)
        with transaction.atomic():
            audit_record(
                actor=None, action=AuditAction.ENCRYPTION_KEYS_ROTATED, extra={"primary": ring.primary, "rows": totals}
            )
        for label, count in totals.items():
            self.stdout.write(f"{label}: {count} rows re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"All encrypted values now use key {ring.primary}."))

    def _rotate_model(self, model, fields, ring: Keyring) -> int:
        names = [f.attname for f in fields]
        changed = 0
        last_pk = None
        while True:
            qs = model._base_manager.order_by("pk")
            if last_pk is not None:
                qs = qs.filter(pk__gt=last_pk)
            batch = list(qs.only("pk", *names)[:BATCH])
            if not batch:
                return changed
            with transaction.atomic():
                for obj in batch:
                    # Reading decrypted with whatever key wrote it; saving encrypts with the primary.
                    model._base_manager.filter(pk=obj.pk).update(**{n: getattr(obj, n) for n in names})
                    changed += 1
            last_pk = batch[-1].pk

    def _rotate_mfa(self, ring: Keyring) -> int:
        from allauth.mfa.adapter import get_adapter
        from allauth.mfa.models import Authenticator

        adapter = get_adapter()  # settings.MFA_ADAPTER, the one that encrypts with our keyring
        changed = 0
        with transaction.atomic():
            for auth in Authenticator.objects.select_for_update().all():
                data = dict(auth.data)
                touched = False
                for key in ("secret", "seed"):
                    value = data.get(key)
                    if isinstance(value, str) and value.startswith("v1.") and Keyring.key_id(value) != ring.primary:
                        data[key] = adapter.encrypt(adapter.decrypt(value))
                        touched = True
                if touched:
                    Authenticator.objects.filter(pk=auth.pk).update(data=data)
                    changed += 1
        return changed
