"""Flask web UI and HTTP API (the app factory arrives with the UI issue)."""
