"""The bottom layer: what every app needs and nothing app-specific (the controlled
vocabularies, shared errors). It imports no other app of the project."""
