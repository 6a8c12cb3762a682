"""Word lists of the synthetic directory: French names, streets, practices (our own lists, no licence needed).

Surnames are the most frequent in France (INSEE birth-register order, roughly), then a long tail
composed of common roots and endings so that, as in reality, a few names are shared by many
practitioners and most by few. First names are those common among people born 1955-1995.
"""


def words(text: str) -> list[str]:
    return text.split()


SURNAMES = words("""
Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefèvre Leroy Roux
David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefebvre Faure
André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin Clément
Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer
Dufour Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard
Roche Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix
Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq Guillaume Lecomte Lopez Jean
Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin Louis Deschamps Huet Vasseur Perez Boucher
Fleury Royer Klein Jacquet Adam Paris Poirier Marty Aubry Guyot Carré Charles Renault Charpentier Ménard
Maillard Baron Bertin Bailly Hervé Schneider Fernandez Collet Léger Bouvier Julien Prévost Millet
Perrot Daniel Cousin Germain Breton Besson Langlois Rémy Pelletier Lévêque Perrier Leblanc
Barré Lebrun Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet Étienne
Grondin Poulain Tessier Chevallier Collin Chauvin Bouchet Gay Lemaître Bénard Maréchal Humbert
Reynaud Antoine Hoarau Perret Barthélemy Cordier Pichon Lejeune Gilbert Lamy Delaunay Pasquier Carlier
Laporte Gonzalez Lebon Rocher Leduc Devaux Bourdon Buisson Chauvet Hebert Mignon Jourdan Lemercier
Raynaud Thibault Lacombe Dubreuil Bouquet Pineau Lagarde Ferrand Labbé Pons Tanguy Kerjean
Guillou Morvan Jégou Quéré Cadiou Salaün Nguyen Tran Pham Benali Haddad Mansouri
Benamar Bouzid Cherif Belkacem Boukhari Saidi Hamidi Amrani Ferreira Pereira Rodrigues Gomes
Oliveira Lopes Teixeira Cohen Lévy Attia Diallo Traoré Koné Cissé Camara Diop Sow Ba Ndiaye Fofana Keita
Rossi Russo Bianchi Romano Esposito Ricci Colombo Schmidt Fischer Wagner Becker Hoffmann Zimmermann Kieffer
Schaeffer Walter Kuntz Hartmann Ortiz Moreno Jimenez Navarro Ruiz Torres Romero Alvarez Gimenez Marin
Ollivier Besnard Lecoq Marais Texier Poulin Descamps Delmas Couturier Lebreton Lesage Marion Jacques
Bousquet Hamel Bertrand-Martin Blondel Brunel Laine Pottier Gosselin Baudry Valentin Lebeau Verdier
""")

COMPOUND_SURNAMES = [
    "Le Gall", "Le Roux", "Le Goff", "Le Bihan", "Le Corre", "Da Silva", "Dos Santos", "Le Guen", "Le Floch",
    "Le Nguyen", "De Oliveira", "Le Berre", "Le Gac", "Du Pont", "De La Fontaine", "Le Moal",
]  # fmt: skip

SURNAME_ROOTS = words("""
Bou Ker Mar Lav Char Bel Mont Ro Ga Pel Four Ver Dal Cha Bri Mor Lam Ber Val Des Cas Gre Jol Lan Mal Pou
Sau Tou Vil Bar Bon Cor Fer Gui Lar Mas Pas Rou Tes Cour Mau Bau Chau Dou Gau Mic Pra Bre Cro Fro Tri
""")
SURNAME_ENDINGS = words("""
ard ier on et in eau ot elle and ault ac y ès ez ou at ade aud ens ois enne ière iau illon ereau
""")

FEMALE_FIRST_NAMES = words("""
Nathalie Isabelle Sylvie Catherine Sandrine Valérie Christine Stéphanie Céline Sophie Véronique Marie Nadia
Julie Aurélie Caroline Virginie Laurence Émilie Florence Élodie Delphine Anne Karine Hélène Corinne Audrey
Martine Patricia Claire Laetitia Camille Mélanie Cécile Agnès Pauline Marion Laura Amandine Sarah Chloé Lucie
Anne-Sophie Marie-Christine Françoise Brigitte Sabine Muriel Magali Séverine Fatima Leïla Samira Myriam
Charlotte Mathilde Manon Léa Inès Clémence Juliette Alice Emma Margaux Élise Solène Justine Aline Annie
Jeanne Béatrice Carole Christelle Dominique Nadège Estelle Gaëlle Maud Noémie Ophélie Yasmina Khadija
""")
MALE_FIRST_NAMES = words("""
Philippe Christophe Nicolas Stéphane Laurent Frédéric Olivier David Sébastien Pierre Éric Thierry Pascal
Patrick Jean Julien Thomas Vincent Jérôme Alexandre François Michel Guillaume Cédric Mathieu Antoine Alain
Bruno Didier Franck Arnaud Fabrice Benoît Emmanuel Romain Maxime Yann Gilles Denis Jean-Pierre Jean-François
Jean-Marc Marc Hervé Dominique Bernard Daniel Xavier Damien Florian Clément Adrien Quentin Benjamin Baptiste
Hugo Lucas Louis Paul Raphaël Mohamed Karim Mehdi Rachid Youssef Samir Yves Loïc Gaël Erwan Fabien Jonathan
Kévin Anthony Ludovic Grégory Sylvain Lionel Régis Jacques Hicham Omar Thibault Aurélien Rémi Vivien
""")

STREETS = [
    "rue de la République", "avenue Jean Jaurès", "place de la Mairie", "rue Victor Hugo", "boulevard Gambetta",
    "rue Pasteur", "rue du Général de Gaulle", "rue de l'Église", "Grande Rue", "rue de la Gare",
    "avenue de la Libération", "rue du Moulin", "rue des Écoles", "rue Nationale", "rue Carnot", "rue Jules Ferry",
    "avenue Foch", "rue du Château", "chemin des Vignes", "rue Principale", "place du Marché", "rue de Verdun",
    "rue Émile Zola", "avenue de Paris", "rue du 8 Mai 1945", "rue Voltaire", "rue des Lilas", "rue de la Paix",
    "allée des Tilleuls", "boulevard de la Liberté", "rue Saint-Martin", "quai de la Loire", "rue de Bretagne",
    "rue Louis Pasteur", "place de l'Hôtel de Ville", "rue du Stade", "rue des Jardins", "avenue du Maréchal Leclerc",
]  # fmt: skip

# Practice names per profession, one template drawn per profile that has one; {last} and {city} filled in.
PRACTICES = {
    "Médecin": [
        "Cabinet médical {street}", "Maison de santé pluriprofessionnelle de {city}", "Centre médical {city}",
        "Cabinet du Dr {last}", "Pôle santé {city}", "Centre de santé municipal", "Cabinet médical du Centre",
        "Clinique {saint}", "Centre hospitalier de {city}", "Polyclinique {saint}",
    ],
    "Chirurgien-dentiste": ["Cabinet dentaire {street}", "Centre dentaire {city}", "Cabinet dentaire du Dr {last}"],
    "Pharmacien": [
        "Pharmacie de la Gare", "Pharmacie du Centre", "Pharmacie de la Mairie", "Pharmacie {last}",
        "Pharmacie du Marché", "Grande Pharmacie de {city}", "Pharmacie de l'Église", "Pharmacie des Halles",
    ],
    "Masseur-kinésithérapeute": ["Cabinet de kinésithérapie {street}", "Kiné {city}", "Centre de rééducation {city}"],
    "Infirmier": ["Cabinet infirmier {street}", "Cabinet infirmier de {city}", "Centre de soins infirmiers"],
    "Opticien-lunetier": ["Optique {last}", "Optique du Centre", "Les Opticiens de {city}", "Atelier optique {city}"],
    "Audioprothésiste": ["Audition {last}", "Centre auditif {city}"],
    "*": ["Cabinet {street}", "Maison de santé de {city}", "Cabinet paramédical {city}"],
}  # fmt: skip
SAINTS = [
    "Saint-Joseph",
    "Sainte-Anne",
    "Saint-Jean",
    "Saint-Martin",
    "des Cèdres",
    "du Parc",
    "Pasteur",
    "Jeanne d'Arc",
]
