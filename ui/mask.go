package ui

import "strings"

// How contact details are masked until r reveals them (the reveal is
// logged). Each keeps enough to tell two subjects apart at a glance and
// no more, and says that something is hidden:
//
//   - an e-mail address keeps its first letter and its domain:
//     j***@example.org (maskEmail);
//   - a phone number keeps its international prefix (the "+NN" before
//     the first space) and its last two digits: +33 … 34;
//   - a postal address keeps its last part, after the last comma or line
//     break (the postcode and town, as addresses are written): …, 75999
//     Paris; the street and number never show.

// maskPhone keeps a phone number's international prefix and its last two
// digits: "+33 1 99 00 12 34" is "+33 … 34".
func maskPhone(phone string) string {
	phone = strings.TrimSpace(phone)
	var digits []rune
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			digits = append(digits, r)
		}
	}
	if len(digits) < 4 {
		return "…" // too short to keep any of it
	}
	last := string(digits[len(digits)-2:])
	if prefix, _, ok := strings.Cut(phone, " "); ok && strings.HasPrefix(prefix, "+") && len(prefix) <= 4 {
		return prefix + " … " + last
	}
	return "… " + last
}

// maskAddress keeps a postal address's last part, the postcode and town:
// "12 rue de l'Exemple, 75999 Paris" is "…, 75999 Paris"; an address in one
// part shows nothing of itself.
func maskAddress(address string) string {
	address = strings.TrimSpace(address)
	cut := strings.LastIndexAny(address, ",\n")
	if cut < 0 {
		return "…"
	}
	if last := strings.TrimSpace(address[cut+1:]); last != "" {
		return "…, " + last
	}
	return "…"
}
