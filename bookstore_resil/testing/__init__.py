"""Test and practice scaffolding that needs the [testing] extra (moto)."""
