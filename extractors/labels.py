"""Drug-label relations from section semantics (``LabelRelationExtractor``).

In a label the section says what a mention means: a disease under Indications is treated
by the label's drug, one under Adverse Reactions is caused by it. The label's own drug
(its active moieties) is the subject of every statement; objects are the linked mentions
found in the section's text, by whatever recogniser and linker the pipeline uses.

| section (LOINC)                         | object      | predicate                                  |
|-----------------------------------------|-------------|--------------------------------------------|
| Indications & Usage 34067-9             | Disease     | TREATS                                     |
| Contraindications 34070-3, Do Not Use   | Disease     | CONTRAINDICATED_IN                         |
|                                         | Drug        | INTERACTS_WITH (CONTRAINDICATED_IN when    |
|                                         |             | the clause is about hypersensitivity)      |
| Drug Interactions 34073-7               | Drug        | INTERACTS_WITH, the sentence as the note   |
| Boxed Warning, Warnings (and            | Drug        | INTERACTS_WITH, only after a word of use   |
| Precautions), Precautions               |             | together ("concomitant use of ... with")   |
| Adverse Reactions 34084-4, Boxed 34066-1| Disease     | CAUSES                                     |
| Mechanism of Action 43679-0             | Gene        | TARGETS, action from the verb              |
| Pharmacogenomics 66106-6                | Gene/Variant| AFFECTS_RESPONSE                           |
| any section, genotype wording           | Gene/Variant| AFFECTS_RESPONSE                           |

A combination's sentence is about the ingredients it names, or the last ones its section
named; a genotype sentence that names none is about the ingredients the label names beside
that gene elsewhere ("CYP2C19" in an aspirin and clopidogrel label is clopidogrel's). A gene
named as a drug class ("TNF blockers") or as a measured or changed quantity ("apo B, and TG
levels", "reduces LDL-C and apo B") modifies no response. A Mechanism of Action gene the
sentence only measures ("insulin sensitivity", "levels of apo B", one of a list the drug
"reduces"), or one in a sentence that neither names the drug nor states an action, is no
target. A condition named as a kind of product ("pain reliever/fever reducer", "other
erectile dysfunction therapies", "anti-hypertensives") is none, and one patients are
counselled about is no adverse effect.
An adverse-reaction condition that is a risk factor, a history or the treated
population ("patients with a prior history of peptic ulcer disease"), or a procedure's site
("following cataract surgery"), is no effect of the drug. A substance named inside a class,
a pathway or a measure ("serotonin and norepinephrine reuptake inhibitors", "calcium channel
blockers", "creatinine clearance"), the salt of a drug ("FENOPROFEN CALCIUM"), its metabolite
("its glucuronide"), or a substance of the body the sentence measures in the patient ("blood
glucose levels", "lactate metabolism", "serum bicarbonate") is no interacting drug, nor is a
class the label's drug belongs to, unless named as others of it: "NSAIDs may diminish the
effect of ACE inhibitors" in a naproxen label is naproxen itself, "other NSAIDs" are not.

A contraindicated condition written with a word that none of its linked entity's names has
("basilar migraine", which the linker let go to Migraine Disorders) is not stated: the
broader condition would warn every migraine patient.
A Contraindications sentence that reports reactions ("Hypersensitivity reactions have been
reported, including rash and urticaria") states adverse effects, not contraindications, unless
it also advises against use; a cross-reference's heading in it names nothing. A target named
without an action where the label states one action for it elsewhere is that one statement.

In the sections that name interacting drugs, drug classes the tagger left out ("NSAIDs",
"diuretics", "anticoagulants", "CYP3A4 inhibitors") are read and linked like any name. In a
combination's label they are read everywhere, and a sentence that names no ingredient but a
class some of them belong to ("NSAIDs cause serious gastrointestinal adverse events" in a
sumatriptan and naproxen label, "MAOI interactions with opioids" in a hydrocodone and
ibuprofen label) is about those; where the section reads drugs as objects, the class is one,
of those ingredients ("other NSAIDs"). A sentence that names the product ("hydrocodone
bitartrate and ibuprofen tablets") is about the ingredient it also names alone ("the plasma
concentration of hydrocodone"), else, outside Indications, about those of a class it names
("like that of other NSAIDs"). Warning sections name an interacting drug only after a word of
use together. A target's action is read from its clause, not from a relative clause after it
("COX-1 ... to thromboxane A2, which is a potent agonist").

Negation and speculation cues ("is not indicated for", "may cause") mark the evidence.
Evidence: ``document_id`` is ``SPL:<setid>@<version>`` (set id and version), ``section``
the LOINC code, ``source_kind`` LABEL. The label drug is rarely named in the sentence, so
the subject span is then empty (start = end = sentence start).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Protocol

from extractors.base import LinkedMention
from extractors.cues import assess
from extractors.linking.normalize import SALT_WORDS, norm, strip_salt, tokens
from extractors.relations.schema import response_direction
from extractors.variants import modifier_gene
from kg import drug_classes
from kg.model import (
    Document,
    Entity,
    EntityType,
    Evidence,
    Mention,
    Predicate,
    Sentence,
    SourceKind,
    Statement,
    TargetAction,
)

INDICATIONS = "34067-9"
CONTRAINDICATIONS = "34070-3"
DO_NOT_USE = "50570-1"  # OTC Drug Facts
DRUG_INTERACTIONS = "34073-7"
ADVERSE_REACTIONS = "34084-4"
BOXED_WARNING = "34066-1"
MECHANISM_OF_ACTION = "43679-0"
PHARMACOGENOMICS = "66106-6"
WARNINGS_AND_PRECAUTIONS = "43685-7"
WARNINGS = "34071-1"
PRECAUTIONS = "42232-9"
GENERAL_PRECAUTIONS = "34072-9"
# sections that warn of interactions among much else: a drug there interacts only after a
# word of use together ("Concomitant use of opioids with benzodiazepines ... may result in
# profound sedation"; "concomitant use of oral corticosteroids, aspirin, anticoagulants")
CO_USE_SECTIONS = frozenset(
    {BOXED_WARNING, WARNINGS_AND_PRECAUTIONS, WARNINGS, PRECAUTIONS, GENERAL_PRECAUTIONS}
)

# section code -> object type -> predicate
SECTION_RULES: Mapping[str, Mapping[EntityType, Predicate]] = MappingProxyType(
    {
        INDICATIONS: {EntityType.DISEASE: Predicate.TREATS},
        CONTRAINDICATIONS: {
            EntityType.DISEASE: Predicate.CONTRAINDICATED_IN,
            EntityType.DRUG: Predicate.INTERACTS_WITH,
        },
        DO_NOT_USE: {
            EntityType.DISEASE: Predicate.CONTRAINDICATED_IN,
            EntityType.DRUG: Predicate.INTERACTS_WITH,
        },
        DRUG_INTERACTIONS: {EntityType.DRUG: Predicate.INTERACTS_WITH},
        ADVERSE_REACTIONS: {EntityType.DISEASE: Predicate.CAUSES},
        BOXED_WARNING: {
            EntityType.DISEASE: Predicate.CAUSES,
            EntityType.DRUG: Predicate.INTERACTS_WITH,  # after a word of use together
        },
        **{code: {EntityType.DRUG: Predicate.INTERACTS_WITH} for code in CO_USE_SECTIONS - {BOXED_WARNING}},
        MECHANISM_OF_ACTION: {EntityType.GENE: Predicate.TARGETS},
        PHARMACOGENOMICS: {
            EntityType.GENE: Predicate.AFFECTS_RESPONSE,
            EntityType.VARIANT: Predicate.AFFECTS_RESPONSE,
        },
    }
)
SUBJECT_KEYS = ("active_moieties", "active_ingredients", "generic_names")

_GENOTYPE = re.compile(
    r"\b(poor|intermediate|extensive|normal|ultra-?rapid|rapid)\s+metaboli[sz]ers?\b|\bgenotyp\w*|"
    r"\bpolymorphi\w*|\balleles?\b|\bcarriers?\b|\bhomozyg\w*|\bheterozyg\w*|\bpharmacogenomic\w*|"
    r"\bHLA-[A-Z]+\*?\d*|\*\d+\b|\bvariants?\b",
    re.IGNORECASE,
)
# "TNF blockers", "CYP3A4 inhibitors": a class of drugs, not a genotype
_DRUG_CLASS_AFTER = re.compile(
    r"^[\s-]*(blockers?|inhibitors?|inducers?|antagonists?|agonists?|antibod(?:y|ies))\b",
    re.IGNORECASE,
)
# "pain reliever", "fever reducer", "allergy medicine": a kind of product, not a condition
_PRODUCT_AFTER = re.compile(
    r"^[\s-]*(?:reducers?|relievers?|medicines?|medications?|therapies|treatments|agents|drugs)\b", re.I
)
# "Anti-hypertensives", "antidiabetic": a class of drugs against the condition
_ANTI_BEFORE = re.compile(r"\banti-?$", re.I)
# "Counseling Patients About Sexually Transmitted Diseases": advice, not an effect
_ADVICE_BEFORE = re.compile(r"\b(?:counsel\w*|advis\w*|educat\w*|inform\w*)\s+(?:\w+\s+){0,2}about\s+$", re.I)
# a substance named as part of another term in an interaction sentence: a class ("serotonin
# and norepinephrine reuptake inhibitors", "calcium channel blockers", "nitric oxide
# donors"), a pathway or a measure ("the renin-angiotensin conversion pathway", "blood
# pressure", "glucose-lowering action") or a condition ("serotonin syndrome", "vitamin K
# deficiency"); not "lithium levels" or "methotrexate clearance", which the interaction changes
_PART_OF_TERM_AFTER = re.compile(
    r"^(?:[\s/-]+(?:and\s+|or\s+)?[\w-]+){0,2}?[\s/-]+(?:re)?(?:uptake|release|converting|conversion|"
    r"channels?|pathways?|control|pressure|lowering|synthesis|production|secretion|donors?|"
    r"syndrome|deficiency)\b",
    re.IGNORECASE,
)
# what a label measures, never a drug given with it ("creatinine clearance", "blood glucose")
_NO_INTERACTANT = frozenset(
    {"creatinine", "blood", "serum", "plasma", "urine", "urea", "urea nitrogen", "blood urea nitrogen"}
    | {"bilirubin", "uric acid", "smoking"}
)
# substances of the body that labels also give as drugs: an interactant unless the sentence
# measures them in the patient ("blood glucose levels", "urinary potassium", "lactate
# metabolism", "renal prostaglandins", "serum bicarbonate")
_ANALYTES = frozenset(
    "MESH:" + d
    for d in (
        "D005947",  # Glucose
        "D011188",  # Potassium
        "D012964",  # Sodium
        "D002712",  # Chlorides
        "D002118",  # Calcium
        "D008274",  # Magnesium
        "D010710",  # Phosphates
        "D001639",  # Bicarbonates
        "D019344",  # Lactic Acid
        "D000641",  # Ammonia
        "D011453",  # Prostaglandins
        "D013256",  # Steroids
        "D012701",  # Serotonin
        "D002784",  # Cholesterol
        "D014280",  # Triglycerides
        "D020719",  # Glucuronides
        "D007328",  # Insulin
    )
)
_IN_THE_PATIENT_BEFORE = re.compile(
    r"\b(?:blood|serum|plasma|urinary|urine|renal|fasting|circulating|endogenous)\s+"
    r"(?:[\w-]+\s+){0,3}$",
    re.IGNORECASE,
)
_ANALYTE_AFTER = re.compile(
    r"^[\s)-]*(?:levels?|concentrations?|excretion|metabolism|values?|"
    r"clearance|tolerance|control|balance)\b",
    re.IGNORECASE,
)
_CO_USE = re.compile(
    r"\b(?:concomitant(?:ly)?(?!\s+(?:elevat|increas|decreas|reduc|rise|chang|sign|symptom|"
    r"condition|disease|illness|infection))|co-?administ\w*|co-?prescri\w*|(?:in\s+)?combination\s+with|"
    r"combined\s+with|together\s+with|(?<!compared\s)with\s+other)\b",
    re.IGNORECASE,
)
# what joins a combination's ingredients in its product name or a list of them: "and", "or",
# "/", commas, a salt word before ("hydrocodone bitartrate and ibuprofen")
_PRODUCT_GLUE = re.compile(
    r"(?:\s+[A-Za-z]+)?\s*(?:,\s*(?:and\b|or\b|&)?|/|\+|&|\band\b|\bor\b)\s*", re.IGNORECASE
)
# words of degree or state, and generic heads, that qualify a condition without naming a
# narrower one ("severe", "allergic-type reactions", "syndrome of asthma")
_DEGREE_WORDS = frozenset(
    {"severe", "mild", "moderate", "active", "acute", "chronic", "significant", "uncontrolled"}
    | {"known", "suspected", "history", "clinically", "symptomatic", "advanced", "serious"}
    | {"existing", "preexisting", "underlying", "reaction", "reactions", "type", "syndrome"}
)
# others of a class, or a list that others head: "other NSAIDs or salicylates"
_OTHER_BEFORE = re.compile(r"\b(?:other|another|additional)\s+(?:[\w(),-]+\s+){0,4}$", re.IGNORECASE)
# the label's own drug's derivative ("naproxen and its glucuronide", "the active sulfide
# metabolite") or a body system named for a substance ("renin-angiotensin system")
_ITS_BEFORE = re.compile(r"\bits\s+(?:active\s+)?$", re.IGNORECASE)
_METABOLITE_OR_SYSTEM_AFTER = re.compile(r"^[\s-]+(?:metabolites?|system)\b", re.IGNORECASE)
# "FENOPROFEN CALCIUM", "esomeprazole magnesium": the salt of the drug named just before it
_WORD_BEFORE = re.compile(r"([A-Za-z][\w-]*)\s+$")
_LIST_ITEM = r"[\w-]+(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)"  # "LDL-C, ", "TG and "
# "apo B, and TG levels": the gene is one of a list of measured quantities
_MEASURED_LIST_AFTER = re.compile(
    rf"^\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or)\s+)(?:{_LIST_ITEM})*[\w-]+\s+(?:levels?|concentrations?)\b",
    re.IGNORECASE,
)
# "LIPITOR reduces total-C, LDL-C, and apo B": a quantity the drug changes (not "patients
# with reduced CYP2D6 function"); a mechanism sentence's target only when it is one of a
# list ("reduces total-C, LDL-C, VLDL-C, apo B"): a single "reduces PCSK9" may name one
_CHANGES = r"\b(?:reduc|lower|rais|increas|decreas|elevat)\w*\s+"
_CHANGED_BEFORE = re.compile(rf"(?<!\bwith\s)(?<!\bof\s){_CHANGES}(?:{_LIST_ITEM})*$", re.I)
_CHANGED_LIST_BEFORE = re.compile(rf"{_CHANGES}(?:{_LIST_ITEM})+$", re.I)
_ALLERGY = re.compile(r"\b(hypersensitiv\w*|allerg\w*|anaphyla\w*|urticaria|sensitivity)\b", re.I)
# a condition that only describes who was treated or studied, not an effect of the drug
_POPULATION = re.compile(
    r"(\b(patients?|subjects?|adults?|child|children|infants?|women|men|persons|individuals|"
    r"people|those|trials?|studies|population)\s+(with|who\s+(have|had)|having|suffering\s+from)"
    r"|\bhistory\s+of)\s+([\w'-]+\s+){0,4}$"
    r"|(\b(treatment|management|therapy|prevention|prophylaxis)\s+(of|for)|\bfor)\s+(\w+\s+){0,3}$",
    re.IGNORECASE,
)
# Indications: a condition counts when its sentence states an indication...
_INDICATION_CUE = re.compile(
    r"\b(indicat\w*|treat\w*|management|manage|reliev\w*|relief|prevent\w*|prophyla\w*|"
    r"reduc\w*|benefi\w*|adjunct\w*|therap\w*|control\w*|"
    r"used (for|in|to)|effective (in|for)|cure|heal\w*|maintenance|symptomatic|suppress\w*|"
    r"palliat\w*|alleviat\w*|improv\w*|(as|is) (an? )?(aid|agent))\b",
    re.IGNORECASE,
)
# the rest of the clause, where "e.g." and "i.e." end no clause
_CLAUSE_REST = r"(?:[^.;]|\b(?:e\.g|i\.e|vs|etc)\.)*$"
# Adverse effects: nor is a risk factor for the drug's effect ("Risk factors for
# metformin-associated lactic acidosis include renal impairment, ..., and hepatic
# impairment") or the site of a procedure ("following cataract surgery")
_RISK_FACTOR = re.compile(
    r"\brisk factors?\b(?:[^.;]|\b(?:e\.g|i\.e)\.)*?\b(include|including|such as|are)\b"
    + _CLAUSE_REST,
    re.IGNORECASE,
)
_PROCEDURE_AFTER = re.compile(r"^\s+(surgery|surgical|transplant\w*|resection)\b", re.IGNORECASE)
# ...and is not a risk factor, a cause, a symptom in a list, the drug's own risk, or an
# organism's name
_NOT_INDICATION = re.compile(
    r"(\brisk factors? (such as|including|include|like)\b|\bsecondary causes?\b|"
    r"\bsymptoms? (include|including|such as)\b|\bhistory of\b|"
    r"\b(because of|due to) (the )?(potential|risk)\b|\b(potential|increased risk|at risk) (for|of)\b)"
    + _CLAUSE_REST,
    re.IGNORECASE,
)
# a limitation of use: the condition is one the drug is NOT for ("should not be used for
# the treatment of type 1 diabetes mellitus or diabetic ketoacidosis"); kept as negated
# evidence, since the label states it
_LIMITATION = re.compile(
    r"(\b(should|must|can|may) not be used\b|\bnot\s+(been\s+)?(studied|established|shown|indicated|"
    r"recommended|effective|approved|evaluated)\b|\bhas not, however, been\b|\blimitations? of use\b|"
    r"\bnot for (the )?(use|treatment)\b|\bdo(es)? not prevent\b|"
    r"\bno (satisfactory |adequate |substantial )?evidence\b|\bdata establishing the efficacy\b)"
    + _CLAUSE_REST,
    re.IGNORECASE,
)
# a condition that names the therapy an indication goes with ("nausea and vomiting
# associated with cancer chemotherapy"), not what the drug is for
_THERAPY_AFTER = re.compile(r"^[\s-]*(chemotherapy|therapy)\b", re.IGNORECASE)
# ... or who is treated: "penicillin allergic patients", "HIV infected adults", "patients
# allergic to desiccated thyroid"
_QUALIFIES_PATIENTS = re.compile(r"(allergic|hypersensitive|infected|positive)$", re.IGNORECASE)
_PEOPLE = r"patients?|adults?|children|individuals|subjects|persons|people"
_PATIENTS = re.compile(rf"^[\s-]*({_PEOPLE}|infants)\b", re.IGNORECASE)
_PATIENTS_BEFORE = re.compile(rf"\b({_PEOPLE})\s*$", re.IGNORECASE)
# a list of other conditions however far back its head stands in the clause: the causes
# to rule out first ("secondary causes for hypercholesterolemia (e.g., poorly controlled
# diabetes mellitus, ..., obstructive liver disease)"), a disease's symptoms ("characterized
# by ... numbness") or why patients are at risk ("because of existing ... diabetes")
_OTHER_CONDITIONS = re.compile(
    r"\b(secondary causes?|contributory to|characterized by|because of existing|"
    r"additional approved indications|"
    r"at (high |increased )?risk (of|for))\b" + _CLAUSE_REST,
    re.IGNORECASE,
)
# a condition the drug may bring on: "Hypotension, if it occurs, ...", "severe hypotension
# can occur from the combined effects"
_MAY_OCCUR = re.compile(
    r"^[\s,]*(if it occurs|occurs|(can|may|might|could) (occur|develop|result)|(has |have )?occurred)\b",
    re.IGNORECASE,
)
# conditions a label's Indications name without the drug treating them: an outcome
# ("reduce the risk of death"), no condition at all ("disease", "syndrome"), or the class
# word before the list of the infections meant ("indicated for the treatment of the
# following infections:"; on LabeledIn's dev half it dropped 18 false indications and no
# true one, F1 0.696 -> 0.704)
_NEVER_INDICATED = frozenset({"MESH:D003643", "MESH:D004194", "MESH:D013577", "MESH:D007239"})
_GENUS = re.compile(
    r"\b[A-Z][a-z]+(coccus|cocci|ella|bacter|monas|philus|plasma|bacillus|bacterium|dia|ria)\.?\s+$"
)
# between two items of one list of conditions ("empyema, anaerobic pneumonitis and lung
# abscess; serious skin ... infections")
_LIST_GLUE = re.compile(
    r"(?:[\s,;:()/]|\b(?:and|or|such as|including|especially|as well as|serious|severe|"
    r"acute|chronic|mild|moderate|uncomplicated|complicated)\b)*",
    re.IGNORECASE,
)
_CLAUSE_REACH = 100  # characters before a condition that its clause's cue words may use
_HEADING_WORDS = 6  # a condition among a sentence's first words is a heading ("1.2 Hyperlipidemia")

_ACTIONS = (
    (re.compile(r"\bantagonis\w*|\bblock\w*", re.I), TargetAction.ANTAGONIST),
    (re.compile(r"\bagonis\w*", re.I), TargetAction.AGONIST),
    (
        re.compile(r"\binhibit\w*|\bsuppress\w*|\breduc\w+ the activity", re.I),
        TargetAction.INHIBITOR,
    ),
    (re.compile(r"\bactivat\w*|\bstimulat\w*|\bpotentiat\w*", re.I), TargetAction.ACTIVATOR),
    (re.compile(r"\bsubstrate\b", re.I), TargetAction.SUBSTRATE),
    (re.compile(r"\bbind\w*|\bbound\b", re.I), TargetAction.BINDER),
)
NOTE_LIMIT = 400
# a gene product the sentence measures, not one the drug acts on: "insulin sensitivity",
# "levels of ... apolipoprotein B", "hormone levels, including prolactin"
_MEASURED_AFTER = re.compile(
    r"^[\s)-]*(levels?|concentrations?|sensitivity|resistance|secretion|release|production|"
    r"response|expression|synthesis)\b",
    re.IGNORECASE,
)
_MEASURE = r"\b(?:levels?|concentrations?)\s*(?:of|,?\s*(?:including|such as))\b"
_MEASURED_BEFORE = re.compile(_MEASURE + _CLAUSE_REST, re.IGNORECASE)

# for a mechanism sentence, anywhere before in the clause when no action or means comes
# between: "changes in the levels of adhesion molecules responsible for leukocyte migration
# (ELAM-1, VCAM-1, and ICAM-1"; not "lowers levels of LDL-C by inhibiting HMG-CoA reductase"
_LEVELS_OF = re.compile(".*" + _MEASURE + "(" + _CLAUSE_REST + ")", re.I | re.S)
_MEANS = re.compile(r"\b(?:by|via|through)\b", re.I)
# a relative clause after the target is about what it names last: "Inhibition of COX-1
# prevents conversion of arachidonic acid to thromboxane A2 (TXA2), which is a potent
# agonist of platelet aggregation" states no agonist of COX-1
_RELATIVE = re.compile(r",\s*which\b", re.I)
# what sets off the effect the drug acts against, not the drug's target: "platelet
# aggregation is inhibited in response to various stimuli such as ... collagen"
_STIMULI_BEFORE = re.compile(
    r"\b(?:stimul(?:i|us)|triggers?)\s*,?\s+(?:such\s+as|including|like)\b" + _CLAUSE_REST, re.I
)


# drug classes labels name as interacting drugs (linked like any name; see ``_class_mentions``)
_DRUG_CLASS = re.compile(
    r"\b(?:NSAIDs?|non-?steroidal anti-inflammatory drugs?|SSRIs?|selective serotonin reuptake "
    r"inhibitors?|monoamine oxidase inhibitors?|anticoagulants?|antiplatelet agents?|"
    r"(?:potassium-sparing |thiazide |loop )?diuretics?|ACE inhibitors?|angiotensin[- ]converting "
    r"enzyme inhibitors?|angiotensin receptor blockers?|corticosteroids?|opioids?|"
    r"benzodiazepines?|proton pump inhibitors?|antacids?|anticholinergics?|antipsychotics?|"
    r"nitrates?|sulfonylureas?|CYP3A4? inhibitors?|calcium channel blockers?|aminoglycosides?|"
    r"macrolides?|fluoroquinolones?|antidepressants?|anticonvulsants?|antiepileptic drugs?)\b",
    re.IGNORECASE,
)
# a contraindications sentence that reports what happened to patients, not a condition the
# drug must not be given in: "Hypersensitivity reactions have been reported, including rash"
_REPORTED = re.compile(r"\b(?:ha(?:s|ve)\s+been|were|was)\s+(?:\w+\s+)?reported\b", re.I)
# unless it also says whom not to give the drug to ("... has been reported in such patients,
# sulindac should not be administered to patients with ...")
_ADVISES = re.compile(r"\b(?:contraindicated|should\s+not|must\s+not|do\s+not|avoid\w*|caution)\b", re.I)
# inside a cross-reference that is still open: "(see WARNINGS: ... Preexisting Asthma"
_SEE_REFERENCE = re.compile(r"[(\[]\s*see\b[^)\]]*$", re.I)


_PACKAGING = re.compile(r"^\s*(?:USP|NF|NDC(?:\s*[#:]?\s*[\d-]+)?)\s*$", re.IGNORECASE)
_COMPANY_WORDS = frozenset(
    {
        "inc", "llc", "ltd", "corp", "corporation", "company", "div", "division",
        "laboratories", "labs", "pharmaceuticals", "pharmaceutical", "pharma", "industries",
        "services", "therapeutics", "technologies", "health", "usa",
    }
)  # fmt: skip


def _labeler_words(doc: Document) -> set[str]:
    """The labeler's name and its distinctive words ("pfizer" of "Pfizer Laboratories Div
    Pfizer Inc"), as ``norm`` keys."""
    name = norm(doc.metadata.get("labeler", ""))
    if not name:
        return set()
    words = {w for w in name.split() if len(w) >= 4 and w not in _COMPANY_WORDS}
    return {name, *words}


def _listed(doc: Document, key: str) -> list[str]:
    """A metadata list ("|"- or ";"-separated) as names, whitespace collapsed."""
    return [" ".join(n.split()) for n in re.split(r"[|;]", doc.metadata.get(key, "")) if n.strip()]


class _Lookup(Protocol):
    def lookup(
        self, text: str, types: Iterable[EntityType] | None = None, k: int = 10
    ) -> list[tuple[Entity, float]]: ...


LinkerLookup = Callable[[str, EntityType], Entity | None] | _Lookup


def _resolver(
    linker_lookup: LinkerLookup, min_score: float
) -> Callable[[str, EntityType], Entity | None]:
    if hasattr(linker_lookup, "lookup"):
        obj = linker_lookup

        def resolve(name: str, etype: EntityType) -> Entity | None:
            for ent, score in obj.lookup(name, [etype], 3):  # type: ignore[union-attr]
                if ent.type is etype and score >= min_score:
                    return ent
            return None

        return resolve
    return linker_lookup  # type: ignore[return-value]


def target_action(text: str) -> TargetAction:
    """The action a Mechanism of Action sentence states (first match in a fixed order)."""
    for pattern, action in _ACTIONS:
        if pattern.search(text):
            return action
    return TargetAction.UNKNOWN


@dataclass(frozen=True, slots=True)
class _Finding:
    predicate: Predicate
    mention: LinkedMention
    qualifiers: tuple[tuple[str, str], ...] = ()
    note: str = ""
    negated: bool = False  # the section says so ("should not be used for ..."), not a cue


class LabelRelationExtractor:
    """The ``RelationExtractor`` for drug labels.

    ``linker_lookup`` resolves the label's ingredient names to entities: either an object
    with ``lookup(text, types, k) -> [(Entity, score)]`` (``DictionaryLinker``) or a
    callable ``(name, EntityType) -> Entity | None``. Objects come from the ``mentions``
    handed to ``extract`` (any recogniser + linker).
    """

    name = "label-rules"
    version = "19"  # bump when a rule changes what a label states

    def __init__(self, linker_lookup: LinkerLookup, *, min_subject_score: float = 0.9) -> None:
        self._resolve = _resolver(linker_lookup, min_subject_score)

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"

    def subjects(self, doc: Document) -> list[Entity]:
        """The label's own drug(s): its active moieties, else ingredients, else generic names."""
        for key in SUBJECT_KEYS:
            found: dict[str, Entity] = {}
            for name in _listed(doc, key):
                ent = self._resolve(name, EntityType.DRUG)
                if ent is None:
                    bare = strip_salt(name)
                    ent = self._resolve(bare, EntityType.DRUG) if bare else None
                if ent is not None:
                    found.setdefault(ent.id, ent)
            if found:
                return list(found.values())
        return []

    def subject_entities(self, doc: Document) -> list[Entity]:
        """The label's own drugs as graph entities. A single drug takes the product names
        as synonyms, so that searching "Lipitor" finds atorvastatin."""
        subjects = self.subjects(doc)
        if len(subjects) != 1:
            return subjects
        own = subjects[0]
        known = {norm(n) for n in (own.name, *own.synonyms)}
        fresh: dict[str, str] = {}
        for n in _listed(doc, "products"):
            if norm(n) not in known:
                fresh.setdefault(norm(n), n)
        extra = list(fresh.values())
        return [replace(own, synonyms=(*own.synonyms, *extra))] if extra else subjects

    def own_names(self, doc: Document) -> dict[str, Entity]:
        """The label's product names (``norm``) -> its one own drug: "Lipitor" in Lipitor's
        label is atorvastatin, whether or not the vocabularies know the brand. A kit or a
        combination product names no single drug: nothing."""
        return _own_names(doc, self.subjects(doc))

    def relink(self, doc: Document, mentions: Sequence[LinkedMention]) -> list[LinkedMention]:
        """Mentions read again with what the label says of itself. Its product names are
        its drug, whatever type the tagger gave them ("VIAGRA" read as a disease in Viagra's
        label). Its labeler's name and packaging codes ("Pfizer", "USP", "NDC 0069-4200")
        are no entities: unlinked, they go rather than fill the graph's unlinked mentions."""
        subjects = self.subjects(doc)
        own = _own_names(doc, subjects)
        labeler = _labeler_words(doc)
        classes = self._class_mentions(doc, mentions, combination=len(subjects) > 1)
        if classes:
            spans = [(c.mention.start, c.mention.end) for c in classes]
            mentions = [  # "ACE" of "ACE inhibitors" is part of the class's name
                lm for lm in mentions if not any(s <= lm.mention.start and lm.mention.end <= e for s, e in spans)
            ]
            mentions = sorted([*mentions, *classes], key=lambda lm: lm.mention.start)
        out = []
        for lm in mentions:
            key = norm(lm.mention.text)
            ent = own.get(key)
            if ent is not None and (lm.entity is None or lm.mention.type is not EntityType.DRUG):
                mention = replace(lm.mention, type=EntityType.DRUG, ids=(ent.id,))
                lm = LinkedMention(mention, ent, 1.0, "label")
            elif lm.entity is None and (key in labeler or _PACKAGING.match(lm.mention.text)):
                continue
            out.append(lm)
        return out

    def _class_mentions(
        self, doc: Document, mentions: Sequence[LinkedMention], combination: bool
    ) -> list[LinkedMention]:
        """Drug classes the sections that name interacting drugs write ("NSAIDs", "diuretics",
        "anticoagulants", "CYP3A4 inhibitors") and no drug mention covers: the tagger, trained
        on abstracts that rarely annotate a class, leaves most of them out, or reads a part
        ("angiotensin" of "angiotensin receptor blockers"), which the class replaces. Each is
        linked like any name; a class the vocabularies do not know stays out. A combination's
        label reads them in every section: a class names its ingredients there
        (``_class_members``)."""
        out: dict[tuple[int, int], LinkedMention] = {}
        for sec in doc.sections:
            if not combination and EntityType.DRUG not in SECTION_RULES.get(sec.code or "", {}):
                continue
            for m in _DRUG_CLASS.finditer(doc.text, sec.start, sec.end):
                s, e = m.span()
                if (s, e) in out or any(
                    lm.mention.type is EntityType.DRUG
                    and lm.mention.start < e
                    and s < lm.mention.end
                    and not (s <= lm.mention.start and lm.mention.end <= e and lm.mention.end - lm.mention.start < e - s)
                    for lm in mentions
                ):
                    continue  # a drug mention has it already, or runs across it
                ent = self._resolve(m.group(0), EntityType.DRUG)
                if ent is None:
                    continue
                mention = Mention(s, e, m.group(0), EntityType.DRUG, "Chemical", (ent.id,), 1.0, self.tag)
                out[s, e] = LinkedMention(mention, ent, 1.0, "class")
        return list(out.values())

    def extract(
        self, doc: Document, sentences: Sequence[Sentence], mentions: Sequence[LinkedMention]
    ) -> tuple[list[Statement], list[Evidence]]:
        subjects = self.subjects(doc)
        if not subjects:
            return [], []
        if not sentences:
            from extractors.sentences import RuleSentenceSplitter

            sentences = RuleSentenceSplitter().split(doc)
        subject_ids = {s.id for s in subjects}
        classes_of = {s.id: frozenset(drug_classes.groups_of(s)) for s in subjects}  # once a label
        linked = sorted(
            (m for m in mentions if m.entity is not None), key=lambda m: m.mention.start
        )
        statements: dict[str, Statement] = {}
        evidence: dict[str, Evidence] = {}
        beside = _named_beside(sentences, linked, subject_ids) if len(subjects) > 1 else {}
        named_in: tuple[str | None, list[Entity]] = (None, subjects)  # section, its drugs
        for sent, inside in _by_sentence(sentences, linked):
            section = doc.section_at(sent.start)
            code = section.code if section else None
            own = [m for m in inside if m.entity.id in subject_ids]
            # a combination's sentence is about the ingredients it names, or the last ones
            # its section named ("Dipyridamole inhibits ... PDE" is not aspirin's target)
            if named_in[0] != code:
                named_in = (code, subjects)
            if len(subjects) > 1 and own:
                # the product named ("hydrocodone bitartrate and ibuprofen tablets") names
                # both; an ingredient named alone beside it says whose the statement is
                # ("... can increase the plasma concentration of hydrocodone"), else the
                # class of some ("sumatriptan and naproxen sodium, like that of other NSAIDs"),
                # except in an indication, where the class describes the product ("an opioid
                # agonist indicated for the management of pain")
                named = {m.entity.id for m in _outside_product_name(doc, own)}
                if not named and code != INDICATIONS:
                    named = {s.id for s in _class_members(inside, subjects, classes_of)}
                named = named or {m.entity.id for m in own}
                named_in = (code, [s for s in subjects if s.id in named])
            # "NSAIDs cause serious gastrointestinal events" in a naproxen and sumatriptan
            # label: naproxen's, in this sentence only (a list of headings may go on to
            # another ingredient's effects); "MAOI interactions with opioids" in a
            # hydrocodone and ibuprofen label: hydrocodone's
            members = (
                _class_members(inside, subjects, classes_of) if len(subjects) > 1 and not own else []
            )
            for f in self._findings(
                doc,
                sent,
                code,
                [m for m in inside if m.entity.id not in subject_ids],
                drug_named=bool(own),
            ):
                obj = f.mention
                rel_s = obj.mention.start - sent.start, obj.mention.end - sent.start
                # one argument only: a negation must come before it ("not indicated for X");
                # one after it is about X itself ("X not responsive to ...")
                cues = assess(
                    sent.text,
                    rel_s,
                    rel_s,
                    negation_window=(8, 0),
                    advice=f.predicate is Predicate.AFFECTS_RESPONSE,
                )
                about = members or named_in[1]
                if f.predicate is Predicate.AFFECTS_RESPONSE and not own and beside:
                    ids = beside.get(modifier_gene(obj.entity) or obj.entity.id, set())
                    about = [s for s in subjects if s.id in ids] or about
                for subj in about:
                    if f.predicate is Predicate.INTERACTS_WITH and _own_class(
                        doc, sent, obj, classes_of[subj.id]
                    ):
                        continue  # "NSAIDs may diminish ..." in a naproxen label: naproxen itself
                    st = (
                        Statement.make(obj.entity.id, f.predicate, subj.id, **dict(f.qualifiers))
                        if f.predicate is Predicate.AFFECTS_RESPONSE
                        else Statement.make(
                            subj.id, f.predicate, obj.entity.id, **dict(f.qualifiers)
                        )
                    )
                    statements.setdefault(st.key, st)
                    named = next((m for m in own if m.entity.id == subj.id), None)
                    s_span = (
                        (named.mention.start, named.mention.end)
                        if named
                        else (sent.start, sent.start)
                    )
                    o_span = (obj.mention.start, obj.mention.end)
                    if st.subject != subj.id and f.predicate is not Predicate.AFFECTS_RESPONSE:
                        s_span, o_span = o_span, s_span  # a symmetric statement was reordered
                    if f.predicate is Predicate.AFFECTS_RESPONSE:
                        s_span, o_span = o_span, s_span
                    ev = Evidence(
                        statement_key=st.key,
                        document_id=doc.id,
                        sentence=sent.text,
                        sentence_start=sent.start,
                        sentence_end=sent.end,
                        subject_start=s_span[0],
                        subject_end=s_span[1],
                        object_start=o_span[0],
                        object_end=o_span[1],
                        score=round(min(1.0, obj.score or 0.9), 4),
                        extractor=self.name,
                        extractor_version=self.version,
                        section=section.label if section else None,
                        source_kind=SourceKind.LABEL,
                        negated=cues.negated or f.negated,
                        speculative=cues.speculative,
                        note=f.note,
                        # the label's drug is the object of a modifier's statement and may
                        # be of a reordered symmetric one
                        subject_link="label" if st.subject == subj.id else obj.how,
                        object_link=obj.how if st.subject == subj.id else "label",
                    )
                    evidence.setdefault(ev.id, ev)
        return _settle_actions(statements, evidence)

    def _salt_of_drug(self, before: str) -> bool:
        """The word just before a salt word ("FENOPROFEN" of "FENOPROFEN CALCIUM") is a drug."""
        m = _WORD_BEFORE.search(before)
        return m is not None and self._resolve(m.group(1), EntityType.DRUG) is not None

    def _findings(
        self,
        doc: Document,
        sent: Sentence,
        code: str | None,
        mentions: list[LinkedMention],
        drug_named: bool = True,
    ) -> list[_Finding]:
        """What a section makes of a sentence's mentions. ``drug_named``: the sentence names
        one of the label's own drugs (or its product)."""
        rules = SECTION_RULES.get(code or "", {})
        genotype = bool(_GENOTYPE.search(sent.text))
        reported = bool(_REPORTED.search(sent.text)) and not _ADVISES.search(sent.text)
        out: list[_Finding] = []
        seen: set[tuple[str, str, bool]] = set()
        listed_after: int | None = None  # end of the last indication: a list may go on
        for lm in mentions:
            etype = lm.entity.type
            lead = doc.text[sent.start : lm.mention.start]  # the sentence up to the mention
            rest = doc.text[lm.mention.end : sent.end]  # and after it
            if etype is EntityType.DISEASE and (_PRODUCT_AFTER.match(rest) or _ANTI_BEFORE.search(lead)):
                continue  # "any other pain reliever/fever reducer", "anti-hypertensives": products
            before = lead[-60:]
            predicate = rules.get(etype)
            if predicate is Predicate.CONTRAINDICATED_IN and reported:
                if _SEE_REFERENCE.search(lead):
                    continue  # "(see PRECAUTIONS: Preexisting Asthma)": a heading, no condition
                predicate = Predicate.CAUSES  # "reactions have been reported, including rash"
            if predicate is Predicate.CONTRAINDICATED_IN and _narrower_than_linked(lm):
                continue  # "basilar migraine" linked as migraine would warn every migraine patient
            qualifiers: tuple[tuple[str, str], ...] = ()
            note = ""
            negated = False
            if etype in (EntityType.GENE, EntityType.VARIANT) and (
                genotype or code == PHARMACOGENOMICS
            ):
                if (
                    _DRUG_CLASS_AFTER.match(rest)
                    or _MEASURED_AFTER.match(rest)
                    or _MEASURED_LIST_AFTER.match(rest)
                    or _MEASURED_BEFORE.search(before)
                    or _CHANGED_BEFORE.search(before)
                ):
                    continue  # a class of drugs, or a quantity measured: no genotype
                predicate = Predicate.AFFECTS_RESPONSE
                qualifiers = (("direction", response_direction(sent.text).value),)
            elif predicate is None:
                continue
            elif predicate is Predicate.TARGETS:
                action = target_action(lead + lm.mention.text + _RELATIVE.split(rest, 1)[0])
                if (
                    _MEASURED_AFTER.match(rest[:30])
                    or _levels_of(lead)
                    or _CHANGED_LIST_BEFORE.search(before)
                    or _STIMULI_BEFORE.search(lead)
                    or (action is TargetAction.UNKNOWN and not drug_named)
                ):
                    continue  # measured, a stimulus, or a sentence that neither names the drug nor acts
                qualifiers = (("action", action.value),)
            elif predicate is Predicate.CAUSES and (
                _POPULATION.search(before)
                or _ADVICE_BEFORE.search(before)
                or _RISK_FACTOR.search(lead)
                or _PROCEDURE_AFTER.match(rest)
            ):
                continue  # who was treated ("in patients with rheumatoid arthritis"), or a risk
            elif predicate is Predicate.TREATS:
                listed = listed_after is not None and bool(
                    _LIST_GLUE.fullmatch(doc.text[listed_after : lm.mention.start])
                )
                if not _states_indication(doc, sent, lm, listed=listed):
                    continue
                negated = _limited(doc, sent, lm)
                listed_after = lm.mention.end
            elif predicate is Predicate.INTERACTS_WITH:
                word = norm(lm.mention.text)
                if (
                    word in _NO_INTERACTANT
                    or _PART_OF_TERM_AFTER.match(rest)
                    or (word in SALT_WORDS and self._salt_of_drug(before))
                    or _ITS_BEFORE.search(before)
                    or _METABOLITE_OR_SYSTEM_AFTER.match(rest)
                ):
                    continue  # "serotonin reuptake inhibitors", "FENOPROFEN CALCIUM": no drug of its own
                if code in CO_USE_SECTIONS and not _CO_USE.search(lead):
                    continue  # a warning's drug that is not said to be used with this one
                if lm.entity.id in _ANALYTES and (
                    _IN_THE_PATIENT_BEFORE.search(before)
                    or _ANALYTE_AFTER.match(rest)
                    or _MEASURED_BEFORE.search(before)
                ):
                    continue  # measured in the patient, not given
                if code in (CONTRAINDICATIONS, DO_NOT_USE) and _ALLERGY.search(before):
                    predicate = Predicate.CONTRAINDICATED_IN
                else:
                    note = " ".join(sent.text.split())[:NOTE_LIMIT]
            key = (predicate.value, lm.entity.id + repr(qualifiers), negated)
            if key in seen and not note:
                continue
            seen.add(key)
            out.append(_Finding(predicate, lm, qualifiers, note, negated))
        return out


def _own_names(doc: Document, subjects: Sequence[Entity]) -> dict[str, Entity]:
    """``LabelRelationExtractor.own_names`` for the label's resolved ``subjects``."""
    if len(subjects) != 1:
        return {}
    return {key: subjects[0] for key in map(norm, _listed(doc, "products")) if key}


def _outside_product_name(doc: Document, own: Sequence[LinkedMention]) -> list[LinkedMention]:
    """The mentions of a combination's ingredients that are not part of its product name or a
    list of them, ingredients joined by "and", "or", "/" or commas, a salt word between
    ("hydrocodone bitartrate and ibuprofen", "aspirin, caffeine, or butalbital")."""
    in_name: set[int] = set()
    for i, a in enumerate(own):
        for j in range(i + 1, len(own)):
            b = own[j]
            if a.entity.id != b.entity.id and _PRODUCT_GLUE.fullmatch(doc.text[a.mention.end : b.mention.start]):
                in_name.update((i, j))
    return [m for i, m in enumerate(own) if i not in in_name]


def _class_named(lm: LinkedMention) -> drug_classes.DrugGroup | None:
    """The drug class (``kg.drug_classes``) a mention names, by its entity's name or its text."""
    return drug_classes.group_named(lm.entity.name) or drug_classes.group_named(lm.mention.text)


def _own_class(doc: Document, sent: Sentence, obj: LinkedMention, subject_classes: frozenset[str]) -> bool:
    """A class the subject belongs to (``subject_classes``), named as the subject itself
    ("NSAIDs may diminish the antihypertensive effect of ACE inhibitors" in a naproxen
    label), not as others of it ("other NSAIDs or salicylates")."""
    group = _class_named(obj)
    if group is None or group.name not in subject_classes:
        return False
    return not _OTHER_BEFORE.search(doc.text[max(sent.start, obj.mention.start - 60) : obj.mention.start])


def _narrower_than_linked(lm: LinkedMention) -> bool:
    """A condition written with a word none of its entity's names has, which the linker let go
    to reach a broader one ("basilar migraine" as Migraine Disorders, "ischemic bowel disease"
    as Intestinal Diseases); a word of degree or state ("severe", "active") is no narrowing."""
    names = {w[:6] for n in (lm.entity.name, *lm.entity.synonyms) for w in tokens(n)}
    return any(
        len(w) >= 4 and w not in _DEGREE_WORDS and w[:6] not in names for w in tokens(lm.mention.text)
    )


def _class_members(
    mentions: Sequence[LinkedMention],
    subjects: Sequence[Entity],
    classes_of: Mapping[str, frozenset[str]],
) -> list[Entity]:
    """The ingredients of a combination a sentence names by their class ("NSAIDs" in a
    sumatriptan and naproxen label is naproxen): the members of the classes its drug mentions
    name (``kg.drug_classes``; ``classes_of`` holds each subject's, by id), when they are some
    of the ingredients but not all. Where the
    section reads drugs as objects the class stays one of them: "Concomitant use with other
    NSAIDs" in that label is an interaction of naproxen's, as in a naproxen label."""
    groups = {
        group.name
        for lm in mentions
        if lm.entity.type is EntityType.DRUG and (group := _class_named(lm)) is not None
    }
    members = [s for s in subjects if groups & classes_of[s.id]] if groups else []
    return members if len(members) < len(subjects) else []


def _settle_actions(
    statements: Mapping[str, Statement], evidence: Mapping[str, Evidence]
) -> tuple[list[Statement], list[Evidence]]:
    """A target the label names without an action ("sildenafil is selective for PDE5") where
    it states one action elsewhere ("by inhibiting ... PDE5") is that one statement, not a
    second edge with an unknown action."""
    unknown = TargetAction.UNKNOWN.value
    known: dict[tuple[str, str], list[str]] = {}
    for st in statements.values():
        if st.predicate is Predicate.TARGETS and st.qualifier("action") != unknown:
            known.setdefault((st.subject, st.object), []).append(st.key)
    moved = {
        key: known[st.subject, st.object][0]
        for key, st in statements.items()
        if st.predicate is Predicate.TARGETS
        and st.qualifier("action") == unknown
        and len(known.get((st.subject, st.object), ())) == 1
    }
    if not moved:
        return list(statements.values()), list(evidence.values())
    settled: dict[str, Evidence] = {}
    for ev in evidence.values():
        ev = replace(ev, statement_key=moved.get(ev.statement_key, ev.statement_key))
        settled.setdefault(ev.id, ev)
    return [st for key, st in statements.items() if key not in moved], list(settled.values())


def _levels_of(lead: str) -> bool:
    """The clause before a gene measures it (``_LEVELS_OF``) with no action or means between."""
    m = _LEVELS_OF.search(lead)
    if m is None:
        return False
    between = m.group(1)
    return target_action(between) is TargetAction.UNKNOWN and not _MEANS.search(between)


def _states_indication(
    doc: Document, sent: Sentence, lm: LinkedMention, *, listed: bool = False
) -> bool:
    """Whether an Indications-section condition is what the drug is for (LabeledIn's sense).
    ``listed``: it continues a list whose previous item was an indication."""
    if lm.entity.id in _NEVER_INDICATED:
        return False
    if _GENUS.search(doc.text[max(sent.start, lm.mention.start - 30) : lm.mention.start]):
        return False  # "Streptococcus pneumoniae", "Haemophilus influenzae"
    if _NOT_INDICATION.search(_clause_lead(doc, sent, lm)):
        return False
    lead = doc.text[sent.start : lm.mention.start]
    if _OTHER_CONDITIONS.search(lead):
        return False
    after = doc.text[lm.mention.end : sent.end]
    if _THERAPY_AFTER.match(after) or _MAY_OCCUR.match(after):
        return False
    if _QUALIFIES_PATIENTS.search(lm.mention.text) and _PATIENTS.match(after):
        return False
    if _ALLERGY.match(lm.mention.text) and _PATIENTS_BEFORE.search(lead):
        return False  # "can be used in patients allergic to desiccated thyroid"
    if listed or len(lead.split()) < _HEADING_WORDS:
        return True
    # a cue earlier in the sentence introduces the condition: "indicated for the treatment
    # of ... X", however long the list before X ("infections such as empyema, ..., X")
    return bool(_INDICATION_CUE.search(lead))


def _limited(doc: Document, sent: Sentence, lm: LinkedMention) -> bool:
    """Whether the clause before an indication limits it away ("not for the treatment of")."""
    return bool(_LIMITATION.search(_clause_lead(doc, sent, lm)))


def _clause_lead(doc: Document, sent: Sentence, lm: LinkedMention) -> str:
    """The words that lead up to a condition, within its sentence: where "not for the
    treatment of" or "because of the potential for" would stand."""
    return doc.text[max(sent.start, lm.mention.start - _CLAUSE_REACH) : lm.mention.start]


def _by_sentence(
    sentences: Sequence[Sentence], linked: Sequence[LinkedMention]
) -> Iterator[tuple[Sentence, list[LinkedMention]]]:
    """Each sentence with the mentions inside it (``linked`` sorted by start), where it has any."""
    j = 0
    for sent in sentences:
        while j < len(linked) and linked[j].mention.start < sent.start:
            j += 1
        inside = []
        k = j
        while k < len(linked) and linked[k].mention.start < sent.end:
            if linked[k].mention.end <= sent.end:
                inside.append(linked[k])
            k += 1
        if inside:
            yield sent, inside


def _named_beside(
    sentences: Sequence[Sentence], linked: Sequence[LinkedMention], own: set[str]
) -> dict[str, set[str]]:
    """Gene (by symbol, or entity id) -> the label's own drugs named in a sentence with it."""
    out: dict[str, set[str]] = {}
    for _, inside in _by_sentence(sentences, linked):
        drugs = {m.entity.id for m in inside if m.entity.id in own}
        for m in inside if drugs else ():
            if m.entity.type in (EntityType.GENE, EntityType.VARIANT):
                out.setdefault(modifier_gene(m.entity) or m.entity.id, set()).update(drugs)
    return out
