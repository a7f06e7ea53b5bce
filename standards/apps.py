from django.apps import AppConfig


class StandardsConfig(AppConfig):
    """CASE 1.1 competency frameworks: imported CFPackages (documents, items, associations, definitions), served at /ims/case/v1p1/, and the alignment of lessons and line items to their items."""

    name = "standards"
