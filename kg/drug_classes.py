"""A small curated table of drug classes and allergic cross-reactivity between them.

The graph has no notion of a drug class, but allergy checks need one: a patient
allergic to aspirin should be warned about naproxen. Members are matched by
normalised name or synonym of the store's drug entities (INN names, lower case).
The API's safety checks read it, and so does the label extractor, which gives a
combination label's sentence about "NSAIDs" to the ingredient that is one.

Sources (noted per rule, shown to users as ``Warning.sources``):

* NSAIDs: every US NSAID label contraindicates use in patients with "a history
  of asthma, urticaria, or other allergic-type reactions after taking aspirin
  or other NSAIDs"; CELEBREX adds that "cross-reactivity between aspirin and
  other NSAIDs has been reported in such aspirin-sensitive patients", and
  contraindicates celecoxib in patients with known hypersensitivity to
  sulfonamides (quoted from the SPL documents named below, which are in the
  project's label sample).
* Beta-lactams: US amoxicillin and cephalosporin labels contraindicate or warn
  about use after serious hypersensitivity to other beta-lactams (penicillins
  or cephalosporins). Paraphrased: those labels are not in the repository.
* Sulfonamide antibacterials: labels of sulfamethoxazole/trimethoprim
  contraindicate use with known hypersensitivity to sulfonamides. Paraphrased.

The weights are how strongly a warning demotes a candidate (see TREATMENT.md),
not probabilities of a reaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from kg.model import Entity
from kg.store import normalise_name


@dataclass(frozen=True, slots=True)
class DrugGroup:
    name: str
    aliases: tuple[str, ...]  # how clinicians write the class in an allergy list
    members: frozenset[str]  # normalised drug names


@dataclass(frozen=True, slots=True)
class CrossReactivity:
    allergen_group: str
    affected_group: str
    weight: float
    note: str
    source: str


CELEBREX = "FDA label CELEBREX (celecoxib), SPL:8d52185d-421f-4e34-8db7-f7676db2a226@23"
NAPROXEN = "FDA label naproxen tablets, SPL:46dbdb95-a0d0-4410-8d64-b22763b12af7@5"


def _group(name: str, aliases: str, members: str) -> DrugGroup:
    return DrugGroup(
        name, tuple(a.strip() for a in aliases.split(";") if a.strip()), frozenset(members.split())
    )


# Classes drug labels name as interacting drugs ("NSAIDs", "anticoagulants", "strong CYP3A
# inhibitors"): the graph has a node for each (the MeSH heading, among the aliases), and a
# patient's medication in one meets the interactions stated for the class. Members from the
# WHO ATC classification (the codes in each comment) and, for CYP3A, the FDA's table of
# clinical index inhibitors ("Drug Development and Drug Interactions: Table of Substrates,
# Inhibitors and Inducers"); paraphrased, no cross-reactivity implied.
INTERACTION_GROUPS = (
    _group(  # N06AB
        "SSRIs",
        "ssri; selective serotonin reuptake inhibitors; serotonin uptake inhibitors",
        "citalopram escitalopram fluoxetine fluvoxamine paroxetine sertraline",
    ),
    _group(  # B01AA, B01AB, B01AE, B01AF
        "anticoagulants",
        "anticoagulant; oral anticoagulants",
        "warfarin acenocoumarol phenprocoumon heparin enoxaparin dalteparin fondaparinux "
        "dabigatran argatroban bivalirudin apixaban rivaroxaban edoxaban",
    ),
    _group(  # B01AC
        "antiplatelet agents",
        "antiplatelet drugs; platelet aggregation inhibitors; platelet inhibitors",
        "aspirin clopidogrel prasugrel ticagrelor ticlopidine dipyridamole cilostazol cangrelor "
        "vorapaxar",
    ),
    _group(  # C03CA
        "loop diuretics",
        "sodium potassium chloride symporter inhibitors",
        "furosemide bumetanide torsemide",
    ),
    _group(  # C03
        "diuretics",
        "diuretic",
        "furosemide bumetanide torsemide hydrochlorothiazide chlorthalidone chlorothiazide "
        "indapamide metolazone spironolactone eplerenone amiloride triamterene",
    ),
    _group(  # C09A
        "ACE inhibitors",
        "ace inhibitor; angiotensin-converting enzyme inhibitors",
        "captopril enalapril lisinopril ramipril benazepril fosinopril quinapril perindopril "
        "trandolapril moexipril",
    ),
    _group(  # C09C
        "angiotensin receptor blockers",
        "arbs; angiotensin ii receptor blockers; angiotensin receptor antagonists",
        "losartan valsartan irbesartan candesartan olmesartan telmisartan azilsartan eprosartan",
    ),
    _group(  # H02AB
        "corticosteroids",
        "corticosteroid; adrenal cortex hormones",
        "prednisone prednisolone methylprednisolone dexamethasone hydrocortisone cortisone "
        "betamethasone triamcinolone budesonide fludrocortisone",
    ),
    _group(  # N02A
        "opioids",
        "opioid; opioid analgesics; analgesics, opioid",
        "morphine codeine hydrocodone oxycodone hydromorphone oxymorphone fentanyl methadone "
        "tramadol tapentadol buprenorphine meperidine",
    ),
    _group(  # N05BA, N05CD
        "benzodiazepines",
        "benzodiazepine",
        "alprazolam clonazepam diazepam lorazepam chlordiazepoxide oxazepam temazepam "
        "triazolam midazolam clobazam",
    ),
    _group(  # A02BC
        "proton pump inhibitors",
        "ppis; proton pump inhibitor",
        "omeprazole esomeprazole lansoprazole dexlansoprazole pantoprazole rabeprazole",
    ),
    _group(  # N06AF, N06AG, N04BD
        "MAO inhibitors",
        "maois; monoamine oxidase inhibitors",
        "phenelzine tranylcypromine isocarboxazid selegiline rasagiline safinamide moclobemide",
    ),
    _group(  # C10AA
        "statins",
        "statin; hmg-coa reductase inhibitors; hydroxymethylglutaryl-coa reductase inhibitors",
        "atorvastatin fluvastatin lovastatin pitavastatin pravastatin rosuvastatin simvastatin "
        "cerivastatin",
    ),
    _group(  # FDA clinical index inhibitors of CYP3A, strong
        "strong CYP3A inhibitors",
        "cyp3a inhibitors; cyp3a4 inhibitors; cytochrome p-450 cyp3a inhibitors",
        "clarithromycin itraconazole ketoconazole posaconazole voriconazole ritonavir cobicistat "
        "nefazodone nelfinavir saquinavir telithromycin",
    ),
)

GROUPS: Mapping[str, DrugGroup] = MappingProxyType(
    {
        g.name: g
        for g in (
            DrugGroup(
                "NSAIDs",
                (
                    "nsaid",
                    "nsaids",
                    "non-steroidal anti-inflammatory drugs",
                    "nonsteroidal anti-inflammatory drugs",
                    "anti-inflammatory agents, non-steroidal",  # the MeSH heading
                    "salicylates",
                ),
                frozenset(
                    {
                        "aspirin",
                        "acetylsalicylic acid",
                        "ibuprofen",
                        "naproxen",
                        "diclofenac",
                        "celecoxib",
                        "etodolac",
                        "fenoprofen",
                        "flurbiprofen",
                        "indomethacin",
                        "ketoprofen",
                        "ketorolac",
                        "meloxicam",
                        "mefenamic acid",
                        "nabumetone",
                        "oxaprozin",
                        "piroxicam",
                        "sulindac",
                        "tolmetin",
                        "diflunisal",
                        "bromfenac",
                        "nepafenac",
                        "meclofenamate",
                        "dexketoprofen",
                        "lornoxicam",
                        "valdecoxib",
                    }
                ),
            ),
            DrugGroup(
                "sulfonamide-containing coxibs",
                (),
                frozenset({"celecoxib", "valdecoxib"}),
            ),
            DrugGroup(
                "penicillins",
                ("penicillin", "penicillins", "penicillin antibiotics"),
                frozenset(
                    {
                        "penicillin",
                        "penicillin g",
                        "penicillin v",
                        "benzylpenicillin",
                        "phenoxymethylpenicillin",
                        "amoxicillin",
                        "ampicillin",
                        "piperacillin",
                        "ticarcillin",
                        "dicloxacillin",
                        "nafcillin",
                        "oxacillin",
                        "cloxacillin",
                        "flucloxacillin",
                        "carbenicillin",
                    }
                ),
            ),
            DrugGroup(
                "cephalosporins",
                ("cephalosporin", "cephalosporins"),
                frozenset(
                    {
                        "cefazolin",
                        "cephalexin",
                        "cefalexin",
                        "cefadroxil",
                        "cefuroxime",
                        "cefaclor",
                        "cefprozil",
                        "cefoxitin",
                        "cefotetan",
                        "ceftriaxone",
                        "cefotaxime",
                        "ceftazidime",
                        "cefdinir",
                        "cefixime",
                        "cefpodoxime",
                        "cefepime",
                        "ceftaroline",
                    }
                ),
            ),
            DrugGroup(
                "sulfonamide antibacterials",
                ("sulfa", "sulfa drugs", "sulfonamide", "sulfonamides", "sulfonamide antibiotics"),
                frozenset(
                    {
                        "sulfamethoxazole",
                        "sulfadiazine",
                        "sulfisoxazole",
                        "sulfacetamide",
                        "sulfamethoxazole and trimethoprim",
                        "trimethoprim-sulfamethoxazole",
                        "co-trimoxazole",
                    }
                ),
            ),
            *INTERACTION_GROUPS,
        )
    }
)

RULES: tuple[CrossReactivity, ...] = (
    CrossReactivity(
        "NSAIDs",
        "NSAIDs",
        0.8,
        "cross-reactivity between aspirin and other NSAIDs has been reported in "
        "aspirin-sensitive patients",
        f"{CELEBREX}, Warnings and Precautions (anaphylactic reactions) and Contraindications; "
        f"the same contraindication in {NAPROXEN}",
    ),
    CrossReactivity(
        "sulfonamide antibacterials",
        "sulfonamide-containing coxibs",
        0.8,
        "celecoxib is contraindicated in patients with known hypersensitivity to sulfonamides",
        f"{CELEBREX}, Contraindications",
    ),
    CrossReactivity(
        "penicillins",
        "penicillins",
        0.9,
        "an allergy to one penicillin is treated as an allergy to all penicillins",
        "US amoxicillin labels, Contraindications (serious hypersensitivity to other "
        "beta-lactams); paraphrased",
    ),
    CrossReactivity(
        "penicillins",
        "cephalosporins",
        0.3,
        "partial cross-hypersensitivity between penicillins and cephalosporins",
        "US cephalosporin labels, Warnings (cross-hypersensitivity among beta-lactam "
        "antibacterial drugs); paraphrased",
    ),
    CrossReactivity(
        "cephalosporins",
        "cephalosporins",
        0.6,
        "cross-hypersensitivity among cephalosporins",
        "US cephalosporin labels, Warnings (cross-hypersensitivity among beta-lactam "
        "antibacterial drugs); paraphrased",
    ),
    CrossReactivity(
        "cephalosporins",
        "penicillins",
        0.3,
        "partial cross-hypersensitivity between cephalosporins and penicillins",
        "US cephalosporin labels, Warnings (cross-hypersensitivity among beta-lactam "
        "antibacterial drugs); paraphrased",
    ),
    CrossReactivity(
        "sulfonamide antibacterials",
        "sulfonamide antibacterials",
        0.9,
        "an allergy to one sulfonamide antibacterial is treated as an allergy to all",
        "US sulfamethoxazole/trimethoprim labels, Contraindications (known hypersensitivity "
        "to sulfonamides); paraphrased",
    ),
)


def entity_names(entity: Entity) -> set[str]:
    return {normalise_name(n) for n in (entity.name, *entity.synonyms) if n}


def groups_of_names(names: Iterable[str]) -> tuple[str, ...]:
    keys = {normalise_name(n) for n in names}
    return tuple(g.name for g in GROUPS.values() if keys & g.members)


def groups_of(entity: Entity) -> tuple[str, ...]:
    return groups_of_names(entity_names(entity))


def group_named(text: str) -> DrugGroup | None:
    """The group an allergy entry names as a class ("penicillin", "sulfa", "NSAIDs")."""
    key = normalise_name(text)
    for g in GROUPS.values():
        if key == normalise_name(g.name) or key in g.aliases:
            return g
    return None


def cross_reactions(
    allergen_groups: Iterable[str], drug_groups: Iterable[str]
) -> list[CrossReactivity]:
    """Rules that apply, strongest first."""
    a, d = set(allergen_groups), set(drug_groups)
    hits = [r for r in RULES if r.allergen_group in a and r.affected_group in d]
    return sorted(hits, key=lambda r: -r.weight)
