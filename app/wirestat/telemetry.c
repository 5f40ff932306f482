/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands /wirestat/...: the control socket's replies, for
 * dpdk-telemetry.py and other DPDK tooling (docs/control.md lists them).
 *
 * Telemetry callbacks run on DPDK's telemetry threads, one per client, but
 * what they would report belongs to the management lcore, which changes it
 * without locks. So a callback reads nothing of it: it posts the request to a
 * one-slot mailbox, wakes the management lcore through an eventfd in its
 * poll, and waits (at most WS_TELEMETRY_WAIT_MS) for the reply, which the
 * management lcore builds with the control socket's own handler. The reply is
 * a JSON object no other thread holds; the callback turns it into telemetry
 * data on its own thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_telemetry.h>

#include "wirestat.h"

/** How long a telemetry request waits for the management lcore. */
#define WS_TELEMETRY_WAIT_MS 2000
/** DPDK telemetry writes at most 16 KiB per reply and silently drops what does not fit. */
#define TEL_OUTPUT_MAX (16 * 1024 - 256)

static struct {
	pthread_mutex_t call; /* one request in the mailbox at a time */
	pthread_mutex_t lock; /* the fields below */
	pthread_cond_t answered;
	int efd;     /* -1: not set up, or stopped */
	json_t *req; /* posted and not yet answered */
	json_t *reply;
	uint64_t requests, timeouts;
} box = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, -1};

/* The commands: telemetry name, control command, the key its parameter goes to. */
static const struct {
	const char *path, *cmd, *param, *help;
} tel_cmds[] = {
	{"/wirestat/status", "status", NULL, "Ports up, drops, uptime. No parameters"},
	{"/wirestat/stats", "stats", "n", "Report without rates. Parameter: entries per list"},
	{"/wirestat/ports", "ports", NULL, "Per port: NIC counters, xstats. No parameters"},
	{"/wirestat/cores", "cores", NULL, "Per RX lcore: packets, spread, drops, busy"},
	{"/wirestat/flows", "flows", "n", "Flow counts, largest ended flows. Parameter: count"},
	{"/wirestat/filter", "filter", NULL, "The capture filter and its counters"},
	{"/wirestat/unique", "unique", NULL, "Distinct sources, destinations, conversations"},
	{"/wirestat/top", "top", "what", "One top list. Parameter: dst|src|ports|hosts|pairs"},
};

static int tel_add(struct rte_tel_data *d, const char *key, const json_t *v);

/* Arrays of numbers or strings stay arrays; any other becomes a dict keyed "0", "1", ... */
static int
tel_array(struct rte_tel_data *d, const json_t *a)
{
	size_t i, n_int = 0, n_str = 0, n = json_array_size(a);
	const json_t *v;
	char key[24];
	int rc = 0;

	json_array_foreach(a, i, v)
	{
		n_int += json_is_integer(v) && json_integer_value(v) >= 0;
		n_str += json_is_string(v);
	}
	if (n_int == n || n_str == n) {
		rte_tel_data_start_array(d, n_int == n ? RTE_TEL_U64_VAL : RTE_TEL_STRING_VAL);
		json_array_foreach(a, i, v)
		{
			if (n_int == n)
				rc = rte_tel_data_add_array_u64(d, json_integer_value(v));
			else
				rc = rte_tel_data_add_array_string(d, json_string_value(v));
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	rte_tel_data_start_dict(d);
	json_array_foreach(a, i, v)
	{
		snprintf(key, sizeof(key), "%zu", i);
		rc = tel_add(d, key, v);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
tel_object(struct rte_tel_data *d, const json_t *o)
{
	const char *k;
	json_t *v;
	int rc;

	rte_tel_data_start_dict(d);
	json_object_foreach((json_t *)o, k, v)
	{
		rc = tel_add(d, k, v);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* One dict entry. Telemetry has no floats or booleans: those become strings and 0/1. */
static int
tel_add(struct rte_tel_data *d, const char *key, const json_t *v)
{
	struct rte_tel_data *sub;
	char s[RTE_TEL_MAX_STRING_LEN];
	int rc;

	switch (json_typeof(v)) {
	case JSON_INTEGER:
		if (json_integer_value(v) >= 0)
			return rte_tel_data_add_dict_u64(d, key, json_integer_value(v));
		return rte_tel_data_add_dict_int(d, key, (int)json_integer_value(v));
	case JSON_REAL:
		snprintf(s, sizeof(s), "%.6f", json_real_value(v));
		return rte_tel_data_add_dict_string(d, key, s);
	case JSON_STRING:
		snprintf(s, sizeof(s), "%s", json_string_value(v));
		return rte_tel_data_add_dict_string(d, key, s);
	case JSON_TRUE:
	case JSON_FALSE:
		return rte_tel_data_add_dict_u64(d, key, json_is_true(v));
	case JSON_NULL:
		return 0;
	default:
		break;
	}
	sub = rte_tel_data_alloc();
	if (!sub)
		return -ENOMEM;
	rc = json_is_object(v) ? tel_object(sub, v) : tel_array(sub, v);
	if (rc == 0)
		rc = rte_tel_data_add_dict_container(d, key, sub, 0);
	if (rc < 0)
		rte_tel_data_free(sub);
	return rc;
}

/* The control request for a telemetry command and its parameter. */
static json_t *
request_for(const char *path, const char *params)
{
	unsigned int i;
	json_t *req;
	char *end;
	long n;

	for (i = 0; i < RTE_DIM(tel_cmds); i++)
		if (!strcmp(path, tel_cmds[i].path))
			break;
	if (i == RTE_DIM(tel_cmds))
		return NULL;
	req = json_pack("{s:s}", "cmd", tel_cmds[i].cmd);
	if (req && params && params[0] && tel_cmds[i].param) {
		n = strtol(params, &end, 10);
		/* A number where one is wanted; anything else goes as text, for the handler's
		 * own message. */
		json_object_set_new(req, tel_cmds[i].param,
				    *end || !strcmp(tel_cmds[i].param, "what") ? json_string(params)
									       : json_integer(n));
	}
	return req;
}

/* Post req and wait for the management lcore's reply. @return the reply, or NULL. */
static json_t *
ask(json_t *req)
{
	struct timespec deadline;
	uint64_t one = 1;
	json_t *reply;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += WS_TELEMETRY_WAIT_MS / 1000;
	deadline.tv_nsec += (WS_TELEMETRY_WAIT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&box.call);
	pthread_mutex_lock(&box.lock);
	box.requests++;
	if (box.efd < 0 || write(box.efd, &one, sizeof(one)) != sizeof(one)) {
		pthread_mutex_unlock(&box.lock);
		pthread_mutex_unlock(&box.call);
		return NULL;
	}
	box.req = req;
	box.reply = NULL;
	while (!box.reply && rc != ETIMEDOUT && box.efd >= 0)
		rc = pthread_cond_timedwait(&box.answered, &box.lock, &deadline);
	reply = box.reply;
	box.timeouts += !reply;
	box.req = box.reply = NULL;
	pthread_mutex_unlock(&box.lock);
	pthread_mutex_unlock(&box.call);
	return reply;
}

static int
tel_callback(const char *path, const char *params, struct rte_tel_data *d)
{
	json_t *req = request_for(path, params), *reply;
	char *txt;
	int rc;

	if (!req)
		return -EINVAL;
	reply = ask(req);
	json_decref(req);
	if (!reply)
		return -EAGAIN; /* telemetry answers {"/wirestat/...": null} */
	txt = json_dumps(reply, JSON_COMPACT);
	if (txt && strlen(txt) > TEL_OUTPUT_MAX) {
		/* Better said than cut short by telemetry without a word. */
		json_decref(reply);
		reply = json_pack("{s:i, s:s}", "status", EMSGSIZE, "error",
				  "reply over DPDK telemetry's 16 KiB; ask for fewer entries "
				  "or use wirestatctl");
	}
	free(txt);
	if (!reply)
		rc = -ENOMEM;
	else
		rc = json_is_object(reply) ? tel_object(d, reply) : tel_array(d, reply);
	json_decref(reply);
	return rc;
}

int
ws_telemetry_init(void)
{
	pthread_condattr_t attr;
	unsigned int i;
	int rc;

	/* Deadlines on the monotonic clock: a wall clock step must not cut a wait short. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&box.answered, &attr);
	pthread_condattr_destroy(&attr);
	box.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (box.efd < 0)
		return -errno;
	for (i = 0; i < RTE_DIM(tel_cmds); i++) {
		rc = rte_telemetry_register_cmd(tel_cmds[i].path, tel_callback, tel_cmds[i].help);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
ws_telemetry_fd(void)
{
	return box.efd;
}

/* Management lcore: answer the request waiting in the mailbox, if any. */
void
ws_telemetry_serve(struct ws_app *app)
{
	const struct ws_ctl_cmd *c;
	const char *name;
	char err[256] = "";
	uint64_t n;
	json_t *result = NULL;
	int status;

	if (read(box.efd, &n, sizeof(n)) < 0)
		return; /* nothing posted: a spurious wake-up */
	pthread_mutex_lock(&box.lock);
	if (box.req && !box.reply) {
		name = json_string_value(json_object_get(box.req, "cmd"));
		for (c = ws_mgmt_cmds; c->name && strcmp(c->name, name); c++)
			;
		status = c->name ? c->fn(app, box.req, &result, err, sizeof(err)) : ENOENT;
		if (status) {
			json_decref(result);
			result = json_pack("{s:i, s:s}", "status", status, "error",
					   err[0] ? err : strerror(status));
		} else if (!strcmp(name, "stats")) {
			/* The per-second series alone would pass telemetry's 16 KiB. */
			json_object_del(result, "rates");
		}
		box.reply = result ? result : json_object();
		pthread_cond_signal(&box.answered);
	}
	pthread_mutex_unlock(&box.lock);
}

/* No request is answered after this; one waiting is woken with none. */
void
ws_telemetry_stop(void)
{
	pthread_mutex_lock(&box.lock);
	if (box.efd >= 0)
		close(box.efd);
	box.efd = -1;
	pthread_cond_broadcast(&box.answered);
	pthread_mutex_unlock(&box.lock);
}

void
ws_telemetry_counters(uint64_t *requests, uint64_t *timeouts)
{
	pthread_mutex_lock(&box.lock);
	*requests = box.requests;
	*timeouts = box.timeouts;
	pthread_mutex_unlock(&box.lock);
}
