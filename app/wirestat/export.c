/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow export on the management lcore: every ended flow record goes to each
 * IPFIX collector (docs/ipfix.md). Nothing here blocks; the exporters drop
 * and count what their collectors do not take.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wirestat.h"

/* At shutdown, how long TCP output may take to leave. */
#define DRAIN_MS 3000

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

int
ws_export_setup(struct ws_app *app, char *err, size_t err_size)
{
	unsigned int i;

	for (i = 0; i < app->run.n_ipfix; i++) {
		app->ipfix[i] = ws_ipfix_exporter_create(&app->run.ipfix[i], err, err_size);
		if (!app->ipfix[i])
			return -EINVAL;
		app->n_ipfix = i + 1;
	}
	return 0;
}

void
ws_export_records(struct ws_app *app, const struct ws_flow *rec, unsigned int n)
{
	uint64_t now;
	unsigned int i, j;

	if (!app->n_ipfix)
		return;
	now = mono_ns();
	for (i = 0; i < app->n_ipfix; i++)
		for (j = 0; j < n; j++)
			ws_ipfix_exporter_add(app->ipfix[i], &rec[j], now);
}

void
ws_export_poll(struct ws_app *app)
{
	uint64_t now;
	unsigned int i;

	if (!app->n_ipfix)
		return;
	now = mono_ns();
	for (i = 0; i < app->n_ipfix; i++)
		ws_ipfix_exporter_poll(app->ipfix[i], now);
}

/* Shutdown: send what is left, waiting a bounded time for TCP collectors. */
void
ws_export_drain(struct ws_app *app)
{
	unsigned int i;

	for (i = 0; i < app->n_ipfix; i++)
		if (ws_ipfix_exporter_drain(app->ipfix[i], DRAIN_MS) < 0)
			fprintf(stderr, "wirestat: IPFIX collector %s: output left unsent\n",
				app->run.ipfix[i].collector);
}

void
ws_export_destroy(struct ws_app *app)
{
	unsigned int i;

	for (i = 0; i < app->n_ipfix; i++)
		ws_ipfix_exporter_destroy(app->ipfix[i]);
	app->n_ipfix = 0;
}

/* One object per collector: what was sent, what was lost. */
json_t *
ws_export_json(struct ws_app *app)
{
	json_t *list = json_array();
	struct ws_ipfix_counters c;
	unsigned int i;

	for (i = 0; i < app->n_ipfix; i++) {
		const struct ws_ipfix_conf *k = &app->run.ipfix[i];

		ws_ipfix_exporter_counters(app->ipfix[i], &c);
		json_array_append_new(
			list,
			json_pack(
				"{s:s, s:s, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
				"s:I}",
				"collector", k->collector, "transport",
				k->transport == WS_IPFIX_TCP ? "tcp" : "udp", "observation_domain",
				(json_int_t)k->domain, "connected", c.connected, "messages",
				(json_int_t)c.messages, "records", (json_int_t)c.records, "bytes",
				(json_int_t)c.bytes, "templates", (json_int_t)c.templates,
				"messages_dropped", (json_int_t)c.messages_dropped,
				"records_dropped", (json_int_t)c.records_dropped, "send_errors",
				(json_int_t)c.send_errors, "connects", (json_int_t)c.connects,
				"connect_failures", (json_int_t)c.connect_failures, "queued_bytes",
				(json_int_t)c.queued));
	}
	return json_pack("{s:o}", "ipfix", list);
}
