"""The live call: the wizard (no I/O, asks through an Asker), autosave and rescue, the --answers file."""
