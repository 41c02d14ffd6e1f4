package demo

import (
	"rightsdesk/cases"
	"rightsdesk/cases/register"

	"fmt"
	"strings"
)

// The fictional people of the demo and the words of their requests. Every
// name is a common first name put with a common surname of the country, so
// no real person is meant; every e-mail address is on a documentation
// domain (RFC 2606), every phone number in a range kept for fiction where
// the country has one, every street an "Example Street" in the local
// language.

// demoPool is the people of one country: first names, surnames (a
// masculine/feminine pair where the language inflects them; "text=latin"
// where the script is not Latin), and how their addresses and phone
// numbers look.
type demoPool struct {
	female, male  []string
	last          []string
	addressFormat string // with %d for the house number
	phoneFormat   string // with %d for random digits
}

// demoPerson is one generated person.
type demoPerson struct {
	name, first, last string
	latinFirst        string // for the e-mail address
	latinLast         string
	family            string // the pool's surname entry, for a parent
}

var demoPools = map[string]demoPool{
	"FR": {
		female:        []string{"Zoé", "Éloïse", "Gaëlle", "Noémie", "Amélie", "Léa", "Hélène", "Clémence", "Maëlys", "Cécile", "Agnès", "Inès"},
		male:          []string{"Théo", "François", "Benoît", "Jérôme", "Loïc", "Aurélien", "Rémi", "Gaël", "Hervé", "Mathéo", "Joël", "Stéphane"},
		last:          []string{"Lefèvre", "Moreau", "Dubois", "Rousseau", "Lemaître", "Faure", "Girard", "Bonnet", "Chevalier", "Mercier", "Bérard", "Gauthier", "Lacroix", "Perrin", "Brière", "Ménard"},
		addressFormat: "%d rue de l'Exemple, 75999 Paris",
		phoneFormat:   "+33 1 99 00 %02d %02d", // ARCEP's numbers for fiction
	},
	"CY": {
		female: []string{"Ελένη=Eleni", "Μαρία=Maria", "Χρυσάνθη=Chrysanthi", "Σταυρούλα=Stavroula", "Άντρη=Andri", "Κατερίνα=Katerina"},
		male:   []string{"Ανδρέας=Andreas", "Γιώργος=Giorgos", "Κωνσταντίνος=Konstantinos", "Παναγιώτης=Panagiotis", "Μιχάλης=Michalis"},
		last: []string{"Γεωργίου=Georgiou", "Χριστοδούλου=Christodoulou", "Κωνσταντίνου=Konstantinou", "Ιωάννου=Ioannou",
			"Πέτρου=Petrou", "Χαραλάμπους=Charalambous", "Νικολάου=Nikolaou", "Παπαδόπουλος=Papadopoulos/Παπαδοπούλου=Papadopoulou"},
		addressFormat: "Οδός Παραδείγματος %d, 1099 Λευκωσία",
		phoneFormat:   "+357 99 %03d %03d",
	},
	// Cypriots often write their names in Latin letters, accents kept.
	"CY-Latn": {
		female:        []string{"Eléni", "María", "Stélla", "Katerína", "Chrysánthi"},
		male:          []string{"Andréas", "Panayiótis", "Chrýsanthos", "Michális", "Yiórgos"},
		last:          []string{"Ioánnou", "Charalámbous", "Nikoláou", "Pétrou", "Georgíou", "Christodoúlou", "Papadópoulos/Papadopoúlou"},
		addressFormat: "%d Paradeígmatos Street, 1099 Nicosia",
		phoneFormat:   "+357 99 %03d %03d",
	},
	"PL": {
		female:        []string{"Agnieszka", "Małgorzata", "Zofia", "Joanna", "Grażyna", "Bożena", "Jolanta", "Katarzyna", "Łucja", "Żaneta"},
		male:          []string{"Łukasz", "Paweł", "Krzysztof", "Michał", "Wojciech", "Jędrzej", "Przemysław", "Grzegorz", "Mikołaj", "Stanisław"},
		last:          []string{"Nowak", "Wójcik", "Kowalczyk", "Wiśniewski/Wiśniewska", "Dąbrowski/Dąbrowska", "Lewandowski/Lewandowska", "Kamiński/Kamińska", "Zieliński/Zielińska", "Woźniak", "Szymański/Szymańska", "Kaczmarek", "Mazur"},
		addressFormat: "ul. Przykładowa %d, 00-999 Warszawa",
		phoneFormat:   "+48 500 %03d %03d",
	},
	"BE": {
		female:        []string{"Sofie", "Lotte", "Maëlle", "Anaïs", "Fien", "Elise", "Chloë", "Noémie", "Zoë"},
		male:          []string{"Wouter", "Jens", "Noël", "Cédric", "Ruben", "Thibaut", "Raphaël", "Maël", "Sébastien"},
		last:          []string{"Peeters", "Janssens", "Dubois", "De Smet", "Lambert", "Van den Broeck", "Claes", "Goossens", "Wouters", "Dupont", "Maes", "Hermans"},
		addressFormat: "Voorbeeldstraat %d, 1000 Brussel",
		phoneFormat:   "+32 470 %02d %02d %02d",
	},
	"NL": {
		female:        []string{"Zoë", "Anouk", "Eline", "Fenna", "Noor", "Roos"},
		male:          []string{"Daan", "Sjoerd", "Joris", "Thijs", "Bram", "Gijs"},
		last:          []string{"de Vries", "van Dijk", "Bakker", "Visser", "Smit", "de Jong", "van der Berg", "Mulder"},
		addressFormat: "Voorbeeldstraat %d, 1099 Amsterdam",
		phoneFormat:   "+31 6 %04d %04d",
	},
	"IE": {
		female:        []string{"Aoife", "Siobhán", "Niamh", "Sinéad", "Caoimhe", "Órla"},
		male:          []string{"Ciarán", "Seán", "Pádraig", "Oisín", "Darragh", "Eoin"},
		last:          []string{"Ó Súilleabháin", "Byrne", "Ní Bhriain", "Murphy", "Ó Ceallaigh", "Walsh", "Doyle", "McCarthy"},
		addressFormat: "%d Example Road, Dublin D99 X000",
		phoneFormat:   "+353 87 %03d %04d",
	},
	"DK": {
		female:        []string{"Ida", "Freja", "Signe", "Astrid", "Mette"},
		male:          []string{"Søren", "Jørgen", "Rasmus", "Mads", "Bjørn"},
		last:          []string{"Jørgensen", "Nielsen", "Sørensen", "Møller", "Kjær", "Østergaard"},
		addressFormat: "Eksempelvej %d, 2999 København",
		phoneFormat:   "+45 %02d %02d %02d %02d",
	},
	"ES": {
		female:        []string{"Ana-María", "Lucía", "María José", "Begoña", "Itziar", "Nuria"},
		male:          []string{"José", "Íñigo", "Jesús", "Álvaro", "Sergio", "Ramón"},
		last:          []string{"Fernández", "García Núñez", "Martínez", "Sánchez", "Muñoz", "Pérez Ibáñez", "Gómez"},
		addressFormat: "Calle Ejemplo %d, 28999 Madrid",
		phoneFormat:   "+34 600 %03d %03d",
	},
	"DE": {
		female:        []string{"Anneliese", "Lena", "Mareike", "Hannah", "Jördis", "Käthe"},
		male:          []string{"Jörg", "Lukas", "Matthias", "Björn", "Maximilian", "Günther"},
		last:          []string{"Müller", "Schröder", "Weiß", "Köhler", "Schäfer", "Hoffmann", "Groß"},
		addressFormat: "Beispielstraße %d, 10999 Berlin",
		phoneFormat:   "+49 151 %04d %04d",
	},
	"GB": {
		female:        []string{"Rhiannon", "Siobhan", "Amelia", "Priya", "Eilidh", "Grace"},
		male:          []string{"Dafydd", "Callum", "Oliver", "Rhys", "Tariq", "Euan"},
		last:          []string{"Davies", "Evans", "Patel", "MacLeod", "O'Brien", "Thompson", "Hughes", "Ahmed"},
		addressFormat: "%d Example Street, London SW1A 9ZZ",
		phoneFormat:   "+44 7700 900%03d", // Ofcom's numbers for drama
	},
	"US": {
		female:        []string{"Ana-María", "Chloé", "Aaliyah", "Ximena", "Renée", "Keisha", "Mei", "Zoë", "Siobhan"},
		male:          []string{"José", "Dmitri", "Tomás", "Brandon", "Darnell", "Björn", "Søren", "Quang"},
		last:          []string{"Rodríguez", "Núñez", "Martin", "Holm", "Ivanov", "Johnson", "Gómez", "O'Connor", "Nguyễn", "Washington", "Kim", "Patel"},
		addressFormat: "%d Example Avenue, San Francisco, CA 94999",
		phoneFormat:   "+1 415 555 01%02d", // 555-0100 to 0199 are for fiction
	},
}

// demoEUPools are the people of an organisation that serves the whole EU
// (or whose country is unknown).
var demoEUPools = []string{"BE", "NL", "FR", "IE", "DK", "ES", "DE", "PL"}

// demoPoolsFor are the people an organisation's cases under one regime are
// about: Californians under the CCPA, Britons under UK GDPR, otherwise the
// people of the organisation's country, or of the EU when the country is
// unknown or outside it.
func demoPoolsFor(reg *register.Register, regime *cases.Regime) []demoPool {
	country := strings.ToUpper(strings.TrimSpace(reg.Country.Value))
	var codes []string
	switch {
	case strings.HasPrefix(regime.Name, "us-"):
		codes = []string{"US"}
	case regime.Name == "uk-gdpr":
		codes = []string{"GB"}
	case regime.Name == "eu-gdpr" && (country == "" || country == "US"):
		codes = demoEUPools
	default:
		codes = []string{country, country + "-Latn"}
	}
	var out []demoPool
	for _, c := range codes {
		if p, ok := demoPools[c]; ok {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		for _, c := range demoEUPools {
			out = append(out, demoPools[c])
		}
	}
	return out
}

// person makes up a name from the pool.
func (p demoPool) person(r *demoRequest) demoPerson { return p.relative(r, r.pick(p.last)) }

// relative makes up a person of the family (a surname entry of the pool),
// its surname in the form of the person's gender.
func (p demoPool) relative(r *demoRequest, family string) demoPerson {
	female := r.chance(50)
	first := r.pick(p.male)
	if female {
		first = r.pick(p.female)
	}
	last := family
	if m, f, ok := strings.Cut(last, "/"); ok {
		last = m
		if female {
			last = f
		}
	}
	out := demoPerson{family: family}
	out.first, out.latinFirst = demoScript(first)
	out.last, out.latinLast = demoScript(last)
	out.name = out.first + " " + out.last
	return out
}

// demoScript splits "text=latin" into the name as written and its Latin
// transliteration for an e-mail address.
func demoScript(s string) (string, string) {
	if text, latin, ok := strings.Cut(s, "="); ok {
		return text, latin
	}
	return s, s
}

func (p demoPool) address(r *demoRequest) string {
	return fmt.Sprintf(p.addressFormat, 1+r.rnd.IntN(199))
}

func (p demoPool) phone(r *demoRequest) string {
	n := strings.Count(p.phoneFormat, "%")
	args := make([]any, n)
	for i := range args {
		args[i] = r.rnd.IntN(100)
	}
	return fmt.Sprintf(p.phoneFormat, args...)
}

var demoDomains = []string{"example.org", "example.com", "example.net"}

// demoEmail is first.last with the accents taken off, numbered so that
// namesakes differ, on a documentation domain.
func demoEmail(p demoPerson, i int, domain string) string {
	local := strings.ToLower(asciiFold(demoLigatures.Replace(p.latinFirst)) + "." +
		asciiFold(demoLigatures.Replace(strings.ReplaceAll(p.latinLast, " ", ""))))
	local = strings.Trim(strings.ReplaceAll(local, "'", ""), ".-")
	if local == "" {
		local = "subject"
	}
	return fmt.Sprintf("%s%d@%s", local, i%1000, domain)
}

// demoLigatures are the letters that fold to two (Weiß, Kjær).
var demoLigatures = strings.NewReplacer("ß", "ss", "æ", "ae", "Æ", "Ae", "œ", "oe")

// asciiFold keeps the ASCII letters of a name, accents removed (é -> e);
// other scripts fall away.
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-'):
			b.WriteRune(r)
		case r >= 0x80:
			if plain, ok := cases.PlainLetter(r); ok {
				b.WriteRune(plain)
			}
		}
	}
	return b.String()
}

var demoAgents = []string{"Maître Hélène Vasseur, avocate", "Privacy Rights Agency Ltd", "Citizens Advice Desk",
	"Kancelaria Radcy Prawnego J. Mazur", "Datenschutz-Hilfe e.V.", "Consumer Data Rights Clinic"}

var demoAuthorityReason = map[cases.Relation]string{
	cases.RelationAgent:    "a mandate signed by the subject",
	cases.RelationParent:   "proof of parental responsibility",
	cases.RelationGuardian: "the court order appointing the guardian",
	cases.RelationOther:    "proof of authority to act for the subject",
}

// demoRightWeights: access requests are the most common, then erasure.
var demoRightWeights = []cases.Right{
	cases.RightAccess, cases.RightAccess, cases.RightAccess, cases.RightAccess, cases.RightAccess, cases.RightAccess, cases.RightAccess,
	cases.RightErasure, cases.RightErasure, cases.RightErasure, cases.RightErasure, cases.RightErasure,
	cases.RightRectification, cases.RightRectification, cases.RightObjection, cases.RightObjection,
	cases.RightRestriction, cases.RightPortability, cases.RightAutomatedDecision, cases.RightWithdrawConsent, cases.RightWithdrawConsent, cases.RightComplaint,
}

// demoRightSets are requests naming several rights.
var demoRightSets = [][]cases.Right{
	{cases.RightAccess, cases.RightErasure}, {cases.RightAccess, cases.RightErasure}, {cases.RightAccess, cases.RightPortability},
	{cases.RightObjection, cases.RightErasure}, {cases.RightAccess, cases.RightRectification}, {cases.RightWithdrawConsent, cases.RightErasure},
	{cases.RightAccess, cases.RightRectification, cases.RightErasure},
}

var demoTexts = map[cases.Right][]string{
	cases.RightAccess: {"Please send me a copy of all the personal data you hold about me, and tell me who you shared it with.",
		"Under Article 15 GDPR I request access to my data, including the recordings of my calls.",
		"What do you know about me? I want a copy of everything, with where you got it from."},
	cases.RightRectification: {"My postal address in your records is wrong; please correct it.",
		"You have my date of birth wrong on my account. Please rectify it."},
	cases.RightErasure: {"Please delete my account and every piece of personal data you have about me.",
		"I left your service last year. Erase my data, including backups where possible."},
	cases.RightRestriction: {"I contest the accuracy of my data; please restrict its processing while you check.",
		"Please stop using my data except to store it until my complaint is settled."},
	cases.RightPortability: {"Send me my contacts and call history in a machine-readable format so I can move to another provider.",
		"I want a CSV or JSON export of the data I gave you."},
	cases.RightObjection: {"Stop sending me marketing e-mails. I object to direct marketing.",
		"I object to the profiling you do for analytics on my account."},
	cases.RightAutomatedDecision: {"My application was refused automatically. I want a human to review it and to know the logic involved.",
		"Explain how your scoring decided my account limit and let a person review it."},
	cases.RightWithdrawConsent: {"I withdraw my consent to the newsletter and to sharing my data with partners.",
		"Please take my consent for call recording off file."},
	cases.RightComplaint: {"I wrote twice about my data and got no reply. This is a formal complaint.",
		"Your support agent read my address aloud to another customer. I complain."},
}

var demoRightWords = map[cases.Right]string{
	cases.RightAccess: "send me a copy of my data", cases.RightRectification: "correct my address",
	cases.RightErasure: "delete everything you hold about me", cases.RightRestriction: "restrict the processing",
	cases.RightPortability: "export my data as CSV", cases.RightObjection: "stop the marketing and profiling",
	cases.RightAutomatedDecision: "have a person review the automated decision", cases.RightWithdrawConsent: "take my consent off file",
	cases.RightComplaint: "treat this as a complaint",
}

// demoMultiText is the wording of a request naming several rights: "send
// me my data, then delete it".
func demoMultiText(rights []cases.Right) string {
	words := make([]string, len(rights))
	for i, r := range rights {
		words[i] = demoRightWords[r]
	}
	return "Please " + strings.Join(words[:len(words)-1], ", ") + ", then " + words[len(words)-1] + "."
}

// demoForwardText is the wording of a request about data an organisation
// holds for one of its customers: the requester knows the customer, and
// writes to the service it used.
func demoForwardText(rights []cases.Right) string {
	ask := "Please " + demoRightWords[rights[0]] + "."
	if len(rights) > 1 {
		ask = demoMultiText(rights)
	}
	return "A company I dealt with runs its chats and calls with me through your service. " + ask
}

var (
	demoDoubts = []string{"the e-mail address differs from the one on the account",
		"the request came by post with no account number", "two customers share this name"}
	demoMethods = []string{"signed-in account confirmation", "code sent to the e-mail address on file",
		"answered security questions by phone", "matching customer number and postal address"}
	demoClarifications = []string{"which of your two accounts the request concerns",
		"which period the call recordings should cover", "whether you mean the newsletter or the whole account"}
	demoTags  = []string{"complex", "vip", "press", "escalated", "backup-systems", "call-recordings", "minor", "legal-hold"}
	demoNotes = []string{"Searched CRM, billing and support tickets.", "Called the subject to confirm the scope.",
		"Asked IT for the backup retention schedule.", "Waiting for the marketing team's export.",
		"Processor asked to confirm deletion on their side.", "Legal reviewed the redactions."}
	demoExtensionReasons = []string{"the request covers eleven systems and three years of call recordings",
		"we received over forty requests this month after a press article",
		"the data must be separated from that of other account holders"}
	demoGroundReasons = map[cases.Ground]string{
		cases.GroundArt17_3b:             "invoices must be kept for ten years under commercial and tax law",
		cases.GroundCompellingLegitimate: "the fraud checks rest on compelling legitimate grounds that override your interests",
		cases.GroundNotPortable:          "the call analytics are derived by us, not provided by you",
		cases.GroundRightsOfOthers:       "part of the data concerns other people",
		cases.GroundExcessive:            "the sixth identical request in two months",
		cases.GroundManifestlyUnfounded:  "the request offers to withdraw in exchange for payment",
		cases.GroundNoErasureGround:      "the contract is still running and no ground of Art. 17(1) applies",
		cases.GroundNationalRestriction:  "the records of identity checks must be kept by law",
		cases.GroundLegalClaims:          "the data are needed for a pending court case",
	}
	demoRedirects = []string{"the controller, Exemple Boutique SARL, privacy@example.com",
		"our customer, the employer who runs the account: dpo@example.net",
		"the reseller who holds the contract, privacy@example.org"}
	demoRectified = []string{"postal address corrected to the one you gave", "surname spelt as on your identity document",
		"date of birth corrected", "e-mail address on the account replaced"}
	// demoCustomers are the fictional customers for whom an organisation
	// holds data as a processor, when its register names none.
	demoCustomers = []string{"Exemple Boutique SARL (privacy@example.com)", "Voorbeeld Logistiek BV (privacy@example.net)",
		"Example Dental Practice (dpo@example.org)"}
	// demoLateReasons are why an entry is recorded more than the backdate
	// hours after it happened (WORK.md: allowed, never hidden).
	demoLateReasons = []string{"entered from the paper file the next week", "recorded on return from leave",
		"the call note was found in the shared mailbox later", "entered after the office move, from the desk diary"}
	demoReopenNotes = map[cases.ReopenReason]string{
		cases.ReopenIncompleteResponse: "The subject says the call recordings were missing.",
		cases.ReopenComplaint:          "The subject complained about the answer.",
		cases.ReopenNewInformation:     "The subject sent the account number we lacked: the period starts again.",
		cases.ReopenError:              "Closed by mistake on the wrong case.",
	}
)
