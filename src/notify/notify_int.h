/*
 * notify_int.h: what the files of src/notify share and nobody else sees:
 * the notifier, one curl easy handle per process (reset before each use).
 */
#ifndef HOLDFAST_NOTIFY_INT_H
#define HOLDFAST_NOTIFY_INT_H

#include <curl/curl.h>

#include "holdfast/notify.h"

struct notifier {
	const struct hf_config	*cfg;
	CURL			*curl;
	int			 from_ok;	/* smtp_from parsed */
	char			 mail_from[258];/* "<addr>" */
	char			 domain[256];	/* of the Message-ID */
	int			 refused;	/* a webhook target address */
	char			 errbuf[CURL_ERROR_SIZE];
};

#endif /* HOLDFAST_NOTIFY_INT_H */
