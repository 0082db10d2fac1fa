"""The public transparency log: entries, their Merkle tree as tiles, signed checkpoints, witnesses.

An entry is first written to ``PendingEntry`` inside the transaction of the act it records (the
outbox), so it exists exactly when the act does. The worker then *integrates* pending entries in
batches: it gives each the next index, appends it to ``LogEntry`` and updates the tree's tiles and
``LogState``. Checkpoints sign a tree size and root; witnesses cosign them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecitizen.core.fields import EncryptedTextField
from ecitizen.ledger import merkle, note


class PendingEntry(models.Model):
    """An entry written with the act it records, waiting to be given its place in the log."""

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["key", "kind"], name="ledger_pending_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class LogEntry(models.Model):
    """One entry of the log, at its permanent position ``index`` (0, 1, 2…)."""

    index = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    data = models.BinaryField()
    queued_at = models.DateTimeField()
    integrated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["index"]
        indexes = [
            models.Index(fields=["key", "index"], name="ledger_entry_key"),
            models.Index(fields=["kind", "index"], name="ledger_entry_kind"),
        ]
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")

    def __str__(self) -> str:
        return f"{self.index} {self.kind} {self.key}"

    @property
    def text(self) -> str:
        return bytes(self.data).decode("utf-8")

    @property
    def leaf_hash(self) -> bytes:
        return merkle.leaf_hash(bytes(self.data))


class LogTile(models.Model):
    """The bottom row of one tlog tile: level ``8 * level`` hashes ``index * 256 …``, 32 bytes each.

    A full tile (256 hashes) never changes; the rightmost tile of each level grows as entries
    arrive.
    """

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hashes = models.BinaryField()
    # The levels above the bottom row inside the tile (merkle.tile_inner), so that a proof reads
    # every hash it needs instead of computing hundreds of them. Not served: clients compute them.
    inner = models.BinaryField(default=b"")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="ledger_tile_unique")]

    def __str__(self) -> str:
        return f"tile {self.level}/{self.index}"

    @property
    def width(self) -> int:
        return len(self.hashes) // merkle.HASH_SIZE


class LogState(models.Model):
    """The one row holding the tree's size and root; integrating changes it by compare-and-set."""

    size = models.BigIntegerField(default=0)
    root = models.BinaryField(default=merkle.EMPTY_ROOT)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.size)


class LogKey(models.Model):
    """An Ed25519 key that signs checkpoints, separate from the document-signing keys.

    One key is active. After a rotation the retired key keeps co-signing checkpoints for
    ``LEDGER_KEY_OVERLAP`` so verifiers who pinned it have time to learn the new one.
    """

    name = models.CharField(max_length=255)
    private_key = EncryptedTextField()
    public_key = models.BinaryField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="ledger_key_one_active"),
        ]
        verbose_name = _("log signing key")

    def __str__(self) -> str:
        return self.vkey

    @property
    def vkey(self) -> str:
        return note.vkey(self.name, bytes(self.public_key))


class SignedCheckpoint(models.Model):
    """A checkpoint the log signed: ``text`` is the checkpoint body, ``note`` body plus log signatures."""

    size = models.BigIntegerField()
    root = models.BinaryField()
    text = models.TextField()
    note = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-size", "-id"]
        constraints = [models.UniqueConstraint(fields=["size"], name="ledger_checkpoint_size")]
        get_latest_by = "size"

    def __str__(self) -> str:
        return f"{self.size}"


class Witness(models.Model):
    """A witness the log's operator registered: its cosignatures are published with checkpoints."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    vkey = models.CharField(_("verifier key"), max_length=400, unique=True)
    url = models.URLField(_("web address"), blank=True)
    description = models.CharField(_("who runs it"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("witness")
        verbose_name_plural = _("witnesses")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            verifier = note.parse_vkey(self.vkey)
        except note.NoteError as exc:
            raise ValidationError({"vkey": _("This is not a verifier key: %(error)s") % {"error": exc}}) from exc
        if verifier.alg != note.ALG_COSIGNATURE_V1:
            raise ValidationError({"vkey": _("This is not a witness key (cosignature/v1).")})
        if verifier.name != self.name:
            message = _("The name must be the one in the witness's key: %(name)s") % {"name": verifier.name}
            raise ValidationError({"name": message})

    def verifier(self) -> note.Verifier:
        return note.parse_vkey(self.vkey)


class Cosignature(models.Model):
    checkpoint = models.ForeignKey(SignedCheckpoint, on_delete=models.CASCADE, related_name="cosignatures")
    witness = models.ForeignKey(Witness, on_delete=models.PROTECT, related_name="cosignatures")
    line = models.TextField()
    signed_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["witness__name"]
        constraints = [models.UniqueConstraint(fields=["checkpoint", "witness"], name="ledger_cosignature_once")]

    def __str__(self) -> str:
        return f"{self.witness_id} {self.checkpoint_id}"
