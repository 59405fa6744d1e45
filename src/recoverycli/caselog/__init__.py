"""After the call: the case record, changes, filters, follow-ups and .ics, export, report figures, the watch feed,
crises."""
