"""Widgets of the review screen, one module per region: the queue, the site, the checklist."""
