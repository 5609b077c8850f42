"""Classification steps: extraction, backends, review, training."""
