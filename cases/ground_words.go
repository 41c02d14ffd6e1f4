package cases

// GroundWords is a ground's meaning in a few words, for screens that show
// the slug and need the user to know what it stands for without the law
// at hand ("art17-3-b" is "a legal obligation"). It takes the slugs of
// Grounds and of NotPortableGrounds; an unknown slug has no words ("").
func GroundWords(slug string) string {
	return groundWords[slug]
}

// GroundLabel is a ground as screens show it: the slug with its meaning,
// "art17-3-b (a legal obligation)", or the slug alone when it has none.
func GroundLabel(slug string) string {
	if w := GroundWords(slug); w != "" {
		return slug + " (" + w + ")"
	}
	return slug
}

var groundWords = map[string]string{
	string(GroundManifestlyUnfounded):    "no real request behind it",
	string(GroundExcessive):              "repetitive or out of proportion",
	string(GroundIdentityNotEstablished): "identity not proven",
	string(GroundCannotIdentify):         "subject not in our data",
	string(GroundArt17_3a):               "freedom of expression",
	string(GroundArt17_3b):               "a legal obligation",
	string(GroundArt17_3c):               "public health",
	string(GroundArt17_3d):               "archiving, research, statistics",
	string(GroundArt17_3e):               "legal claims",
	string(GroundNoErasureGround):        "no Art. 17(1) ground applies",
	string(GroundCompellingLegitimate):   "overriding interests",
	string(GroundLegalClaims):            "establishing or defending claims",
	string(GroundNotPortable):            "outside data portability",
	string(GroundRightsOfOthers):         "would harm others' rights",
	string(GroundNationalRestriction):    "restricted by national law",
	"not-provided":                       "not provided by the subject",
	"not-consent-or-contract":            "not on consent or contract",
	"not-automated":                      "not processed by automated means",
}
