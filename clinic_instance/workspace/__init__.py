"""The clinic's staff workspace: agendas, patients, and the clinic's settings (issue 5)."""
