"""Does a trial study the patient's condition? Read the way a clinician reads a record's conditions.

A compact hand-made table names common conditions (synonyms, abbreviations, MeSH headings) and
what each is a kind of, so "NSCLC", "Carcinoma, Non-Small-Cell Lung" and "non small cell lung
carcinoma" are one condition, and a lung-cancer patient is enrolled by a trial of lung neoplasms,
solid tumours or advanced cancer but not by one of breast cancer. Beyond the table, names are
compared as text (typos tolerated with rapidfuzz), and the MeSH ancestors a record carries say
when a trial studies a narrower kind of the patient's condition. Strings are read once and cached,
so checking thousands of trials takes well under a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

MATCHES, DIFFERS, UNKNOWN = "matches", "differs", "unknown"

# id < parent, parent = name; name; ...   (names are normalized before use)
_TABLE = """
cancer = cancer; cancers; malignancy; malignancies; malignant neoplasm; neoplasms; neoplasm; malignant tumor;
  advanced cancer; metastatic cancer; advanced malignancy; advanced malignancies; neoplasm metastasis;
  carcinoma; oncology; cancer patients; metastatic malignancy
named_cancer < cancer = a named cancer
solid_tumor < cancer = solid tumor; solid tumors; solid neoplasm; advanced solid tumor; solid malignancy;
  unspecified adult solid tumor protocol specific; unspecified childhood solid tumor protocol specific;
  neoplasms by site; metastatic solid tumor
heme_malignancy < cancer = hematologic malignancy; hematologic neoplasms; hematological malignancies;
  blood cancer; hematologic cancer; hematopoietic and lymphoid cell neoplasm; hemic and lymphatic cancer
lung_cancer < solid_tumor = lung cancer; lung neoplasms; lung carcinoma; carcinoma of the lung; bronchogenic carcinoma;
  carcinoma bronchogenic; pulmonary neoplasms; lung tumor; pulmonary cancer; cancer of lung; bronchial neoplasms
nsclc < lung_cancer = non small cell lung cancer; nsclc; non small cell lung carcinoma; carcinoma non small cell lung;
  non small cell carcinoma of lung; non small cell lung neoplasm; nonsmall cell lung cancer; non small cell
nsclc_adeno < nsclc = lung adenocarcinoma; adenocarcinoma of lung; adenocarcinoma of the lung;
  non squamous non small cell lung cancer; nonsquamous nsclc; non squamous nsclc
nsclc_squamous < nsclc = squamous cell lung cancer; squamous non small cell lung cancer; squamous cell carcinoma of lung;
  lung squamous cell carcinoma; squamous nsclc
sclc < lung_cancer = small cell lung cancer; sclc; small cell lung carcinoma; carcinoma small cell; small cell carcinoma of lung;
  oat cell carcinoma; extensive stage small cell lung cancer
mesothelioma < solid_tumor = mesothelioma; malignant mesothelioma; pleural mesothelioma
breast_cancer < solid_tumor = breast cancer; breast neoplasms; breast neoplasm; breast carcinoma; carcinoma of breast;
  mammary carcinoma; breast tumor; cancer of breast; male breast cancer; carcinoma ductal breast; ductal carcinoma in situ
tnbc < breast_cancer = triple negative breast cancer; tnbc; triple negative breast neoplasms
her2_breast < breast_cancer = her2 positive breast cancer; her2 breast cancer
prostate_cancer < solid_tumor = prostate cancer; prostatic neoplasms; prostate carcinoma; prostate adenocarcinoma;
  cancer of prostate; castration resistant prostate cancer; crpc; mcrpc
colorectal_cancer < solid_tumor = colorectal cancer; colorectal neoplasms; colorectal carcinoma; crc; colon cancer;
  colonic neoplasms; rectal cancer; rectal neoplasms; bowel cancer; colon carcinoma; rectal carcinoma
pancreatic_cancer < solid_tumor = pancreatic cancer; pancreatic neoplasms; pancreatic carcinoma; pancreatic adenocarcinoma;
  pancreatic ductal adenocarcinoma; pdac; cancer of pancreas
gastric_cancer < solid_tumor = gastric cancer; stomach cancer; stomach neoplasms; gastric carcinoma; gastric adenocarcinoma;
  gastroesophageal junction cancer; gastroesophageal junction adenocarcinoma
esophageal_cancer < solid_tumor = esophageal cancer; esophageal neoplasms; esophageal carcinoma;
  esophageal squamous cell carcinoma
liver_cancer < solid_tumor = liver cancer; liver neoplasms; hepatocellular carcinoma; hcc; carcinoma hepatocellular; hepatoma;
  primary liver cancer; adult primary liver cancer
biliary_cancer < solid_tumor = cholangiocarcinoma; bile duct cancer; biliary tract cancer; biliary tract neoplasms;
  gallbladder cancer; extrahepatic bile duct cancer; gallbladder neoplasms
kidney_cancer < solid_tumor = kidney cancer; kidney neoplasms; renal cell carcinoma; rcc; carcinoma renal cell; renal cancer;
  clear cell renal cell carcinoma
bladder_cancer < solid_tumor = bladder cancer; urinary bladder neoplasms; urothelial carcinoma; urothelial cancer;
  transitional cell carcinoma; bladder carcinoma; transitional cell cancer of the renal pelvis and ureter
ovarian_cancer < solid_tumor = ovarian cancer; ovarian neoplasms; ovarian carcinoma; epithelial ovarian cancer;
  fallopian tube cancer; primary peritoneal cavity cancer; primary peritoneal cancer; fallopian tube neoplasms
cervical_cancer < solid_tumor = cervical cancer; uterine cervical neoplasms; cervix cancer; cervical carcinoma; cancer of cervix
endometrial_cancer < solid_tumor = endometrial cancer; endometrial neoplasms; endometrial carcinoma; uterine cancer;
  uterine neoplasms; uterine corpus cancer
head_neck_cancer < solid_tumor = head and neck cancer; head and neck neoplasms; head and neck squamous cell carcinoma; hnscc;
  squamous cell carcinoma of head and neck; oral cancer; mouth neoplasms; laryngeal cancer; laryngeal neoplasms;
  oropharyngeal cancer; nasopharyngeal carcinoma; nasopharyngeal cancer; hypopharyngeal cancer
thyroid_cancer < solid_tumor = thyroid cancer; thyroid neoplasms; thyroid carcinoma; differentiated thyroid cancer
brain_tumor < solid_tumor = brain tumor; brain tumors; brain neoplasms; brain and central nervous system tumors;
  central nervous system tumors; cns tumor; central nervous system neoplasms; brain cancer
glioma < brain_tumor = glioma; glioblastoma; glioblastoma multiforme; gbm; astrocytoma; high grade glioma; low grade glioma;
  oligodendroglioma
melanoma < solid_tumor = melanoma; malignant melanoma; melanoma skin; cutaneous melanoma; uveal melanoma
skin_cancer < solid_tumor = skin cancer; skin neoplasms; non melanomatous skin cancer; basal cell carcinoma;
  cutaneous squamous cell carcinoma; merkel cell carcinoma
sarcoma < solid_tumor = sarcoma; sarcomas; soft tissue sarcoma; osteosarcoma; ewing sarcoma; rhabdomyosarcoma;
  bone cancer; leiomyosarcoma; liposarcoma; sarcoma kaposi; kaposi sarcoma
neuroblastoma < solid_tumor = neuroblastoma
germ_cell_tumor < solid_tumor = germ cell tumor; testicular cancer; testicular germ cell tumor; testicular neoplasms;
  extragonadal germ cell tumor; childhood germ cell tumor
gist < solid_tumor = gastrointestinal stromal tumor; gist; gastrointestinal stromal tumors
neuroendocrine_tumor < solid_tumor = neuroendocrine tumor; neuroendocrine tumors; neuroendocrine carcinoma; carcinoid tumor;
  gastrointestinal carcinoid tumor
cup < solid_tumor = carcinoma of unknown primary; cancer of unknown primary; neoplasms unknown primary
leukemia < heme_malignancy = leukemia; leukaemia; acute leukemia; chronic leukemia; refractory leukemia
aml < leukemia = acute myeloid leukemia; aml; leukemia myeloid acute; acute myelogenous leukemia; adult acute myeloid leukemia;
  acute nonlymphocytic leukemia
all < leukemia = acute lymphoblastic leukemia; leukemia lymphoblastic; precursor cell lymphoblastic leukemia lymphoma;
  acute lymphocytic leukemia; b cell acute lymphoblastic leukemia
cml < leukemia = chronic myeloid leukemia; cml; chronic myelogenous leukemia; leukemia myelogenous chronic bcr abl positive
cll < leukemia = chronic lymphocytic leukemia; cll; leukemia lymphocytic chronic b cell; small lymphocytic lymphoma
lymphoma < heme_malignancy = lymphoma; lymphomas; malignant lymphoma
hodgkin < lymphoma = hodgkin lymphoma; hodgkin disease; hodgkins lymphoma; classical hodgkin lymphoma
nhl < lymphoma = non hodgkin lymphoma; lymphoma non hodgkin; nhl; b cell lymphoma; t cell lymphoma
dlbcl < nhl = diffuse large b cell lymphoma; dlbcl; lymphoma large b cell diffuse
follicular_lymphoma < nhl = follicular lymphoma; lymphoma follicular
mantle_cell < nhl = mantle cell lymphoma; lymphoma mantle cell
myeloma < heme_malignancy = multiple myeloma; myeloma; plasma cell myeloma; multiple myeloma and plasma cell neoplasm;
  plasma cell neoplasm
mds < heme_malignancy = myelodysplastic syndromes; myelodysplastic syndrome; mds; myelodysplastic myeloproliferative neoplasms
mpn < heme_malignancy = myeloproliferative neoplasms; myeloproliferative disorders; chronic myeloproliferative disorders;
  polycythemia vera; essential thrombocythemia; myelofibrosis
hiv = hiv infections; hiv infection; hiv; hiv 1; hiv aids; acquired immunodeficiency syndrome; aids; human immunodeficiency virus
diabetes = diabetes mellitus; diabetes
t1d < diabetes = type 1 diabetes; diabetes mellitus type 1; type 1 diabetes mellitus; t1d;
  insulin dependent diabetes mellitus; t1dm
t2d < diabetes = type 2 diabetes; diabetes mellitus type 2; type 2 diabetes mellitus; t2d; t2dm;
  non insulin dependent diabetes mellitus;
  diabetes mellitus non insulin dependent
cardiovascular = cardiovascular diseases; cardiovascular disease; heart diseases; heart disease; cvd
coronary < cardiovascular = coronary disease; coronary artery disease; coronary heart disease; cad; coronary arteriosclerosis;
  myocardial ischemia; ischemic heart disease; angina pectoris; acute coronary syndrome
myocardial_infarction < coronary = myocardial infarction; heart attack; stemi; nstemi
heart_failure < cardiovascular = heart failure; heart failure congestive; congestive heart failure; chf; hfref; hfpef
atrial_fibrillation < cardiovascular = atrial fibrillation; afib
hypertension < cardiovascular = hypertension; high blood pressure; essential hypertension
stroke < cardiovascular = stroke; cerebrovascular accident; ischemic stroke; acute ischemic stroke
asthma = asthma; bronchial asthma
copd = chronic obstructive pulmonary disease; copd; pulmonary disease chronic obstructive; emphysema; chronic bronchitis
depression = depression; major depressive disorder; depressive disorder; mdd; depressive disorder major; major depression
schizophrenia = schizophrenia; schizoaffective disorder
bipolar = bipolar disorder; bipolar depression; manic depressive illness
alzheimer = alzheimer disease; alzheimers disease; alzheimer dementia; dementia alzheimer type
dementia = dementia
parkinson = parkinson disease; parkinsons disease; parkinson
multiple_sclerosis = multiple sclerosis; relapsing multiple sclerosis
epilepsy = epilepsy; seizures; seizure disorder
rheumatoid_arthritis = rheumatoid arthritis; arthritis rheumatoid
lupus = systemic lupus erythematosus; lupus erythematosus systemic; sle; lupus
psoriasis = psoriasis; plaque psoriasis
ibd = inflammatory bowel disease; inflammatory bowel diseases; ibd
crohn < ibd = crohn disease; crohns disease; crohn
ulcerative_colitis < ibd = ulcerative colitis; colitis ulcerative
obesity = obesity; obese; overweight and obesity
osteoporosis = osteoporosis; postmenopausal osteoporosis
osteoarthritis = osteoarthritis; degenerative arthritis
ckd = chronic kidney disease; kidney failure chronic; ckd; renal insufficiency chronic; end stage renal disease; esrd
hepatitis_b = hepatitis b; chronic hepatitis b; hbv; hepatitis b chronic
hepatitis_c = hepatitis c; chronic hepatitis c; hcv; hepatitis c chronic
covid = covid 19; covid19; sars cov 2 infection; coronavirus disease 2019
influenza = influenza; flu; influenza human
tuberculosis = tuberculosis; pulmonary tuberculosis
erectile_dysfunction = erectile dysfunction; impotence; male erectile disorder; vasculogenic erectile dysfunction
pregnancy = pregnancy; pregnant women; pregnancy complications
lead_poisoning = lead poisoning; lead exposure; elevated blood lead
sickle_cell = sickle cell disease; sickle cell anemia; anemia sickle cell
cystic_fibrosis = cystic fibrosis
prevention = cancer prevention; cancer screening; cancer risk; early detection of cancer; lung cancer screening;
  breast cancer screening; colorectal cancer screening; cancer risk reduction
healthy = healthy; healthy volunteers; healthy volunteer; healthy subjects; healthy adults; healthy participants;
  normal volunteers; healthy individuals; healthy people; healthy adult volunteers
"""

_SPELLINGS = (("tumour", "tumor"), ("leukaem", "leukem"), ("haem", "hem"), ("oesophag", "esophag"),
              ("anaem", "anem"), ("oedem", "edem"), ("paediatr", "pediatr"))
_STOP = frozenset({"of", "the", "and", "or", "in", "with"})
_WORD = re.compile(r"[^\W_]+")
_MAX_NAME_WORDS = 9
_TYPO_CUTOFF = 90


@lru_cache(maxsize=65536)
def normalize(text: str) -> tuple[str, ...]:
    """Words as the table keys them: lower case, British spellings made American, hyphens and
    punctuation split, filler words dropped, plurals trimmed ("Carcinoma, Non-Small-Cell Lung" →
    carcinoma non small cell lung). Cached: a name's concepts and its term both read its words."""
    text = text.lower().replace("'s", "").replace("’s", "")
    if "ae" in text or "oe" in text or "our" in text:  # every British spelling holds one of these
        for british, american in _SPELLINGS:
            text = text.replace(british, american)
    return tuple([word[:-1] if len(word) > 4 and word[-1] == "s" and word[-2] not in "sui" else word
                  for word in _WORD.findall(text) if word not in _STOP])


@dataclass(frozen=True, slots=True)
class Concept:
    id: str
    label: str
    """The first name in the table, as people say it ("non small cell lung cancer")."""
    ancestors: frozenset[str]
    """Every broader concept's id, up to the root."""


def _read_table() -> tuple[dict[str, Concept], dict[tuple[str, ...], str]]:
    parents: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    names: dict[tuple[str, ...], str] = {}
    for entry in re.split(r"\n(?=\S)", _TABLE.strip()):
        head, _, body = entry.partition("=")
        cid, _, parent = (p.strip() for p in head.partition("<"))
        parents[cid] = [p.strip() for p in parent.split(",") if p.strip()]
        spelled = [n.strip() for n in body.replace("\n", " ").split(";") if n.strip()]
        labels[cid] = spelled[0]
        for name in spelled:
            names.setdefault(normalize(name), cid)

    def ancestors(cid: str) -> frozenset[str]:
        found: set[str] = set()
        for parent in parents[cid]:
            found |= {parent} | ancestors(parent)
        return frozenset(found)

    concepts = {cid: Concept(cid, labels[cid], ancestors(cid)) for cid in parents}
    return concepts, names


CONCEPTS, _NAMES = _read_table()
_NAME_TEXTS = {" ".join(words): cid for words, cid in _NAMES.items()}


_NOT_A_SITE = frozenset({"advanced", "metastatic", "recurrent", "refractory", "relapsed", "stage", "i", "ii", "iii",
                         "iv", "adult", "childhood", "pediatric", "unresectable", "locally", "early", "late", "primary",
                         "secondary", "solid", "malignant", "invasive", "any", "other", "all", "unspecified", "new",
                         "de", "novo", "human", "active", "previously", "treated", "untreated", "high", "low", "grade"})


_EXAMPLES = frozenset({"including", "include", "includes", "notably", "especially"})
"""Words after which a name gives examples of a broader heading before it ("Solid Tumors, Including
Colorectal Cancers"): the heading is what the name speaks of."""


def _name_sizes() -> dict[str, tuple[int, ...]]:
    sizes: dict[str, set[int]] = {}
    for words in _NAMES:
        if 0 < len(words) <= _MAX_NAME_WORDS:
            sizes.setdefault(words[0], set()).add(len(words))
    return {word: tuple(sorted(counts, reverse=True)) for word, counts in sizes.items()}


_NAME_SIZES = _name_sizes()
"""The word counts of the table's names that begin with a word, longest first: `_read_names` looks
up only those, and passes over a word no name begins with at once."""
_NO_NAMES: tuple[frozenset[str], int, frozenset[str]] = (frozenset(), 0, frozenset())


def _read_names(words: tuple[str, ...]) -> tuple[frozenset[str], int, frozenset[str]]:
    """The table's conditions these words speak of, longest names first and each word read once,
    the most specific kept; how many words the names took up; and the examples of a heading that
    were left out for it."""
    found: list[tuple[str, bool]] = []  # (concept, named as an example)
    examples = False
    taken = i = 0
    count = len(words)
    while i < count:
        word = words[i]
        if word in _EXAMPLES or (word == "such" and words[i + 1:i + 2] == ("as",)):
            examples = True
        for size in _NAME_SIZES.get(word, ()):
            cid = _NAMES.get(words[i:i + size]) if size <= count - i else None
            if cid is not None:
                if cid == "cancer" and size == 1 and i and words[i - 1] not in _NOT_A_SITE:
                    cid = "named_cancer"
                found.append((cid, examples))
                taken += size
                i += size
                break
        else:
            i += 1
    if not found:
        return _NO_NAMES
    if len(found) == 1:  # one name: nothing for it to be an example of, nor more specific than
        return frozenset((found[0][0],)), taken, _NO_NAMES[2]
    headings = {c for c, example in found if not example}
    examples = {c for c, example in found if example and CONCEPTS[c].ancestors & headings}
    kept = {c for c, _ in found} - examples
    return frozenset(c for c in kept if not any(c in CONCEPTS[o].ancestors for o in kept)), taken, frozenset(examples)


@lru_cache(maxsize=65536)
def concepts_in(text: str) -> frozenset[str]:
    """The table's conditions a name speaks of, longest names first and each word read once, the
    most specific kept ("Stage IV NSCLC" → nsclc, not also lung cancer or cancer), and a heading
    kept over the examples it names ("Solid Tumors, Including Colorectal Cancers" → solid tumors).
    A generic word after a site the table does not know ("Penile Cancer") is a named cancer, not
    every cancer."""
    return _read_names(normalize(text))[0]


@lru_cache(maxsize=4096)
def _examples_in(text: str) -> frozenset[str]:
    """The conditions a name gives as examples of a heading it names (`concepts_in` leaves them out):
    none, without reading its names, when it has no word that introduces examples."""
    words = normalize(text)
    if _EXAMPLES.isdisjoint(words) and "such" not in words:
        return _NO_NAMES[2]
    return _read_names(words)[2]


_SAYING_WORDS = frozenset({
    "pre", "existing", "preexisting", "history", "known", "diagnosis", "diagnosed", "documented", "confirmed",
    "presence", "evidence", "clinical", "current", "currently", "prior", "previous", "previously", "any", "a", "an",
    "patient", "subject", "participant", "volunteer", "individual", "people", "men", "women", "who", "with", "has",
    "have", "had", "having", "is", "are", "by", "on"})
"""Words an exclusion item may hold beside a condition's name and still exclude all of it ("Known
history of prostate cancer", "Type 1 diabetes patients"): as `normalize` words them. Any other
word narrows it ("Uncontrolled hypertension", "Psychogenic erectile dysfunction")."""
_EXCLUDED_WORDS = 12
_ITEM_WORDS = frozenset(word for name in _NAMES for word in name) | _SAYING_WORDS
"""Every word an item that excludes a condition whole can hold: most items hold another, and are
passed over without reading names in them."""


def _spelled(word: str) -> set[str]:
    """Every word `normalize` reads as `word`: itself, British spellings of it, each with an "s"."""
    forms = {word}
    for british, american in _SPELLINGS:
        forms |= {form.replace(american, british) for form in forms if american in form}
    return forms | {form + "s" for form in forms}


_RAW_ITEM_WORDS = frozenset().union(*map(_spelled, _ITEM_WORDS)) | _STOP | {"s"}
"""`_ITEM_WORDS` as an item may write them before `normalize` (with the "s" of "'s"): an item with
any other word is passed over before its words are normalized."""


def excluded_concepts(items, conditions: list[str]) -> frozenset[str]:
    """The table's conditions an exclusion item names as the whole of what it excludes ("pre-existing
    prostate cancer", "Type 1 diabetes patients"): a short item of the condition's names and
    `_SAYING_WORDS` only. An item that says more ("prior PET scan for their NSCLC", "Uncontrolled
    diabetes") excludes some of its patients, not all; and one that names a condition of the
    trial's own `conditions` excludes a kind of it ("Metastatic prostate cancer") or another
    cohort's. `items` are `criteria.iter_items` tuples."""
    excluded: set[str] = set()
    for section, _label, _depth, text, _start in items:
        if section != "exclusion" or len(text) > 120 or text.rstrip().endswith(":"):  # a heading opens a list
            continue
        # Most items hold another word, most often among their first: read word by word up to it.
        if not _RAW_ITEM_WORDS.issuperset(map(re.Match.group, _WORD.finditer(text.lower()))):
            continue
        words = normalize.__wrapped__(text)  # an item's words are its own: not kept in the names' cache
        if not words or len(words) > _EXCLUDED_WORDS or not _ITEM_WORDS.issuperset(words):
            continue  # a word no name holds and no filler: the item says more than a condition
        found, taken, _ = _read_names(words)
        if found and taken + sum(word in _SAYING_WORDS for word in words) == len(words):
            excluded |= found
    if excluded:
        excluded -= frozenset().union(*(concepts_in(c) for c in conditions))
    return frozenset(excluded - {"named_cancer", "healthy", "prevention"})


def _patient_concepts(text: str) -> frozenset[str]:
    """As `concepts_in`, then, for a name the table misses, its closest name within a typo or two."""
    found = concepts_in(text)
    if found:
        return found
    query = " ".join(normalize(text))
    best = process.extractOne(query, _NAME_TEXTS.keys(), scorer=fuzz.ratio, score_cutoff=_TYPO_CUTOFF) if query else None
    return frozenset({_NAME_TEXTS[best[0]]}) if best else frozenset()


@dataclass(frozen=True, slots=True)
class PatientCondition:
    text: str
    words: str
    """The normalized name, for comparing with names the table does not know."""
    concepts: frozenset[str]


_FINDING = re.compile(r"involvement|metasta|\bgilbert", re.IGNORECASE)
"""Findings that change a trial's limits ("ANC ≥ 0.5 if bone marrow involvement"), not diagnoses a
trial studies."""


def read_conditions(texts: list[str]) -> list[PatientCondition]:
    """The patient's diagnoses as typed, each read once (the typo search is the costly part);
    findings such as "liver metastases" are left to the thresholds they qualify."""
    return [PatientCondition(t, " ".join(normalize(t)), _patient_concepts(t))
            for t in texts if t.strip() and not _FINDING.search(t)]


@dataclass(frozen=True, slots=True)
class ConditionResult:
    outcome: str
    """matches, differs or unknown."""
    text: str
    """Why, in a clinician's words; "" when there is nothing to say."""


_HEALTHY = frozenset({"healthy"})


def _is_healthy(texts: list[str]) -> bool:
    return bool(texts) and all(concepts_in(t) == _HEALTHY for t in texts)


def healthy_only(conditions: list[str], mesh_terms: list[str]) -> bool:
    """The trial's conditions name only healthy volunteers (no disease)."""
    return _is_healthy(conditions) and not any(concepts_in(m) - {"healthy"} for m in mesh_terms)


_SECONDARY_HEADING = ("neoplasm", "metastasis")
"""MeSH's "Neoplasm Metastasis" as `normalize` words it."""


def studied_concepts(conditions: list[str], mesh_terms: list[str]) -> frozenset[str]:
    """The table's conditions a trial studies: those its conditions name, and those its MeSH terms
    add. The registry files each condition under broad headings too ("Carcinoma" beside
    "Carcinoma, Hepatocellular", "Neoplasms, Plasma Cell" beside "Multiple Myeloma"): a heading
    broader than a condition the trial names is that condition filed, not a study of every cancer.
    And its indexer files any "secondary to" under "Neoplasm Metastasis" ("Macular Edema Secondary
    to Retinal Vein Occlusion"): that heading counts only when the conditions speak of metastases.
    A kind a condition gives as an example of its heading ("Solid Tumors, Including Colorectal
    Cancers"), filed again under its own MeSH term, is that example, not a list of kinds."""
    named = frozenset().union(*map(concepts_in, conditions))
    metastases = any("metasta" in c.lower() for c in conditions)
    filed: set[str] = set()
    for term in mesh_terms:
        if metastases or normalize(term) != _SECONDARY_HEADING:
            filed |= concepts_in(term)
    broader = frozenset().union(*(CONCEPTS[n].ancestors for n in named))
    examples = frozenset().union(*map(_examples_in, conditions))
    return (named | (filed - broader - examples)) - {"healthy"}


def _same_text(condition: PatientCondition, texts: list[str]) -> bool:
    """The patient's name, or a typo of it, is one of these names (or, for a name the table does not
    know, inside one: "lead poisoning" in "Lead Poisoning in Pregnancy")."""
    for text in texts:
        words = " ".join(normalize(text))
        if not words or (condition.concepts and concepts_in(text)):
            continue  # both named in the table: the table decides
        if fuzz.ratio(condition.words, words) >= _TYPO_CUTOFF:
            return True
        if not condition.concepts and f" {condition.words} " in f" {words} ":
            return True
    return False


def _names(concepts) -> str:
    return ", ".join(sorted(CONCEPTS[c].label for c in concepts))


def _listed(texts: list[str], limit: int = 3) -> str:
    shown = ", ".join(texts[:limit])
    return shown + (f" and {len(texts) - limit} more" if len(texts) > limit else "")


def _one(condition: PatientCondition, studied: frozenset[str], texts: list[str], keyword_concepts: frozenset[str],
         ancestor_texts: list[str]) -> ConditionResult | None:
    """How one of the patient's conditions stands: matched, narrower (unknown), or None (not studied)."""
    patient = condition.concepts
    for p in patient:
        lineage = CONCEPTS[p].ancestors | {p}
        exact = studied & {p}
        broader = studied & CONCEPTS[p].ancestors
        if exact:
            return ConditionResult(MATCHES, "")
        if broader:
            # A broad heading beside specific cancers names a list, not every cancer.
            specific = {t for t in studied - lineage if CONCEPTS[t].ancestors & broader}
            if specific:
                return ConditionResult(UNKNOWN, f"trial names {_names(broader)} but lists {_names(specific)}: "
                                                f"check that {condition.text} is enrolled")
            return ConditionResult(MATCHES, "")
        narrower = {t for t in studied if p in CONCEPTS[t].ancestors}
        if narrower:
            return ConditionResult(UNKNOWN, f"trial studies {_names(narrower)}, a kind of {CONCEPTS[p].label}: "
                                            "check the patient's type")
        if p in keyword_concepts:
            return ConditionResult(MATCHES, "")
    if _same_text(condition, texts):
        return ConditionResult(MATCHES, "")
    if _same_text(condition, ancestor_texts) or any(
            p in concepts_in(a) for p in patient for a in ancestor_texts):
        return ConditionResult(UNKNOWN, f"trial studies {_listed(texts)}, a kind of {condition.text}: "
                                        "check the patient's type")
    return None


def match_conditions(patient: list[PatientCondition], conditions: list[str], keywords: list[str],
                     mesh_terms: list[str], mesh_ancestors: list[str], excluded=frozenset()) -> ConditionResult:
    """Whether a trial (its conditions, keywords and MeSH terms) studies one of the patient's
    conditions: matches, differs (with what it studies instead, or the patient's condition its
    exclusion criteria name: `excluded_concepts`) or unknown (with why)."""
    if not patient:
        return ConditionResult(UNKNOWN, "")
    texts = [*conditions, *mesh_terms]
    if not texts:
        return ConditionResult(UNKNOWN, "trial names no condition")
    named = ", ".join(c.text for c in patient)
    if healthy_only(conditions, mesh_terms):
        return ConditionResult(DIFFERS, f"trial studies healthy volunteers, not {named}")
    ruled_out = [c.text for c in patient if c.concepts & excluded]
    if ruled_out:
        return ConditionResult(DIFFERS, f"trial excludes {', '.join(ruled_out)}")
    studied = studied_concepts(conditions, mesh_terms)
    keyword_concepts = frozenset().union(*(concepts_in(k) for k in keywords)) if keywords else frozenset()
    results = [r for c in patient if (r := _one(c, studied, [*texts, *keywords], keyword_concepts, mesh_ancestors))]
    for result in results:
        if result.outcome == MATCHES:
            return result
    if results:
        return results[0]
    return ConditionResult(DIFFERS, f"trial studies {_listed(conditions or mesh_terms)}, not {named}")
