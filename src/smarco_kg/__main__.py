"""``python -m smarco_kg`` runs the command line."""

from smarco_kg.command import main

if __name__ == "__main__":  # worker processes re-import this module; only the parent runs the command
    main()
