"""The directory: public practitioner profiles; never an appointment or a patient."""
