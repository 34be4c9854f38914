"""Patient handouts: YAML content -> validated model -> printable, fill-in PDFs."""
