"""The directory's controlled vocabulary of professions and specialties (French).

Codes are ours and stable. The last column maps the national directory's
profession codes (Annuaire Santé, TRE_G15) where they identify the entry on
their own; specialties of physicians (profession 10) are mapped by the
open-data import from their know-how codes.
"""

SPECIALTIES: list[tuple[str, str, str, str, str]] = [
    # (code, label, profession, synonyms patients type, Annuaire Santé codes)
    (
        "medecine-generale",
        "Médecin généraliste",
        "Médecin",
        "généraliste, médecin traitant, medecin de famille, MG",
        "",
    ),
    ("allergologie", "Allergologue", "Médecin", "allergie, allergies", ""),
    ("anesthesie", "Anesthésiste-réanimateur", "Médecin", "anesthésie, réanimation", ""),
    ("cardiologie", "Cardiologue", "Médecin", "cardio, coeur, cardiaque", ""),
    ("chirurgie-orthopedique", "Chirurgien orthopédiste", "Médecin", "orthopédie, ortho, chirurgie du genou", ""),
    ("chirurgie-viscerale", "Chirurgien viscéral et digestif", "Médecin", "chirurgie digestive", ""),
    ("dermatologie", "Dermatologue", "Médecin", "dermato, peau, grain de beauté, vénérologue", ""),
    ("endocrinologie", "Endocrinologue", "Médecin", "diabétologue, thyroïde, diabète", ""),
    ("gastro-enterologie", "Gastro-entérologue", "Médecin", "gastro, hépatologue, coloscopie", ""),
    ("gynecologie", "Gynécologue", "Médecin", "gynéco, gynécologie médicale, gynécologue obstétricien", ""),
    ("medecine-physique", "Médecin de médecine physique et réadaptation", "Médecin", "rééducation, MPR", ""),
    ("nephrologie", "Néphrologue", "Médecin", "rein, reins, dialyse", ""),
    ("neurologie", "Neurologue", "Médecin", "neuro, migraine, épilepsie", ""),
    ("ophtalmologie", "Ophtalmologue", "Médecin", "ophtalmo, ophtalmologiste, yeux, oculiste, vue", ""),
    ("orl", "ORL", "Médecin", "oto-rhino-laryngologiste, oreille, nez, gorge", ""),
    ("pediatrie", "Pédiatre", "Médecin", "pédiatrie, enfant, bébé, nourrisson", ""),
    ("pneumologie", "Pneumologue", "Médecin", "pneumo, poumon, asthme, sommeil", ""),
    ("psychiatrie", "Psychiatre", "Médecin", "psychiatrie, pédopsychiatre, santé mentale", ""),
    ("radiologie", "Radiologue", "Médecin", "radio, radiographie, échographie, IRM, scanner", ""),
    ("rhumatologie", "Rhumatologue", "Médecin", "rhumato, arthrose, articulations", ""),
    ("urologie", "Urologue", "Médecin", "uro, prostate, vessie", ""),
    ("angiologie", "Angiologue", "Médecin", "médecine vasculaire, phlébologue, varices", ""),
    ("geriatrie", "Gériatre", "Médecin", "gériatrie, personnes âgées", ""),
    ("chirurgie-dentaire", "Chirurgien-dentiste", "Chirurgien-dentiste", "dentiste, dents, dentaire", "40"),
    ("orthodontie", "Orthodontiste", "Chirurgien-dentiste", "orthodontie, appareil dentaire", ""),
    ("sage-femme", "Sage-femme", "Sage-femme", "maïeuticien, grossesse, suivi de grossesse", "50"),
    ("pharmacie", "Pharmacien", "Pharmacien", "pharmacie", "21"),
    (
        "masso-kinesitherapie",
        "Masseur-kinésithérapeute",
        "Masseur-kinésithérapeute",
        "kiné, kinésithérapeute, kinésithérapie, rééducation",
        "70",
    ),
    ("pedicurie-podologie", "Pédicure-podologue", "Pédicure-podologue", "podologue, pédicure, pieds", "80"),
    ("orthophonie", "Orthophoniste", "Orthophoniste", "orthophonie, langage, parole", "91"),
    ("orthoptie", "Orthoptiste", "Orthoptiste", "orthoptie, rééducation visuelle", "92"),
    ("infirmier", "Infirmier", "Infirmier", "infirmière, IDE, soins infirmiers, prise de sang", "60"),
    ("psychologie", "Psychologue", "Psychologue", "psy, psychothérapeute, thérapie", ""),
    ("dietetique", "Diététicien", "Diététicien", "diététicienne, nutrition, nutritionniste", ""),
    ("audioprothese", "Audioprothésiste", "Audioprothésiste", "appareil auditif, audition", ""),
    ("opticien", "Opticien-lunetier", "Opticien-lunetier", "opticien, lunettes, lentilles", ""),
]
