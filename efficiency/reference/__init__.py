"""Numbers from elsewhere, with their sources (no torch at import): published accuracy tables,
the seed papers' claims, and claimed-versus-measured comparisons."""
