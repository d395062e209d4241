/*
 * currency.c: the installation's currency (config key `currency`, ISO 4217)
 * and how its amounts are written.
 *
 * Money is DECIMAL(12,2) in the database, exact for every currency whose
 * minor unit has 0 or 2 digits. A currency of 0 digits (JPY, KRW, ...)
 * takes whole amounts only (svc refuses a fraction) and its amounts are
 * written without the ".00". Currencies of 3 or 4 digits (BHD, KWD, CLF,
 * ...) would need wider columns: the config refuses them by name.
 */
#include <string.h>

#include "holdfast/core.h"

/* the active ISO 4217 codes whose minor unit is not 2 digits */
static const char *const cur_zero[] = {
	"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
	"UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF", NULL
};
static const char *const cur_wide[] = {
	"BHD", "CLF", "IQD", "JOD", "KWD", "LYD", "OMR", "TND", "UYW", NULL
};
/* the active ISO 4217 codes of 2 digits (list of 2024, funds included) */
static const char cur_two[] =
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB "
    "BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP "
    "CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ "
    "GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK "
    "LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV "
    "MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD "
    "RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB "
    "TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD YER "
    "ZAR ZMW ZWG ";

static int	cur_digits = 2;		/* this process's currency */

static int
cur_in(const char *const *list, const char *code)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, code) == 0)
			return 1;
	return 0;
}

/*
 * The digits of code's minor unit (0 or 2), or -1 when code is not an
 * active ISO 4217 code (exactly three capitals), -3 when it is one whose
 * minor unit has 3 or 4 digits (not supported).
 */
int
hf_currency_digits(const char *code)
{
	char	key[5];
	size_t	i;

	if (code == NULL || strlen(code) != 3)
		return -1;
	for (i = 0; i < 3; i++)
		if (code[i] < 'A' || code[i] > 'Z')
			return -1;
	if (cur_in(cur_zero, code))
		return 0;
	if (cur_in(cur_wide, code))
		return -3;
	memcpy(key, code, 3);
	key[3] = ' ';
	key[4] = '\0';
	/* every entry is three capitals and a space: a match is an entry */
	return strstr(cur_two, key) != NULL ? 2 : -1;
}

/* Sets this process's currency (config_load does, after checking it). */
void
hf_currency_set(const char *code)
{
	int	d = hf_currency_digits(code);

	cur_digits = d >= 0 ? d : 2;
}

/* The digits of this process's currency's minor unit: 0 or 2. */
int
hf_currency_minor(void)
{
	return cur_digits;
}

/*
 * Money text of the database ("500.00") as the currency writes it: "500"
 * in a currency without a minor unit. A fraction is never dropped: an
 * amount that has one (an order of an earlier currency) is kept whole.
 */
const char *
hf_money_text(const char *s, char *buf, size_t len)
{
	size_t	n;

	if (s == NULL || cur_digits != 0)
		return s;
	n = strlen(s);
	if (n < 4 || n - 3 >= len || strcmp(s + n - 3, ".00") != 0)
		return s;
	memcpy(buf, s, n - 3);
	buf[n - 3] = '\0';
	return buf;
}
