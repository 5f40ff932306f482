/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the control protocol's request handling: lines of
 * bytes through ws_ctl_server_request() (parse, rights, dispatch, reply), no
 * socket traffic. The first byte's low bit makes the peer an administrator;
 * the rest is split into lines as the socket reader splits them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ws_ctl.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool peer_admin;

/* Field checks of the kind the daemon's handlers make. */
static int
cmd_args(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	const json_t *n = json_object_get(req, "n");
	const char *what = json_string_value(json_object_get(req, "what"));

	(void)ctx;
	if (n &&
	    (!json_is_integer(n) || json_integer_value(n) < 1 || json_integer_value(n) > 100000)) {
		snprintf(err, err_size, "\"n\" must be an integer from 1 to 100000");
		return EINVAL;
	}
	if (what && strcmp(what, "dst") && strcmp(what, "src")) {
		snprintf(err, err_size, "\"what\" must be dst or src, not '%.64s'", what);
		return EINVAL;
	}
	*result = json_deep_copy(req);
	return *result ? 0 : ENOMEM;
}

static bool
change_if_set(const json_t *req)
{
	return json_object_get(req, "set") || json_is_true(json_object_get(req, "clear"));
}

/* A change must never run for a peer without rights. */
static int
cmd_reset(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	if (!peer_admin)
		abort();
	return cmd_args(ctx, req, result, err, err_size);
}

static int
cmd_filter(void *ctx, const json_t *req, json_t **result, char *err, size_t err_size)
{
	if (!peer_admin && change_if_set(req))
		abort();
	return cmd_args(ctx, req, result, err, err_size);
}

static const struct ws_ctl_cmd cmds[] = {
	{"top", "reads", cmd_args, NULL},
	{"reset", "changes", cmd_reset, ws_ctl_changes_always},
	{"filter", "changes with set/clear", cmd_filter, change_if_set},
	{NULL, NULL, NULL, NULL},
};

static struct ws_ctl_server *
server(void)
{
	static struct ws_ctl_server *s;
	static char dir[] = "/tmp/wsfuzzctl.XXXXXX";
	char path[64];

	if (s)
		return s;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	s = ws_ctl_server_create(path, 0600, (gid_t)-1, cmds, NULL);
	if (!s)
		abort();
	/* The socket file is not used: remove it now, nothing is left behind. */
	unlink(path);
	rmdir(dir);
	return s;
}

static void
check_reply(json_t *rep)
{
	const json_t *st = json_object_get(rep, "status");
	char *txt;

	if (!json_is_object(rep) || !json_is_integer(st) || json_integer_value(st) < 0)
		abort();
	if (json_integer_value(st) != 0 && !json_is_string(json_object_get(rep, "error")))
		abort();
	txt = json_dumps(rep, JSON_COMPACT);
	if (!txt || strchr(txt, '\n'))
		abort(); /* one reply, one line */
	free(txt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_ctl_server *s = server();
	struct ws_ctl_peer p = {.pid = 1, .uid = 4242, .gid = 4242};
	const char *line, *end, *nl;
	json_t *rep;

	if (size < 1 || size > WS_CTL_REQ_MAX)
		return 0;
	peer_admin = p.admin = data[0] & 1;
	line = (const char *)data + 1;
	end = (const char *)data + size;
	while (line < end) {
		nl = memchr(line, '\n', end - line);
		if (!nl)
			nl = end; /* the reader would wait for the rest; answer it anyway */
		if (nl > line) {
			rep = ws_ctl_server_request(s, &p, line, nl - line);
			if (!rep)
				abort();
			check_reply(rep);
			json_decref(rep);
		}
		line = nl + 1;
	}
	return 0;
}
