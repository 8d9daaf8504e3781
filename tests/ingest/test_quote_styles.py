"""Speech marked «…», »…«, „…“ or by dashes is read as speech, and only in books that
mark it so."""

from chatbot.ingest.dialogue import Utterance, extract_dialogue, extract_utterances
from chatbot.ingest.prepare import PrepareConfig, prepare, summary
from chatbot.ingest.quote_styles import MIN_MARKS, book_marks, dash_speech
from chatbot.ingest.textio import read_novel
from chatbot.ingest.vectors import Word2VecConfig

SMALL = PrepareConfig(word2vec=Word2VecConfig(vector_size=16, epochs=2, min_count=1, workers=1))
NAMES = ["Tom", "Marie", "Paul", "Anne", "Luc", "Claire", "Henri", "Sophie"]
THINGS = ["pain", "vin", "livre", "jardin", "cheval", "lettre", "porte", "lampe", "robe", "clef"]


def exchanges(ask: str, answer: str, n: int = 60) -> str:
    """A book of ``n`` two-turn exchanges; ``ask`` and ``answer`` format a thing and a
    name, so no two lines are the same."""
    out = []
    for i in range(n):
        thing, a, b = THINGS[i % 10], NAMES[i % 8], NAMES[(i + 3) % 8]
        out += [f"Le jour {i} tomba sur la ville.", ask.format(thing, a), answer.format(thing, b)]
    return "\n".join(out) + "\n"


def marks_of(text: str) -> list[str]:
    """The book's paragraphs as the reader sees them."""
    m = book_marks(text)
    pars = [p for p in m.apply(text).splitlines() if p.strip()]
    return dash_speech(pars) if m.dash else pars


def spoken(text: str) -> list[Utterance]:
    return extract_utterances(marks_of(text), paragraph_turns=bool(book_marks(text).name))


def said(text: str) -> list[str]:
    return [u.text for u in spoken(text)]


def turns(text: str) -> list[str]:
    """The book's turns: the texts of a turn's utterances joined by |."""
    out: list[str] = []
    for u in spoken(text):
        out[-1:] = [f"{out[-1]}|{u.text}"] if u.continues and out else [*out[-1:], u.text]
    return out


def test_each_typography_is_read_as_speech():
    french = "«Où est le {0}?» demanda {1}.\n«Dans la cuisine», dit {1}. «Va voir.»\n" * MIN_MARKS
    assert book_marks(french).name == "«…»"
    assert said(french)[:3] == ["Où est le {0}?", "Dans la cuisine", "Va voir."]
    # A new speaker takes a new paragraph: the narration between two speeches of one
    # paragraph cuts one turn, whose tag no English rule reads.
    assert turns(french)[:2] == ["Où est le {0}?", "Dans la cuisine|Va voir."]
    german = "»Wo ist das {0}?« fragte {1}.\n»In der Küche«, sagte {1}, »geh nur.«\n" * MIN_MARKS
    assert book_marks(german).name == "»…«"
    assert said(german)[:3] == ["Wo ist das {0}?", "In der Küche", "geh nur."]
    # „…“: the closing “ no longer opens, so ", sagte Tom," is narration, not speech.
    low = "„Wo ist das Brot?“ fragte Tom.\n„In der Küche“, sagte Anna, „geh nur.“\n" * MIN_MARKS
    assert book_marks(low).name == "„…“"
    assert said(low)[:3] == ["Wo ist das Brot?", "In der Küche", "geh nur."]


def test_dash_dialogue_closes_at_a_narration_insert_and_reopens_after_it():
    # Paragraphs apart by blank lines, as most e-books have them.
    spanish = "—¿Vienes? —preguntó Juan—. Te espero.\n\n—No puedo —dijo Ana.\n\nLlovía.\n\n"
    marks = book_marks(spanish * MIN_MARKS)
    assert marks.dash and marks.name == "— dashes"
    first, second = marks_of(spanish * MIN_MARKS)[:2]
    assert (first, second) == ("“¿Vienes? ”preguntó Juan. “Te espero.”", "“No puedo ”dijo Ana.")
    # One paragraph is one speaker's turn: Juan does not answer himself.
    assert turns(spanish * MIN_MARKS)[:2] == ["¿Vienes?|Te espero.", "No puedo"]
    comma = "—Sí —dijo Juan—, pero no hoy.\n—Entonces mañana —dijo Ana.\n" * MIN_MARKS
    pars = marks_of(comma)
    pairs = extract_dialogue(pars, n_sentences=len(pars), min_pairs=1, paragraph_turns=True).pairs
    assert (pairs[0].query, pairs[0].reply) == ("Sí pero no hoy.", "Entonces mañana")
    cases = {
        # Spaced dashes, an insert after a comma; a dash inside a word is no insert.
        "— Bien, — dit-il. — Et toi?": "“ Bien, ” dit-il. “ Et toi?”",
        "— Peut-être— non.": "“ Peut-être— non.”",
        # An insert at the end, closed by its dash: no empty speech after it.
        "—Vale —dijo Juan—.": "“Vale ”dijo Juan.",
        "—Sí –dijo Juan–, pero no.": "“Sí ”dijo Juan, “pero no.”",
        # A quotation inside the speech stays in it.
        "—Lo llaman «el Rojo» —dijo Juan.": "“Lo llaman ‘el Rojo’ ”dijo Juan.",
        "—Me dijo: “Vuelvo” —contó.": "“Me dijo: ‘Vuelvo’ ”contó.",
        # A heading between dashes is no speech; speech cut off by a dash is.
        "— II —": "— II —",
        "—Pero yo no quería—": "“Pero yo no quería—”",
        "—No te entiendo —respondió Juan, mirándolo—": "“No te entiendo ”respondió Juan, mirándolo",
    }
    for given, read in cases.items():
        assert dash_speech([given]) == [read], given
    # French: « opens the first turn, the next turns open with a dash, » ends the last.
    block = ["« Bonjour, dit-il.", "— Bonjour, répondit-elle.", "— Il pleut. »"]
    pars = dash_speech([book_marks("«x» " * MIN_MARKS).apply(p) for p in block])
    assert pars == ["“ Bonjour, dit-il.”", "“ Bonjour, répondit-elle.”", "“ Il pleut.”"]
    assert len(extract_utterances(pars, paragraph_turns=True)) == 3
    # A plain-text e-book types the dash as --.
    hyphens = "--¿Vienes?--preguntó Juan.\n--No puedo.\n" * MIN_MARKS
    assert book_marks(hyphens).hyphens and said(hyphens)[:2] == ["¿Vienes?", "No puedo."]


def test_books_quoted_otherwise_are_left_as_they_are():
    english = "“Where is it?” asked Tom.\n“Here,” said Mary. “Look.”\n" * MIN_MARKS
    chinese = "宝玉道：“你来了。”\n——黛玉道：“我来了。”\n" * MIN_MARKS
    few = "«Où?» demanda Tom.\n" * (MIN_MARKS - 1)
    # An English book with dashes for interruptions, not for speech.
    dashes = "—and then he left.\n“Why?” asked Tom.\n“Because,” said Mary.\n" * MIN_MARKS
    # Speech quoted “…” (or „…“), titles and phrases in «…» or »…«.
    titles = "“Where?” asked Tom. “In «Le Monde».”\n“The boys’ hats,” said Mary.\n" * MIN_MARKS
    german = "„Nein, nur Hans’ Notizen“, sagte er. „Gut.“ »Faust« lag da.\n" * MIN_MARKS
    for text in (english, chinese, few, dashes, titles):
        marks = book_marks(text)
        assert marks.table is None and not marks.dash and marks.name == "", text[:20]
    assert book_marks(german).name == "„…“"
    assert said(german)[:2] == ["Nein, nur Hans’ Notizen", "Gut."]
    # A Polish „…” closes with ”, which every parser here reads already.
    assert book_marks("„Gdzie?” zapytał Tom.\n" * MIN_MARKS).table is None


def test_a_guillemet_book_prepares_into_dialogue_pairs(tmp_path):
    book = exchanges("«Où est le {0}, {1}?» demanda-t-il.", "«Le {0}? Je ne sais pas», dit {1}.")
    path = tmp_path / "livre.txt"
    path.write_text(book, encoding="utf-8")
    novel = read_novel(path)
    assert novel.marks == "«…»" and novel.paragraphs[1].startswith("“Où est le pain")
    manifest = prepare(path, tmp_path / "out", SMALL).manifest
    assert manifest["source"]["marks"] == "«…»" and manifest["counts"]["pairs"] >= 50
    rows = dict(summary(manifest)[0])
    assert rows["quotation marks"] == "“…” (the book's «…», read as such)"
    assert rows["pairs"].endswith("from dialogue")
