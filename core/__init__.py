"""The bottom layer: shared plumbing that imports no Timeback app.

DRF authentication and scopes, the OneRoster query/paging/error machinery, the generic
OneRoster resource views, admin base classes, domain exceptions and small pure helpers.
Every app may import it; it imports none of them (docs/architecture.md, checked by
`make lint`). What it needs from an app comes through a setting naming a function
(e.g. `PARTNER_APP_FOR_CLIENT`), so the dependency points down.
"""
