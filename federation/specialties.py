"""The controlled vocabulary of professions and specialties (French, with English labels), part of the protocol.

Profile documents name a practitioner's specialty by its code (PROTOCOL.md §4);
the directory searches by it, and clinic instances choose from it.

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
        "10:SM26 10:SM53 10:SM54",
    ),
    ("allergologie", "Allergologue", "Médecin", "allergie, allergies", "10:SM57"),
    ("anesthesie", "Anesthésiste-réanimateur", "Médecin", "anesthésie, réanimation", "10:SM02 10:SM76"),
    ("cardiologie", "Cardiologue", "Médecin", "cardio, coeur, cardiaque", "10:SM04 10:SM73 10:SM79 10:SM80 10:SM81"),
    (
        "chirurgie-orthopedique",
        "Chirurgien orthopédiste",
        "Médecin",
        "orthopédie, ortho, chirurgie du genou",
        "10:SM08 10:SM70",
    ),
    (
        "chirurgie-viscerale",
        "Chirurgien viscéral et digestif",
        "Médecin",
        "chirurgie digestive",
        "10:SM14 10:SM69 10:SM78",
    ),
    ("dermatologie", "Dermatologue", "Médecin", "dermato, peau, grain de beauté, vénérologue", "10:SM15"),
    ("endocrinologie", "Endocrinologue", "Médecin", "diabétologue, thyroïde, diabète", "10:SM16 10:SM62"),
    ("gastro-enterologie", "Gastro-entérologue", "Médecin", "gastro, hépatologue, coloscopie", "10:SM24"),
    (
        "gynecologie",
        "Gynécologue",
        "Médecin",
        "gynéco, gynécologie médicale, gynécologue obstétricien",
        "10:SM19 10:SM20 10:SM51 10:SM52",
    ),
    ("medecine-physique", "Médecin de médecine physique et réadaptation", "Médecin", "rééducation, MPR", "10:SM29"),
    ("nephrologie", "Néphrologue", "Médecin", "rein, reins, dialyse", "10:SM30 10:SM83"),
    ("neurologie", "Neurologue", "Médecin", "neuro, migraine, épilepsie", "10:SM32 10:SM84"),
    ("ophtalmologie", "Ophtalmologue", "Médecin", "ophtalmo, ophtalmologiste, yeux, oculiste, vue", "10:SM38 10:SM85"),
    ("orl", "ORL", "Médecin", "oto-rhino-laryngologiste, oreille, nez, gorge", "10:SM34 10:SM39 10:SM86"),
    (
        "pediatrie",
        "Pédiatre",
        "Médecin",
        "pédiatrie, enfant, bébé, nourrisson",
        "10:SM40 10:SM87 10:SM88 10:SM89 10:SM90",
    ),
    ("pneumologie", "Pneumologue", "Médecin", "pneumo, poumon, asthme, sommeil", "10:SM41 10:SM91"),
    (
        "psychiatrie",
        "Psychiatre",
        "Médecin",
        "psychiatrie, pédopsychiatre, santé mentale",
        "10:SM42 10:SM43 10:SM92 10:SM93",
    ),
    (
        "radiologie",
        "Radiologue",
        "Médecin",
        "radio, radiographie, échographie, IRM, scanner",
        "10:SM44 10:SM55 10:SM74 10:SM94",
    ),
    ("rhumatologie", "Rhumatologue", "Médecin", "rhumato, arthrose, articulations", "10:SM48"),
    ("urologie", "Urologue", "Médecin", "uro, prostate, vessie", "10:SM12"),
    ("angiologie", "Angiologue", "Médecin", "médecine vasculaire, phlébologue, varices", "10:SM61"),
    ("geriatrie", "Gériatre", "Médecin", "gériatrie, personnes âgées", "10:SM18"),
    ("chirurgie-dentaire", "Chirurgien-dentiste", "Chirurgien-dentiste", "dentiste, dents, dentaire", "40"),
    ("orthodontie", "Orthodontiste", "Chirurgien-dentiste", "orthodontie, appareil dentaire", "40:SCD01"),
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
    ("infirmier", "Infirmier", "Infirmier", "infirmière, IDE, soins infirmiers, prise de sang", "60 69"),
    ("psychologie", "Psychologue", "Psychologue", "psy, psychothérapeute, thérapie", "93"),
    ("dietetique", "Diététicien", "Diététicien", "diététicienne, nutrition, nutritionniste", "95"),
    ("audioprothese", "Audioprothésiste", "Audioprothésiste", "appareil auditif, audition", "26"),
    ("opticien", "Opticien-lunetier", "Opticien-lunetier", "opticien, lunettes, lentilles", "28"),
]

# English labels and the words English speakers type, by code: shown at /en/ and searched in every language.
ENGLISH: dict[str, tuple[str, str]] = {
    "medecine-generale": ("General practitioner", "GP, general practice, family doctor, family medicine, primary care"),
    "allergologie": ("Allergist", "allergy, allergies, allergologist"),
    "anesthesie": ("Anaesthetist", "anesthetist, anesthesiologist, anaesthesia, anesthesia, intensive care"),
    "cardiologie": ("Cardiologist", "cardiology, heart, cardiac"),
    "chirurgie-orthopedique": (
        "Orthopaedic surgeon",
        "orthopedic surgeon, orthopaedics, orthopedics, knee surgery",
    ),
    "chirurgie-viscerale": (
        "Visceral and digestive surgeon",
        "digestive surgery, abdominal surgeon, abdominal surgery",
    ),
    "dermatologie": ("Dermatologist", "dermatology, skin, mole, venereologist"),
    "endocrinologie": ("Endocrinologist", "endocrinology, diabetologist, diabetes, thyroid"),
    "gastro-enterologie": ("Gastroenterologist", "gastroenterology, hepatologist, colonoscopy"),
    "gynecologie": ("Gynaecologist", "gynecologist, gynaecology, gynecology, gyno, obstetrician"),
    "medecine-physique": ("Physical medicine and rehabilitation physician", "rehabilitation, physiatrist"),
    "nephrologie": ("Nephrologist", "nephrology, kidney, kidneys, dialysis"),
    "neurologie": ("Neurologist", "neurology, epilepsy"),
    "ophtalmologie": ("Ophthalmologist", "ophthalmology, eye doctor, eye, eyes, sight"),
    "orl": ("Ear, nose and throat specialist", "ENT, otolaryngologist, ear, nose, throat"),
    "pediatrie": ("Paediatrician", "pediatrician, paediatrics, pediatrics, child, children, baby, infant"),
    "pneumologie": ("Pulmonologist", "pneumologist, respiratory physician, lung, lungs, asthma, sleep"),
    "psychiatrie": ("Psychiatrist", "psychiatry, child psychiatrist, mental health"),
    "radiologie": ("Radiologist", "radiology, xray, x-ray, ultrasound, MRI, CT scan"),
    "rhumatologie": ("Rheumatologist", "rheumatology, arthritis, osteoarthritis, joints"),
    "urologie": ("Urologist", "urology, bladder"),
    "angiologie": ("Vascular physician", "angiologist, vascular medicine, phlebologist, varicose veins"),
    "geriatrie": ("Geriatrician", "geriatrics, elderly"),
    "chirurgie-dentaire": ("Dentist", "dental surgeon, dental, teeth, tooth"),
    "orthodontie": ("Orthodontist", "orthodontics, braces"),
    "sage-femme": ("Midwife", "midwifery, pregnancy, prenatal care"),
    "pharmacie": ("Pharmacist", "pharmacy, chemist"),
    "masso-kinesitherapie": (
        "Physiotherapist",
        "physio, physiotherapy, physical therapist, physical therapy, massage therapist",
    ),
    "pedicurie-podologie": ("Podiatrist", "chiropodist, podiatry, foot, feet"),
    "orthophonie": ("Speech therapist", "speech and language therapist, speech therapy, speech"),
    "orthoptie": ("Orthoptist", "orthoptics, vision therapy"),
    "infirmier": ("Nurse", "nursing, nursing care, blood test"),
    "psychologie": ("Psychologist", "psychotherapist, psychotherapy, counselling, therapy"),
    "dietetique": ("Dietitian", "dietician, nutrition, nutritionist"),
    "audioprothese": ("Hearing aid specialist", "audiologist, hearing aids, hearing"),
    "opticien": ("Optician", "glasses, spectacles, contact lenses"),
}


def label_of(code: str, language: str) -> str:
    """A specialty's label in `language` ("en", "fr", "en-gb"…): French unless English is asked and known."""
    if language.split("-")[0] == "en" and code in ENGLISH:
        return ENGLISH[code][0]
    return next((label for known, label, *_rest in SPECIALTIES if known == code), "")
