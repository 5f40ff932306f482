/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus text exposition format 0.0.4:
 *
 *   # HELP wirestat_packets_total Packets analysed.
 *   # TYPE wirestat_packets_total counter
 *   wirestat_packets_total 1234
 *   wirestat_port_rx_packets_total{port="uplink"} 1240
 *
 * HELP text escapes '\' and newline; label values also '"'.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws_prom.h"

static void __attribute__((format(printf, 3, 4)))
fail(struct ws_prom_writer *w, int err, const char *fmt, ...)
{
	va_list ap;

	if (w->err)
		return;
	w->err = err;
	va_start(ap, fmt);
	vsnprintf(w->err_msg, sizeof(w->err_msg), fmt, ap);
	va_end(ap);
}

static int
reserve(struct ws_prom_writer *w, size_t n)
{
	size_t cap;
	char *p;

	if (w->err)
		return w->err;
	if (w->len + n > w->max) {
		fail(w, -ENOBUFS, "exposition over %zu bytes", w->max);
		return w->err;
	}
	if (w->len + n <= w->cap)
		return 0;
	cap = w->cap ? w->cap : 16384;
	while (cap < w->len + n)
		cap *= 2;
	p = realloc(w->buf, cap);
	if (!p) {
		fail(w, -ENOMEM, "out of memory");
		return w->err;
	}
	w->buf = p;
	w->cap = cap;
	return 0;
}

static void
put(struct ws_prom_writer *w, const char *s, size_t n)
{
	if (reserve(w, n) == 0) {
		memcpy(w->buf + w->len, s, n);
		w->len += n;
	}
}

static void
puts_(struct ws_prom_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Escape '\' and newline, and '"' too when quoted. */
static void
put_escaped(struct ws_prom_writer *w, const char *s, int quoted)
{
	for (; *s; s++) {
		if (*s == '\\')
			put(w, "\\\\", 2);
		else if (*s == '\n')
			put(w, "\\n", 2);
		else if (*s == '"' && quoted)
			put(w, "\\\"", 2);
		else
			put(w, s, 1);
	}
}

static int
name_ok(const char *s, int colon)
{
	const char *p;

	if (!s[0] || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || (colon && *p == ':')))
			return 0;
	return 1;
}

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

void
ws_prom_writer_init(struct ws_prom_writer *w, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->max = max;
}

void
ws_prom_writer_free(struct ws_prom_writer *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

void
ws_prom_writer_reset(struct ws_prom_writer *w)
{
	w->len = 0;
	w->err = 0;
	w->err_msg[0] = '\0';
	w->family[0] = '\0';
	w->n_done = 0;
}

void
ws_prom_family(struct ws_prom_writer *w, const char *name, enum ws_prom_type type, const char *help)
{
	size_t n = strlen(name);
	uint32_t h = hash(name);
	unsigned int i;

	if (!name_ok(name, 1) || n >= sizeof(w->family)) {
		fail(w, -EINVAL, "'%.60s' is not a metric name", name);
		return;
	}
	if (type == WS_PROM_COUNTER && (n < 6 || strcmp(name + n - 6, "_total"))) {
		fail(w, -EINVAL, "counter '%s' does not end in _total", name);
		return;
	}
	/* A hash collision would only refuse a name falsely, and a test sees that. */
	for (i = 0; i < w->n_done; i++)
		if (w->done[i] == h) {
			fail(w, -EINVAL, "family '%s' written twice", name);
			return;
		}
	if (w->n_done == sizeof(w->done) / sizeof(w->done[0])) {
		fail(w, -EINVAL, "more than %u families", w->n_done);
		return;
	}
	w->done[w->n_done++] = h;
	memcpy(w->family, name, n + 1);
	puts_(w, "# HELP ");
	puts_(w, name);
	put(w, " ", 1);
	put_escaped(w, help, 0);
	puts_(w, "\n# TYPE ");
	puts_(w, name);
	puts_(w, type == WS_PROM_COUNTER ? " counter\n" : " gauge\n");
}

static void
sample_head(struct ws_prom_writer *w, const struct ws_prom_label *labels, unsigned int n)
{
	unsigned int i;

	if (!w->family[0]) {
		fail(w, -EINVAL, "a sample before any family");
		return;
	}
	puts_(w, w->family);
	for (i = 0; i < n; i++) {
		if (!name_ok(labels[i].name, 0) || !strncmp(labels[i].name, "__", 2)) {
			fail(w, -EINVAL, "'%.60s' is not a label name", labels[i].name);
			return;
		}
		put(w, i ? "," : "{", 1);
		puts_(w, labels[i].name);
		put(w, "=\"", 2);
		put_escaped(w, labels[i].value, 1);
		put(w, "\"", 1);
	}
	if (n)
		put(w, "}", 1);
}

void
ws_prom_sample(struct ws_prom_writer *w, const struct ws_prom_label *labels, unsigned int n,
	       uint64_t value)
{
	char num[32];

	sample_head(w, labels, n);
	snprintf(num, sizeof(num), " %" PRIu64 "\n", value);
	puts_(w, num);
}

void
ws_prom_sample_f(struct ws_prom_writer *w, const struct ws_prom_label *labels, unsigned int n,
		 double value)
{
	char num[40];

	sample_head(w, labels, n);
	if (isnan(value))
		snprintf(num, sizeof(num), " NaN\n");
	else if (isinf(value))
		snprintf(num, sizeof(num), value > 0 ? " +Inf\n" : " -Inf\n");
	else
		snprintf(num, sizeof(num), " %.9g\n", value);
	puts_(w, num);
}

int
ws_prom_writer_error(const struct ws_prom_writer *w)
{
	return w->err;
}
