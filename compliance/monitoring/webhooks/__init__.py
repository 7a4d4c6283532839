"""Webhooks for practice software: signing, URL safety and delivery."""
