/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wirestat -r FILE --html REPORT: the report as one page that needs nothing
 * else (report.html: inline CSS, and a script that draws SVG charts and
 * tables from the report's JSON, embedded here).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "report_html.h"
#include "wirestat.h"

/*
 * The JSON inside <script>: '<' written as \u003c, so that no string from
 * the traffic can close the element or start a comment in it.
 */
static int
put_json(FILE *f, const json_t *report)
{
	char *s = json_dumps(report, JSON_COMPACT), *p;

	if (!s)
		return -ENOMEM;
	for (p = s; *p; p++)
		if (*p == '<')
			fputs("\\u003c", f);
		else
			fputc(*p, f);
	free(s);
	return 0;
}

int
ws_html_write(FILE *f, const json_t *report)
{
	int rc;

	fputs(report_html_head, f);
	fputs("<script type=\"application/json\" id=\"report\">", f);
	rc = put_json(f, report);
	fputs("</script>\n", f);
	fputs(report_html_tail, f);
	if (fflush(f) != 0 || ferror(f))
		return rc ? rc : -EIO;
	return rc;
}
