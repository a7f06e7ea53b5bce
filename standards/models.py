"""CASE 1.1 competency frameworks (1EdTech Competencies and Academic Standards Exchange).

One imported CFPackage is one `CFDocument` with its `CFItem`s, `CFAssociation`s and
definitions (`CFDefinition`). Identifiers are the package's own (CASE identifiers are UUIDs,
globally unique), so a re-import of the same package updates its rows in place.

Every row keeps the fields CASE 1.1 defines as columns (what we query and serve) and the
object exactly as the source carried it in `source` (extra fields real exports carry, such as
OpenSALT's `CFPackageURI`/`CFDocumentURI`, are kept there and nowhere else).

Associations keep both ends as the package states them (identifier, uri, title, targetType)
and, when the end is an item we hold, a foreign key to it: an end outside what we hold (an
item of another framework) is an external link, kept, never dropped. An end that is the
document itself (the top `isChildOf` edges) has no item.
"""

from django.db import models
from django.utils import timezone


class DefinitionKind(models.TextChoices):
    SUBJECT = "CFSubject"
    CONCEPT = "CFConcept"
    ITEM_TYPE = "CFItemType"
    LICENSE = "CFLicense"
    ASSOCIATION_GROUPING = "CFAssociationGrouping"


# CASE 1.1 association types (ext: types are allowed too, so this is not a closed choice).
ASSOCIATION_TYPES = (
    "isChildOf",
    "isPeerOf",
    "isPartOf",
    "exactMatchOf",
    "precedes",
    "isRelatedTo",
    "replacedBy",
    "exemplar",
    "hasSkillLevel",
    "isTranslationOf",
)

IDENTIFIER_LENGTH = 255
URI_LENGTH = 2048


class CFDocument(models.Model):
    """The root of a framework: one per imported CFPackage."""

    identifier = models.CharField(max_length=IDENTIFIER_LENGTH, unique=True)
    uri = models.CharField(max_length=URI_LENGTH, db_index=True)
    title = models.TextField()
    creator = models.TextField(blank=True, default="")
    publisher = models.TextField(blank=True, default="")
    description = models.TextField(blank=True, default="")
    framework_type = models.TextField(blank=True, default="")
    case_version = models.CharField(max_length=16, blank=True, default="")
    official_source_url = models.TextField(blank=True, default="")
    version = models.TextField(blank=True, default="")
    language = models.CharField(max_length=64, blank=True, default="")
    adoption_status = models.CharField(max_length=64, blank=True, default="")
    subject = models.JSONField(default=list, blank=True)
    subject_uri = models.JSONField(default=list, blank=True)
    license_uri = models.JSONField(null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    status_start_date = models.DateField(null=True, blank=True)
    status_end_date = models.DateField(null=True, blank=True)
    last_change_date_time = models.DateTimeField()
    extensions = models.JSONField(null=True, blank=True)
    # The package-level parts we do not model: CFRubrics and the package's extensions.
    rubrics = models.JSONField(default=list, blank=True)
    package_extensions = models.JSONField(null=True, blank=True)
    source = models.JSONField(default=dict, blank=True, help_text="The CFDocument as imported.")
    source_url = models.TextField(
        blank=True, default="", help_text="Where the package was fetched from, if a URL."
    )
    imported_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = "CFDocument (framework)"

    def __str__(self):
        return self.title


class CFItem(models.Model):
    """A statement of the framework: a standard, a domain, a grade, a skill..."""

    document = models.ForeignKey(CFDocument, on_delete=models.CASCADE, related_name="items")
    identifier = models.CharField(max_length=IDENTIFIER_LENGTH, unique=True)
    uri = models.CharField(max_length=URI_LENGTH, db_index=True)
    full_statement = models.TextField()
    alternative_label = models.TextField(blank=True, default="")
    cf_item_type = models.TextField(blank=True, default="")
    cf_item_type_uri = models.JSONField(null=True, blank=True)
    human_coding_scheme = models.TextField(blank=True, default="", db_index=True)
    list_enumeration = models.TextField(blank=True, default="")
    abbreviated_statement = models.TextField(blank=True, default="")
    concept_keywords = models.JSONField(default=list, blank=True)
    concept_keywords_uri = models.JSONField(null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    subject = models.JSONField(default=list, blank=True)
    subject_uri = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=64, blank=True, default="")
    education_level = models.JSONField(default=list, blank=True)
    license_uri = models.JSONField(null=True, blank=True)
    status_start_date = models.DateField(null=True, blank=True)
    status_end_date = models.DateField(null=True, blank=True)
    last_change_date_time = models.DateTimeField()
    extensions = models.JSONField(null=True, blank=True)
    position = models.IntegerField(default=0, help_text="Order in the package as imported.")
    source = models.JSONField(default=dict, blank=True, help_text="The CFItem as imported.")

    class Meta:
        ordering = ["document_id", "position", "id"]
        indexes = [models.Index(fields=["document", "position"])]
        verbose_name = "CFItem"

    def __str__(self):
        return f"{self.human_coding_scheme or self.identifier}: {self.full_statement[:60]}"


class CFAssociation(models.Model):
    """A typed edge between two nodes (origin `associationType` destination)."""

    document = models.ForeignKey(CFDocument, on_delete=models.CASCADE, related_name="associations")
    identifier = models.CharField(max_length=IDENTIFIER_LENGTH, unique=True)
    uri = models.CharField(max_length=URI_LENGTH)
    association_type = models.CharField(max_length=255, db_index=True)
    sequence_number = models.IntegerField(null=True, blank=True)
    origin_identifier = models.CharField(max_length=IDENTIFIER_LENGTH, db_index=True)
    origin_uri = models.CharField(max_length=URI_LENGTH, blank=True, default="")
    origin_title = models.TextField(blank=True, default="")
    origin_target_type = models.CharField(max_length=255, blank=True, default="")
    origin_item = models.ForeignKey(
        CFItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    destination_identifier = models.CharField(max_length=IDENTIFIER_LENGTH, db_index=True)
    destination_uri = models.CharField(max_length=URI_LENGTH, blank=True, default="")
    destination_title = models.TextField(blank=True, default="")
    destination_target_type = models.CharField(max_length=255, blank=True, default="")
    destination_item = models.ForeignKey(
        CFItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    grouping_uri = models.JSONField(null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    last_change_date_time = models.DateTimeField()
    extensions = models.JSONField(null=True, blank=True)
    position = models.IntegerField(default=0, help_text="Order in the package as imported.")
    source = models.JSONField(default=dict, blank=True, help_text="The CFAssociation as imported.")

    class Meta:
        ordering = ["document_id", "position", "id"]
        indexes = [models.Index(fields=["document", "association_type"])]
        verbose_name = "CFAssociation"

    def __str__(self):
        return f"{self.origin_title or self.origin_identifier} {self.association_type} {self.destination_title or self.destination_identifier}"


class CFDefinition(models.Model):
    """A definition the package carried (CFSubject, CFConcept, CFItemType, CFLicense,
    CFAssociationGrouping): its CASE 1.1 fields as a JSON row, keyed by identifier within
    the package that carried it (two packages may carry the same definition)."""

    document = models.ForeignKey(CFDocument, on_delete=models.CASCADE, related_name="definitions")
    kind = models.CharField(max_length=32, choices=DefinitionKind.choices)
    identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    uri = models.CharField(max_length=URI_LENGTH, blank=True, default="")
    title = models.TextField(blank=True, default="")
    last_change_date_time = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, help_text="The definition as imported.")
    position = models.IntegerField(default=0)

    class Meta:
        ordering = ["document_id", "kind", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "kind", "identifier"], name="standards_definition_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "identifier"])]
        verbose_name = "CFDefinition"

    def __str__(self):
        return f"{self.kind} {self.title or self.identifier}"
