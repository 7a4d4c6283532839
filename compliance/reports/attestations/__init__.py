"""Signed attestations: an organisation's conformity answer as a compact JWS anyone can verify."""
