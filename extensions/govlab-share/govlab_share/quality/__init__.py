"""The quality check (품질 점검): re-run a notebook top to bottom in a fresh kernel
before it is shared, and carry the result into the share (README, manifest,
requirements.txt). See docs/share-api.md, "Quality check".
"""
