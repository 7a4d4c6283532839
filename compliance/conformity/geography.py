"""Territories the sovereignty and register rules need (ISO 3166-1 alpha-2 codes).

Which third countries benefit from an adequacy decision is a question of dates, answered by
`adequacy`.
"""

EU_MEMBER_STATES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})

# The outermost regions are part of the EU but carry their own ISO codes (French overseas
# departments and Saint-Martin); the overseas countries and territories (NC, PF, PM, WF, BL...)
# are not. The Åland Islands are Finnish territory inside the EU (with a tax derogation) under
# their own code.
EU_OUTERMOST_REGIONS = frozenset({"GF", "GP", "MF", "MQ", "RE", "YT"})
EU_TERRITORIES_WITH_OWN_CODE = EU_OUTERMOST_REGIONS | frozenset({"AX"})

EEA = EU_MEMBER_STATES | EU_TERRITORIES_WITH_OWN_CODE | frozenset({"IS", "LI", "NO"})
"""Where HDS v2 (EXI 28) allows health data to be stored."""
