"""Knowledge-graph completion: models, training, evaluation, scoring and write-back."""
