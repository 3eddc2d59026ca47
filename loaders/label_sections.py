"""LOINC section codes of drug labels -> stable snake_case section names.

Shared by the SPL and openFDA loaders so label relation rules key on the same names.
Names follow openFDA's ``/drug/label`` field names (from the FDA/openfda
``sections.csv`` table), except ``43685-7`` which we call ``warnings_and_precautions``
(openFDA: ``warnings_and_cautions``; the PLR heading is "WARNINGS AND PRECAUTIONS").
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# The codes label relation rules care about.
BOXED_WARNING = "34066-1"
INDICATIONS = "34067-9"
DOSAGE = "34068-7"
CONTRAINDICATIONS = "34070-3"
WARNINGS = "34071-1"
DRUG_INTERACTIONS = "34073-7"
ADVERSE_REACTIONS = "34084-4"
CLINICAL_PHARMACOLOGY = "34090-1"
PRECAUTIONS = "42232-9"
MECHANISM_OF_ACTION = "43679-0"
SPECIFIC_POPULATIONS = "43684-0"
WARNINGS_AND_PRECAUTIONS = "43685-7"
PHARMACOGENOMICS = "66106-6"  # LOINC check digit 6 (66106-7 is not a valid code)
UNCLASSIFIED = "42229-5"

SECTION_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "34086-9": "abuse",  # Abuse
        "60555-0": "accessories",  # Accessories
        "55106-9": "active_ingredient",  # Active Ingredient
        "34084-4": "adverse_reactions",  # Adverse Reactions
        "69761-5": "alarms",  # Alarms
        "34091-9": "animal_pharmacology_and_or_toxicology",  # Animal Pharmacology & or Toxicology
        "50569-3": "ask_doctor",  # Ask Doctor
        "50568-5": "ask_doctor_or_pharmacist",  # Ask Doctor/Pharmacist
        "60556-8": "assembly_or_installation_instructions",  # Assembly or Installation Instructions
        "34066-1": "boxed_warning",  # Boxed Warning
        "60557-6": "calibration_instructions",  # Calibration Instructions
        "34083-6": "carcinogenesis_and_mutagenesis_and_impairment_of_fertility",  # Carcinogenesis & Mutagenesis & Impairment of Fertility
        "60684-8": "cellular_therapy",  # Cellular Therapy
        "60558-4": "cleaning_disinfecting_and_sterilization_instructions",  # Cleaning, Disinfecting, and Sterilization Instructions
        "34090-1": "clinical_pharmacology",  # Clinical Pharmacology
        "34092-7": "clinical_studies",  # Clinical Studies
        "69760-7": "compatible_accessories",  # Compatible Accessories
        "60559-2": "components",  # Components
        "34070-3": "contraindications",  # Contraindications
        "34085-1": "controlled_substance",  # Controlled Substance
        "34087-7": "dependence",  # Dependence
        "34089-3": "description",  # Description
        "69758-1": "diagram_of_device",  # Diagram of Device
        "69763-1": "disposal_and_waste_handling",  # Disposal and Waste Handling
        "50570-1": "do_not_use",  # Do Not Use
        "34068-7": "dosage_and_administration",  # Dosage & Administration
        "43678-2": "dosage_forms_and_strengths",  # Dosage Forms & Strengths
        "42227-9": "drug_abuse_and_dependence",  # Drug Abuse and Dependence
        "34074-5": "drug_and_or_laboratory_test_interactions",  # Drug & or Laboratory Test Interactions
        "34073-7": "drug_interactions",  # Drug Interactions
        "50742-6": "environmental_warning",  # Environmental Warning
        "50743-4": "food_safety_warning",  # Food Safety Warning
        "34072-9": "general_precautions",  # General Precautions
        "34082-8": "geriatric_use",  # Geriatric Use
        "50740-0": "guaranteed_analysis_of_feed",  # Guaranteed Analysis of Feed
        "71744-7": "health_care_provider_letter",  # Health Care Provider Letter
        "69719-3": "health_claim",  # Health Claim
        "34069-5": "how_supplied",  # How Supplied
        "51727-6": "inactive_ingredient",  # Inactive Ingredient
        "34067-9": "indications_and_usage",  # Indications & Usage
        "50744-2": "information_for_owners_or_caregivers",  # Information for Owners/Caregivers
        "34076-0": "information_for_patients",  # Information for Patients
        "59845-8": "instructions_for_use",  # Instructions for Use
        "60560-0": "intended_use_of_the_device",  # Intended Use of the Device
        "50565-1": "keep_out_of_reach_of_children",  # Keep Out of Reach of Children
        "34079-4": "labor_and_delivery",  # Labor & Delivery
        "34075-2": "laboratory_tests",  # Laboratory Tests
        "43679-0": "mechanism_of_action",  # Mechanism of Action
        "49489-8": "microbiology",  # Microbiology
        "43680-8": "nonclinical_toxicology",  # Nonclinical Toxicology
        "34078-6": "nonteratogenic_effects",  # Nonteratogenic Effects
        "34080-2": "nursing_mothers",  # Nursing Mothers
        "60561-8": "other_safety_information",  # Other Safety Information
        "34088-5": "overdosage",  # Overdosage
        "51945-4": "package_label_principal_display_panel",  # Package Label: Principal Display Panel
        "68498-5": "patient_medication_information",  # Patient Medication Information
        "34081-0": "pediatric_use",  # Pediatric Use
        "43681-6": "pharmacodynamics",  # Pharmacodynamics
        "66106-6": "pharmacogenomics",  # Pharmacogenomics
        "43682-4": "pharmacokinetics",  # Pharmacokinetics
        "42232-9": "precautions",  # Precautions
        "42228-7": "pregnancy",  # Pregnancy
        "53414-9": "pregnancy_or_breast_feeding",  # Pregnancy or Breast Feeding
        "55105-1": "purpose",  # Purpose
        "53413-1": "questions",  # Questions
        "43683-2": "recent_major_changes",  # Recent Major Changes
        "34093-5": "references",  # References
        "53412-3": "residue_warning",  # Residue Warning
        "69759-9": "risks",  # Risks
        "60562-6": "route_method_and_frequency_of_administration",  # Route, Method and Frequency of Administration
        "50741-8": "safe_handling_warning",  # Safe Handling Warning
        "48779-3": "spl_indexing_data_elements",  # SPL Indexing Data Elements
        "42231-1": "spl_medguide",  # SPL Medguide
        "42230-3": "spl_patient_package_insert",  # SPL Patient Package Insert
        "48780-1": "spl_product_data_elements",  # SPL Product Data Elements
        "42229-5": "spl_unclassified_section",  # SPL Unclassified
        "69718-5": "statement_of_identity",  # Statement of Identity
        "50566-9": "stop_use",  # Stop Use
        "44425-7": "storage_and_handling",  # Storage and Handling
        "60563-4": "summary_of_safety_and_effectiveness",  # Summary of Safety and Effectiveness
        "34077-8": "teratogenic_effects",  # Teratogenic Effects
        "69762-3": "troubleshooting",  # Troubleshooting
        "43684-0": "use_in_specific_populations",  # Use in Specific Populations
        "54433-8": "user_safety_warnings",  # User Safety Warnings
        "50745-9": "veterinary_indications",  # Veterinary Indications
        "34071-1": "warnings",  # Warnings
        "43685-7": "warnings_and_precautions",  # Warnings and cautions (openFDA: warnings_and_cautions)
        "50567-7": "when_using",  # When Using
        # subsections seen in current PLR labels, not in the openFDA table
        "77290-5": "lactation",
        "77291-3": "females_and_males_of_reproductive_potential",
        "88828-9": "renal_impairment",
        "88829-7": "hepatic_impairment",
        "90374-0": "clinical_trials_experience",
        "90375-7": "postmarketing_experience",
    }
)

CODES_BY_NAME: Mapping[str, str] = MappingProxyType({v: k for k, v in SECTION_NAMES.items()})

# openFDA /drug/label field -> LOINC code, where the field name differs from our name.
OPENFDA_FIELD_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "warnings_and_cautions": WARNINGS_AND_PRECAUTIONS,
        "spl_unclassified_section": UNCLASSIFIED,
        "information_for_owners_or_caregivers": "50744-2",
        "cleaning": "60558-4",
        "route": "60562-6",
    }
)


def section_name(code: str | None) -> str | None:
    return SECTION_NAMES.get(code or "")
