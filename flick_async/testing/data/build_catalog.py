"""Rebuild `catalog.csv` and `episodes.csv` beside this file (see README.md there).

Usage:
    python flick_async/testing/data/build_catalog.py EXPORT_DIR [--out DIR]

`EXPORT_DIR` is a Letterboxd export folder (holding diary.csv and reviews.csv); the project
keeps one at `tests/fixtures/letterboxd/patrickmjones`. Nothing else is read: the well-known
titles and the episode lists are data in this file. The output is deterministic.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

# Synthetic ids live far above every real TMDB id (those are below 2 million), so they can never
# collide with the real ids used for the well-known titles.
SYNTHETIC_BASE = 90_000_000
SYNTHETIC_SPAN = 10_000_000

# Export titles whose stable hash falls below this (out of 100) are left out of the catalog on
# purpose, so that `make demo` shows a few unmatched titles. About 5 %.
LEAVE_OUT_PERCENT = 5

# (tmdb_id or None when not known for sure, title, year, aliases)
Title = tuple[int | None, str, int | None, tuple[str, ...]]

MOVIES: list[Title] = [
    (550, "Fight Club", 1999, ()),
    (238, "The Godfather", 1972, ()),
    (240, "The Godfather Part II", 1974, ()),
    (242, "The Godfather Part III", 1990, ()),
    (680, "Pulp Fiction", 1994, ()),
    (278, "The Shawshank Redemption", 1994, ()),
    (155, "The Dark Knight", 2008, ()),
    (272, "Batman Begins", 2005, ()),
    (49026, "The Dark Knight Rises", 2012, ()),
    (27205, "Inception", 2010, ()),
    (157336, "Interstellar", 2014, ()),
    (603, "The Matrix", 1999, ()),
    (604, "The Matrix Reloaded", 2003, ()),
    (605, "The Matrix Revolutions", 2003, ()),
    (13, "Forrest Gump", 1994, ()),
    (11, "Star Wars", 1977, ("Star Wars: Episode IV – A New Hope", "A New Hope")),
    (1891, "The Empire Strikes Back", 1980, ("Star Wars: Episode V – The Empire Strikes Back",)),
    (1892, "Return of the Jedi", 1983, ("Star Wars: Episode VI – Return of the Jedi",)),
    (140607, "Star Wars: The Force Awakens", 2015, ()),
    (329, "Jurassic Park", 1993, ()),
    (597, "Titanic", 1997, ()),
    (19995, "Avatar", 2009, ()),
    (24428, "The Avengers", 2012, ()),
    (299536, "Avengers: Infinity War", 2018, ()),
    (299534, "Avengers: Endgame", 2019, ()),
    (1726, "Iron Man", 2008, ()),
    (496243, "Parasite", 2019, ("기생충", "Gisaengchung")),
    (424, "Schindler's List", 1993, ()),
    (120, "The Lord of the Rings: The Fellowship of the Ring", 2001, ()),
    (121, "The Lord of the Rings: The Two Towers", 2002, ()),
    (122, "The Lord of the Rings: The Return of the King", 2003, ()),
    (129, "Spirited Away", 2001, ("千と千尋の神隠し", "Sen to Chihiro no Kamikakushi")),
    (128, "Princess Mononoke", 1997, ("もののけ姫", "Mononoke-hime")),
    (8392, "My Neighbor Totoro", 1988, ("となりのトトロ", "Tonari no Totoro")),
    (4935, "Howl's Moving Castle", 2004, ("ハウルの動く城",)),
    (149, "Akira", 1988, ()),
    (769, "GoodFellas", 1990, ("Goodfellas",)),
    (807, "Se7en", 1995, ("Seven",)),
    (105, "Back to the Future", 1985, ()),
    (348, "Alien", 1979, ()),
    (679, "Aliens", 1986, ()),
    (78, "Blade Runner", 1982, ()),
    (335984, "Blade Runner 2049", 2017, ()),
    (218, "The Terminator", 1984, ()),
    (280, "Terminator 2: Judgment Day", 1991, ()),
    (274, "The Silence of the Lambs", 1991, ()),
    (98, "Gladiator", 2000, ()),
    (857, "Saving Private Ryan", 1998, ()),
    (862, "Toy Story", 1995, ()),
    (12, "Finding Nemo", 2003, ()),
    (8587, "The Lion King", 1994, ()),
    (14160, "Up", 2009, ()),
    (10681, "WALL·E", 2008, ("WALL-E",)),
    (194, "Amélie", 2001, ("Le Fabuleux Destin d'Amélie Poulain", "Amelie")),
    (244786, "Whiplash", 2014, ()),
    (313369, "La La Land", 2016, ()),
    (475557, "Joker", 2019, ()),
    (16869, "Inglourious Basterds", 2009, ()),
    (68718, "Django Unchained", 2012, ()),
    (24, "Kill Bill: Vol. 1", 2003, ()),
    (393, "Kill Bill: Vol. 2", 2004, ()),
    (500, "Reservoir Dogs", 1992, ()),
    (1124, "The Prestige", 2006, ()),
    (77, "Memento", 2000, ()),
    (374720, "Dunkirk", 2017, ()),
    (872585, "Oppenheimer", 2023, ()),
    (346698, "Barbie", 2023, ()),
    (545611, "Everything Everywhere All at Once", 2022, ()),
    (419430, "Get Out", 2017, ()),
    (76341, "Mad Max: Fury Road", 2015, ()),
    (37799, "The Social Network", 2010, ()),
    (6977, "No Country for Old Men", 2007, ()),
    (7345, "There Will Be Blood", 2007, ()),
    (115, "The Big Lebowski", 1998, ()),
    (275, "Fargo", 1996, ()),
    (15, "Citizen Kane", 1941, ()),
    (289, "Casablanca", 1942, ()),
    (539, "Psycho", 1960, ()),
    (426, "Vertigo", 1958, ()),
    (567, "Rear Window", 1954, ()),
    (62, "2001: A Space Odyssey", 1968, ()),
    (694, "The Shining", 1980, ()),
    (185, "A Clockwork Orange", 1971, ()),
    (28, "Apocalypse Now", 1979, ()),
    (103, "Taxi Driver", 1976, ()),
    (1578, "Raging Bull", 1980, ()),
    (578, "Jaws", 1975, ()),
    (601, "E.T. the Extra-Terrestrial", 1982, ()),
    (85, "Raiders of the Lost Ark", 1981, ()),
    (1422, "The Departed", 2006, ()),
    (949, "Heat", 1995, ()),
    (629, "The Usual Suspects", 1995, ()),
    (14, "American Beauty", 1999, ()),
    (497, "The Green Mile", 1999, ()),
    (101, "Léon: The Professional", 1994, ("Léon", "The Professional")),
    (489, "Good Will Hunting", 1997, ()),
    (37165, "The Truman Show", 1998, ()),
    (38, "Eternal Sunshine of the Spotless Mind", 2004, ()),
    (152601, "Her", 2013, ()),
    (329865, "Arrival", 2016, ()),
    (438631, "Dune", 2021, ("Dune: Part One",)),
    (693134, "Dune: Part Two", 2024, ()),
    (324857, "Spider-Man: Into the Spider-Verse", 2018, ()),
    (120467, "The Grand Budapest Hotel", 2014, ()),
    (376867, "Moonlight", 2016, ()),
    (64690, "Drive", 2011, ()),
    (210577, "Gone Girl", 2014, ()),
    (1949, "Zodiac", 2007, ()),
    (146233, "Prisoners", 2013, ()),
    (670, "Oldboy", 2003, ("올드보이",)),
    (346, "Seven Samurai", 1954, ("七人の侍", "Shichinin no Samurai")),
    (548, "Rashomon", 1950, ("羅生門",)),
    (598, "City of God", 2002, ("Cidade de Deus",)),
    (1417, "Pan's Labyrinth", 2006, ("El laberinto del fauno",)),
    (637, "Life Is Beautiful", 1997, ("La vita è bella",)),
    (11216, "Cinema Paradiso", 1988, ("Nuovo Cinema Paradiso",)),
    (77338, "The Intouchables", 2011, ("Intouchables",)),
    (None, "Casino", 1995, ()),
    (None, "Scarface", 1983, ()),
    (None, "The Sixth Sense", 1999, ()),
    (None, "Jurassic World", 2015, ()),
    (None, "Top Gun", 1986, ()),
    (None, "Top Gun: Maverick", 2022, ()),
    (None, "The Wolf of Wall Street", 2013, ()),
    (None, "Catch Me If You Can", 2002, ()),
    (None, "Shutter Island", 2010, ()),
    (None, "Black Swan", 2010, ()),
    (None, "Requiem for a Dream", 2000, ()),
    (None, "Trainspotting", 1996, ()),
    (None, "Lost in Translation", 2003, ()),
    (None, "Pride & Prejudice", 2005, ()),
    (None, "The Notebook", 2004, ()),
    (None, "The Princess Bride", 1987, ()),
    (None, "Ghostbusters", 1984, ()),
    (None, "Die Hard", 1988, ()),
    (None, "Home Alone", 1990, ()),
    (None, "Groundhog Day", 1993, ()),
    (None, "Jumanji", 1995, ()),
    (None, "Men in Black", 1997, ()),
    (None, "The Fifth Element", 1997, ("Le Cinquième Élément",)),
    (None, "Independence Day", 1996, ()),
    (None, "Braveheart", 1995, ()),
    (None, "Dances with Wolves", 1990, ()),
    (None, "Unforgiven", 1992, ()),
    (None, "The Good, the Bad and the Ugly", 1966, ("Il buono, il brutto, il cattivo",)),
    (None, "Once Upon a Time in the West", 1968, ("C'era una volta il West",)),
    (None, "Lawrence of Arabia", 1962, ()),
    (None, "The Sound of Music", 1965, ()),
    (None, "Singin' in the Rain", 1952, ()),
    (None, "Some Like It Hot", 1959, ()),
    (None, "Sunset Boulevard", 1950, ()),
    (None, "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb", 1964, ("Dr. Strangelove",)),
    (None, "North by Northwest", 1959, ()),
    (None, "The Wizard of Oz", 1939, ()),
    (None, "Gone with the Wind", 1939, ()),
    (None, "It's a Wonderful Life", 1946, ()),
    (None, "12 Angry Men", 1957, ()),
    (None, "One Flew Over the Cuckoo's Nest", 1975, ()),
    (None, "Rocky", 1976, ()),
    (None, "Annie Hall", 1977, ()),
    (None, "Close Encounters of the Third Kind", 1977, ()),
    (None, "The Deer Hunter", 1978, ()),
    (None, "Amadeus", 1984, ()),
    (None, "Platoon", 1986, ()),
    (None, "Full Metal Jacket", 1987, ()),
    (None, "Do the Right Thing", 1989, ()),
    (None, "When Harry Met Sally...", 1989, ()),
    (None, "Dead Poets Society", 1989, ()),
    (None, "Pretty Woman", 1990, ()),
    (None, "Beauty and the Beast", 1991, ()),
    (None, "Aladdin", 1992, ()),
    (None, "Jurassic Park III", 2001, ()),
    (None, "Toy Story 2", 1999, ()),
    (None, "Toy Story 3", 2010, ()),
    (None, "Toy Story 4", 2019, ()),
    (None, "Monsters, Inc.", 2001, ()),
    (None, "The Incredibles", 2004, ()),
    (None, "Ratatouille", 2007, ()),
    (None, "Inside Out", 2015, ()),
    (None, "Coco", 2017, ()),
    (None, "Soul", 2020, ()),
    (None, "Shrek", 2001, ()),
    (None, "Frozen", 2013, ()),
    (None, "Zootopia", 2016, ()),
    (None, "Moana", 2016, ()),
    (None, "Harry Potter and the Philosopher's Stone", 2001, ("Harry Potter and the Sorcerer's Stone",)),
    (None, "Harry Potter and the Chamber of Secrets", 2002, ()),
    (None, "Harry Potter and the Prisoner of Azkaban", 2004, ()),
    (None, "Harry Potter and the Goblet of Fire", 2005, ()),
    (None, "Harry Potter and the Deathly Hallows: Part 2", 2011, ()),
    (None, "Pirates of the Caribbean: The Curse of the Black Pearl", 2003, ()),
    (None, "The Avengers", 1998, ()),
    (None, "Guardians of the Galaxy", 2014, ()),
    (None, "Black Panther", 2018, ()),
    (None, "Thor: Ragnarok", 2017, ()),
    (None, "Captain America: The Winter Soldier", 2014, ()),
    (None, "Spider-Man", 2002, ()),
    (None, "Spider-Man 2", 2004, ()),
    (None, "Spider-Man: No Way Home", 2021, ()),
    (None, "Wonder Woman", 2017, ()),
    (None, "Logan", 2017, ()),
    (None, "Deadpool", 2016, ()),
    (None, "The Batman", 2022, ()),
    (None, "Batman", 1989, ()),
    (None, "Superman", 1978, ()),
    (None, "X-Men", 2000, ()),
    (None, "The Exorcist", 1973, ()),
    (None, "Halloween", 1978, ()),
    (None, "A Nightmare on Elm Street", 1984, ()),
    (None, "The Texas Chain Saw Massacre", 1974, ()),
    (None, "Hereditary", 2018, ()),
    (None, "Midsommar", 2019, ()),
    (None, "The Witch", 2015, ("The VVitch: A New-England Folktale",)),
    (None, "It Follows", 2014, ()),
    (None, "The Babadook", 2014, ()),
    (None, "A Quiet Place", 2018, ()),
    (None, "Us", 2019, ()),
    (None, "Nope", 2022, ()),
    (None, "Train to Busan", 2016, ("부산행", "Busanhaeng")),
    (None, "The Handmaiden", 2016, ("아가씨", "Agassi")),
    (None, "Memories of Murder", 2003, ("살인의 추억",)),
    (None, "Mother", 2009, ("마더",)),
    (None, "The Host", 2006, ("괴물", "Gwoemul")),
    (None, "Snowpiercer", 2013, ()),
    (None, "Okja", 2017, ()),
    (None, "In the Mood for Love", 2000, ("花樣年華",)),
    (None, "Chungking Express", 1994, ("重慶森林",)),
    (None, "Crouching Tiger, Hidden Dragon", 2000, ("臥虎藏龍",)),
    (None, "Hero", 2002, ("英雄",)),
    (None, "Tokyo Story", 1953, ("東京物語",)),
    (None, "Ikiru", 1952, ("生きる",)),
    (None, "Yojimbo", 1961, ("用心棒",)),
    (None, "Ran", 1985, ("乱",)),
    (None, "Your Name.", 2016, ("君の名は。", "Kimi no Na wa.")),
    (None, "Grave of the Fireflies", 1988, ("火垂るの墓",)),
    (None, "Perfect Blue", 1997, ()),
    (None, "Ghost in the Shell", 1995, ("攻殻機動隊",)),
    (None, "The 400 Blows", 1959, ("Les Quatre Cents Coups",)),
    (None, "Breathless", 1960, ("À bout de souffle",)),
    (None, "La Haine", 1995, ()),
    (None, "Portrait of a Lady on Fire", 2019, ("Portrait de la jeune fille en feu",)),
    (None, "Bicycle Thieves", 1948, ("Ladri di biciclette",)),
    (None, "8½", 1963, ("Otto e mezzo",)),
    (None, "La Dolce Vita", 1960, ()),
    (None, "The Seventh Seal", 1957, ("Det sjunde inseglet",)),
    (None, "Persona", 1966, ()),
    (None, "Wings of Desire", 1987, ("Der Himmel über Berlin",)),
    (None, "Run Lola Run", 1998, ("Lola rennt",)),
    (None, "The Lives of Others", 2006, ("Das Leben der Anderen",)),
    (None, "Downfall", 2004, ("Der Untergang",)),
    (None, "Metropolis", 1927, ()),
    (None, "Nosferatu", 1922, ("Nosferatu, eine Symphonie des Grauens",)),
    (None, "Stalker", 1979, ("Сталкер",)),
    (None, "Come and See", 1985, ("Иди и смотри",)),
    (None, "Roma", 2018, ()),
    (None, "Y Tu Mamá También", 2001, ()),
    (None, "Amores Perros", 2000, ()),
    (None, "Birdman or (The Unexpected Virtue of Ignorance)", 2014, ("Birdman",)),
    (None, "The Revenant", 2015, ()),
    (None, "Gravity", 2013, ()),
    (None, "Children of Men", 2006, ()),
    (None, "The Shape of Water", 2017, ()),
    (None, "Slumdog Millionaire", 2008, ()),
    (None, "Lagaan", 2001, ()),
    (None, "3 Idiots", 2009, ()),
    (None, "RRR", 2022, ()),
    (None, "A Separation", 2011, ("جدایی نادر از سیمین",)),
    (None, "Nomadland", 2020, ()),
    (None, "CODA", 2021, ()),
    (None, "Green Book", 2018, ()),
    (None, "Spotlight", 2015, ()),
    (None, "12 Years a Slave", 2013, ()),
    (None, "Argo", 2012, ()),
    (None, "The Artist", 2011, ()),
    (None, "The King's Speech", 2010, ()),
    (None, "The Hurt Locker", 2008, ()),
    (None, "Million Dollar Baby", 2004, ()),
    (None, "Chicago", 2002, ()),
    (None, "A Beautiful Mind", 2001, ()),
    (None, "Little Women", 2019, ()),
    (None, "Lady Bird", 2017, ()),
    (None, "Knives Out", 2019, ()),
    (None, "Baby Driver", 2017, ()),
    (None, "Shaun of the Dead", 2004, ()),
    (None, "Hot Fuzz", 2007, ()),
    (None, "Superbad", 2007, ()),
    (None, "Anchorman: The Legend of Ron Burgundy", 2004, ()),
    (None, "Mean Girls", 2004, ()),
    (None, "Clueless", 1995, ()),
    (None, "Legally Blonde", 2001, ()),
    (None, "The Breakfast Club", 1985, ()),
    (None, "Ferris Bueller's Day Off", 1986, ()),
    (None, "Stand by Me", 1986, ()),
    (None, "The Goonies", 1985, ()),
    (None, "Gremlins", 1984, ()),
    (None, "The Thing", 1982, ()),
    (None, "Predator", 1987, ()),
    (None, "RoboCop", 1987, ()),
    (None, "Total Recall", 1990, ()),
    (None, "Speed", 1994, ()),
    (None, "Point Break", 1991, ()),
    (None, "Face/Off", 1997, ()),
    (None, "Mission: Impossible", 1996, ()),
    (None, "Mission: Impossible – Fallout", 2018, ()),
    (None, "John Wick", 2014, ()),
    (None, "The Bourne Identity", 2002, ()),
    (None, "Casino Royale", 2006, ()),
    (None, "Skyfall", 2012, ()),
    (None, "Goldfinger", 1964, ()),
    (None, "The Raid", 2011, ()),
    (None, "Ocean's Eleven", 2001, ()),
    (None, "Gladiator II", 2024, ()),
    (None, "Poor Things", 2023, ()),
    (None, "Past Lives", 2023, ()),
    (None, "Killers of the Flower Moon", 2023, ()),
    (None, "The Zone of Interest", 2023, ()),
    (None, "Anatomy of a Fall", 2023, ("Anatomie d'une chute",)),
    (None, "Godzilla Minus One", 2023, ("ゴジラ-1.0",)),
    (None, "The Holdovers", 2023, ()),
    (None, "Anora", 2024, ()),
    (None, "Conclave", 2024, ()),
    (None, "The Substance", 2024, ()),
    (None, "The Brutalist", 2024, ()),
    (None, "Tár", 2022, ()),
    (None, "The Banshees of Inisherin", 2022, ()),
    (None, "Aftersun", 2022, ()),
    (None, "Decision to Leave", 2022, ("헤어질 결심",)),
    (None, "Drive My Car", 2021, ("ドライブ・マイ・カー",)),
    (None, "The Power of the Dog", 2021, ()),
    (None, "Licorice Pizza", 2021, ()),
    (None, "The French Dispatch", 2021, ()),
    (None, "Tenet", 2020, ()),
    (None, "Once Upon a Time… in Hollywood", 2019, ("Once Upon a Time in Hollywood",)),
    (None, "The Irishman", 2019, ()),
    (None, "Marriage Story", 2019, ()),
    (None, "Uncut Gems", 2019, ()),
    (None, "The Lighthouse", 2019, ()),
    (None, "Jojo Rabbit", 2019, ()),
    (None, "1917", 2019, ()),
    (None, "Ford v Ferrari", 2019, ()),
    (None, "Paris, Texas", 1984, ()),
    (None, "Alien³", 1992, ("Alien 3",)),
]

SHOWS: list[Title] = [
    (1396, "Breaking Bad", 2008, ()),
    (2316, "The Office", 2005, ("The Office (US)", "The Office: An American Workplace")),
    (1399, "Game of Thrones", 2011, ()),
    (66732, "Stranger Things", 2016, ()),
    (1438, "The Wire", 2002, ()),
    (67070, "Fleabag", 2016, ()),
    (1668, "Friends", 1994, ()),
    (456, "The Simpsons", 1989, ()),
    (1398, "The Sopranos", 1999, ()),
    (87108, "Chernobyl", 2019, ()),
    (19885, "Sherlock", 2010, ()),
    (60059, "Better Call Saul", 2015, ()),
    (1104, "Mad Men", 2007, ()),
    (46648, "True Detective", 2014, ()),
    (63247, "Westworld", 2016, ()),
    (82856, "The Mandalorian", 2019, ()),
    (65494, "The Crown", 2016, ()),
    (76331, "Succession", 2018, ()),
    (1400, "Seinfeld", 1989, ()),
    (1402, "The Walking Dead", 2010, ()),
    (4607, "Lost", 2004, ()),
    (70523, "Dark", 2017, ()),
    (42009, "Black Mirror", 2011, ()),
    (60574, "Peaky Blinders", 2013, ()),
    (1920, "Twin Peaks", 1990, ()),
    (100088, "The Last of Us", 2023, ()),
    (94997, "House of the Dragon", 2022, ()),
    (93405, "Squid Game", 2021, ("오징어 게임",)),
    (97546, "Ted Lasso", 2020, ()),
    (136315, "The Bear", 2022, ()),
    (95396, "Severance", 2022, ()),
    (76479, "The Boys", 2019, ()),
    (60625, "Rick and Morty", 2013, ()),
    (94605, "Arcane", 2021, ()),
    (71446, "Money Heist", 2017, ("La casa de papel",)),
    (63351, "Narcos", 2015, ()),
    (67744, "Mindhunter", 2017, ()),
    (4613, "Band of Brothers", 2001, ()),
    (60622, "Fargo", 2014, ()),
    (57243, "Doctor Who", 2005, ()),
    (8592, "Parks and Recreation", 2009, ()),
    (48891, "Brooklyn Nine-Nine", 2013, ()),
    (1100, "How I Met Your Mother", 2005, ()),
    (1418, "The Big Bang Theory", 2007, ()),
    (246, "Avatar: The Last Airbender", 2005, ()),
    (1429, "Attack on Titan", 2013, ("進撃の巨人", "Shingeki no Kyojin")),
    (13916, "Death Note", 2006, ()),
    (30991, "Cowboy Bebop", 1998, ()),
    (62560, "Mr. Robot", 2015, ()),
    (1408, "House", 2004, ("House M.D.",)),
    (1405, "Dexter", 2006, ()),
    (2288, "Prison Break", 2005, ()),
    (None, "Curb Your Enthusiasm", 2000, ()),
    (None, "Arrested Development", 2003, ()),
    (None, "30 Rock", 2006, ()),
    (None, "It's Always Sunny in Philadelphia", 2005, ()),
    (None, "The X-Files", 1993, ()),
    (None, "Buffy the Vampire Slayer", 1997, ()),
    (None, "Firefly", 2002, ()),
    (None, "Hannibal", 2013, ()),
    (None, "The Leftovers", 2014, ()),
    (None, "Killing Eve", 2018, ()),
    (None, "Barry", 2018, ()),
    (None, "Atlanta", 2016, ()),
    (None, "Euphoria", 2019, ()),
    (None, "The Witcher", 2019, ()),
    (None, "The White Lotus", 2021, ()),
    (None, "Wednesday", 2022, ()),
    (None, "Only Murders in the Building", 2021, ()),
    (None, "The Office", 2001, ("The Office (UK)",)),
    (None, "Battlestar Galactica", 2004, ()),
    (None, "The Haunting of Hill House", 2018, ()),
    (None, "The Queen's Gambit", 2020, ()),
    (None, "Twin Peaks: The Return", 2017, ()),
    (None, "Andor", 2022, ()),
    (None, "Shōgun", 2024, ("Shogun",)),
    (None, "Bluey", 2018, ()),
    (None, "Neon Genesis Evangelion", 1995, ("新世紀エヴァンゲリオン",)),
    (None, "Fullmetal Alchemist: Brotherhood", 2009, ()),
    (None, "Downton Abbey", 2010, ()),
    (None, "Schitt's Creek", 2015, ()),
    (None, "Veep", 2012, ()),
    (None, "Boardwalk Empire", 2010, ()),
    (None, "Six Feet Under", 2001, ()),
    (None, "Deadwood", 2004, ()),
    (None, "The Americans", 2013, ()),
    (None, "Halt and Catch Fire", 2014, ()),
    (None, "Hellbound", 2021, ("지옥",)),
    (None, "The Staircase", 2004, ()),
]

# Export titles that are TV shows logged as films on Letterboxd.
EXPORT_TV = {("Squid Game", 2021), ("Hellbound", 2021), ("The Staircase", 2004)}


def _numbered(count: int) -> list[str]:
    return [f"Episode {n}" for n in range(1, count + 1)]


def _chapters(titles: Sequence[str]) -> list[str]:
    words = ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine"]
    return [f"Chapter {words[i]}: {title}" for i, title in enumerate(titles)]


# show tmdb_id -> one list of episode titles per season, in order (season 1 first).
EPISODES: dict[int, list[list[str]]] = {
    1396: [  # Breaking Bad
        [
            "Pilot",
            "Cat's in the Bag...",
            "...And the Bag's in the River",
            "Cancer Man",
            "Gray Matter",
            "Crazy Handful of Nothin'",
            "A No-Rough-Stuff-Type Deal",
        ],
        [
            "Seven Thirty-Seven",
            "Grilled",
            "Bit by a Dead Bee",
            "Down",
            "Breakage",
            "Peekaboo",
            "Negro y Azul",
            "Better Call Saul",
            "4 Days Out",
            "Over",
            "Mandala",
            "Phoenix",
            "ABQ",
        ],
        [
            "No Más",
            "Caballo sin Nombre",
            "I.F.T.",
            "Green Light",
            "Más",
            "Sunset",
            "One Minute",
            "I See You",
            "Kafkaesque",
            "Fly",
            "Abiquiu",
            "Half Measures",
            "Full Measure",
        ],
        [
            "Box Cutter",
            "Thirty-Eight Snub",
            "Open House",
            "Bullet Points",
            "Shotgun",
            "Cornered",
            "Problem Dog",
            "Hermanos",
            "Bug",
            "Salud",
            "Crawl Space",
            "End Times",
            "Face Off",
        ],
        [
            "Live Free or Die",
            "Madrigal",
            "Hazard Pay",
            "Fifty-One",
            "Dead Freight",
            "Buyout",
            "Say My Name",
            "Gliding Over All",
            "Blood Money",
            "Buried",
            "Confessions",
            "Rabid Dog",
            "To'hajiilee",
            "Ozymandias",
            "Granite State",
            "Felina",
        ],
    ],
    2316: [  # The Office (US): broadcast numbering, 201 episodes (hour-longs count as two)
        ["Pilot", "Diversity Day", "Health Care", "The Alliance", "Basketball", "Hot Girl"],
        [
            "The Dundies",
            "Sexual Harassment",
            "Office Olympics",
            "The Fire",
            "Halloween",
            "The Fight",
            "The Client",
            "Performance Review",
            "E-mail Surveillance",
            "Christmas Party",
            "Booze Cruise",
            "The Injury",
            "The Secret",
            "The Carpet",
            "Boys and Girls",
            "Valentine's Day",
            "Dwight's Speech",
            "Take Your Daughter to Work Day",
            "Michael's Birthday",
            "Drug Testing",
            "Conflict Resolution",
            "Casino Night",
        ],
        [
            "Gay Witch Hunt",
            "The Convention",
            "The Coup",
            "Grief Counseling",
            "Initiation",
            "Diwali",
            "Branch Closing",
            "The Merger",
            "The Convict",
            "A Benihana Christmas (Part 1)",
            "A Benihana Christmas (Part 2)",
            "Back from Vacation",
            "Traveling Salesmen",
            "The Return",
            "Ben Franklin",
            "Phyllis' Wedding",
            "Business School",
            "Cocktails",
            "The Negotiation",
            "Safety Training",
            "Product Recall",
            "Women's Appreciation",
            "Beach Games",
            "The Job (Part 1)",
            "The Job (Part 2)",
        ],
        _numbered(19),
        _numbered(28),
        _numbered(26),
        _numbered(26),
        _numbered(24),
        _numbered(25),
    ],
    1399: [  # Game of Thrones
        [
            "Winter Is Coming",
            "The Kingsroad",
            "Lord Snow",
            "Cripples, Bastards, and Broken Things",
            "The Wolf and the Lion",
            "A Golden Crown",
            "You Win or You Die",
            "The Pointy End",
            "Baelor",
            "Fire and Blood",
        ],
        [
            "The North Remembers",
            "The Night Lands",
            "What Is Dead May Never Die",
            "Garden of Bones",
            "The Ghost of Harrenhal",
            "The Old Gods and the New",
            "A Man Without Honor",
            "The Prince of Winterfell",
            "Blackwater",
            "Valar Morghulis",
        ],
        [
            "Valar Dohaeris",
            "Dark Wings, Dark Words",
            "Walk of Punishment",
            "And Now His Watch Is Ended",
            "Kissed by Fire",
            "The Climb",
            "The Bear and the Maiden Fair",
            "Second Sons",
            "The Rains of Castamere",
            "Mhysa",
        ],
        [
            "Two Swords",
            "The Lion and the Rose",
            "Breaker of Chains",
            "Oathkeeper",
            "First of His Name",
            "The Laws of Gods and Men",
            "Mockingbird",
            "The Mountain and the Viper",
            "The Watchers on the Wall",
            "The Children",
        ],
        [
            "The Wars to Come",
            "The House of Black and White",
            "High Sparrow",
            "Sons of the Harpy",
            "Kill the Boy",
            "Unbowed, Unbent, Unbroken",
            "The Gift",
            "Hardhome",
            "The Dance of Dragons",
            "Mother's Mercy",
        ],
        [
            "The Red Woman",
            "Home",
            "Oathbreaker",
            "Book of the Stranger",
            "The Door",
            "Blood of My Blood",
            "The Broken Man",
            "No One",
            "Battle of the Bastards",
            "The Winds of Winter",
        ],
        [
            "Dragonstone",
            "Stormborn",
            "The Queen's Justice",
            "The Spoils of War",
            "Eastwatch",
            "Beyond the Wall",
            "The Dragon and the Wolf",
        ],
        [
            "Winterfell",
            "A Knight of the Seven Kingdoms",
            "The Long Night",
            "The Last of the Starks",
            "The Bells",
            "The Iron Throne",
        ],
    ],
    66732: [  # Stranger Things
        _chapters(
            [
                "The Vanishing of Will Byers",
                "The Weirdo on Maple Street",
                "Holly, Jolly",
                "The Body",
                "The Flea and the Acrobat",
                "The Monster",
                "The Bathtub",
                "The Upside Down",
            ]
        ),
        _chapters(
            [
                "MADMAX",
                "Trick or Treat, Freak",
                "The Pollywog",
                "Will the Wise",
                "Dig Dug",
                "The Spy",
                "The Lost Sister",
                "The Mind Flayer",
                "The Gate",
            ]
        ),
        _chapters(
            [
                "Suzie, Do You Copy?",
                "The Mall Rats",
                "The Case of the Missing Lifeguard",
                "The Sauna Test",
                "The Flayed",
                "E Pluribus Unum",
                "The Bite",
                "The Battle of Starcourt",
            ]
        ),
        _chapters(
            [
                "The Hellfire Club",
                "Vecna's Curse",
                "The Monster and the Superhero",
                "Dear Billy",
                "The Nina Project",
                "The Dive",
                "The Massacre at Hawkins Lab",
                "Papa",
                "The Piggyback",
            ]
        ),
        _numbered(8),
    ],
    1438: [  # The Wire
        [
            "The Target",
            "The Detail",
            "The Buys",
            "Old Cases",
            "The Pager",
            "The Wire",
            "One Arrest",
            "Lessons",
            "Game Day",
            "The Cost",
            "The Hunt",
            "Cleaning Up",
            "Sentencing",
        ],
        [
            "Ebb Tide",
            "Collateral Damage",
            "Hot Shots",
            "Hard Cases",
            "Undertow",
            "All Prologue",
            "Backwash",
            "Duck and Cover",
            "Stray Rounds",
            "Storm Warnings",
            "Bad Dreams",
            "Port in a Storm",
        ],
        [
            "Time After Time",
            "All Due Respect",
            "Dead Soldiers",
            "Hamsterdam",
            "Straight and True",
            "Homecoming",
            "Back Burners",
            "Moral Midgetry",
            "Slapstick",
            "Reformation",
            "Middle Ground",
            "Mission Accomplished",
        ],
        [
            "Boys of Summer",
            "Soft Eyes",
            "Home Rooms",
            "Refugees",
            "Alliances",
            "Margin of Error",
            "Unto Others",
            "Corner Boys",
            "Know Your Place",
            "Misgivings",
            "A New Day",
            "That's Got His Own",
            "Final Grades",
        ],
        [
            "More with Less",
            "Unconfirmed Reports",
            "Not for Attribution",
            "Transitions",
            "React Quotes",
            "The Dickensian Aspect",
            "Took",
            "Clarifications",
            "Late Editions",
            "–30–",
        ],
    ],
    67070: [_numbered(6), _numbered(6)],  # Fleabag: its episodes have no titles
}


def synthetic_id(title: str, year: int | None) -> int:
    """A stable id from the title and year, in a range no real TMDB id reaches."""
    digest = hashlib.sha256(f"{title}|{'' if year is None else year}".encode()).hexdigest()
    return SYNTHETIC_BASE + int(str(int(digest, 16))[:7]) % SYNTHETIC_SPAN


def left_out(title: str, year: int | None) -> bool:
    """Whether an export title is left out of the catalog on purpose (about 5 %, stable)."""
    digest = hashlib.sha256(f"leave-out|{title}|{'' if year is None else year}".encode()).hexdigest()
    return int(digest, 16) % 100 < LEAVE_OUT_PERCENT


def read_export_titles(export_dir: Path) -> set[tuple[str, int | None]]:
    """The distinct (Name, Year) pairs of an export's diary.csv and reviews.csv."""
    pairs: set[tuple[str, int | None]] = set()
    for name in ("diary.csv", "reviews.csv"):
        with (export_dir / name).open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                pairs.add((row["Name"], int(row["Year"]) if row["Year"] else None))
    return pairs


Row = tuple[int, str, str, int | None, tuple[str, ...]]


def build_rows(export_titles: Iterable[tuple[str, int | None]]) -> tuple[list[Row], list[tuple[str, int | None]]]:
    """Catalog rows (tmdb_id, media_type, title, year, aliases) and the export titles left out."""
    rows: dict[tuple[str, str, int | None], Row] = {}
    used: dict[str, set[int]] = {"movie": set(), "tv": set()}

    def add(media_type: str, tmdb_id: int | None, title: str, year: int | None, aliases: tuple[str, ...]) -> None:
        key = (media_type, title, year)
        if key in rows:
            return
        if tmdb_id is None:
            tmdb_id = synthetic_id(title, year)
            while tmdb_id in used[media_type]:  # linear probing keeps ids stable for a fixed input
                tmdb_id += 1
        elif tmdb_id in used[media_type]:
            raise ValueError(f"duplicate real {media_type} id {tmdb_id} for {title!r}")
        used[media_type].add(tmdb_id)
        rows[key] = (tmdb_id, media_type, title, year, aliases)

    # Real ids first, so synthetic ones probe around them; curated before export titles, so a
    # curated row (with its aliases) wins the dedupe.
    for media_type, titles in (("movie", MOVIES), ("tv", SHOWS)):
        for tmdb_id, title, year, aliases in sorted(titles, key=lambda t: t[0] is None):
            add(media_type, tmdb_id, title, year, aliases)
    excluded: list[tuple[str, int | None]] = []
    for title, year in sorted(export_titles, key=lambda p: (p[0], p[1] or 0)):
        media_type = "tv" if (title, year) in EXPORT_TV else "movie"
        if (media_type, title, year) in rows:
            continue
        if left_out(title, year):
            excluded.append((title, year))
            continue
        add(media_type, None, title, year, ())
    ordered = sorted(rows.values(), key=lambda r: (r[1], r[2].casefold(), r[3] or 0))
    return ordered, excluded


def write_catalog(path: Path, rows: Iterable[Row]) -> None:
    """Write catalog.csv."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["tmdb_id", "media_type", "title", "year", "aliases"])
        for tmdb_id, media_type, title, year, aliases in rows:
            writer.writerow([tmdb_id, media_type, title, "" if year is None else year, "|".join(aliases)])


def write_episodes(path: Path) -> None:
    """Write episodes.csv."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["show_tmdb_id", "season_number", "episode_number", "title"])
        for show_id, seasons in EPISODES.items():
            for season_number, titles in enumerate(seasons, start=1):
                for episode_number, title in enumerate(titles, start=1):
                    writer.writerow([show_id, season_number, episode_number, title])


def main(argv: Sequence[str] | None = None) -> None:
    """Build the catalog from an export folder and print what was left out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("export_dir", type=Path, help="a Letterboxd export folder (diary.csv, reviews.csv)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent, help="where to write the CSV files")
    args = parser.parse_args(argv)
    export_titles = read_export_titles(args.export_dir)
    rows, excluded = build_rows(export_titles)
    write_catalog(args.out / "catalog.csv", rows)
    write_episodes(args.out / "episodes.csv")
    print(f"{len(rows)} catalog rows; {len(export_titles)} export titles, {len(excluded)} left out:")
    for title, year in excluded:
        print(f"  {title} ({'' if year is None else year})")


if __name__ == "__main__":
    main()
