"""Role groups used by the process declarations (codes from accounts.models.Role)."""

TOWNSHIP = frozenset({"township_officer"})
COUNTY = frozenset({"county_officer", "county_head"})
COUNTY_HEAD = frozenset({"county_head"})
OFFICERS = TOWNSHIP | COUNTY
SYSTEM = frozenset({"system"})
