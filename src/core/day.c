/*
 * day.c: the one reader of days and times as the API spells them,
 * "YYYY-MM-DD" and "YYYY-MM-DDTHH:MM:SS[.mmm][Z]", always UTC. Digits
 * only (no signs or spaces that sscanf would let through), a day that
 * exists in its month, years 1970 to 9999. With HF_TIME_ZONE (a moment,
 * ?at= of /stock) also a fraction of 1 to 9 digits and a "+HH:MM" or
 * "-HH:MM" offset.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "holdfast/core.h"

/* n ASCII digits at s as a number, or -1. */
static int
day_digits(const char *s, size_t n)
{
	int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
day_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m (1-12) of year y. */
int
hf_month_days(int y, int m)
{
	static const int	days[] = { 31, 28, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	return days[m - 1] + (m == 2 && day_leap(y));
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, y >= 1970). */
static int64_t
day_number(int y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * The end of a moment (HF_TIME_ZONE) at s[*n..len): a fraction of 1 to 9
 * digits (kept to the millisecond below: exact for an inclusive upper
 * bound on a DATETIME(3)), then "Z", "+HH:MM", "-HH:MM" or nothing (UTC).
 * Sets *milli and *off (minutes east of UTC); 0, or -1 if it is not one.
 */
static int
day_zone_tail(const char *s, size_t len, size_t *n, int *milli, int *off)
{
	size_t	i, k, digits;
	int	h, m;

	if (*n < len && s[*n] == '.') {
		for (i = *n + 1; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
		digits = i - (*n + 1);
		if (digits < 1 || digits > 9)
			return -1;
		for (k = 0; k < 3; k++)
			*milli = *milli * 10 + (k < digits ? s[*n + 1 + k] -
			    '0' : 0);
		*n = i;
	}
	if (*n < len && s[*n] == 'Z')
		(*n)++;
	else if (*n < len && (s[*n] == '+' || s[*n] == '-')) {
		if (len - *n != 6 || s[*n + 3] != ':' ||
		    (h = day_digits(s + *n + 1, 2)) < 0 || h > 23 ||
		    (m = day_digits(s + *n + 4, 2)) < 0 || m > 59)
			return -1;
		*off = (s[*n] == '-' ? -1 : 1) * (h * 60 + m);
		*n += 6;
	}
	return 0;
}

/*
 * Parses s[0..len): a day, or with HF_TIME_CLOCK in flags also a day and
 * a time of day with optional milliseconds and "Z" (HF_TIME_ZONE: see
 * day_zone_tail). Returns 0 with *ms set to milliseconds since the epoch,
 * or -1 when s is not one (or, with an offset, is before 1970).
 */
int
hf_time_parse(const char *s, size_t len, int flags, int64_t *ms)
{
	int	y, mo, d, h = 0, mi = 0, sec = 0, milli = 0, off = 0;
	size_t	n = 10;

	if (s == NULL || len < 10 || s[4] != '-' || s[7] != '-' ||
	    (y = day_digits(s, 4)) < 1970 || (mo = day_digits(s + 5, 2)) < 1 ||
	    mo > 12 || (d = day_digits(s + 8, 2)) < 1 ||
	    d > hf_month_days(y, mo))
		return -1;
	if (len > 10) {
		if (!(flags & (HF_TIME_CLOCK | HF_TIME_ZONE)) || len < 19 ||
		    s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
		    (h = day_digits(s + 11, 2)) < 0 || h > 23 ||
		    (mi = day_digits(s + 14, 2)) < 0 || mi > 59 ||
		    (sec = day_digits(s + 17, 2)) < 0 || sec > 59)
			return -1;
		n = 19;
		if (flags & HF_TIME_ZONE) {
			if (day_zone_tail(s, len, &n, &milli, &off) != 0)
				return -1;
		} else {
			if (n < len && s[n] == '.') {
				if (len < n + 4 || (milli = day_digits(s +
				    n + 1, 3)) < 0)
					return -1;
				n += 4;
			}
			if (n < len && s[n] == 'Z')
				n++;
		}
		if (n != len)
			return -1;
	}
	*ms = ((day_number(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    (int64_t)off * 60) * 1000) + milli;
	return *ms >= 0 ? 0 : -1;
}

/* "YYYY-MM-DD" as seconds since the epoch at 00:00 UTC, or -1. */
long long
hf_day_parse(const char *s)
{
	int64_t	ms;

	if (s == NULL || hf_time_parse(s, strlen(s), 0, &ms) != 0)
		return -1;
	return (long long)(ms / 1000);
}
