from kg import drug_classes


def test_drug_class_table():
    assert drug_classes.group_named("Penicillins").name == "penicillins"
    assert drug_classes.group_named("sulfa drugs").name == "sulfonamide antibacterials"
    assert drug_classes.group_named("acetaminophen") is None
    assert drug_classes.groups_of_names(["Acetylsalicylic acid"]) == ("NSAIDs",)
    assert drug_classes.groups_of_names(["aspirin"]) == ("NSAIDs", "antiplatelet agents")
    assert drug_classes.groups_of_names(["Sertraline"]) == ("SSRIs",)
    assert drug_classes.group_named("CYP3A4 inhibitors").name == "strong CYP3A inhibitors"
    # the MeSH heading a label's "statins" links to names the class too
    heading = "Hydroxymethylglutaryl-CoA Reductase Inhibitors"
    assert drug_classes.group_named(heading).name == "statins"
    assert drug_classes.groups_of_names(["Simvastatin"]) == ("statins",)
    assert drug_classes.groups_of_names(["acetaminophen"]) == ()
    rules = drug_classes.cross_reactions(["penicillins"], ["cephalosporins"])
    assert [r.weight for r in rules] == [0.3]
    assert drug_classes.cross_reactions(["cephalosporins"], ["NSAIDs"]) == []
    for rule in drug_classes.RULES:
        assert (
            rule.allergen_group in drug_classes.GROUPS
            and rule.affected_group in drug_classes.GROUPS
        )
        assert rule.source and 0 < rule.weight <= 1
