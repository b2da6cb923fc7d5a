"""Build scripts: pin check and patching of AVIV's spec (prepare_spec), client generation (generate)."""
