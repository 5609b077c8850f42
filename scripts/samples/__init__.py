"""Sample data for the demo and the benchmark: form templates, filled forms, inbox, bulk.

`scripts/make_samples.py` is the entry point that writes the committed files. All people,
companies and accounts are fictitious (bank code 99999999 does not exist).
"""
