from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    """The closed loop: standardized test results (NWEA MAP Growth, state tests) imported as OneRoster assessment results, usage between two tests from the rollups, and the statistics that say whether time in an app went with growth."""

    name = "outcomes"
