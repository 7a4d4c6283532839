"""Country sets the sovereignty and register rules need (ISO 3166-1 alpha-2 codes)."""

EU_MEMBER_STATES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})

# The outermost regions are part of the EU but carry their own ISO codes (French overseas
# departments and Saint-Martin); the overseas countries and territories (NC, PF, PM, WF, BL...)
# are not.
EU_OUTERMOST_REGIONS = frozenset({"GF", "GP", "MF", "MQ", "RE", "YT"})

EEA = EU_MEMBER_STATES | EU_OUTERMOST_REGIONS | frozenset({"IS", "LI", "NO"})
"""Where HDS v2 (EXI 28) allows health data to be stored."""

ADEQUACY_COUNTRIES = frozenset({
    "AD",  # Andorra
    "AR",  # Argentina
    "CA",  # Canada: commercial organisations under PIPEDA only
    "CH",  # Switzerland
    "FO",  # Faroe Islands
    "GB",  # United Kingdom
    "GG",  # Guernsey
    "IL",  # Israel
    "IM",  # Isle of Man
    "JE",  # Jersey
    "JP",  # Japan: private sector
    "KR",  # Republic of Korea
    "NZ",  # New Zealand
    "US",  # United States: only organisations certified under the EU-US Data Privacy Framework
    "UY",  # Uruguay
})
"""Third countries with a European Commission adequacy decision (GDPR art. 45)."""

ADEQUACY_BY_SELF_CERTIFICATION = frozenset({"US"})
"""Adequacy that covers only self-certified recipients (EU-US Data Privacy Framework, decision
(EU) 2023/1795): relying on it means checking the recipient's certification."""
