"""The biomarker tests that decide who receives the targeted drugs and antibody-drug conjugates.

Two kinds of traced fact are shown (``data/drug_facts.csv``): ``biomarker_selection``, the test
result that selects patients as the label or the approval notice states it (for example an ESR1
mutation, or HER2-low scored by immunohistochemistry), and ``biomarker_test``, the test or the
sample that gives that result (a blood test of circulating tumour DNA, a tumour-tissue test).
Guideline facts on when and how to test (``data/context_facts.csv``, topic ``biomarker_testing``)
are glued for the prose by :func:`glue_biomarkers`, so no threshold or score is typed in a chapter.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from helpers import chapter, tables
from helpers.data import Evidence

#: Kinds of biomarker fact (column ``fact`` of ``data/drug_facts.csv``) -> table header.
BIOMARKER_HEADERS = {
    "biomarker_selection": "Test result that selects patients",
    "biomarker_test": "Test or sample",
}

#: The drugs of the hormone receptor-positive chapter whose use a test decides (as spelled in the data).
HR_POSITIVE_DRUGS = ["elacestrant (Orserdu)", "capivasertib (Truqap)", "alpelisib (Piqray)", "inavolisib (Itovebi)"]

#: The antibody-drug conjugates and checkpoint inhibitors of the emerging-therapies chapter.
EMERGING_DRUGS = [
    "trastuzumab deruxtecan (Enhertu)",
    "sacituzumab govitecan (Trodelvy)",
    "datopotamab deruxtecan (Datroway)",
    "pembrolizumab (Keytruda)",
    "atezolizumab (Tecentriq)",
]

#: Glue name -> context fact (``data/context_facts.csv``, topic ``biomarker_testing``).
CONTEXT_GLUE = {
    "bio_esr1_when": "cf_bio_esr1_when",
    "bio_esr1_why": "cf_bio_esr1_why_at_progression",
    "bio_esr1_sample": "cf_bio_esr1_specimen",
    "bio_esr1_retest": "cf_bio_esr1_retest",
    "bio_pik3ca_too": "cf_bio_pik3ca_with_esr1",
    "bio_her2_low": "cf_bio_her2_low_definition",
    "bio_her2_ultralow": "cf_bio_her2_ultralow_definition",
    "bio_her2_positive": "cf_bio_her2_positive_definition",
    "bio_cps_definition": "cf_bio_cps_definition",
    "bio_cps_cutoff": "cf_bio_cps_cutoff",
}

#: Glue name -> drug fact (``data/drug_facts.csv``).
DRUG_GLUE = {
    "bio_elacestrant_test": "elacestrant_orserdu_biomarker_test",
    "bio_capivasertib_selection": "capivasertib_truqap_biomarker_selection",
    "bio_alpelisib_test": "alpelisib_piqray_biomarker_test",
    "bio_inavolisib_test": "inavolisib_itovebi_biomarker_test",
    "bio_pembro_selection": "pembrolizumab_keytruda_biomarker_selection",
    "bio_pembro_test": "pembrolizumab_keytruda_biomarker_test",
    "bio_atezo_selection": "atezolizumab_tecentriq_biomarker_selection",
    "bio_atezo_test": "atezolizumab_tecentriq_biomarker_test",
    "bio_sacituzumab_selection": "sacituzumab_govitecan_trodelvy_biomarker_selection",
}


def biomarker_table(evidence: Evidence, drugs: Sequence[str] | None = None) -> pd.DataFrame:
    """One line per drug: the test result that selects patients and the test or sample that gives
    it (``data/drug_facts.csv``, facts :data:`BIOMARKER_HEADERS`), ready for
    :func:`helpers.tables.to_html`.

    A cell holds each traced value in quotation marks, as its source states it, with a link to the
    source (its DOI or PubMed record when the data have one, else the page read), marked
    "secondary" when the page was not the label or the paper itself; several values are stacked in
    the order of the data file. A kind of fact no source states reads
    :data:`helpers.tables.NOT_FOUND`.

    Parameters
    ----------
    evidence
        The validated evidence (:func:`helpers.data.load_evidence`).
    drugs
        Drugs to show, in order, as spelled in ``data/drug_facts.csv`` (e.g. ``"elacestrant
        (Orserdu)"``); default every drug with a biomarker fact, in the order of the data file.

    Raises
    ------
    ValueError
        If a drug is not in ``data/drug_facts.csv``.
    """
    facts = evidence.drug_facts
    biomarker = facts[facts["fact"].isin(BIOMARKER_HEADERS)]
    known = list(dict.fromkeys(facts["drug"]))
    drugs = list(dict.fromkeys(biomarker["drug"])) if drugs is None else list(drugs)
    return tables.per_drug_facts_table(biomarker, evidence, BIOMARKER_HEADERS, drugs, known, "data/drug_facts.csv")


def glue_biomarkers(evidence: Evidence) -> pd.DataFrame:
    """Glue the values the biomarker section's prose quotes, each as its source states it:
    the guideline facts of :data:`CONTEXT_GLUE` and the drug facts of :data:`DRUG_GLUE`; and
    ``bio_n_drugs``, the number of drugs with a biomarker fact. Returns what was glued: key,
    value, fact_id and whether the source is secondary.

    Raises
    ------
    KeyError
        If a fact named in :data:`CONTEXT_GLUE` or :data:`DRUG_GLUE` is missing from its file.
    """
    rows = []
    for table, name, glue_map in (
        (evidence.context_facts, "data/context_facts.csv", CONTEXT_GLUE),
        (evidence.drug_facts, "data/drug_facts.csv", DRUG_GLUE),
    ):
        for key, fact_id in glue_map.items():
            if fact_id not in table.index:
                raise KeyError(f"glue {key!r}: no fact_id {fact_id!r} in {name}")
            fact = table.loc[fact_id]
            secondary = evidence.sources.loc[fact["source_id"], "kind"] != "primary"
            rows.append({"key": key, "value": str(fact["value"]), "fact_id": fact_id, "secondary": bool(secondary)})
    facts = evidence.drug_facts
    n_drugs = facts.loc[facts["fact"].isin(BIOMARKER_HEADERS), "drug"].nunique()
    rows.append({"key": "bio_n_drugs", "value": str(n_drugs), "fact_id": "", "secondary": False})
    for row in rows:
        chapter.glue(row["key"], row["value"])
    return pd.DataFrame(rows, columns=["key", "value", "fact_id", "secondary"])
