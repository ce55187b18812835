"""Pages for people: templates, message catalogues per language, wording and static assets (no HTTP routing here)."""
