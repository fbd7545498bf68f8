"""Network specs shipped with backprop-sheet, one TOML file each (see README, "Templates")."""
