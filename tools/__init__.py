"""The course's maintenance commands (`make notebooks`, `make navigation`, `make html`, ...)."""
